"""Status-page incident updates ('**Resolved** - … / Posted Mar 03, 2024 - 15:40 UTC'), as timestamps.

Atlassian Statuspage and its look-alikes write an incident as updates, newest first, each
a status word, its message and when it was posted. The status says which moment it is:
the first 'Investigating' is when the team knew (detected_at), the first 'Monitoring' is when
a fix was in place (mitigated_at), the last 'Resolved' is resolved_at. When the impact
began is not written, so started_at stays out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pmsite.adopt.structure import DATE, ZONE, date_of, plain, zone_of

_STATUS = re.compile(r"^\W*(?P<status>investigating|identified|monitoring|update|resolved|postmortem|verifying|"
                     r"in progress|scheduled|completed)\W*(?:[-–—:]\s|$)", re.IGNORECASE)
_POSTED = re.compile(r"^\W*(?:posted\b[^\n]*?)?(?P<when>(?:[A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?|\d{4}-\d{2}-\d{2})"
                     r"\s*[-–—,]?\s*(?P<clock>\d{1,2}:\d{2})\s*(?P<zone>\S+(?:\s*[+-]\d{1,2}(?::?\d{2})?)?))\W*$",
                     re.IGNORECASE)
#: status word -> (timestamp, whether the earliest or the latest update of that status counts)
_MOMENTS = {"investigating": ("detected_at", min), "monitoring": ("mitigated_at", min),
            "resolved": ("resolved_at", max)}


@dataclass
class Update:
    line: int
    status: str
    posted: dt.datetime | None
    #: why the posted time could not be read ('' when it was)
    problem: str = ""


def status_updates(lines: list[tuple[int, str]]) -> list[Update]:
    """Each 'Posted …' line with the status word of the update it closes (a status line above it)."""
    updates = []
    status = ""
    for number, line in lines:
        text = plain(line)
        found = _STATUS.match(text)
        if found:
            status = found["status"].lower()
            continue
        posted = _POSTED.match(text)
        if not (posted and status):
            continue
        day = next(map(date_of, DATE.finditer(posted["when"])), None)
        zones = [zone_of(m) for m in ZONE.finditer(posted["zone"])]
        if day is None or not zones or zones[0] is None:
            updates.append(Update(number, status, None, f"line {number}: '{text}' has no full date or one time zone"))
        else:
            hours, minutes = map(int, posted["clock"].split(":"))
            updates.append(Update(number, status, dt.datetime.combine(day, dt.time(hours, minutes), zones[0])))
        status = ""
    return updates


def moments(updates: list[Update]) -> dict[str, tuple[dt.datetime, int]]:
    """timestamp key -> (instant, line) from the updates' statuses."""
    found = {}
    for status, (key, pick) in _MOMENTS.items():
        dated = [u for u in updates if u.status == status and u.posted]
        if dated:
            chosen = pick(dated, key=lambda u: u.posted)
            found[key] = (chosen.posted, chosen.line)
    return found
