"""Which suggestions become one-click fixes (``pmsite.fixes``)."""

from __future__ import annotations

import pytest

from pmsite.fixes import drop_in_rewrite, trimmed_end
from pmsite.lsp.server import disable_comment


@pytest.mark.parametrize(("sentence", "suggestion", "rewrite"), [
    ("The engineer carelessly deleted the table.",
     "The engineer deleted the table. What made that look like the right thing to do at the time?",
     "The engineer deleted the table."),
    ("Clearly, anyone would have seen that the disk was full.",
     "Anyone would have seen that the disk was full.", "Anyone would have seen that the disk was full."),
])
def test_a_rewrite_before_the_question_is_a_drop_in(sentence, suggestion, rewrite):
    assert drop_in_rewrite(sentence, suggestion) == rewrite


@pytest.mark.parametrize(("sentence", "suggestion"), [
    # advice brings its own words
    ("The developer was lazy and skipped the integration tests.",
     "Describe what the developer did and what made it look reasonable at the time."),
    # a question is not a rewrite
    ("The operator failed to notice the alert.", "What made noticing the alert hard at that moment?"),
    # a short statement that drops most of what the sentence said
    ("The operator failed to notice the alert at 15:06, which sat in the channel for 25 minutes.",
     "The alert was not noticed: what made noticing it hard at that moment?"),
    # a half-sentence cannot end a whole one
    ("The engineer carelessly deleted the table.", "The engineer deleted the table"),
    # a word cut out of a pair leaves a dangling conjunction
    ("It was the reckless and irresponsible act of the crew.", "It was the and irresponsible act of the crew."),
    # the same sentence again changes nothing
    ("The engineer deleted the table.", "The engineer deleted the table."),
    ("Text.", ""),
])
def test_advice_questions_and_broken_rewrites_are_not_drop_ins(sentence, suggestion):
    assert drop_in_rewrite(sentence, suggestion) is None


def test_a_fix_ends_before_the_white_space_after_the_sentence():
    text = "One. Two words.  \nNext"
    assert text[5:trimmed_end(text, 5, 18)] == "Two words."


def test_disable_comment_goes_on_its_own_line_above_a_block():
    text = "# Title\n\nThe engineer was careless.\n"
    (line, column, end_line, end_column), new_text = disable_comment(text, 3, "blame/judgmental-word")
    assert (line, column, end_line, end_column) == (3, 1, 3, 1)
    assert new_text == "<!-- pmsite-lint disable-next-line blame/judgmental-word -->\n"


def test_disable_comment_inside_a_paragraph_goes_at_the_end_of_the_line_before():
    text = "The rollback started.\nThe engineer was careless.\n"
    (line, column, _, _), new_text = disable_comment(text, 2, "blame/judgmental-word")
    assert (line, column) == (1, len("The rollback started.") + 1)
    assert new_text == " <!-- pmsite-lint disable-next-line blame/judgmental-word -->"


def test_disable_comment_keeps_a_list_items_indentation():
    text = "- First item\n\n  - The engineer was careless.\n"
    _, new_text = disable_comment(text, 3, "blame/judgmental-word")
    assert new_text.startswith("  <!-- pmsite-lint")
