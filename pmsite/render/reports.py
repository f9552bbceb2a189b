"""Pages built from the aggregate stage: home figures, tracker, dashboard, digests.

The figures themselves come from ``pmsite.aggregate``; this module only picks
and arranges them for pages and turns series into charts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from pmsite.aggregate import ActionItem, Aggregates, Digest, Summary, aggregate
from pmsite.config import Config
from pmsite.errors import ConfigError
from pmsite.history import History
from pmsite.model import SEVERITIES, Postmortem
from pmsite.render.charts import Chart, Series, bar_chart, line_chart

#: Headline figures compare the last this-many days with the same span before (``site.trend_days``).
TREND_DAYS = 90
#: The dashboard's time series cover at most this many months, ending with the as-of month.
CHART_MONTHS = 24
#: Items completed within this many days count as "recently completed" on the tracker.
RECENT_DAYS = 30


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    #: e.g. "down from 7 in the previous 90 days".
    trend: str


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    return (f"{value:.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:.1f}") + unit


def _trend(now: float | None, before: float | None, days: int, unit: str = "") -> str:
    if now is None or before is None:
        return f"no figure for the previous {days} days"
    word = "up" if now > before else "down" if now < before else "same as"
    return f"{word} {'from ' if word != 'same as' else ''}{_fmt(before, unit)} in the previous {days} days"


def trend_days(config: Config) -> int:
    """``site.trend_days``: a few incidents a quarter need a longer window than 90 days to show a trend."""
    value = config.section("site").get("trend_days", TREND_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"pmsite.yaml: site.trend_days must be a whole number of days (1 or more), not {value!r}")
    return value


def headlines(postmortems: list[Postmortem], history: History, config: Config, as_of: dt.date) -> list[Headline]:
    """Incidents, median time to resolve, completion and time to publish: the last ``site.trend_days``
    days against the same span before."""
    days = trend_days(config)
    span = dt.timedelta(days=days)
    start = as_of - 2 * span + dt.timedelta(days=1)
    # these four figures depend only on the incidents in the window, so aggregate just those (fast on big sites)
    recent = [pm for pm in postmortems if pm.date("date") and start <= pm.date("date") <= as_of]
    now = aggregate(recent, history, config, as_of, since=as_of - span + dt.timedelta(days=1), until=as_of).metrics
    before = aggregate(recent, history, config, as_of, since=start, until=as_of - span).metrics

    def completion(summary: Summary) -> float | None:
        rate = summary.action_items["completion_rate"]
        return None if rate is None else 100 * rate

    return [
        Headline(f"Incidents, last {days} days", _fmt(now.incidents), _trend(now.incidents, before.incidents, days)),
        Headline("Median time to resolve", _fmt(_resolve_hours(now), " h"),
                 _trend(_resolve_hours(now), _resolve_hours(before), days, " h")),
        Headline("Action items completed", _fmt(completion(now), " %"),
                 _trend(completion(now), completion(before), days, " %")),
        Headline("Time to publish (median)", _fmt(now.time_to_publish_days.median, " d"),
                 _trend(now.time_to_publish_days.median, before.time_to_publish_days.median, days, " d")),
    ]


@dataclass(frozen=True)
class Breakdown:
    """Counts of one group (a team or a category) for the tracker."""

    name: str
    open: int
    overdue: int
    stale: int
    done: int


@dataclass(frozen=True)
class Tracker:
    overdue: list[ActionItem]
    open: list[ActionItem]
    stale: list[ActionItem]
    recently_completed: list[ActionItem]
    by_team: list[Breakdown]
    by_category: list[Breakdown]


def _breakdown(items: list[ActionItem], key) -> list[Breakdown]:
    groups: dict[str, list[ActionItem]] = defaultdict(list)
    for item in items:
        for name in key(item):
            groups[name].append(item)
    return [Breakdown(name, sum(i.is_open for i in members), sum(i.overdue for i in members),
                      sum(i.stale for i in members), sum(i.status == "done" for i in members))
            for name, members in sorted(groups.items())]


def tracker(items: list[ActionItem], as_of: dt.date) -> Tracker:
    """Overdue first (worst first), then open by due date, stale, and what was closed recently."""
    open_items = [i for i in items if i.is_open]
    recent = as_of - dt.timedelta(days=RECENT_DAYS)
    return Tracker(
        overdue=sorted((i for i in open_items if i.overdue), key=lambda i: (-i.days_overdue, i.postmortem_id, i.id)),
        open=sorted((i for i in open_items if not i.overdue), key=lambda i: (i.due or dt.date.max, i.postmortem_id, i.id)),
        stale=sorted((i for i in open_items if i.stale), key=lambda i: (i.last_change or dt.date.min, i.postmortem_id, i.id)),
        recently_completed=sorted((i for i in items if i.status == "done" and i.completed and recent <= i.completed <= as_of),
                                  key=lambda i: (i.completed, i.postmortem_id, i.id), reverse=True),
        by_team=_breakdown(items, lambda i: i.teams or ["(no team)"]),
        by_category=_breakdown(items, lambda i: [i.category or "(none)"]),
    )


def _months(as_of: dt.date, first: str | None) -> list[str]:
    """Consecutive YYYY-MM labels from ``first`` (at most CHART_MONTHS back) to the as-of month."""
    year, month = as_of.year, as_of.month
    labels = []
    for _ in range(CHART_MONTHS):
        labels.append(f"{year}-{month:02d}")
        if first and labels[-1] <= first:
            break
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return labels[::-1]


def _resolve_hours(summary: Summary) -> float | None:
    median = summary.time_to_resolve_minutes.median
    return None if median is None else round(median / 60, 1)


def dashboard(aggregates: Aggregates, by_month: dict[str, Summary]) -> list[Chart]:
    """The dashboard's charts, each with its data table."""
    months = _months(aggregates.as_of, min(by_month, default=None))
    def per_month(read) -> tuple:
        return tuple(read(by_month[m]) if m in by_month else None for m in months)

    severities = tuple(Series(sev, per_month(lambda s, sev=sev: s.by_severity.get(sev, 0)))
                       for sev in SEVERITIES)
    items = aggregates.action_items
    categories = sorted({i.category or "(none)" for i in items})
    by_category = Counter((i.category or "(none)", "done" if i.status == "done" else "won't do"
                           if i.status == "wont_do" else "open") for i in items)
    groups = sorted(aggregates.recurrence_groups, key=lambda g: (g.first_date or dt.date.min, g.ids))
    return [
        bar_chart("incidents-per-month", "Incidents per month by severity",
                  "How many incidents started each month, stacked by severity.",
                  tuple(months), severities, "Month"),
        line_chart("time-to-resolve", "Time to resolve",
                   "Median hours from the start of an incident to its resolution, by month of the incident.",
                   tuple(months), (Series("Median hours", per_month(_resolve_hours)),), "Month", " h"),
        line_chart("time-to-publish", "Time to publish",
                   "Median days from an incident to its published postmortem, by month of the incident.",
                   tuple(months), (Series("Median days", per_month(lambda s: s.time_to_publish_days.median)),),
                   "Month", " d"),
        bar_chart("completion-by-category", "Action-item completion by category",
                  "Action items of every postmortem by category: done, open or not to be done.",
                  tuple(categories), tuple(Series(state, tuple(by_category[(c, state)] for c in categories))
                                           for state in ("done", "open", "won't do")), "Category"),
        bar_chart("mitigation-vs-systemic", "Mitigation vs systemic fixes",
                  "Action items per month of the incident: mitigations fix this incident's trigger, systemic fixes remove a class of failure.",
                  tuple(months), tuple(Series(kind.capitalize(), per_month(lambda s, k=kind: s.fix_kinds.get(k, 0)))
                                       for kind in ("mitigation", "systemic")), "Month"),
        bar_chart("recurrences", "Recurrences",
                  "Groups of incidents that are the same problem again (equal fingerprint or linked as related).",
                  tuple(", ".join(g.fingerprints) or g.ids[0] for g in groups),
                  (Series("Incidents", tuple(len(g.ids) for g in groups)),), "Group"),
    ]


def digest_title(digest: Digest) -> str:
    month = dt.date.fromisoformat(digest.month + "-01")
    return f"State of learning, {month:%B %Y}"
