"""Times an old postmortem states: its timeline's entries and its "Stats" durations.

A timeline entry becomes an instant only when both its day and its time zone
are written down (in the entry, the table's header, or an "All times in UTC"
line); an entry without a known zone is never given one. Which entries mark the
start, the detection and the resolution is read from the words of the entry.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pmsite.adopt.structure import (AMBIGUOUS_ZONES, DATE, MONTHS, TIME, ZONE, ZONES, Section, date_of, duration_minutes,
                                    labeled, list_items, plain, tables, time_of, zone_of)

TIMESTAMP_KEYS = ("started_at", "detected_at", "mitigated_at", "resolved_at")
#: An entry that says the impact began ('OUTAGE BEGINS' in the SRE book's template) is the start, not the earliest.
_STARTS = re.compile(r"\b((?:outage|impact|incident|degradation|disruption|(?:failures?|errors?|timeouts?|delays?|"
                     r"downtime)) (?:begins?|began|starts?|started)|"
                     r"start of (?:the )?(?:outage|impact|incident))\b", re.IGNORECASE)
#: Words of a timeline entry that mark a moment, by the timestamp they set.
_MARKERS = {
    "detected_at": re.compile(r"\b(alert(?:ed|s)?|alarms?|alerte|paged|detected|noticed|discovered|became aware|"
                              r"reported|reports|(?:first |initial )?reports? (?:of|from)|"
                              r"(?:customers?|users?|support|clients?|partners?|staff|someone) (?:\w+ )?reports?|"
                              r"notified|informed of|escalat\w+|"
                              r"receiv\w* (?:the |a )?(?:first )?(?:support |customer )?tickets?|first (?:support |customer )?ticket|"
                              r"(?:support|customer|help ?desk) tickets? (?:received|opened|raised|filed|came in)|"
                              r"automated warning|monitoring (?:fired|triggered)|incident (?:(?:is|was) )?(?:declared|opened))\b",
                              re.IGNORECASE),
    "mitigated_at": re.compile(r"\b(mitigat\w*|impact (?:ended|stopped)|workaround (?:applied|in place))\b",
                               re.IGNORECASE),
    "resolved_at": re.compile(r"\b(resolved|(?:issue|incident|problem) (?:fixed|closed)|incident closed|"
                              r"fully (?:recovered|restored|operational)|verified operational|back to normal|"
                              r"permanently fixed|all systems (?:verified )?operational|(?:service|services|access) (?:was |were )?restored|"
                             r"confirmed working|working again|all clear|^\W*(?:fixed|recovered)\W*$|(?:backlog|queues?|errors?|alerts?|alarms?)(?: of [\w ]{1,30}?)? "
                             r"(?:has |have |was |were |had )?(?:cleared|drained)|(?:outage|incident) (?:ends?|ended|over)|caught up|wieder normal|behoben|résolu|"
                             r"returned to normal|(?:accepted|serving|succeed\w*|healthy|available|running)\b[^.;]{0,30}"
                             r"\bagain)\b",
                             re.IGNORECASE),
}
#: Finding the cause is not noticing the incident: "Root cause discovered" marks no detection.
_CAUSE_FOUND = re.compile(r"\b(?:root[- ])?causes? (?:(?:was|were|is) )?(?:found|identified|discovered|determined|confirmed)|"
                          r"\b(?:found|identified|discovered|determined|confirmed) (?:the |a )?(?:root[- ])?causes?\b",
                          re.IGNORECASE)
#: Stated durations ("Time to detection: 7 hours") by the key of ``durations`` they fill.
_DURATION_LABELS = (
    ("time_to_detect", re.compile(r"^(?:time to (?:detect(?:ion)?|discover(?:y)?|notice)|ttd|mttd)$")),
    ("time_to_mitigate", re.compile(r"^(?:time to (?:mitigat(?:e|ion)|restore|restoration)|ttm|mttm)$")),
    ("time_to_resolve", re.compile(r"^(?:time to (?:recover(?:y)?|resol(?:ve|ution)|repair|fix)|ttr|mttr|"
                                   r"(?:total |outage |impact |incident )?(?:duration|downtime)|"
                                   r"(?:minutes|hours) (?:of )?downtime(?: or degradation)?|"
                                   r"duration of (?:the )?(?:outage|impact|incident))$")),
)


#: The 'when' at the start of a timeline entry ('14:05 UTC -', '2:05 PM:', '2024-03-04 14:05'), then the event.
_ZONE_WORDS = "|".join(sorted([*ZONES, *AMBIGUOUS_ZONES], key=len, reverse=True))
_ENTRY_HEAD = re.compile(r"^(.{0,40}?(?:\d{1,2}[:.h][0-5]\d(?::[0-5]\d)?|\d{1,2}(?=\s*[ap]\.?m\b))(?:\s*[ap]\.?m\.?(?![a-z])|\s*Uhr\b)?"
                         r"(?:\s*[-–]\s*\d{1,2}[:.][0-5]\d(?:\s*[ap]\.?m\.?(?![a-z]))?)?"  # a range: '14:05-14:20 UTC'

                         rf"(?:\s*\(?(?:{_ZONE_WORDS}|UTC[+-]\d{{1,2}}(?::?\d\d)?)\)?(?![\w+-]))?)"
                         r"\s*[-–—:|]?\s*(.*)$", re.IGNORECASE)


#: A day written without its year ('Mon', 'Tuesday', '4 Mar', 'March 5', 'Day 2'): which day is not known.
_PARTIAL_DAY = re.compile(r"\b(?P<weekday>mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\bday\s*\d+\b|"
                          r"(?<![\d/.])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d/])|"  # '3/4' or '03/04/2024', either order
                          rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{'|'.join(MONTHS)})\b|\b(?:{'|'.join(MONTHS)})\.?\s+\d{{1,2}}\b",
                          re.IGNORECASE)


#: A chat log's time in brackets: '[14:02] <deploybot> …', '[2024-07-02 14:02:03] …'.
_BRACKETED_TIME = re.compile(r"^\s*\[(?P<when>[^\]\[]{0,24}\d{1,2}:[0-5]\d[^\]\[]{0,12})\]")


def _entry_text(markdown: str) -> str:
    """An entry's plain text, a chat log's bracketed time unbracketed (a '<nick>' goes as any tag does)."""
    return plain(_BRACKETED_TIME.sub(lambda m: m["when"] + " ", markdown))


def _only_when(head: str) -> bool:
    """Whether a line's start is only when it happened: a time, with at most a date, a weekday, 'at' or 'on'
    and a zone ('14:51', 'March 4, 2024 at 10:00 UTC'); not a sentence that mentions a time."""
    rest = re.sub(r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:at|on)\b|[@,]|T(?=\d)", " ", DATE.sub(" ", head),
                  flags=re.IGNORECASE)
    if not TIME.search(rest):
        return False
    return not ZONE.sub(" ", TIME.sub(" ", rest, count=1)).strip(" -–—:()[]~|")


def _same_day(token: str, day: dt.date) -> bool:
    """Whether 'mon', '4 mar' or 'march 4' (a day without its year) can be ``day``; 'day 1' can be any."""
    if token.isalpha():
        return day.strftime("%a").lower() == token
    if "/" in token:
        first, second = (int(part) for part in token.split("/")[:2])
        return (day.month, day.day) in ((first, second), (second, first))
    number = int(re.search(r"\d+", token)[0])
    month = next((MONTHS[word.rstrip(".")] for word in token.split() if word.rstrip(".") in MONTHS), None)
    return month is None or (month, number) == (day.month, day.day)


def _is_day_only(text: str) -> bool:
    """'2024-03-04', 'Monday, March 4, 2024:': a date and at most a weekday, no time."""
    return bool(DATE.search(text)) and not TIME.search(DATE.sub(" ", text)) \
        and len(DATE.sub("", text).strip(" ,:-–()")) <= 9


def _is_entry_line(line: str) -> bool:
    """A table row or list item (an entry), not a day line such as '**2024-03-06**' or '### Saturday'."""
    return bool(re.match(r"\s*(?:\||(?:[-*+]|\d{1,3}[.)])\s)", line))


def reads_as_timeline(section: Section) -> bool:
    """A section not named a timeline that is one all the same: at least three list items, nearly all starting
    with a time ('12 March 2024 @ 13:45 UTC – Customer impact began', under 'How did we respond?')."""
    items = list_items(section.lines)
    timed = sum(bool(_ENTRY_HEAD.match(plain(item.text))) for item in items)
    return len(items) >= 3 and timed >= 0.8 * len(items)


@dataclass
class Entry:
    line: int
    text: str
    day: dt.date | None
    time: dt.time | None
    zone: dt.tzinfo | None

    @property
    def instant(self) -> dt.datetime | None:
        if self.day is None or self.time is None or self.zone is None:
            return None
        return dt.datetime.combine(self.day, self.time, self.zone)


@dataclass
class TimeFinding:
    key: str
    value: object
    where: str


def zone_stated(lines: list[tuple[int, str]]) -> tuple[dt.tzinfo | None, str, str]:
    """The zone an 'All times in CET' line (or a header cell) states: (zone, where, ambiguous name)."""
    for number, line in lines:
        if re.search(r"\b(times?|timestamps?|time ?zones?|tz|clock|zeit(?:en|angaben)?|uhrzeit(?:en)?|heures?|horaires?)\b", line, re.IGNORECASE) or line.lstrip().startswith("|"):
            for match in ZONE.finditer(line):
                if match["abbr"] in AMBIGUOUS_ZONES:
                    return None, f"line {number}", match["abbr"]
                zone = zone_of(match)
                if zone is not None:
                    return zone, f"line {number}", ""
    return None, "", ""


def timeline_entries(section: Section, incident_day: dt.date | None, document_zone: tuple = (None, "", ""),
                     stated: tuple[dt.datetime | None, dt.datetime | None] = (None, None)
                     ) -> tuple[list[Entry], dt.tzinfo | None, list[str]]:
    """Entries of a Timeline section, in the order written, with their day, time and zone. STATED is the
    start and end the document states on their own lines ('Incident start: 2024-06-01 22:50 CEST'), which
    give the days of times written without one when the first and last entries are those two moments."""
    notes: list[str] = []
    zone, _, ambiguous = zone_stated([(section.line, f"times: {section.title}"), *section.lines[:8],
                                      *((t.line, "|" + "|".join(t.header) + "|") for t in tables(section.lines))])
    if zone is None and not ambiguous:  # 'All times in PST' once, at the top of the document
        zone, ambiguous = document_zone[0], document_zone[2]
    if ambiguous:
        notes.append(f"the timeline's zone '{ambiguous}' names more than one time zone: timestamps left out")
    rows: list[tuple[int, str, str]] = []  # (line, when-text, event-text)
    for table in tables(section.lines):
        when_columns = [i for i, name in enumerate(table.header)
                        if re.search(r"\b(date|time|when|timestamp|utc|day)\b", name, re.IGNORECASE)] or [0]
        for number, cells in table.rows:
            when = " ".join(cells[i] for i in when_columns if i < len(cells))
            event = " ".join(c for i, c in enumerate(cells) if i not in when_columns)
            rows.append((number, plain(when), plain(event)))
    if not rows:
        for item in list_items(section.lines):
            head = _ENTRY_HEAD.match(_entry_text(item.text))
            if head:
                rows.append((item.line, head[1], head[2]))
            elif _is_day_only(plain(item.text)):  # '- Monday, 2024-03-04' over its '  - 14:05 …' entries
                rows += [(item.line, f"{plain(item.text)} {sub[1]}", sub[2]) for child in item.children
                         for sub in [_ENTRY_HEAD.match(_entry_text(child))] if sub]
    if not rows:  # the SRE book's shape: one '14:51 What happened' line after another, no list
        for number, line in section.lines:
            head = _ENTRY_HEAD.match(_entry_text(line))
            if head and _only_when(head[1]):  # 'March 4, 2024 at 10:00 UTC — …', 'Mon 4 March 2024, 10:00 …'
                rows.append((number, head[1], head[2]))
    day_lines = {n: date_of(m) for n, line in section.lines if not _is_entry_line(line)
                 for m in [DATE.search(line)] if m}
    entries = []
    current_day = None
    carried: tuple[dt.date, dt.time] | None = None  # the day (and time) an earlier entry wrote out
    for number, when, event in rows:
        current_day = next((day for n, day in sorted(day_lines.items(), reverse=True) if n < number and day),
                           current_day)  # the last day line above the entry
        date_match = DATE.search(when)
        day = date_of(date_match) if date_match else current_day
        time_match = TIME.search(DATE.sub(" ", when))
        clock = time_of(time_match) if time_match else None
        if date_match and day and clock:
            carried = (day, clock)
        elif day is None and carried and clock:  # '14:20' under a row that wrote '2024-03-04 14:05'
            if clock >= carried[1]:
                day, carried = carried[0], (carried[0], clock)
            else:
                carried = None  # the clock went back: past midnight, which day is not written
        row_zone = next((zone_of(m) for m in ZONE.finditer(when) if zone_of(m)), None) or zone
        entries.append(Entry(number, event, day, clock, row_zone))
    timed = [e for e in entries if e.time is not None]
    undated = timed and not ambiguous and all(e.day is None for e in timed)  # an ambiguous zone already says why
    partial_days = {m[0].lower()[:3] if m["weekday"] else m[0].lower()
                    for text in [*(when for _, when, _ in rows), *(line for _, line in section.lines
                                                                  if not _is_entry_line(line))]
                    for m in _PARTIAL_DAY.finditer(text)}
    if undated and len(partial_days) > 1:
        notes.append(f"the timeline's days ({', '.join(sorted(partial_days))}) are not written in full (no year, or "
                     "day and month in either order): timestamps left out")
    elif undated and incident_day is not None and not all(_same_day(t, incident_day) for t in partial_days):
        notes.append(f"the timeline's day ({', '.join(partial_days)}) is not the incident date "
                     f"{incident_day.isoformat()}: timestamps left out")
    elif undated and _between(timed, *stated):
        notes.append(f"the timeline gives times without a day: its first and last entries are the stated start and "
                     f"end ({stated[0].isoformat()}, {stated[1].isoformat()}), which give their days"
                     + ("" if zone else " and zone"))
    elif undated and incident_day is not None:
        clocks = [e.time for e in timed]
        if clocks == sorted(clocks):
            for entry in entries:
                entry.day = incident_day
            notes.append(f"the timeline gives times without a day: read as {incident_day.isoformat()}, "
                         "the incident date (the times never go backwards)")
        else:
            notes.append("the timeline gives times without a day and crosses midnight: timestamps left out")
    elif undated and partial_days:  # '07/08/2024 01:00': a day, but not one that reads only one way
        notes.append(f"the timeline's day ({', '.join(sorted(partial_days))}) is not written in full (no year, or "
                     "day and month in either order) and the incident date is not stated: timestamps left out")
    elif undated:
        notes.append("the timeline gives times without a day and the incident date is not stated: timestamps "
                     "left out")
    if timed and zone is None and not any(e.zone for e in timed) and not ambiguous:
        notes.append("the timeline does not say its time zone (no 'All times in UTC' line): "
                     "started_at, detected_at and resolved_at left out")
    return entries, zone, notes


def _between(timed: list[Entry], start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """Give the timed entries their day (and zone) when the first is the stated start and, reading them in
    order with a day passing each time the clock goes back, the last is the stated end."""
    if start is None or end is None or len({e.zone for e in timed}) > 1:
        return False
    zone = timed[0].zone or start.tzinfo
    local = start.astimezone(zone)
    if timed[0].time != local.time().replace(tzinfo=None):
        return False
    days, day, previous = [], local.date(), timed[0].time
    for entry in timed:
        day += dt.timedelta(days=entry.time < previous)
        days.append(day)
        previous = entry.time
    if dt.datetime.combine(days[-1], timed[-1].time, zone) != end:
        return False
    for entry, day in zip(timed, days, strict=True):
        entry.day, entry.zone = day, zone
    return True


def timestamps(entries: list[Entry], where: str, incident_day: dt.date | None = None
               ) -> tuple[list[TimeFinding], list[str]]:
    """started_at from the entry saying the impact began, else the earliest timed entry (not one before the
    stated incident date: that is the lead-up, 'the change was merged'); the others from the words of their
    entries, kept in order."""
    timed = [e for e in entries if e.instant is not None]
    if not timed:
        return [], []
    found = []
    notes = []
    begins = [e for e in timed if _STARTS.search(e.text)]
    first = min(begins or timed, key=lambda e: e.instant)
    untimed_before = [e for e in entries if e.time is None and e.day and e.day < first.instant.date()]
    if untimed_before:
        notes.append(f"the timeline's first entries (line {untimed_before[0].line}) have no time: started_at left out")
    elif not begins and incident_day and first.instant.date() < incident_day:
        notes.append(f"the timeline's earliest entry (line {first.line}, {first.instant.date().isoformat()}) is before "
                     f"the incident date {incident_day.isoformat()}, and no entry says the impact began: started_at "
                     "left out")
    else:
        how = f"timeline entry '{_short(first.text)}'" if begins else "earliest timeline entry"
        found.append(TimeFinding("started_at", first.instant, f"{how}, {where} line {first.line}"))
    for key, pattern in _MARKERS.items():
        marked = [e for e in timed if pattern.search(e.text)
                  and not (key == "detected_at" and _CAUSE_FOUND.search(e.text))]
        if marked:
            chosen = max(marked, key=lambda e: e.instant) if key == "resolved_at" else min(marked, key=lambda e: e.instant)
            found.append(TimeFinding(key, chosen.instant, f"timeline entry '{_short(chosen.text)}', line {chosen.line}"))
    return found, notes


def in_order(found: list[TimeFinding]) -> tuple[list[TimeFinding], list[str]]:
    """The timestamps that keep started <= detected <= mitigated <= resolved; the others noted."""
    notes = []
    kept: list[TimeFinding] = []
    for finding in sorted(found, key=lambda f: TIMESTAMP_KEYS.index(f.key)):
        if kept and finding.value < kept[-1].value:
            notes.append(f"{finding.key} would be before {kept[-1].key} ({finding.where}): left out")
            continue
        kept.append(finding)
    return kept, notes


_TIMESTAMP_LABELS = (
    ("started_at", re.compile(r"^(?:(?:incident |impact |outage )?start(?:ed)?(?: time| at| date)?|"
                              r"(?:incident |impact )?began|time (?:of|of the) incident|"
                              r"(?:start|beginning) of (?:the )?(?:impact|incident|outage)|first impact)$")),
    ("detected_at", re.compile(r"^(?:detect(?:ed|ion)?(?: time| at)?|time (?:of )?detection|time detected|"
                               r"(?:first )?reported(?: at)?|(?:alert )?triggered(?: at)?|alerted(?: at)?)$")),
    ("mitigated_at", re.compile(r"^(?:mitigat(?:ed|ion)(?: time| at)?|time mitigated)$")),
    ("resolved_at", re.compile(r"^(?:(?:incident |impact |outage )?end(?:ed)?(?: time| at| date)?|"
                               r"resolv(?:ed|ution)(?: time| at)?|recover(?:ed|y)(?: time| at)?|time resolved|"
                               r"(?:service |services )?restored(?: at)?|time restored|"
                               r"end of (?:the )?(?:impact|incident|outage))$")),
)


def moment_of(label: str) -> str | None:
    """The timestamp a label names ('Start time' started_at, 'Detect time' detected_at), or None."""
    return next((key for key, pattern in _TIMESTAMP_LABELS if pattern.match(label)), None)


def stated_timestamps(fields: list[tuple[int, str, str]], zone: dt.tzinfo | None,
                      incident_day: dt.date | None = None) -> tuple[list[TimeFinding], list[str]]:
    """'Start time: 2023-01-05 14:02 UTC' and the like; a value without its zone takes the document's, if stated,
    and a time without a day ('Detected at: 14:20 UTC') the incident date, if stated."""
    found: list[TimeFinding] = []
    notes: list[str] = []
    for number, label, value in fields:
        for key, pattern in _TIMESTAMP_LABELS:
            if not pattern.match(label) or any(f.key == key for f in found):
                continue
            date_match, time_match = DATE.search(value), TIME.search(DATE.sub(" ", value))
            day = date_of(date_match) if date_match else incident_day
            if not (day and time_match) or (not date_match and ":" not in time_match[0]):
                continue  # without a day, only a clock time ('14:20'), never '1.10' of a version
            named = list(ZONE.finditer(value))
            if any(m["abbr"] in AMBIGUOUS_ZONES for m in named):
                notes.append(f"line {number}: {label} is in a zone that names more than one: left out")
                continue
            value_zone = next((zone_of(m) for m in named if zone_of(m)), None) or zone
            if value_zone is None:
                notes.append(f"line {number}: {label} has no time zone: left out")
                continue
            instant = dt.datetime.combine(day, time_of(time_match), value_zone)
            on_day = "" if date_match else ", on the incident date"
            found.append(TimeFinding(key, instant, f"line {number} ('{label}: {_short(value, 40)}'{on_day})"))
    return found, notes


#: One duration written in a sentence: 'for 173 minutes', '2 hours and 10 minutes'.
_DURATION_RUN = re.compile(r"\d+(?:[.,]\d+)?\s*(?:d(?:ays?)?|h(?:ours?|rs?)?|m(?:in(?:ute)?s?)?)\b"
                           r"(?:(?:\s*,?\s*|\s+and\s+)\d+(?:[.,]\d+)?\s*(?:h(?:ours?|rs?)?|m(?:in(?:ute)?s?)?)\b)*",
                           re.IGNORECASE)


def stated_durations(lines: list[tuple[int, str]], section_fields: list[tuple[int, str, str]] = ()
                     ) -> tuple[list[TimeFinding], list[str]]:
    """'Time to detection: 7 hours' and the like, in minutes; values like '?' or 'N/A' are noted. A
    section titled like one ('## Duration') counts when its text states exactly one duration."""
    found: list[TimeFinding] = []
    notes: list[str] = []
    in_sections = {number for number, _, _ in section_fields}
    for number, label, value in [*labeled(lines), *section_fields]:
        value = re.split(r"(?<=[\w)])\.(?:\s+|$)", value.strip())[0]  # 'Time to detect: 1h 23m. The …'
        for key, pattern in _DURATION_LABELS:
            if pattern.match(label) and not any(f.key == key for f in found):
                minutes = duration_minutes(value)
                runs = _DURATION_RUN.findall(value)
                if minutes is None and number in in_sections and len(runs) == 1:
                    minutes = duration_minutes(runs[0])
                bare = re.fullmatch(r"~?\s*(\d+(?:\.\d+)?)", value.strip())
                if minutes is None and bare and re.search(r"\b(minutes|hours)\b", label):  # 'Minutes downtime: 95'
                    minutes = float(bare[1]) * (60 if "hours" in label else 1)
                if minutes is None:
                    notes.append(f"line {number}: {label} is stated as '{_short(value)}', not a duration: left out")
                else:
                    found.append(TimeFinding(key, minutes, f"line {number} ('{label}: {_short(value)}')"))
    return found, notes


def _short(text: str, limit: int = 60) -> str:
    text = plain(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
