"""Measure how well "similar past incidents" finds recurrences of the same problem.

Two labelled sets:

- the sample corpus (content/postmortems): postmortems that share a
  ``fingerprint`` are the same problem (the figure issue 15 asks for);
- with ``--dfds DIR``, the real DFDS postmortems, imported with ``pmsite import``
  into a temporary repository, against ``bench/dfds-same-problem.tsv``: groups
  labelled by reading each root cause, blind to the ranking (titles often
  mislead there: three "All services returning 503" postmortems have two causes).

For each postmortem in a group of two or more, recall@1 counts it when its most
similar postmortem is in its group, recall@3 when one of the three most similar
is. ``margin`` is the score of the best postmortem of its group minus that of
the best outside it: how safe a hit is.

Run:  python bench/similar_recall.py [--dfds ../shared/real-world/dfds] [--verbose]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pmsite import similar  # noqa: E402
from pmsite.config import load_config  # noqa: E402
from pmsite.load import load_corpus  # noqa: E402

DFDS_LABELS = REPO_ROOT / "bench" / "dfds-same-problem.tsv"


def recall(corpus, labels: list[str | None], verbose: bool) -> str:
    index = similar.Index(corpus, [similar.tokens(pm) for pm in corpus])
    ranked = index.candidates_all(len(corpus) - 1)  # every other postmortem, best first
    sizes = Counter(label for label in labels if label)
    hits1 = hits3 = total = 0
    margins = []
    for row, label in enumerate(labels):
        if not label or sizes[label] < 2:
            continue
        total += 1
        found = [(int(other), score) for other, score in ranked[row][:3]]
        same = [labels[other] == label for other, _ in found]
        hits1 += same[0]
        hits3 += any(same)
        best_mate = next(score for other, score in ranked[row] if labels[int(other)] == label)
        best_other = next(score for other, score in ranked[row] if labels[int(other)] != label)
        margins.append(best_mate - best_other)
        if verbose:
            shown = ", ".join(f"{corpus[other].id}{'*' if hit else ''} {score:.2f}" for (other, score), hit in zip(found, same))
            print(f"  {'hit ' if same[0] else 'MISS'} {corpus[row].id} ({label}): {shown}")
    return (f"recall@1 {hits1}/{total}, recall@3 {hits3}/{total}, margin min {min(margins):+.3f} "
            f"median {sorted(margins)[len(margins) // 2]:+.3f}")


def sample(verbose: bool) -> str:
    corpus = load_corpus(load_config(REPO_ROOT))
    return recall(corpus, [str(pm.meta.get("fingerprint") or "") or None for pm in corpus], verbose)


def dfds(folder: Path, verbose: bool) -> str:
    with DFDS_LABELS.open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        groups = {row["file"]: row["group"] for row in rows}
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        (root / "pmsite.yaml").write_text("title: DFDS\n", encoding="utf-8")
        subprocess.run([sys.executable, "-m", "pmsite", "-C", str(root), "import", str(folder.resolve()),
                        "--into", "content/postmortems"], check=True, capture_output=True)
        corpus = load_corpus(load_config(root))
        labels = [groups.get(Path(str(pm.meta.get("imported_from"))).name) for pm in corpus]
        return recall(corpus, labels, verbose)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dfds", type=Path, help="the DFDS postmortems folder (../shared/real-world/dfds)")
    parser.add_argument("--verbose", action="store_true", help="each labelled postmortem's three most similar")
    args = parser.parse_args()
    print(f"sample corpus, shared fingerprints: {sample(args.verbose)}")
    if args.dfds:
        print(f"DFDS, hand-labelled groups:       {dfds(args.dfds, args.verbose)}")


if __name__ == "__main__":
    main()
