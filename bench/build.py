"""Benchmark ``pmsite build`` against MkDocs and Hugo on generated postmortems.

For each size (default 1,000 and 5,000) this generates a git repository of
postmortems of realistic length (the bundled sample bodies, varied so that no
two files share a body), then times, each in a fresh process:

- pmsite cold: no caches at all (lint parses every file with spaCy), once;
- pmsite cold, lint cache warm: no site and no cache but the lint cache (no
  rendered Markdown, parsed front-matter, validation results, mined history
  or replaced site to start from);
- pmsite warm: nothing changed since the previous build;
- pmsite one changed: one postmortem edited (includes the search re-index,
  which is also timed alone, as the build runs it);
- MkDocs: ``mkdocs build`` of the same Markdown files (default theme, no plugins);
- Hugo: ``hugo`` with minimal single/list layouts over the same Markdown files.

Everything but the first cold build runs ``--repeat`` times (default 3), in
rounds, so that MkDocs and pmsite see the same moments of a noisy machine; it
prints the median and the range of each, pmsite's median per-stage times and
the ratios the issue asks for (of medians, and the range of the per-round ratio).

pmsite runs from this checkout with Python's bytecode cache on, as an installed
package has it (pip compiles modules when it installs them), even where
PYTHONDONTWRITEBYTECODE is set.

Run:  python bench/build.py [--sizes 1000 5000] [--repeat 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((REPO_ROOT / "content" / "postmortems").glob("*.md"))
WORDS = ("latency", "queue", "replica", "timeout", "deploy", "rollback", "cache", "alert", "runbook", "quota",
         "failover", "certificate", "throttle", "backlog", "index", "shard", "lease", "retry", "pool", "probe")
STAGE = re.compile(r"(\w+) ([\d.]+) s")
#: The caches' folder (PMSITE_CACHE_DIR, git-ignored) inside each generated repository.
CACHE = ".pmsite-cache"


def generate(root: Path, count: int) -> None:
    """``count`` postmortems in a fresh git repository, one commit."""
    rng = random.Random(count)
    content = root / "content" / "postmortems"
    content.mkdir(parents=True)
    (root / "pmsite.yaml").write_text("title: Bench postmortems\nedit_url: https://git.example/{path}\n")
    sources = [path.read_text(encoding="utf-8") for path in SAMPLES]
    published = [s for s in sources if re.search(r"^status: published$", s, re.M)]
    for number in range(count):
        text = published[number % len(published)]
        year = 2020 + number % 6
        month, day = 1 + number // 6 % 12, 1 + number // 72 % 28
        date = f"{year}-{month:02d}-{day:02d}"
        text = re.sub(r"^id: .*$", f"id: PM-{year}-{number:05d}", text, count=1, flags=re.M)
        text = re.sub(r"^title: (.*)$", lambda m: f"title: {m.group(1)} ({number})", text, count=1, flags=re.M)
        text = re.sub(r"^related: .*$", "related: []", text, flags=re.M)
        if number % 20:  # one in twenty keeps its sample's fingerprint (a recurrence), the rest are unique
            text = re.sub(r"^fingerprint: (.*)$", lambda m: f"fingerprint: {m.group(1)}-{number}", text, flags=re.M)
        original = dt.date.fromisoformat(re.search(r"^date: (\S+)$", text, re.M).group(1))
        shift = dt.date.fromisoformat(date) - original  # every date moves together, so their order holds
        text = re.sub(r"\b20\d\d-\d\d-\d\d\b", lambda m: (dt.date.fromisoformat(m.group(0)) + shift).isoformat(), text)
        text = re.sub(r"^published: .*\n", "", text, flags=re.M)
        extra = " ".join(rng.choice(WORDS) for _ in range(40))
        text = text.rstrip("\n") + f"\n\nBench note {number}: the {extra}.\n"
        (content / f"{date}-bench-{number:05d}.md").write_text(text, encoding="utf-8")
    git = ["git", "-C", str(root), "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    (root / ".gitignore").write_text(".pmsite-cache/\nsite/\nmkdocs-site/\nhugo/\n")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "postmortems"], check=True)


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout


def pmsite_build(root: Path) -> tuple[float, dict[str, float]]:
    """Time ``pmsite build`` of this checkout (not whichever pmsite is installed)."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    environment["PMSITE_CACHE_DIR"] = str(root / CACHE)  # beside the repository, so each round can drop it
    elapsed, output = timed([sys.executable, "-m", "pmsite", "build", "--as-of", "2026-01-01"], root, environment)
    time_line = next(line for line in output.splitlines() if line.startswith("Time: "))
    return elapsed, {name: float(seconds) for name, seconds in STAGE.findall(time_line)}


def forget_all_but_lint(root: Path) -> None:
    """The state of a cold build that may keep only its lint cache."""
    shutil.rmtree(root / "site", ignore_errors=True)
    for folder in (root / CACHE).iterdir():
        if folder.name != "lint":
            shutil.rmtree(folder)


def reindex_alone(root: Path) -> float:
    """Time the search re-index by itself, as the build just run did it.

    A build starts Pagefind while it still renders pages, so its index stage is
    only what is left of the run; the target for one changed file is "under 2 s
    plus the search re-index", so the re-index is timed on its own: the index
    stage's own function over a copy of the built site (hard links), starting
    from the index of the site that build replaced, as the build did.
    """
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from pmsite.index import BUNDLE_FOLDER, build_index

    site, previous = root / "site", root / CACHE / "site" / "replaced" / BUNDLE_FOLDER
    with tempfile.TemporaryDirectory(dir=root) as work:
        copy = Path(work) / "site"
        shutil.copytree(site, copy, copy_function=os.link,
                        ignore=lambda folder, names: [BUNDLE_FOLDER] if Path(folder) == site else [])
        started = time.perf_counter()
        build_index(copy, "en", previous=previous if previous.is_dir() else None)
        return time.perf_counter() - started


