"""The PR lint workflow, the composite action and the pre-commit hooks are valid and safe."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.conftest import REPO_ROOT, installed_tool

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "postmortem-lint.yml"
SCAFFOLD_WORKFLOW = REPO_ROOT / "pmsite" / "scaffold" / "init" / "dot-github" / "workflows" / "postmortem-lint.yml"
ACTION = REPO_ROOT / "action.yml"
HOOKS = REPO_ROOT / ".pre-commit-hooks.yaml"
SCAFFOLD_PRE_COMMIT = REPO_ROOT / "pmsite" / "scaffold" / "init" / "dot-pre-commit-config.yaml"


@pytest.mark.parametrize(("path", "schema"), [
    (WORKFLOW, "vendor.github-workflows"),
    (SCAFFOLD_WORKFLOW, "vendor.github-workflows"),
    (ACTION, "vendor.github-actions"),
])
def test_files_match_the_github_schemas(path, schema):
    run = subprocess.run([installed_tool("check-jsonschema"), "--builtin-schema", schema, str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("path", [WORKFLOW, SCAFFOLD_WORKFLOW, ACTION], ids=lambda p: p.name)
def test_zizmor_finds_nothing(path):
    run = subprocess.run([installed_tool("zizmor"), "--offline", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_workflow_lints_only_changed_postmortems_with_annotations_and_summary():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["lint"]["steps"]
    checkout = next(step for step in steps if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    script = next(step["run"] for step in steps if "git diff" in step.get("run", ""))
    assert "--diff-filter=ACMR" in script and "content/postmortems/" in script
    assert "--format github" in script and '--format markdown < "$RUNNER_TEMP/changed" >> "$GITHUB_STEP_SUMMARY"' in script
    assert "${{" not in script  # untrusted values reach the shell through env, never templated in
    upload = next(step for step in steps if "upload-sarif" in step.get("uses", ""))
    assert upload["continue-on-error"] is True


@pytest.mark.parametrize("path", [WORKFLOW, SCAFFOLD_WORKFLOW, ACTION], ids=lambda p: p.name)
def test_third_party_actions_are_pinned_by_commit(path):
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = (document.get("runs", {}).get("steps") or
             [step for job in document.get("jobs", {}).values() for step in job["steps"]])
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses and all(len(use.split("@", 1)[1]) == 40 for use in uses), uses


def test_scaffold_workflow_is_the_repository_workflow():
    assert SCAFFOLD_WORKFLOW.read_text(encoding="utf-8") == WORKFLOW.read_text(encoding="utf-8")


def test_pre_commit_hooks_run_pmsite_on_postmortems():
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert hooks["pmsite-lint"]["entry"] == "pmsite lint"
    assert hooks["pmsite-lint"]["files"] == "^content/postmortems/"
    local = yaml.safe_load(SCAFFOLD_PRE_COMMIT.read_text(encoding="utf-8"))["repos"][0]
    assert local["repo"] == "local"
    assert {hook["id"]: hook["entry"] for hook in local["hooks"]} == {
        hook_id: hooks[hook_id]["entry"] for hook_id in ("pmsite-lint", "pmsite-validate")}


def test_action_lints_changed_files_and_reports_every_format():
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    script = action["runs"]["steps"][-1]["run"]
    for fragment in ("--format github", "--format markdown", "--format sarif", '--fail-on "$FAIL_ON"'):
        assert fragment in script
    assert "${{" not in script


def test_action_posts_suggested_changes_only_when_asked():
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["inputs"]["suggestions"]["default"] == "false"
    setup = next(step for step in action["runs"]["steps"] if step.get("uses", "").startswith("reviewdog/"))
    assert setup["if"] == "inputs.suggestions == 'true'"
    lint = action["runs"]["steps"][-1]
    assert '[ "$SUGGESTIONS" = "true" ]' in lint["run"]
    assert "--format rdjson" in lint["run"] and "-reporter=github-pr-review" in lint["run"]
    assert lint["env"]["REVIEWDOG_GITHUB_API_TOKEN"] == "${{ inputs.github-token }}"  # never in the script
