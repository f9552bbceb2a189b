"""One ``Incident`` per postmortem: front-matter and git history joined, with the durations.

Everything later (action items, metrics, patterns, digests) reads incidents, so
the rule "an explicit ``published`` date wins over history" lives in one place.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pmsite.aggregate.people import people
from pmsite.history import History, PostmortemHistory
from pmsite.model import Finding, Postmortem

#: This many postmortems first published by one commit look like an import, not writing.
BULK_IMPORT_MIN = 5


@dataclass
class Incident:
    """A postmortem as the metrics see it."""

    postmortem: Postmortem = field(repr=False)
    history: PostmortemHistory | None = field(repr=False)
    id: str
    title: str
    path: str
    status: str
    severity: str
    type: str
    date: dt.date | None
    detection: str
    teams: list[str]
    services: list[str]
    #: Day the postmortem was published: front-matter ``published``, else git history.
    published: dt.date | None
    published_source: str | None
    time_to_detect_minutes: float | None
    time_to_mitigate_minutes: float | None
    time_to_resolve_minutes: float | None
    #: Whole days from ``resolved_at`` (else ``date``) to ``published``.
    time_to_publish_days: int | None
    #: ``YYYY-MM`` of ``date`` ("" without one), for monthly groups and digests.
    month: str = ""

    @property
    def revisions(self) -> int:
        return self.history.revisions if self.history else 0

    #: Commit authors who are people (bots and shared accounts left out, see ``people``).
    contributors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        found = self.history
        return {
            "id": self.id, "title": self.title, "path": self.path, "status": self.status,
            "severity": self.severity, "type": self.type, "date": _iso(self.date),
            "detection": self.detection, "teams": self.teams, "services": self.services,
            "published_at": _iso(self.published), "published_source": self.published_source,
            "first_draft_at": _iso(found.first_draft_at) if found else None,
            "last_updated": _iso(found.last_updated) if found else None,
            "time_to_detect_minutes": self.time_to_detect_minutes,
            "time_to_mitigate_minutes": self.time_to_mitigate_minutes,
            "time_to_resolve_minutes": self.time_to_resolve_minutes,
            "time_to_publish_days": self.time_to_publish_days,
            "revisions": self.revisions, "contributors": self.contributors,
        }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _minutes(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() / 60, 1)


def _stated_durations(postmortem: Postmortem) -> dict[str, float]:
    """``durations`` an imported document states, in minutes: they win over timestamps read from its timeline."""
    found = postmortem.meta.get("durations")
    if not isinstance(found, dict):
        return {}
    return {key: round(float(value), 1) for key, value in found.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0}


def incident_of(postmortem: Postmortem, history: History, bots: frozenset[str] = frozenset()) -> Incident:
    found = history.for_postmortem(postmortem)
    published, source = postmortem.date("published"), "front-matter"
    if published is None and found is not None and found.published_at is not None:
        published, source = found.published_at.date(), "history"
    if published is None:
        source = None
    started = postmortem.timestamp("started_at")
    resolved = postmortem.timestamp("resolved_at")
    incident_day = postmortem.date("date")
    resolved_day = resolved.date() if resolved else incident_day
    stated = _stated_durations(postmortem)
    to_publish = (published - resolved_day).days if published and resolved_day and published >= resolved_day else None
    return Incident(
        postmortem=postmortem,
        history=found,
        id=postmortem.id or postmortem.display_path,
        title=postmortem.title,
        path=postmortem.display_path,
        status=postmortem.status,
        severity=postmortem.severity,
        type=str(postmortem.meta.get("type") or ""),
        date=incident_day,
        detection=str(postmortem.meta.get("detection") or ""),
        teams=postmortem.str_list("teams"),
        services=postmortem.str_list("services"),
        published=published,
        published_source=source,
        time_to_detect_minutes=stated.get("time_to_detect", _minutes(started, postmortem.timestamp("detected_at"))),
        time_to_mitigate_minutes=stated.get("time_to_mitigate",
                                            _minutes(started, postmortem.timestamp("mitigated_at"))),
        time_to_resolve_minutes=stated.get("time_to_resolve", _minutes(started, resolved)),
        time_to_publish_days=to_publish,
        month=incident_day.strftime("%Y-%m") if incident_day else "",
        contributors=people(found.contributors, bots) if found else [],
    )


def incidents_of(postmortems: list[Postmortem], history: History,
                 bots: frozenset[str] = frozenset()) -> list[Incident]:
    """Incidents sorted by date, then id, so every output is reproducible."""
    incidents = [incident_of(pm, history, bots) for pm in postmortems]
    return sorted(incidents, key=lambda i: (i.date or dt.date.min, i.id))


def bulk_import_warnings(incidents: list[Incident]) -> list[Finding]:
    """Warn when many postmortems owe their publication date to one commit.

    Importing years of postmortems in one commit makes history date them all to
    the import, and time to publish balloons; an explicit ``published`` fixes it.
    """
    by_commit: dict[dt.datetime, list[Incident]] = defaultdict(list)
    for incident in incidents:
        if incident.published_source == "history" and incident.history and incident.history.published_at:
            by_commit[incident.history.published_at].append(incident)
    warnings = []
    for when, group in sorted(by_commit.items()):
        if len(group) < BULK_IMPORT_MIN:
            continue
        for incident in group:
            postmortem = incident.postmortem
            warnings.append(Finding(
                path=incident.path, line=postmortem.position_of(("date",)).line, column=1,
                rule="history/bulk-import", category="history", severity="warning",
                message=f"published by the same commit as {len(group) - 1} other postmortems "
                        f"({when:%Y-%m-%d}), so time to publish counts from that commit",
                suggestion="if these postmortems were imported from elsewhere, add 'published: YYYY-MM-DD' "
                           "with the day each was first published",
            ))
    return warnings
