"""The site's machine-readable index: ``/api/postmortems.json`` and one file per postmortem.

A developer portal (Backstage, an internal dashboard) or a script reads the
published postmortems and their action items from here instead of scraping
pages. The documents follow ``schema/api.schema.json`` (JSON Schema 2020-12,
copied to ``/api/schema.json``); ``schema_version`` changes only when a field
changes meaning or goes away, never when one is added.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pmsite.aggregate import ActionItem
from pmsite.render.site import PostmortemView, SiteInfo
from pmsite.resources import data_dir

SCHEMA_VERSION = 1
API_FOLDER = "api"
#: Front-matter fields copied as they are (when present).
_FIELDS = ("id", "title", "status", "severity", "type", "date", "started_at", "detected_at", "mitigated_at",
           "resolved_at", "detection", "services", "teams", "tags", "authors", "participants", "summary",
           "lessons", "related", "fingerprint")
#: Fields of an action item in the API (a stable subset of ``pmsite actions --format json``).
_ITEM_FIELDS = ("id", "title", "owner", "priority", "category", "kind", "status", "due", "due_source",
                "completed", "completed_source", "overdue", "days_overdue", "escalation", "stale", "link")


def _plain(value: Any) -> Any:
    """YAML values as JSON: dates and times in ISO 8601, everything else as it is."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _absolute(site: SiteInfo, url: str) -> str:
    return (site.canonical_root or site.base_url) + url


def record(view: PostmortemView, site: SiteInfo) -> dict[str, Any]:
    """One postmortem with its action items, as the API shows it."""
    meta = view.pm.meta
    data: dict[str, Any] = {name: _plain(meta[name]) for name in _FIELDS if meta.get(name) is not None}
    data["id"] = view.id or view.slug
    data["title"] = view.title
    data["url"] = _absolute(site, view.url)
    data["json_url"] = _absolute(site, f"{API_FOLDER}/postmortems/{view.slug}.json")
    data["published"] = view.published_on.isoformat() if view.published_on else None
    data["time_to_resolve_minutes"] = view.incident.time_to_resolve_minutes
    data["time_to_publish_days"] = view.incident.time_to_publish_days
    data["contributors"] = list(view.contributors)
    data["action_items"] = [_item(item) for item in view.action_items]
    return data


def _item(item: ActionItem) -> dict[str, Any]:
    """Not ``to_dict()``: ``asdict`` deep-copies every item, the largest cost of the API on a big site."""
    values = {name: getattr(item, name) for name in _ITEM_FIELDS}
    for name in ("due", "completed"):
        if values[name] is not None:
            values[name] = values[name].isoformat()
    return values


def documents(views: list[PostmortemView], site: SiteInfo, as_of: dt.date) -> dict[str, bytes]:
    """Output path -> bytes of every API file: the index, one file per postmortem, the schema.

    Each record is encoded once, compactly (json's C encoder; ``indent`` would use the
    pure-Python one), and the index joins the same text: 1,000 postmortems take ~0.1 s.
    """
    header = _encode({"schema_version": SCHEMA_VERSION, "as_of": as_of.isoformat(), "site": site.title,
                      "schema": _absolute(site, f"{API_FOLDER}/schema.json")})[:-1]
    encoded = [_encode(record(view, site)) for view in views]
    files = {f"{API_FOLDER}/postmortems.json": f'{header},"postmortems":[{",".join(encoded)}]}}\n'.encode()}
    for view, text in zip(views, encoded):
        files[f"{API_FOLDER}/postmortems/{view.slug}.json"] = f'{header},"postmortem":{text}}}\n'.encode()
    files[f"{API_FOLDER}/schema.json"] = (data_dir("schema") / "api.schema.json").read_bytes()
    return files


def _encode(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
