"""``pmsite review``: the pull-request gate, on real git repositories with branches (pygit2)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pmsite.cli import cli
from pmsite.config import load_config
from pmsite.errors import ConfigError
from pmsite.load import parse_postmortem
from pmsite.review.changes import Identity
from pmsite.review.deadlines import deadlines
from pmsite.review.policy import ReviewPolicy
from tests.git_fixture import GitRepo

PATH = "content/postmortems/2024-05-22-login-outage.md"

SEV1 = """---
id: PM-2024-031
title: Login outage after the signing certificate expired
status: {status}
severity: SEV1
type: availability
date: 2024-05-22
started_at: 2024-05-22T08:00:00Z
detected_at: 2024-05-22T08:04:00Z
mitigated_at: 2024-05-22T09:10:00Z
resolved_at: 2024-05-22T09:30:00Z
authors: [priya]
reviewers: [tom, lena]
{approvals}summary: Logins failed for 70 minutes because the token signing certificate expired unnoticed.
action_items:
  - id: AI-1
    title: Alert 30 days before any signing certificate expires
    category: monitoring
    kind: systemic
    priority: P1
    owner: identity-team
    due: 2024-06-30
    status: open
---

## Summary

Logins failed for 70 minutes because the token signing certificate expired.

## Impact

About 41,000 login attempts failed between 08:00 and 09:10 UTC.

## Timeline

| Time (UTC) | Event |
| --- | --- |
| 08:00 | The signing certificate expires; token validation starts failing. |
| 09:10 | A renewed certificate is deployed. |

## The second story

The certificate was issued by hand three years earlier; the runbook for renewing it lived in a wiki page nobody was asked to read.

## Contributing factors and latent conditions

- No inventory of certificates existed outside the load balancers.

## Decision points

{decisions}

## Detection gap

Four minutes: the login error alert fired at 08:04.

## What went well

The identity team had a tested deploy path for configuration changes.

## Where we got lucky

The expiry fell on a weekday morning.

## Action items

<!-- Keep the list in the front-matter. -->

## Lessons

