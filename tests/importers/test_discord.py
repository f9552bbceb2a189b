"""DiscordChatExporter JSON: authors, replies, edits, embeds, offsets to UTC."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pmsite.importers import ImportOptions, Source, TimelineError, detect_kind
from pmsite.importers import discord
from tests.conftest import REPO_ROOT

EXPORT = REPO_ROOT / "tests" / "fixtures" / "timeline" / "discord-customer-escalations.json"


def read(path=EXPORT):
    return discord.read(Source(path, path.name), ImportOptions())


def test_detected_from_content_and_times_converted_from_local_offset():
    assert detect_kind(Source(EXPORT, EXPORT.name)) == "discord"
    first_message = read()[1]
    assert first_message.time == dt.datetime(2024, 3, 7, 23, 44, 20, 123000, tzinfo=dt.timezone.utc)
    assert first_message.source == "discord #customer-escalations"
    assert first_message.link == ("https://discord.com/channels/701234567890123456/711234567890123456/"
                                  "1215000000000000002")


def test_nickname_preferred_replies_and_edits_marked():
    events = read()
    assert events[1].who == "Lena (Support)" and events[1].person
    assert events[2].who == "marco.p"
    assert events[2].text == "↳ reply to Lena (Support): Same from two merchants in DE, escalating to @Priya (edited)"


def test_housekeeping_and_bots_are_labelled_embeds_and_files_kept():
    events = read()
    assert events[0].kind == "join"
    assert events[3].kind == "bot" and not events[3].person
    assert events[3].text == "Investigating: Slow checkout We are investigating slow checkouts."
    assert events[6].text == "Merchants confirm checkout works again [file: ok.png]"


def test_not_an_export_is_a_clear_error(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"guild": {}, "messages": "none"}))
    with pytest.raises(TimelineError, match=r"^other.json: expected a DiscordChatExporter JSON export"):
        read(other)


def test_message_without_time_names_the_message(tmp_path):
    data = json.loads(EXPORT.read_text())
    del data["messages"][4]["timestamp"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(TimelineError, match=r"^broken.json message 5: missing or empty time stamp"):
        read(broken)
