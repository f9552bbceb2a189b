"""Every registered rule: documented, with examples that fail and pass through the real linter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pmsite.config import load_config
from pmsite.lint import lint
from pmsite.load import load
from pmsite.rules import RULES, RULES_BY_ID
from pmsite.rules.base import gerund, participle
from tests.conftest import REPO_ROOT, write

DOC = REPO_ROOT / "docs" / "lint-rules.md"


def rule_section(rule_id: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^### {re.escape(rule_id)}\n(.*?)(?=^### |^## |\Z)", text, re.S | re.M)
    assert match, f"{rule_id} is not documented in docs/lint-rules.md"
    return match.group(1)


def bullets_after(section: str, heading: str) -> list[str]:
    part = section.split(heading, 1)[1]
    lines = part.split("\n\n", 2)[1]
    return [line[2:] for line in lines.splitlines() if line.startswith("- ")]


def findings_for(tmp_path: Path, sentences: tuple[str, ...], scope: str = "prose") -> list[list[str]]:
    """Rule ids reported on each sentence, linted for real.

    Prose examples are one paragraph each; action-item examples are the titles of
    ``systemic`` action items in the front-matter, one per item (four lines each).
    """
    if scope in ("actions", "items"):
        items = "".join(f"  - id: AI-{n}\n    title: {s}\n    kind: systemic\n    status: open\n"
                        for n, s in enumerate(sentences, 1))
        text, first_line, lines_per_example = f"---\nid: PM-1\naction_items:\n{items}---\n\nBody.\n", 4, 4
    else:
        text, first_line, lines_per_example = "".join(f"{s}\n\n" for s in sentences), 1, 2
    path = write(tmp_path / "examples.md", text, dedent=False)
    config = load_config(tmp_path)
    report = lint(load([path], config).postmortems, config, use_cache=False)
    found: list[list[str]] = [[] for _ in sentences]
    for finding in report.findings:
        index = (finding.line - first_line) // lines_per_example
        if 0 <= index < len(sentences):
            found[index].append(finding.rule)
    return found


def test_rule_ids_are_unique_and_well_formed():
    assert len(RULES_BY_ID) == len(RULES)
    for rule in RULES:
        assert re.fullmatch(r"(blame|hindsight|counterfactual|quality)/[a-z]+(-[a-z]+)*", rule.id), rule.id
        assert rule.severity in ("error", "warning", "info")
        assert rule.fails and rule.passes and rule.keywords, rule.id


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_rule_is_documented_with_its_examples(rule):
    section = rule_section(rule.id)
    for heading in ("**What it does.**", "**Why is this bad?**", "**Example**", "**Use instead**",
                    "**Known problems.**"):
        assert heading in section, (rule.id, heading)
    assert bullets_after(section, "**Example**") == list(rule.fails)
    assert bullets_after(section, "**Not reported:**") == list(rule.passes)
    assert f"Default level: `{rule.severity}`" in section


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_failing_examples_are_reported_by_the_rule(rule, tmp_path):
    for sentence, rules in zip(rule.fails, findings_for(tmp_path, rule.fails, rule.scope)):
        assert rule.id in rules, sentence


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_passing_examples_are_not_reported_by_any_rule(rule, tmp_path):
    for sentence, rules in zip(rule.passes, findings_for(tmp_path, rule.passes, rule.scope)):
        assert rules == [], sentence


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_use_instead_rewrite_is_itself_clean(rule, tmp_path):
    rewrite = bullets_after(rule_section(rule.id), "**Use instead**")
    assert rewrite and findings_for(tmp_path, tuple(rewrite), rule.scope) == [[]]


def test_labelled_sentences_fixture(tmp_path):
    """Our own labelled corpus (not the shared dev set): every positive found, no neutral flagged."""
    rows = [line.split("\t") for line in (REPO_ROOT / "tests/fixtures/lint/sentences.tsv")
            .read_text(encoding="utf-8").splitlines()[1:]]
    found = findings_for(tmp_path, tuple(sentence for _, _, sentence in rows))
    wrong = [(label, sentence, rules) for (label, _, sentence), rules in zip(rows, found)
             if bool(rules) != (label == "1")]
    assert wrong == []


@pytest.mark.parametrize(("lemma", "done", "doing"), [
    ("notice", "noticed", "noticing"), ("see", "seen", "seeing"), ("rotate", "rotated", "rotating"),
    ("stop", "stopped", "stopping"), ("roll", "rolled", "rolling"), ("bypass", "bypassed", "bypassing"),
    ("apply", "applied", "applying"), ("run", "run", "running"), ("double-check", "double-checked", "double-checking"),
])
def test_inflection_for_rewrites(lemma, done, doing):
    assert (participle(lemma), gerund(lemma)) == (done, doing)
