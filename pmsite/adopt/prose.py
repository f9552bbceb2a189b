"""Times a narrative states in its sentences, for write-ups with no timeline section.

Public cloud providers write "At 9:37 AM PDT on June 13, a capacity addition …" and
never a list. A sentence counts as a timeline entry only when it has one time and that
time carries its own zone, or when it states a window ("Between 10:15 AM and 11:40 AM
PST, …"), whose start is an entry its words mark nothing on. Its day is the date the
sentence writes (a day without a year only when it is the incident date), else the
incident date. Times that go backwards on an unwritten day (past midnight?) end the
reading: what follows is left out.
"""

from __future__ import annotations

import datetime as dt
import re

from pmsite.adopt.structure import DATE, TIME, ZONE, date_of, paragraphs, plain, time_of, zone_of
from pmsite.adopt.times import _PARTIAL_DAY, Entry, _same_day

#: How an entry that is the start of a window is written, so the reader knows its words mark nothing.
WINDOW_START = "(start of a window)"
_SENTENCE_END = re.compile(r"(?<=[A-Za-z0-9)][.!?])\s+(?=[A-Z])")


def prose_entries(lines: list[tuple[int, str]], incident_day: dt.date | None) -> tuple[list[Entry], list[str]]:
    """One entry per sentence with one time and its zone, in the order written, and notes on what was left out."""
    entries: list[Entry] = []
    notes: list[str] = []
    for number, paragraph in paragraphs(lines):
        for sentence in _SENTENCE_END.split(plain(paragraph)):
            clocks = list(TIME.finditer(DATE.sub(" ", sentence)))
            window = len(clocks) == 2 and _WINDOW.search(DATE.sub(" ", sentence)) and _zone_after(sentence, clocks[1])
            if window:  # 'Between 10:15 AM and 11:40 AM PST, …': the window's start, its words mark nothing
                clock, zone = clocks[0], _zone_after(sentence, clocks[0]) or _zone_after(sentence, clocks[1])
                sentence = f"{WINDOW_START} {sentence[:40]}"
            elif len(clocks) != 1 or not _zone_after(sentence, clocks[0]):
                if len(clocks) > 1:  # which moment its words mark is not clear
                    notes.append(f"line {number}: '{sentence[:60]}…' names {len(clocks)} times: not read")
                continue
            else:
                clock, zone = clocks[0], _zone_after(sentence, clocks[0])
            day = next((d for d in map(date_of, DATE.finditer(sentence)) if d), None)
            partial = [m[0].lower() for m in _PARTIAL_DAY.finditer(DATE.sub(" ", sentence)) if not m["weekday"]]
            if day is None and incident_day and all(_same_day(token, incident_day) for token in partial):
                day = incident_day if partial or not entries else entries[-1].day
            entry = Entry(number, sentence, day, time_of(clock), zone)
            if entries and entry.instant and entries[-1].instant and entry.instant < entries[-1].instant:
                notes.append(f"line {number}: '{sentence[:60]}' is earlier than the sentence before it "
                             "(another day?): times from here on left out")
                return entries, notes
            entries.append(entry)
    return entries, notes


#: 'between 10:15 AM and 11:40 AM PST', 'from 9:37 to 10:41 AM PDT'
#: 'Between 13:45 UTC on 12 March 2024 and 02:10 UTC on 13 March 2024' too (dates are blanked before matching)
_WINDOW = re.compile(r"\b(?:between|from)\s+\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?\s*)?(?:[A-Z]{2,5}\s+)?(?:on\s+)?"
                     r"(?:and|to|until|till)\s+\d{1,2}[:.]\d{2}", re.IGNORECASE)


def _zone_after(sentence: str, clock: re.Match) -> dt.tzinfo | None:
    """The zone written right after a time ('9:37 AM PDT'), if it names one zone."""
    text = DATE.sub(" ", sentence)
    zone = ZONE.match(text, clock.end() + (len(text[clock.end():]) - len(text[clock.end():].lstrip())))
    return zone_of(zone) if zone else None
