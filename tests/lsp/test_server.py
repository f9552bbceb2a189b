"""``pmsite lsp`` end to end: a real LSP client (pytest-lsp) talks to the real server over stdio.

Each test starts ``python -m pmsite lsp`` in a subprocess, opens documents of a repository made
in a temporary folder and reads what an editor would get: diagnostics, hovers, code actions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.conftest import REPO_ROOT

FRONT_MATTER = """\
---
id: PM-2026-001
title: Checkout errors after a config push
status: draft
severity: SEV3
type: availability
date: 2026-11-02
authors: [dana]
participants: [dana, omar]
---
"""
BODY = """\
# Checkout errors after a config push

## Summary

The push went out at 14:02 and checkout returned errors for twelve minutes.

## What happened

The on-call engineer carelessly restarted the wrong cluster.
The rollback took eight minutes because the runbook pointed at the old dashboard.

Omar should have known that the flag was shared across tenants.

## Impact

About 340 orders failed; customers retried and most succeeded.
"""


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=[sys.executable, "-m", "pmsite", "lsp"],
    server_env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    (root / "content" / "postmortems").mkdir(parents=True)
    (root / "pmsite.yaml").write_text("title: Test postmortems\n", encoding="utf-8")
    lsp_client.root = root
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=root.as_uri(),
        initialization_options={"debounceMilliseconds": 50},
    ))
    yield
    await lsp_client.shutdown_session()


def _write(client: LanguageClient, name: str, text: str) -> Path:
    path = client.root / "content" / "postmortems" / name
    path.write_text(text, encoding="utf-8")
    return path


async def _open(client: LanguageClient, path: Path, text: str | None = None) -> list[types.Diagnostic]:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="markdown", version=1, text=path.read_text(encoding="utf-8") if text is None else text)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


async def _change(client: LanguageClient, path: Path, version: int, edits: list[types.TextEdit]) -> list[types.Diagnostic]:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
        content_changes=[types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in edits]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[path.as_uri()]


def _cli_findings(root: Path, path: Path) -> list[dict]:
    found = []
    for command in ("lint", "validate"):
        result = subprocess.run([sys.executable, "-m", "pmsite", "-C", str(root), command, "--format", "json",
                                 str(path)], capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        found += json.loads(result.stdout)["findings"]
    return found


async def _actions(client: LanguageClient, path: Path, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))


@pytest.mark.asyncio
async def test_open_publishes_the_cli_findings_at_the_same_ranges(client: LanguageClient):
    path = _write(client, "2026-11-02-checkout.md", FRONT_MATTER + BODY)
    diagnostics = await _open(client, path)
    cli = _cli_findings(client.root, path)
    assert {d.code for d in diagnostics} >= {"blame/judgmental-word", "hindsight/should-have-known"}
    # ASCII text: LSP positions are the CLI's 1-based line and column minus one.
    got = sorted((d.code, d.range.start.line + 1, d.range.start.character + 1, d.range.end.line + 1,
                  d.range.end.character + 1, d.severity) for d in diagnostics)
    levels = {"error": 1, "warning": 2, "info": 3}
    want = sorted((f["rule"], f["line"], f["column"], f["end_line"], f["end_column"], levels[f["severity"]])
                  for f in cli)
    assert got == want
    for diagnostic in diagnostics:
        assert diagnostic.source == "pmsite"
        assert diagnostic.code_description.href.startswith("https://")


@pytest.mark.asyncio
async def test_hover_on_a_finding_gives_advice_and_suggestion(client: LanguageClient):
    path = _write(client, "2026-11-02-checkout.md", FRONT_MATTER + BODY)
    diagnostics = await _open(client, path)
    judged = next(d for d in diagnostics if d.code == "hindsight/should-have-known")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()), position=judged.range.start))
    assert "hindsight/should-have-known" in hover.contents.value
    assert "Nobody in the incident knew the outcome" in hover.contents.value  # the rule's advice
    assert "Suggest" in hover.contents.value
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()), position=types.Position(line=0, character=0)))
    assert nothing is None


@pytest.mark.asyncio
async def test_rewrite_action_replaces_the_sentence_and_the_finding_goes_away(client: LanguageClient):
    path = _write(client, "2026-11-02-checkout.md", FRONT_MATTER + BODY)
    diagnostics = await _open(client, path)
    judged = next(d for d in diagnostics if d.code == "blame/judgmental-word")
    actions = await _actions(client, path, judged)
    rewrite = next(a for a in actions if a.title.startswith("Rewrite as suggested"))
    assert rewrite.is_preferred and rewrite.kind == types.CodeActionKind.QuickFix
    (edit,) = rewrite.edit.changes[path.as_uri()]
    assert "carelessly" not in edit.new_text and edit.new_text.endswith(".")
    after = await _change(client, path, 2, [edit])
    assert "blame/judgmental-word" not in {d.code for d in after}
    assert "hindsight/should-have-known" in {d.code for d in after}  # the other finding stays


@pytest.mark.asyncio
async def test_disable_action_silences_the_rule_on_that_line_only(client: LanguageClient):
    text = FRONT_MATTER + BODY + "\nLater, Dana should have known that the cache was cold.\n"
    path = _write(client, "2026-11-02-checkout.md", text)
    diagnostics = await _open(client, path)
    known = sorted((d for d in diagnostics if d.code == "hindsight/should-have-known"), key=lambda d: d.range.start.line)
    assert len(known) == 2
    actions = await _actions(client, path, known[0])
    disable = next(a for a in actions if a.title == "Disable hindsight/should-have-known for this line")
    (edit,) = disable.edit.changes[path.as_uri()]
    assert "<!-- pmsite-lint disable-next-line hindsight/should-have-known -->" in edit.new_text
    after = await _change(client, path, 2, [edit])
    remaining = [d for d in after if d.code == "hindsight/should-have-known"]
    assert len(remaining) == 1 and remaining[0].range.start.line == known[1].range.start.line + 1


@pytest.mark.asyncio
async def test_open_documentation_action_shows_the_rule_page(client: LanguageClient):
    path = _write(client, "2026-11-02-checkout.md", FRONT_MATTER + BODY)
    diagnostics = await _open(client, path)
    known = next(d for d in diagnostics if d.code == "hindsight/should-have-known")
    actions = await _actions(client, path, known)
    # lsprotocol's client reads a CodeAction that carries a command as a Command: check the title only.
    assert "Open documentation for hindsight/should-have-known" in {a.title for a in actions}
    url = known.code_description.href
    assert url.endswith("docs/lint-rules.md#hindsightshould-have-known")
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="pmsite.openRuleDocumentation", arguments=[url]))
    assert [(d.uri, d.external) for d in client.shown_documents] == [(url, True)]
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="pmsite.openRuleDocumentation", arguments=["file:///etc/passwd"]))
    assert len(client.shown_documents) == 1  # only pmsite's documentation pages are opened


@pytest.mark.asyncio
async def test_an_edit_relints_only_the_paragraph_it_changed(client: LanguageClient):
    path = _write(client, "2026-11-02-checkout.md", FRONT_MATTER + BODY)
    await _open(client, path)
    line = (FRONT_MATTER + BODY).split("\n").index("About 340 orders failed; customers retried and most succeeded.")
    client.log_messages.clear()
    after = await _change(client, path, 2, [types.TextEdit(
        range=types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=5)),
        new_text="Nearly")])
    linted = [m.message for m in client.log_messages if "linted" in m.message]
    assert linted and "linted 1 of" in linted[-1]
    assert {"blame/judgmental-word", "hindsight/should-have-known"} <= {d.code for d in after}


@pytest.mark.asyncio
async def test_positions_count_utf16_units(client: LanguageClient):
    text = FRONT_MATTER + "## Notes\n\n🔥🔥 Omar should have known that the flag was shared.\n"
    path = _write(client, "2026-11-02-emoji.md", text)
    diagnostics = await _open(client, path)
    judged = next(d for d in diagnostics if d.code == "hindsight/should-have-known")
    line = text.split("\n")[judged.range.start.line]
    # Two emoji are four UTF-16 units before the space; "should" starts after "Omar ".
    assert judged.range.start.character == len(line[:line.index("should")].encode("utf-16-le")) // 2


@pytest.mark.asyncio
async def test_malformed_front_matter_is_a_validate_diagnostic_not_a_crash(client: LanguageClient):
    path = _write(client, "2026-11-02-broken.md", "---\nid: PM-1\ntitle: [unclosed\n---\n\nText.\n")
    diagnostics = await _open(client, path)
    yaml_errors = [d for d in diagnostics if d.code == "syntax/yaml"]
    assert [d.range.start.line for d in yaml_errors] == [2]  # the line of the unclosed list, as the CLI says
    fixed = await _change(client, path, 2, [types.TextEdit(
        range=types.Range(start=types.Position(line=2, character=7), end=types.Position(line=2, character=16)),
        new_text="Fixed")])
    assert "syntax/yaml" not in {d.code for d in fixed}
    assert any(d.code.startswith("schema/") for d in fixed)  # now validated: required fields are missing


@pytest.mark.asyncio
async def test_a_file_that_is_not_utf8_gets_one_clear_diagnostic(client: LanguageClient):
    path = client.root / "content" / "postmortems" / "latin1.md"
    path.write_bytes(FRONT_MATTER.encode() + "Caf\xe9 outage.\n".encode("latin-1"))
    diagnostics = await _open(client, path, text=FRONT_MATTER + "Caf\ufffd outage.\n")
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("syntax/encoding", 10)]
    assert "UTF-8" in diagnostics[0].message


@pytest.mark.asyncio
async def test_a_huge_file_gets_one_diagnostic(client: LanguageClient):
    path = client.root / "content" / "postmortems" / "huge.md"
    text = FRONT_MATTER + ("The engineer carelessly restarted the cluster. " * 25_000) + "\n"
    path.write_text(text, encoding="utf-8")
    diagnostics = await _open(client, path)
    assert [d.code for d in diagnostics] == ["lint/too-large"]
    assert "pmsite lint" in diagnostics[0].message or "characters" in diagnostics[0].message


@pytest.mark.asyncio
async def test_the_outline_lists_atx_and_setext_headings_as_nested_sections(client: LanguageClient):
    body = ("Checkout errors\n===============\n\nSummary\n-------\n\nThe push went out at 14:02.\n\n---\n\n"
            "### Details\n\nTwelve minutes.\n\n```\n# not a heading\n```\n\n## Impact\n\n- a list item\n---\n\n"
            "About 340 orders.\n")
    path = _write(client, "2026-11-02-outline.md", FRONT_MATTER + body)
    await _open(client, path)
    outline = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri())))

    def tree(symbols):
        return [(s.name, s.detail, s.selection_range.start.line, s.selection_range.end.line, s.range.end.line,
                 tree(s.children or [])) for s in symbols]

    first = FRONT_MATTER.count("\n")  # the body's first line (0-based): front-matter is no heading
    # Sections end at their last written line: Summary at the closing fence, the h1 at the last line.
    assert tree(outline) == [("Checkout errors", "h1", first, first + 1, first + 23, [
        ("Summary", "h2", first + 3, first + 4, first + 16, [("Details", "h3", first + 10, first + 10, first + 16, [])]),
        ("Impact", "h2", first + 18, first + 18, first + 23, []),
    ])]


@pytest.mark.asyncio
async def test_the_outline_skips_any_front_matter_the_cli_skips(client: LanguageClient):
    """A front-matter that opens with a comment is still front-matter, never a heading."""
    text = "---\n# written by hand\nid: PM-2026-002\n---\nSummary\n-------\n\nText.\n"
    path = _write(client, "2026-11-03-comment.md", text)
    await _open(client, path)
    outline = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri())))
    assert [(s.name, s.selection_range.start.line, s.selection_range.end.line) for s in outline] == [("Summary", 4, 5)]
