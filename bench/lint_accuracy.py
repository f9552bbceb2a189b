"""Precision and recall of ``pmsite lint`` on labelled sentences, next to a substring baseline.

Usage: python bench/lint_accuracy.py ../shared/lint-corpus/dev.tsv

The TSV has ``label<TAB>category<TAB>sentence`` rows (label 1 = should be
reported). Every sentence becomes one paragraph of a Markdown file; the real
``pmsite lint --format json`` runs on it (no cache) and a sentence counts as
reported when any finding falls on its line.

Per category, a row labelled with that category is a true positive when a
finding *of that category* is on it; a neutral row with such a finding is a
false positive (a positive row of another category is neither).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

#: The naive approach the linter must beat: a lowercase substring search.
BASELINE = {
    "blame": ("careless", "negligent", "negligence", "sloppy", "lazy", "reckless", "incompetent", "human error",
              "operator error", "blame", "fault", "messed up", "mistake"),
    "hindsight": ("should have known", "obvious", "clearly", "anyone would have", "had to do", "simply"),
    "counterfactual": ("should have", "could have", "failed to", "forgot", "neglected", "missed", "overlooked",
                       "if only", "did not follow"),
}


def read_rows(path: Path) -> list[tuple[int, str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if len(row) >= 3]
    return [(int(label), category.strip(), sentence.strip()) for label, category, sentence in rows
            if label.strip() in ("0", "1")]


def lint_predictions(rows: list[tuple[int, str, str]]) -> list[set[str]]:
    """Categories reported on each sentence by the real CLI."""
    with tempfile.TemporaryDirectory() as folder:
        document = Path(folder) / "sentences.md"
        document.write_text("".join(f"{sentence}\n\n" for _, _, sentence in rows), encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "pmsite", "-C", folder, "lint", "--format", "json",
                              "--no-cache", str(document)], capture_output=True, text=True)
        if run.returncode not in (0, 1):
            sys.exit(f"pmsite lint failed ({run.returncode}): {run.stderr.strip()}")
    predicted: list[set[str]] = [set() for _ in rows]
    for finding in json.loads(run.stdout)["findings"]:
        row = (finding["line"] - 1) // 2
        if 0 <= row < len(rows) and finding["category"] in BASELINE:
            predicted[row].add(finding["category"])
    return predicted


def baseline_predictions(rows: list[tuple[int, str, str]]) -> list[set[str]]:
    return [{category for category, needles in BASELINE.items() if any(n in sentence.lower() for n in needles)}
            for _, _, sentence in rows]


def scores(rows, predicted) -> dict[str, tuple[float, float, float, int]]:
    """category (and 'overall') -> precision, recall, F1, support."""
    counts = defaultdict(lambda: [0, 0, 0, 0])  # tp, fp, fn, support
    for (label, category, _), found in zip(rows, predicted):
        overall = counts["overall"]
        overall[3] += label
        if label and found:
            overall[0] += 1
        elif label:
            overall[2] += 1
        elif found:
            overall[1] += 1
        for name in BASELINE:
            row = counts[name]
            if label and category == name:
                row[3] += 1
                row[0 if name in found else 2] += 1
            elif not label and name in found:
                row[1] += 1
    result = {}
    for name, (tp, fp, fn, support) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[name] = (precision, recall, f1, support)
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    rows = read_rows(Path(argv[1]))
    linted, naive = scores(rows, lint_predictions(rows)), scores(rows, baseline_predictions(rows))
    print(f"{len(rows)} sentences, {sum(label for label, _, _ in rows)} positive ({argv[1]})")
    print(f"{'':16} {'pmsite lint':>28}   {'substring baseline':>28}")
    print(f"{'':16} {'P':>8} {'R':>8} {'F1':>8}   {'P':>8} {'R':>8} {'F1':>8}   n")
    for name in ("overall", *BASELINE):
        p, r, f, n = linted[name]
        bp, br, bf, _ = naive[name]
        print(f"{name:16} {p:8.3f} {r:8.3f} {f:8.3f}   {bp:8.3f} {br:8.3f} {bf:8.3f}   {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
