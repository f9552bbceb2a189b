"""``DocumentLinter``: the CLI's findings for one open document, re-linting only what changed."""

from __future__ import annotations

import shutil

import pytest

from pmsite import load
from pmsite.config import load_config
from pmsite.lint import lint
from pmsite.lsp.document import DocumentLinter
from pmsite.lsp.server import disable_comment
from pmsite.validate import validate
from tests.conftest import REPO_ROOT


def _key(finding):
    return (finding.line, finding.column, finding.end_line, finding.end_column, finding.rule, finding.severity,
            finding.message, finding.suggestion, finding.fix)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO_ROOT / "content", root / "content")
    shutil.copy(REPO_ROOT / "pmsite.yaml", root / "pmsite.yaml")
    return load_config(root)


def test_every_sample_postmortem_gets_exactly_the_cli_findings(sample):
    linter = DocumentLinter(sample)
    corpus = load.load_corpus(sample)
    checked = 0
    for path in sorted(sample.content_dir.glob("*.md")):
        report = linter.check(path, path.read_text(encoding="utf-8"))
        loaded = load.load([path], sample, use_cache=False)
        cli = loaded.findings + lint(loaded.postmortems, sample, use_cache=False).findings
        cli += validate(loaded.postmortems, corpus)
        assert sorted(map(_key, report.findings)) == sorted(map(_key, cli)), path.name
        assert report.relinted == report.blocks
        checked += 1
    assert checked >= 10


def test_an_edit_relints_one_block_and_moves_the_findings_below_it(sample):
    path = next(p for p in sorted(sample.content_dir.glob("*.md")) if "promo-codes" in p.name)
    text = path.read_text(encoding="utf-8")
    linter = DocumentLinter(sample)
    before = linter.check(path, text)
    assert before.findings, "the sample keeps one postmortem with blaming sentences"
    body_start = text.index("\n## ")
    edited = text[:body_start] + "\n\nA new paragraph of two lines\nabout the timeline.\n" + text[body_start:]
    after = linter.check(path, edited)
    assert after.relinted == 1 and after.blocks == before.blocks + 1
    moved = [f for f in before.findings if f.line > edited[:body_start].count("\n") + 1]
    assert moved
    expected = sorted((f.rule, f.line + 4, f.column) for f in moved)
    got = sorted((f.rule, f.line, f.column) for f in after.findings if f.line > text[:body_start].count("\n") + 5)
    assert got == expected
    assert sorted(map(_key, after.findings)) == sorted(
        map(_key, DocumentLinter(sample).check(path, edited).findings))  # the same as from scratch


def test_a_disable_comment_inside_a_paragraph_silences_that_line_only(sample):
    linter = DocumentLinter(sample)
    path = sample.content_dir / "2026-11-30-scratch.md"
    text = "# Scratch\n\nThe rollback started at 14:10.\nThe engineer carelessly restarted the cluster.\n" \
           "Omar carelessly restarted it again.\n"
    first = [f for f in linter.check(path, text).findings if f.rule == "blame/judgmental-word"]
    assert [f.line for f in first] == [4, 5]
    (line, column, _, _), comment = disable_comment(text, 4, "blame/judgmental-word")
    lines = text.split("\n")
    lines[line - 1] = lines[line - 1][:column - 1] + comment + lines[line - 1][column - 1:]
    report = linter.check(path, "\n".join(lines))
    assert [f.line for f in report.findings if f.rule == "blame/judgmental-word"] == [5]
    assert report.relinted == 1  # the comment changed the paragraph's text, nothing else


def test_a_changed_front_matter_relints_everything(sample):
    linter = DocumentLinter(sample)
    path = sample.content_dir / "2026-11-30-people.md"
    text = "---\nparticipants: [omar]\n---\n\nOmar forgot to run the migration.\n\nThe deploy went out.\n"
    assert linter.check(path, text).relinted == 2
    again = linter.check(path, text.replace("[omar]", "[omar, dana]"))
    assert again.relinted == again.blocks == 2


def test_an_edit_under_a_setext_action_items_heading_keeps_its_section(tmp_path):
    """Unchanged blocks are blanked in the copy that is linted again; a setext heading must stay."""
    (tmp_path / "pmsite.yaml").write_text("title: t\n", encoding="utf-8")
    config = load_config(tmp_path)
    path = tmp_path / "notes.md"
    text = ("---\nid: PM-1\n---\n\nThe narrative.\n\nAction items\n------------\n\n"
            "- Add a confirmation prompt that shows the target cluster.\n")
    linter = DocumentLinter(config)
    assert [f.rule for f in linter.check(path, text).findings if f.category == "quality"] == []
    edited = text + "- Be more careful when editing the production load balancer.\n"
    after = linter.check(path, edited)
    assert after.relinted < after.blocks  # the heading's block was not linted again ...
    assert [(f.line, f.rule) for f in after.findings if f.category == "quality"] == [(11, "quality/try-harder")]


def test_a_disable_comment_under_a_setext_heading_keeps_the_heading():
    text = "Timeline\n========\nThe engineer carelessly restarted the cluster.\n"
    (line, column, _, _), comment = disable_comment(text, 3, "blame/judgmental-word")
    lines = text.split("\n")
    lines[line - 1] = lines[line - 1][:column - 1] + comment + lines[line - 1][column - 1:]
    assert lines[:2] == ["Timeline", "========"]  # appended to the underline, it would end the heading
    assert lines[2].startswith("<!-- pmsite-lint disable-next-line blame/judgmental-word -->")


def test_renaming_a_heading_to_action_items_relints_the_blocks_under_it(tmp_path):
    """The blocks under it did not change, but the action-item rules now apply to them."""
    (tmp_path / "pmsite.yaml").write_text("title: t\n", encoding="utf-8")
    config = load_config(tmp_path)
    path = tmp_path / "notes.md"
    text = "---\nid: PM-1\n---\n\nThe narrative.\n\n## Notes\n\n- Be more careful when editing the load balancer.\n"
    linter = DocumentLinter(config)
    assert [f.rule for f in linter.check(path, text).findings if f.category == "quality"] == []
    for heading in ("## Action items", "Action items\n------------"):
        renamed = linter.check(path, text.replace("## Notes", heading))
        assert [f.rule for f in renamed.findings if f.category == "quality"] == ["quality/try-harder"], heading
    back = linter.check(path, text)
    assert [f.rule for f in back.findings if f.category == "quality"] == []
