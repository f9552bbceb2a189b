"""The metrics dashboard's charts: which periods, which figures, which chart for each.

Time axes start at the first incident and end with the as-of day. Counts go
by month (by quarter beyond three years, so bars stay readable); durations go
by the finest of month, quarter and year in which a period holds
``MIN_COMPARABLE`` incidents on average, since a median of one or two
incidents is noise.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Callable, Iterable

from pmsite.aggregate import Aggregates, Incident
from pmsite.model import SEVERITIES
from pmsite.render.charts import MIN_COMPARABLE, Chart, Period, Series, Spread, bar_chart, median_chart, row_chart
from pmsite.timeutil import format_minutes

#: Beyond this many months, counts go by quarter.
MONTHLY_UP_TO = 36
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _key(day: dt.date, step: str) -> str:
    if step == "month":
        return f"{day.year}-{day.month:02d}"
    if step == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def periods(first: dt.date, last: dt.date, step: str) -> tuple[Period, ...]:
    """Every month, quarter or year from ``first``'s to ``last``'s, with axis labels."""
    result, year, month = [], first.year, first.month
    if step == "quarter":
        month = (month - 1) // 3 * 3 + 1
    if step == "year":
        month = 1
    while (year, month) <= (last.year, last.month):
        day = dt.date(year, month, 1)
        key = _key(day, step)
        label = {"month": _MONTHS[month - 1], "quarter": key[-2:], "year": str(year)}[step]
        result.append(Period(key, label, str(year)))
        month += {"month": 1, "quarter": 3, "year": 12}[step]
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return tuple(result)


def _span_months(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _duration_step(days: list[dt.date], first: dt.date, last: dt.date) -> str:
    """The finest step whose non-empty periods hold MIN_COMPARABLE incidents on average."""
    for step in ("month", "quarter"):
        used = Counter(_key(day, step) for day in days)
        if used and len(days) / len(used) >= MIN_COMPARABLE and len(periods(first, last, step)) <= 60:
            return step
    return "year"


def spread(values: list[float]) -> Spread:
    if not values:
        return Spread(0)
    if len(values) == 1:
        return Spread(1, values[0])
    low, _, high = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(len(values), statistics.median(values), low, high)


def _spreads(incidents: Iterable[Incident], axis: tuple[Period, ...], step: str,
             read: Callable[[Incident], float | None]) -> tuple[Spread, ...]:
    values: dict[str, list[float]] = {}
    for incident in incidents:
        value = read(incident)
        if incident.date and value is not None:
            values.setdefault(_key(incident.date, step), []).append(value)
    return tuple(spread(values.get(p.key, [])) for p in axis)


def _days(value: float) -> str:
    return f"{value:.0f} d" if value >= 10 or float(value).is_integer() else f"{value:.1f} d"


def dashboard(aggregates: Aggregates) -> list[Chart]:
    """The dashboard's charts, each with its data table."""
    dated = [i for i in aggregates.incidents if i.date]
    first = min((i.date for i in dated), default=aggregates.as_of)
    last = max([aggregates.as_of, *(i.date for i in dated)])
    step = "month" if _span_months(first, last) <= MONTHLY_UP_TO else "quarter"
    axis = periods(first, last, step)
    by_period: dict[str, list[Incident]] = {}
    for incident in dated:
        by_period.setdefault(_key(incident.date, step), []).append(incident)
    severities = tuple(Series(sev, tuple(sum(i.severity == sev for i in by_period.get(p.key, [])) for p in axis),
                              f"tone-{sev.lower()}") for sev in SEVERITIES)
    day_of = {i.id: i.date for i in dated}
    kinds = Counter((_key(day_of[item.postmortem_id], step), item.kind) for item in aggregates.action_items
                    if item.postmortem_id in day_of)

    slow = _duration_step([i.date for i in dated], first, last)
    slow_axis = periods(first, last, slow)
    items = aggregates.action_items
    categories = sorted({i.category or "(none)" for i in items})
    by_category = Counter((i.category or "(none)", "done" if i.status == "done" else "won't do"
                           if i.status == "wont_do" else "open") for i in items)
    groups = sorted(aggregates.recurrence_groups, key=lambda g: (g.first_date or dt.date.min, g.ids))
    period_header = step.capitalize()
    return [
        bar_chart("incidents-per-month", f"Incidents per {step} by severity",
                  f"How many incidents started each {step}, stacked by severity, from the first incident on.",
                  axis, severities, period_header),
        median_chart("time-to-resolve", "Time to resolve",
                     f"Median time from the start of an incident to its resolution, by {slow} of the incident "
                     "(logarithmic scale: minutes to weeks).",
                     slow_axis, _spreads(dated, slow_axis, slow, lambda i: i.time_to_resolve_minutes),
                     slow.capitalize(), format_minutes, log=True),
        median_chart("time-to-publish", "Time to publish",
                     f"Median days from an incident to its published postmortem, by {slow} of the incident.",
                     slow_axis, _spreads(dated, slow_axis, slow, lambda i: i.time_to_publish_days),
                     slow.capitalize(), _days, log=False),
        row_chart("completion-by-category", "Action-item completion by category",
                  "Action items of every postmortem by category: done, open or not to be done.",
                  tuple(categories), tuple(Series(state, tuple(by_category[(c, state)] for c in categories), tone)
                                           for state, tone in (("done", "tone-done"), ("open", "tone-open"),
                                                               ("won't do", "tone-wont-do"))), "Category"),
        bar_chart("mitigation-vs-systemic", "Mitigation vs systemic fixes",
                  f"Action items per {step} of the incident: mitigations fix this incident's trigger, "
                  "systemic fixes remove a class of failure.",
                  axis, tuple(Series(kind.capitalize(), tuple(kinds[(p.key, kind)] for p in axis), f"tone-{kind}")
                              for kind in ("mitigation", "systemic")), period_header),
        row_chart("recurrences", "Recurrences",
                  "Groups of incidents that are the same problem again (equal fingerprint or linked as related).",
                  tuple(", ".join(g.fingerprints) or g.ids[0] for g in groups),
                  (Series("Incidents", tuple(len(g.ids) for g in groups), "tone-recurring"),), "Group"),
    ]
