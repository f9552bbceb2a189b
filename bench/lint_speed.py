"""Throughput of ``pmsite lint``: cold, warm (cached), and raw spaCy on the same text.

Usage: python bench/lint_speed.py [--words 200000] [--files 1000] [--corpus DIR]

Generates a corpus of realistic postmortem prose (front-matter, timeline table,
narrative, contributing factors, action items; about 3% of sentences with
blame, hindsight or counterfactual wording) split over ``--files`` files, then:

- cold: ``lint()`` with an empty cache (model already loaded; load time printed apart),
- warm: ``lint()`` again with every file cached, and ``pmsite lint`` as a subprocess,
- raw: the same spaCy pipeline parsing the full text of every file with ``nlp.pipe``.

``--corpus DIR`` also lints a folder of real postmortems (e.g. the DFDS corpus)
cold and parses the same text raw with the same pipeline, in interleaved rounds
of the same run, and compares the best round of each: real prose has far more
candidate sentences than the generated corpus.

Targets (issue 3): cold >= 5x raw words/s; warm re-lint of 1,000 files < 2 s.
Issue 13: on real prose (``--corpus``) lint stays >= 5x the raw parse.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pmsite.config import load_config
from pmsite.lint import lint
from pmsite.load import load
from pmsite.nlp import load_model

PEOPLE = ["Priya", "Tom", "Kofi", "Lena", "Marco", "Ana", "Jordan", "Sara", "Dana", "Wei"]
SERVICES = ["checkout", "payments-api", "search", "inventory", "orders-db", "kafka", "redis", "cdn", "auth"]
TEAMS = ["payments", "platform", "search", "data", "identity", "storefront"]
METRICS = ["p99 latency", "error rate", "consumer lag", "CPU", "connection count", "queue depth", "disk usage"]

NARRATIVE = [
    "The {svc} deploy at {t} changed the connection pool from {n} to {m} connections per pod.",
    "{metric} on {svc} rose to {n}% within {m} minutes of the change.",
    "The alert for {metric} fired at {t} and paged the {team} on-call.",
    "{person} acknowledged the page at {t} and opened the incident channel.",
    "The dashboard the team opens first showed {metric} for all regions together, which hid the spike in one region.",
    "The runbook for {svc} described the old topology, so the first steps pointed at the wrong cluster.",
    "The job failed to start because the config map referenced a secret that had been renamed.",
    "{person} restarted {svc} at {t}, which cleared the backlog for about {n} minutes.",
    "The retry policy in the {svc} client had no jitter, so every pod retried at the same moment.",
    "The health check failed to detect half-open connections to {svc}.",
    "Error budgets for {svc} were already at {n}% for the month before the incident.",
    "We rolled back to the previous release at {t} and {metric} returned to normal by {t2}.",
    "The canary ran for {n} minutes before peak traffic, so it never saw the load where the change mattered.",
    "Support escalated {n} tickets about failed orders between {t} and {t2}.",
    "The {team} team owned the client library and the {team2} team owned the service, and neither owned the timeout between them.",
    "The migration script failed to parse dates written in the legacy format.",
    "The approval step could be skipped with a flag that was documented for emergencies.",
    "Nobody could have known that the vendor had changed the default in a patch release.",
    "At {t} {person} noticed that {metric} on {svc} was flat while traffic kept rising.",
    "The configuration change went out with two unrelated changes in the same release.",
    "{svc} should fail closed when the dependency is unavailable, but it failed open.",
    "The incident was declared at {t} and resolved at {t2}.",
    "Traffic from the campaign email arrived {n} minutes after the rollout finished.",
    "The cache warmed up again within {n} minutes once the flag was turned off.",
]
TRIGGERS = [
    "The on-call engineer failed to notice the {metric} alert for {n} minutes.",
    "{person} should have known that {svc} shared the pool with batch jobs.",
    "It was obvious from the graphs that {svc} was saturated.",
    "The {team} team was careless with the rollout percentage.",
    "Root cause: human error while editing the {svc} config.",
    "If only {person} had checked the dashboard, the outage would have been shorter.",
]
ACTIONS = [
    "Page on {metric} for {svc} above the p95 of the busiest hour.",
    "Add a soak test at peak concurrency to the {svc} pipeline.",
    "Split the {metric} panel into per-region series.",
    "Alerts should include a link to the relevant runbook.",
    "Document the ownership of the timeout between {team} and {team2}.",
]


def fill(template: str, rng: random.Random) -> str:
    team, team2 = rng.sample(TEAMS, 2)
    hour, minute = rng.randrange(24), rng.randrange(60)
    return template.format(
        svc=rng.choice(SERVICES), person=rng.choice(PEOPLE), team=team, team2=team2, metric=rng.choice(METRICS),
        n=rng.randrange(2, 90), m=rng.randrange(2, 60), t=f"{hour:02d}:{minute:02d}",
        t2=f"{(hour + 1) % 24:02d}:{minute:02d}")


def make_postmortem(number: int, words: int, rng: random.Random) -> str:
    lines = ["---", f"id: PM-2025-{number:04d}", f"title: {fill('{svc} degraded after a config change', rng)}",
             "status: published", "severity: SEV3", "type: availability", "date: 2025-01-01",
             f"services: [{rng.choice(SERVICES)}]", f"participants: [{rng.choice(PEOPLE).lower()}]", "---", "",
             "## Timeline", "", "| Time (UTC) | Event |", "|---|---|"]
    for _ in range(4):
        lines.append(f"| {rng.randrange(24):02d}:{rng.randrange(60):02d} | {fill(rng.choice(NARRATIVE), rng)} |")
    lines += ["", "## What happened", ""]
    count = sum(len(line.split()) for line in lines)
    paragraph: list[str] = []
    while count < words:
        template = rng.choice(TRIGGERS) if rng.random() < 0.03 else rng.choice(NARRATIVE)
        sentence = fill(template, rng)
        paragraph.append(sentence)
        count += len(sentence.split())
        if len(paragraph) >= rng.randrange(3, 6):
            lines += [" ".join(paragraph), ""]
            paragraph = []
    lines += [" ".join(paragraph), "", "## Action items", ""]
    lines += [f"- {fill(rng.choice(ACTIONS), rng)}" for _ in range(3)]
    return "\n".join(lines) + "\n"


def real_prose(folder: Path, rounds: int = 5) -> None:
    """Cold lint of real postmortems against a raw parse of the same text, in one run."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.lower().startswith(("readme", "license")))
    with tempfile.TemporaryDirectory() as scratch:
        config = load_config(Path(scratch))
        postmortems = load(files, config).postmortems
        texts = [pm.text for pm in postmortems]
        words = sum(len(text.split()) for text in texts)
        nlp = load_model(None)
        lint(postmortems, config, use_cache=False)  # warm the model and the rule tables
        linted = raw = float("inf")
        for _ in range(rounds):  # interleaved, best of each: a busy machine slows both alike
            started = time.perf_counter()
            report = lint(load(files, config).postmortems, config, use_cache=False)
            linted = min(linted, time.perf_counter() - started)
            started = time.perf_counter()
            for _ in nlp.pipe(texts, batch_size=64):
                pass
            raw = min(raw, time.perf_counter() - started)
    print(f"real prose ({folder.name}): {len(texts)} files, {words:,} words, {len(report.findings)} findings")
    print(f"  cold lint: {linted:.3f} s, {words / linted:,.0f} words/s")
    print(f"  raw spaCy parse of the same text: {raw:.3f} s, {words / raw:,.0f} words/s")
    print(f"  lint / raw throughput: {raw / linted:.1f}x (target >= 5x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, help="a folder of real postmortems to time as well")
    args = parser.parse_args()
    if args.corpus:
        real_prose(args.corpus)
    rng = random.Random(20240307)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        content = root / "content" / "postmortems"
        content.mkdir(parents=True)
        (root / "pmsite.yaml").write_text("title: Speed bench\n", encoding="utf-8")
        for number in range(args.files):
            text = make_postmortem(number, args.words // args.files, rng)
            (content / f"pm-{number:04d}.md").write_text(text, encoding="utf-8")
        config = load_config(root)
        postmortems = load([content], config).postmortems
        texts = [pm.text for pm in postmortems]
        words = sum(len(text.split()) for text in texts)
        print(f"corpus: {len(texts)} files, {words:,} words")

        started = time.perf_counter()
        nlp = load_model(None)
        print(f"model load: {time.perf_counter() - started:.2f} s ({', '.join(nlp.pipe_names)})")

        started = time.perf_counter()
        report = lint(postmortems, config, cache_dir=root / "cache")
        cold = time.perf_counter() - started
        print(f"cold lint: {cold:.2f} s, {words / cold:,.0f} words/s, {len(report.findings)} findings")

        started = time.perf_counter()
        lint(load([content], config).postmortems, config, cache_dir=root / "cache")
        warm = time.perf_counter() - started
        print(f"warm lint (load + lint, all cached, in process): {warm:.2f} s")

        subprocess.run([sys.executable, "-m", "pmsite", "-C", str(root), "lint", "--format", "json"],
                       capture_output=True)  # fill the default cache
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "pmsite", "-C", str(root), "lint", "--format", "json"],
                             capture_output=True, text=True)
        print(f"warm `pmsite lint` subprocess, {len(texts)} files: {time.perf_counter() - started:.2f} s "
              f"(exit {run.returncode})")

        started = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=64):
            pass
        raw = time.perf_counter() - started
        print(f"raw spaCy parse of the same text: {raw:.2f} s, {words / raw:,.0f} words/s")
        print(f"cold / raw throughput: {raw / cold:.1f}x (target >= 5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
