"""Editor set-up shipped with pmsite: the VS Code extension folder and the snippets in docs/editors.md."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

from tests.conftest import REPO_ROOT, installed_tool

VSCODE = REPO_ROOT / "editors" / "vscode"
DOC = (REPO_ROOT / "docs" / "editors.md").read_text(encoding="utf-8")


def _snippets(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)


def test_vscode_extension_manifest_is_valid_and_starts_pmsite_lsp():
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    for key in ("name", "publisher", "version", "engines", "main", "activationEvents"):
        assert manifest[key], key
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["engines"]["vscode"].startswith("^")
    assert "onLanguage:markdown" in manifest["activationEvents"]
    assert (VSCODE / manifest["main"]).is_file()
    assert manifest["contributes"]["configuration"]["properties"]["pmsite.command"]["default"] == ["pmsite", "lsp"]
    assert "vscode-languageclient" in manifest["dependencies"]


def test_vscode_extension_script_is_valid_javascript():
    node = installed_tool("node")
    run = subprocess.run([node, "--check", str(VSCODE / "extension.js")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "vscode-languageclient/node" in (VSCODE / "extension.js").read_text(encoding="utf-8")


def test_helix_snippet_is_toml_that_runs_pmsite_lsp_for_markdown():
    (snippet,) = _snippets("toml")
    config = tomllib.loads(snippet)
    assert config["language-server"]["pmsite"] == {"command": "pmsite", "args": ["lsp"]}
    assert "pmsite" in config["language"][0]["language-servers"]


def test_zed_snippet_is_json_with_the_command():
    (snippet,) = [s for s in _snippets("json") if '"lsp"' in s]
    assert json.loads(snippet)["lsp"]["pmsite"]["binary"] == {"path": "pmsite", "arguments": ["lsp"]}


def test_neovim_snippet_starts_the_server_for_markdown():
    (snippet,) = _snippets("lua")
    assert 'cmd = { "pmsite", "lsp" }' in snippet and 'pattern = "markdown"' in snippet
    assert snippet.count("(") == snippet.count(")") and snippet.count("{") == snippet.count("}")
