"""Local stand-ins for the GitHub, Jira Cloud and Linear APIs, on 127.0.0.1 (no request leaves the machine).

Each implements the endpoints, payloads, pagination, rate limits and errors
pmsite relies on, written for this project from the public API references:

GitHub REST (https://docs.github.com/en/rest):
- Issues: POST /repos/{owner}/{repo}/issues, GET /repos/{owner}/{repo}/issues/{issue_number}
  (301 for a transferred issue, 410 Gone for a deleted one), GET /repos/{owner}/{repo}/issues
  (state=all, per_page, page) -- docs.github.com/en/rest/issues/issues
- Comments: POST /repos/{owner}/{repo}/issues/{issue_number}/comments -- docs.github.com/en/rest/issues/comments
- Pagination with the Link header (rel="next", rel="last") -- docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
- Rate limits: x-ratelimit-remaining / x-ratelimit-reset, secondary limits as 403 or 429 with
  retry-after -- docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
- Permissions: 403 "Resource not accessible by personal access token" with
  X-Accepted-GitHub-Permissions -- docs.github.com/en/rest/authentication/permissions-required-for-fine-grained-personal-access-tokens

Jira Cloud REST v3 (https://developer.atlassian.com/cloud/jira/platform/rest/v3/):
- POST /rest/api/3/issue and GET /rest/api/3/issue/{issueIdOrKey}?fields=... -- api-group-issues
- POST /rest/api/3/search/jql with nextPageToken / isLast -- api-group-issue-search
- GET and POST /rest/api/3/issue/{issueIdOrKey}/transitions -- api-group-issues (transitions)
- Descriptions in Atlassian Document Format -- developer.atlassian.com/cloud/jira/platform/apis/document/structure/
- Basic auth with e-mail and API token; 429 with Retry-After -- developer.atlassian.com/cloud/jira/platform/rate-limiting/

Linear GraphQL (https://developers.linear.app/docs/graphql/working-with-the-graphql-api):
- issueCreate mutation, issue(id:) and issues(first:, after:, filter:) queries with pageInfo
  { hasNextPage endCursor } -- .../pagination and .../filtering
- API key in the Authorization header; errors with extensions.code (AUTHENTICATION_ERROR,
  FORBIDDEN, RATELIMITED) -- .../rate-limiting

The servers lower page sizes (2 items) so that pagination is exercised with a few issues,
and dispatch Linear's GraphQL by operation name instead of parsing the documents.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE = 2


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """Answer the next request matching ``method`` and ``path`` (a regex) with ``reply`` (``times`` times)."""

    method: str
    path: str
    reply: Reply | None
    times: int = 1
    #: Seconds to wait before answering (a timeout test).
    delay: float = 0.0


class FakeApi:
    """A threaded HTTP server that hands each request to ``handle``; records what it was asked."""

    def __init__(self) -> None:
        api = self
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                headers = {k.lower(): v for k, v in self.headers.items()}
                with api.lock:
                    api.requests.append((self.command, self.path, headers, body))
                    fault = next((f for f in api.faults if f.method == self.command
                                  and re.search(f.path, self.path)), None)
                    if fault is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            api.faults.remove(fault)
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                if fault is not None and fault.reply is not None:
                    reply = fault.reply
                else:
                    with api.lock:
                        reply = api.handle(self.command, self.path, headers, body)
                data = b"" if reply.body is None else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            do_GET = do_POST = do_PATCH = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        raise NotImplementedError

    def writes(self) -> list[tuple[str, str, Any]]:
        return [(m, p, b) for m, p, _, b in self.requests if m != "GET" and "search" not in p
                and not (isinstance(b, dict) and str(b.get("query", "")).startswith("query"))]


# -- GitHub ---------------------------------------------------------------------------------


class FakeGitHub(FakeApi):
    TOKEN = "ghp_testtoken0123456789abcdef"
    READ_ONLY = "github_pat_readonly_0123456789"

    def __init__(self, repo: str = "acme/postmortems", collaborators: tuple[str, ...] = ("priya-r", "tberg")):
        super().__init__()
        self.issues: dict[tuple[str, int], dict] = {}
        self.deleted: set[tuple[str, int]] = set()
        self.moved: dict[tuple[str, int], tuple[str, int]] = {}
        self.comments: list[tuple[str, int, str]] = []
        self.repo = repo
        self.collaborators = collaborators

    def add(self, repo: str, title: str, body: str = "", state: str = "open", reason: str | None = None,
            closed_at: str | None = None) -> dict:
        number = 1 + max((n for r, n in self.issues if r == repo), default=0)
        issue = {"id": 1000 + number, "number": number, "html_url": f"https://github.com/{repo}/issues/{number}",
                 "title": title, "body": body, "state": state, "state_reason": reason, "closed_at": closed_at,
                 "labels": [], "assignees": []}
        self.issues[(repo, number)] = issue
        return issue

    def close(self, repo: str, number: int, at: str, reason: str = "completed") -> None:
        self.issues[(repo, number)].update(state="closed", state_reason=reason, closed_at=at)

    def handle(self, method, path, headers, body):
        auth = headers.get("authorization", "")
        if auth not in (f"Bearer {self.TOKEN}", f"Bearer {self.READ_ONLY}"):
            return Reply(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
        parsed = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        match = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues(?:/(\d+))?(/comments)?", parsed.path)
        if not match:
            return Reply(404, {"message": "Not Found"})
        repo, number, comments = match.group(1), match.group(2), match.group(3)
        if method == "POST" and auth == f"Bearer {self.READ_ONLY}":
            return Reply(403, {"message": "Resource not accessible by personal access token"},
                         {"X-Accepted-GitHub-Permissions": "issues=write"})
        if number is None and method == "POST":
            if not isinstance(body, dict) or not body.get("title"):
                return Reply(422, {"message": "Validation Failed", "errors": [{"field": "title", "code": "missing_field"}]})
            unknown = [a for a in body.get("assignees", []) if a not in self.collaborators]
            if unknown:
                return Reply(422, {"message": "Validation Failed",
                                   "errors": [{"field": "assignees", "code": "invalid", "value": unknown[0]}]})
            issue = self.add(repo, body["title"], body.get("body", ""))
            issue["labels"] = [{"name": name} for name in body.get("labels", [])]
            issue["assignees"] = [{"login": login} for login in body.get("assignees", [])]
            return Reply(201, issue)
        if number is None:  # list, oldest first here, paginated with Link
            everything = [i for (r, _), i in sorted(self.issues.items()) if r == repo]
            if query.get("state", "open") != "all":
                everything = [i for i in everything if i["state"] == query.get("state", "open")]
            size = min(int(query.get("per_page", 30)), 100, PAGE)
            page = int(query.get("page", 1))
            chunk = everything[(page - 1) * size: page * size]
            last = max(1, -(-len(everything) // size))
            links = []
            if page < last:
                nxt = urllib.parse.urlencode({**query, "page": page + 1})
                links.append(f'<{self.url}{parsed.path}?{nxt}>; rel="next"')
                links.append(f'<{self.url}{parsed.path}?{urllib.parse.urlencode({**query, "page": last})}>; rel="last"')
            return Reply(200, chunk, {"Link": ", ".join(links)} if links else {})
        key = (repo, int(number))
        if key in self.moved:
            new_repo, new_number = self.moved[key]
            return Reply(301, {"message": "Moved Permanently"},
                         {"Location": f"{self.url}/repos/{new_repo}/issues/{new_number}"})
        if key in self.deleted:
            return Reply(410, {"message": "This issue was deleted"})
        if key not in self.issues:
            return Reply(404, {"message": "Not Found"})
        if comments and method == "POST":
            self.comments.append((repo, int(number), body["body"]))
            return Reply(201, {"id": len(self.comments), "body": body["body"]})
        return Reply(200, self.issues[key])


# -- Jira -----------------------------------------------------------------------------------


class FakeJira(FakeApi):
    EMAIL, TOKEN = "bot@acme.example", "ATATT3xFfGF0jira-token-0123"
    BROWSE_ONLY = "ATATT3xFfGF0browse-only-4567"
    STATUSES = {"To Do": "new", "In Progress": "indeterminate", "Done": "done", "Won't Do": "done",
                "Parked": "undefined"}
    TRANSITIONS = {"11": "To Do", "21": "In Progress", "31": "Done", "41": "Parked"}

    def __init__(self, project: str = "OPS", users: tuple[str, ...] = ("5b10ac8d82e05b22cc7d4ef5",)):
        super().__init__()
        self.project, self.users = project, users
        self.issues: dict[str, dict] = {}
        self.moved: dict[str, str] = {}
        self.created = 0

    def add(self, summary: str, description: dict | None = None, status: str = "To Do") -> dict:
        self.created += 1  # Jira never reuses a key, even of a deleted issue
        number = self.created
        key = f"{self.project}-{number}"
        issue = {"id": str(10000 + number), "key": key, "self": f"{self.url}/rest/api/3/issue/{10000 + number}",
                 "fields": {"summary": summary, "description": description, "labels": [], "assignee": None,
                            "resolutiondate": None, "status": self._status(status)}}
        self.issues[key] = issue
        return issue

    def _status(self, name: str) -> dict:
        return {"name": name, "statusCategory": {"key": self.STATUSES[name]}}

    def _user(self, headers) -> str | None:
        try:
            kind, value = headers.get("authorization", "").split(" ", 1)
            email, token = base64.b64decode(value).decode().split(":", 1)
        except ValueError:
            return None
        if kind != "Basic" or email != self.EMAIL or token not in (self.TOKEN, self.BROWSE_ONLY):
            return None
        return token

    def _view(self, issue: dict, fields: str | list | None) -> dict:
        wanted = fields.split(",") if isinstance(fields, str) else fields
        shown = {k: v for k, v in issue["fields"].items() if not wanted or k in wanted}
        return {**{k: v for k, v in issue.items() if k != "fields"}, "fields": shown}

    def handle(self, method, path, headers, body):
        token = self._user(headers)
        if token is None:
            return Reply(401, {"errorMessages": ["Client must be authenticated to access this resource."]})
        parsed = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        if parsed.path == "/rest/api/3/issue" and method == "POST":
            if token == self.BROWSE_ONLY:
                return Reply(403, {"errorMessages": ["You do not have permission to create issues in this project."],
                                   "errors": {}})
            fields = body.get("fields", {})
            errors = {}
            if fields.get("project", {}).get("key") != self.project:
                errors["project"] = "valid project is required"
            if not fields.get("summary"):
                errors["summary"] = "You must specify a summary of the issue."
            description = fields.get("description")
            if description is not None and not (isinstance(description, dict) and description.get("type") == "doc"
                                                and description.get("version") == 1):
                errors["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
            assignee = (fields.get("assignee") or {}).get("accountId")
            if assignee and assignee not in self.users:
                errors["assignee"] = f"User '{assignee}' cannot be assigned issues."
            if errors:
                return Reply(400, {"errorMessages": [], "errors": errors})
            issue = self.add(fields["summary"], description)
            issue["fields"]["labels"] = fields.get("labels", [])
            issue["fields"]["assignee"] = {"accountId": assignee} if assignee else None
            return Reply(201, {"id": issue["id"], "key": issue["key"], "self": issue["self"]})
        if parsed.path == "/rest/api/3/search/jql" and method == "POST":
            project = re.search(r'project = "([^"]+)"', body.get("jql", ""))
            contains = re.search(r'description ~ "([^"]+)"', body.get("jql", ""))
            found = [i for i in self.issues.values()
                     if (not project or i["key"].startswith(project.group(1) + "-"))
                     and (not contains or contains.group(1) in json.dumps(i["fields"]["description"]))]
            start = int(body.get("nextPageToken") or 0)
            size = min(int(body.get("maxResults", 50)), PAGE)
            chunk = found[start:start + size]
            is_last = start + size >= len(found)
            reply = {"issues": [self._view(i, body.get("fields")) for i in chunk], "isLast": is_last}
            if not is_last:
                reply["nextPageToken"] = str(start + size)
            return Reply(200, reply)
        match = re.fullmatch(r"/rest/api/3/issue/([A-Z0-9]+-\d+)(/transitions)?", parsed.path)
        if not match:
            return Reply(404, {"errorMessages": ["Not found"]})
        key = self.moved.get(match.group(1), match.group(1))
        issue = self.issues.get(key)
        if issue is None:
            return Reply(404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                               "errors": {}})
        if match.group(2) and method == "GET":
            return Reply(200, {"transitions": [{"id": i, "name": n, "to": self._status(n)}
                                               for i, n in self.TRANSITIONS.items()]})
        if match.group(2) and method == "POST":
            name = self.TRANSITIONS[body["transition"]["id"]]
            issue["fields"]["status"] = self._status(name)
            issue["fields"]["resolutiondate"] = (body.get("resolutiondate") or "2024-04-02T16:20:00.000+0000"
                                                 if self.STATUSES[name] == "done" else None)
            return Reply(204)
        return Reply(200, self._view(issue, query.get("fields")))


# -- Linear ---------------------------------------------------------------------------------


class FakeLinear(FakeApi):
    KEY = "lin_api_0123456789abcdefTEST"
    READ_ONLY = "lin_api_readonly_abcdef"
    TEAM = "9cfb482a-81e3-4154-b5b9-2c805e70a02d"

    def __init__(self) -> None:
        super().__init__()
        self.issues: dict[str, dict] = {}
        self.moved: dict[str, str] = {}

    def add(self, title: str, description: str = "", state: tuple[str, str] = ("Todo", "unstarted")) -> dict:
        number = len(self.issues) + 1
        identifier = f"ENG-{number}"
        issue = {"id": f"uuid-{number}", "identifier": identifier, "title": title, "description": description,
                 "url": f"https://linear.app/acme/issue/{identifier}/{re.sub(r'[^a-z0-9]+', '-', title.lower())[:30]}",
                 "state": {"name": state[0], "type": state[1]}, "completedAt": None, "canceledAt": None,
                 "priority": 0, "assignee": None, "labelIds": []}
        self.issues[identifier] = issue
        return issue

    def set_state(self, identifier: str, name: str, kind: str, at: str | None = None) -> None:
        issue = self.issues[identifier]
        issue["state"] = {"name": name, "type": kind}
        issue["completedAt"] = at if kind == "completed" else None
        issue["canceledAt"] = at if kind == "canceled" else None

    @staticmethod
    def _error(message: str, code: str, status: int = 200) -> Reply:
        return Reply(status, {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]})

    def handle(self, method, path, headers, body):
        key = headers.get("authorization", "")
        if key not in (self.KEY, self.READ_ONLY):
            return self._error("Authentication required, not authenticated", "AUTHENTICATION_ERROR", 400)
        if method != "POST" or path != "/graphql" or not isinstance(body, dict):
            return Reply(404, {"errors": [{"message": "Not found"}]})
        query, variables = body.get("query", ""), body.get("variables") or {}
        operation = re.match(r"\s*(query|mutation)\s+(\w+)", query)
        name = operation.group(2) if operation else ""
        public = lambda issue: {k: issue[k] for k in ("id", "identifier", "url", "description", "completedAt",
                                                      "canceledAt", "state")}
        if name == "IssueCreate":
            if key == self.READ_ONLY:
                return self._error("You don't have permission to create issues in this team", "FORBIDDEN")
            data = variables["input"]
            if data.get("teamId") != self.TEAM:
                return self._error("Entity not found: Team", "INVALID_INPUT")
            if not isinstance(data.get("priority", 0), int) or not 0 <= data.get("priority", 0) <= 4:
                return self._error("priority must be an integer from 0 to 4", "INVALID_INPUT")
            issue = self.add(data["title"], data.get("description", ""))
            issue.update(priority=data.get("priority", 0), assignee=data.get("assigneeId"),
                         labelIds=data.get("labelIds", []))
            return Reply(200, {"data": {"issueCreate": {"success": True, "issue": public(issue)}}})
        if name == "Issue":
            identifier = self.moved.get(variables["id"], variables["id"])
            if identifier not in self.issues:
                return self._error("Entity not found", "INVALID_INPUT")
            return Reply(200, {"data": {"issue": public(self.issues[identifier])}})
        if name == "Issues":
            found = [i for i in self.issues.values() if "pmsite-item" in i["description"]]
            start = int(variables.get("after") or 0)
            chunk = found[start:start + PAGE]
            more = start + PAGE < len(found)
            return Reply(200, {"data": {"issues": {"nodes": [public(i) for i in chunk],
                                                   "pageInfo": {"hasNextPage": more,
                                                                "endCursor": str(start + PAGE) if more else None}}}})
        return self._error(f"Unknown operation {name!r}", "GRAPHQL_VALIDATION_FAILED", 400)
