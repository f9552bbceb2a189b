"""The work folder: private modes, redaction on the way in, names from API answers kept inside."""

from __future__ import annotations

import json

import pytest

from pmsite.blackbox.slack import safe_name
from pmsite.blackbox.workdir import SourceFolder, pack_redactor, private_dir


def test_every_text_is_redacted_before_it_is_written_keys_included(tmp_path):
    redactor = pack_redactor({"redact": [{"name": "ticket", "pattern": r"TCK-\d{6}"}]}, ["my-own-pagerduty-token"])
    folder = SourceFolder(tmp_path, "slack", redactor)
    folder.reset()
    path = folder.write_json("day.json", [{"text": "psql postgres://admin:hunter2@db", "ghp_" + "x" * 36: 1,
                                           "note": "TCK-123456 with my-own-pagerduty-token", "n": 3}])
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == [{"text": "psql postgres://admin:[REDACTED:url-password]@db", "[REDACTED:github-token]": 1,
                     "note": "[REDACTED:ticket] with [REDACTED:configured-token]", "n": 3}]
    assert dict(folder.redacted) == {"url-password": 1, "github-token": 1, "ticket": 1, "configured-token": 1}
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)


def test_a_retried_source_starts_from_an_empty_folder(tmp_path):
    folder = SourceFolder(tmp_path, "github", pack_redactor({}, []))
    folder.reset()
    folder.write_json("acme__old.json", {})
    folder.reset()
    assert list(folder.path.iterdir()) == []


@pytest.mark.parametrize("name", ["../escape.json", "/etc/passwd", "a/../../b.json", "."])
def test_names_that_would_leave_the_folder_are_refused(tmp_path, name):
    folder = SourceFolder(tmp_path / "work", "slack", pack_redactor({}, []))
    folder.reset()
    with pytest.raises(ValueError, match="would leave"):
        folder.write_json(name, {})
    assert not (tmp_path / "escape.json").exists()


def test_channel_names_become_safe_folder_names():
    assert safe_name("inc-42_checkout") == "inc-42_checkout"
    assert safe_name("../../Evil Name") == "evil-name"
    assert safe_name("..") == "channel"


def test_private_dir_makes_every_missing_parent_private(tmp_path):
    private_dir(tmp_path / "a" / "b" / "c")
    assert [(tmp_path / p).stat().st_mode & 0o777 for p in ("a", "a/b", "a/b/c")] == [0o700] * 3
