"""``pmsite pulse import``: form-tool exports into the answer files, all or nothing per file.

Two shapes of CSV are read:

- long (the canonical ``team,submitted_at,question,answer``, one answer per row), and
- wide (Google Forms, Microsoft Forms, Slack workflow exports: one row per submission,
  one column per question) through a column mapping: a preset name or a YAML file.

Time stamps become ISO weeks; respondent columns (email, name, user id...) are
never stored. When an export has one, it is used in memory only, to keep one
submission per person, week and question (the latest), so a person answering
twice cannot count as two people towards the anonymity threshold.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmsite.pulse.settings import PulseSettings
from pmsite.pulse.store import (
    WEEK_PATTERN,
    Answer,
    PulseError,
    add_answers,
    answer_problem,
    iso_week,
)
from pmsite.yamlpos import YamlSyntaxError, load_plain

CANONICAL = ("team", "submitted_at", "question", "answer")
#: Imported files by sha256, so the same export is not counted twice.
LEDGER = "imported.txt"
#: Headers (after ``_norm``) of columns that identify a person, best identifier first. Such a
#: column is used in memory to keep one submission per person and week, then dropped.
IDENTITY_COLUMNS = ("email", "email address", "e mail", "user id", "userid", "username", "user name", "user",
                    "slack id", "slack user id", "respondent", "respondent id", "responder", "submitted by",
                    "employee id", "name", "full name")
#: Also respondent data, but not a person's identifier (a response id is unique per submission).
PERSONAL_COLUMNS = IDENTITY_COLUMNS + ("id", "ip", "ip address", "first name", "last name", "phone", "display name")
#: Identity cells that do not tell people apart (anonymous forms fill the email column with these).
NO_IDENTITY = {"", "anonymous", "anon", "n a", "na", "none"}
#: Tried after ISO 8601 and a mapping's own formats: year first, so never day/month ambiguous.
UNAMBIGUOUS_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M",
                       "%Y-%m-%d %I:%M:%S %p", "%Y/%m/%d")
#: A trailing time zone as form tools write it ("GMT+1", "UTC", "GMT-04:00").
ZONE_SUFFIX = re.compile(r"\s*(GMT|UTC)([+-]\d{1,2}(:?\d{2})?)?$", re.IGNORECASE)
#: Most errors listed at once; the rest are counted.
MAX_ERRORS = 20

#: Column mappings of the form tools' exports (override or add with ``pulse.mappings``).
PRESETS: dict[str, dict[str, Any]] = {
    # Google Forms "Download responses (.csv)": Timestamp, then one column per question.
    "google-forms": {"submitted_at": "Timestamp", "team": "Team",
                     "timestamp_formats": ["%m/%d/%Y %H:%M:%S"]},
    # Microsoft Forms "Open in Excel" saved as CSV: ID, Start time, Completion time, Email, Name, questions.
    "microsoft-forms": {"submitted_at": "Completion time", "team": "Team",
                        "timestamp_formats": ["%m/%d/%Y %H:%M:%S", "%m/%d/%y %H:%M:%S", "%m/%d/%Y %H:%M"]},
    # Slack Workflow Builder form responses downloaded as CSV.
    "slack": {"submitted_at": "Submitted at", "team": "Team",
              "timestamp_formats": ["%Y-%m-%d %H:%M:%S", "%b %d, %Y %I:%M %p"]},
}


@dataclass(frozen=True)
class Mapping:
    submitted_at: str
    team: str = ""
    #: A fixed team for exports of a one-team form (no team column).
    team_value: str = ""
    #: Column header -> question id, beyond the headers equal to a question's text or id.
    questions: dict[str, str] = field(default_factory=dict)
    #: Answer label -> 1-7, for forms whose choices are words.
    answers: dict[str, int] = field(default_factory=dict)
    timestamp_formats: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Any, where: str) -> Mapping:
        if not isinstance(raw, dict) or not isinstance(raw.get("submitted_at"), str):
            raise PulseError(f"{where}: a mapping needs 'submitted_at' (the time stamp column); see docs/pulse.md")
        known = {"submitted_at", "team", "team_value", "questions", "answers", "timestamp_formats"}
        if set(raw) - known:
            raise PulseError(f"{where}: unknown mapping keys {sorted(set(raw) - known)}; known: {sorted(known)}")
        if not raw.get("team") and not raw.get("team_value"):
            raise PulseError(f"{where}: a mapping needs 'team' (the team column) or 'team_value' (one fixed team)")
        answers = raw.get("answers") or {}
        if not all(isinstance(v, int) and 1 <= v <= 7 for v in answers.values()):
            raise PulseError(f"{where}: every 'answers' label must map to a whole number 1-7")
        return cls(raw["submitted_at"], str(raw.get("team") or ""), str(raw.get("team_value") or ""),
                   {_norm(k): str(v) for k, v in (raw.get("questions") or {}).items()},
                   {_norm(k): v for k, v in answers.items()}, tuple(raw.get("timestamp_formats") or ()))


def _norm(text: Any) -> str:
    """Header and label matching ignores case, spacing and punctuation (form tools differ in all three)."""
    return " ".join(re.sub(r"[^\w\s]", " ", str(text)).split()).casefold()


def load_mapping(name_or_file: str, settings: PulseSettings, cwd: Path) -> Mapping:
    configured = dict(settings.mappings)
    if name_or_file in configured:
        return Mapping.parse(configured[name_or_file], f"pmsite.yaml: pulse.mappings.{name_or_file}")
    if name_or_file in PRESETS:
        return Mapping.parse(PRESETS[name_or_file], name_or_file)
    path = cwd / name_or_file
    if not path.is_file():
        raise PulseError(f"--mapping {name_or_file}: neither a preset ({', '.join(PRESETS)}), "
                         "a pulse.mappings name nor a YAML file")
    try:
        raw = load_plain(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PulseError(f"{name_or_file}: cannot read the mapping ({exc})") from None
    except YamlSyntaxError as exc:
        raise PulseError(f"{exc.located(name_or_file)}; {exc.suggestion}") from None
    return Mapping.parse(raw, name_or_file)


def _week(value: str, formats: tuple[str, ...]) -> str | None:
    value = value.strip()
    if WEEK_PATTERN.match(value):
        return value
    try:
        return iso_week(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date())
    except ValueError:
        pass
    bare = ZONE_SUFFIX.sub("", value)  # the week needs the date only: "... 9:15:00 AM GMT+1" as written
    for form in formats + UNAMBIGUOUS_FORMATS:
        try:
            return iso_week(dt.datetime.strptime(bare, form).date())
        except ValueError:
            continue
    return None


def _answer(cell: str, labels: dict[str, int]) -> str:
    """The 1-7 digit of a cell such as ``5``, ``5 - Agree`` or a mapped label (else the cell as is)."""
    if _norm(cell) in labels:
        return str(labels[_norm(cell)])
    match = re.match(r"^\s*(\d+)\s*(?:$|[-–:.)]\s*\D)", cell)
    return match[1] if match else cell.strip()


@dataclass
class Outcome:
    source: str
    added: dict[str, int]
    #: Respondent and unmapped columns that were read past and not stored.
    dropped_columns: list[str]
    #: Earlier submissions replaced by the same respondent's latest one in that week.
    replaced: int = 0
    skipped_blank: int = 0


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[:exc.start].count(b"\n") + 1
        raise PulseError(f"{path.name}: row {row}: not UTF-8 (byte {exc.start}); export or save the file as "
                         "UTF-8 CSV; nothing was imported") from None


def _records(path: Path, data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(_decode(path, data), newline=""))
    try:
        header = next(reader, None)
        rows = [(number, row) for number, row in enumerate(reader, 2) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise PulseError(f"{path.name}: row {reader.line_num}: not a valid CSV ({exc}); nothing was imported") from None
    if not header or not any(h.strip() for h in header):
        raise PulseError(f"{path.name}: the file is empty or has no header row; nothing was imported")
    return [h.strip() for h in header], rows


def import_file(path: Path, settings: PulseSettings, mapping: Mapping | None = None) -> Outcome:
    """Check every row of ``path``; store all its answers or none (``PulseError`` lists the rows)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PulseError(f"{path}: cannot read ({exc.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    ledger = settings.folder / LEDGER
    if ledger.exists() and digest in ledger.read_text(encoding="utf-8").split():
        raise PulseError(f"{path.name}: this export was imported before (its sha256 is in "
                         f"{LEDGER}); importing it again would count its answers twice")
    header, rows = _records(path, data)
    lowered = [h.casefold() for h in header]
    if mapping is None:
        if not set(CANONICAL) <= set(lowered):
            raise PulseError(f"{path.name}: row 1: expected the columns {','.join(CANONICAL)} (found "
                             f"{','.join(header)}); for a form export pass --mapping "
                             f"{'|'.join(PRESETS)}|FILE.yaml; nothing was imported")
        parsed = _long(path, header, rows, settings)
    else:
        parsed = _wide(path, header, rows, settings, mapping)
    answers, outcome = parsed
    outcome.added = add_answers(settings, answers)
    settings.folder.mkdir(parents=True, exist_ok=True)
    with ledger.open("a", encoding="utf-8") as out:
        out.write(f"{digest}\n")
    return outcome


def _identity_column(header: list[str], used: set[int]) -> int | None:
    """The column that best tells respondents apart, if the export has one."""
    normed = {_norm(h): i for i, h in reversed(list(enumerate(header))) if i not in used}
    return next((normed[name] for name in IDENTITY_COLUMNS if name in normed), None)


def _who(cells: list[str], identity: int | None) -> tuple[str, ...]:
    if identity is None or _norm(cells[identity]) in NO_IDENTITY:
        return ()
    return (cells[identity].casefold(),)


class _Collector:
    """Gathers answers and row errors; a respondent's later answer to a question replaces the earlier."""

    def __init__(self, path: Path, settings: PulseSettings):
        self.path, self.settings = path, settings
        self.errors: list[str] = []
        self.kept: dict[tuple, Answer] = {}
        self.seen: dict[tuple, int] = {}
        self.replaced = 0

    def error(self, row: int, message: str) -> None:
        self.errors.append(f"{self.path.name}: row {row}: {message}")

    def add(self, row: int, team: str, week: str, question: str, answer: str, identity: tuple) -> None:
        problem = answer_problem(self.settings, team, question, answer)
        if problem:
            self.error(row, problem)
            return
        key = (identity, week, question) if identity else (row, question)
        if key in self.kept:
            self.replaced += 1
        self.kept[key] = Answer(team, week, question, int(answer))

    def duplicate(self, row: int, key: tuple) -> bool:
        if key in self.seen:
            self.error(row, f"repeats row {self.seen[key]}; remove the duplicate row")
            return True
        self.seen[key] = row
        return False

    def finish(self, dropped: list[str], blank: int) -> tuple[list[Answer], Outcome]:
        if self.errors:
            more = len(self.errors) - MAX_ERRORS
            listed = self.errors[:MAX_ERRORS] + ([f"... and {more} more"] if more > 0 else [])
            raise PulseError("nothing was imported; fix these rows and import again:\n  " + "\n  ".join(listed))
        if not self.kept:
            raise PulseError(f"{self.path.name}: no answers found; nothing was imported")
        return list(self.kept.values()), Outcome(self.path.name, {}, dropped, self.replaced, blank)


def _long(path: Path, header: list[str], rows, settings: PulseSettings) -> tuple[list[Answer], Outcome]:
    index = {name: [h.casefold() for h in header].index(name) for name in CANONICAL}
    used = set(index.values())
    identity = _identity_column(header, used)
    dropped = [h for i, h in enumerate(header) if i not in used]
    collect = _Collector(path, settings)
    for number, row in rows:
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        if len(row) > len(header):
            collect.error(number, f"has {len(row)} cells but the header has {len(header)} columns")
            continue
        team, stamp, question, answer = (cells[index[name]] for name in CANONICAL)
        who = _who(cells, identity)
        if collect.duplicate(number, (who, team, stamp, question)):
            continue
        week = _week(stamp, ())
        if week is None:
            collect.error(number, f"submitted_at {stamp!r} is not an ISO 8601 date/time (e.g. 2026-03-04T10:15:00)")
            continue
        collect.add(number, team, week, question, answer, who)
    return collect.finish(dropped, 0)


def _wide(path: Path, header: list[str], rows, settings: PulseSettings, mapping: Mapping) -> tuple[list[Answer], Outcome]:
    normed = [_norm(h) for h in header]

    def column(name: str, what: str) -> int:
        if _norm(name) not in normed:
            raise PulseError(f"{path.name}: row 1: no column {name!r} for {what} (columns: {', '.join(header)}); "
                             "fix the mapping; nothing was imported")
        if _norm(name) in PERSONAL_COLUMNS:
            raise PulseError(f"{path.name}: the mapping reads {what} from {name!r}, a respondent column; "
                             "pmsite never stores respondent data")
        return normed.index(_norm(name))

    stamp_at = column(mapping.submitted_at, "the time stamp")
    team_at = column(mapping.team, "the team") if mapping.team else None
    by_text = {_norm(q.text): q.id for q in settings.questions} | {q.id: q.id for q in settings.questions}
    by_text |= mapping.questions
    questions = {i: by_text[n] for i, n in enumerate(normed) if n in by_text and i not in (stamp_at, team_at)}
    if not questions:
        raise PulseError(f"{path.name}: row 1: no column is a configured question (by its text or id, or "
                         "through the mapping's 'questions'); nothing was imported")
    unknown_ids = sorted(set(questions.values()) - set(settings.by_id))
    if unknown_ids:
        raise PulseError(f"{path.name}: the mapping names unknown question ids {unknown_ids}; "
                         f"expected: {', '.join(settings.by_id)}")
    used = {stamp_at, *questions} | ({team_at} if team_at is not None else set())
    identity = _identity_column(header, used)
    dropped = [h for i, h in enumerate(header) if i not in used]
    collect = _Collector(path, settings)
    formats = mapping.timestamp_formats
    blank = 0
    for number, row in rows:
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        if len(row) > len(header):
            collect.error(number, f"has {len(row)} cells but the header has {len(header)} columns")
            continue
        if collect.duplicate(number, tuple(cells)):
            continue
        week = _week(cells[stamp_at], formats)
        if week is None:
            expected = ", ".join(formats) or "ISO 8601"
            collect.error(number, f"time stamp {cells[stamp_at]!r} matches none of: {expected} "
                                  "(set timestamp_formats in the mapping)")
            continue
        team = cells[team_at] if team_at is not None else mapping.team_value
        who = _who(cells, identity)
        for at, question in questions.items():
            if not cells[at]:
                blank += 1
                continue
            collect.add(number, team, week, question, _answer(cells[at], mapping.answers), who)
    return collect.finish(dropped, blank)
