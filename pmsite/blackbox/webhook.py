"""``blackbox serve``: receive PagerDuty v3 webhooks and work the queue.

Verification follows PagerDuty's "Verifying Signatures" page: the
``X-PagerDuty-Signature`` header holds one or more comma-separated ``v1=<hex>``
signatures (several during a secret rotation); a request is genuine when one of
them equals the hex HMAC-SHA256 of the raw body under the secret, compared in
constant time. The signature covers the body only, so a captured request could
be sent again later: the body's ``event.occurred_at`` must be recent
(PagerDuty retries for about 20 minutes; 30 are allowed) and each event id
(``X-Webhook-Id`` / ``event.id``) queues at most once. Anything unsigned,
mis-signed or stale gets 401 with an empty body. Bodies above
``max_body_bytes`` (PagerDuty drops webhooks above 256 KB) are refused unread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pmsite.blackbox.queue import Queue
from pmsite.blackbox.runner import Context, run_job
from pmsite.timeutil import parse_iso_datetime

LOG = logging.getLogger("pmsite.blackbox")
RESOLVED = "incident.resolved"
#: Clocks differ a little; an event from further in the future than this is refused too.
CLOCK_SKEW = dt.timedelta(minutes=5)


def signature(secret: str, body: bytes) -> str:
    """The header value PagerDuty would send for ``body`` (used by tests and docs)."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(header: str | None, secrets: list[str], body: bytes) -> bool:
    """True when one ``v1=`` signature in the header matches the body under one secret."""
    if not header or not secrets:
        return False
    offered = [part.strip()[3:] for part in header.split(",") if part.strip().startswith("v1=")]
    expected = [hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets]
    return any(hmac.compare_digest(o.encode(), e.encode()) for o in offered for e in expected)


def fresh(occurred_at: Any, now: dt.datetime, max_age: dt.timedelta) -> bool:
    parsed = parse_iso_datetime(occurred_at) if isinstance(occurred_at, str) else None
    if parsed is None or parsed.tzinfo is None:
        return False
    return now - max_age <= parsed <= now + CLOCK_SKEW


@dataclass
class Verdict:
    status: int
    body: dict[str, Any] | None = None
    queued_job: int | None = None


def handle_webhook(body: bytes, headers: dict[str, str], context: Context, queue: Queue) -> Verdict:
    """Decide on one delivery: the HTTP status and a short JSON answer (none for 401)."""
    secrets = [s for s in context.secrets.get("PAGERDUTY_WEBHOOK_SECRET").split(",") if s]
    if not signature_valid(headers.get("x-pagerduty-signature"), secrets, body):
        return Verdict(401)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Verdict(400, {"error": "the body is not JSON"})
    event = payload.get("event") if isinstance(payload, dict) else None
    if not isinstance(event, dict):
        return Verdict(400, {"error": "expected a PagerDuty v3 webhook: {\"event\": {...}}"})
    if not fresh(event.get("occurred_at"), context.now(), context.settings.max_age):
        return Verdict(401)
    event_type = str(event.get("event_type") or "")
    event_id = str(headers.get("x-webhook-id") or event.get("id") or "")
    if event_type != RESOLVED:
        duplicate = queue.seen_event(event_id, event_type) if event_id else False
        return Verdict(200, {"status": "ignored", "event_type": event_type[:100], "duplicate": duplicate})
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    incident = str(data.get("id") or "")
    if not incident.isalnum() or len(incident) > 40:
        return Verdict(400, {"error": "incident.resolved without an incident id in event.data.id"})
    job_id, status = queue.enqueue(incident, event_id)
    return Verdict(202, {"status": status, "job": job_id}, job_id if status == "queued" else None)


class Worker(threading.Thread):
    """Works queued jobs one at a time until stopped."""

    def __init__(self, queue: Queue, context: Context, poll_seconds: float = 1.0) -> None:
        super().__init__(name="blackbox-worker", daemon=True)
        self.queue, self.context, self.poll = queue, context, poll_seconds
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            job = self.queue.claim()
            if job is None:
                due = self.queue.seconds_until_due()
                self.wake.wait(self.poll if due is None else min(self.poll, max(due, 0.05)))
                self.wake.clear()
                continue
            LOG.info("collecting incident %s (job %s, attempt %s)", job.incident, job.id, job.attempts)
            try:
                outcome = run_job(self.queue, job, self.context)
            except Exception:  # e.g. the queue's disk vanished: keep serving, the job resumes at restart
                LOG.exception("job %s: stopped unexpectedly", job.id)
                self.stopping.wait(self.poll)
                continue
            LOG.info("job %s: %s: %s", job.id, outcome.state, outcome.message)
            if outcome.state == "done" and self.context.settings.publish.get("enabled"):
                from pmsite.blackbox.publish import publish_draft

                try:
                    LOG.info("job %s: %s", job.id, publish_draft(outcome.pack, self.context))
                except Exception as error:  # the pack is safe; a failed pull request is only reported
                    LOG.error("job %s: the draft was not proposed: %s", job.id, error)

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()


def make_server(host: str, port: int, queue: Queue, context: Context, worker: Worker) -> ThreadingHTTPServer:
    settings = context.settings

    class Handler(BaseHTTPRequestHandler):
        server_version = "pmsite-blackbox"
        sys_version = ""
        timeout = 10  # seconds per socket read: a client trickling its body cannot hold a thread

        def log_message(self, format: str, *args: Any) -> None:  # request lines only: no headers, no bodies
            LOG.info("%s %s", self.address_string(), format % args)

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._answer(200, {"status": "ok"})
            else:
                self._answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            if self.path.split("?", 1)[0] != settings.webhook_path:
                self._answer(404, {"error": "not found"})
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._answer(411, {"error": "Content-Length is required"})
                return
            if length < 0 or length > settings.max_body_bytes:
                self._answer(413, {"error": f"the body is larger than {settings.max_body_bytes} bytes"})
                return
            body = self.rfile.read(length)
            verdict = handle_webhook(body, {k.lower(): v for k, v in self.headers.items()}, context, queue)
            self._answer(verdict.status, verdict.body)
            if verdict.queued_job is not None:
                worker.wake.set()

        def _answer(self, status: int, body: dict[str, Any] | None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status in (411, 413):
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

    return ThreadingHTTPServer((host, port), Handler)
