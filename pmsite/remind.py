"""Who is reminded of what: one message per recipient per run, escalating with lateness.

An open action item up to ``escalation.reminder`` (7) days overdue goes to its
owner, up to ``escalation.manager`` (14) days to the manager of the owner's team,
beyond that to the director (``teams:`` in pmsite.yaml says who they are). Stale
items go to their owner; postmortems past ``review.publish_within`` climb the
same ladder from their authors.

Running twice on one day sends nothing new: a small state file
(``remind.state_file``, default ``.pmsite-cache/remind/sent.json``) records which
line went to whom on which day at which level; a line is sent again on a later
day, or the same day once it reaches a higher level.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from pmsite.aggregate.actions import ESCALATIONS, ActionItem, Policy
from pmsite.cache import write_atomically
from pmsite.config import Config
from pmsite.errors import ConfigError
from pmsite.review.deadlines import Deadline

DEFAULT_STATE_FILE = ".pmsite-cache/remind/sent.json"
#: Days the state file remembers a sent line.
KEEP_DAYS = 60
ROLES = {"reminder": "owner", "manager": "manager", "director": "director"}


@dataclass(frozen=True)
class Line:
    """One thing a recipient is told about."""

    key: str
    #: "overdue", "stale" or "postmortem".
    kind: str
    #: "reminder", "manager" or "director" ("reminder" for stale items).
    level: str
    text: str
    #: The linked issue, for --via github.
    link: str = ""


@dataclass
class Message:
    recipient: str
    lines: list[Line] = field(default_factory=list)
    #: Why this person gets it when someone else should have (no manager configured, ...).
    notes: list[str] = field(default_factory=list)

    @property
    def level(self) -> str:
        return max((line.level for line in self.lines), key=ESCALATIONS.index, default="reminder")

    @property
    def subject(self) -> str:
        count = len(self.lines)
        return (f"[pmsite] {count} follow-up{'s need' if count != 1 else ' needs'} attention"
                + ("" if self.level == "reminder" else f" (escalated to {ROLES[self.level]})"))

    def body(self) -> str:
        sections = {"overdue": "Overdue action items", "stale": "Action items with no progress for a while",
                    "postmortem": "Postmortems past their publication deadline"}
        out = [f"Hello {self.recipient},", ""]
        for kind, title in sections.items():
            lines = [line for line in self.lines if line.kind == kind]
            if lines:
                out += [f"{title}:", *(f"- {line.text}" for line in lines), ""]
        out += [*self.notes, "" if self.notes else None, "Sent by pmsite actions remind."]
        return "\n".join(line for line in out if line is not None)


@dataclass(frozen=True)
class Teams:
    """``teams:`` of pmsite.yaml: each team's manager, director and members."""

    teams: dict[str, dict[str, object]]

    @classmethod
    def from_config(cls, config: Config) -> Teams:
        where = config.path.name if config.path else "pmsite.yaml"
        teams = {}
        for name, value in config.section("teams").items():
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: teams.{name} must be a mapping, e.g. "
                                  f"'{name}: {{manager: alice, director: carol, members: [priya]}}'")
            unknown = sorted(set(map(str, value)) - {"manager", "director", "members"})
            if unknown:
                raise ConfigError(f"{where}: teams.{name}.{unknown[0]} is not a setting; use manager, director, members")
            members = value.get("members") or []
            if not isinstance(members, list):
                raise ConfigError(f"{where}: teams.{name}.members must be a list of people")
            teams[str(name)] = {"manager": str(value.get("manager") or ""), "director": str(value.get("director") or ""),
                                "members": [str(m) for m in members]}
        return cls(teams)

    def team_of(self, owner: str, fallback: list[str]) -> str | None:
        """The owner's team: the owner is the team (``payments`` or ``payments-team``), or a member."""
        for candidate in (owner, owner.removesuffix("-team")):
            if candidate in self.teams:
                return candidate
        member_of = next((name for name, team in self.teams.items() if owner in team["members"]), None)
        return member_of or next((name for name in fallback if name in self.teams), None)

    def recipient(self, owner: str, level: str, fallback: list[str]) -> tuple[str, str | None]:
        """Who hears about an item of ``owner`` at ``level``, and a note when it falls back to someone lower."""
        if level == "reminder":
            return owner, None
        team = self.team_of(owner, fallback)
        ladder = ["director", "manager"] if level == "director" else ["manager"]
        for role in ladder:
            person = self.teams.get(team, {}).get(role) if team else ""
            if person:
                note = None if role == level else (f"Note: teams.{team} has no {level}, so this reached you as its "
                                                   f"{role}; add {level} under teams.{team} in pmsite.yaml.")
                return str(person), note
        where = f"teams.{team}" if team else f"teams: (no team found for {owner!r})"
        return owner, f"Note: this reached you, not a {ROLES[level]}: add {ladder[-1]} under {where} in pmsite.yaml."


