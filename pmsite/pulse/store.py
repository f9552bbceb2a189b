"""Answer files: ``content/pulse/YYYY-Www.csv`` with the columns team,week,question,answer only.

Nothing else is ever written: no respondent, no time finer than the ISO week, no
free text. Rows are kept sorted, so their order says nothing about who answered
when; writes go to a temporary file that replaces the old one whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from pmsite.errors import PmsiteError
from pmsite.pulse.settings import LIKERT, PulseSettings

COLUMNS = ("team", "week", "question", "answer")
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


class PulseError(PmsiteError):
    """Pulse answers or settings a user must fix; nothing was written."""


class Answer(NamedTuple):
    """One stored answer: everything pmsite keeps about it (a tuple: fast to make, sort and count)."""

    team: str
    week: str
    question: str
    answer: int


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@lru_cache(maxsize=4096)
def week_monday(week: str) -> dt.date:
    match = WEEK_PATTERN.match(week)
    if not match:
        raise ValueError(week)
    return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)


@lru_cache(maxsize=4096)
def quarter_of(week: str) -> str:
    """The quarter a week belongs to, by its Thursday (as ISO weeks belong to years)."""
    thursday = week_monday(week) + dt.timedelta(days=3)
    return f"{thursday.year}-Q{(thursday.month - 1) // 3 + 1}"


def week_files(settings: PulseSettings) -> list[Path]:
    if not settings.folder.is_dir():
        return []
    return sorted(p for p in settings.folder.glob("*.csv") if WEEK_PATTERN.match(p.stem))


def answer_problem(settings: PulseSettings, team: str, question: str, answer: str) -> str | None:
    """Why a (team, question, answer) triple cannot be stored, or None."""
    team_problem = settings.team_error(team)
    if team_problem:
        return team_problem
    if question not in settings.by_id:
        return f"unknown question id {question!r}; expected one of: {', '.join(settings.by_id)}"
    if not answer.strip().isdigit() or int(answer) not in LIKERT:
        return f"answer {answer!r} is outside 1-7 (1 strongly disagree ... 7 strongly agree)"
    return None


def read_week(path: Path, settings: PulseSettings) -> list[Answer]:
    """Read and check one week file (repository content is untrusted: every row is validated)."""
    name = settings.display(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PulseError(f"{name}: not UTF-8 (byte {exc.start}); rewrite the file as UTF-8") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise PulseError(f"{name}:1: the header must be exactly {','.join(COLUMNS)}")
    answers = []
    checked: dict[tuple[str, str, str], str | None] = {}  # a week file repeats a few triples many times
    for line, row in enumerate(rows, 2):
        if not row:
            continue
        if len(row) != len(COLUMNS):
            raise PulseError(f"{name}:{line}: expected {len(COLUMNS)} columns, found {len(row)}")
        team, week, question, answer = (cell.strip() for cell in row)
        if week != path.stem:
            raise PulseError(f"{name}:{line}: week {week!r} does not match the file name {path.stem}")
        key = (team, question, answer)
        if key not in checked:
            checked[key] = answer_problem(settings, team, question, answer)
        if checked[key]:
            raise PulseError(f"{name}:{line}: {checked[key]}")
        answers.append(Answer(team, week, question, int(answer)))
    return answers


def read_all(settings: PulseSettings) -> list[Answer]:
    return [answer for path in week_files(settings) for answer in read_week(path, settings)]


def _csv_text(answers: Iterable[Answer]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for a in sorted(answers):
        writer.writerow((a.team, a.week, a.question, a.answer))
    return buffer.getvalue()


def _replace(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".pulse-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def add_answers(settings: PulseSettings, answers: list[Answer]) -> dict[str, int]:
    """Merge ``answers`` into their week files; returns how many were added per week.

    Every file is read and checked before any is replaced, so a broken stored file
    stops the whole addition.
    """
    by_week: dict[str, list[Answer]] = {}
    for answer in answers:
        by_week.setdefault(answer.week, []).append(answer)
    merged = {}
    for week, new in by_week.items():
        path = settings.folder / f"{week}.csv"
        merged[path] = (read_week(path, settings) if path.exists() else []) + new
    for path, all_answers in merged.items():
        _replace(path, _csv_text(all_answers))
    return {week: len(new) for week, new in sorted(by_week.items())}
