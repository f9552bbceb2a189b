"""Malformed and hostile exports of every kind: a one-line error naming the file (and record), exit 2.

Each case starts from a small valid export and breaks one thing the way a
hand-edited, truncated or hostile file does: wrong types in every field the
readers use, non-finite and huge numbers as times, impossible dates, deep
nesting. None may end in "unexpected problem" (an unhandled exception).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from pmsite.cli import cli

DISCORD = {"guild": {"id": "1", "name": "Acme"}, "channel": {"id": "2", "name": "support"},
           "messages": [{"id": "10", "type": "Default", "timestamp": "2024-03-07T23:44:20+01:00",
                         "content": "checkout is slow", "author": {"id": "7", "name": "sam", "isBot": False},
                         "embeds": [{"title": "t"}], "attachments": [{"fileName": "a.png"}],
                         "reference": None, "timestampEdited": None}]}
PAGERDUTY = {"incident": {"title": "Checkout slow", "html_url": "https://acme.pagerduty.com/incidents/Q1",
                          "created_at": "2024-03-07T23:41:30Z", "resolved_at": "2024-03-08T00:06:12Z",
                          "service": {"summary": "checkout-api"}},
             "log_entries": [{"type": "trigger_log_entry", "created_at": "2024-03-07T23:41:30Z",
                              "agent": {"type": "service_reference", "summary": "checkout-api"},
                              "channel": {"type": "api"}, "incident": {"summary": "[#1] Checkout slow"},
                              "service": {"summary": "checkout-api"}},
                             {"type": "annotate_log_entry", "created_at": "2024-03-07T23:50:00Z",
                              "agent": {"type": "user_reference", "summary": "Priya"},
                              "channel": {"type": "note", "content": "rolled back"}},
                             {"type": "assign_log_entry", "created_at": "2024-03-07T23:51:00Z",
                              "assignees": [{"summary": "Tom"}], "agent": {"summary": "PagerDuty"}},
                             {"type": "notify_log_entry", "created_at": "2024-03-07T23:52:00Z",
                              "user": {"summary": "Tom"}, "channel": {"type": "sms"}}]}
SLACK_USERS = [{"id": "U1", "name": "priya", "profile": {"display_name": "Priya", "real_name": "Priya R"}}]
SLACK_CHANNELS = [{"id": "C1", "name": "inc"}]
SLACK_MESSAGES = [{"type": "message", "user": "U1", "ts": "1709852400.000100", "text": "rolling back <@U1>"},
                  {"type": "message", "user": "U1", "ts": "1709852460.000200", "thread_ts": "1709852400.000100",
                   "text": "done", "attachments": [{"fallback": "graph"}], "files": [{"title": "x.png"}]},
                  {"type": "message", "subtype": "bot_message", "username": "Alertmanager",
                   "ts": "1709852470.000300", "text": "[FIRING] p99", "bot_profile": {"name": "am"}}]


def _set(path: tuple, value: Any) -> Callable[[Any], Any]:
    """A mutation that puts ``value`` at ``path`` of a deep copy."""
    def mutate(data: Any) -> Any:
        data = copy.deepcopy(data)
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return data
    return mutate


WRONG_VALUES = {"list": [1, 2], "object": {"a": 1}, "number": 12.5, "true": True, "nested": [[{"x": []}]]}
TIME_VALUES = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "huge": 1e300, "hugeint": 10**30,
               "negative": -1e18, "year-1": "0001-01-01T00:00:00+05:00", "year-9999": "9999-12-31T23:59:59-05:00",
               "feb-30": "2024-02-30T10:00:00Z", "list": ["2024-03-07T23:00:00Z"], "object": {"t": 1}, "text": "soon"}


def _json_cases(kind: str, base: Any, paths: list[tuple], time_paths: list[tuple]) -> list:
    cases = [pytest.param(kind, json.dumps(_set(path, value)(base), allow_nan=True),
                          id=f"{kind}-{'.'.join(map(str, path))}={name}")
             for path in paths for name, value in WRONG_VALUES.items()]
    cases += [pytest.param(kind, json.dumps(_set(path, value)(base), allow_nan=True),
                           id=f"{kind}-{'.'.join(map(str, path))}=time-{name}")
              for path in time_paths for name, value in TIME_VALUES.items()]
    return cases


DISCORD_CASES = _json_cases("discord", DISCORD, [
    ("guild",), ("channel",), ("channel", "name"), ("messages",), ("messages", 0), ("messages", 0, "id"),
    ("messages", 0, "type"), ("messages", 0, "content"), ("messages", 0, "author"), ("messages", 0, "author", "name"),
    ("messages", 0, "embeds"), ("messages", 0, "embeds", 0), ("messages", 0, "attachments"),
    ("messages", 0, "attachments", 0, "fileName"), ("messages", 0, "reference"), ("messages", 0, "timestampEdited"),
], [("messages", 0, "timestamp")])
PAGERDUTY_CASES = _json_cases("pagerduty", PAGERDUTY, [
    ("incident",), ("incident", "title"), ("incident", "html_url"), ("incident", "service"),
    ("incident", "service", "summary"), ("log_entries",), ("log_entries", 0), ("log_entries", 0, "type"),
    ("log_entries", 0, "agent"), ("log_entries", 0, "agent", "summary"), ("log_entries", 0, "incident"),
    ("log_entries", 0, "incident", "summary"), ("log_entries", 0, "service"), ("log_entries", 1, "channel"),
    ("log_entries", 1, "channel", "content"), ("log_entries", 2, "assignees"), ("log_entries", 2, "assignees", 0),
    ("log_entries", 3, "user"), ("log_entries", 3, "channel", "type"),
], [("incident", "created_at"), ("incident", "resolved_at"), ("log_entries", 1, "created_at")])
LOG_CASES = _json_cases("logs", {"ts": "2024-03-07T23:00:00Z", "msg": "started", "service": "api", "level": "warn"},
                        [("msg",), ("service",), ("level",)], [("ts",)])


def _slack_cases() -> list:
    cases = []
    for name, mutate in [("users", lambda u, c, m: (WRONG_VALUES["object"], c, m)),
                         ("users.0", lambda u, c, m: ([7], c, m)),
                         ("channels", lambda u, c, m: (u, {"x": 1}, m)),
                         ("messages", lambda u, c, m: (u, c, {"x": 1}))]:
        cases.append(pytest.param("slack", mutate, id=f"slack-{name}=wrong"))
    for field in ("id", "name", "profile", "real_name", "is_bot"):
        for value_name, value in WRONG_VALUES.items():
            cases.append(pytest.param("slack", lambda u, c, m, f=field, v=value: ([dict(u[0], **{f: v})], c, m),
                                      id=f"slack-users.0.{field}={value_name}"))
    cases += [pytest.param("slack", lambda u, c, m, v=value: ([dict(u[0], profile={"display_name": v})], c, m),
                           id=f"slack-users.0.profile.display_name={value_name}")
              for value_name, value in WRONG_VALUES.items()]
    for field in ("id", "name"):
        cases += [pytest.param("slack", lambda u, c, m, f=field, v=value: (u, [dict(c[0], **{f: v})], m),
                               id=f"slack-channels.0.{field}={value_name}") for value_name, value in WRONG_VALUES.items()]
    for index, field in [(0, "text"), (0, "user"), (0, "subtype"), (0, "user_profile"), (1, "thread_ts"),
                         (1, "attachments"), (1, "files"), (1, "edited"), (2, "bot_profile"), (2, "username"),
                         (2, "bot_id")]:
        for value_name, value in WRONG_VALUES.items():
            cases.append(pytest.param(
                "slack", lambda u, c, m, i=index, f=field, v=value: (u, c, [dict(x, **{f: v}) if j == i else x
                                                                           for j, x in enumerate(m)]),
                id=f"slack-messages.{index}.{field}={value_name}"))
    for value_name, value in [*TIME_VALUES.items(), ("nan-text", "nan"), ("inf-text", "1e400"), ("big", "9" * 400)]:
        cases.append(pytest.param("slack", lambda u, c, m, v=value: (u, c, [dict(m[0], ts=v)]),
                                  id=f"slack-messages.0.ts={value_name}"))
    cases += [pytest.param("slack", lambda u, c, m: (u, c, [{"subtype": "message_changed", "message": {"text": "x"}}]),
                           id="slack-edit-without-ts"),
              pytest.param("slack", lambda u, c, m: (u, c, [{"subtype": "message_changed", "message": [1]}]),
                           id="slack-edit-message-list"),
              pytest.param("slack", lambda u, c, m: (u, c, [{"subtype": "message_deleted", "deleted_ts": [1]}]),
                           id="slack-delete-ts-list")]
    return cases


TEXT_CASES = [
    pytest.param("logs", "Feb 30 12:00:00 web-1 nginx: impossible day\n", id="syslog-feb-30"),
    pytest.param("logs", "Mar  7 25:61:99 web-1 nginx: impossible time\n", id="syslog-25h"),
    pytest.param("logs", "0001-01-01T00:00:00+05:00 too early\n", id="iso-year-1"),
    pytest.param("logs", "9999-12-31T23:59:59-05:00 too late\n", id="iso-year-9999"),
    pytest.param("logs", '{"ts": 1e999, "msg": "x"}\n', id="jsonl-inf-literal"),
    pytest.param("logs", '{"ts": NaN, "msg": "x"}\n', id="jsonl-nan-literal"),
    pytest.param("logs", '{"ts": ' + "9" * 5000 + ', "msg": "x"}\n', id="jsonl-int-5000-digits"),
    pytest.param("logs", '{"ts": "2024-03-07T23:00:00Z", "msg": ' + "[" * 100000 + "]" * 100000 + "}\n",
                 id="jsonl-deep-nesting"),
    pytest.param("logs", "time,message\n99999999999999,x\n", id="csv-huge-epoch"),
    pytest.param("logs", "time,message\n2024-03-07T23:00:00Z,\x00x\n", id="csv-nul"),
    pytest.param("pagerduty", '{"log_entries": ' + "[" * 100000 + "]" * 100000 + "}", id="pagerduty-deep-nesting"),
    pytest.param("discord", '{"guild": {}, "messages": ' + "[" * 50000 + "]" * 50000 + "}", id="discord-deep-nesting"),
    pytest.param("discord", '{"guild": {}, "messages": [{"timestamp": NaN}]}', id="discord-nan-literal"),
    pytest.param("pagerduty", '{"incident": {"created_at": -Infinity}}', id="pagerduty-inf-literal"),
]


def _write(tmp_path: Path, kind: str, content: Any) -> Path:
    if kind == "slack":
        users, channels, messages = content(SLACK_USERS, SLACK_CHANNELS, SLACK_MESSAGES)
        root = tmp_path / "export"
        (root / "inc").mkdir(parents=True)
        (root / "users.json").write_text(json.dumps(users, allow_nan=True))
        (root / "channels.json").write_text(json.dumps(channels, allow_nan=True))
        (root / "inc" / "2024-03-07.json").write_text(json.dumps(messages, allow_nan=True))
        return root
    path = tmp_path / ("export.jsonl" if kind == "logs" else "export.json")
    path.write_text(content, encoding="utf-8")
    return path


def _check(runner, tmp_path: Path, kind: str, content: Any) -> None:
    path = _write(tmp_path, kind, content)
    result = runner.invoke(cli, ["-C", str(tmp_path), "timeline", f"{kind}:{path.name}", "--format", "json"])
    if result.exit_code == 0:  # some wrong values are harmless (a number where text is optional)
        json.loads(result.stdout)
        return
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "unexpected problem" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path.name}"), result.stderr
    assert len(lines[0]) < 400


@pytest.mark.parametrize("kind,content", DISCORD_CASES + PAGERDUTY_CASES + LOG_CASES + _slack_cases() + TEXT_CASES)
def test_a_malformed_export_is_a_one_line_error_naming_the_file(runner, tmp_path, kind, content):
    _check(runner, tmp_path, kind, content)


@pytest.mark.parametrize("kind,content,expected", [
    ("discord", json.dumps(_set(("messages", 0, "timestamp"), float("nan"))(DISCORD), allow_nan=True),
     "Error: export.json:"),
    ("pagerduty", json.dumps(_set(("log_entries", 1, "created_at"), 1e300)(PAGERDUTY)),
     "Error: export.json log entry 2: time stamp 1e+300 is not a time"),
    ("logs", "Feb 30 12:00:00 web-1 nginx: impossible day\n", "Error: export.jsonl:1: 'Feb 30 12:00:00' is not a real date"),
    ("logs", "0001-01-01T00:00:00+05:00 too early\n", "Error: export.jsonl:1: time 0001-01-01T00:00:00+05:00 is outside"),
    ("pagerduty", json.dumps(_set(("log_entries", 0, "type"), 12.5)(PAGERDUTY)),
     "Error: export.json log entry 1: 'type' should be text, not a number"),
    ("discord", json.dumps(_set(("messages", 0, "author"), "sam")(DISCORD)),
     "Error: export.json message 1: 'author' should be an object, not text"),
])
def test_the_message_names_the_record_and_what_is_wrong(runner, tmp_path, kind, content, expected):
    path = _write(tmp_path, kind, content)
    result = runner.invoke(cli, ["-C", str(tmp_path), "timeline", f"{kind}:{path.name}"])
    assert result.exit_code == 2 and result.stderr.startswith(expected), result.stderr


def test_slack_wrong_types_name_the_day_file_and_message(runner, tmp_path):
    path = _write(tmp_path, "slack", lambda u, c, m: (u, c, [dict(m[0], text=["x"])]))
    result = runner.invoke(cli, ["-C", str(tmp_path), "timeline", f"slack:{path.name}"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: export/inc/2024-03-07.json message 1: 'text' should be text, not a list")


CONTROL = "a\u001b[2Jb\u0000c\u009bd\ud800e\r\nf\u007f"


@pytest.mark.parametrize("output_format", ["markdown", "csv", "json"])
def test_control_characters_and_surrogates_in_exports_never_reach_the_output(runner, tmp_path, output_format):
    discord = _set(("messages", 0, "content"), CONTROL)(_set(("messages", 0, "author", "name"), CONTROL)(DISCORD))
    (tmp_path / "d.json").write_text(json.dumps(discord))
    (tmp_path / "app.jsonl").write_text(json.dumps({"ts": "2024-03-07T23:00:00Z", "msg": CONTROL, "service": CONTROL})
                                        + "\n")
    result = runner.invoke(cli, ["-C", str(tmp_path), "timeline", "discord:d.json", "logs:app.jsonl",
                                 "--format", output_format])
    assert result.exit_code == 0, result.output
    text = json.loads(result.stdout)["events"][0]["text"] if output_format == "json" else result.stdout
    assert not any(ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF
                   for c in result.stdout)
    assert "a\ufffd[2Jb\ufffdc\ufffdd\ufffde" in text


def test_a_draft_from_hostile_exports_validates(runner, tmp_path):
    (tmp_path / "content" / "postmortems").mkdir(parents=True)
    (tmp_path / "pmsite.yaml").write_text("title: T\n")
    incident = _set(("incident", "service", "summary"), CONTROL)(_set(("incident", "html_url"),
                                                                     "https://pd.example/i/\u001b[2J")(PAGERDUTY))
    (tmp_path / "incident.json").write_text(json.dumps(incident))
    (tmp_path / "d.json").write_text(json.dumps(_set(("messages", 0, "content"), CONTROL)(DISCORD)))
    result = runner.invoke(cli, ["-C", str(tmp_path), "new", "Checkout down", "-s", "SEV3", "-t", "availability",
                                 "--incident", "incident.json", "--timeline", "discord:d.json"])
    assert result.exit_code == 0, result.output
    checked = runner.invoke(cli, ["-C", str(tmp_path), "validate"])
    assert checked.exit_code == 0, checked.output
