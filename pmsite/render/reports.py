"""Pages built from the aggregate stage: home figures, tracker, dashboard, digests.

The figures themselves come from ``pmsite.aggregate``; this module only picks
and arranges them for pages and turns series into charts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pmsite.aggregate import ActionItem, Digest, Summary, aggregate
from pmsite.config import Config
from pmsite.errors import ConfigError
from pmsite.history import History
from pmsite.model import Postmortem

if TYPE_CHECKING:
    from pmsite.render.site import PostmortemView

#: Headline figures compare the last this-many days with the same span before (``site.trend_days``).
TREND_DAYS = 90
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


def _resolve_hours(summary: Summary) -> float | None:
    median = summary.time_to_resolve_minutes.median
    return None if median is None else round(median / 60, 1)


def digest_title(digest: Digest) -> str:
    month = dt.date.fromisoformat(digest.month + "-01")
    return f"State of learning, {month:%B %Y}"


def on_this_day(views: list[PostmortemView], as_of: dt.date) -> list[PostmortemView]:
    """Postmortems of incidents in the as-of day's ISO week of earlier years, most recent year first.

    morgue mailed these as anniversaries: a year on, the same week often brings the
    same load, the same renewals and the same calendar events.
    """
    week = as_of.isocalendar()[1]
    found = [v for v in views if v.date and v.date.year < as_of.year and v.date.isocalendar()[1] == week]
    return sorted(found, key=lambda v: (v.date, v.id), reverse=True)
