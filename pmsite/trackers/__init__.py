"""Two-way sync of action items with issue trackers (GitHub, Jira Cloud, Linear).

``settings`` reads ``trackers:`` of pmsite.yaml, ``http`` is the one HTTP layer
(retries, Retry-After, rate limits, timeouts, no token ever in a message),
``github``/``jira``/``linear`` speak each API, ``sync`` plans and applies, and
``frontmatter`` edits only the lines that change. See docs/trackers.md.
"""

from __future__ import annotations

from pmsite.trackers.base import Tracker
from pmsite.trackers.settings import TrackerSettings

TRACKER_NAMES = ("github", "jira", "linear")


def make_tracker(settings: TrackerSettings) -> Tracker:
    """The client for ``settings.name``; imported only when used."""
    if settings.name == "github":
        from pmsite.trackers.github import GitHub
        return GitHub(settings)
    if settings.name == "jira":
        from pmsite.trackers.jira import Jira
        return Jira(settings)
    from pmsite.trackers.linear import Linear
    return Linear(settings)
