"""Benchmark the "similar past incidents" ranking inside ``pmsite build``.

Generates a repository of postmortems (as ``bench/build.py`` does: the sample
bodies, varied), then builds it in fresh processes and reads the build's own
"similar" stage time. A ranking the cache lacks starts in a forked worker right
after loading, so the stage time is what was left of it when the build needed
it (the in-process figure below is the work itself):

- cold: no cache at all (tokenise every file, import scipy, rank all pairs);
- warm: nothing changed (the ranking is read from one JSON file, nothing imported);
- one changed: one postmortem edited (its tokens again, then every pair ranked again,
  since one file changes every term's weight);

and, in-process, the ranking alone (index + all-pairs scores, modules already
imported) to separate the import cost from the work.

Run:  python bench/similar.py [--size 1000] [--repeat 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import REPO_ROOT, generate, pmsite_build  # noqa: E402  (bench/build.py, run as a script)


def stage_seconds(root: Path) -> tuple[float, float]:
    total, stages = pmsite_build(root)
    return stages["similar"], total


def edit_one(root: Path, round_number: int) -> None:
    first = sorted((root / "content" / "postmortems").glob("*.md"))[0]
    first.write_text(first.read_text(encoding="utf-8") + f"\nEdited in round {round_number}: a cache warmer.\n",
                     encoding="utf-8")


def ranking_alone(root: Path) -> tuple[float, float]:
    """Seconds to tokenise every file and to index and rank all pairs, in this process."""
    sys.path.insert(0, str(REPO_ROOT))
    from pmsite import similar
    from pmsite.config import load_config
    from pmsite.load import load_corpus

    corpus = [pm for pm in load_corpus(load_config(root)) if pm.status == "published"]
    similar.Index(corpus[:2], [similar.tokens(pm) for pm in corpus[:2]])  # imports outside the timing
    started = time.perf_counter()
    documents = [similar.tokens(pm) for pm in corpus]
    tokenised = time.perf_counter() - started
    started = time.perf_counter()
    index = similar.Index(corpus, documents)
    candidates = index.candidates_all(similar.KEEP)
    [index.shown(row, found, similar.SHOWN) for row, found in enumerate(candidates)]
    return tokenised, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        root = Path(work) / "repo"
        root.mkdir()
        generate(root, args.size)
        cold_stage, cold_total = stage_seconds(root)
        warm, changed = [], []
        for round_number in range(args.repeat):
            warm.append(stage_seconds(root))
            edit_one(root, round_number)
            changed.append(stage_seconds(root))
        tokenised, ranked = ranking_alone(root)
    print(f"{args.size} postmortems, {args.repeat} rounds (median, min-max of the build's 'similar' stage):")
    print(f"  cold build         similar {cold_stage:.2f} s of {cold_total:.2f} s")
    for name, runs in (("warm build", warm), ("one changed", changed)):
        stage = [s for s, _ in runs]
        total = [t for _, t in runs]
        print(f"  {name:<18} similar {statistics.median(stage):.3f} s ({min(stage):.3f}-{max(stage):.3f}) "
              f"of {statistics.median(total):.2f} s")
    print(f"  in-process         tokenise {tokenised:.2f} s, index and rank all pairs {ranked:.2f} s")


if __name__ == "__main__":
    main()
