"""Local stand-ins for the APIs the black box reads, written from their public references.

- PagerDuty REST API v2: https://developer.pagerduty.com/api-reference/ (``GET /incidents/{id}``,
  ``GET /incidents/{id}/log_entries`` with classic ``limit``/``offset``/``more`` pagination,
  ``GET /services/{id}``; errors as ``{"error": {"message", "code"}}``; ``Authorization:
  Token token=...``; 429 on rate limits: https://developer.pagerduty.com/docs/rest-api-rate-limits).
- Slack Web API: https://api.slack.com/methods/conversations.history,
  https://api.slack.com/methods/conversations.replies, https://api.slack.com/methods/conversations.list,
  https://api.slack.com/methods/users.info (``ok``/``error`` envelope with HTTP 200, cursor pagination via
  ``response_metadata.next_cursor``: https://api.slack.com/apis/pagination, HTTP 429 with ``Retry-After``:
  https://api.slack.com/apis/rate-limits).
- GitHub REST API: https://docs.github.com/en/rest/pulls/pulls#list-pull-requests and
  https://docs.github.com/en/rest/deployments/deployments#list-deployments (``Link: <...>; rel="next"``
  pagination: https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api).
- Grafana: dashboard URLs take ``from``/``to`` in epoch milliseconds
  (https://grafana.com/docs/grafana/latest/dashboards/use-dashboards/#set-dashboard-time-range);
  ``GET /api/annotations?from&to&dashboardUID`` (https://grafana.com/docs/grafana/latest/developers/http_api/annotations/).

Each fake records the requests it served, can answer a route with a run of
failures, and can hold a route until the test releases it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

UTC = dt.timezone.utc
INCIDENT_ID = "Q1ABCDEF"
SLACK_TOKEN = "xoxb-111111111111-222222222222-secretbottokenvalue"
PAGERDUTY_TOKEN = "pd-token-u+abcdefghijklmnop"
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5" * 4
PASTED_SECRET = "AKIAABCDEFGHIJKLMNOP"
T0 = dt.datetime(2026, 3, 7, 13, 55, tzinfo=UTC)


def iso(time: dt.datetime) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ")


def ts(time: dt.datetime, micro: int = 0) -> str:
    return f"{int(time.timestamp())}.{micro:06d}"


@dataclass
class Served:
    method: str
    path: str
    query: dict[str, list[str]]
    #: Case-insensitive, as HTTP header names are.
    headers: Any
    body: Any = None


@dataclass
class FakeApi:
    """One API on 127.0.0.1. ``routes`` maps a path to ``handler(query) -> (status, body, headers)``."""

    name: str
    routes: dict[str, Callable[[dict[str, list[str]]], tuple[int, Any, dict[str, str]]]] = field(default_factory=dict)
    served: list[Served] = field(default_factory=list)
    #: path -> list of (status, body, headers) answered before the real route, one per request.
    failures: dict[str, list[tuple[int, Any, dict[str, str]]]] = field(default_factory=dict)
    #: path -> (call number, gate): that call waits until the gate is set.
    holds: dict[str, tuple[int, threading.Event, threading.Event]] = field(default_factory=dict)

    def start(self) -> "FakeApi":
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.do_GET(json.loads(self.rfile.read(length) or b"null"))

            def do_GET(self, body: Any = None) -> None:
                parts = urlsplit(self.path)
                api.served.append(Served(self.command, parts.path, parse_qs(parts.query), self.headers,
                                         body))
                count = sum(1 for s in api.served if s.path == parts.path)
                hold = api.holds.get(parts.path)
                if hold and hold[0] == count:
                    hold[1].set()   # reached
                    hold[2].wait(60)  # released by the test
                if api.failures.get(parts.path):
                    status, body, headers = api.failures[parts.path].pop(0)
                elif parts.path in api.routes:
                    status, body, headers = api.routes[parts.path](parse_qs(parts.query))
                else:
                    status, body, headers = 404, {"error": {"message": "Not Found", "code": 2100}}, {}
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                content_type = "text/html" if isinstance(body, str) else "application/json"
                for key, value in ({"Content-Type": content_type} | headers).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        for _, _, gate in self.holds.values():
            gate.set()
        self.server.shutdown()
        self.server.server_close()

    def calls(self, path: str) -> list[Served]:
        return [s for s in self.served if s.path == path]


def page_of(items: list, query: dict[str, list[str]], size: int) -> tuple[list, str]:
    """Cursor pagination: the cursor is the index of the next item, as an opaque string."""
    start = int((query.get("cursor") or ["0"])[0].removeprefix("dXNlcj") or 0)
    chunk = items[start:start + size]
    following = start + size
    return chunk, (f"dXNlcj{following}" if following < len(items) else "")


# -- PagerDuty -------------------------------------------------------------------------
def user(name: str, uid: str) -> dict:
    return {"id": uid, "type": "user_reference", "summary": name, "self": f"https://api.pagerduty.com/users/{uid}",
            "html_url": f"https://acme.pagerduty.com/users/{uid}"}


def pagerduty_api(incident_id: str = INCIDENT_ID, page_size: int = 2) -> FakeApi:
    service = {"id": "PSVC1", "type": "service_reference", "summary": "checkout",
               "self": "https://api.pagerduty.com/services/PSVC1"}
    incident = {
        "id": incident_id, "type": "incident", "incident_number": 42, "title": "Checkout latency after cache flush",
        "summary": "[#42] Checkout latency after cache flush", "status": "resolved", "urgency": "high",
        "created_at": iso(T0), "resolved_at": iso(T0 + dt.timedelta(minutes=67)),
        "html_url": f"https://acme.pagerduty.com/incidents/{incident_id}", "service": service,
        "priority": {"id": "PPRI", "type": "priority_reference", "summary": "P2"},
        "assignments": [{"at": iso(T0), "assignee": user("Priya Raman", "PU1")}],
        "teams": [{"id": "PT1", "type": "team_reference", "summary": "payments"}],
        "description": "Checkout p99 above 4 s; war room in #inc-42-war-room",
    }
    entries = [
        {"id": "L1", "type": "trigger_log_entry", "created_at": iso(T0), "agent": service, "service": service,
         "channel": {"type": "api"}, "incident": {"id": incident_id, "summary": incident["summary"]}},
        {"id": "L2", "type": "notify_log_entry", "created_at": iso(T0 + dt.timedelta(seconds=30)), "agent": service,
         "user": user("Priya Raman", "PU1"), "channel": {"type": "sms"}},
        {"id": "L3", "type": "acknowledge_log_entry", "created_at": iso(T0 + dt.timedelta(minutes=4)),
         "agent": user("Priya Raman", "PU1"), "channel": {"type": "mobile"}},
        {"id": "L4", "type": "annotate_log_entry", "created_at": iso(T0 + dt.timedelta(minutes=20)),
         "agent": user("Tom Okafor", "PU2"),
         "channel": {"type": "note", "summary": "Rolled back cache config; token was " + PASTED_SECRET}},
        {"id": "L5", "type": "resolve_log_entry", "created_at": iso(T0 + dt.timedelta(minutes=67)),
         "agent": user("Tom Okafor", "PU2"), "channel": {"type": "web"}},
    ]

    def get_incident(query: dict) -> tuple:
        return 200, {"incident": incident}, {}

    def get_entries(query: dict) -> tuple:
        offset, limit = int(query["offset"][0]), min(int(query["limit"][0]), page_size)
        chunk = entries[offset:offset + limit]
        return 200, {"log_entries": chunk, "limit": limit, "offset": offset, "more": offset + limit < len(entries),
                     "total": None}, {}

    return FakeApi("pagerduty", {
        f"/incidents/{incident_id}": get_incident,
        f"/incidents/{incident_id}/log_entries": get_entries,
        "/services/PSVC1": lambda q: (200, {"service": service | {"type": "service", "name": "checkout"}}, {}),
    })


# -- Slack -----------------------------------------------------------------------------
def slack_messages() -> list[dict]:
    """Newest first, as conversations.history returns them."""
    messages = [
        {"type": "message", "user": "U1", "text": "Checkout p99 is 4 s, looking", "ts": ts(T0 + dt.timedelta(minutes=2))},
        {"type": "message", "user": "U2", "text": f"try with this: curl -H 'Authorization: Bearer {SLACK_TOKEN}'",
         "ts": ts(T0 + dt.timedelta(minutes=6))},
        {"type": "message", "user": "U1", "text": "Cache hit rate dropped to 3% after the flush",
         "ts": ts(T0 + dt.timedelta(minutes=9)), "thread_ts": ts(T0 + dt.timedelta(minutes=9)), "reply_count": 3,
         "reply_users": ["U2"]},
        {"type": "message", "user": "U2", "text": "+1", "ts": ts(T0 + dt.timedelta(minutes=10))},
        {"type": "message", "user": "U2", "text": "Rolling back the cache config now", "ts": ts(T0 + dt.timedelta(minutes=19))},
        {"type": "message", "user": "U1", "text": "Latency back to normal", "ts": ts(T0 + dt.timedelta(minutes=60))},
    ]
    return sorted(messages, key=lambda m: float(m["ts"]), reverse=True)


def slack_replies() -> list[dict]:
    parent = ts(T0 + dt.timedelta(minutes=9))
    return [{"type": "message", "user": "U1", "text": "Cache hit rate dropped to 3% after the flush", "ts": parent,
             "thread_ts": parent, "reply_count": 3}] + [
        {"type": "message", "user": "U2", "text": text, "ts": ts(T0 + dt.timedelta(minutes=minute)), "thread_ts": parent}
        for minute, text in ((11, "Warming job is off since Tuesday"), (12, "Turning the warmer on"),
                             (13, "Warmer running, hit rate climbing"))]


def slack_api(page_size: int = 2, extra_messages: tuple[dict, ...] = ()) -> FakeApi:
    channels = [{"id": "C0GENERAL", "name": "general"}, {"id": "C0INC42", "name": "inc-42"},
                {"id": "C0WAR", "name": "inc-42-war-room"}]
    users = {"U1": {"id": "U1", "name": "priya", "real_name": "Priya Raman", "profile": {"display_name": "priya",
                                                                                          "email": "p@example.com"}},
             "U2": {"id": "U2", "name": "tom", "real_name": "Tom Okafor", "profile": {"display_name": "tom"}}}

    def listed(query: dict) -> tuple:
        chunk, cursor = page_of(channels, query, 1)
        return 200, {"ok": True, "channels": chunk, "response_metadata": {"next_cursor": cursor}}, {}

    def history(query: dict) -> tuple:
        if query["channel"][0] == "C0WAR":
            return 200, {"ok": False, "error": "not_in_channel"}, {}
        if query["channel"][0] != "C0INC42":
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        oldest, latest = float(query["oldest"][0]), float(query["latest"][0])
        messages = sorted([*slack_messages(), *extra_messages], key=lambda m: float(m["ts"]), reverse=True)
        inside = [m for m in messages if oldest <= float(m["ts"]) <= latest]
        chunk, cursor = page_of(inside, query, page_size)
        return 200, {"ok": True, "messages": chunk, "has_more": bool(cursor),
                     "response_metadata": {"next_cursor": cursor}}, {}

    def replies(query: dict) -> tuple:
        chunk, cursor = page_of(slack_replies(), query, page_size)
        return 200, {"ok": True, "messages": chunk, "has_more": bool(cursor),
                     "response_metadata": {"next_cursor": cursor}}, {}

    def user_info(query: dict) -> tuple:
        found = users.get(query["user"][0])
        return 200, ({"ok": True, "user": found} if found else {"ok": False, "error": "user_not_found"}), {}

    return FakeApi("slack", {"/conversations.list": listed, "/conversations.history": history,
                             "/conversations.replies": replies, "/users.info": user_info})


# -- GitHub ----------------------------------------------------------------------------
def github_api() -> FakeApi:
    api = FakeApi("github")
    pulls = [
        {"number": 812, "title": "Lower cache TTL", "merged_at": iso(T0 - dt.timedelta(minutes=20)),
         "updated_at": iso(T0 - dt.timedelta(minutes=20)), "html_url": "https://github.com/acme/checkout/pull/812",
         "user": {"login": "sam"}},
        {"number": 799, "title": "Old change", "merged_at": iso(T0 - dt.timedelta(days=3)),
         "updated_at": iso(T0 - dt.timedelta(days=3)), "html_url": "https://github.com/acme/checkout/pull/799",
         "user": {"login": "sam"}},
        {"number": 790, "title": "Closed unmerged", "merged_at": None, "updated_at": iso(T0 - dt.timedelta(days=4)),
         "html_url": "https://github.com/acme/checkout/pull/790", "user": {"login": "kim"}},
    ]
    deployments = [{"id": 1, "ref": "v2.4.1", "environment": "production", "created_at": iso(T0 - dt.timedelta(minutes=10)),
                    "creator": {"login": "deploy-bot"}}]

    def pull_list(query: dict) -> tuple:
        page = int((query.get("page") or ["1"])[0])
        chunk = pulls[page - 1:page]
        headers = {"Link": f'<{api.url}/repos/acme/checkout/pulls?state=closed&page={page + 1}>; rel="next"'} \
            if page < len(pulls) else {}
        return 200, chunk, headers

    api.routes = {"/repos/acme/postmortems/pulls": lambda q: (201, {"number": 7, "html_url":
                                                                   "https://github.com/acme/postmortems/pull/7"}, {}),
                  "/repos/acme/checkout/pulls": pull_list,
                  "/repos/acme/checkout/deployments": lambda q: (200, deployments, {})}
    return api


# -- Grafana ---------------------------------------------------------------------------
DASHBOARD_HTML = """<!doctype html><html><head><title>Checkout</title>
<style>body{font:24px sans-serif;margin:0;padding:20px}#panel{height:300px}</style></head><body>
<h1>Checkout latency</h1><div id="panel">loading</div>
<script>
const q = new URLSearchParams(location.search);
const from = Number(q.get('from')), to = Number(q.get('to'));
setTimeout(() => {
  const panel = document.getElementById('panel');
  panel.textContent = 'range ' + new Date(from).toISOString() + ' to ' + new Date(to).toISOString();
  panel.style.background = 'hsl(' + (from / 60000 % 360) + ',70%,60%)';
  panel.className = 'ready';
}, 300);
</script></body></html>"""
NEVER_READY_HTML = "<!doctype html><html><body><div id='panel'>loading forever</div></body></html>"


def grafana_api() -> FakeApi:
    return FakeApi("grafana", {
        "/d/checkout/checkout-latency": lambda q: (200, DASHBOARD_HTML, {}),
        "/d/stuck/never-loads": lambda q: (200, NEVER_READY_HTML, {}),
        "/api/annotations": lambda q: (200, [{"id": 1, "dashboardUID": q["dashboardUID"][0], "time": int(q["from"][0]) + 1,
                                              "text": "Deploy v2.4.1"}], {}),
    })
