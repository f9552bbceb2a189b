"""Read chat, paging and log exports into one shape: ``TimelineEvent``.

Each source kind has a module with ``read(source, options) -> list[TimelineEvent]``.
This module finds the kind of an export from its content (``kind:PATH`` forces
it) and holds what every reader shares: JSON errors that name file, line and
column, and turning time stamps into aware UTC datetimes (naive ones need a zone).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from pmsite.errors import PmsiteError
from pmsite.redact import Redactor
from pmsite.timeutil import SUPPORTED_YEARS_TEXT, in_supported_range, parse_iso_datetime

KINDS = ("slack", "discord", "pagerduty", "logs")
UTC = dt.timezone.utc


class TimelineError(PmsiteError):
    """An export cannot be read; the message names the file and what to do.

    Messages quote values from the export, which may be secrets: they are redacted too.
    """

    def __init__(self, message: str) -> None:
        super().__init__(Redactor().redact(message))


@dataclass
class TimelineEvent:
    """One thing that happened, as any source reports it."""

    #: Aware datetime in UTC.
    time: dt.datetime
    #: Where it came from, e.g. ``slack #inc-checkout`` or ``pagerduty``.
    source: str
    who: str
    text: str
    link: str = ""
    #: What sort of event: message, bot, join, leave, channel-change, deleted,
    #: trigger, acknowledge, escalate, note, resolve, notify, assign, log.
    #: Noise rules decide on it.
    kind: str = "message"
    #: ``who`` is a human (``--pseudonymize`` replaces it), not a bot or a service.
    person: bool = False


@dataclass(frozen=True)
class Source:
    """An export on disk and how to name it in messages."""

    path: Path
    display: str


@dataclass(frozen=True)
class LogFields:
    """Which fields of JSON Lines or CSV logs hold the time, the message and who."""

    time: tuple[str, ...] = ("time", "timestamp", "@timestamp", "ts", "datetime", "date")
    message: tuple[str, ...] = ("message", "msg", "text", "event", "log")
    who: tuple[str, ...] = ("service", "app", "logger", "host", "source", "component")
    level: tuple[str, ...] = ("level", "severity", "lvl")


@dataclass(frozen=True)
class ImportOptions:
    """Everything a reader may need besides the export itself."""

    #: Zone for naive time stamps; None means naive times are an error.
    tz: ZoneInfo | None = None
    #: Slack channel names to read (empty: all).
    channels: tuple[str, ...] = ()
    #: ``https://acme.slack.com``: Slack exports carry no workspace URL, so links need it.
    slack_url: str = ""
    log_fields: LogFields = field(default_factory=LogFields)
    #: Year for syslog time stamps, which have none (default: the file's modification year).
    year: int | None = None


def parse_spec(spec: str, cwd: Path) -> tuple[str | None, Source]:
    """Split ``kind:PATH`` (kind may be absent) and resolve PATH against ``cwd``."""
    kind, sep, rest = spec.partition(":")
    if sep and kind in KINDS:
        return kind, Source((cwd / rest).resolve(), rest)
    return None, Source((cwd / spec).resolve(), spec)


def read_source(spec: str, options: ImportOptions, cwd: Path) -> list[TimelineEvent]:
    """Read one command-line SOURCE, detecting its kind unless it is forced."""
    from pmsite.importers import discord, logs, pagerduty, slack

    readers: dict[str, Callable[[Source, ImportOptions], list[TimelineEvent]]] = {
        "slack": slack.read, "discord": discord.read, "pagerduty": pagerduty.read, "logs": logs.read,
    }
    kind, source = parse_spec(spec, cwd)
    if not source.path.exists():
        raise TimelineError(f"{source.display}: no such file or folder")
    return readers[kind or detect_kind(source)](source, options)


# -- detection ----------------------------------------------------------------------
_SLACK_DAY_FILE = re.compile(r"(^|/)[^/]+/\d{4}-\d{2}-\d{2}\.json$")
_FIRST_LINE_TIME = re.compile(
    r"^\s*(?:<\d{1,3}>\d?\s*)?(?:\[)?(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})"
)
_HEAD_BYTES = 65536


def detect_kind(source: Source) -> str:
    """Tell the kind of an export from its content, or say how to force it."""
    path = source.path
    if path.is_dir():
        if (path / "users.json").is_file() or (path / "channels.json").is_file():
            return "slack"
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        if any(n.rsplit("/", 1)[-1] in ("users.json", "channels.json") or _SLACK_DAY_FILE.search(n) for n in names):
            return "slack"
    else:
        kind = _detect_file(path, source.display)
        if kind:
            return kind
    raise TimelineError(
        f"{source.display}: cannot tell what kind of export this is (expected a Slack export folder or zip, "
        "DiscordChatExporter JSON, PagerDuty incident or log_entries JSON, JSON Lines, CSV or time-stamped log lines); "
        f"force the kind with one of {', '.join(k + ':' + source.display for k in KINDS)}"
    )


def _detect_file(path: Path, display: str) -> str | None:
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES).decode("utf-8-sig", errors="replace")
    stripped = head.lstrip()
    first_line = stripped.split("\n", 1)[0].strip()
    if stripped.startswith(("{", "[")):
        if '"guild"' in head and '"messages"' in head:
            return "discord"
        if '"log_entries"' in head or '_log_entry"' in head or '"incident_number"' in head:
            return "pagerduty"
        return _json_kind(path, display, first_line)
    if _FIRST_LINE_TIME.match(first_line):
        return "logs"
    if path.suffix.lower() == ".csv" or ("," in first_line and _names_a_time_column(first_line)):
        return "logs"
    return None


_EXPECTED_JSON = ("a PagerDuty incident ({\"incident\": {...}} or the incident object itself) or log_entries, "
                  "DiscordChatExporter JSON, or JSON Lines (one log record per line, each with a time and a message)")


def _json_kind(path: Path, display: str, first_line: str) -> str | None:
    """JSON without an export's tell-tale key: JSON Lines, a bare PagerDuty incident, or a clear refusal."""
    from pmsite.importers.pagerduty import is_incident  # the reader knows what an incident looks like

    try:
        first = json.loads(first_line)
    except (ValueError, RecursionError):  # load_json below names the problem, or the whole file parses
        first = None
    if isinstance(first, dict) and not is_incident(first):
        return "logs"  # JSON Lines (a one-line file is one record)
    document = first if first is not None else load_json(path.read_text(encoding="utf-8-sig", errors="replace"), display)
    if is_incident(document):
        return "pagerduty"
    shape = (f"an object with the keys {', '.join(sorted(map(str, document))[:6]) or '(none)'}"
             if isinstance(document, dict) else f"a JSON {type(document).__name__.replace('dict', 'object')}")
    raise TimelineError(f"{display}: this JSON is {shape}, not an export pmsite reads; expected {_EXPECTED_JSON}. "
                        "Force a reader with logs:FILE or pagerduty:FILE if it is one of these")


