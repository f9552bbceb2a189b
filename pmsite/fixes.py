"""Which lint suggestions are drop-in rewrites of their sentence.

A rule's suggestion is either a rewrite built from the flagged sentence ("The alert was not
acknowledged for 25 minutes.") or advice and questions for the author ("What made the alert
easy to miss at that moment?"). Only a rewrite can replace the sentence as it stands, so only
a rewrite becomes a one-click fix: the language server's "Rewrite as suggested", reviewdog's
suggested change on a pull request and SARIF's ``fixes``. Telling the two apart here, from the
words alone, keeps every rule free of output concerns and gives all three one answer.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")

#: A rewrite keeps most of its words from the sentence; advice brings its own.
_KEPT_FROM_SENTENCE = 0.75
#: ... and keeps most of what the sentence said.
_COVERS_SENTENCE = 0.5


def drop_in_rewrite(sentence: str, suggestion: str) -> str | None:
    """The part of ``suggestion`` that can replace ``sentence`` as it stands, or None.

    Rules often give a rewrite followed by a question for the author ("The engineer deleted
    the table. What made that look right at the time?"): the rewrite is the declarative
    sentences before the first question. It must end as a sentence when the original does,
    and it must be the same statement without the flagged words: most of its words come from
    the sentence and most of the sentence's words stay. Advice ("Describe what happened ...")
    brings its own words and is never a rewrite; nor is a copy of the sentence.
    """
    rewrite = " ".join(_leading_statements(suggestion.strip()))
    if not rewrite:
        return None
    if sentence.rstrip()[-1:] in (".", "!") and rewrite[-1] not in ".!\"'”)":
        return None  # a half-sentence cannot stand in for a whole one
    if _DANGLING.search(rewrite):
        return None  # a word cut out of a pair: "the and irresponsible act"
    new = [word.lower() for word in _WORD.findall(rewrite)]
    said = [word.lower() for word in _WORD.findall(sentence)]
    old = set(said)
    if not new or not old or new == said:
        return None
    kept = sum(word in old for word in new) / len(new)
    covered = len(old.intersection(new)) / len(old)
    return rewrite if kept >= _KEPT_FROM_SENTENCE and covered >= _COVERS_SENTENCE else None


_DANGLING = re.compile(r"(?:^|:|\b(?:the|a|an|of|to|by|his|her|their|its|our|my|your))\s+(?:and|or|but|nor)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“(])")


def _leading_statements(text: str) -> list[str]:
    """Sentences of ``text`` up to the first one that asks something."""
    statements = []
    for part in _SENTENCE_END.split(text):
        if "?" in part:
            break
        statements.append(part)
    return statements


def trimmed_end(text: str, start: int, end: int) -> int:
    """The end of ``text[start:end]`` without trailing white space: a fix keeps the gap after it."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
