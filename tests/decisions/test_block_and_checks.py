"""The ``decisions:`` block: schema and rule findings at the right lines, and byte-exact block edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsite.decisions.block import render_block, replace_block
from pmsite.decisions.model import decisions_of
from pmsite.errors import ContentError
from pmsite.load import parse_postmortem
from pmsite.validate import validate_file

HEAD = """---
id: PM-2024-011
title: Search latency after a cache flush
status: draft
severity: SEV3
type: performance
date: 2024-03-07
started_at: 2024-03-07T10:12:00Z
resolved_at: 2024-03-07T11:05:00Z
participants: [aiko, mateo]
"""
BODY = "---\n\n## Summary\n\nThe cache was flushed.\n"


def parsed(front: str):
    text = HEAD + front + BODY
    pm, findings = parse_postmortem(text, Path("pm.md"), "pm.md")
    assert findings == []
    return pm


def line_of(pm, needle: str) -> int:
    return next(number for number, line in enumerate(pm.text.split("\n"), 1) if needle in line)


def located(pm) -> list[tuple[int, str]]:
    return sorted((f.line, f.rule) for f in validate_file(pm))


GOOD = """decisions:
  - at: 2024-03-07T10:22:00+01:00
    who: on-call SRE
    situation: The p99 alert fired; the deploy log showed the synonym job.
    options:
      - option: Roll back the deploy
        would_take: A 15-minute redeploy
      - option: Raise the debounce
        known: It had shed load before
    chosen: raise the  debounce
    why: It took effect in seconds and could be undone.
    cues:
      - cue: latency dashboard averaged across regions
        tag: misleading
        signal: region-averaged-dashboard
