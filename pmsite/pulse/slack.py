"""``pmsite pulse ask --via slack``: post the week's question and the form link to a channel.

Slack incoming webhooks (https://api.slack.com/messaging/webhooks) take a POST
of JSON ``{"text": ..., "blocks": [...]}`` and answer ``200 ok``, or an HTTP
error whose plain-text body names the problem (``invalid_payload``, ``no_text``,
``channel_not_found``, ``channel_is_archived``, ``action_prohibited``...).
The webhook URL is a secret: it comes from an environment variable and no
message ever shows it (not even its path, which holds the token).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

from pmsite.pulse.settings import PulseSettings, Question
from pmsite.pulse.store import PulseError

SCALE = "1 = strongly disagree … 7 = strongly agree"


def question_of_week(settings: PulseSettings, day: dt.date) -> Question:
    """Rotate through the questions, one per ISO week, so each is asked as often as the others."""
    year, week, _ = day.isocalendar()
    return settings.questions[(year * 53 + week) % len(settings.questions)]


def _mrkdwn(text: str) -> str:
    """Slack's three control characters, escaped as its formatting reference asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(question: Question, form_url: str) -> dict[str, Any]:
    link = f"{form_url.rstrip('/')}/?only={question.id}"
    text = f"This week's team pulse: \"{question.text}\" ({SCALE}). Answer anonymously: {link}"
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text":
             f"*This week's team pulse*\n>{_mrkdwn(question.text)}\n_{SCALE}_"}},
            {"type": "section", "text": {"type": "mrkdwn", "text":
             f"<{_mrkdwn(link)}|Answer anonymously>: only your team, the week and your answer are kept."}},
        ],
    }


def post(webhook_url: str, payload: dict[str, Any], timeout: float = 15.0) -> None:
    """POST ``payload``; a refusal becomes a ``PulseError`` with Slack's reason and without the URL."""
    if not webhook_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise PulseError("the Slack webhook URL must start with https://")
    request = urllib.request.Request(webhook_url, data=json.dumps(payload).encode("utf-8"),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            body = reply.read(4096).decode("utf-8", "replace").strip()
    except urllib.error.HTTPError as error:
        reason = error.read(200).decode("utf-8", "replace").strip() or error.reason
        wait = f"; Slack asks to wait {error.headers.get('Retry-After')} s" if error.code == 429 else ""
        raise PulseError(f"Slack refused the message: HTTP {error.code} ({reason}){wait}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise PulseError(f"Slack's webhook did not answer ({getattr(error, 'reason', error)})") from None
    if body != "ok":
        raise PulseError(f"Slack answered {body[:100]!r} instead of 'ok'")
