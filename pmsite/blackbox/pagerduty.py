"""PagerDuty REST API v2: the incident, its log entries, services and responders.

The raw export is written in the shape ``pmsite timeline`` already reads
(``{"incident": ..., "log_entries": [...]}``), so the pack's timeline comes from
the existing importer. ``incident_info`` reads it back: the later steps of a
resumed job get the window and names from disk, not from a process that died.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from pmsite.blackbox.http import JsonClient, SourceError
from pmsite.blackbox.workdir import Collected, SourceFolder
from pmsite.importers import ImportOptions, Source
from pmsite.importers.pagerduty import IncidentFacts, read_incident

PAGE_SIZE = 100
INCIDENT_FILE = "incident.json"
#: Slack channels an incident names: ``#inc-123`` in its title, description or notes.
#: A name needs a letter: ``[#42]`` in PagerDuty's summaries is the incident number.
_CHANNEL_MENTION = re.compile(r"(?<![\w&/\[])#([a-z0-9_-]*[a-z][a-z0-9_-]*)\b")
_SLACK_ARCHIVE = re.compile(r"slack\.com/archives/([CG][A-Z0-9]{6,})")


def client(base_url: str, token: str, **options) -> JsonClient:
    if not token:
        raise SourceError("PAGERDUTY_TOKEN is not set; create a read-only REST API key (docs/blackbox.md)")
    return JsonClient("PagerDuty", base_url, {
        "Accept": "application/vnd.pagerduty+json;version=2",
        "Authorization": f"Token token={token}",
    }, **options)


def collect(api: JsonClient, incident_id: str, folder: SourceFolder) -> Collected:
    """Fetch and write the incident; returns counts for the manifest."""
    if not re.fullmatch(r"[A-Za-z0-9]{1,40}", incident_id):
        raise SourceError(f"{incident_id!r} is not a PagerDuty incident id (letters and digits, e.g. Q2W3E4R5T6)")
    path = f"/incidents/{quote(incident_id)}"
    try:
        incident = api.get(path).data
    except SourceError as error:
        if error.status == 404:
            raise SourceError(f"PagerDuty does not know incident {incident_id} (HTTP 404); check the id "
                              "(the one in the incident's URL, not its number)") from None
        raise
    if not isinstance(incident, dict) or not isinstance(incident.get("incident"), dict):
        raise SourceError(f"PagerDuty answered {path} without an 'incident' object")
    incident = incident["incident"]
    entries = []
    offset = 0
    while True:
        page = api.get(f"{path}/log_entries", {"limit": PAGE_SIZE, "offset": offset, "time_zone": "UTC",
                                               "is_overview": "false"}).data or {}
        batch = page.get("log_entries") or []
        entries += [entry for entry in batch if isinstance(entry, dict)]
        if not page.get("more") or not batch:
            break
        offset += len(batch)
    services = []
    for reference in [incident.get("service")] if isinstance(incident.get("service"), dict) else []:
        try:
            services.append((api.get(f"/services/{quote(str(reference.get('id', '')))}").data or {}).get("service")
                            or reference)
        except SourceError as error:
            if error.transient:
                raise
            services.append(reference)  # the reference already names it
    folder.write_json(INCIDENT_FILE, {"incident": incident, "log_entries": _unique(entries)})
    folder.write_json("services.json", {"services": services})
    return Collected({"log_entries": len(entries), "services": len(services)})


def _unique(entries: list[dict]) -> list[dict]:
    """Offset pagination can repeat an entry when new ones arrive between pages."""
    seen: set[str] = set()
    unique = []
    for entry in entries:
        key = str(entry.get("id") or json.dumps(entry, sort_keys=True))
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return unique


@dataclass
class IncidentInfo:
    """What the other steps and the draft need to know about the incident."""

    id: str
    number: int | None
    facts: IncidentFacts
    start: dt.datetime
    end: dt.datetime
    priority: str = ""
    urgency: str = ""
    responders: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    #: Slack channel names and ids the incident itself mentions.
    channel_names: list[str] = field(default_factory=list)
    channel_ids: list[str] = field(default_factory=list)


def incident_info(folder: Path, now: dt.datetime) -> IncidentInfo:
    """Read the written incident back (see the module docstring)."""
    path = folder / INCIDENT_FILE
    facts = read_incident(Source(path, "pagerduty/incident.json"), ImportOptions())
    data = json.loads(path.read_text(encoding="utf-8"))
    incident, entries = data["incident"], data["log_entries"]
    start = facts.started_at or now
    end = facts.resolved_at or max((e.time for e in facts.events), default=now)
    people: list[str] = []
    for assignment in (incident.get("assignments") or []) + (incident.get("acknowledgements") or []):
        if isinstance(assignment, dict):
            _add_person(people, assignment.get("assignee") or assignment.get("acknowledger") or {})
    for entry in entries:
        _add_person(people, entry.get("agent") or {})
        for assignee in entry.get("assignees") or []:
            _add_person(people, assignee)
    texts = [str(incident.get(k) or "") for k in ("title", "description", "summary")]
    texts += [str((e.get("channel") or {}).get("summary") or (e.get("channel") or {}).get("content") or "")
              for e in entries if str(e.get("type", "")).startswith("annotate")]
    conference = incident.get("conference_bridge") or {}
    texts.append(str(conference.get("conference_url") or "") if isinstance(conference, dict) else "")
    joined = "\n".join(texts)
    priority = incident.get("priority") or {}
    return IncidentInfo(
        id=str(incident.get("id") or ""), number=incident.get("incident_number") or incident.get("number"),
        facts=facts, start=start, end=max(end, start),
        priority=str(priority.get("summary") or "") if isinstance(priority, dict) else "",
        urgency=str(incident.get("urgency") or ""), responders=people,
        teams=[str(t.get("summary")) for t in incident.get("teams") or [] if isinstance(t, dict) and t.get("summary")],
        channel_names=list(dict.fromkeys(_CHANNEL_MENTION.findall(joined.lower()))),
        channel_ids=list(dict.fromkeys(_SLACK_ARCHIVE.findall(joined))),
    )


def _add_person(people: list[str], reference: dict) -> None:
    if isinstance(reference, dict) and reference.get("type") in ("user_reference", "user"):
        name = str(reference.get("summary") or reference.get("name") or "").strip()
        if name and name not in people:
            people.append(name)
