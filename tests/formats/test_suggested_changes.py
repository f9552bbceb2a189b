"""Drop-in rewrites reach pull requests: rdjson ``suggestions`` (reviewdog) and SARIF ``fixes``."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pmsite.cli import main
from pmsite.formats import FORMATS, FormatOptions
from pmsite.model import Finding, Fix
from tests.conftest import REPO_ROOT, write

RDJSON_SCHEMA = json.loads((REPO_ROOT / "tests" / "fixtures" / "rdjson" / "DiagnosticResult.json").read_text())
SARIF_SCHEMA = json.loads((REPO_ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text())

POSTMORTEM = """\
---
id: PM-2026-007
title: Café orders lost during failover
status: draft
severity: SEV3
type: data-loss
date: 2026-11-02
authors: [dana]
participants: [dana, omar]
---

## What happened

Über-alert: the on-call engineer carelessly restarted the wrong cluster.

Omar should have known that the flag was shared across tenants.
"""


def _lint(site_root, capsys, output_format: str) -> dict:
    path = write(site_root / "content" / "postmortems" / "2026-11-02-cafe.md", POSTMORTEM)
    with pytest.raises(SystemExit):
        main(["-C", str(site_root), "lint", "--no-cache", "--format", output_format, str(path)])
    return json.loads(capsys.readouterr().out)


def test_rdjson_validates_against_reviewdogs_schema_and_carries_suggestions(site_root, capsys):
    document = _lint(site_root, capsys, "rdjson")
    jsonschema.validate(document, RDJSON_SCHEMA)
    diagnostics = document["diagnostics"]
    assert {d["code"]["value"] for d in diagnostics} >= {"blame/judgmental-word", "hindsight/should-have-known"}
    judged = next(d for d in diagnostics if d["code"]["value"] == "blame/judgmental-word")
    (suggestion,) = judged["suggestions"]
    assert "carelessly" not in suggestion["text"] and suggestion["text"].endswith("cluster.")
    # Columns are UTF-8 bytes: "Über" takes five bytes for four characters before the sentence.
    line = POSTMORTEM.split("\n")[suggestion["range"]["start"]["line"] - 1]
    assert suggestion["range"]["start"]["column"] == len(line[:line.index("Über")].encode()) + 1
    word_start = judged["location"]["range"]["start"]["column"]
    assert line.encode()[word_start - 1:].startswith(b"carelessly")
    assert judged["severity"] in ("ERROR", "WARNING") and judged["code"]["url"].startswith("https://")
    # Advice-only findings carry no suggestion: reviewdog would otherwise post advice as a code change.
    advice = next(d for d in diagnostics if d["code"]["value"] == "hindsight/should-have-known")
    assert "suggestions" not in advice and "Suggestion:" in advice["message"]


def test_sarif_fixes_replace_the_sentence_and_validate(site_root, capsys):
    log = _lint(site_root, capsys, "sarif")
    jsonschema.validate(log, SARIF_SCHEMA)
    results = log["runs"][0]["results"]
    fixed = [r for r in results if "fixes" in r]
    assert [r["ruleId"] for r in fixed] == ["blame/judgmental-word"]
    (change,) = fixed[0]["fixes"][0]["artifactChanges"]
    (replacement,) = change["replacements"]
    assert replacement["insertedContent"]["text"].startswith("Über-alert: the on-call engineer restarted")
    assert replacement["deletedRegion"]["startLine"] == fixed[0]["locations"][0]["physicalLocation"]["region"]["startLine"]


def test_rdjson_without_file_text_keeps_character_columns():
    finding = Finding(path="a.md", line=2, column=3, rule="blame/judgmental-word", category="blame",
                      severity="error", message="m", fix=Fix(2, 1, 2, 9, "New text."))
    document = json.loads(FORMATS["rdjson"]([finding], FormatOptions()))
    jsonschema.validate(document, RDJSON_SCHEMA)
    assert document["diagnostics"][0]["suggestions"] == [
        {"range": {"start": {"line": 2, "column": 1}, "end": {"line": 2, "column": 9}}, "text": "New text."}]


def test_a_fix_survives_the_json_round_trip_of_the_lint_cache():
    finding = Finding(path="a.md", line=1, column=1, rule="r/x", category="r", severity="info", message="m",
                      fix=Fix(1, 1, 1, 4, "abc"))
    again = Finding(**json.loads(json.dumps(finding.to_dict())))
    assert again == finding and isinstance(again.fix, Fix)
