"""Benchmark what ``pmsite review --base`` adds to a pull request check: the git part.

Builds a repository with ``--commits`` commits (default 2,000) over ``--files``
postmortems (default 300), each commit changing one file, then a pull-request
branch that publishes five of them, and times (median of ``--repeat`` runs):

- ``changed_markdown``: the diff from the merge base to the working folder;
- ``authors``: the walk over every commit reachable from HEAD for who wrote the
  five changed files (merge commits skipped).

Run:  python bench/review.py [--commits 2000] [--files 300] [--repeat 5]

Every commit changes the content folder here: the worst case for the walk, which skips
commits that leave the changed files' folders alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pygit2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pmsite.review.changes import authors, changed_markdown, open_repository  # noqa: E402

TEXT = "---\nid: PM-2024-{n:03d}\ntitle: Incident {n}\nstatus: {status}\nseverity: SEV3\ntype: other\ndate: 2024-01-01\n---\n\nRevision {rev}.\n"


def build(root: Path, commits: int, files: int) -> None:
    repo = pygit2.init_repository(str(root), initial_head="main")
    content = root / "content" / "postmortems"
    content.mkdir(parents=True)
    people = [pygit2.Signature(f"Person {i}", f"p{i}@example.com", 1_700_000_000 + i, 0) for i in range(40)]
    parents: list = []
    for number in range(commits):
        n = number % files
        (content / f"pm-{n:03d}.md").write_text(TEXT.format(n=n, status="draft", rev=number))
        index = repo.index
        index.add_all()
        index.write()
        who = people[number % len(people)]
        oid = repo.create_commit("HEAD", who, who, f"commit {number}", index.write_tree(), parents)
        parents = [oid]
    repo.branches.local.create("base", repo.head.peel())
    for n in range(5):
        (content / f"pm-{n:03d}.md").write_text(TEXT.format(n=n, status="published", rev="final"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        build(root, args.commits, args.files)
        print(f"repository: {args.commits} commits over {args.files} files, built in {time.perf_counter() - started:.1f} s")
        repo = open_repository(root)
        diff_times, walk_times = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            changes = changed_markdown(repo, "base", root / "content" / "postmortems")
            diff_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            found = authors(repo, [change.path for change in changes])
            walk_times.append(time.perf_counter() - started)
        print(f"changed files: {len(changes)}; authors of the first: {len(found[changes[0].path])}")
        print(f"diff from the merge base: median {statistics.median(diff_times) * 1000:.1f} ms")
        print(f"authors walk:             median {statistics.median(walk_times) * 1000:.1f} ms "
              f"({statistics.median(walk_times) / args.commits * 1e6:.1f} us per commit)")


if __name__ == "__main__":
    main()
