"""Slack exports: folders and zips, names, markup, threads, edits, deletions, bad exports."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from pmsite.importers import ImportOptions, Source, TimelineError, detect_kind
from pmsite.importers import slack
from tests.conftest import REPO_ROOT

EXPORT = REPO_ROOT / "tests" / "fixtures" / "timeline" / "slack-export"
UTC = dt.timezone.utc


def read(path: Path, **options):
    return slack.read(Source(path, path.name), ImportOptions(**options))


def zip_export(target: Path, wrap: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(EXPORT.rglob("*.json")):
            archive.write(path, wrap + path.relative_to(EXPORT).as_posix())
    return target


def by_text(events, fragment):
    matches = [e for e in events if fragment in e.text]
    assert len(matches) == 1, [e.text for e in events]
    return matches[0]


def test_user_ids_become_display_names_and_markup_plain_text():
    events = read(EXPORT)
    here = by_text(events, "checkout p99 is above 2s")
    assert here.who == "Priya"  # profile.display_name wins
    assert here.text.startswith("@here checkout p99")
    assert "the checkout dashboard (https://grafana.example.com/d/checkout)" in here.text
    assert "<" not in here.text
    thanks = by_text(events, "resolving the page")
    assert thanks.text.endswith("Thanks @Tom Becker & @sam!")  # empty display_name falls back to real_name
    assert by_text(events, "Heads up").text == "Heads up: #inc-checkout is open for slow checkouts, updates there"


def test_times_are_utc_and_cross_midnight_files_are_read():
    events = read(EXPORT, channels=("inc-checkout",))
    times = [e.time for e in events]
    assert all(t.tzinfo is UTC or t.utcoffset() == dt.timedelta(0) for t in times)
    assert by_text(events, "FIRING").time == dt.datetime(2024, 3, 7, 23, 41, 5, 1009, tzinfo=UTC)
    assert by_text(events, "graph for the postmortem").time.date() == dt.date(2024, 3, 8)


def test_thread_replies_point_to_their_parent_even_across_midnight():
    events = read(EXPORT)
    reply = by_text(events, "rollback finished")
    assert reply.time.date() == dt.date(2024, 3, 8)
    assert reply.text.startswith("↳ in thread on Tom Becker's 23:45 message: ")
    parent = by_text(events, "should we roll it back")
    assert not parent.text.startswith("↳")


def test_kinds_label_noise_without_dropping_it():
    events = read(EXPORT, channels=("inc-checkout",))
    kinds = Counter(e.kind for e in events)
    assert kinds["join"] == kinds["leave"] == kinds["channel-change"] == kinds["deleted"] == 1
    assert kinds["bot"] == 3  # two Alertmanager posts and the standup reminder
    assert by_text(events, "Reminder").kind == "bot"


def test_bots_are_not_people_and_alert_text_comes_from_attachments():
    alert = by_text(read(EXPORT), "[FIRING:1] CheckoutLatencyHigh")
    assert alert.who == "Alertmanager" and alert.kind == "bot" and not alert.person
    assert by_text(read(EXPORT), "roll it back;").person


def test_edited_messages_are_marked_and_files_named():
    events = read(EXPORT)
    assert by_text(events, "redis looks fine").text.endswith("(edited)")
    assert by_text(events, "graph for the postmortem").text == "graph for the postmortem [file: p99 after rollback]"


def test_message_changed_and_message_deleted_events_are_applied(tmp_path):
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    day = export / "general" / "2024-03-07.json"
    messages = json.loads(day.read_text())
    messages.append({"type": "message", "user": "U02TOMB", "text": "typo'd", "ts": "1709855200.000100"})
    messages.append({"type": "message", "subtype": "message_changed", "ts": "1709855260.000200",
                     "message": {"type": "message", "user": "U02TOMB", "text": "fixed text", "ts": "1709855200.000100",
                                 "edited": {"user": "U02TOMB", "ts": "1709855260.000000"}}})
    messages.append({"type": "message", "user": "U03SAMO", "text": "oops secret", "ts": "1709855300.000300"})
    messages.append({"type": "message", "subtype": "message_deleted", "deleted_ts": "1709855300.000300",
                     "ts": "1709855310.000400"})
    day.write_text(json.dumps(messages))
    events = read(export, channels=("#general",))
    texts = {e.text: e.kind for e in events}
    assert "fixed text (edited)" in texts and "typo'd" not in texts
    assert texts["oops secret"] == "deleted"


def test_links_need_the_workspace_url():
    assert all(e.link == "" for e in read(EXPORT))
    reply = by_text(read(EXPORT, slack_url="https://acme.slack.com/"), "roll it back;")
    assert reply.link.startswith("https://acme.slack.com/archives/C01INCCHK/p1709855160000008?thread_ts=")


def test_zip_reads_like_the_folder_even_when_wrapped_in_a_folder(tmp_path):
    plain = zip_export(tmp_path / "export.zip")
    wrapped = zip_export(tmp_path / "wrapped.zip", wrap="Acme Slack export Mar 7 2024/")
    expected = [(e.time, e.who, e.text) for e in read(EXPORT)]
    assert [(e.time, e.who, e.text) for e in read(plain)] == expected
    assert [(e.time, e.who, e.text) for e in read(wrapped)] == expected
    assert detect_kind(Source(wrapped, "wrapped.zip")) == "slack"


def test_channel_filter_and_unknown_channel():
    assert {e.source for e in read(EXPORT, channels=("general",))} == {"slack #general"}
    with pytest.raises(TimelineError, match=r"no channel named ops in this export; it has general, inc-checkout"):
        read(EXPORT, channels=("ops",))


def test_missing_users_json_is_a_clear_error(tmp_path):
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    (export / "users.json").unlink()
    with pytest.raises(TimelineError, match=r"^export: this Slack export has no users.json"):
        read(export)


def test_malformed_day_file_names_file_line_and_column(tmp_path):
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    (export / "general" / "2024-03-07.json").write_text('[\n  {"ts": "1.0",\n   "text": oops}\n]')
    with pytest.raises(TimelineError, match=r"^export/general/2024-03-07.json:3:12: not valid JSON"):
        read(export)


@pytest.mark.parametrize("member", ["../evil.json", "/etc/users.json", "general/../../x.json", "C:/x.json"])
def test_zip_members_escaping_the_folder_are_refused(tmp_path, member):
    archive_path = zip_export(tmp_path / "export.zip")
    with zipfile.ZipFile(archive_path, "a") as archive:
        archive.writestr(member, "[]")
    with pytest.raises(TimelineError, match=r"export.zip: member .* points outside the export folder"):
        read(archive_path)


def test_zip_bombs_are_refused_without_unpacking(tmp_path):
    archive_path = zip_export(tmp_path / "export.zip")
    with zipfile.ZipFile(archive_path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("general/2024-03-09.json", b"[" + b" " * (40 * 1024 * 1024) + b"]")
    with pytest.raises(TimelineError, match=r"export.zip: would unpack to 4\d,\d{3},\d{3} bytes .* refusing this zip"):
        read(archive_path)
