"""Assemble the pack: timeline.md, draft.md, manifest.json, then publish it whole.

Everything is written inside the job's hidden work folder first. Only when the
manifest (with the sha256 of every file) is on disk is the folder renamed to its
final name, one atomic step; the zip is written under a temporary name and
renamed too. A crash or a full disk before that leaves nothing that looks like
a finished pack.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pmsite import __version__
from pmsite.blackbox import dashboards, github
from pmsite.blackbox.pagerduty import IncidentInfo
from pmsite.blackbox.queue import Step
from pmsite.blackbox.settings import Settings
from pmsite.blackbox.workdir import (
    FILE_MODE,
    RAW,
    SCREENSHOTS,
    private_dir,
    write_private,
)
from pmsite.config import Config
from pmsite.importers import Source, TimelineEvent
from pmsite.importers import slack as slack_importer
from pmsite.redact import Redactor
from pmsite.scaffold import Draft, next_id, render_draft
from pmsite.timeline import (
    Timeline,
    TimelineSettings,
    build_timeline,
    dropped_summary,
    iso_utc,
    to_markdown,
)

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1


@dataclass
class PackInputs:
    """What assembling needs besides the work folder."""

    info: IncidentInfo
    steps: dict[str, Step]
    settings: Settings
    timeline_settings: TimelineSettings
    config: Config
    redactor: Redactor
    now: dt.datetime


def window(info: IncidentInfo, settings: Settings) -> tuple[dt.datetime, dt.datetime]:
    """The incident plus the margin on both sides: chat starts before the page and goes on after."""
    return info.start - settings.margin, info.end + settings.margin


def pack_name(info: IncidentInfo) -> str:
    """``<day>-<incident id>``; the id comes from an API answer, so only letters and digits pass."""
    return f"{info.start.date().isoformat()}-{re.sub(r'[^A-Za-z0-9]', '', info.id)[:40] or 'incident'}"


def assemble(work: Path, inputs: PackInputs) -> None:
    """Write timeline.md, draft.md and manifest.json into the work folder."""
    info, redactor = inputs.info, inputs.redactor
    before = Counter(redactor.counts)
    timeline = _timeline(work, inputs)
    table = to_markdown(timeline) if timeline.events else ""
    start, end = window(info, inputs.settings)
    heading = (f"# Timeline: {info.facts.title or info.id}\n\nPagerDuty incident {info.id}"
               + (f" ({info.facts.url})" if info.facts.url else "")
               + f". Window {iso_utc(start)} to {iso_utc(end)} (UTC, incident plus "
               f"{inputs.settings.margin.total_seconds() / 60:g} minutes each side).\n\n")
    write_private(work / "timeline.md", redactor.redact(heading + (table or "No events in the window.\n")
                                                        + f"\n<!-- {dropped_summary(timeline)} -->\n").encode())
    write_private(work / "draft.md", redactor.redact(_draft(work, inputs, table)).encode())
    redactions = Counter(redactor.counts) - before
    write_private(work / MANIFEST, json.dumps(manifest(work, inputs, redactions), indent=2).encode())


def _timeline(work: Path, inputs: PackInputs) -> Timeline:
    settings = replace(inputs.timeline_settings, redactor=inputs.redactor,
                       slack_url=inputs.settings.workspace_url or inputs.timeline_settings.slack_url)
    sources: list[list[TimelineEvent]] = [inputs.info.facts.events]
    slack_folder = work / RAW / "slack"
    if (slack_folder / "users.json").is_file():
        sources.append(slack_importer.read(Source(slack_folder, "slack"), settings.import_options()))
    sources.append(github.events(work / RAW / "github"))
    sources.append(dashboards.events(work / RAW / "dashboards"))
    start, end = window(inputs.info, inputs.settings)
    return build_timeline(sources, settings, since=start, until=end)


def severity_of(info: IncidentInfo, settings: Settings) -> str:
    """PagerDuty's priority (P1...) mapped by ``blackbox.severity``; else the default."""
    return settings.severity.get(info.priority, settings.default_severity)