def _add(messages: dict[str, Message], recipient: str, line: Line, note: str | None) -> None:
    message = messages.setdefault(recipient, Message(recipient))
    message.lines.append(line)
    if note and note not in message.notes:
        message.notes.append(note)


def plan_messages(items: list[ActionItem], late: list[Deadline], teams: Teams, policy: Policy,
                  page_url: dict[str, str]) -> list[Message]:
    """Every message of a run, one per recipient, sorted by recipient."""
    messages: dict[str, Message] = {}
    for item in items:
        if not item.is_open or not item.owner:
            continue
        where = page_url.get(item.postmortem_id, item.postmortem_path)
        if item.overdue and item.escalation:
            text = (f"{item.postmortem_id} {item.id} ({item.priority or 'no priority'}, owner {item.owner}): "
                    f"{item.title} - due {item.due}, {item.days_overdue} days overdue. {item.link or where}")
            recipient, note = teams.recipient(item.owner, item.escalation, item.teams)
            _add(messages, recipient, Line(f"item:{item.postmortem_id}/{item.id}", "overdue", item.escalation, text,
                                           item.link), note)
        elif item.stale:
            text = (f"{item.postmortem_id} {item.id} (owner {item.owner}): {item.title} - no change since "
                    f"{item.last_change}. {item.link or where}")
            _add(messages, item.owner, Line(f"stale:{item.postmortem_id}/{item.id}", "stale", "reminder", text,
                                            item.link), None)
    for deadline in late:
        if not deadline.overdue:
            continue
        level = policy.escalation(deadline.days_overdue) or "reminder"
        text = (f"{deadline.id} ({deadline.severity}, {deadline.status}): {deadline.title} - due to be published "
                f"{deadline.due}, {deadline.days_overdue} days late. {page_url.get(deadline.id, deadline.path)}")
        for author in deadline.authors or ("(no author)",):
            recipient, note = teams.recipient(author, level, list(deadline.teams))
            line = Line(f"postmortem:{deadline.id}", "postmortem", level, text)
            if line not in messages.get(recipient, Message(recipient)).lines:
                _add(messages, recipient, line, note)
    return [messages[name] for name in sorted(messages)]


# -- the state file -------------------------------------------------------------------------


def state_path(config: Config) -> Path:
    return config.root / str(config.section("remind").get("state_file") or DEFAULT_STATE_FILE)


def _read_sent(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    sent = data.get("sent") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in sent.items()} if isinstance(sent, dict) else {}


def _sent_key(recipient: str, line: Line) -> str:
    return f"{recipient}|{line.key}|{line.level}"


def unsent(messages: list[Message], config: Config, today: dt.date) -> list[Message]:
    """``messages`` without the lines already sent to the same person today at the same level."""
    sent = _read_sent(state_path(config))
    fresh = []
    for message in messages:
        lines = [line for line in message.lines if sent.get(_sent_key(message.recipient, line)) != today.isoformat()]
        if lines:
            fresh.append(Message(message.recipient, lines, message.notes))
    return fresh


def record_sent(messages: list[Message], config: Config, today: dt.date) -> None:
    path = state_path(config)
    oldest = (today - dt.timedelta(days=KEEP_DAYS)).isoformat()
    sent = {key: day for key, day in _read_sent(path).items() if day >= oldest}  # ISO days sort as text
    for message in messages:
        for line in message.lines:
            sent[_sent_key(message.recipient, line)] = today.isoformat()
    write_atomically(path, (json.dumps({"sent": dict(sorted(sent.items()))}, indent=2) + "\n").encode("utf-8"))
