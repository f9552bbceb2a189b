"""``pulse ask --via slack`` against a local server implementing Slack's incoming-webhook contract.

Contract, from Slack's "Sending messages using incoming webhooks"
(https://api.slack.com/messaging/webhooks, section "Handling errors") and the
error change notice (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks):
POST a JSON body with ``text`` (the notification fallback) and optionally
``blocks`` to the secret URL ``/services/T.../B.../token``; the answer is
``200 ok`` as plain text, or an HTTP error whose plain-text body names it:
400 ``invalid_payload`` / ``no_text``, 403 ``action_prohibited``,
404 ``channel_not_found`` / ``no_service``, 410 ``channel_is_archived``,
429 with ``Retry-After`` when rate limited.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pmsite.cli import cli
from pmsite.pulse.slack import message, question_of_week

SECRET_PATH = "/services/T000TEST/B000TEST/s3cr3tt0k3n"


class Webhook:
    def __init__(self):
        self.received: list[dict] = []
        self.status = {"channel": "ok"}

    def handler(self):
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, code: int, text: str, headers: dict | None = None):
                self.send_response(code)
                self.send_header("Content-Type", "text/html")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(text.encode())

            def do_POST(self):
                if self.path != SECRET_PATH:
                    return self.reply(404, "no_service")
                if self.headers.get("Content-Type") != "application/json":
                    return self.reply(400, "invalid_payload")
                try:
                    payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                except ValueError:
                    return self.reply(400, "invalid_payload")
                if not isinstance(payload, dict) or not payload.get("text"):
                    return self.reply(400, "no_text")
                if not isinstance(payload.get("blocks", []), list):
                    return self.reply(400, "invalid_blocks")
                state = hook.status["channel"]
                if state == "archived":
                    return self.reply(410, "channel_is_archived")
                if state == "limited":
                    return self.reply(429, "rate_limited", {"Retry-After": "30"})
                hook.received.append(payload)
                return self.reply(200, "ok")

        return Handler


@pytest.fixture
def webhook():
    hook = Webhook()
    server = ThreadingHTTPServer(("127.0.0.1", 0), hook.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook.url = f"http://127.0.0.1:{server.server_address[1]}{SECRET_PATH}"
    yield hook
    server.shutdown()
    server.server_close()


def ask(runner, root, url, *args):
    return runner.invoke(cli, ["-C", str(root), "pulse", "ask", "--via", "slack", *args],
                         env={"PMSITE_PULSE_SLACK_WEBHOOK": url})


def test_question_and_form_link_are_posted(runner, pulse_root, webhook):
    result = ask(runner, pulse_root, webhook.url, "--question", "inc1", "--form-url", "https://pulse.example/")
    assert result.exit_code == 0, result.output
    assert result.output == "asked inc1 on slack: If I caused an incident, I could say so without fear.\n"
    [payload] = webhook.received
    assert "If I caused an incident, I could say so without fear." in payload["text"]
    assert "https://pulse.example/?only=inc1" in payload["text"]
    assert payload["blocks"][1]["text"]["text"].startswith("<https://pulse.example/?only=inc1|Answer anonymously>")
    assert SECRET_PATH not in result.output


@pytest.mark.parametrize(("state", "expected"), [
    ("archived", "Error: Slack refused the message: HTTP 410 (channel_is_archived)\n"),
    ("limited", "Error: Slack refused the message: HTTP 429 (rate_limited); Slack asks to wait 30 s\n"),
])
def test_slack_errors_are_one_line_without_the_secret(runner, pulse_root, webhook, state, expected):
    webhook.status["channel"] = state
    result = ask(runner, pulse_root, webhook.url, "--form-url", "https://pulse.example/")
    assert result.exit_code == 2
    assert result.output == expected
    assert "s3cr3t" not in result.output


def test_wrong_webhook_path_reports_no_service(runner, pulse_root, webhook):
    result = ask(runner, pulse_root, webhook.url.replace("s3cr3tt0k3n", "revoked"), "--form-url", "https://x/")
    assert result.output == "Error: Slack refused the message: HTTP 404 (no_service)\n"


def test_missing_webhook_or_form_url_is_explained(runner, pulse_root):
    assert ask(runner, pulse_root, "").output == (
        "Error: set PMSITE_PULSE_SLACK_WEBHOOK to the Slack incoming-webhook URL\n")
    result = ask(runner, pulse_root, "https://hooks.slack.com/services/x")
    assert result.output.startswith("Error: give --form-url or set pulse.form_url")


def test_mrkdwn_control_characters_are_escaped(settings):
    from pmsite.pulse.settings import Question

    blocks = message(Question("q", "Is <!channel> & <b> safe?"), "https://f/")["blocks"]
    assert "&lt;!channel&gt; &amp; &lt;b&gt;" in blocks[0]["text"]["text"]


def test_weekly_rotation_asks_every_question(settings):
    monday = dt.date(2026, 1, 5)
    asked = {question_of_week(settings, monday + dt.timedelta(weeks=n)).id for n in range(len(settings.questions))}
    assert asked == set(settings.by_id)
