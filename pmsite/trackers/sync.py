"""Plan and apply a sync of action items with one tracker.

``plan`` reads the tracker (never writes to it) and says what would change;
``apply`` opens the issues and rewrites only the affected front-matter lines.
A call that fails becomes a ``Problem`` naming the item, and the others go on;
a token that is rejected stops the run, since every call would fail alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pmsite.cache import write_atomically
from pmsite.model import Postmortem
from pmsite.trackers.base import FatalTrackerError, NewIssue, RemoteIssue, Tracker, TrackerError, marker
from pmsite.trackers.frontmatter import ItemEdit, edit_action_items
from pmsite.trackers.settings import TrackerSettings

OPEN = ("open", "in_progress", "blocked")


@dataclass(frozen=True)
class ItemRef:
    postmortem: Postmortem
    index: int
    item: dict

    @property
    def name(self) -> str:
        return f"{self.postmortem.id or self.postmortem.display_path} {self.item.get('id', f'#{self.index + 1}')}"

    @property
    def key(self) -> str:
        """The item's key in the sync state file."""
        return f"{self.postmortem.id}/{self.item.get('id')}"

    @property
    def where(self) -> str:
        line = self.postmortem.position_of(("action_items", self.index)).line
        return f"{self.postmortem.display_path}:{line}"


@dataclass(frozen=True)
class Change:
    ref: ItemRef
    key: str
    old: str | None
    new: str | None
    why: str


@dataclass(frozen=True)
class Creation:
    ref: ItemRef
    issue: NewIssue
    #: The owner has no user in trackers.users: the issue is opened unassigned.
    unassigned_owner: str | None = None


@dataclass(frozen=True)
class Problem:
    ref: ItemRef | None
    message: str


@dataclass(frozen=True)
class Pulled:
    """What one linked issue said, for the sync state file and the site."""

    key: str
    link: str
    state: str
    status: str | None


@dataclass
class Plan:
    creations: list[Creation] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    pulled: dict[str, Pulled] = field(default_factory=dict)


def _text(item: dict, key: str) -> str | None:
    value = item.get(key)
    return None if value is None else str(value)


def item_refs(postmortems: list[Postmortem]) -> list[ItemRef]:
    return [ItemRef(pm, index, item) for pm in postmortems for index, item in enumerate(pm.action_items)]


def new_issue(ref: ItemRef, settings: TrackerSettings) -> Creation:
    pm, item = ref.postmortem, ref.item
    page = f"{settings.site_url.rstrip('/')}/postmortems/{pm.slug}/" if settings.site_url else pm.display_path
    labels = tuple(label for label in ("postmortem", f"category:{item.get('category')}" if item.get("category") else "",
                                       f"priority:{item.get('priority')}" if item.get("priority") else "") if label)
    body = (f"Action item {item.get('id')} of postmortem {pm.id}: {pm.title} ({pm.severity}).\n\n"
            f"Postmortem: {page}\n\n"
            f"Owner: {item.get('owner', '')}; due {item.get('due') or 'per the SLA policy'}; kind {item.get('kind') or '-'}.")
    owner = str(item.get("owner") or "")
    assignee = settings.users.get(owner)
    return Creation(ref, NewIssue(title=str(item.get("title", "")), body=body, labels=labels,
                                  priority=str(item.get("priority") or ""), assignee=assignee,
                                  marker=marker(pm.id, str(item.get("id")))),
                    unassigned_owner=owner if owner and assignee is None else None)


def status_of(issue: RemoteIssue, settings: TrackerSettings) -> str | None:
    for state in (issue.state, *issue.fallbacks):
        if state.lower() in settings.states:
            return settings.states[state.lower()]
    return None


