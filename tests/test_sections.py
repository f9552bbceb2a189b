"""The heading reader: ATX and setext headings alike, as CommonMark reads them.

Required-section checks (``validate``), the action-item section rules (``lint``) and the
editor's live checks all read headings through ``pmsite.sections``. The reader is checked
against markdown-it-py, a CommonMark reference implementation, on generated documents.
"""

from __future__ import annotations

import random

import pytest
from markdown_it import MarkdownIt

from pmsite.config import load_config
from pmsite.lint import lint
from pmsite.load import load
from pmsite.sections import find_sections, heading_spans, headings
from pmsite.validate import validate
from tests.conftest import write
from tests.test_validate import pm_from, replace


def test_setext_headings_are_headings():
    body = "Incident\n========\n\nSummary\n-------\n\nText.\n\nTwo line\ntitle\n---\n"
    assert headings(body) == [(0, 1, "Incident"), (3, 2, "Summary"), (8, 2, "Two line title")]
    assert [h.last_line for h in heading_spans(body)] == [1, 4, 10]


@pytest.mark.parametrize("body", [
    "Text.\n\n---\n\nMore.\n",  # after a blank line: a thematic break
    "Text\n- - -\n",  # spaces inside: a thematic break, not an underline
    "- item\n---\n",  # a list item's text does not become a heading
    "> quoted\n---\n",
    "| a | b |\n| --- | --- |\n| 1 | 2 |\n---\n",  # a table row, then a rule
    "```\nTitle\n-----\n```\n",  # fenced code
    "    Title\n---\n",  # indented code
    "<!--\nTitle\n=====\n-->\n",  # an HTML comment
    "<div>\nTitle\n---\n</div>\n",  # an HTML block
    "---\n",
])
def test_what_is_not_a_setext_heading(body):
    assert headings(body) == []


def test_front_matter_is_not_a_setext_heading():
    assert headings("---\nid: PM-1\ntitle: x\n---\n\nSummary\n=======\n") == [(5, 1, "Summary")]


def test_sections_run_from_a_setext_underline_to_the_next_heading():
    body = "Timeline\n--------\n\n10:00 alert.\n\n### Later\nx\n\nLessons\n=======\nL.\n"
    found = find_sections(body, ["Timeline", "Lessons"])
    assert found["Timeline"].line == 0 and found["Timeline"].text == "\n10:00 alert.\n\n### Later\nx\n"
    assert found["Lessons"].text == "L.\n"


def test_a_section_holding_only_a_setext_sub_heading_is_blank():
    body = "Decision points\n===============\n\nSignals\n-------\n<!-- guidance -->\n"
    assert find_sections(body, ["Decision points"])["Decision points"].is_blank
    written = body.replace("<!-- guidance -->", "The dashboard showed no deploy.")
    assert not find_sections(written, ["Decision points"])["Decision points"].is_blank


# -- against a reference implementation --------------------------------------------------------

_REFERENCE = MarkdownIt("commonmark").enable("table")
_PIECES = ["Title", "Two words", "Para *x*", "Title  ", "---", "===", "---  ", "- - -", "***", "", "", "- item",
           "+ x", "1. one", "1) x", "-", "  - nested", "  indented", "    code", "\tTab", "> quote", ">", "```",
           "## ATX", "  ## Deep", "| a | b |", "|---|---|", "<div>", "<!-- c", "-->", "<span>x</span>"]


def _reference_headings(text: str) -> list[tuple[int, int, int]]:
    """(first line, last line, level) of the document's own headings (not those in lists or quotes)."""
    return [(t.map[0], t.map[1] - 1, int(t.tag[1])) for t in _REFERENCE.parse(text)
            if t.type == "heading_open" and t.level == 0]


@pytest.mark.parametrize("seed", range(4))
def test_the_reader_agrees_with_a_commonmark_implementation(seed):
    generator = random.Random(seed)
    for _ in range(2500):
        text = "\n".join(generator.choice(_PIECES) for _ in range(generator.randint(1, 8))) + "\n"
        assert [(h.line, h.last_line, h.level) for h in heading_spans(text)] == _reference_headings(text), text


# -- what reads headings ------------------------------------------------------------------------

SETEXT_DEEP_BODY = """
Timeline
--------

| Time (UTC) | Event |
| --- | --- |
| 10:00 | Error rate rises on payments-api. |

The second story
----------------

The rotation runbook did not mention the intermediate chain.

Contributing factors and latent conditions
------------------------------------------

- The staging certificate came from another issuer.

Decision points
---------------

<!-- List the moments where the response could have gone another way. -->

Detection gap
-------------

### Signals
<!-- Which signal existed but did not alert? -->
"""


def test_required_sections_written_as_setext_headings_count():
    text = replace("severity: SEV3", "severity: SEV2") + SETEXT_DEEP_BODY
    findings = validate([pm_from(text)])
    assert "quality/missing-section" not in [f.rule for f in findings]
    lines = text.split("\n")
    empty = [(f.severity, lines[f.line - 1], lines[f.line]) for f in findings if f.rule == "quality/empty-section"]
    assert empty == [("error", "Decision points", "---------------"), ("error", "Detection gap", "-------------")]


def test_a_thematic_break_is_not_a_missing_heading():
    body = "\n".join(f"## {t}\n\nWritten." for t in ("Timeline", "The second story", "Decision points",
                                                      "Detection gap", "Contributing factors and latent conditions"))
    text = replace("severity: SEV3", "severity: SEV2") + body + "\n\n---\n\nClosing note.\n"
    assert [f.rule for f in validate([pm_from(text)])] == []


def test_the_action_item_rules_see_a_setext_action_items_heading(tmp_path):
    text = ("---\nid: PM-1\n---\n\nWe have to be more careful about the scale of those workflows.\n\n"
            "Action items\n------------\n\n- Be more careful when editing the production load balancer.\n\n"
            "```\n# restart the balancer\n```\n\n- Remind engineers to double-check the target cluster.\n")
    path = write(tmp_path / "pm.md", text, dedent=False)
    config = load_config(tmp_path)
    found = {(f.line, f.rule) for f in lint(load([path], config).postmortems, config, use_cache=False).findings
             if f.category == "quality"}
    # Not the narrative's resolution (line 5); both items, the second after a code comment that is no heading.
    assert found == {(10, "quality/try-harder"), (16, "quality/try-harder")}
