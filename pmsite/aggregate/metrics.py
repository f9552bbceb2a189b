"""Learning metrics over a window of incidents; docs/metrics.md gives every formula.

Durations are reported as medians and 90th percentiles, never means: incident
durations are heavy-tailed and one long outage would swamp an average.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from pmsite.aggregate import settings
from pmsite.aggregate.actions import ActionItem
from pmsite.aggregate.incidents import Incident
from pmsite.config import Config

HUMAN_DETECTION = ("customer", "human_report")
BY_CHOICES = ("team", "service", "severity", "month")


@dataclass
class Distribution:
    """How many values there were, their median and 90th percentile (None when empty)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Distribution:
        data = sorted(v for v in values if v is not None)
        if not data:
            return cls(0, None, None)
        return cls(len(data), round(float(statistics.median(data)), 1), round(percentile(data, 0.9), 1))


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, Excel's PERCENTILE.INC)."""
    rank = fraction * (len(sorted_values) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def ratio(part: int | float, whole: int | float) -> float | None:
    return round(part / whole, 3) if whole else None


@dataclass
class RecurrenceGroup:
    """Incidents that are the same problem again: equal ``fingerprint`` or linked by ``related``."""

    ids: list[str]
    fingerprints: list[str]
    first_date: dt.date | None

    def to_dict(self) -> dict[str, Any]:
        return {"ids": self.ids, "fingerprints": self.fingerprints,
                "first_date": self.first_date.isoformat() if self.first_date else None}


def recurrence_groups(incidents: list[Incident]) -> list[RecurrenceGroup]:
    """Connected groups of two or more incidents (union-find over fingerprints and related ids)."""
    parent = {i.id: i.id for i in incidents}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    by_fingerprint: dict[str, str] = {}
    for incident in incidents:
        fingerprint = str(incident.postmortem.meta.get("fingerprint") or "")
        if fingerprint:
            parent[root(incident.id)] = root(by_fingerprint.setdefault(fingerprint, incident.id))
        for other in incident.postmortem.str_list("related"):
            if other in parent:
                parent[root(incident.id)] = root(other)
    members: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:  # already sorted by date
        members[root(incident.id)].append(incident)
    groups = [
        RecurrenceGroup(
            ids=[i.id for i in group],
            fingerprints=sorted({str(i.postmortem.meta.get("fingerprint")) for i in group
                                 if i.postmortem.meta.get("fingerprint")}),
            first_date=group[0].date,
        )
        for group in members.values() if len(group) > 1
    ]
    return sorted(groups, key=lambda g: (g.first_date or dt.date.min, g.ids))


@dataclass
class Summary:
    """The figures for one set of incidents (the window, or one ``--by`` group)."""

    incidents: int
    by_severity: dict[str, int]
    by_type: dict[str, int]
    time_to_detect_minutes: Distribution
    time_to_mitigate_minutes: Distribution
    time_to_resolve_minutes: Distribution
    time_to_publish_days: Distribution
    action_items: dict[str, Any]
    learning_debt: dict[str, int]
    fix_categories: dict[str, int]
    fix_kinds: dict[str, int]
    mitigation_systemic_ratio: float | None
    recurrence_rate: float | None
    recurring_incidents: list[str]
    participants: int
    contributors: int
    human_reported_share: float | None
    health_score: float | None
    health_components: dict[str, dict[str, float | None]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class MetricsSettings:
    weights: dict[str, float]
    publish_target_days: int
    systemic_target: float
    digest_learnings: int
    digest_pattern_months: int

    @classmethod
    def from_config(cls, config: Config) -> MetricsSettings:
        values = settings.table(config, "metrics", settings.DEFAULT_METRICS)
        return cls(settings.health_weights(config), values["publish_target_days"], values["systemic_target"],
                   values["digest_learnings"], values["digest_pattern_months"])


def _action_figures(items: list[ActionItem]) -> dict[str, Any]:
    counted = [i for i in items if i.status != "wont_do"]
    done = [i for i in counted if i.status == "done"]
    judged = [i for i in done if i.on_time is not None]
    by_priority = defaultdict(list)
    for item in done:
        by_priority[item.priority or "none"].append(item.days_to_close)
    return {
        "total": len(items),
        "by_status": dict(sorted(Counter(i.status for i in items).items())),
        "completion_rate": ratio(len(done), len(counted)),
        "on_time_rate": ratio(sum(1 for i in judged if i.on_time), len(judged)),
        "late": sum(1 for i in judged if not i.on_time),
        "overdue": sum(1 for i in items if i.overdue),
        "stale": sum(1 for i in items if i.stale),
        "days_to_close_by_priority": {p: asdict(Distribution.of(v)) for p, v in sorted(by_priority.items())},
    }


def summarize(incidents: list[Incident], items: list[ActionItem], recurring: set[str],
              options: MetricsSettings) -> Summary:
    """All figures of one set of incidents and their action items."""
    debt: Counter[str] = Counter()
    for item in items:
        if item.overdue:
            for team in item.teams or ["(no team)"]:
                debt[team] += 1
    kinds = Counter(i.kind for i in items if i.kind)
    detections = [i.detection for i in incidents if i.detection]
    participants = {p for i in incidents for p in (*i.postmortem.str_list("participants"),
                                                   *i.postmortem.str_list("authors"))}
    action = _action_figures(items)
    publish = Distribution.of(i.time_to_publish_days for i in incidents)
    recurring_ids = [i.id for i in incidents if i.id in recurring]
    summary = Summary(
        incidents=len(incidents),
        by_severity=dict(sorted(Counter(i.severity for i in incidents if i.severity).items())),
        by_type=dict(sorted(Counter(i.type for i in incidents if i.type).items())),
        time_to_detect_minutes=Distribution.of(i.time_to_detect_minutes for i in incidents),
        time_to_mitigate_minutes=Distribution.of(i.time_to_mitigate_minutes for i in incidents),
        time_to_resolve_minutes=Distribution.of(i.time_to_resolve_minutes for i in incidents),
        time_to_publish_days=publish,
        action_items=action,
        learning_debt=dict(sorted(debt.items(), key=lambda kv: (-kv[1], kv[0]))),
        fix_categories=dict(sorted(Counter(i.category for i in items if i.category).items())),
        fix_kinds=dict(sorted(kinds.items())),
        mitigation_systemic_ratio=ratio(kinds["mitigation"], kinds["systemic"]),
        recurrence_rate=ratio(len(recurring_ids), len(incidents)),
        recurring_incidents=recurring_ids,
        participants=len(participants),
        contributors=len({c for i in incidents for c in i.contributors}),
        human_reported_share=ratio(sum(1 for d in detections if d in HUMAN_DETECTION), len(detections)),
        health_score=None,
    )
    summary.health_components = _health_components(summary, incidents, items, options)
    summary.health_score = _health_score(summary.health_components)
    return summary


def _health_components(summary: Summary, incidents: list[Incident], items: list[ActionItem],
                       options: MetricsSettings) -> dict[str, dict[str, float | None]]:
    """Each component is 0..1 (1 is best), or None when there is nothing to judge it on."""
    active = [i for i in items if i.status != "wont_do"]
    published = [i.time_to_publish_days for i in incidents if i.time_to_publish_days is not None]
    systemic_share = ratio(summary.fix_kinds.get("systemic", 0), sum(summary.fix_kinds.values()))
    recurrence = summary.recurrence_rate
    values: dict[str, float | None] = {
        "completion": summary.action_items["completion_rate"],
        "on_time": summary.action_items["on_time_rate"],
        "no_overdue": None if not active else round(1 - summary.action_items["overdue"] / len(active), 3),
        "timely_publication": ratio(sum(1 for d in published if d <= options.publish_target_days), len(published)),
        "no_recurrence": None if recurrence is None else round(1 - recurrence, 3),
        "systemic": None if systemic_share is None else round(min(1.0, systemic_share / options.systemic_target), 3)
        if options.systemic_target else None,
    }
    return {name: {"value": values[name], "weight": options.weights[name]} for name in options.weights}


def _health_score(components: dict[str, dict[str, float | None]]) -> float | None:
    """100 × weighted mean of the components that have a value."""
    known = [(c["value"], c["weight"]) for c in components.values() if c["value"] is not None and c["weight"]]
    total = sum(weight for _, weight in known)
    return round(100 * sum(value * weight for value, weight in known) / total, 1) if total else None


def group_keys(by: str) -> Callable[[Incident], list[str]]:
    """Which ``--by`` groups an incident belongs to (an incident with two teams counts for both)."""
    return {
        "team": lambda i: i.teams or ["(no team)"],
        "service": lambda i: i.services or ["(no service)"],
        "severity": lambda i: [i.severity or "(no severity)"],
        "month": lambda i: [i.month or "(no date)"],
    }[by]


def in_window(incident: Incident, since: dt.date | None, until: dt.date | None) -> bool:
    if since is None and until is None:
        return True
    if incident.date is None:
        return False
    return (since is None or incident.date >= since) and (until is None or incident.date <= until)
