"""Precision and recall of ``pmsite lint`` on labelled sentences, next to a substring baseline.

Usage: python bench/lint_accuracy.py [--errors] [--dfds DIR [--judged TSV]] TSV [TSV ...]

Each TSV has a header row and ``label<TAB>category<TAB>sentence`` rows, or
``label<TAB>category<TAB>source<TAB>sentence`` (label 1 = should be reported).
Every sentence becomes one paragraph of a Markdown file, the real linter runs
on it (no cache), and a sentence counts as reported when a finding at warning
level or above falls on its line. A file with a ``source`` column is also
scored in two halves split by source document (a hash of the source decides),
so one half can stay a held-out check while the other is developed against.

Per category, a row labelled with that category is a true positive when a
finding *of that category* is on it; a neutral row with such a finding is a
false positive (a positive row of another category is neither). Per rule, a
finding on a positive row counts as right, on a neutral row as wrong; recall
is the share of its category's positive rows the rule reports.

``--dfds DIR`` lints every Markdown file of a real postmortem corpus and counts
the findings per rule; ``--judged TSV`` (file, rule, verdict, sentence: each
finding judged by hand, 1 = a reviewer would want it) turns the counts into a
judged precision and lists findings nobody has judged yet.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from pmsite.config import load_config
from pmsite.lint import lint
from pmsite.load import load
from pmsite.rules import CATEGORIES

#: The naive approach the linter must beat: a lowercase substring search.
BASELINE = {
    "blame": ("careless", "negligent", "negligence", "sloppy", "lazy", "reckless", "incompetent", "human error",
              "operator error", "blame", "fault", "messed up", "mistake"),
    "hindsight": ("should have known", "obvious", "clearly", "anyone would have", "had to do", "simply"),
    "counterfactual": ("should have", "could have", "failed to", "forgot", "neglected", "missed", "overlooked",
                       "if only", "did not follow"),
}
SCORED = tuple(BASELINE)
REPORTED_LEVELS = ("warning", "error")


class Row:
    def __init__(self, label: int, category: str, source: str, sentence: str) -> None:
        self.label, self.category, self.source, self.sentence = label, category, source, sentence

    @property
    def half(self) -> str:
        return "AB"[int(hashlib.sha1(self.source.encode()).hexdigest(), 16) % 2]


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if len(row) >= 3]
    result = []
    for row in rows:
        if row[0].strip() not in ("0", "1"):
            continue
        source, sentence = (row[2], row[3]) if len(row) >= 4 else ("", row[2])
        result.append(Row(int(row[0]), row[1].strip(), source.strip(), sentence.strip()))
    return result


def lint_folder(folder: Path, files: list[Path]):
    config = load_config(folder)
    return lint(load(files, config).postmortems, config, use_cache=False).findings


def lint_predictions(rows: list[Row]) -> list[dict[str, str]]:
    """For each sentence: rule id -> category of the findings at warning level or above."""
    with tempfile.TemporaryDirectory() as folder:
        document = Path(folder) / "sentences.md"
        document.write_text("".join(f"{row.sentence}\n\n" for row in rows), encoding="utf-8")
        findings = lint_folder(Path(folder), [document])
    predicted: list[dict[str, str]] = [{} for _ in rows]
    for finding in findings:
        row = (finding.line - 1) // 2
        if 0 <= row < len(rows) and finding.severity in REPORTED_LEVELS:
            predicted[row][finding.rule] = finding.category
    return predicted


def baseline_predictions(rows: list[Row]) -> list[dict[str, str]]:
    return [{category: category for category, needles in BASELINE.items()
             if any(n in row.sentence.lower() for n in needles)} for row in rows]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def scores(rows: list[Row], predicted: list[dict[str, str]]) -> dict[str, tuple[float, float, float, int]]:
    """category (and 'overall') -> precision, recall, F1, support."""
    counts = defaultdict(lambda: [0, 0, 0, 0])  # tp, fp, fn, support
    for row, found in zip(rows, predicted):
        categories = {c for c in found.values() if c in SCORED}
        overall = counts["overall"]
        overall[3] += row.label
        if row.label:
            overall[0 if categories else 2] += 1
        elif categories:
            overall[1] += 1
        for name in SCORED:
            cell = counts[name]
            if row.label and row.category == name:
                cell[3] += 1
                cell[0 if name in categories else 2] += 1
            elif not row.label and name in categories:
                cell[1] += 1
    return {name: (*prf(tp, fp, fn), support) for name, (tp, fp, fn, support) in counts.items()}


def print_table(title: str, rows: list[Row], predicted, naive) -> None:
    linted, base = scores(rows, predicted), scores(rows, naive)
    print(f"\n{title}: {len(rows)} sentences, {sum(r.label for r in rows)} positive")
    print(f"{'':16} {'pmsite lint':>26}   {'substring baseline':>26}")
    print(f"{'':16} {'P':>8} {'R':>8} {'F1':>8}   {'P':>8} {'R':>8} {'F1':>8}   n")
    for name in ("overall", *SCORED):
        p, r, f, n = linted[name]
        bp, br, bf, _ = base[name]
        print(f"{name:16} {p:8.3f} {r:8.3f} {f:8.3f}   {bp:8.3f} {br:8.3f} {bf:8.3f}   {n}")


def print_rules(rows: list[Row], predicted) -> None:
    right, wrong, caught = Counter(), Counter(), Counter()
    support = Counter(row.category for row in rows if row.label)
    categories = {}
    for row, found in zip(rows, predicted):
        for rule, category in found.items():
            categories[rule] = category
            (right if row.label else wrong)[rule] += 1
            if row.label and row.category == category:
                caught[rule] += 1
    print(f"  {'per rule':40} {'found':>6} {'P':>7} {'R(cat)':>7}")
    for rule in sorted(categories):
        total = right[rule] + wrong[rule]
        recall = caught[rule] / support[categories[rule]] if support[categories[rule]] else 0.0
        print(f"  {rule:40} {total:6d} {right[rule] / total:7.3f} {recall:7.3f}")


def print_errors(rows: list[Row], predicted) -> None:
    for row, found in zip(rows, predicted):
        categories = {c for c in found.values() if c in SCORED}
        if row.label and row.category not in categories:
            print(f"  MISS [{row.category}] {row.sentence}" + (f"  (found {sorted(found)})" if found else ""))
        elif not row.label and categories:
            print(f"  FALSE {sorted(found)} {row.sentence}")


def score_file(path: Path, show_errors: bool) -> None:
    rows = read_rows(path)
    predicted, naive = lint_predictions(rows), baseline_predictions(rows)
    print_table(path.name, rows, predicted, naive)
    print_rules(rows, predicted)
    if any(row.source for row in rows):
        for half in "AB":
            chosen = [i for i, row in enumerate(rows) if row.half == half]
            print_table(f"{path.name}, half {half} (by source document)", [rows[i] for i in chosen],
                        [predicted[i] for i in chosen], [naive[i] for i in chosen])
    if show_errors:
        print_errors(rows, predicted)


def read_judgements(path: Path | None) -> dict[tuple[str, str, str], int]:
    if path is None or not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return {(name, rule, " ".join(sentence.split())): int(verdict) for name, rule, verdict, sentence in rows}


def score_corpus(folder: Path, judged_path: Path | None) -> None:
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.lower().startswith(("readme", "license"))
                   and "template" not in p.name.lower())
    with tempfile.TemporaryDirectory() as scratch:
        findings = [f for f in lint_folder(Path(scratch), files) if f.severity in REPORTED_LEVELS
                    and f.category in CATEGORIES]
    judgements = read_judgements(judged_path)
    per_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # right, wrong, unjudged
    unjudged = []
    for finding in findings:
        key = (Path(finding.path).name, finding.rule, " ".join(finding.context.split()))
        verdict = judgements.get(key)
        per_rule[finding.rule][2 if verdict is None else 0 if verdict else 1] += 1
        if verdict is None:
            unjudged.append(key)
    total = [sum(v[i] for v in per_rule.values()) for i in range(3)]
    print(f"\n{folder.name}: {len(files)} files, {len(findings)} findings at warning or above")
    print(f"  {'per rule':40} {'found':>6} {'right':>6} {'wrong':>6} {'judged P':>9}")
    for rule, (ok, bad, unknown) in sorted(per_rule.items()) + [("overall", tuple(total))]:
        precision = f"{ok / (ok + bad):9.3f}" if ok + bad else f"{'-':>9}"
        print(f"  {rule:40} {ok + bad + unknown:6d} {ok:6d} {bad:6d} {precision}")
    for name, rule, sentence in unjudged:
        print(f"  UNJUDGED\t{name}\t{rule}\t\t{sentence}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tsv", nargs="*", type=Path)
    parser.add_argument("--errors", action="store_true", help="list missed and wrongly reported sentences")
    parser.add_argument("--dfds", type=Path, help="a folder of real postmortems to count findings on")
    parser.add_argument("--judged", type=Path, help="hand judgements of the --dfds findings")
    args = parser.parse_args(argv[1:])
    if not args.tsv and not args.dfds:
        parser.print_usage(sys.stderr)
        return 2
    for path in args.tsv:
        score_file(path, args.errors)
    if args.dfds:
        score_corpus(args.dfds, args.judged)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