def _pull(ref: ItemRef, tracker: Tracker, settings: TrackerSettings, plan: Plan) -> None:
    link = str(ref.item["link"])
    issue = tracker.fetch(link)
    status = status_of(issue, settings)
    plan.pulled[ref.key] = Pulled(issue.key, issue.url or link, issue.state, status)
    if issue.url and issue.url.rstrip("/") != link.rstrip("/"):
        plan.changes.append(Change(ref, "link", link, issue.url, f"{issue.key} moved"))
    if status is None:
        names = " or ".join(repr(s) for s in (issue.state, *issue.fallbacks) if s)
        plan.problems.append(Problem(ref, f"{issue.key} is in the state {names}, which has no pmsite status; map it "
                                          f"under trackers.{settings.name}.states (e.g. '{issue.state}: in_progress')"))
        return
    old_status = _text(ref.item, "status") or "open"
    if status != old_status:
        plan.changes.append(Change(ref, "status", old_status, status, f"{issue.key} is {issue.state}"))
    completed = _text(ref.item, "completed")
    if status == "done" and issue.closed_on and completed != issue.closed_on.isoformat():
        plan.changes.append(Change(ref, "completed", completed, issue.closed_on.isoformat(),
                                   f"{issue.key} closed {issue.closed_on}"))
    elif status in OPEN and completed is not None:
        plan.changes.append(Change(ref, "completed", completed, None, f"{issue.key} was reopened"))


def plan_sync(postmortems: list[Postmortem], tracker: Tracker, settings: TrackerSettings, *,
              create: bool, pull: bool, look_up_created: bool) -> Plan:
    """What a sync would do. ``look_up_created`` lists the tracker's issues to adopt earlier creations."""
    plan = Plan()
    refs = item_refs(postmortems)
    try:
        if create:
            missing = [ref for ref in refs if not ref.item.get("link") and (ref.item.get("status") or "open") in OPEN]
            existing: dict[str, RemoteIssue] = {}
            if missing and look_up_created:
                try:
                    existing = tracker.find_created()
                except FatalTrackerError:
                    raise
                except TrackerError as exc:  # without the list, creating could open duplicates
                    plan.problems.append(Problem(None, f"{exc}; no issue was opened, so none is opened twice"))
                    missing = []
            for ref in missing:
                creation = new_issue(ref, settings)
                found = existing.get(creation.issue.marker)
                if found is not None:
                    plan.changes.append(Change(ref, "link", None, found.url, f"{found.key} was opened by an earlier run"))
                else:
                    plan.creations.append(creation)
        if pull:
            for ref in refs:
                link = ref.item.get("link")
                if isinstance(link, str) and tracker.owns(link):
                    try:
                        _pull(ref, tracker, settings, plan)
                    except FatalTrackerError:
                        raise
                    except TrackerError as exc:
                        plan.problems.append(Problem(ref, str(exc)))
    except FatalTrackerError as exc:
        plan.problems.append(Problem(None, str(exc)))
    return plan


def create_issues(plan: Plan, tracker: Tracker) -> None:
    """Open the planned issues; each success becomes a ``link`` change, each failure a problem."""
    for creation in plan.creations:
        try:
            issue = tracker.create(creation.issue)
        except FatalTrackerError as exc:
            plan.problems.append(Problem(creation.ref, str(exc)))
            return
        except TrackerError as exc:
            plan.problems.append(Problem(creation.ref, str(exc)))
            continue
        plan.changes.append(Change(creation.ref, "link", None, issue.url, f"opened {issue.key}"))


def write_changes(changes: list[Change]) -> list[Path]:
    """Rewrite each affected file once; every file is prepared before any is written."""
    by_file: dict[Path, list[Change]] = {}
    for change in changes:
        by_file.setdefault(change.ref.postmortem.path, []).append(change)
    prepared: list[tuple[Path, bytes]] = []
    for path, file_changes in sorted(by_file.items()):
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
        bom = data.startswith(b"\xef\xbb\xbf")
        display = file_changes[0].ref.postmortem.display_path
        edited = edit_action_items(text, [ItemEdit(c.ref.index, c.key, c.new) for c in file_changes], display)
        prepared.append((path, (b"\xef\xbb\xbf" if bom else b"") + edited.encode("utf-8")))
    for path, data in prepared:
        write_atomically(path, data)  # a reader never sees half a file
    return [path for path, _ in prepared]

