"""``pmsite pulse serve``: a one-question-per-page form on the standard library's HTTP server.

Plain HTML forms, no JavaScript, no cookies, nothing logged. A submitted answer
is stored as (team, ISO week, question, answer) and nothing else: the client's
address, user agent and the time of day are never read into the record, and the
week file is kept sorted, so the row order does not tell who answered when.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from pmsite.pulse.settings import PulseSettings, Question
from pmsite.pulse.store import Answer, PulseError, add_answers, answer_problem, iso_week

MAX_BODY = 4096
LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Somewhat disagree", 4: "Neither agree nor disagree",
          5: "Somewhat agree", 6: "Agree", 7: "Strongly agree"}
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'",
}
STYLE = ("body{font:1.1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
         "fieldset{border:1px solid #767676;padding:1rem}label{display:block;padding:.3rem 0}"
         "button{font:inherit;padding:.4rem 1rem;margin:.8rem .5rem 0 0}.error{color:#a00000}")


def _page(title: str, body: str) -> bytes:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>").encode()


class PulseForm:
    """What the handler needs: the settings, the clock (a date: the week is all that is kept) and a lock."""

    def __init__(self, settings: PulseSettings, today: Callable[[], dt.date] = dt.date.today):
        self.settings, self.today = settings, today
        self.lock = threading.Lock()

    def questions(self, only: str) -> list[Question]:
        return [q for q in self.settings.questions if q.id == only] if only else list(self.settings.questions)

    def start_page(self, only: str, error: str = "") -> bytes:
        teams = self.settings.teams
        choice = ('<label for="team">Your team</label><select id="team" name="team" required>'
                  + "".join(f'<option value="{escape(t)}">{escape(t)}</option>' for t in teams) + "</select>"
                  if teams else '<label for="team">Your team</label><input id="team" name="team" required>')
        hidden = f'<input type="hidden" name="only" value="{escape(only)}">' if only else ""
        problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
        return _page("Team pulse", f"{problem}<p>Anonymous: only your team, the week and your answers "
                     "are kept. No name, address or time of day. Teams with fewer than "
                     f"{self.settings.min_responses} people answering are never shown.</p>"
                     f'<form method="get" action="/question">{choice}{hidden}'
                     '<input type="hidden" name="n" value="0"><button type="submit">Start</button></form>')

    def question_page(self, team: str, number: int, only: str) -> bytes:
        questions = self.questions(only)
        question = questions[number]
        options = "".join(f'<label><input type="radio" name="answer" value="{v}" required> {v} – {escape(label)}'
                          "</label>" for v, label in LABELS.items())
        hidden = "".join(f'<input type="hidden" name="{name}" value="{escape(value)}">'
                         for name, value in (("team", team), ("n", str(number)), ("only", only)))
        return _page(f"Question {number + 1} of {len(questions)}",
                     f'<form method="post" action="/answer">{hidden}<fieldset><legend>{escape(question.text)}'
                     f"</legend>{options}</fieldset><button type=\"submit\">Answer</button></form>"
                     f'<form method="post" action="/answer">{hidden}<button type="submit">Skip this question'
                     "</button></form>")

    def answer(self, fields: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Store one answer (or a skip) and send the browser to the next question."""
        team, only = fields.get("team", ""), fields.get("only", "")
        questions = self.questions(only)
        number = fields.get("n", "")
        if not number.isdigit() or int(number) >= len(questions):
            return HTTPStatus.BAD_REQUEST, {}, self.start_page("", "That question does not exist: start again.")
        question = questions[int(number)]
        if "answer" in fields:
            problem = answer_problem(self.settings, team, question.id, fields["answer"])
            if problem:
                return HTTPStatus.BAD_REQUEST, {}, self.start_page(only, f"Not stored: {problem}.")
            with self.lock:
                add_answers(self.settings, [Answer(team, iso_week(self.today()), question.id, int(fields["answer"]))])
        elif self.settings.team_error(team):
            return HTTPStatus.BAD_REQUEST, {}, self.start_page(only, f"Not stored: {self.settings.team_error(team)}.")
        following = int(number) + 1
        target = (f"/question?{urlencode({'team': team, 'n': following, 'only': only})}"
                  if following < len(questions) else "/done")
        return HTTPStatus.SEE_OTHER, {"Location": target}, b""


def make_server(form: PulseForm, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        server_version = "pmsite-pulse"
        sys_version = ""

        def log_message(self, format: str, *args) -> None:
            return

        def send(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in {**HEADERS, **(extra or {})}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            only = query.get("only", "")
            if only and only not in form.settings.by_id:
                only = ""
            if url.path == "/":
                self.send(HTTPStatus.OK, form.start_page(only))
            elif url.path == "/question":
                team, number = query.get("team", ""), query.get("n", "0")
                problem = form.settings.team_error(team)
                if problem or not number.isdigit() or int(number) >= len(form.questions(only)):
                    self.send(HTTPStatus.BAD_REQUEST, form.start_page(only, problem or "That question does not exist."))
                else:
                    self.send(HTTPStatus.OK, form.question_page(team, int(number), only))
            elif url.path == "/done":
                self.send(HTTPStatus.OK, _page("Thank you", "<p>Your answers are stored without your name. "
                                               "You can close this page.</p>"))
            else:
                self.send(HTTPStatus.NOT_FOUND, _page("Not found", '<p><a href="/">Start the pulse</a></p>'))

        def do_POST(self) -> None:
            length = self.headers.get("Content-Length", "")
            if urlsplit(self.path).path != "/answer" or not length.isdigit() or int(length) > MAX_BODY:
                self.send(HTTPStatus.BAD_REQUEST, _page("Bad request", '<p><a href="/">Start again</a></p>'))
                return
            body = self.rfile.read(int(length)).decode("utf-8", "replace")
            fields = {k: v[0] for k, v in parse_qs(body).items()}
            try:
                status, extra, page = form.answer(fields)
            except PulseError as exc:  # a broken week file in the repository: say so, store nothing
                status, extra, page = HTTPStatus.INTERNAL_SERVER_ERROR, {}, _page("Not stored", f"<p>{escape(exc.message)}</p>")
            self.send(status, page, extra)

    return ThreadingHTTPServer((host, port), Handler)
