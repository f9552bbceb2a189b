"""What every tracker client offers, as small dataclasses."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Protocol

#: Written into every issue pmsite opens, so a second --create finds it instead of opening another.
MARKER = re.compile(r"pmsite-item:([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)")


def marker(postmortem_id: str, item_id: str) -> str:
    return f"pmsite-item:{postmortem_id}/{item_id}"


def markers_in(text: str) -> tuple[str, ...]:
    return tuple(f"pmsite-item:{found}" for found in MARKER.findall(text))


class TrackerError(Exception):
    """One call failed; the message says what and what to do, and never holds a token."""


class FatalTrackerError(TrackerError):
    """Every further call would fail the same way (bad token, missing permission): stop."""


@dataclass(frozen=True)
class NewIssue:
    title: str
    #: Markdown; clients convert it where the API wants another format (Jira: ADF).
    body: str
    labels: tuple[str, ...]
    priority: str
    #: The tracker's user (login, account id, user id), None when the owner has no mapping.
    assignee: str | None
    #: ``marker(...)`` of the action item.
    marker: str


@dataclass(frozen=True)
class RemoteIssue:
    """An issue as the tracker reports it."""

    #: What people call it: ``#12``, ``PAY-102``, ``ENG-7``.
    key: str
    url: str
    #: The tracker's state, as the ``states`` mapping names it (e.g. ``closed/not_planned``, ``In Progress``).
    state: str
    #: Fallback state names tried after ``state`` (e.g. ``closed``, Jira's status category).
    fallbacks: tuple[str, ...] = ()
    closed_on: dt.date | None = None
    markers: tuple[str, ...] = field(default=(), compare=False)


class Tracker(Protocol):
    name: str

    def owns(self, link: str) -> bool:
        """Is ``link`` an issue of this tracker?"""

    def create(self, issue: NewIssue) -> RemoteIssue: ...

    def fetch(self, link: str) -> RemoteIssue:
        """The issue behind ``link``; its ``url`` differs from ``link`` when it was moved."""

    def find_created(self) -> dict[str, RemoteIssue]:
        """Issues pmsite opened before, by marker (read page by page)."""

    def close(self) -> None: ...
