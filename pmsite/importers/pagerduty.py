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

from pmsite.importers import ImportOptions, Source, TimelineEvent, expect, load_json, parse_time, read_text

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
    incident = data.get("incident") or {}
    expect(isinstance(incident, dict), f"{source.display} incident", "expected an incident object")
    entries = data.get("log_entries") or []
    expect(isinstance(entries, list), f"{source.display} log_entries", "expected a list of log entries")
    url = incident.get("html_url") or ""
    title = incident.get("title") or incident.get("summary") or ""
    events = [_entry_event(entry, f"{source.display} log entry {i + 1}", title, url, options)
              for i, entry in enumerate(entries)]
    if not entries and incident:
        events = _incident_events(incident, source.display, options)

    triggers = [e.time for e in events if e.kind == "trigger"]
    if incident.get("created_at"):
        triggers.append(parse_time(incident["created_at"], f"{source.display} incident created_at", options.tz))
    resolutions = [e.time for e in events if e.kind == "resolve"]
    resolved_at = (parse_time(incident["resolved_at"], f"{source.display} incident resolved_at", options.tz)
                   if incident.get("resolved_at") else max(resolutions, default=None))
    service = (incident.get("service") or {}).get("summary")
    return IncidentFacts(
        title=title or next((_incident_title(e) for e in entries if isinstance(e, dict)), ""),
        started_at=min(triggers, default=None),
        detected_at=min(triggers, default=None),
        resolved_at=resolved_at,
        services=[service] if service else sorted({s for e in entries if isinstance(e, dict)
                                                  for s in [(e.get("service") or {}).get("summary")] if s}),
        url=url or next((e["incident"].get("html_url", "") for e in entries
                         if isinstance(e, dict) and isinstance(e.get("incident"), dict)), ""),
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


def _incident_title(entry: dict) -> str:
    reference = entry.get("incident") or {}
    return _INCIDENT_NUMBER.sub("", str(reference.get("summary") or "")) if isinstance(reference, dict) else ""


def _entry_event(entry: Any, where: str, title: str, url: str, options: ImportOptions) -> TimelineEvent:
    expect(isinstance(entry, dict) and entry.get("type"), where, "expected a log entry object with a 'type'")
    kind = entry["type"].removesuffix("_log_entry").removesuffix("_reference")
    agent = entry.get("agent") or {}
    channel = entry.get("channel") or {}
    if kind == "trigger":
        text = f"Triggered: {_incident_title(entry) or title or entry.get('summary', '')}"
    elif kind == "acknowledge":
        text = "Acknowledged"
    elif kind == "resolve":
        text = "Resolved"
    elif kind == "annotate":
        kind = "note"
        text = f"Note: {channel.get('content') or channel.get('notes') or channel.get('summary') or entry.get('summary', '')}"
    elif kind == "notify":
        user = (entry.get("user") or {}).get("summary", "someone")
        text = f"Notified {user} by {channel.get('type', 'notification').replace('_', ' ')}"
    elif kind == "assign":
        names = [a.get("summary", "") for a in entry.get("assignees") or [] if isinstance(a, dict)]
        text = f"Assigned to {', '.join(names)}" if names else entry.get("summary", "Assigned")
    else:
        text = entry.get("summary") or kind.replace("_", " ").capitalize()
    return TimelineEvent(
        time=parse_time(entry.get("created_at"), where, options.tz), source=SOURCE,
        who=agent.get("summary") or (entry.get("service") or {}).get("summary") or "PagerDuty",
        text=text, link=entry.get("html_url") or url, kind=kind,
        person=agent.get("type") in ("user_reference", "user"),
    )


def _incident_events(incident: dict, display: str, options: ImportOptions) -> list[TimelineEvent]:
    """Without log entries, the incident still tells when it fired and when it resolved."""
    service = (incident.get("service") or {}).get("summary") or "PagerDuty"
    url = incident.get("html_url") or ""
    title = incident.get("title") or incident.get("summary") or ""
    events = []
    if incident.get("created_at"):
        events.append(TimelineEvent(parse_time(incident["created_at"], f"{display} incident created_at", options.tz),
                                    SOURCE, service, f"Triggered: {title}", url, "trigger"))
    if incident.get("resolved_at"):
        events.append(TimelineEvent(parse_time(incident["resolved_at"], f"{display} incident resolved_at", options.tz),
                                    SOURCE, service, "Resolved", url, "resolve"))
    return events
