"""The linter reads a decision point's situation, why and option texts as prose, at their own lines."""

from __future__ import annotations

from pathlib import Path

from pmsite.config import load_config
from pmsite.lint import lint
from pmsite.load import parse_postmortem

TEXT = """---
id: PM-1
title: Checkout errors
status: draft
severity: SEV2
type: availability
date: 2024-03-07
participants: [mateo]
decisions:
  - at: 2024-03-07T10:22:00Z
    who: on-call SRE
    situation: >-
      The alert fired at 10:20 and the dashboard showed errors
      everywhere. Mateo carelessly ignored the deploy log.
    options:
      - option: They should have rolled back immediately.
        would_take: 'Ten minutes: rollback: nothing else'
        known: Obviously the deploy was the cause.
      - option: Wait
    chosen: Wait
    why: If only the alert had said which region failed.
    cues:
      - cue: The engineer should have checked the region panel.
        tag: missing
    outcome: Errors fell at 10:40.
---

## Summary

The checkout failed.
"""


def test_decision_texts_are_linted_at_their_lines_and_other_values_are_not(tmp_path):
    pm, findings = parse_postmortem(TEXT, Path("pm.md"), "pm.md")
    assert findings == []
    report = lint([pm], load_config(tmp_path), use_cache=False)
    lines = TEXT.split("\n")
    found = {(f.rule, f.line, lines[f.line - 1][f.column - 1:f.end_column - 1]) for f in report.findings}
    assert ("blame/judgmental-word", 14, "carelessly") in found           # situation, 2nd line of a folded block
    assert any(rule == "counterfactual/should-have" and line == 16 for rule, line, _ in found)   # option text
    assert ("hindsight/obviousness", 18, "Obviously") in found           # known
    assert any(rule == "counterfactual/if-only" and line == 21 for rule, line, _ in found)        # why
    assert any(rule == "counterfactual/should-have" and line == 23 for rule, line, _ in found)    # cue
    # who, chosen and tags are not prose: nothing is reported on those lines
    assert not {line for _, line, _ in found} & {11, 20, 24}


def test_each_decision_field_is_its_own_block_so_no_sentence_runs_across_fields():
    from pmsite import textmask

    pm, _ = parse_postmortem(TEXT, Path("pm.md"), "pm.md")
    masked = textmask.mask(TEXT, pm.front_matter_lines)
    blocks = [" ".join(masked[b.start:b.end].split()) for b in textmask.prose_blocks(TEXT, masked, pm.front_matter_lines)]
    assert "They should have rolled back immediately." in blocks
    assert "Ten minutes: rollback: nothing else" in blocks      # a value with colons stays whole
    assert ("The alert fired at 10:20 and the dashboard showed errors everywhere. "
            "Mateo carelessly ignored the deploy log.") in blocks  # a folded value is one block
    assert not any("on-call SRE" in block or "misleading" in block for block in blocks)  # who and tags are not prose