"""


def test_a_well_formed_block_validates_and_reads_back():
    pm = parsed(GOOD.replace("+01:00", "Z"))
    assert validate_file(pm) == []
    [decision] = decisions_of(pm)
    assert decision.chosen_index == 1  # case and spacing do not matter
    assert decision.cues[0].tag == "misleading" and decision.options[0].would_take == "A 15-minute redeploy"


def test_times_outside_the_window_and_out_of_order_are_reported_at_their_at_lines():
    # 10:22+01:00 is 09:22Z: before the start at 10:12Z
    second = GOOD.split("\n", 1)[1].replace("10:22:00+01:00", "10:40:00Z")
    third = GOOD.split("\n", 1)[1].replace("10:22:00+01:00", "10:30:00Z")
    pm = parsed(GOOD + second + third)
    ats = [number for number, line in enumerate(pm.text.split("\n"), 1) if "- at:" in line]
    assert located(pm) == [(ats[0], "consistency/decision-outside-window"), (ats[2], "consistency/decision-order")]
    assert "is before the incident started (2024-03-07 10:12Z)" in validate_file(pm)[0].message


def test_after_resolution_unknown_choice_and_a_name_for_who():
    pm = parsed(GOOD.replace("10:22:00+01:00", "12:00:00Z").replace("chosen: raise the  debounce", "chosen: Rollback")
                .replace("who: on-call SRE", "who: Mateo"))
    findings = {f.rule: f for f in validate_file(pm)}
    assert findings["consistency/decision-outside-window"].line == line_of(pm, "- at:")
    assert "after the incident was resolved" in findings["consistency/decision-outside-window"].message
    choice = findings["consistency/decision-unknown-choice"]
    assert choice.line == line_of(pm, "chosen:") and "did you mean 'Roll back the deploy'?" in choice.suggestion
    assert findings["consistency/decision-who-is-a-name"].severity == "warning"


@pytest.mark.parametrize("change, needle, rule, words", [
    (("    why: It took effect in seconds and could be undone.\n", ""), "- at:", "schema/required", "has no 'why'"),
    (("2024-03-07T10:22:00+01:00", "2024-03-07T10:22:00"), "- at:", "schema/format", "no time zone offset"),
    (("tag: misleading", "tag: confusing"), "tag:", "schema/enum", "not an allowed value"),
    (("    options:\n", "    options: the rollback\n    unused:\n"), "options:", "schema/type", "must be a list"),
    (("        known: It had shed load before\n", "        knwon: It had shed load before\n"), "- option: Raise",
     "schema/additionalproperties", "knwon"),
])
def test_wrong_shapes_are_schema_findings_at_their_lines(change, needle, rule, words):
    pm = parsed(GOOD.replace(*change))
    found = [f for f in validate_file(pm) if f.rule == rule]
    assert found, validate_file(pm)
    assert found[0].line == line_of(pm, needle)
    assert words in found[0].message


def test_a_decisions_value_that_is_not_a_list_is_one_finding_and_nothing_crashes():
    pm = parsed("decisions: we rolled back\n")
    assert [(f.rule, f.line) for f in validate_file(pm)] == [("schema/type", line_of(pm, "decisions:"))]
    assert decisions_of(pm) == []


# -- the block writer ----------------------------------------------------------------------------

NEW = [{"at": "2024-03-07T10:30:00Z", "who": "incident commander", "situation": "Two dashboards disagreed: #1 says 'ok'",
        "options": [{"option": "Wait"}, {"option": "Fail over", "would_take": "A 5-minute drain: risky at peak"}],
        "chosen": "Wait", "why": "Failing over had taken the site down once before, and the error rate was falling.",
        "cues": [{"cue": "error-rate panel: 5-minute average", "tag": "late"}]}]


def test_inserting_keeps_every_other_byte_and_comments():
    text = HEAD + "# action_items:  a comment the template leaves\n" + BODY
    new = replace_block(text, NEW, "pm.md")
    block = render_block(NEW)
    assert new == text.replace(BODY, block + BODY, 1)
    pm, _ = parse_postmortem(new, Path("pm.md"), "pm.md")
    assert pm.meta["decisions"] == NEW and validate_file(pm) == []


def test_replacing_keeps_what_follows_the_block_byte_for_byte_with_crlf():
    tail = "\n# fingerprint: commented out, belongs to what follows\nfingerprint: cold-cache\n"
    text = (HEAD + GOOD + tail + BODY).replace("\n", "\r\n")
    new = replace_block(text, NEW, "pm.md")
    assert new == (HEAD + render_block(NEW) + tail + BODY).replace("\n", "\r\n")
    assert replace_block(new, [], "pm.md") == (HEAD + tail + BODY).replace("\n", "\r\n")


def test_an_indentless_block_and_a_bom_are_handled():
    text = "\ufeff" + HEAD + "decisions:\n- at: 2024-03-07T10:22:00Z\n  who: x\nlessons: []\n" + BODY
    new = replace_block(text, NEW, "pm.md")
    assert new == "\ufeff" + HEAD + render_block(NEW) + "lessons: []\n" + BODY


def test_refuses_when_the_edit_would_touch_other_keys_or_there_is_no_front_matter():
    twice = HEAD + "decisions: []\nlessons: []\ndecisions: []\n" + BODY
    with pytest.raises(ContentError, match="without changing other front-matter"):
        replace_block(twice, NEW, "pm.md")
    with pytest.raises(ContentError, match="pm.md:1: the file has no front-matter"):
        replace_block("# Just Markdown\n", NEW, "pm.md")


@pytest.mark.parametrize("value", ["plain", "with: colon", "#hash", "'quoted'", '"double"', "yes", "2024-03-07",
                                   "  leading spaces", "line\nbreak", "ünïcödé ✓", "- dash", "a" * 300, "null", "1.5"])
def test_any_answer_text_round_trips(value):
    decisions = [{**NEW[0], "situation": value, "why": value}]
    pm, findings = parse_postmortem(replace_block(HEAD + BODY, decisions, "pm.md"), Path("pm.md"), "pm.md")
    assert findings == [] and pm.meta["decisions"] == decisions
