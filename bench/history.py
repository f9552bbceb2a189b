"""Benchmark git history mining: 2,000 postmortems, 20,000 commits.

Generates the repository with ``git fast-import`` (publications, status changes,
edits, renames, merged side branches and unrelated commits), then times in the
same run:

- ``git log --name-status -- content/postmortems`` (the baseline),
- a cold and a warm ``pmsite metrics`` (separate processes, cache removed first;
  the warm run reuses the stored report), then ``pmsite actions --overdue``
  (a question not asked before: every stage runs, from its cache),
- the stages in-process (history cold/warm, loading the corpus, aggregating).

Targets (issue 4): cold ``pmsite metrics`` within 3x of the git log; warm under 0.5 s.

    python bench/history.py [--postmortems 2000] [--commits 20000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FOLDER = "content/postmortems"
STATUSES = ("open", "in_progress", "blocked", "done", "wont_do")
START = dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc)


def postmortem_text(number: int, day: dt.date, statuses: list[str], edit: int) -> bytes:
    items = []
    for index, status in enumerate(statuses, 1):
        items.append(
            f"  - id: AI-{index}\n    title: Fix number {index} for incident {number}\n"
            f"    category: {('monitoring', 'process', 'architecture', 'testing')[index % 4]}\n"
            f"    kind: {'systemic' if index % 2 else 'mitigation'}\n    priority: P{index % 3 + 1}\n"
            f"    owner: team-{number % 12}\n    due: {day + dt.timedelta(days=30 * index)}\n    status: {status}\n"
        )
    body = "\n".join(f"Paragraph {p} of the analysis, revision {edit}. " * 6 for p in range(8))
    return (
        f"---\nid: PM-{number:05d}\ntitle: Incident {number}\nstatus: published\n"
        f"severity: SEV{number % 4 + 1}\ntype: availability\ndate: {day}\n"
        f"started_at: {day}T10:00:00Z\ndetected_at: {day}T10:{number % 50 + 5:02d}:00Z\n"
        f"mitigated_at: {day}T12:00:00Z\nresolved_at: {day}T14:00:00Z\n"
        f"detection: {('alert', 'customer', 'human_report')[number % 3]}\n"
        f"services: [svc-{number % 30}]\nteams: [team-{number % 12}]\ntags: [tag-{number % 40}]\n"
        f"participants: [p{number % 50}, p{number % 17}]\nfingerprint: fp-{number % 300}\n"
        f"summary: Summary of incident {number}.\nlessons: [\"Lesson of incident {number}.\"]\n"
        f"action_items:\n{''.join(items)}---\n\n## Summary\n\n{body}\n"
    ).encode()


def generate(root: Path, postmortems: int, commits: int, seed: int = 7) -> None:
    """Write a fast-import stream: every commit is one first-parent step (merges bring side branches)."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream: list[bytes] = []
    state: dict[int, dict] = {}  # published postmortems: path, statuses, edits
    mark = 0
    moment = START
    step = dt.timedelta(minutes=(6 * 365 * 24 * 60) // commits)
    publications = sorted(rng.sample(range(commits - 10), postmortems))
    next_pub = 0

    def header(branch: str, message: str, parents: list[int]) -> None:
        nonlocal mark
        mark += 1
        seconds = int(moment.timestamp())
        who = rng.choice(("Priya Raman <priya@example.com>", "Tom Okafor <tom@example.com>",
                          "Aiko Sato <aiko@example.com>"))
        data = message.encode()
        stream.append(f"commit refs/heads/{branch}\nmark :{mark}\nauthor {who} {seconds} +0000\n"
                      f"committer CI <ci@example.com> {seconds} +0000\ndata {len(data)}\n".encode() + data + b"\n")
        if parents:
            stream.append(f"from :{parents[0]}\n".encode())
            for other in parents[1:]:
                stream.append(f"merge :{other}\n".encode())

    def put(path: str, data: bytes) -> None:
        stream.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    main_tip = 0
    made = 0
    while made < commits:
        moment += step
        if next_pub < postmortems and made >= publications[next_pub]:
            number = next_pub
            next_pub += 1
            day = moment.date() - dt.timedelta(days=7)
            statuses = ["open"] * rng.randint(2, 5)
            path = f"{FOLDER}/{day}-incident-{number}.md"
            state[number] = {"path": path, "statuses": statuses, "day": day, "edits": 0}
            if number % 100 == 50 and made + 2 < commits:  # published through a merged side branch
                header("side", f"Draft incident {number}", [main_tip])
                put(path, postmortem_text(number, day, statuses, 0))
                side = mark
                moment += step
                header("main", f"Merge incident {number}", [main_tip, side])
                put(path, postmortem_text(number, day, statuses, 0))  # fast-import takes the tree from 'from'
                main_tip = mark
                made += 2
                continue
            header("main", f"Publish incident {number}", [main_tip] if main_tip else [])
            put(path, postmortem_text(number, day, statuses, 0))
        elif state and rng.random() < 0.35:
            number = rng.choice(list(state))
            entry = state[number]
            header("main", f"Update incident {number}", [main_tip])
            if rng.random() < 0.01:  # a rename
                new_path = f"{FOLDER}/archive/{Path(entry['path']).name}"
                if new_path != entry["path"]:
                    stream.append(f"R {entry['path']} {new_path}\n".encode())
                    entry["path"] = new_path
            else:
                index = rng.randrange(len(entry["statuses"]))
                entry["statuses"][index] = rng.choice(STATUSES)
                entry["edits"] += 1
                put(entry["path"], postmortem_text(number, entry["day"], entry["statuses"], entry["edits"]))
        else:
            header("main", f"Unrelated change {made}", [main_tip] if main_tip else [])
            put(f"src/module{rng.randrange(200)}/file{rng.randrange(20)}.py", f"VALUE = {made}\n".encode())
        main_tip = mark
        made += 1
    stream.append(b"done\n")
    subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=root, input=b"".join(stream), check=True)
    # fast-import packs are not what a clone gives; repack as 'git gc' or a server would
    subprocess.run(["git", "repack", "-a", "-d", "-q"], cwd=root, check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    (root / ".gitignore").write_text(".pmsite-cache/\n", encoding="utf-8")


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def in_process(root: Path) -> None:
    from pmsite.aggregate import aggregate
    from pmsite.config import load_config
    from pmsite.history import mine
    from pmsite.load import load_corpus

    config = load_config(root)
    shutil.rmtree(root / ".pmsite-cache", ignore_errors=True)
    start = time.perf_counter()
    history = mine(config)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    mine(config)
    warm = time.perf_counter() - start
    start = time.perf_counter()
    postmortems = load_corpus(config)
    loading = time.perf_counter() - start
    start = time.perf_counter()
    result = aggregate(postmortems, history, config, dt.date(2025, 1, 1))
    aggregating = time.perf_counter() - start
    print(f"in process: history cold {cold:.2f} s ({history.commits_read} commits, "
          f"{len(history.postmortems)} postmortems, {len(history.warnings)} warnings), history warm {warm:.3f} s, "
          f"load corpus {loading:.2f} s, aggregate {aggregating:.2f} s ({len(result.action_items)} action items)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postmortems", type=int, default=2000)
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--keep", type=Path, help="Build the repository here and keep it.")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="pmsite-bench-")) / "repo"
    root.mkdir(parents=True, exist_ok=True)
    os.environ["PMSITE_CACHE_DIR"] = str(root / ".pmsite-cache")  # git-ignored: each run can drop it
    start = time.perf_counter()
    generate(root, args.postmortems, args.commits)
    count = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    print(f"generated {args.postmortems} postmortems, {count.strip()} commits in {time.perf_counter() - start:.1f} s")

    git_log = timed(["git", "log", "--name-status", "--", FOLDER], root)
    metrics = [sys.executable, "-m", "pmsite", "metrics", "--as-of", "2025-01-01"]
    shutil.rmtree(root / ".pmsite-cache", ignore_errors=True)
    cold = timed(metrics, root)
    warm = timed(metrics, root)
    other = timed([sys.executable, "-m", "pmsite", "actions", "--overdue", "--as-of", "2025-01-01"], root)
    startup = timed([sys.executable, "-m", "pmsite", "--help"], root)
    print(f"git log --name-status -- {FOLDER}: {git_log:.2f} s")
    print(f"pmsite metrics cold: {cold:.2f} s  (ratio to git log {cold / git_log:.1f}x, target <= 3x)")
    print(f"pmsite metrics warm: {warm:.2f} s  (target < 0.5 s; the stored report is reused)")
    print(f"pmsite actions --overdue after it: {other:.2f} s  (stage caches warm, a new report)")
    print(f"'pmsite --help' alone: {startup:.2f} s")
    in_process(root)
    if not args.keep:
        shutil.rmtree(root.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
