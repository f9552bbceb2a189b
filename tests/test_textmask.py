"""Masking keeps offsets; blocks and sentences follow Markdown structure."""

from __future__ import annotations

from pmsite.load import parse_postmortem
from pmsite.textmask import mask, prose_blocks, quotations, sentences
from pathlib import Path

DOCUMENT = """\
---
title: "Checkout errors"
severity: SEV2
summary: >-
  The pool was resized.
  Orders failed.
lessons:
  - "Size pools from p95."
action_items:
  - title: Not prose here
---
# Summary

Run `kubectl get pods` now. See [the runbook](https://wiki.example/run book) and https://x.example/a.
<!-- a comment that
spans lines -->
```
code block text
```
> Bob: I broke it. Sorry.

| 14:02 | "We should roll back" | done |
|---|---|---|
- first item. Second sentence
- e.g. this is not split
"""


def parsed():
    postmortem, _ = parse_postmortem(DOCUMENT, Path("x.md"), "x.md")
    return postmortem, mask(DOCUMENT, postmortem.front_matter_lines)


def test_mask_keeps_length_newlines_and_prose_only():
    postmortem, masked = parsed()
    assert len(masked) == len(DOCUMENT)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [i for i, c in enumerate(DOCUMENT) if c == "\n"]
    for hidden in ("SEV2", "Not prose here", "kubectl", "wiki.example", "x.example", "comment", "code block",
                   "severity", "summary", "---", "|"):
        assert hidden not in masked, hidden
    for kept in ("Checkout errors", "The pool was resized.", "Size pools from p95.", "Summary", "Run ",
                 "the runbook", "Bob: I broke it.", "We should roll back"):
        assert kept in masked, kept
    start = DOCUMENT.index("the runbook")
    assert masked[start:start + 11] == "the runbook"


def test_blocks_split_values_cells_items_and_mark_quotes():
    postmortem, masked = parsed()
    blocks = prose_blocks(DOCUMENT, masked, postmortem.front_matter_lines)
    texts = [(" ".join(masked[b.start:b.end].split()), b.quoted) for b in blocks]
    assert ("Checkout errors", False) in texts
    assert ("The pool was resized. Orders failed.", False) in texts
    assert ("Bob: I broke it. Sorry.", True) in texts
    assert ('"We should roll back"', False) in texts and ("done", False) in texts
    assert ("first item. Second sentence", False) in texts


def test_sentences_and_quotations():
    postmortem, masked = parsed()
    blocks = prose_blocks(DOCUMENT, masked, postmortem.front_matter_lines)
    found = [" ".join(masked[s:e].split()) for b in blocks for s, e in sentences(masked, b)]
    assert "The pool was resized." in found and "Orders failed." in found
    assert "first item." in found and "Second sentence" in found
    assert "e.g. this is not split" in found
    quoted = [masked[s:e] for s, e in quotations(masked)]
    assert quoted == ['"We should roll back"']


def test_very_long_sentences_are_cut():
    text = "word " * 2000
    masked = mask(text)
    spans = [span for block in prose_blocks(text, masked) for span in sentences(masked, block)]
    assert len(spans) > 1 and all(end - start <= 1500 for start, end in spans)
