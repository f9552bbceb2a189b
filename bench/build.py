"""Benchmark ``pmsite build`` against MkDocs and Hugo on generated postmortems.

For each size (default 1,000 and 5,000) this generates a git repository of
postmortems of realistic length (the bundled sample bodies, varied so that no
two files share a body), then times, each in a fresh process:

- pmsite cold: no caches at all (lint parses every file with spaCy);
- pmsite cold, lint cache warm: output and render cache deleted, lint cache kept;
- pmsite warm: nothing changed since the previous build;
- pmsite one changed: one postmortem edited (includes the search re-index);
- MkDocs: ``mkdocs build`` of the same Markdown files (default theme, no plugins);
- Hugo: ``hugo`` with minimal single/list layouts over the same Markdown files.

It prints wall times, pmsite's per-stage times and the ratios the issue asks
for. Run:  python bench/build.py [--sizes 1000 5000] [--work DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
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
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    elapsed, output = timed([sys.executable, "-m", "pmsite", "build", "--as-of", "2026-01-01"], root,
                            {**os.environ, "PYTHONPATH": path})
    time_line = next(line for line in output.splitlines() if line.startswith("Time: "))
    return elapsed, {name: float(seconds) for name, seconds in STAGE.findall(time_line)}


def mkdocs_build(root: Path) -> float:
    (root / "mkdocs.yml").write_text("site_name: Bench\ndocs_dir: content\nsite_dir: mkdocs-site\n"
                                     "theme:\n  name: mkdocs\n")
    return timed([sys.executable, "-m", "mkdocs", "build", "-q"], root)[0]


def hugo_build(root: Path) -> float:
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
    return timed(["hugo", "--quiet", "--source", str(site)], root)[0]


def bench(size: int, work: Path) -> None:
    root = work / f"bench-{size}"
    if root.exists():
        shutil.rmtree(root)
    started = time.perf_counter()
    generate(root, size)
    words = sum(len(p.read_text().split()) for p in (root / "content" / "postmortems").glob("*.md"))
    print(f"\n== {size} postmortems ({words / size:.0f} words each on average; generated in "
          f"{time.perf_counter() - started:.1f} s) ==")

    runs: dict[str, tuple[float, dict[str, float]]] = {}
    runs["cold (no caches)"] = pmsite_build(root)
    shutil.rmtree(root / "site")
    shutil.rmtree(root / ".pmsite-cache" / "render")
    runs["cold, lint cache warm"] = pmsite_build(root)
    runs["warm, nothing changed"] = pmsite_build(root)
    changed = sorted((root / "content" / "postmortems").glob("*.md"))[size // 2]
    changed.write_text(changed.read_text().replace("Bench note", "Bench note (edited)"))
    runs["one file changed"] = pmsite_build(root)
    mkdocs = mkdocs_build(root)
    hugo = hugo_build(root)

    for name, (elapsed, stages) in runs.items():
        detail = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in stages.items() if stage != "total")
        print(f"  pmsite {name:<24} {elapsed:7.2f} s   ({detail})")
    print(f"  {'MkDocs build':<31} {mkdocs:7.2f} s")
    print(f"  {'Hugo build':<31} {hugo:7.2f} s")
    cold_render = runs["cold, lint cache warm"][1]["render"]
    print(f"  render stage per page, cold: {1000 * cold_render / size:.2f} ms; Hugo whole build per page: "
          f"{1000 * hugo / size:.2f} ms; ratio {cold_render / hugo:.1f}x (target <= 3x)")
    warm_render = runs["warm, nothing changed"][1]["render"]
    print(f"  render stage per page, warm: {1000 * warm_render / size:.2f} ms; ratio to Hugo {warm_render / hugo:.1f}x")
    cold_warm_lint = runs["cold, lint cache warm"][0]
    print(f"  cold build with warm lint cache vs MkDocs: {cold_warm_lint:.2f} s vs {mkdocs:.2f} s "
          f"= {cold_warm_lint / mkdocs:.2f}x (target < 1)")
    warm = runs["warm, nothing changed"][0]
    one, one_stages = runs["one file changed"]
    print(f"  warm rebuild: {warm:.2f} s (target < 3 s); one changed: {one:.2f} s, of which search index "
          f"{one_stages['index']:.2f} s -> {one - one_stages['index']:.2f} s without it (target < 2 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--work", type=Path, help="Folder for the generated repositories [default: a temp folder].")
    args = parser.parse_args()
    for tool in ("hugo", "git"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install -y {tool})")
    work = args.work or Path(tempfile.mkdtemp(prefix="pmsite-bench-"))
    for size in args.sizes:
        bench(size, work)


if __name__ == "__main__":
    main()
