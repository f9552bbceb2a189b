"""How long the pulse figures take: reading the week files and building the report.

Writes ``--weeks`` weeks of synthetic answers for ``--teams`` teams of
``--people`` people answering every question each week into a temporary
repository, then times ``read_all`` (reading and checking every row) and
``build_report`` (grouping, suppression, 2,000 bootstrap resamples per group,
Spearman intervals) separately. Prints the median of ``--repeat`` runs.

Run:  python bench/pulse.py [--teams 20] [--people 12] [--weeks 104] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pmsite.config import load_config
from pmsite.pulse.report import build_report
from pmsite.pulse.settings import pulse_settings
from pmsite.pulse.store import Answer, add_answers, iso_week, read_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--people", type=int, default=12)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        teams = [f"team-{n:02d}" for n in range(args.teams)]
        (root / "pmsite.yaml").write_text(f"taxonomy:\n  teams: [{', '.join(teams)}]\n", encoding="utf-8")
        settings = pulse_settings(load_config(root))
        start = dt.date(2025, 1, 6)
        answers = [Answer(team, iso_week(start + dt.timedelta(weeks=w)), q.id, rng.randint(1, 7))
                   for w in range(args.weeks) for team in teams
                   for size in [rng.randint(1, args.people)] for q in settings.questions for _ in range(size)]
        add_answers(settings, answers)
        reads, reports = [], []
        for _ in range(args.repeat):
            began = time.perf_counter()
            loaded = read_all(settings)
            reads.append(time.perf_counter() - began)
            began = time.perf_counter()
            report = build_report(loaded, settings, dt.date(2027, 1, 1), incident_figures={})
            reports.append(time.perf_counter() - began)
    groups = sum(len(q.teams) + bool(q.organisation) + bool(q.other_teams) for q in report.quarters)
    print(f"{len(answers)} answers, {args.weeks} week files, {len(report.quarters)} quarters, {groups} groups shown")
    print(f"read_all      median {statistics.median(reads):.3f} s")
    print(f"build_report  median {statistics.median(reports):.3f} s")


if __name__ == "__main__":
    main()
