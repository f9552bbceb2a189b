"""Jira Cloud over REST v3: basic auth with an account e-mail and an API token.

Endpoints: POST /rest/api/3/issue (description in Atlassian Document Format),
GET /rest/api/3/issue/{key}?fields=status,resolutiondate (a moved issue answers
under its new key), POST /rest/api/3/search/jql (nextPageToken pagination).
"""

from __future__ import annotations

import re
from dataclasses import replace

import httpx

from pmsite.model import parse_date
from pmsite.trackers.base import FatalTrackerError, NewIssue, RemoteIssue, TrackerError, markers_in
from pmsite.trackers.http import Http, error_text
from pmsite.trackers.settings import TrackerSettings

_KEY = re.compile(r"/browse/([A-Z][A-Z0-9_]*-\d+)(?:[/?#]|$)")
SCOPE = "the 'Browse projects' and 'Create issues' project permissions (classic scopes read:jira-work and write:jira-work)"


def adf(text: str) -> dict:
    """Plain paragraphs as an Atlassian Document Format document (Jira v3 takes no Markdown)."""
    paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
    return {"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": part}]} for part in paragraphs]}


def adf_text(node: object) -> str:
    """Every text of an ADF document, joined (to find markers)."""
    if isinstance(node, dict):
        return (str(node.get("text", "")) + " " + adf_text(node.get("content", []))).strip()
    if isinstance(node, list):
        return " ".join(adf_text(child) for child in node)
    return ""


class Jira:
    name = "jira"

    def __init__(self, settings: TrackerSettings):
        self.settings = settings
        self.site = settings.option("url").rstrip("/")
        self.project = settings.option("project")
        email = settings.secret("email_env", "JIRA_EMAIL", "the Jira account e-mail")
        token = settings.secret("token_env", "JIRA_API_TOKEN", "the Jira API token")
        self.http = Http(self.site, headers={"Accept": "application/json"}, auth=(email, token),
                         timeout=settings.timeout, retries=settings.retries, backoff=settings.backoff,
                         max_wait=settings.max_wait, secrets=(token,))

    def owns(self, link: str) -> bool:
        return link.startswith(self.site + "/browse/") and bool(_KEY.search(link))

    def _check(self, response: httpx.Response, what: str) -> dict:
        if response.status_code in (200, 201):
            return response.json()
        message = self.http.scrub(error_text(response, _messages))
        if response.status_code == 401:
            raise FatalTrackerError(f"{what}: Jira rejected the e-mail and API token (401); check JIRA_EMAIL and JIRA_API_TOKEN")
        if response.status_code == 403:
            raise FatalTrackerError(f"{what}: the account may not do this (403: {message}); it needs {SCOPE}")
        if response.status_code == 404:
            raise TrackerError(f"{what}: not found (404: {message}); the issue was deleted or the account "
                               "cannot browse it; fix the link or the project permissions")
        raise TrackerError(f"{what}: Jira answered {response.status_code} ({message})")

    def _issue(self, data: dict) -> RemoteIssue:
        fields = data.get("fields") or {}
        status = fields.get("status") or {}
        category = (status.get("statusCategory") or {}).get("key", "")
        resolved = str(fields.get("resolutiondate") or "")[:10]
        return RemoteIssue(key=str(data["key"]), url=f"{self.site}/browse/{data['key']}",
                           state=str(status.get("name", "")), fallbacks=(category,) if category else (),
                           closed_on=parse_date(resolved) if resolved else None,
                           markers=markers_in(adf_text(fields.get("description"))))

    def create(self, issue: NewIssue) -> RemoteIssue:
        fields = {"project": {"key": self.project}, "summary": issue.title,
                  "issuetype": {"name": self.settings.option("issue_type", "Task")},
                  "labels": [label.replace(" ", "-") for label in issue.labels],
                  "description": adf(f"{issue.body}\n\n{issue.marker}")}
        if issue.assignee:
            fields["assignee"] = {"accountId": issue.assignee}
        what = f"creating an issue in Jira project {self.project}"
        created = self._check(self.http.request("POST", "/rest/api/3/issue", what, json={"fields": fields}), what)
        return self.fetch(f"{self.site}/browse/{created['key']}")

    def fetch(self, link: str) -> RemoteIssue:
        match = _KEY.search(link)
        if not match:
            raise TrackerError(f"{link} is not a Jira issue link ({self.site}/browse/KEY-1)")
        what = f"reading {link}"
        response = self.http.request("GET", f"/rest/api/3/issue/{match.group(1)}", what,
                                     params={"fields": "status,resolutiondate,description"})
        issue = self._issue(self._check(response, what))
        return replace(issue, url=link) if issue.key == match.group(1) else issue  # moved issues change key

    def find_created(self) -> dict[str, RemoteIssue]:
        found: dict[str, RemoteIssue] = {}
        token = None
        what = f"searching Jira project {self.project}"
        while True:
            body = {"jql": f'project = "{self.project}" AND description ~ "pmsite-item" ORDER BY created ASC',
                    "fields": ["status", "resolutiondate", "description"], "maxResults": 100}
            if token:
                body["nextPageToken"] = token
            page = self._check(self.http.request("POST", "/rest/api/3/search/jql", what, json=body), what)
            for data in page.get("issues", []):
                issue = self._issue(data)
                for mark in issue.markers:
                    found.setdefault(mark, issue)
            token = page.get("nextPageToken")
            if page.get("isLast") or not token:
                return found

    def close(self) -> None:
        self.http.close()



def _messages(data: dict) -> str:
    return "; ".join([*map(str, data.get("errorMessages", [])), *map(str, (data.get("errors") or {}).values())])
