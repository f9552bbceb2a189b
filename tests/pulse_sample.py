"""Writes the sample corpus's synthetic pulse answers: ``python3 -m tests.pulse_sample``.

A year (2025-W27 to 2026-W26) of a weekly one-question pulse at Lumen Commerce,
the fictional retailer of the sample postmortems. Invented people answer with a
team-level "safety" that drifts by quarter; identity (4 people) is too small to
be shown on its own and fulfilment often has too few answers, so the Culture
page shows the merging and complementary suppression at work. Seeded: the same
files every run (tests/pulse/test_sample.py checks the committed ones match).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

from pmsite.config import load_config
from pmsite.pulse.settings import pulse_settings
from pmsite.pulse.store import Answer, add_answers, iso_week

ROOT = Path(__file__).resolve().parent.parent
SEED = 1999
#: team -> (people, chance each answers in a week, safety level per quarter 1..4 of the year)
TEAMS = {
    "payments": (8, 0.75, (4.6, 4.9, 5.3, 5.5)),
    "platform": (11, 0.7, (5.4, 5.2, 5.0, 5.3)),
    "search": (6, 0.85, (5.0, 5.1, 5.1, 5.6)),
    "identity": (4, 0.9, (4.8, 4.8, 5.0, 5.0)),
    "fulfilment": (6, 0.55, (4.2, 4.5, 4.9, 5.1)),
}
README = """# Pulse answers (SYNTHETIC sample data)

The CSV files here are **synthetic**: invented answers for the fictional Lumen Commerce,
written by `python3 -m tests.pulse_sample` (seeded) so the sample site's Culture page has
something to show. They are not answers of real people.

In a real repository this folder holds `YYYY-Www.csv` files with the columns
`team,week,question,answer` only, written by `pmsite pulse import` and `pmsite pulse serve`
(docs/pulse.md). `imported.txt` (when present) lists the sha256 of imported exports.
"""


def generate(seed: int = SEED) -> list[Answer]:
    settings = pulse_settings(load_config(ROOT))
    questions = settings.questions
    rng = random.Random(seed)
    answers = []
    monday = dt.date.fromisocalendar(2025, 27, 1)
    for number in range(52):
        week_start = monday + dt.timedelta(weeks=number)
        week = iso_week(week_start)
        question = questions[number % len(questions)]
        for team, (people, rate, levels) in TEAMS.items():
            level = levels[number // 13]
            for _person in range(people):
                if rng.random() > rate:
                    continue
                felt = min(7, max(1, round(rng.gauss(level, 1.1))))
                answers.append(Answer(team, week, question.id, 8 - felt if question.reverse else felt))
    return answers


def main() -> None:
    settings = pulse_settings(load_config(ROOT))
    if settings.folder.exists():
        shutil.rmtree(settings.folder)
    settings.folder.mkdir(parents=True)
    (settings.folder / "README.md").write_text(README, encoding="utf-8")
    added = add_answers(settings, generate())
    print(f"{sum(added.values())} synthetic answers in {len(added)} week files under {settings.folder}")


if __name__ == "__main__":
    main()
