"""Application and system logs: JSON Lines, CSV with a header row, or plain text
lines that start with an ISO 8601 or syslog (RFC 3164 / RFC 5424) time stamp.

Which JSON/CSV fields hold the time, message and author is configurable
(``timeline: {logs: ...}``); CSV column names match case-insensitively. Text lines without a time stamp continue the
previous event (stack traces). Naive times need ``--tz``; syslog's RFC 3164
stamps carry no year, which comes from ``timeline: {syslog_year: ...}`` or the
file's modification time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from pmsite.importers import (
    UTC,
    ImportOptions,
    LogFields,
    Source,
    TimelineError,
    TimelineEvent,
    epoch_time,
    first_present,
    load_json,
    read_text,
    to_utc,
    type_name,
)
from pmsite.timeutil import parse_iso_datetime

_ISO_LINE = re.compile(
    r"^\[?(?P<time>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?)\]?\s*(?P<msg>.*)$")
_RFC5424 = re.compile(r"^<\d{1,3}>1 (?P<time>\S+) (?P<host>\S+) (?P<app>\S+) \S+ \S+ (?:-|(?:\[.*?\])+) ?(?P<msg>.*)$")
_RFC3164 = re.compile(r"^(?:<\d{1,3}>)?(?P<month>[A-Z][a-z]{2}) (?P<day>[ \d]\d) (?P<hms>\d{2}:\d{2}:\d{2}) "
                      r"(?P<host>\S+) (?P<app>[^:\[\s]+)(?:\[\d+\])?: ?(?P<msg>.*)$")
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_EPOCH = re.compile(r"^\d{9,13}(\.\d+)?$")


class _Clock:
    """Turns one file's time stamps into UTC, checking naive/aware consistency.

    In a zone's repeated hour (autumn daylight-saving change) a log that runs
    forward is read as running forward: the second pass takes the later offset.
    """

    def __init__(self, display: str, tz: ZoneInfo | None) -> None:
        self.display = display
        self.tz = tz
        self.aware_line: int | None = None
        self.last: dt.datetime | None = None

    def utc(self, value: Any, line: int) -> dt.datetime:
        where = f"{self.display}:{line}"
        if isinstance(value, (int, float)) and not isinstance(value, bool) or (
                isinstance(value, str) and _EPOCH.match(value.strip())):
            return epoch_time(float(value), where)
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, str) and value.strip():
            parsed = parse_iso_datetime(value)
            if parsed is None:
                raise TimelineError(f"{where}: {value!r} is not an ISO 8601 time stamp "
                                    "(e.g. 2024-03-07T14:02:11Z); set timeline.logs.time_field if it is the wrong field")
        elif value in (None, ""):
            raise TimelineError(f"{where}: no time stamp found; set timeline.logs.time_field in pmsite.yaml "
                                "to the field that holds it")
        else:
            raise TimelineError(f"{where}: the time stamp is {type_name(value)}, not text or a number; "
                                "set timeline.logs.time_field if it is the wrong field")
        if parsed.tzinfo is not None:
            self.aware_line = self.aware_line or line
            return to_utc(parsed, where, None)
        if self.tz is None:
            mixed = (f"mixes time stamps with a UTC offset (line {self.aware_line}) and without one (line {line}); "
                     if self.aware_line else f"time {parsed.isoformat(sep=' ')} has no UTC offset; ")
            raise TimelineError(f"{where}: {mixed}pass --tz with the IANA zone the naive times were recorded in "
                                "(e.g. --tz Europe/Berlin)")
        local = parsed.replace(tzinfo=self.tz)
        result = to_utc(local, where, None)
        if self.last is not None and result < self.last:
            later = local.replace(fold=1).astimezone(UTC)
            if later != result and later >= self.last:
                result = later
        self.last = result
        return result


def read(source: Source, options: ImportOptions) -> list[TimelineEvent]:
    text = read_text(source)
    label = f"logs {source.path.name}"
    clock = _Clock(source.display, options.tz)
    first_line = text.lstrip().split("\n", 1)[0]
    fields = options.log_fields
    if first_line.startswith("{"):
        records = _json_lines(text, source.display)
    elif _ISO_LINE.match(first_line) or _RFC5424.match(first_line) or _RFC3164.match(first_line):
        return _text_lines(text, label, clock, _syslog_year(source, options))
    else:
        records = _csv_rows(text, source.display)
        fields = LogFields(*(tuple(name.lower() for name in names) for names in
                             (fields.time, fields.message, fields.who, fields.level)))
    events = []
    for line, record in records:
        message = first_present(record, fields.message)
        if message is None:
            raise TimelineError(f"{source.display}:{line}: no message field (looked for {', '.join(fields.message)}); "
                                "a log record needs a time and a message: set timeline.logs.message_field in "
                                "pmsite.yaml if yours has another name (or, if this is not a log, see which "
                                "exports 'pmsite timeline' reads in docs/timeline.md)")
        level = first_present(record, fields.level)
        text = f"[{str(level).upper()}] {message}" if level else str(message)
        events.append(TimelineEvent(time=clock.utc(first_present(record, fields.time), line), source=label,
                                    who=str(first_present(record, fields.who) or ""), text=text, kind="log"))
    return events


def _json_lines(text: str, display: str) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = load_json(line, display, line=number,
                           hint="each line of a JSON Lines log must be one JSON object")
        if not isinstance(record, dict):
            raise TimelineError(f"{display}:{number}: expected a JSON object on each line")
        yield number, record


def _csv_rows(text: str, display: str) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise TimelineError(f"{display}: empty CSV; the first row must name the columns")
    try:
        for row in reader:
            yield reader.line_num, {k.strip().lower() if k else k: v for k, v in row.items()}
    except csv.Error as exc:
        raise TimelineError(f"{display}:{reader.line_num}: not valid CSV ({exc})") from None


def _text_lines(text: str, label: str, clock: _Clock, year: int) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    month_seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if match := _ISO_LINE.match(line):
            time, who = match["time"], ""
        elif match := _RFC5424.match(line):
            time, who = match["time"], f"{match['host']} {match['app']}".replace(" -", "")
        elif match := _RFC3164.match(line):
            month = _MONTHS.get(match["month"])
            if month is None:
                raise TimelineError(f"{clock.display}:{number}: {match['month']!r} is not a month name")
            if month < month_seen:  # the log ran past New Year
                year += 1
            month_seen = month
            try:
                time = dt.datetime.fromisoformat(f"{year}-{month:02d}-{int(match['day']):02d}T{match['hms']}")
            except ValueError:
                raise TimelineError(f"{clock.display}:{number}: '{match['month']} {match['day']} {match['hms']}' "
                                    f"is not a real date in {year}") from None
            who = f"{match['host']} {match['app']}"
        elif events:
            events[-1].text += "\n" + line.rstrip()
            continue
        else:
            raise TimelineError(f"{clock.display}:{number}: the first line has no ISO 8601 or syslog time stamp")
        events.append(TimelineEvent(time=clock.utc(time, number), source=label, who=who,
                                    text=match["msg"].strip(), kind="log"))
    return events


def _syslog_year(source: Source, options: ImportOptions) -> int:
    if options.year:
        return options.year
    return dt.datetime.fromtimestamp(source.path.stat().st_mtime, tz=UTC).year


def log_fields(settings: dict[str, Any]) -> LogFields:
    """``timeline: {logs: {time_field, message_field, who_field, level_field}}`` -> LogFields."""
    defaults = LogFields()
    chosen = {}
    for name in ("time", "message", "who", "level"):
        value = settings.get(f"{name}_field")
        if value:
            chosen[name] = tuple(value) if isinstance(value, list) else (str(value),)
    return LogFields(**{name: chosen.get(name, getattr(defaults, name)) for name in ("time", "message", "who", "level")})
