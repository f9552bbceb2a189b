"""The incident's day: the first place an old postmortem states it, in the order ``docs/adopting.md`` lists.

An all-numeric date that reads two ways ('03/04/2024') is never taken, and the report says so; a day
without its year is taken only where the text gives the year beside it (a report titled 'May 2024').
"""

from __future__ import annotations

import datetime as dt
import re

from pmsite.adopt import times
from pmsite.adopt.read import Document
from pmsite.adopt.structure import DATE, MONTHS, first_date, numeric_date, paragraphs, stated_day


def incident_date(result, document: Document, fields, summary_sections, timeline_sections, where,
                  headed: list[str]) -> None:
    """The incident's day, from the first place that states it; an all-numeric date is never read. RESULT is
    the Inferred being filled; HEADED the headings and the text before the first section."""
    if "date" not in result.meta:
        _stated_date(result, document, fields, summary_sections, timeline_sections, where)
    if "date" not in result.meta:
        _day_of_the_titles_month(result, headed)
    if "date" not in result.meta:
        stated = [(number, value) for number, label, value in fields if re.search(r"\bdate\b", label)]
        stated += [(number, text) for section in summary_sections for number, text in paragraphs(section.lines)]
        result.notes += [f"line {number}: the date '{numeric_date(value)}' could be day/month or month/day: "
                         "date left out" for number, value in stated if numeric_date(value)][:1]


def _stated_date(result, document: Document, fields, summary_sections, timeline_sections, where) -> None:
    for number, label, value in fields:
        if re.fullmatch(r"(incident )?date( of (the )?incident)?|occurred( on)?|incident start(ed)?", label):
            day = first_date(value)
            if day:
                return result.set("date", day.isoformat(), f"line {number} ('{label}')")
    for number, label, value in fields:
        if times.moment_of(label) == "started_at" and first_date(value) and times.TIME.search(DATE.sub(" ", value)):
            return result.set("date", first_date(value).isoformat(), f"line {number} ('{label}')")
    if first_date(result.meta["title"]):
        return result.set("date", first_date(result.meta["title"]).isoformat(), "the title")
    timeline_days = sorted(e.day for section in timeline_sections[:1]
                           for e in times.timeline_entries(section, None)[0] if e.day)
    for section in summary_sections:
        for number, paragraph in paragraphs(section.lines):
            day = first_date(paragraph)
            if day and timeline_days and not (timeline_days[0] - dt.timedelta(days=2) <= day <= timeline_days[-1]):
                result.notes.append(f"{where(section)}, line {number}: {day.isoformat()} is not a day of the "
                                    "timeline (an earlier event?): the timeline's first day is the date")
                break
            if day:
                return result.set("date", day.isoformat(), f"{where(section)}, line {number}")
    # another tool's front-matter 'date' (and a Jekyll post's file name) is the page's day: the incident's only
    # when the text states none, its timeline included
    day = stated_day(document.front_matter.get("date"))
    named_day = first_date(document.path.name)
    if named_day and not document.front_matter:
        return result.set("date", named_day.isoformat(), "the file name")
    if timeline_days:
        return result.set("date", timeline_days[0].isoformat(),
                          f"first day of the timeline, {where(timeline_sections[0])}")
    if day:
        return result.set("date", day.isoformat(), "the source's front-matter")
    if named_day:
        return result.set("date", named_day.isoformat(), "the file name")


_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
#: 'GitHub Availability Report: May 2024': a month and its year, without a day.
_MONTH_YEAR = re.compile(rf"\b(?P<month>{_MONTH_NAMES})\.?,?\s+(?P<year>\d{{4}})\b", re.IGNORECASE)
#: 'May 21' or '21 May' not followed by a year.
_MONTH_DAY = re.compile(rf"\b(?:(?P<month>{_MONTH_NAMES})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*\d{{4}})|"
                        rf"(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{_MONTH_NAMES})\b\.?(?!,?\s*\d{{4}}))",
                        re.IGNORECASE)


def _day_of_the_titles_month(result, texts: list[str]) -> None:
    """A report titled by its month ('Availability Report: May 2024') dates its incident 'May 21' without the
    year: the day is read when the headings and the text before the first section (TEXTS) name one day of
    that month, and no other."""
    title_month = _MONTH_YEAR.search(result.meta["title"])
    if title_month is None or first_date(result.meta["title"]):
        return
    month, year = MONTHS[title_month["month"].lower()], int(title_month["year"])
    days = {int(m["day"] or m["day2"]) for text in texts for m in _MONTH_DAY.finditer(text)
            if MONTHS[(m["month"] or m["month2"]).lower().rstrip(".")] == month}
    if len(days) == 1:
        try:
            day = dt.date(year, month, days.pop())
        except ValueError:
            return
        result.set("date", day.isoformat(), "a day of the title's month, in a heading or the lead")
