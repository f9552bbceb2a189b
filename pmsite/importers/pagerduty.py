"""PagerDuty incidents and log entries as the REST API v2 returns them.

A file may hold ``GET /incidents/{id}`` (``{"incident": ...}``), ``GET
/incidents/{id}/log_entries`` (``{"log_entries": [...]}``) or both keys. Log
entries give the events; an incident alone gives its trigger and resolution.
``read_incident`` also extracts what a draft's front-matter can take from it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from pmsite.importers import ImportOptions, Record, Source, TimelineEvent, expect, load_json, read_text

SOURCE = "pagerduty"
_INCIDENT_NUMBER = re.compile(r"^\[#\d+\]\s*")


@dataclass
class IncidentFacts:
    """What a PagerDuty incident says about the incident as a whole."""

    title: str = ""
    started_at: dt.datetime | None = None
    #: The first trigger: when monitoring noticed.
    detected_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    services: list[str] = field(default_factory=list)
    url: str = ""
    events: list[TimelineEvent] = field(default_factory=list)


def read(source: Source, options: ImportOptions) -> list[TimelineEvent]:
    return read_incident(source, options).events


def read_incident(source: Source, options: ImportOptions) -> IncidentFacts:
    data = load_json(read_text(source), source.display)
    if isinstance(data, list):
        data = {"log_entries": data}
    elif is_incident(data) and "incident" not in data:  # the incident object itself, not an API response
        data = {"incident": data}
    expect(isinstance(data, dict) and ("incident" in data or "log_entries" in data), source.display,
           "expected a PagerDuty API response with an 'incident' or 'log_entries' key")
    response = Record(data, source.display)
    incident = Record(data.get("incident") or {}, f"{source.display} incident", "an incident object")
    expect(isinstance(data.get("log_entries") or [], list), f"{source.display} log_entries",
           "expected a list of log entries")
    entries = [Record(entry, f"{source.display} log entry {i + 1}", "a log entry object")
               for i, entry in enumerate(response.data.get("log_entries") or [])]
    url = incident.text("html_url")
    title = incident.text("title") or incident.text("summary")
    events = [_entry_event(entry, title, url, options) for entry in entries]
    if not entries and incident.data:
        events = _incident_events(incident, options)

    triggers = [e.time for e in events if e.kind == "trigger"]
    if incident.has("created_at"):
        triggers.append(incident.time("created_at", options.tz))
    resolutions = [e.time for e in events if e.kind == "resolve"]
    resolved_at = incident.time("resolved_at", options.tz) if incident.has("resolved_at") else max(resolutions,
                                                                                                 default=None)
    service = incident.record("service").text("summary")
    return IncidentFacts(
        title=title or next((_incident_title(e) for e in entries), ""),
        started_at=min(triggers, default=None),
        detected_at=min(triggers, default=None),
        resolved_at=resolved_at,
        services=[service] if service else sorted({s for e in entries for s in [e.record("service").text("summary")]
                                                  if s}),
        url=url or next((link for e in entries for link in [e.record("incident").text("html_url")] if link), ""),
        events=events,
    )


#: Fields every PagerDuty incident has (REST API v2 and webhooks v3), none of which a log record needs.
_INCIDENT_FIELDS = ("urgency", "service", "escalation_policy", "incident_key", "assignments", "html_url")


def is_incident(data: Any) -> bool:
    """An API response with an ``incident``, or an incident object on its own, with or without
    ``incident_number`` (hand-made, or from another API version)."""
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("incident"), dict):
        return True
    if data.get("type") in ("incident", "incident_reference"):
        return True
    return "created_at" in data and "status" in data and any(name in data for name in _INCIDENT_FIELDS)


def _incident_title(entry: Record) -> str:
    return _INCIDENT_NUMBER.sub("", entry.record("incident").text("summary"))


def _entry_event(entry: Record, title: str, url: str, options: ImportOptions) -> TimelineEvent:
    expect(entry.has("type"), entry.where, "expected a log entry object with a 'type'")
    kind = entry.text("type").removesuffix("_log_entry").removesuffix("_reference")
    agent = entry.record("agent")
    channel = entry.record("channel")
    if kind == "trigger":
        text = f"Triggered: {_incident_title(entry) or title or entry.text('summary')}"
    elif kind == "acknowledge":
        text = "Acknowledged"
    elif kind == "resolve":
        text = "Resolved"
    elif kind == "annotate":
        kind = "note"
        note = channel.text("content") or channel.text("notes") or channel.text("summary") or entry.text("summary")
        text = f"Note: {note}"
    elif kind == "notify":
        user = entry.record("user").text("summary", "someone")
        text = f"Notified {user} by {channel.text('type', 'notification').replace('_', ' ')}"
    elif kind == "assign":
        names = [assignee.text("summary") for assignee in entry.items("assignees")]
        text = f"Assigned to {', '.join(names)}" if names else entry.text("summary", "Assigned")
    else:
        text = entry.text("summary") or kind.replace("_", " ").capitalize()
    return TimelineEvent(
        time=entry.time("created_at", options.tz), source=SOURCE,
        who=agent.text("summary") or entry.record("service").text("summary") or "PagerDuty",
        text=text, link=entry.text("html_url") or url, kind=kind,
        person=agent.text("type") in ("user_reference", "user"),
    )


def _incident_events(incident: Record, options: ImportOptions) -> list[TimelineEvent]:
    """Without log entries, the incident still tells when it fired and when it resolved."""
    service = incident.record("service").text("summary") or "PagerDuty"
    url = incident.text("html_url")
    title = incident.text("title") or incident.text("summary")
    events = []
    if incident.has("created_at"):
        events.append(TimelineEvent(incident.time("created_at", options.tz), SOURCE, service, f"Triggered: {title}",
                                    url, "trigger"))
    if incident.has("resolved_at"):
        events.append(TimelineEvent(incident.time("resolved_at", options.tz), SOURCE, service, "Resolved", url,
                                    "resolve"))
    return events
