"""Action items with accountability: due dates from the SLA, overdue, escalation, stale, on time.

Dates come from the front-matter first (``due``, ``completed``) and from git
history otherwise (the commit that moved the item to ``done``). ``as_of`` is
"today", so the same repository and date always give the same answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from pmsite.aggregate import settings
from pmsite.aggregate.incidents import Incident
from pmsite.config import Config
from pmsite.model import parse_date

OPEN_STATUSES = ("open", "in_progress", "blocked")
CLOSED_STATUSES = ("done", "wont_do")
ESCALATIONS = ("reminder", "manager", "director")


@dataclass
class ActionItem:
    """One action item of one postmortem, with everything the reports need."""

    postmortem_id: str
    postmortem_title: str
    postmortem_path: str
    severity: str
    teams: list[str]
    services: list[str]
    id: str
    title: str
    owner: str
    priority: str
    category: str
    kind: str
    status: str
    link: str
    #: The incident day, or the day the item was added to an already committed postmortem.
    opened: dt.date | None
    due: dt.date | None
    #: "front-matter" or "sla" (computed from the policy), None when no date could be found.
    due_source: str | None
    completed: dt.date | None
    #: "front-matter" or "history"; None when a done item's completion day is unknown.
    completed_source: str | None
    #: Day of the last status change (history) or ``opened``.
    last_change: dt.date | None
    overdue: bool
    days_overdue: int
    #: None, "reminder", "manager" or "director".
    escalation: str | None
    stale: bool
    #: True/False for done items with a due and a completion day, else None.
    on_time: bool | None
    days_to_close: int | None

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("opened", "due", "completed", "last_change"):
            data[name] = data[name].isoformat() if data[name] else None
        return data


@dataclass
class Policy:
    """SLA days and escalation thresholds read once from ``pmsite.yaml``."""

    sla_days: dict[str, dict[str, int]]
    sla_start: str
    reminder_days: int
    manager_days: int
    stale_days: int

    @classmethod
    def from_config(cls, config: Config) -> Policy:
        escalation = settings.table(config, "escalation", settings.DEFAULT_ESCALATION)
        return cls(settings.sla_days(config), settings.sla_start(config),
                   escalation["reminder"], escalation["manager"], escalation["stale"])

    def sla_due(self, start: dt.date | None, priority: str, severity: str) -> dt.date | None:
        days = self.sla_days.get(severity, self.sla_days["*"]).get(priority)
        return start + dt.timedelta(days=days) if start and days is not None else None

    def escalation(self, days_overdue: int) -> str | None:
        if days_overdue <= 0:
            return None
        if days_overdue <= self.reminder_days:
            return "reminder"
        return "manager" if days_overdue <= self.manager_days else "director"


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return str(value) if value is not None else ""


def _day(moment: dt.datetime | None) -> dt.date | None:
    return moment.date() if moment else None


def action_item(incident: Incident, item: dict[str, Any], policy: Policy, as_of: dt.date) -> ActionItem:
    item_id, status = _text(item, "id"), _text(item, "status") or "open"
    priority = _text(item, "priority")
    history = incident.history if item_id else None
    opened = (_day(history.added_later(item_id)) if history else None) or incident.date or incident.published

    due, due_source = parse_date(item.get("due")), "front-matter"
    if due is None:
        start = incident.published or incident.date if policy.sla_start == "published" else incident.date
        due, due_source = policy.sla_due(start, priority, incident.severity), "sla"
    completed, completed_source = parse_date(item.get("completed")), "front-matter"
    if completed is None and status in CLOSED_STATUSES and history:
        completed, completed_source = _day(history.reached_at(item_id, status)), "history"
    last_change = _day(history.last_change_at(item_id)) if history else None
    last_change = last_change or opened

    is_open = status not in CLOSED_STATUSES
    overdue = bool(is_open and due and due < as_of)
    days_overdue = (as_of - due).days if overdue else 0
    on_time = completed <= due if status == "done" and completed and due else None
    return ActionItem(
        postmortem_id=incident.id, postmortem_title=incident.title, postmortem_path=incident.path,
        severity=incident.severity, teams=incident.teams, services=incident.services,
        id=item_id, title=_text(item, "title"), owner=_text(item, "owner"), priority=priority,
        category=_text(item, "category"), kind=_text(item, "kind"), status=status, link=_text(item, "link"),
        opened=opened,
        due=due, due_source=due_source if due else None,
        completed=completed, completed_source=completed_source if completed else None,
        last_change=last_change,
        overdue=overdue, days_overdue=days_overdue, escalation=policy.escalation(days_overdue),
        stale=bool(is_open and last_change and (as_of - last_change).days >= policy.stale_days),
        on_time=on_time,
        days_to_close=(completed - opened).days if status == "done" and completed and opened else None,
    )


def action_items(incidents: list[Incident], config: Config, as_of: dt.date) -> list[ActionItem]:
    """Every action item of every incident, in incident order."""
    policy = Policy.from_config(config)
    return [action_item(incident, item, policy, as_of)
            for incident in incidents for item in incident.postmortem.action_items]


def select(items: list[ActionItem], *, overdue: bool = False, statuses: tuple[str, ...] = (),
           owners: tuple[str, ...] = (), teams: tuple[str, ...] = (), services: tuple[str, ...] = (),
           priorities: tuple[str, ...] = ()) -> list[ActionItem]:
    """Items matching every given filter; several values of one filter mean any of them."""
    def keep(item: ActionItem) -> bool:
        return ((not overdue or item.overdue)
                and (not statuses or item.status in statuses)
                and (not owners or item.owner in owners)
                and (not teams or bool(set(teams) & set(item.teams)))
                and (not services or bool(set(services) & set(item.services)))
                and (not priorities or item.priority in priorities))

    return [item for item in items if keep(item)]