def _draft(work: Path, inputs: PackInputs, table: str) -> str:
    info, config = inputs.info, inputs.config
    shots = sorted((work / SCREENSHOTS).glob("*.png")) if (work / SCREENSHOTS).is_dir() else []
    evidence = "".join(f"- [{path.stem}]({SCREENSHOTS}/{path.name})\n" for path in shots)
    timeline = table + (f"\nDashboards over the incident window (screenshots in the incident pack):\n\n{evidence}"
                        if evidence else "")
    prefill = {
        "started_at": iso_utc(info.start),
        "detected_at": info.facts.detected_at and iso_utc(info.facts.detected_at),
        "resolved_at": info.facts.resolved_at and iso_utc(info.facts.resolved_at),
        "services": info.facts.services,
        "incident_url": info.facts.url,
        "detection": "alert" if info.facts.detected_at else None,
        "participants": info.responders,
        "teams": info.teams,
    }
    draft = Draft(title=info.facts.title if len(info.facts.title) >= 3 else f"PagerDuty incident {info.id}",
                  severity=severity_of(info, inputs.settings), incident_type=inputs.settings.incident_type,
                  date=info.start.date(), prefill=prefill, timeline=timeline)
    return render_draft(draft, next_id(config.content_dir, info.start.year, str(config.raw.get("id_prefix") or "PM")))


def manifest(work: Path, inputs: PackInputs, redactions: Counter) -> dict[str, Any]:
    """Sources, window, counts, what failed and why, and the sha256 of every file."""
    start, end = window(inputs.info, inputs.settings)
    for step in inputs.steps.values():
        redactions.update(step.detail.get("redacted", {}))
    files = []
    for path in sorted(p for p in work.rglob("*") if p.is_file() and p.name != MANIFEST):
        relative = path.relative_to(work).as_posix()
        files.append({"path": relative, "bytes": path.stat().st_size, "sha256": sha256(path),
                      "redacted": not relative.startswith(SCREENSHOTS + "/")})  # images: no redactor reads them
    sources = {}
    for name, step in inputs.steps.items():
        endpoint = inputs.settings.urls.get(name) or [d.name for d in inputs.settings.dashboards]
        sources[name] = {"endpoint": endpoint, "status": step.state, "attempts": step.attempts,
                         "retries": step.history, "counts": step.detail.get("counts", {}),
                         "problems": step.detail.get("problems", []),
                         **{key: step.detail[key] for key in ("error", "reason") if step.detail.get(key)}}
    return {
        "format": MANIFEST_FORMAT,
        "generator": f"pmsite {__version__} blackbox",
        "created_at": iso_utc(inputs.now),
        "incident": {"id": inputs.info.id, "number": inputs.info.number, "title": inputs.info.facts.title,
                     "url": inputs.info.facts.url, "services": inputs.info.facts.services,
                     "responders": inputs.info.responders},
        "window": {"start": iso_utc(start), "end": iso_utc(end), "incident_start": iso_utc(inputs.info.start),
                   "incident_end": iso_utc(inputs.info.end),
                   "margin_minutes": inputs.settings.margin.total_seconds() / 60},
        "sources": sources,
        "failed": [{"source": name, "reason": step.detail.get("error") or "; ".join(step.detail.get("problems", []))}
                   for name, step in inputs.steps.items() if step.state in ("failed", "partial")],
        "redactions": dict(sorted(redactions.items())),
        "not_redactable": [f["path"] for f in files if not f["redacted"]],
        "files": files,
    }


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def publish_folder(work: Path, out_dir: Path, name: str) -> Path:
    """Rename the finished work folder to its final name (``-2``, ``-3``... if taken)."""
    private_dir(out_dir)
    target = out_dir / name
    number = 1
    while True:
        try:
            os.rename(work, target)  # fails if the target exists and is not empty
            return target
        except OSError:
            if not target.exists():
                raise
            number += 1
            target = out_dir / f"{name}-{number}"


def write_zip(folder: Path) -> Path:
    """``<pack>.zip`` beside the folder, written under a temporary name first."""
    target = folder.with_name(folder.name + ".zip")
    partial = folder.with_name(f".{folder.name}.zip.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
            archive.close()
            os.fsync(handle.fileno())
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror, error.filename or str(target)) from None
    os.replace(partial, target)
    return target
