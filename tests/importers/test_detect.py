"""Choosing the reader: content-based detection and the ``kind:PATH`` override."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsite.importers import ImportOptions, Source, TimelineError, detect_kind, parse_spec, read_source
from tests.conftest import REPO_ROOT, write

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "timeline"


def test_folder_export_is_slack():
    assert detect_kind(Source(FIXTURES / "slack-export", "slack-export")) == "slack"


def test_kind_prefix_forces_the_reader_and_resolves_the_path(tmp_path):
    kind, source = parse_spec("logs:notes.txt", tmp_path)
    assert kind == "logs" and source.path == tmp_path / "notes.txt" and source.display == "notes.txt"
    assert parse_spec("C:/x.json", tmp_path)[0] is None


def test_forced_kind_reads_a_file_detection_would_not_recognise(tmp_path):
    write(tmp_path / "entries.json", '\n\n   [{"type": "trigger_log_entry", "created_at": "2024-03-07T23:41:30Z"}]')
    events = read_source("pagerduty:entries.json", ImportOptions(), tmp_path)
    assert [e.kind for e in events] == ["trigger"]


def test_unknown_file_says_how_to_force_a_kind(tmp_path):
    write(tmp_path / "notes.txt", "we rolled back at some point\n")
    with pytest.raises(TimelineError, match=r"^notes.txt: cannot tell what kind of export this is .* "
                                            r"force the kind with one of slack:notes.txt, discord:notes.txt"):
        read_source("notes.txt", ImportOptions(), tmp_path)


def test_malformed_json_is_reported_during_detection(tmp_path):
    write(tmp_path / "export.json", '{\n  "messages": [\n    {"id": 1,}\n  ]\n}')
    with pytest.raises(TimelineError, match=r"^export.json:3:14: not valid JSON \(Expecting property name"):
        read_source("export.json", ImportOptions(), tmp_path)


def test_missing_path(tmp_path: Path):
    with pytest.raises(TimelineError, match=r"^gone.json: no such file or folder$"):
        read_source("gone.json", ImportOptions(), tmp_path)
