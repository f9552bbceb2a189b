"""GitHub Issues over REST (api.github.com, or GitHub Enterprise Server through GITHUB_API_URL).

Endpoints: POST /repos/{owner}/{repo}/issues, GET /repos/{owner}/{repo}/issues/{n}
(a transferred issue redirects to its new home, a deleted one answers 410),
GET /repos/{owner}/{repo}/issues?state=all (Link-header pagination) and
POST /repos/{owner}/{repo}/issues/{n}/comments.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from pmsite.model import parse_date
from pmsite.trackers.base import FatalTrackerError, NewIssue, RemoteIssue, TrackerError, markers_in
from pmsite.trackers.http import Http, error_text, next_link
from pmsite.trackers.settings import TrackerSettings

_ISSUE_URL = re.compile(r"^https?://[^/]+/(?:api/v3/repos/)?([^/]+)/([^/]+)/issues/(\d+)/?$")
SCOPE = "Issues: read and write (fine-grained token or GitHub App), or the repo scope (classic token)"


class GitHub:
    name = "github"

    def __init__(self, settings: TrackerSettings):
        self.settings = settings
        self.repo = settings.option("repo") or settings.env.get("GITHUB_REPOSITORY", "")
        token = settings.secret("token_env", "GITHUB_TOKEN", "the GitHub token")
        api = settings.option("api_url") or settings.env.get("GITHUB_API_URL") or "https://api.github.com"
        host = urlsplit(api).hostname or ""
        #: Where issue links of this API live (None: any host, for an API at an unusual address).
        self.web_host = "github.com" if host == "api.github.com" else host if api.rstrip("/").endswith("/api/v3") else None
        self.http = Http(api.rstrip("/"), headers={"Authorization": f"Bearer {token}",
                                                  "Accept": "application/vnd.github+json",
                                                  "X-GitHub-Api-Version": "2022-11-28"},
                         timeout=settings.timeout, retries=settings.retries, backoff=settings.backoff,
                         max_wait=settings.max_wait, secrets=(token,))

    def owns(self, link: str) -> bool:
        """An issue link on this GitHub: github.com for api.github.com, the server's host for GHES."""
        match = _ISSUE_URL.match(link)
        return bool(match) and (self.web_host is None or urlsplit(link).hostname == self.web_host)

    def _check(self, response: httpx.Response, what: str) -> dict:
        if response.status_code in (200, 201):
            return response.json()
        message = self.http.scrub(error_text(response, lambda data: str(data.get("message", ""))))
        if response.status_code == 401:
            raise FatalTrackerError(f"{what}: GitHub rejected the token (401: {message}); check GITHUB_TOKEN")
        if response.status_code == 403:
            accepted = response.headers.get("x-accepted-github-permissions") or response.headers.get(
                "x-accepted-oauth-scopes")
            needed = f"; GitHub asks for: {accepted}" if accepted else ""
            raise FatalTrackerError(f"{what}: the token may not do this (403: {message}); it needs {SCOPE}{needed}")
        if response.status_code == 410:
            raise TrackerError(f"{what}: the issue was deleted (410); remove the link or point it at another issue")
        if response.status_code == 404:
            raise TrackerError(f"{what}: not found (404): the issue or repository was deleted, or the token "
                               f"cannot see it; fix the link or the token's repository access")
        if response.status_code == 422:
            raise TrackerError(f"{what}: GitHub refused the data (422: {message}); check labels and assignee exist")
        raise TrackerError(f"{what}: GitHub answered {response.status_code} ({message})")

    def _issue(self, data: dict) -> RemoteIssue:
        state = str(data.get("state", ""))
        reason = data.get("state_reason")
        closed = parse_date(str(data.get("closed_at") or "")[:10]) if data.get("closed_at") else None
        full = f"{state}/{reason}" if state == "closed" and reason else state
        return RemoteIssue(key=f"#{data['number']}", url=str(data.get("html_url", "")), state=full,
                           fallbacks=(state,) if full != state else (), closed_on=closed,
                           markers=markers_in(str(data.get("body") or "")))

    def create(self, issue: NewIssue) -> RemoteIssue:
        payload = {"title": issue.title, "body": f"{issue.body}\n\n<!-- {issue.marker} -->", "labels": list(issue.labels)}
        if issue.assignee:
            payload["assignees"] = [issue.assignee]
        what = f"creating an issue in {self.repo}"
        return self._issue(self._check(self.http.request("POST", f"/repos/{self.repo}/issues", what, json=payload), what))

    def _api_path(self, link: str) -> str:
        match = _ISSUE_URL.match(link)
        if not match:
            raise TrackerError(f"{link} is not a GitHub issue link (https://HOST/OWNER/REPO/issues/N)")
        owner, repo, number = match.groups()
        return f"/repos/{owner}/{repo}/issues/{number}"

    def fetch(self, link: str) -> RemoteIssue:
        what = f"reading {link}"
        return self._issue(self._check(self.http.request("GET", self._api_path(link), what), what))

    def find_created(self) -> dict[str, RemoteIssue]:
        found: dict[str, RemoteIssue] = {}
        url: str | None = f"/repos/{self.repo}/issues"
        params: dict | None = {"state": "all", "per_page": 100}
        what = f"listing the issues of {self.repo}"
        while url:
            response = self.http.request("GET", url, what, params=params)
            for data in self._check(response, what):
                if "pull_request" in data:
                    continue
                issue = self._issue(data)
                for mark in issue.markers:
                    found.setdefault(mark, issue)
            url, params = next_link(response), None  # the next URL carries the query
        return found

    def comment(self, link: str, text: str) -> None:
        what = f"commenting on {link}"
        self._check(self.http.request("POST", self._api_path(link) + "/comments", what, json={"body": text}), what)

    def close(self) -> None:
        self.http.close()

