"""Linear over GraphQL: an API key in the Authorization header, the endpoint configurable.

Operations: the ``issueCreate`` mutation, the ``issue(id:)`` query (an issue
moved to another team answers under its new identifier) and ``issues`` with
``first``/``after`` and ``pageInfo`` for pagination. Linear reports rate limits
as HTTP 429 or a ``RATELIMITED`` error code; both are retried.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import httpx

from pmsite.model import parse_date
from pmsite.trackers.base import FatalTrackerError, NewIssue, RemoteIssue, TrackerError, markers_in
from pmsite.trackers.http import Http
from pmsite.trackers.settings import TrackerSettings

_IDENTIFIER = re.compile(r"/issue/([A-Z][A-Z0-9]*-\d+)(?:/|$)")
PRIORITY = {"P1": 1, "P2": 2, "P3": 3}  # Linear: 1 urgent, 2 high, 3 medium, 4 low
SCOPE = "a personal API key with write access, or an OAuth token with the read and issues:create scopes"
ISSUE_FIELDS = "id identifier url description completedAt canceledAt state { name type }"

CREATE = f"""mutation IssueCreate($input: IssueCreateInput!) {{
  issueCreate(input: $input) {{ success issue {{ {ISSUE_FIELDS} }} }}
}}"""
READ = f"""query Issue($id: String!) {{ issue(id: $id) {{ {ISSUE_FIELDS} }} }}"""
LIST = f"""query Issues($team: ID!, $after: String) {{
  issues(first: 100, after: $after, filter: {{team: {{id: {{eq: $team}}}}, description: {{contains: "pmsite-item"}}}}) {{
    nodes {{ {ISSUE_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""


def _codes(response: httpx.Response) -> list[str]:
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return []
    return [str((error.get("extensions") or {}).get("code", "")) for error in errors if isinstance(error, dict)]


class Linear:
    name = "linear"

    def __init__(self, settings: TrackerSettings):
        self.settings = settings
        self.team = settings.option("team")
        key = settings.secret("token_env", "LINEAR_API_KEY", "the Linear API key")
        endpoint = settings.option("endpoint", "https://api.linear.app/graphql")
        self.endpoint = endpoint
        # personal API keys go bare in the header, OAuth access tokens as Bearer
        authorization = f"Bearer {key}" if key.startswith("lin_oauth_") else key
        self.http = Http(endpoint, headers={"Authorization": authorization, "Content-Type": "application/json"},
                         timeout=settings.timeout, retries=settings.retries, backoff=settings.backoff,
                         max_wait=settings.max_wait, secrets=(key,))
        self.labels = {str(k): str(v) for k, v in (settings.options.get("labels") or {}).items()}

    def owns(self, link: str) -> bool:
        return "linear.app/" in link and bool(_IDENTIFIER.search(link))

    def _call(self, query: str, variables: dict[str, Any], what: str) -> dict:
        response = self.http.request("POST", self.endpoint, what, json={"query": query, "variables": variables},
                                     retry_if=lambda r: "RATELIMITED" in _codes(r))
        codes = _codes(response)
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        messages = "; ".join(str(e.get("message", "")) for e in payload.get("errors") or [] if isinstance(e, dict))
        messages = self.http.scrub(messages)[:200]
        if response.status_code == 401 or "AUTHENTICATION_ERROR" in codes:
            raise FatalTrackerError(f"{what}: Linear rejected the API key ({messages or response.status_code}); "
                                    "check LINEAR_API_KEY")
        if response.status_code == 403 or "FORBIDDEN" in codes:
            raise FatalTrackerError(f"{what}: the key may not do this ({messages}); it needs {SCOPE}")
        if payload.get("errors"):
            if any("not found" in str(e.get("message", "")).lower() for e in payload["errors"]):
                raise TrackerError(f"{what}: not found ({messages}); the issue was deleted or the key cannot see it")
            raise TrackerError(f"{what}: Linear refused it ({messages})")
        if response.status_code != 200 or not isinstance(payload.get("data"), dict):
            raise TrackerError(f"{what}: Linear answered {response.status_code}")
        return payload["data"]

    def _issue(self, data: dict) -> RemoteIssue:
        state = data.get("state") or {}
        closed = str(data.get("completedAt") or data.get("canceledAt") or "")[:10]
        return RemoteIssue(key=str(data["identifier"]), url=str(data["url"]), state=str(state.get("name", "")),
                           fallbacks=(str(state.get("type", "")),), closed_on=parse_date(closed) if closed else None,
                           markers=markers_in(str(data.get("description") or "")))

    def create(self, issue: NewIssue) -> RemoteIssue:
        payload: dict[str, Any] = {"teamId": self.team, "title": issue.title,
                                   "description": f"{issue.body}\n\n<!-- {issue.marker} -->"}
        if issue.priority in PRIORITY:
            payload["priority"] = PRIORITY[issue.priority]
        if issue.assignee:
            payload["assigneeId"] = issue.assignee
        label_ids = [self.labels[label] for label in issue.labels if label in self.labels]
        if label_ids:
            payload["labelIds"] = label_ids
        what = "creating a Linear issue"
        result = self._call(CREATE, {"input": payload}, what)["issueCreate"]
        if not result.get("success") or not result.get("issue"):
            raise TrackerError(f"{what}: Linear did not create it")
        return self._issue(result["issue"])

    def fetch(self, link: str) -> RemoteIssue:
        match = _IDENTIFIER.search(link)
        if not match:
            raise TrackerError(f"{link} is not a Linear issue link (https://linear.app/TEAM/issue/KEY-1)")
        what = f"reading {link}"
        found = self._call(READ, {"id": match.group(1)}, what).get("issue")
        if not found:
            raise TrackerError(f"{what}: not found; the issue was deleted or the key cannot see it")
        issue = self._issue(found)
        # the same identifier is the same issue, whatever title slug the link carries
        return replace(issue, url=link) if issue.key == match.group(1) else issue

    def find_created(self) -> dict[str, RemoteIssue]:
        found: dict[str, RemoteIssue] = {}
        after = None
        while True:
            page = self._call(LIST, {"team": self.team, "after": after}, "listing Linear issues")["issues"]
            for data in page.get("nodes", []):
                issue = self._issue(data)
                for mark in issue.markers:
                    found.setdefault(mark, issue)
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return found
            after = info.get("endCursor")

    def close(self) -> None:
        self.http.close()
