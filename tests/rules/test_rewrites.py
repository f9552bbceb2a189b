"""Every rewrite the linter prints reads as good English and is itself blameless (issue 13, item 4).

For every positive sentence of the development sets (``tests/fixtures/lint/``),
each finding's suggestion must: lint clean; parse, sentence by sentence, with a
verb at the root; and pass ``pronoun_problems``, a small check of pronoun case
("for he", "makes we the cause") and subject-verb agreement ("they was").
"""

from __future__ import annotations

import csv

import pytest

from pmsite.nlp import load_model
from tests.conftest import REPO_ROOT
from tests.rules.test_rules import findings_for

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "lint"
SUBJECT_PRONOUNS = frozenset({"i", "he", "she", "we", "they"})
OBJECT_PRONOUNS = frozenset({"me", "him", "us", "them"})
OBJECT_POSITIONS = frozenset({"dobj", "obj", "pobj", "dative", "iobj"})
#: Words after which a pronoun must be in the object case ("for him", never "for he").
PREPOSITIONS = frozenset("for to with by of from at about against on into onto toward towards without between "
                         "among like makes made judges assigns".split())
#: Words after which an object pronoun is the subject of a small clause: "for us to", "made them hard".
CAUSATIVE = frozenset("for made make makes let lets help helps saw see watch".split())
SINGULAR = frozenset({"he", "she", "it"})
PLURAL = frozenset({"we", "they", "you"})


def positive_sentences() -> list[str]:
    sentences = []
    for name in ("dev.tsv", "real-dev.tsv", "real-style.tsv", "real-style-check.tsv", "real-style-check2.tsv",
                 "real-style-check3.tsv", "project-style-check.tsv", "sentences.tsv"):
        with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
            for row in list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]:
                if row and row[0] == "1":
                    sentences.append(row[-1].strip())
    return sentences


def pronoun_problems(doc) -> list[str]:
    """Pronoun case and agreement mistakes in a parsed rewrite."""
    problems = []
    for token in doc:
        lower = token.lower_
        previous = doc[token.i - 1].lower_ if token.i else ""
        if lower in SUBJECT_PRONOUNS and (token.dep_ in OBJECT_POSITIONS or previous in PREPOSITIONS):
            problems.append(f"subject pronoun '{token.text}' in object position")
        after_verb = token.i > 0 and doc[token.i - 1].tag_.startswith("VB")  # "made watching them unlikely"
        if lower in OBJECT_PRONOUNS and token.dep_ in ("nsubj", "nsubjpass") and previous not in CAUSATIVE \
                and not after_verb:
            problems.append(f"object pronoun '{token.text}' as a subject")
        if token.dep_ in ("nsubj", "nsubjpass") and lower in SINGULAR | PLURAL:
            verb = next((c for c in token.head.children if c.dep_ in ("aux", "auxpass") and c.i > token.i),
                        token.head)
            if lower in SINGULAR and (verb.tag_ == "VBP" or verb.lower_ == "were"):
                problems.append(f"'{token.text} {verb.text}' does not agree")
            if lower in PLURAL and (verb.tag_ == "VBZ" or verb.lower_ == "was"):
                problems.append(f"'{token.text} {verb.text}' does not agree")
    return problems


def test_pronoun_check_catches_what_it_should():
    nlp = load_model(None)
    assert pronoun_problems(nlp("What made it hard for he to see?"))
    assert pronoun_problems(nlp("This makes we the cause."))
    assert pronoun_problems(nlp("Them knew the risk."))
    assert not pronoun_problems(nlp("What made it hard for us to roll back, and what made them hard to see?"))
    assert pronoun_problems(nlp("They was on call."))
    assert not pronoun_problems(nlp("What did they know at the time, and what would have shown them more?"))


@pytest.fixture(scope="module")
def rewrites(tmp_path_factory) -> list[tuple[str, str, str]]:
    """(sentence, rule, suggestion) for every finding on every positive sentence."""
    from pmsite.config import load_config
    from pmsite.lint import lint
    from pmsite.load import load
    from tests.conftest import write

    folder = tmp_path_factory.mktemp("rewrites")
    sentences = positive_sentences()
    path = write(folder / "positives.md", "".join(f"{s}\n\n" for s in sentences), dedent=False)
    config = load_config(folder)
    report = lint(load([path], config).postmortems, config, use_cache=False)
    return [(sentences[(f.line - 1) // 2], f.rule, f.suggestion) for f in report.findings
            if f.category != "lint" and f.suggestion]


def test_there_are_rewrites_to_check(rewrites):
    assert len(rewrites) > 150


def test_every_rewrite_lints_clean(rewrites, tmp_path):
    suggestions = sorted({suggestion for _, _, suggestion in rewrites})
    found = findings_for(tmp_path, tuple(suggestions))
    dirty = [(s, rules) for s, rules in zip(suggestions, found) if rules]
    assert dirty == []


def test_every_rewrite_is_a_sentence_with_a_root_verb(rewrites):
    nlp = load_model(None)
    broken = []
    for sentence, rule, suggestion in rewrites:
        for part in nlp(suggestion).sents:
            root = part.root
            if root.pos_ not in ("VERB", "AUX"):
                broken.append((rule, suggestion, part.text, root.text, root.pos_))
    assert broken == []


def test_every_rewrite_uses_pronouns_well(rewrites):
    nlp = load_model(None)
    wrong = [(rule, suggestion, problems) for _, rule, suggestion in rewrites
             if (problems := pronoun_problems(nlp(suggestion)))]
    assert wrong == []