Certificates issued by hand expire without anyone owning them.
"""

DECISIONS = "At 08:20 the team chose to roll back the latest deploy, the most likely cause given the dashboards."


def postmortem(status: str, approvals: list[str] | None = None, decisions: str = DECISIONS) -> str:
    approved = f"approved_by: [{', '.join(approvals)}]\n" if approvals else ""
    return SEV1.format(status=status, approvals=approved, decisions=decisions)


@pytest.fixture
def git(tmp_path):
    """main has the postmortem as a draft, written by Priya; HEAD is the pull request branch 'publish'."""
    repo = GitRepo(tmp_path)
    repo.write("pmsite.yaml", "title: Test\n")
    repo.write(PATH, postmortem("draft", decisions="<!-- List the moments where the response could have gone another way. -->"))
    repo.commit("Draft the login outage postmortem", "2024-05-23 10:00")
    repo.repo.branches.local.create("publish", repo.repo.head.peel())
    repo.repo.checkout("refs/heads/publish")
    return repo


def review(runner, repo, *args):
    return runner.invoke(cli, ["-C", str(repo.root), "review", "--base", "main", *args])


def rules(result) -> list[tuple[str, str]]:
    return sorted((f["rule"], f["severity"]) for f in json.loads(result.stdout)["findings"])


def test_publishing_a_sev1_with_an_empty_section_and_no_approvals_fails(runner, git):
    git.write(PATH, postmortem("published", decisions="<!-- List the moments. -->"))
    git.commit("Publish", "2024-05-30 10:00")
    result = review(runner, git, "--format", "json")
    assert result.exit_code == 1, result.output
    assert rules(result) == [("quality/empty-section", "error"), ("review/approvals", "error")]
    findings = json.loads(result.stdout)["findings"]
    empty = next(f for f in findings if f["rule"] == "quality/empty-section")
    assert git.root.joinpath(PATH).read_text().split("\n")[empty["line"] - 1] == "## Decision points"
    assert "needs 2 approvals before it is published; it has 0" in next(
        f["message"] for f in findings if f["rule"] == "review/approvals")
    assert f"{PATH}: draft -> published" in result.stderr


def test_the_same_pull_request_passes_once_the_section_and_approvals_are_there(runner, git):
    git.write(PATH, postmortem("published", decisions="<!-- List the moments. -->"))
    git.commit("Publish", "2024-05-30 10:00")
    git.write(PATH, postmortem("published", ["tom", "lena"]))
    git.commit("Fill in decision points; approvals", "2024-05-31 10:00", author="Tom Berg", email="tom@example.com")
    result = review(runner, git)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "no problems found"


def test_an_approver_who_is_the_only_author_does_not_count(runner, git):
    git.write(PATH, postmortem("published", ["priya", "tom"]))
    git.commit("Publish", "2024-05-30 10:00")  # every commit by Priya Raman <priya@example.com>
    result = review(runner, git, "--format", "json")
    assert result.exit_code == 1
    assert rules(result) == [("review/approvals", "error"), ("review/self-approval", "error")]
    # once someone else has written part of it, the author's approval counts
    git.write(PATH, postmortem("published", ["priya", "tom"]).replace("unnoticed.", "unnoticed at night."))
    git.commit("Clarify", "2024-05-31 10:00", author="Lena Vogel", email="lena@example.com")
    assert review(runner, git).exit_code == 0


def test_in_review_needs_summary_impact_and_timeline(runner, git):
    text = postmortem("in-review").replace(
        "About 41,000 login attempts failed between 08:00 and 09:10 UTC.", "<!-- Who noticed what? -->")
    git.write(PATH, text)
    git.commit("Ready for review", "2024-05-29 10:00")
    result = review(runner, git, "--format", "json")
    assert result.exit_code == 1
    assert rules(result) == [("review/empty-section", "error")]
    assert "'Impact'" in json.loads(result.stdout)["findings"][0]["message"]


def test_changes_on_the_base_branch_after_the_fork_are_not_reviewed(runner, git):
    other = "content/postmortems/2024-06-01-other.md"
    git.write(PATH, postmortem("published", ["tom", "lena"]))
    git.commit("Publish", "2024-05-30 10:00", author="Tom Berg", email="tom@example.com")
    # main moves on with a broken published postmortem the pull request never touched
    git.repo.checkout("refs/heads/main")
    git.write(other, postmortem("published").replace("PM-2024-031", "PM-2024-032"))
    git.commit("Unreviewed change on main", "2024-05-31 10:00")
    git.repo.checkout("refs/heads/publish")
    result = review(runner, git)
    assert result.exit_code == 0, result.output


def test_a_pull_request_without_postmortem_changes_passes(runner, git):
    git.write("README.md", "notes\n")
    git.commit("Docs", "2024-05-30 10:00")
    result = review(runner, git)
    assert result.exit_code == 0
    assert "no postmortem changed since main" in result.stderr


def test_wont_publish_needs_a_reason(runner, git):
    git.write(PATH, postmortem("wont_publish", ["tom", "lena"]))
    git.commit("Close without publishing", "2024-05-30 10:00")
    result = review(runner, git, "--format", "json")
    assert result.exit_code == 1
    assert [f["message"] for f in json.loads(result.stdout)["findings"]] == [
        "the front-matter has no 'reason' (required)"]
    git.write(PATH, postmortem("wont_publish", ["tom", "lena"]).replace(
        "authors:", "reason: Duplicate of PM-2024-030, the same expiry seen from the admin portal.\nauthors:"))
    git.commit("Give the reason", "2024-05-30 11:00")
    assert review(runner, git).exit_code == 0


def test_github_format_annotates_the_failing_line(runner, git):
    git.write(PATH, postmortem("published"))
    git.commit("Publish", "2024-05-30 10:00")
    result = review(runner, git, "--format", "github")
    assert result.exit_code == 1
    assert f"::error file={PATH},line=" in result.stdout and "review/approvals" in result.stdout


def test_an_unknown_base_is_a_usage_error_naming_the_fix(runner, git):
    result = runner.invoke(cli, ["-C", str(git.root), "review", "--base", "origin/nope"])
    assert result.exit_code == 2
    assert "--base 'origin/nope' is not a branch, tag or commit here; fetch it first" in result.stderr


def test_review_policy_reads_pmsite_yaml_and_rejects_bad_values(tmp_path):
    (tmp_path / "pmsite.yaml").write_text("review:\n  approvals: {SEV1: 3}\n  publish_within: {SEV2: 10}\n")
    policy = ReviewPolicy.from_config(load_config(tmp_path))
    assert policy.approvals_for("SEV1") == 3 and policy.approvals_for("SEV2") == 1
    assert policy.days_to_publish("SEV2") == 10
    for bad, message in (("review:\n  approvals: {SEV9: 1}\n", "'SEV9', which is not a severity"),
                         ("review:\n  approvals: 2\n", "review.approvals must map severities to numbers"),
                         ("review:\n  publish_within: {SEV1: -1}\n", "review.publish_within.SEV1 must be"),
                         ("review:\n  approval: {SEV1: 1}\n", "review.approval is not a setting")):
        (tmp_path / "pmsite.yaml").write_text(bad)
        with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
            ReviewPolicy.from_config(load_config(tmp_path))


def test_identities_match_handles_by_email_login_and_name():
    priya = Identity("Priya Raman", "priya.raman@example.com")
    assert priya.is_handle("priya.raman") and priya.is_handle("Priya") and priya.is_handle("priya-raman")
    assert not priya.is_handle("tom")
    assert Identity("Tom", "1234+tberg@users.noreply.github.com").is_handle("@tberg")


def test_deadlines_count_from_resolution_by_severity(tmp_path):
    (tmp_path / "pmsite.yaml").write_text("review:\n  publish_within: {SEV1: 7}\n")
    policy = ReviewPolicy.from_config(load_config(tmp_path))
    draft, _ = parse_postmortem(postmortem("in-review"), tmp_path / "a.md", "a.md")
    published, _ = parse_postmortem(postmortem("published").replace("PM-2024-031", "PM-2024-040"),
                                    tmp_path / "b.md", "b.md")
    found = deadlines([draft, published], policy, dt.date(2024, 6, 3))
    assert [(d.id, d.due.isoformat(), d.days_overdue) for d in found] == [("PM-2024-031", "2024-05-29", 5)]
    assert deadlines([draft], policy, dt.date(2024, 5, 29))[0].overdue is False


def test_a_lint_error_blocks_publication(runner, git):
    git.write(PATH, postmortem("published", ["tom", "lena"]).replace(
        "The certificate was issued by hand", "This was human error. The certificate was issued by hand"))
    git.commit("Publish", "2024-05-30 10:00", author="Tom Berg", email="tom@example.com")
    result = review(runner, git, "--format", "json")
    assert result.exit_code == 1
    assert ("blame/human-error", "error") in rules(result)


def test_actions_postmortems_lists_unpublished_ones_past_their_deadline(runner, git):
    published = postmortem("published", ["tom", "lena"]).replace("PM-2024-031", "PM-2024-033")
    git.write("content/postmortems/2024-05-01-published.md", published)
    result = runner.invoke(cli, ["-C", str(git.root), "actions", "postmortems", "--as-of", "2024-06-03"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "POSTMORTEM   SEV   STATUS  DUE         LATE  TEAMS  TITLE",
        "PM-2024-031  SEV1  draft   2024-05-29  5d           Login outage after the signing certificate expired",
        "1 unpublished postmortem, 1 past review.publish_within as of 2024-06-03",
    ]
    on_time = runner.invoke(cli, ["-C", str(git.root), "actions", "postmortems", "--overdue", "--format", "json",
                                  "--as-of", "2024-05-29"])
    assert json.loads(on_time.stdout)["postmortems"] == []


def test_the_pull_request_workflow_init_writes_runs_the_gate(runner, tmp_path):
    import yaml

    assert runner.invoke(cli, ["init", str(tmp_path / "repo")]).exit_code == 0
    workflow = yaml.safe_load((tmp_path / "repo" / ".github" / "workflows" / "postmortem-lint.yml").read_text())
    steps = workflow["jobs"]["review"]["steps"]
    assert next(s for s in steps if "checkout" in s.get("uses", ""))["with"]["fetch-depth"] == 0
    run = next(s for s in steps if "pmsite review" in s.get("run", ""))
    assert run["run"] == 'pmsite review --base "$BASE_SHA" --format github'
    assert run["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"


def test_without_commits_of_the_file_its_authors_list_stands_in(runner, tmp_path):
    content = tmp_path / "content" / "postmortems"
    content.mkdir(parents=True)
    (tmp_path / "pmsite.yaml").write_text("title: Test\nreview:\n  approvals: {SEV1: 1}\n")
    (content / "a.md").write_text(postmortem("published", ["priya"]))  # authors: [priya]
    result = runner.invoke(cli, ["-C", str(tmp_path), "review", "--format", "json"])
    assert result.exit_code == 1
    assert rules(result) == [("review/approvals", "error"), ("review/self-approval", "error")]
    assert "priya approved the postmortem but is its only author (its authors list)" in result.stdout
