"""What the history stage hands on: per postmortem, its dates, contributors and action-item changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pmsite.model import Finding, Postmortem

#: Action-item statuses of the front-matter contract; other values in old revisions are skipped.
ITEM_STATUSES = ("open", "in_progress", "blocked", "done", "wont_do")
#: A revision with one of these postmortem statuses is not published yet.
UNPUBLISHED = ("draft", "in-review", "wont_publish")


@dataclass(frozen=True)
class StatusChange:
    """An action item's status as first seen in a commit; ``None`` means absent from the file."""

    item_id: str
    at: dt.datetime
    commit: str
    old: str | None
    new: str | None


@dataclass
class PostmortemHistory:
    """What git knows about one postmortem, across renames."""

    #: Stable identity: the front-matter id when it has one, else the repository-relative path.
    key: str
    #: Repository-relative paths the file had, oldest first; the last is the newest.
    paths: list[str]
    #: First first-parent commit where the file exists (None beyond a shallow clone's start).
    created_at: dt.datetime | None
    #: First first-parent commit where the file exists with a published (or no) status.
    published_at: dt.datetime | None
    #: Earliest author date of any commit that touched the file (side branches included).
    first_draft_at: dt.datetime | None
    last_updated: dt.datetime | None
    deleted_at: dt.datetime | None
    revisions: int
    contributors: list[str]
    changes: list[StatusChange]

    @property
    def path(self) -> str:
        return self.paths[-1]

    def item_changes(self, item_id: str) -> list[StatusChange]:
        return [change for change in self.changes if change.item_id == item_id]

    def reached_at(self, item_id: str, status: str) -> dt.datetime | None:
        """When the item moved from another status to ``status``, if that is still its status.

        An item that first appears already closed (an import, a re-added item)
        has no such commit: None.
        """
        changes = self.item_changes(item_id)
        if not changes or changes[-1].new != status or changes[-1].old is None:
            return None
        return changes[-1].at

    def added_later(self, item_id: str) -> dt.datetime | None:
        """When the item first appeared, if that was after the file's first revision."""
        first_seen = next((c.at for c in self.item_changes(item_id) if c.new), None)
        return first_seen if first_seen and self.created_at and first_seen > self.created_at else None

    def last_change_at(self, item_id: str) -> dt.datetime | None:
        changes = self.item_changes(item_id)
        return changes[-1].at if changes else None


@dataclass
class History:
    """The history stage's result; empty (with a warning) when there is no repository."""

    postmortems: dict[str, PostmortemHistory] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)
    head: str | None = None
    #: Repository working folder, to map a loaded file to its repository-relative path.
    workdir: Path | None = None
    #: Commits read in this run (0 when the cache was up to date).
    commits_read: int = 0

    def for_postmortem(self, postmortem: Postmortem) -> PostmortemHistory | None:
        """History of a loaded postmortem: by front-matter id, else by path."""
        if postmortem.id and postmortem.id in self.postmortems:
            return self.postmortems[postmortem.id]
        if self.workdir is None:
            return None
        try:
            relative = postmortem.path.resolve().relative_to(self.workdir).as_posix()
        except ValueError:
            return None
        found = self.postmortems.get(relative)
        if found is None:  # e.g. an id added to the working copy but not committed yet
            found = next((h for h in self.postmortems.values() if h.path == relative and h.deleted_at is None), None)
        return found



def warning(path: str, rule: str, message: str, suggestion: str = "", line: int = 1) -> Finding:
    return Finding(path=path, line=line, column=1, rule=rule, category="history", severity="warning",
                   message=message, suggestion=suggestion)