def _names_a_time_column(header: str) -> bool:
    cells = {cell.strip().strip('"').lower() for cell in header.split(",")}
    return bool(cells & set(LogFields().time))


# -- shared helpers for readers -------------------------------------------------------
def load_json(text: str, display: str, line: int | None = None,
              hint: str = "re-export the file or fix it by hand") -> Any:
    """Parse JSON; a syntax error names the file, line and column (``line``: the text is that line of a log).

    NaN and Infinity (not JSON, but Python's parser takes them), integers too long
    to read and nesting too deep for the parser are errors too.
    """
    where = f"{display}:{line}" if line else display

    def no_constant(name: str) -> Any:
        raise TimelineError(f"{where}: not valid JSON ({name} is not a JSON number); {hint}")

    try:
        return json.loads(text, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise TimelineError(f"{display}:{exc.lineno + (line or 1) - 1}:{exc.colno}: not valid JSON ({exc.msg}); "
                            f"{hint}") from None
    except RecursionError:
        raise TimelineError(f"{where}: JSON nested too deeply to read; this is not an export") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise TimelineError(f"{where}: not valid JSON ({exc}); {hint}") from None


def read_text(source: Source) -> str:
    try:
        return source.path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TimelineError(f"{source.display}: cannot read it ({exc})") from None


def expect(condition: bool, where: str, what: str) -> None:
    """Stop with a one-line error when an export does not have the expected shape."""
    if not condition:
        raise TimelineError(f"{where}: {what}")


def parse_time(value: Any, where: str, tz: ZoneInfo | None) -> dt.datetime:
    """ISO 8601 text or epoch seconds/milliseconds -> aware UTC datetime.

    A time without an offset is read in ``tz``; without ``tz`` that is an error
    that says to pass ``--tz``, because guessing the zone would shift the timeline.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return epoch_time(value, where)
    if not isinstance(value, str) or not value.strip():
        if value not in (None, ""):
            raise TimelineError(f"{where}: time stamp should be text or a number, not {type_name(value)}")
        raise TimelineError(f"{where}: missing or empty time stamp")
    parsed = parse_iso_datetime(value)
    if parsed is None:
        raise TimelineError(f"{where}: {value!r} is not an ISO 8601 time stamp (e.g. 2024-03-07T14:02:11Z)")
    return to_utc(parsed, where, tz)


def epoch_time(number: float, where: str) -> dt.datetime:
    """Seconds (or milliseconds, when that large) since 1970 -> aware UTC datetime in the supported years."""
    try:
        seconds = number / 1000 if number > 1e11 else number
        moment = dt.datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, ValueError, OSError):
        moment = None
    if moment is None or not in_supported_range(moment):
        raise TimelineError(f"{where}: time stamp {number!r} is not a time (expected seconds or milliseconds "
                            f"since 1970 in the {SUPPORTED_YEARS_TEXT}, or ISO 8601 text)")
    return moment


def to_utc(parsed: dt.datetime, where: str, tz: ZoneInfo | None) -> dt.datetime:
    if parsed.tzinfo is None:
        if tz is None:
            raise TimelineError(f"{where}: time {parsed.isoformat(sep=' ')} has no UTC offset; "
                                "pass --tz with the IANA zone it was recorded in (e.g. --tz Europe/Berlin)")
        parsed = parsed.replace(tzinfo=tz)
    if not in_supported_range(parsed):
        raise TimelineError(f"{where}: time {parsed.isoformat()} is outside the {SUPPORTED_YEARS_TEXT}; "
                            "fix the time stamp or leave the record out")
    return parsed.astimezone(UTC)


def type_name(value: Any) -> str:
    """What a JSON value is, in words, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "text", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


class Record:
    """A JSON object of an export, read with the types its format promises.

    Readers ask for ``text``, ``ident``, ``record`` or ``items``; a missing or
    null field gives the empty value, a field of another type stops with a
    one-line error naming the file, the record and the field.
    """

    __slots__ = ("data", "where")

    def __init__(self, data: Any, where: str, what: str = "an object") -> None:
        expect(isinstance(data, dict), where, f"expected {what}, found {type_name(data)}")
        self.data: dict[str, Any] = data
        self.where = where

    def _wrong(self, key: str, expected: str, value: Any) -> TimelineError:
        return TimelineError(f"{self.where}: {key!r} should be {expected}, not {type_name(value)}")

    def has(self, key: str) -> bool:
        return self.data.get(key) not in (None, "")

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self._wrong(key, "text", value)
        return value

    def ident(self, key: str) -> str:
        """An id, which some exports write as a number."""
        value = self.data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(key)

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if value is not None and not isinstance(value, bool):
            raise self._wrong(key, "true or false", value)
        return bool(value)

    def record(self, key: str) -> Record:
        value = self.data.get(key)
        if value is None:
            return Record({}, self.where)
        if not isinstance(value, dict):
            raise self._wrong(key, "an object", value)
        return Record(value, f"{self.where} {key}")

    def items(self, key: str) -> list[Record]:
        """A list of objects (absent: empty)."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong(key, "a list", value)
        return [Record(item, f"{self.where} {key}[{index}]") for index, item in enumerate(value)]

    def time(self, key: str, tz: ZoneInfo | None) -> dt.datetime:
        return parse_time(self.data.get(key), self.where, tz)


def first_present(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The value of the first of ``names`` present and non-empty in ``record``."""
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return value
    return None