def mkdocs_build(root: Path) -> float:
    (root / "mkdocs.yml").write_text("site_name: Bench\ndocs_dir: content\nsite_dir: mkdocs-site\n"
                                     "theme:\n  name: mkdocs\n")
    shutil.rmtree(root / "mkdocs-site", ignore_errors=True)
    return timed([sys.executable, "-m", "mkdocs", "build", "-q"], root)[0]


def hugo_site(root: Path) -> Path:
    """A Hugo site over the same Markdown files, with minimal single and list layouts."""
    site = root / "hugo"
    (site / "content").mkdir(parents=True)
    shutil.copytree(root / "content" / "postmortems", site / "content" / "postmortems")
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    page = ("<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>"
            "{{ .TableOfContents }}{{ .Content }}</body></html>")
    (layouts / "single.html").write_text(page)
    (layouts / "list.html").write_text("<!doctype html><html><body><h1>{{ .Title }}</h1><ul>{{ range .Pages }}"
                                       "<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul></body></html>")
    (site / "hugo.toml").write_text('baseURL = "/"\ntitle = "Bench"\ndisableKinds = ["taxonomy", "term"]\n'
                                    "[markup.goldmark.renderer]\nunsafe = true\n")
    return site


def hugo_build(site: Path) -> float:
    shutil.rmtree(site / "public", ignore_errors=True)
    return timed(["hugo", "--quiet", "--source", str(site)], site)[0]


def spread(values: list[float]) -> str:
    """``median (min-max)``, or the one value."""
    if len(values) == 1:
        return f"{values[0]:7.2f} s"
    return f"{statistics.median(values):7.2f} s ({min(values):.2f}-{max(values):.2f})"


def bench(size: int, work: Path, repeat: int) -> None:
    root = work / f"bench-{size}"
    if root.exists():
        shutil.rmtree(root)
    started = time.perf_counter()
    generate(root, size)
    words = sum(len(p.read_text().split()) for p in (root / "content" / "postmortems").glob("*.md"))
    print(f"\n== {size} postmortems ({words / size:.0f} words each on average; generated in "
          f"{time.perf_counter() - started:.1f} s) ==")
    hugo = hugo_site(root)
    changed = sorted((root / "content" / "postmortems").glob("*.md"))[size // 2]

    runs: dict[str, list[tuple[float, dict[str, float]]]] = {
        "cold (no caches)": [pmsite_build(root)], "cold, lint cache warm": [], "warm, nothing changed": [],
        "one file changed": []}
    others: dict[str, list[float]] = {"MkDocs build": [], "Hugo build": [], "search re-index alone": []}
    for round_ in range(repeat):
        forget_all_but_lint(root)
        runs["cold, lint cache warm"].append(pmsite_build(root))
        others["MkDocs build"].append(mkdocs_build(root))
        runs["warm, nothing changed"].append(pmsite_build(root))
        changed.write_text(re.sub(r"Bench note( \(edit \d+\))?", f"Bench note (edit {round_})", changed.read_text()))
        runs["one file changed"].append(pmsite_build(root))
        others["search re-index alone"].append(reindex_alone(root))
        others["Hugo build"].append(hugo_build(hugo))

    def median_stages(name: str) -> dict[str, float]:
        stages = [run[1] for run in runs[name]]
        return {stage: statistics.median(s[stage] for s in stages) for stage in stages[0] if stage != "total"}

    for name, measured in runs.items():
        detail = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in median_stages(name).items())
        print(f"  pmsite {name:<24} {spread([m[0] for m in measured])}   (median stages: {detail})")
    for name, values in others.items():
        print(f"  {name:<31} {spread(values)}")

    def ratio(numerators: list[float], denominators: list[float]) -> str:
        per_round = [n / d for n, d in zip(numerators, denominators)]
        return (f"{statistics.median(numerators) / statistics.median(denominators):.2f}x"
                + (f" (per round {min(per_round):.2f}-{max(per_round):.2f})" if len(per_round) > 1 else ""))

    cold = runs["cold, lint cache warm"]
    cold_render = [stages["render"] for _, stages in cold]
    print(f"  render stage per page, cold: {1000 * statistics.median(cold_render) / size:.2f} ms; Hugo whole build "
          f"per page: {1000 * statistics.median(others['Hugo build']) / size:.2f} ms; ratio "
          f"{ratio(cold_render, others['Hugo build'])} (target <= 3x)")
    print(f"  cold build with warm lint cache vs MkDocs: {ratio([c[0] for c in cold], others['MkDocs build'])} "
          "(target < 1)")
    warm = [elapsed for elapsed, _ in runs["warm, nothing changed"]]
    one = runs["one file changed"]
    print(f"  warm rebuild: {spread(warm).strip()} (target < 3 s)")
    reindex = others["search re-index alone"]
    print(f"  one changed: {spread([e for e, _ in one]).strip()}; minus the search re-index timed alone "
          f"{spread([e - r for (e, _), r in zip(one, reindex)]).strip()} (target < 2 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3, help="Rounds of the repeated builds [default: 3].")
    parser.add_argument("--work", type=Path, help="Folder for the generated repositories [default: a temp folder].")
    args = parser.parse_args()
    for tool in ("hugo", "git"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install -y {tool})")
    work = args.work or Path(tempfile.mkdtemp(prefix="pmsite-bench-"))
    for size in args.sizes:
        bench(size, work, args.repeat)


if __name__ == "__main__":
    main()
