"""GitHub REST API (optional): pull requests merged and deployments created in the window.

Only repositories mapped to the incident's services (``blackbox.github.repos``)
are read. Lists come newest first, so paging stops once it passes the window.
``events`` turns the written files into timeline events.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Iterator

from pmsite.blackbox.http import JsonClient, SourceError
from pmsite.blackbox.workdir import Collected, SourceFolder
from pmsite.importers import TimelineEvent
from pmsite.scaffold import slugify
from pmsite.timeutil import parse_iso_datetime

PAGE_SIZE = 100
MAX_PAGES = 20
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def client(base_url: str, token: str, **options: Any) -> JsonClient:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return JsonClient("GitHub", base_url, headers, **options)


def repos_for(services: list[str], mapping: dict[str, tuple[str, ...]]) -> list[str]:
    """Repositories of the services, matching a service by its name or its slug."""
    repos: list[str] = []
    for service in services:
        for key in (service.lower(), slugify(service)):
            repos += [r for r in mapping.get(key, ()) if r not in repos]
    return repos


def _pages(api: JsonClient, path: str, params: dict[str, Any]) -> Iterator[list[dict]]:
    url, query = path, params
    for _ in range(MAX_PAGES):
        reply = api.get(url, query)
        yield [item for item in reply.data or [] if isinstance(item, dict)]
        link = _NEXT.search(next((v for k, v in reply.headers.items() if k.lower() == "link"), ""))
        if not link:
            return
        url, query = link.group(1), None


def _time(value: Any) -> dt.datetime | None:
    parsed = parse_iso_datetime(value) if isinstance(value, str) else None
    return parsed.astimezone(dt.timezone.utc) if parsed and parsed.tzinfo else None


def collect(api: JsonClient, repos: list[str], start: dt.datetime, end: dt.datetime, folder: SourceFolder) -> Collected:
    result = Collected(counts={"repositories": 0, "pull_requests": 0, "deployments": 0})
    for repo in repos:
        try:
            pulls = _in_window(_pages(api, f"/repos/{repo}/pulls", {"state": "closed", "sort": "updated",
                                                                    "direction": "desc", "per_page": PAGE_SIZE}),
                               "merged_at", "updated_at", start, end)
            deployments = _in_window(_pages(api, f"/repos/{repo}/deployments", {"per_page": PAGE_SIZE}),
                                     "created_at", "created_at", start, end)
        except SourceError as error:
            if error.transient:
                raise
            result.problems.append(f"{repo}: {error}")
            continue
        folder.write_json(repo.replace("/", "__") + ".json", {"repository": repo, "pull_requests": pulls,
                                                              "deployments": deployments})
        result.counts["repositories"] += 1
        result.counts["pull_requests"] += len(pulls)
        result.counts["deployments"] += len(deployments)
    if repos and not result.counts["repositories"]:
        raise SourceError("; ".join(result.problems))
    return result


def _in_window(pages: Iterator[list[dict]], key: str, order_key: str, start: dt.datetime,
               end: dt.datetime) -> list[dict]:
    """Items whose ``key`` time is in the window; stop at a page that ends before it."""
    kept = []
    for page in pages:
        for item in page:
            when = _time(item.get(key))
            if when and start <= when <= end:
                kept.append(item)
        last = _time(page[-1].get(order_key)) if page else None
        if last is None or last < start:
            break
    return kept


def events(folder: Path) -> list[TimelineEvent]:
    """Timeline events from the files ``collect`` wrote."""
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        data = json.loads(path.read_text(encoding="utf-8"))
        repo = data.get("repository", "")
        source = f"github {repo}"
        for pull in data.get("pull_requests", []):
            found.append(TimelineEvent(_time(pull["merged_at"]), source, (pull.get("user") or {}).get("login", ""),
                                       f"Merged PR #{pull.get('number')}: {pull.get('title', '')}",
                                       pull.get("html_url", ""), "message", True))
        for deployment in data.get("deployments", []):
            where = f"{deployment.get('ref', '?')} to {deployment.get('environment', '?')}"
            found.append(TimelineEvent(_time(deployment["created_at"]), source,
                                       (deployment.get("creator") or {}).get("login", ""),
                                       f"Deployment of {where}", "", "message", True))
    return found
