"""One ISO 8601 reader for every stage.

``datetime.fromisoformat`` accepts ``Z``, ``+0100`` and odd fraction lengths
only from Python 3.11; this reader accepts them on every supported Python, so
front-matter, chat exports and logs agree on what a time stamp is.

They also agree on which years are times at all: ``SUPPORTED_YEARS``. Python's
dates end at years 1 and 9999, so ``0001-01-01T00:00+05:00`` cannot even be
turned into UTC and a day before ``9999-12-31`` cannot be counted past; no
incident happened then, so such values are refused where they are read.
"""

from __future__ import annotations

import datetime as dt
import re

_ISO_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"[ \t]*(?P<offset>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)


#: Years a date or time stamp may have (inclusive), with room on both sides for offsets and date arithmetic.
SUPPORTED_YEARS = (1900, 2999)
SUPPORTED_YEARS_TEXT = f"years {SUPPORTED_YEARS[0]} to {SUPPORTED_YEARS[1]}"


def in_supported_range(moment: dt.date) -> bool:
    """Whether a date (or datetime: its UTC year when aware) lies in ``SUPPORTED_YEARS``."""
    if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
        try:
            moment = moment.astimezone(dt.timezone.utc)
        except OverflowError:
            return False
    return SUPPORTED_YEARS[0] <= moment.year <= SUPPORTED_YEARS[1]


def parse_iso_datetime(text: str) -> dt.datetime | None:
    """``2024-03-07T14:02:11.5+0100`` -> datetime (naive when no offset is written), or None."""
    match = _ISO_DATETIME.match(text.strip())
    if not match:
        return None
    try:
        day = dt.date.fromisoformat(match["date"])
        fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
        moment = dt.datetime(day.year, day.month, day.day, int(match["hour"] or 0), int(match["minute"] or 0),
                             int(match["second"] or 0), int(fraction))
    except ValueError:  # 2024-02-30, 25:00 ...
        return None
    offset = match["offset"]
    if offset is None:
        return moment
    if offset in ("Z", "z"):
        return moment.replace(tzinfo=dt.timezone.utc)
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    sign = 1 if offset[0] == "+" else -1
    return moment.replace(tzinfo=dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes)))


def format_minutes(minutes: float | None) -> str:
    """A duration in the unit that fits it: ``18 min``, ``2.2 h``, ``5.3 d`` (never ``7664.4 min``)."""
    if minutes is None:
        return "n/a"
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / (24 * 60):.1f} d"
