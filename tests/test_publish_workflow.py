"""The Pages workflow: the repository's copy and the one ``pmsite init`` writes are the same, pinned and clean."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import REPO_ROOT, installed_tool

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "publish.yml"
SCAFFOLD = REPO_ROOT / "pmsite" / "scaffold" / "init" / "dot-github" / "workflows" / "publish.yml"


def test_init_writes_the_same_workflow():
    assert SCAFFOLD.read_text() == WORKFLOW.read_text()


def test_full_history_and_actions_pinned_by_commit():
    text = WORKFLOW.read_text()
    assert "fetch-depth: 0" in text and "pmsite build --out site" in text
    uses = re.findall(r"uses: (\S+)", text)
    assert {u.split("@")[0] for u in uses} == {"actions/checkout", "actions/setup-python", "actions/configure-pages",
                                               "actions/upload-pages-artifact", "actions/deploy-pages"}
    assert all(re.fullmatch(r"[\w/-]+@[0-9a-f]{40}", u) for u in uses)


@pytest.mark.parametrize("command", [
    ["zizmor", "--offline", str(WORKFLOW)],
    ["check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
])
def test_workflow_passes_the_offline_checkers(command):
    result = subprocess.run([installed_tool(command[0]), *command[1:]], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
