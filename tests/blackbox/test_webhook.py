"""The PagerDuty v3 webhook receiver: signatures, replays, bad bodies, event types.

Written from PagerDuty's webhook documentation: "Verifying Signatures"
(https://developer.pagerduty.com/docs/verifying-signatures: ``X-PagerDuty-Signature`` holds
comma-separated ``v1=<hex HMAC-SHA256 of the raw body>`` values, one per secret during a
rotation), the v3 overview (https://developer.pagerduty.com/docs/webhooks-overview: the
``{"event": {id, event_type, occurred_at, data}}`` envelope) and "Behavior"
(https://developer.pagerduty.com/docs/webhook-behavior: ``X-Webhook-Id`` repeats on
redelivery, retries for about 20 minutes, webhooks above 256 KB are dropped).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading

import pytest

from pmsite.blackbox.queue import Queue
from pmsite.blackbox.runner import Context
from pmsite.blackbox.settings import Secrets, load_settings
from pmsite.blackbox.webhook import Worker, make_server, signature, signature_valid
from pmsite.config import load_config
from pmsite.timeline import TimelineSettings

SECRET = "whsec-test-0123456789abcdef"
NOW = dt.datetime(2026, 3, 7, 15, 3, tzinfo=dt.timezone.utc)


def event(event_type: str = "incident.resolved", occurred: dt.datetime = NOW - dt.timedelta(seconds=20),
          incident: str = "Q1ABCDEF", event_id: str = "01EVENT") -> bytes:
    return json.dumps({"event": {"id": event_id, "event_type": event_type, "resource_type": "incident",
                                 "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                                 "agent": {"type": "user_reference", "summary": "Tom Okafor"},
                                 "data": {"id": incident, "type": "incident", "number": 42}}}).encode()


@pytest.fixture
def server(site_root):
    config = load_config(site_root)
    context = Context(config=config, settings=load_settings(config, environ={}),
                      secrets=Secrets({"PAGERDUTY_WEBHOOK_SECRET": SECRET}), timeline_settings=TimelineSettings(),
                      now=lambda: NOW)
    queue = Queue(site_root / "queue.sqlite")
    httpd = make_server("127.0.0.1", 0, queue, context, Worker(queue, context))  # the worker is not started
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd, queue
    httpd.shutdown()
    httpd.server_close()
    queue.close()


def post(httpd, body: bytes, headers: dict[str, str] | None = None, path: str = "/pagerduty"):
    connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=10)
    connection.request("POST", path, body, {"Content-Type": "application/json"} | (headers or {}))
    reply = connection.getresponse()
    data = reply.read()
    connection.close()
    return reply.status, (json.loads(data) if data else None)


def test_signature_of_the_documented_algorithm():
    body = b'{"event":{"id":"x"}}'
    assert signature_valid(signature(SECRET, body), [SECRET], body)
    assert signature_valid(f"v1={'0' * 64},{signature(SECRET, body)}", [SECRET], body)  # rotation: any may match
    assert signature_valid(signature("old-secret-value", body), [SECRET, "old-secret-value"], body)
    assert not signature_valid(signature(SECRET, body).replace("v1=", "v0="), [SECRET], body)
    assert not signature_valid(signature(SECRET, body), [SECRET], body + b" ")
    assert not signature_valid("", [SECRET], body)
    assert not signature_valid(signature("", body), [], body)


def test_valid_signature_queues_a_collection(server):
    httpd, queue = server
    body = event()
    assert post(httpd, body, {"X-PagerDuty-Signature": signature(SECRET, body), "X-Webhook-Id": "W1"}) == (
        202, {"status": "queued", "job": 1})
    assert [(j.incident, j.state) for j in queue.jobs()] == [("Q1ABCDEF", "queued")]


def test_one_valid_signature_among_several_is_enough(server):
    httpd, _ = server
    body = event()
    header = f"v1={'ab' * 32},{signature(SECRET, body)}"
    assert post(httpd, body, {"X-PagerDuty-Signature": header})[0] == 202


@pytest.mark.parametrize("header", [None, "", "v1=" + "00" * 32, "sha256=" + "00" * 32, "v1="])
def test_unsigned_or_mis_signed_requests_get_401_and_no_detail(server, header):
    httpd, queue = server
    headers = {} if header is None else {"X-PagerDuty-Signature": header}
    assert post(httpd, event(), headers) == (401, None)
    assert queue.jobs() == []


def test_a_signature_for_another_body_is_refused(server):
    httpd, queue = server
    assert post(httpd, event(incident="QOTHER1"), {"X-PagerDuty-Signature": signature(SECRET, event())}) == (401, None)
    assert queue.jobs() == []


def test_a_replayed_request_with_an_old_timestamp_is_refused(server):
    httpd, queue = server
    old = event(occurred=NOW - dt.timedelta(hours=2))
    assert post(httpd, old, {"X-PagerDuty-Signature": signature(SECRET, old)}) == (401, None)
    future = event(occurred=NOW + dt.timedelta(hours=1))
    assert post(httpd, future, {"X-PagerDuty-Signature": signature(SECRET, future)}) == (401, None)
    assert queue.jobs() == []


def test_a_redelivered_event_queues_once(server):
    httpd, queue = server
    body = event()
    headers = {"X-PagerDuty-Signature": signature(SECRET, body), "X-Webhook-Id": "W-same"}
    assert post(httpd, body, headers)[0] == 202
    assert post(httpd, body, headers) == (202, {"status": "duplicate event", "job": 1})
    other = event(event_id="02OTHER")  # a second resolve of the same incident while it waits
    assert post(httpd, other, {"X-PagerDuty-Signature": signature(SECRET, other)}) == (
        202, {"status": "already queued", "job": 1})
    assert len(queue.jobs()) == 1


def test_other_event_types_are_acknowledged_not_queued(server):
    httpd, queue = server
    body = event("incident.acknowledged")
    assert post(httpd, body, {"X-PagerDuty-Signature": signature(SECRET, body)}) == (
        200, {"status": "ignored", "event_type": "incident.acknowledged", "duplicate": False})
    assert queue.jobs() == []


def test_a_signed_body_that_is_not_json_is_a_400(server):
    httpd, _ = server
    body = b"event=incident.resolved"
    assert post(httpd, body, {"X-PagerDuty-Signature": signature(SECRET, body)}) == (
        400, {"error": "the body is not JSON"})
    body = b'{"messages": []}'
    assert post(httpd, body, {"X-PagerDuty-Signature": signature(SECRET, body)})[0] == 400


def test_a_body_over_the_cap_is_refused_unread(server):
    httpd, queue = server
    body = b"{" + b" " * (256 * 1024) + b"}"
    assert post(httpd, body, {"X-PagerDuty-Signature": signature(SECRET, body)}) == (
        413, {"error": "the body is larger than 262144 bytes"})
    assert queue.jobs() == []


def test_only_the_webhook_path_accepts_posts(server):
    httpd, _ = server
    body = event()
    assert post(httpd, body, {"X-PagerDuty-Signature": signature(SECRET, body)}, path="/other")[0] == 404
