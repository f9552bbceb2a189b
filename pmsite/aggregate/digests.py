"""Monthly learning digests: what happened, what we learned, what we fixed for good.

One digest per calendar month up to ``as_of`` that had an incident or a
completed systemic fix. The site renders them; this module only gathers data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pmsite.aggregate.actions import ActionItem
from pmsite.aggregate.incidents import Incident
from pmsite.aggregate.patterns import Pattern, PatternTable
from pmsite.model import SEVERITIES


@dataclass
class Learning:
    postmortem_id: str
    severity: str
    #: "lesson" (from ``lessons``) or "summary".
    kind: str
    text: str


@dataclass
class Digest:
    month: str  # YYYY-MM
    incidents: list[Incident]
    #: Lessons of the month, worst severity first, at most ``metrics.digest_learnings``.
    top_learnings: list[Learning]
    #: Summaries of the month's incidents, worst severity first.
    summaries: list[Learning]
    #: Patterns reaching the threshold over the ``metrics.digest_pattern_months`` months ending here.
    patterns: list[Pattern]
    systemic_fixes_completed: list[ActionItem]

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "incidents": [i.to_dict() for i in self.incidents],
            "top_learnings": [vars(learning) for learning in self.top_learnings],
            "summaries": [vars(learning) for learning in self.summaries],
            "patterns": [p.to_dict() for p in self.patterns],
            "systemic_fixes_completed": [item.to_dict() for item in self.systemic_fixes_completed],
        }


def _months_back(month: str, count: int) -> str:
    year, number = map(int, month.split("-"))
    index = year * 12 + number - 1 - (count - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _worst_first(incident: Incident) -> tuple:
    rank = SEVERITIES.index(incident.severity) if incident.severity in SEVERITIES else len(SEVERITIES)
    return rank, incident.date or dt.date.min, incident.id


def digests(incidents: list[Incident], items: list[ActionItem], table: PatternTable, as_of: dt.date,
            learnings_per_month: int, pattern_months: int) -> list[Digest]:
    """Digests oldest month first."""
    last = as_of.strftime("%Y-%m")
    fixes_by_month: dict[str, list[ActionItem]] = {}
    for item in items:
        if item.kind == "systemic" and item.status == "done" and item.completed:
            fixes_by_month.setdefault(item.completed.strftime("%Y-%m"), []).append(item)
    by_month: dict[str, list[Incident]] = {}
    for incident in incidents:
        by_month.setdefault(incident.month, []).append(incident)
    months = sorted({m for m in by_month if m} | set(fixes_by_month))
    result = []
    for month in (m for m in months if m <= last):
        of_month = sorted(by_month.get(month, []), key=_worst_first)
        lessons = [Learning(i.id, i.severity, "lesson", text) for i in of_month
                   for text in i.postmortem.str_list("lessons")]
        summaries = [Learning(i.id, i.severity, "summary", str(i.postmortem.meta["summary"]).strip())
                     for i in of_month if i.postmortem.meta.get("summary")]
        start = _months_back(month, pattern_months)
        recent = [i for m in months if start <= m <= month for i in by_month.get(m, [])]
        result.append(Digest(
            month=month,
            incidents=of_month,
            top_learnings=lessons[:learnings_per_month],
            summaries=summaries,
            patterns=table.find(recent),
            systemic_fixes_completed=sorted(fixes_by_month.get(month, []),
                                            key=lambda a: (a.completed, a.postmortem_id)),
        ))
    return result
