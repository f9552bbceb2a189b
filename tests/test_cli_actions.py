"""``pmsite actions`` and ``pmsite metrics`` end to end on small folders (no git: front-matter only)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from pmsite.cli import cli
from tests.conftest import write
from tests.test_aggregate import PM_A, PM_B, PM_C

ISSUE_FIELDS = {"postmortem_id", "id", "title", "owner", "priority", "category", "kind", "status", "due",
                "completed", "overdue", "days_overdue", "escalation", "stale"}
NO_GIT = ("warning: content/postmortems:1: this folder is not in a git repository; "
          "publication and completion dates come from the front-matter only\n")


@pytest.fixture
def three(site_root: Path) -> Path:
    for name, text in (("a.md", PM_A), ("b.md", PM_B), ("c.md", PM_C)):
        write(site_root / "content" / "postmortems" / name, text, dedent=False)
    return site_root


def invoke(runner, root: Path, *args: str, code: int = 0):
    result = runner.invoke(cli, ["-C", str(root), *args])
    assert result.exit_code == code, result.output
    return result


def test_overdue_text(runner, three: Path):
    result = invoke(runner, three, "actions", "--overdue", "--as-of", "2024-03-01")
    assert result.stdout == (
        "POSTMORTEM  ITEM  STATUS       PRI  OWNER  DUE         LATE  ESCALATION       TITLE\n"
        "PM-A        AI-2  open         P2   team   2024-02-10  20d   director, stale  Fix AI-2\n"
        "PM-C        AI-1  in_progress  P2   team   2024-02-25  5d    reminder         Fix AI-1\n"
        "2 action items, 2 overdue as of 2024-03-01\n"
    )
    assert result.stderr == NO_GIT


def test_json_has_the_fields_of_the_issue(runner, three: Path):
    result = invoke(runner, three, "actions", "--format", "json", "--as-of", "2024-03-01")
    items = json.loads(result.stdout)["action_items"]
    assert len(items) == 5
    assert ISSUE_FIELDS <= set(items[0])
    first = {key: items[0][key] for key in ISSUE_FIELDS}
    assert first == {"postmortem_id": "PM-A", "id": "AI-1", "title": "Fix AI-1", "owner": "team", "priority": "P1",
                     "category": "monitoring", "kind": "systemic", "status": "done", "due": "2024-02-01",
                     "completed": "2024-01-25", "overdue": False, "days_overdue": 0, "escalation": None,
                     "stale": False}


@pytest.mark.parametrize("args, expected", [
    (("--status", "done"), [("PM-A", "AI-1"), ("PM-B", "AI-1")]),
    (("--status", "open", "--status", "wont_do"), [("PM-A", "AI-2"), ("PM-B", "AI-2")]),
    (("--team", "platform"), [("PM-C", "AI-1")]),
    (("--team", "search", "--priority", "P3"), [("PM-B", "AI-2")]),
    (("--service", "checkout", "--overdue", "--priority", "P2"), [("PM-A", "AI-2"), ("PM-C", "AI-1")]),
    (("--owner", "nobody"), []),
])
def test_filters(runner, three: Path, args, expected):
    result = invoke(runner, three, "actions", *args, "--format", "json", "--as-of", "2024-03-01")
    assert [(i["postmortem_id"], i["id"]) for i in json.loads(result.stdout)["action_items"]] == expected


def test_csv(runner, three: Path):
    result = invoke(runner, three, "actions", "--format", "csv", "--as-of", "2024-03-01", "--team", "search")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["postmortem_id"], r["id"], r["overdue"], r["teams"]) for r in rows] == [
        ("PM-B", "AI-1", "false", "search"), ("PM-B", "AI-2", "false", "search"),
        ("PM-C", "AI-1", "true", "search;platform")]


def test_nothing_matches(runner, three: Path):
    result = invoke(runner, three, "actions", "--owner", "nobody", "--as-of", "2024-03-01")
    assert result.stdout == "no action items match (as of 2024-03-01)\n"


def test_bad_date_is_a_usage_error(runner, three: Path):
    result = invoke(runner, three, "actions", "--as-of", "soon", code=2)
    assert "Invalid value for '--as-of': 'soon' is not a date; write YYYY-MM-DD, e.g. 2025-01-31" in result.stderr


def test_missing_content_folder(runner, tmp_path: Path):
    result = invoke(runner, tmp_path, "actions", code=2)
    assert result.stderr == ("Error: content/postmortems: no such file or folder; create it, run 'pmsite init', "
                             "or set content_dir in pmsite.yaml\n")


def test_a_broken_file_is_skipped_with_its_error(runner, three: Path):
    write(three / "content" / "postmortems" / "broken.md", "---\nid: [oops\n---\n", dedent=False)
    result = invoke(runner, three, "actions", "--format", "json", "--as-of", "2024-03-01")
    assert len(json.loads(result.stdout)["action_items"]) == 5
    assert "error: content/postmortems/broken.md:2: YAML syntax error" in result.stderr


def test_metrics_json_shape(runner, three: Path):
    result = invoke(runner, three, "metrics", "--format", "json", "--as-of", "2024-03-01", "--by", "severity")
    document = json.loads(result.stdout)
    assert {"summary", "postmortems", "groups"} <= set(document)
    assert document["summary"]["incidents"] == 3
    first = document["postmortems"][0]
    assert {"id", "published_at", "time_to_publish_days", "revisions", "contributors"} <= set(first)
    assert first["time_to_publish_days"] == 10
    assert sorted(document["groups"]) == ["SEV1", "SEV2", "SEV3"]
    assert document["groups"]["SEV2"]["action_items"]["on_time_rate"] == 0.0


def test_metrics_window(runner, three: Path):
    result = invoke(runner, three, "metrics", "--since", "2024-02-01", "--until", "2024-02-10", "--format", "json",
                    "--as-of", "2024-03-01")
    assert [p["id"] for p in json.loads(result.stdout)["postmortems"]] == ["PM-B"]


def test_metrics_text(runner, three: Path):
    result = invoke(runner, three, "metrics", "--as-of", "2024-03-01")
    lines = result.stdout.splitlines()
    assert lines[0] == "Metrics for all incidents up to 2024-03-01"
    assert "time to detect        median 10 min, p90 26 min (n = 3)" in lines
    assert "learning health       52/100" in lines
    assert "  PM-A -> PM-B -> PM-C [pool-exhaustion]" in lines


def test_metrics_text_durations_in_the_unit_that_fits(runner, three: Path):
    result = invoke(runner, three, "metrics", "--since", "2024-01-01", "--until", "2024-02-29", "--as-of", "2024-03-01")
    lines = result.stdout.splitlines()
    assert lines[0] == "Metrics for incidents from 2024-01-01 to 2024-02-29 (as of 2024-03-01)"
    resolve = next(line for line in lines if line.startswith("time to resolve"))
    assert re.fullmatch(r"time to resolve +median [\d.]+ (min|h|d), p90 [\d.]+ (min|h|d) \(n = 3\)", resolve), resolve
    assert ", 0 git contributors" in result.stdout  # a folder without git


def test_since_after_until(runner, three: Path):
    result = invoke(runner, three, "metrics", "--since", "2024-03-01", "--until", "2024-01-01", code=2)
    assert result.stderr.endswith("Error: --since 2024-03-01 is after --until 2024-01-01; swap them\n")


def test_the_reports_load_helper_leaves_out_broken_files_and_may_do_without_content(three: Path):
    """``actions``, ``metrics`` and ``pulse report`` share one loader (git history mined alongside)."""
    from pmsite.cli.common import load_with_history, without_broken
    from pmsite.config import load_config
    from pmsite.errors import ContentError

    write(three / "content" / "postmortems" / "broken.md", "---\nid: [oops\n---\n", dedent=False)
    loaded, history = load_with_history(load_config(three))
    assert len(loaded.postmortems) == 4 and history is not None
    kept = without_broken(loaded.postmortems, loaded.findings)
    assert sorted(pm.display_path.rsplit("/", 1)[1] for pm in kept) == ["a.md", "b.md", "c.md"]
    warnings_only = [f for f in loaded.findings if f.severity != "error"]
    assert len(without_broken(loaded.postmortems, warnings_only)) == 4
    empty = three / "empty"
    empty.mkdir()
    (empty / "pmsite.yaml").write_text("title: t\n", encoding="utf-8")
    assert load_with_history(load_config(empty), missing_ok=True)[0] is None  # no content folder yet
    with pytest.raises(ContentError):
        load_with_history(load_config(empty))
