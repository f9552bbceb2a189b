"""``pulse serve``: the form over real HTTP on 127.0.0.1; what is stored and what is not."""

from __future__ import annotations

import datetime as dt
import http.client
import threading
from urllib.parse import urlencode

import pytest

from pmsite.config import load_config
from pmsite.pulse.form import PulseForm, make_server
from pmsite.pulse.settings import pulse_settings


@pytest.fixture
def form_server(settings):
    server = make_server(PulseForm(settings, today=lambda: dt.date(2026, 3, 4)), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def request(port: int, method: str, path: str, fields: dict | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = urlencode(fields).encode() if fields is not None else None
    sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})} if body is not None else headers or {}
    connection.request(method, path, body=body, headers=sent)
    reply = connection.getresponse()
    result = reply.status, dict(reply.getheaders()), reply.read().decode("utf-8")
    connection.close()
    return result


def test_answers_go_through_one_question_per_page_and_only_four_fields_are_stored(form_server, settings):
    status, headers, page = request(form_server, "GET", "/")
    assert status == 200 and '<select id="team" name="team" required>' in page and "<script" not in page
    status, _, page = request(form_server, "GET", "/question?team=search&n=0")
    assert status == 200 and "Question 1 of 10" in page
    assert "If you make a mistake on this team, it is often held against you." in page
    status, headers, _ = request(form_server, "POST", "/answer", {"team": "search", "n": "0", "only": "", "answer": "6"},
                                 {"User-Agent": "Mozilla/5.0 secret-agent", "Cookie": "who=ada"})
    assert status == 303 and headers["Location"] == "/question?team=search&n=1&only="
    assert "Set-Cookie" not in headers
    status, headers, _ = request(form_server, "POST", "/answer", {"team": "search", "n": "1", "only": ""})  # a skip
    assert status == 303 and headers["Location"].endswith("n=2&only=")
    request(form_server, "POST", "/answer", {"team": "search", "n": "9", "only": "", "answer": "2"})
    stored = (settings.folder / "2026-W10.csv").read_text(encoding="utf-8")
    assert stored == "team,week,question,answer\nsearch,2026-W10,inc3,2\nsearch,2026-W10,ps1,6\n"
    for leak in ("127.0.0.1", "secret-agent", "ada", ":"):
        assert leak not in stored


def test_last_question_leads_to_thanks(form_server):
    status, headers, _ = request(form_server, "POST", "/answer", {"team": "payments", "n": "0", "only": "inc1",
                                                                    "answer": "7"})
    assert status == 303 and headers["Location"] == "/done"
    assert request(form_server, "GET", "/done")[0] == 200


@pytest.mark.parametrize(("fields", "shown"), [
    ({"team": "marketing", "n": "0", "answer": "5"}, "unknown team &#x27;marketing&#x27;"),
    ({"team": "<script>alert(1)</script>", "n": "0", "answer": "5"}, "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ({"team": "search", "n": "0", "answer": "8"}, "answer &#x27;8&#x27; is outside 1-7"),
    ({"team": "search", "n": "77", "answer": "5"}, "That question does not exist"),
    ({"n": "0", "answer": "5"}, "unknown team &#x27;&#x27;"),
])
def test_bad_posts_are_refused_escaped_and_store_nothing(form_server, settings, fields, shown):
    status, _, page = request(form_server, "POST", "/answer", fields)
    assert status == 400
    assert shown in page
    assert "<script>alert" not in page
    assert not settings.folder.exists()


def test_question_text_is_escaped(pulse_root):
    (pulse_root / "pmsite.yaml").write_text(
        "pulse:\n  questions:\n    - {id: q1, text: '<b>bold</b> & \"quoted\"'}\n", encoding="utf-8")
    form = PulseForm(pulse_settings(load_config(pulse_root)))
    page = form.question_page("any team", 0, "").decode()
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;" in page and "<b>bold" not in page


def test_security_headers_and_no_logging(form_server, capsys):
    _, headers, _ = request(form_server, "GET", "/")
    assert headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    captured = capsys.readouterr()
    assert "127.0.0.1" not in captured.err + captured.out


def test_oversized_body_is_refused(form_server, settings):
    status, _, _ = request(form_server, "POST", "/answer", {"team": "search", "n": "0", "answer": "5", "x": "y" * 5000})
    assert status == 400 and not settings.folder.exists()
