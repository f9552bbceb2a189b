"""``pmsite blackbox serve`` as a real process: webhook in, pack out, and a SIGKILL mid-job.

The APIs are the local servers of tests/blackbox/fakes.py (PagerDuty REST API v2,
https://developer.pagerduty.com/api-reference/; Slack Web API, https://api.slack.com/methods;
GitHub REST API, https://docs.github.com/en/rest). Webhooks are signed as PagerDuty's
"Verifying Signatures" page describes (https://developer.pagerduty.com/docs/verifying-signatures).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from pmsite.blackbox.webhook import signature
from tests.blackbox import fakes
from tests.conftest import REPO_ROOT

SECRET = "whsec-serve-test-secret-0001"


class Server:
    """One ``pmsite blackbox serve`` process; its stderr is collected line by line."""

    def __init__(self, repo: Path) -> None:
        env = os.environ | {"PYTHONPATH": str(REPO_ROOT), "PAGERDUTY_WEBHOOK_SECRET": SECRET}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pmsite", "-C", str(repo), "blackbox", "serve", "--port", "0"],
            env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self.listening = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.listening.wait(30), self.lines
        self.port = int(re.search(r"listening on http://127\.0\.0\.1:(\d+)/pagerduty", "".join(self.lines))[1])

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)
            if line.startswith("listening on"):
                self.listening.set()

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("POST", "/pagerduty", body, headers)
        reply = connection.getresponse()
        result = reply.status, reply.read()
        connection.close()
        return result

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)


def resolved(event_id: str = "01RESOLVED") -> bytes:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"event": {"id": event_id, "event_type": "incident.resolved", "resource_type": "incident",
                                 "occurred_at": now, "data": {"id": fakes.INCIDENT_ID, "type": "incident"}}}).encode()


def signed(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-PagerDuty-Signature": signature(SECRET, body)}


def wait_for_pack(repo: Path, timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        packs = [p for p in (repo / "packs").glob("2026-*") if p.is_dir()] if (repo / "packs").is_dir() else []
        if packs and packs[0].with_name(packs[0].name + ".zip").exists():
            return packs[0]
        time.sleep(0.2)
    raise AssertionError(f"no finished pack within {timeout} s")


def test_a_signed_webhook_becomes_a_pack_within_a_minute_and_unsigned_ones_are_refused(repo, tokens):
    server = Server(repo)
    try:
        assert server.post(resolved(), {"Content-Type": "application/json"}) == (401, b"")
        started = time.monotonic()
        body = resolved()
        status, reply = server.post(body, signed(body))
        assert (status, json.loads(reply)) == (202, {"status": "queued", "job": 1})
        pack = wait_for_pack(repo)
        assert time.monotonic() - started < 60
        manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["sources"]["pagerduty"]["status"] == "done"
        assert "| slack #inc-42 |" in (pack / "timeline.md").read_text(encoding="utf-8")
    finally:
        assert server.stop() == 0
    assert not any(fakes.SLACK_TOKEN in line or SECRET in line for line in server.lines)


def test_serve_with_publish_enabled_proposes_each_draft(repo, tokens, apis):
    from tests.blackbox.test_publish import BRANCH, repository_with_remote

    _, remote, _ = repository_with_remote(repo, apis, "{enabled: true, repository: acme/postmortems}")
    server = Server(repo)
    try:
        body = resolved()
        assert server.post(body, signed(body))[0] == 202
        wait_for_pack(repo)
        deadline = time.monotonic() + 30
        while not apis["github"].calls("/repos/acme/postmortems/pulls") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        assert server.stop() == 0
    assert remote.references.get(f"refs/heads/{BRANCH}") is not None
    assert apis["github"].calls("/repos/acme/postmortems/pulls")[0].body["head"] == BRANCH
    assert any(f"on branch {BRANCH}: https://github.com/acme/postmortems/pull/7" in line for line in server.lines)


def test_a_collector_killed_mid_job_resumes_after_restart_without_duplicates(repo, tokens, apis):
    reached, gate = threading.Event(), threading.Event()
    apis["slack"].holds["/conversations.replies"] = (1, reached, gate)
    first = Server(repo)
    body = resolved()
    assert first.post(body, signed(body))[0] == 202
    assert reached.wait(30), first.lines  # PagerDuty done, Slack half-way through the thread
    first.process.send_signal(signal.SIGKILL)
    assert first.process.wait(30) == -signal.SIGKILL
    gate.set()

    second = Server(repo)
    try:
        pack = wait_for_pack(repo)
        assert second.post(body, signed(body)) == (202, b'{"status": "duplicate event", "job": 1}')
    finally:
        assert second.stop() == 0
    assert any("resuming interrupted job(s) 1" in line for line in second.lines)
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    slack = manifest["sources"]["slack"]
    assert slack["attempts"] == 2
    assert slack["retries"] == ["attempt 1 was interrupted (the collector stopped); started again"]
    assert manifest["sources"]["pagerduty"]["attempts"] == 1
    assert len(apis["pagerduty"].calls(f"/incidents/{fakes.INCIDENT_ID}")) == 1  # not collected twice
    rows = [line for line in (pack / "timeline.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| 2026-")]
    assert len(rows) == len(set(rows)) == 14
    texts = [m["text"] for f in (pack / "raw" / "slack" / "inc-42").glob("*.json")
             for m in json.loads(f.read_text(encoding="utf-8"))]
    assert sorted(texts) == sorted(set(texts)) and len(texts) == 9
