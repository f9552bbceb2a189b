"""Postmortems still unpublished past ``review.publish_within`` days after the incident."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pmsite.model import Postmortem
from pmsite.review.policy import ReviewPolicy

#: Statuses that close the review: nothing is owed any more.
CLOSED = ("published", "wont_publish")


@dataclass(frozen=True)
class Deadline:
    """When one postmortem is due to be published, and how late it is."""

    id: str
    title: str
    path: str
    severity: str
    status: str
    teams: tuple[str, ...]
    authors: tuple[str, ...]
    #: Day of resolution, else of the incident: the clock starts here.
    since: dt.date
    due: dt.date
    days_overdue: int

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "path": self.path, "severity": self.severity,
                "status": self.status, "teams": list(self.teams), "authors": list(self.authors),
                "since": self.since.isoformat(), "due": self.due.isoformat(), "overdue": self.overdue,
                "days_overdue": self.days_overdue}


def deadline_of(pm: Postmortem, policy: ReviewPolicy, as_of: dt.date) -> Deadline | None:
    """The publication deadline of an unpublished postmortem (None once published or without a date)."""
    if pm.status in CLOSED:
        return None
    resolved = pm.timestamp("resolved_at")
    since = resolved.date() if resolved else pm.date("date")
    if since is None:
        return None
    due = since + dt.timedelta(days=policy.days_to_publish(pm.severity))
    return Deadline(pm.id or pm.display_path, pm.title, pm.display_path, pm.severity, pm.status,
                    tuple(pm.str_list("teams")), tuple(pm.str_list("authors")), since, due,
                    max(0, (as_of - due).days))


def deadlines(postmortems: list[Postmortem], policy: ReviewPolicy, as_of: dt.date) -> list[Deadline]:
    """Every unpublished postmortem's deadline, the latest first, then by id."""
    found = [d for d in (deadline_of(pm, policy, as_of) for pm in postmortems) if d is not None]
    return sorted(found, key=lambda d: (-d.days_overdue, d.due, d.id))
