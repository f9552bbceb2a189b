"""Stage 5, aggregate: postmortems + git history -> action items, metrics, patterns, digests.

The site builder and the ``actions``/``metrics`` commands use one entry point::

    from pmsite import history
    from pmsite.aggregate import aggregate

    found = history.mine(config)                       # History (warnings in found.warnings)
    result = aggregate(postmortems, found, config, as_of=date.today())

``result`` is an ``Aggregates``:

- ``incidents``: one ``Incident`` per postmortem (sorted by date, then id) with
  ``id``, ``title``, ``path``, ``severity``, ``date``, ``published`` (front-matter
  ``published`` wins over history), durations in minutes, ``time_to_publish_days``,
  ``revisions``, ``contributors``; ``.postmortem`` is the loaded ``Postmortem``.
- ``action_items``: ``ActionItem`` views (``due`` and ``due_source``, ``completed``
  and ``completed_source``, ``overdue``, ``days_overdue``, ``escalation``,
  ``stale``, ``on_time``, ``days_to_close``); ``.to_dict()`` gives JSON.
- ``metrics``: a ``Summary`` of every incident in the window (``summary.health_score``...).
- ``groups``: ``{value: Summary}`` when ``by`` is given (team, service, severity, month).
- ``recurrence_groups``: ``RecurrenceGroup`` (ids, fingerprints, first_date), whole corpus.
- ``patterns``: ``Pattern`` (name, count, incident_ids, recommendation) in the window.
- ``digests``: one ``Digest`` per month (incidents, top_learnings, summaries,
  patterns, systemic_fixes_completed), oldest first.
- ``warnings``: ``Finding`` objects about the data, e.g. ``history/bulk-import``
  when many postmortems were published by one commit and carry no ``published``.

Nothing here reads the clock: ``as_of`` is "today", so results are reproducible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, Callable

from pmsite.aggregate.actions import ActionItem, action_items, select
from pmsite.aggregate.digests import Digest, Learning, digests
from pmsite.aggregate.incidents import Incident, bulk_import_warnings, incidents_of
from pmsite.aggregate.metrics import (
    BY_CHOICES,
    Distribution,
    MetricsSettings,
    RecurrenceGroup,
    Summary,
    group_keys,
    in_window,
    recurrence_groups,
    summarize,
)
from pmsite.aggregate.patterns import Pattern, PatternTable
from pmsite.aggregate.people import configured_bots
from pmsite.config import Config
from pmsite.drills import DRILL_TYPE
from pmsite.history import History
from pmsite.model import Finding, Postmortem

__all__ = [
    "BY_CHOICES", "ActionItem", "Aggregates", "Digest", "Distribution", "Incident", "Learning", "Pattern",
    "RecurrenceGroup", "Summary", "aggregate", "select",
]


@dataclass
class Aggregates:
    as_of: dt.date
    since: dt.date | None
    until: dt.date | None
    incidents: list[Incident]
    action_items: list[ActionItem]
    metrics: Summary
    recurrence_groups: list[RecurrenceGroup]
    patterns: list[Pattern]
    by: str | None = None
    groups: dict[str, Summary] = field(default_factory=dict)
    #: Problems with the data itself, e.g. postmortems whose publication date is an import commit.
    warnings: list[Finding] = field(default_factory=list)
    #: Practice postmortems (``type: drill``), kept out of every figure above; the site lists them apart.
    drills: list[Incident] = field(default_factory=list)
    #: Makes the monthly digests on first use: the site shows them, the reports do not.
    make_digests: Callable[[], list[Digest]] = field(default=list, repr=False, compare=False)

    @cached_property
    def digests(self) -> list[Digest]:
        return self.make_digests()

    @property
    def window_incidents(self) -> list[Incident]:
        return [i for i in self.incidents if in_window(i, self.since, self.until)]

    def metrics_dict(self) -> dict[str, Any]:
        """The ``pmsite metrics --format json`` document."""
        return {
            "as_of": self.as_of.isoformat(),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "summary": {
                **self.metrics.to_dict(),
                "recurrence_groups": [g.to_dict() for g in self.recurrence_groups],
                "patterns": [p.to_dict() for p in self.patterns],
            },
            "postmortems": [i.to_dict() for i in self.window_incidents],
            "by": self.by,
            "groups": {name: summary.to_dict() for name, summary in self.groups.items()},
        }


def aggregate(postmortems: list[Postmortem], history: History, config: Config, as_of: dt.date, *,
              since: dt.date | None = None, until: dt.date | None = None, by: str | None = None) -> Aggregates:
    """Everything the reports and the site need, for incidents dated ``since``..``until`` (inclusive).

    Practice postmortems (``type: drill``) are set aside in ``drills``: no metric, action item,
    pattern or digest counts a mock incident as a real one.
    """
    everything = incidents_of(postmortems, history, configured_bots(config))
    incidents = [i for i in everything if i.type != DRILL_TYPE]
    items = action_items(incidents, config, as_of)
    groups = recurrence_groups(incidents)
    recurring = {member for group in groups for member in group.ids[1:]}  # the first one is not a repeat
    options = MetricsSettings.from_config(config)
    table = PatternTable.from_config(config)

    window = [i for i in incidents if in_window(i, since, until)]
    window_ids = {i.id for i in window}
    window_items = [item for item in items if item.postmortem_id in window_ids]
    breakdown: dict[str, Summary] = {}
    if by is not None:
        key_of = group_keys(by)
        items_of: dict[str, list[ActionItem]] = {}
        for item in window_items:
            items_of.setdefault(item.postmortem_id, []).append(item)
        members: dict[str, list[Incident]] = {}
        for incident in window:
            for name in dict.fromkeys(key_of(incident)):
                members.setdefault(name, []).append(incident)
        for name in sorted(members):
            group_items = [item for incident in members[name] for item in items_of.get(incident.id, [])]
            breakdown[name] = summarize(members[name], group_items, recurring, options)
    return Aggregates(
        as_of=as_of, since=since, until=until,
        incidents=incidents,
        action_items=items,
        metrics=summarize(window, window_items, recurring, options),
        recurrence_groups=[g for g in groups if window_ids & set(g.ids)],
        patterns=table.find(window),
        by=by,
        groups=breakdown,
        warnings=bulk_import_warnings(incidents),
        drills=[i for i in everything if i.type == DRILL_TYPE],
        make_digests=partial(digests, incidents, items, table, as_of, options.digest_learnings,
                             options.digest_pattern_months),
    )
