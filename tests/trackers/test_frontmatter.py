"""In-place front-matter edits: only the changed keys' lines, everything else byte for byte."""

from __future__ import annotations

import pytest

from pmsite.trackers.frontmatter import EditError, ItemEdit, edit_action_items, yaml_scalar
from pmsite.yamlpos import load_plain

TEXT = "---\r\nid: PM-1\r\naction_items:\r\n  - id: AI-1\r\n    title: >-\r\n      Folded\r\n      title\r\n---\r\nBody\r\n"


def test_crlf_files_keep_their_line_endings_and_a_key_goes_after_a_folded_value():
    edited = edit_action_items(TEXT, [ItemEdit(0, "status", "done")], "x.md")
    assert edited == TEXT.replace("      title\r\n", "      title\r\n    status: done\r\n")


def test_values_that_need_quotes_get_them_and_read_back_the_same():
    for value in ("https://x.example/a?b=c", "2024-03-30", "yes", "a: b", "x #y", "in_progress", "ENG-7"):
        assert load_plain(f"k: {yaml_scalar(value)}") == {"k": value}
    assert yaml_scalar("2024-03-30") == "2024-03-30" and yaml_scalar("yes") == '"yes"'


def test_flow_style_items_and_multi_line_values_are_refused_with_the_line():
    flow = "---\nid: PM-1\naction_items:\n  - {id: AI-1, status: open}\n---\n"
    with pytest.raises(EditError, match=r"x.md:4: action item 1 is written in flow style"):
        edit_action_items(flow, [ItemEdit(0, "status", "done")], "x.md")
    multi = '---\nid: PM-1\naction_items:\n  - id: AI-1\n    status: "in\n      progress"\n---\n'
    with pytest.raises(EditError, match=r"x.md:5: status spans several lines"):
        edit_action_items(multi, [ItemEdit(0, "status", "done")], "x.md")


def test_removing_a_key_drops_only_its_line():
    text = "---\naction_items:\n  - id: AI-1\n    completed: 2024-01-01  # from the tracker\n    status: open\n---\nx\n"
    assert edit_action_items(text, [ItemEdit(0, "completed", None)], "x.md") == \
        "---\naction_items:\n  - id: AI-1\n    status: open\n---\nx\n"

