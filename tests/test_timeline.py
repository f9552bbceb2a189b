"""Merging exports into one timeline: order, window, noise, pseudonyms, formats, the CLI and drafts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
import yaml

from pmsite.cli import cli
from pmsite.importers import TimelineEvent
from pmsite.timeline import (TimelineSettings, build_timeline, settings_from_config, to_csv, to_json, to_markdown)
from tests.conftest import REPO_ROOT, write

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "timeline"
UTC = dt.timezone.utc
SECRET_SHAPES = re.compile(r"ghp_|xox[bp]-|eyJhbGci|pa55w0rd|Bearer ey")


def at(minute, second=0):
    return dt.datetime(2024, 3, 7, 23, minute, second, tzinfo=UTC)


def event(minute, text="restarted the pod", kind="message", who="Priya", source="slack #inc", person=True, second=0):
    return TimelineEvent(time=at(minute, second), source=source, who=who, text=text, kind=kind, person=person)


def build(*sources, **options):
    return build_timeline([list(s) for s in sources], TimelineSettings(), **options)


def timeline_cli(runner, *args):
    return runner.invoke(cli, ["-C", str(FIXTURES), "timeline", *args])


# -- merge and window ----------------------------------------------------------------
def test_sources_merge_in_time_order_and_equal_times_keep_source_order():
    slack = [event(5, "a"), event(7, "c")]
    paging = [event(5, "b", source="pagerduty", kind="acknowledge"), event(6, "x", source="pagerduty", kind="note")]
    assert [e.text for e in build(slack, paging).events] == ["a", "b", "x", "c"]
    assert [e.text for e in build(paging, slack).events] == ["b", "a", "x", "c"]


def test_since_and_until_are_inclusive():
    events = [event(m, f"m{m}") for m in (1, 2, 3, 4)]
    assert [e.text for e in build(events, since=at(2), until=at(3)).events] == ["m2", "m3"]


# -- noise ---------------------------------------------------------------------------
NOISE = [
    (event(1, "<@U1> has joined the channel", kind="join"), "join-leave"),
    (event(1, "left", kind="leave"), "join-leave"),
    (event(2, "set the channel topic: checkout", kind="channel-change"), "channel-change"),
    (event(3, "This message was deleted.", kind="deleted"), "deleted"),
    (event(4, ":eyes: :+1:"), "reaction-only"),
    (event(4, "👍"), "reaction-only"),
    (event(5, "+1"), "acknowledgement"),
    (event(5, "Ack."), "acknowledgement"),
    (event(5, "thanks!"), "acknowledgement"),
    (event(6, "Reminder: standup notes are due", kind="bot", who="Standup Bot", person=False), "bot-not-alert"),
    (event(7, "Notified Priya by sms", kind="notify", source="pagerduty"), "paging-chatter"),
    (event(7, "Assigned to Priya", kind="assign", source="pagerduty"), "paging-chatter"),
]
KEPT = [
    event(8, "+1 to rolling back, the 23:35 deploy touched the payment client"),
    event(8, "ok so redis is fine", second=1),
    event(9, "[FIRING:1] CheckoutLatencyHigh", kind="bot", who="Alertmanager", person=False),
    event(9, "Investigating: slow checkout", kind="bot", who="Statuspage", person=False, second=5),
    event(10, "Acknowledged", kind="acknowledge", source="pagerduty"),
]


def test_each_noise_rule_drops_its_events_and_counts_them():
    timeline = build([e for e, _ in NOISE] + KEPT)
    assert [e.text for e in timeline.events] == [e.text for e in KEPT]
    expected = {}
    for _, rule in NOISE:
        expected[rule] = expected.get(rule, 0) + 1
    assert {rule: n for rule, n in timeline.dropped.items() if n} == expected
    assert timeline.dropped["duplicate"] == 0


def test_keep_noise_keeps_everything():
    timeline = build([e for e, _ in NOISE] + KEPT, keep_noise=True)
    assert len(timeline.events) == len(NOISE) + len(KEPT)
    assert not any(timeline.dropped.values())


def test_the_same_event_from_two_exports_is_kept_once():
    trigger = event(1, "Triggered: CheckoutLatencyHigh", kind="trigger", source="pagerduty", who="checkout-api")
    again = event(1, "Triggered: CheckoutLatencyHigh", kind="trigger", source="pagerduty", who="Alertmanager")
    timeline = build([trigger], [again])
    assert len(timeline.events) == 1 and timeline.dropped["duplicate"] == 1


def test_configured_alert_patterns_keep_matching_bot_messages():
    settings = settings_from_config({"alert_patterns": [r"canary [\w-]+ failed"]})
    bot = event(1, "canary eu-west failed", kind="bot", who="Deploy Bot", person=False)
    assert build_timeline([[bot]], settings).events == [bot]
    assert build([bot]).events == []


# -- redaction and pseudonyms ----------------------------------------------------------
def test_secrets_are_redacted_in_text_and_links_and_counted():
    leaked = TimelineEvent(at(1), "slack #inc", "Tom", "token ghp_R7xQm2LpVn8KcT4wZy6HbJd3FsGa9EuNo1Ik",
                           link="https://admin:hunter2@ci.internal/job/1", person=True)
    timeline = build([leaked])
    assert timeline.events[0].text == "token [REDACTED:github-token]"
    assert timeline.events[0].link == "https://admin:[REDACTED:url-password]@ci.internal/job/1"
    assert timeline.redacted == {"github-token": 1, "url-password": 1}


def test_pseudonyms_are_stable_roles_win_and_names_in_text_are_replaced():
    settings = settings_from_config({"roles": {"Priya": "Incident commander"}})
    events = [event(1, "rolling back, cc @Tom Becker", who="Sam"),
              event(2, "thanks Sam, Priya here", who="Tom Becker"),
              event(3, "Sam: looks good", who="Sam"),
              event(4, "[FIRING] p99", kind="bot", who="Alertmanager", person=False),
              event(5, "ack from Priya", who="Priya")]
    result = build_timeline([events], settings, pseudonymize=True).events
    assert [e.who for e in result] == ["Person A", "Person B", "Person A", "Alertmanager", "Incident commander"]
    assert result[0].text == "rolling back, cc @Person B"
    assert result[1].text == "thanks Person A, Incident commander here"
    assert result[4].text == "ack from Incident commander"


# -- formats ---------------------------------------------------------------------------
def sample():
    return build([TimelineEvent(at(2, 11), "slack #inc", "Priya", "p99 | 2s\nlooking", "https://x.example/a b"),
                  TimelineEvent(at(3), "pagerduty", "Tom", "Acknowledged")])


def test_markdown_table_escapes_pipes_and_newlines():
    lines = to_markdown(sample()).splitlines()
    assert lines[0] == "| Time (UTC) | Source | Who | Event |"
    assert lines[2] == "| 2024-03-07 23:02:11 | slack #inc | Priya | p99 \\| 2s<br>looking ([link](https://x.example/a%20b)) |"
    assert all(line.count(" | ") == 3 for line in lines if not line.startswith("| ---"))


def test_csv_has_the_same_columns_and_parses_back():
    rows = list(csv.reader(io.StringIO(to_csv(sample()))))
    assert rows[0] == ["Time (UTC)", "Source", "Who", "Event"]
    assert rows[1] == ["2024-03-07T23:02:11Z", "slack #inc", "Priya", "p99 | 2s\nlooking (https://x.example/a b)"]


def test_json_shape():
    data = json.loads(to_json(sample()))
    assert data["events"][1] == {"time": "2024-03-07T23:03:00Z", "source": "pagerduty", "who": "Tom",
                                 "text": "Acknowledged", "link": ""}
    assert set(data["dropped"]) >= {"join-leave", "acknowledgement", "bot-not-alert", "duplicate"}


# -- the command -------------------------------------------------------------------------
ALL_SOURCES = ["slack-export", "pagerduty-incident.json", "pagerduty-log-entries.json",
               "discord-customer-escalations.json", "checkout-api.jsonl", "deploys.csv", "gateway.log"]


def test_cli_merges_every_fixture_without_leaking_secrets(runner):
    result = timeline_cli(runner, *ALL_SOURCES, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    times = [e["time"] for e in data["events"]]
    assert times == sorted(times) and times[0] == "2024-03-07T23:35:00Z" and times[-1] == "2024-03-08T00:10:00Z"
    assert not SECRET_SHAPES.search(result.stdout)
    texts = [e["text"] for e in data["events"]]
    assert sum(t.startswith("Triggered:") for t in texts) == 1  # incident and log entries agree
    assert "+1" not in texts and not any("has joined" in t for t in texts)
    assert data["dropped"]["paging-chatter"] == 2 and data["dropped"]["duplicate"] == 2
    assert result.stderr == ""


def test_cli_markdown_reports_dropped_counts_on_stderr(runner):
    result = timeline_cli(runner, "slack-export", "--channel", "inc-checkout")
    assert result.exit_code == 0
    assert result.stdout.startswith("| Time (UTC) | Source | Who | Event |\n")
    assert result.stderr.startswith("dropped 7 noise events (join-leave 2, channel-change 1, deleted 1, "
                                    "reaction-only 1, acknowledgement 1, bot-not-alert 1")
    assert "redacted 2 secrets (bearer-token 1, github-token 1)" in result.stderr


def test_cli_since_until_and_pseudonymize(runner):
    result = timeline_cli(runner, "slack-export", "pagerduty-log-entries.json", "--since", "2024-03-08T00:45:00+01:00",
                          "--until", "2024-03-08T00:06:12Z", "--pseudonymize", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert [r[0] for r in rows] == ["2024-03-07T23:45:12Z", "2024-03-07T23:46:00Z", "2024-03-07T23:47:20Z",
                                    "2024-03-07T23:53:45Z", "2024-03-07T23:56:30Z", "2024-03-07T23:58:00Z",
                                    "2024-03-08T00:02:10Z", "2024-03-08T00:05:40Z", "2024-03-08T00:06:00Z",
                                    "2024-03-08T00:06:12Z"]
    assert not {"Priya", "Tom Becker", "sam", "Priya Raman"} & {r[2] for r in rows}
    assert "Alertmanager" in {r[2] for r in rows}


@pytest.mark.parametrize("args,message", [
    (["redis-syslog.log"], "Error: redis-syslog.log:1: time "),
    (["mixed-offsets.log"], "Error: mixed-offsets.log:2: mixes time stamps with a UTC offset"),
    (["nowhere.json"], "Error: nowhere.json: no such file or folder\n"),
    (["slack-export", "--since", "2024-03-07"], "Error: Invalid value for '--since': '2024-03-07' has no UTC offset"),
    (["gateway.log", "--tz", "Mars/Olympus"], "Error: Invalid value for '--tz': 'Mars/Olympus' is not an IANA time zone"),
])
def test_cli_errors_are_one_line_and_exit_2(runner, args, message):
    result = timeline_cli(runner, *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""


def test_cli_reads_settings_from_pmsite_yaml(runner, site_root):
    (site_root / "pmsite.yaml").write_text(
        "title: T\ntimeline:\n  slack_url: https://acme.slack.com\n  redact: ['p99 back to \\d+ms']\n", encoding="utf-8")
    export = str(FIXTURES / "slack-export")
    result = runner.invoke(cli, ["-C", str(site_root), "timeline", export, "--format", "json"])
    events = json.loads(result.stdout)["events"]
    assert any(e["text"].endswith("rollback finished, [REDACTED:custom]") for e in events)
    assert all(e["link"].startswith("https://acme.slack.com/archives/") for e in events)


def test_cli_bad_timeline_config_is_named(runner, site_root):
    (site_root / "pmsite.yaml").write_text("timeline:\n  redact: ['(']\n", encoding="utf-8")
    result = runner.invoke(cli, ["-C", str(site_root), "timeline", str(FIXTURES / "deploys.csv")])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: pmsite.yaml: timeline.redact[0] '(' is not a valid regular expression")


# -- pmsite new --timeline --incident -----------------------------------------------------
def test_new_fills_timeline_and_front_matter_from_exports(runner, site_root):
    result = runner.invoke(cli, ["-C", str(site_root), "new", "Checkout latency after deploy", "-s", "SEV2",
                                 "-t", "performance", "--timeline", str(FIXTURES / "slack-export"),
                                 "--incident", str(FIXTURES / "pagerduty-incident.json")])
    assert result.exit_code == 0, result.output
    [path] = (site_root / "content" / "postmortems").glob("*.md")
    assert path.name == "2024-03-07-checkout-latency-after-deploy.md"  # the incident's day
    text = path.read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["started_at"] == meta["detected_at"] == dt.datetime(2024, 3, 7, 23, 41, 30, tzinfo=UTC)
    assert meta["resolved_at"] == dt.datetime(2024, 3, 8, 0, 6, 12, tzinfo=UTC)
    assert meta["services"] == ["checkout-api"] and meta["detection"] == "alert"
    assert meta["incident_url"] == "https://acme.pagerduty.com/incidents/Q2XWN4K0ABCDEF"
    timeline = text.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    assert "| Time (UTC) | Source | Who | Event |" in timeline
    assert "| 2024-03-07 23:41:30 | pagerduty | checkout-api | Triggered: CheckoutLatencyHigh" in timeline
    assert "rollback finished" in timeline and not SECRET_SHAPES.search(text)
    check = runner.invoke(cli, ["-C", str(site_root), "validate"])
    assert check.exit_code == 0, check.output


def test_new_writes_nothing_when_an_export_is_bad(runner, site_root):
    bad = write(site_root / "bad.json", '{"log_entries": [}')
    result = runner.invoke(cli, ["-C", str(site_root), "new", "Checkout", "-s", "SEV3", "-t", "performance",
                                 "--timeline", f"pagerduty:{bad}"])
    assert result.exit_code == 2
    assert "bad.json:1:18: not valid JSON" in result.stderr
    assert list((site_root / "content" / "postmortems").iterdir()) == []
