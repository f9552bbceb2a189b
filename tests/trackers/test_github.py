"""``pmsite actions sync --tracker github`` against a local GitHub REST API (see tests/trackers/fake_apis.py
for the API references it follows: issues endpoints, Link pagination, rate-limit headers, 410/301)."""

from __future__ import annotations

import json
import time

import pytest

from pmsite.cli import cli
from tests.trackers.corpus import PATH, changed_lines, make_site
from tests.trackers.fake_apis import Fault, FakeGitHub, Reply

REPO = "acme/postmortems"


@pytest.fixture
def github():
    with FakeGitHub(REPO) as server:
        yield server


def settings(server, extra: str = "") -> str:
    return (f"trackers:\n  users:\n    priya: {{github: priya-r}}\n  github:\n    repo: {REPO}\n"
            f"    backoff: 0.01\n    timeout: 2\n{extra}")


def sync(runner, root, server, *args, token=FakeGitHub.TOKEN):
    env = {"GITHUB_TOKEN": token, "GITHUB_API_URL": server.url}
    return runner.invoke(cli, ["-C", str(root), "actions", "sync", "--tracker", "github", *args], env=env)


def test_plan_without_write_creates_nothing_and_edits_nothing(runner, tmp_path, github):
    path = make_site(tmp_path, settings(github))
    before = path.read_bytes()
    result = sync(runner, tmp_path, github, "--create")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "would create  PM-2024-017 AI-1  Add a circuit breaker to the payment client  "
        "(labels postmortem, category:tooling, priority:P1; assignee priya-r)",
        "would create  PM-2024-017 AI-2  Warm the cache before flushing: a runbook step  "
        "(labels postmortem, category:process, priority:P2; unassigned: owner 'dana' has no user in trackers.users)",
        "github: 2 issues to create, 0 changes in 0 files; nothing written (run with --write to apply)",
    ]
    assert path.read_bytes() == before
    assert github.writes() == [] and github.issues == {}


def test_create_opens_issues_and_writes_only_the_link_lines(runner, tmp_path, github):
    path = make_site(tmp_path, settings(github))
    before = path.read_bytes()
    result = sync(runner, tmp_path, github, "--create", "--write")
    assert result.exit_code == 0, result.output
    first, second = github.issues[(REPO, 1)], github.issues[(REPO, 2)]
    assert first["title"] == "Add a circuit breaker to the payment client"
    assert "https://postmortems.acme.example/postmortems/2024-03-07-checkout-latency/" in first["body"]
    assert "pmsite-item:PM-2024-017/AI-1" in first["body"]
    assert [label["name"] for label in first["labels"]] == ["postmortem", "category:tooling", "priority:P1"]
    assert first["assignees"] == [{"login": "priya-r"}] and second["assignees"] == []
    assert (f"warning: {PATH}:21: PM-2024-017 AI-2: owner 'dana' has no github user in trackers.users; "
            "its issue is unassigned") in result.stderr
    assert changed_lines(before, path.read_bytes()) == [
        "+    link: https://github.com/acme/postmortems/issues/1",
        "+    link: https://github.com/acme/postmortems/issues/2",
    ]
    # the second run finds every item linked: nothing to do, nothing written
    after = path.read_bytes()
    again = sync(runner, tmp_path, github, "--create", "--write")
    assert again.exit_code == 0 and path.read_bytes() == after and len(github.issues) == 2
    assert again.stdout.strip() == "github: wrote 0 changes to 0 files"


def test_pull_maps_closed_issues_to_done_with_the_close_date_and_a_second_run_changes_nothing(runner, tmp_path, github):
    path = make_site(tmp_path, settings(github))
    sync(runner, tmp_path, github, "--create", "--write")
    github.close(REPO, 1, "2024-03-30T17:45:00Z")
    github.close(REPO, 2, "2024-04-02T09:00:00Z", reason="not_planned")
    before = path.read_bytes()
    plan = sync(runner, tmp_path, github, "--pull")
    assert plan.exit_code == 0 and path.read_bytes() == before
    assert "would set  PM-2024-017 AI-1  status: open -> done  (#1 is closed/completed)" in plan.stdout
    result = sync(runner, tmp_path, github, "--pull", "--write")
    assert result.exit_code == 0, result.output
    assert changed_lines(before, path.read_bytes()) == [
        "-    status: open    # updated by the tracker",
        "+    status: done    # updated by the tracker",
        "+    completed: 2024-03-30",
        "-    status: open",
        "+    status: wont_do",
    ]
    state = json.loads((tmp_path / ".pmsite" / "tracker-sync.json").read_text())
    assert state["items"]["PM-2024-017/AI-1"]["state"] == "closed/completed"
    assert state["items"]["PM-2024-017/AI-1"]["pulled"] == time.strftime("%Y-%m-%d")
    files = {p: p.read_bytes() for p in (path, tmp_path / ".pmsite" / "tracker-sync.json")}
    again = sync(runner, tmp_path, github, "--pull", "--write")
    assert again.exit_code == 0 and again.stdout.strip() == "github: wrote 0 changes to 0 files"
    assert {p: p.read_bytes() for p in files} == files
    # reopened: back to open, the completed date goes
    github.issues[(REPO, 1)].update(state="open", state_reason="reopened", closed_at=None)
    sync(runner, tmp_path, github, "--pull", "--write")
    assert b"completed: 2024-03-30" not in path.read_bytes() and b"status: open    # updated" in path.read_bytes()


def test_a_second_create_adopts_issues_an_interrupted_run_opened_reading_every_page(runner, tmp_path, github):
    make_site(tmp_path, settings(github))
    for n in range(4):  # other issues first, so the earlier run's issue is on the third page
        github.add(REPO, f"Unrelated issue {n}")
    github.add(REPO, "Add a circuit breaker", body="...\n<!-- pmsite-item:PM-2024-017/AI-1 -->")
    result = sync(runner, tmp_path, github, "--create", "--write")
    assert result.exit_code == 0, result.output
    assert "set  PM-2024-017 AI-1  link: (none) -> https://github.com/acme/postmortems/issues/5  (#5 was opened by an earlier run)" in result.stdout
    assert len(github.issues) == 6  # only AI-2 was opened
    pages = [p for m, p, _, _ in github.requests if m == "GET" and "/issues?" in p]
    assert pages[1:] == ["/repos/acme/postmortems/issues?state=all&per_page=100&page=2",
                         "/repos/acme/postmortems/issues?state=all&per_page=100&page=3"]


def test_deleted_and_moved_issues(runner, tmp_path, github):
    path = make_site(tmp_path, settings(github))
    sync(runner, tmp_path, github, "--create", "--write")
    github.deleted.add((REPO, 2))
    moved = github.add("acme/payments", "Add a circuit breaker to the payment client")
    github.moved[(REPO, 1)] = ("acme/payments", moved["number"])
    result = sync(runner, tmp_path, github, "--pull", "--write")
    assert result.exit_code == 1
    assert "set  PM-2024-017 AI-1  link: https://github.com/acme/postmortems/issues/1 -> " \
           "https://github.com/acme/payments/issues/1  (#1 moved)" in result.stdout
    assert (f"error: {PATH}:22: PM-2024-017 AI-2: reading https://github.com/acme/postmortems/issues/2: the issue was "
            "deleted (410); remove the link or point it at another issue") in result.stderr
    assert b"link: https://github.com/acme/payments/issues/1" in path.read_bytes()


def test_rate_limits_are_waited_out(runner, tmp_path, github):
    make_site(tmp_path, settings(github))
    github.faults.append(Fault("POST", r"/issues$", Reply(403, {
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
        {"retry-after": "1"})))
    github.faults.append(Fault("POST", r"/issues$", Reply(429, {"message": "API rate limit exceeded"}, {
        "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 1)})))
    started = time.monotonic()
    result = sync(runner, tmp_path, github, "--create", "--write")
    assert result.exit_code == 0, result.output
    assert len(github.issues) == 2 and time.monotonic() - started >= 1


def test_a_rate_limit_longer_than_max_wait_fails_the_item_and_names_it(runner, tmp_path, github):
    make_site(tmp_path, settings(github, "    max_wait: 5\n"))
    github.faults.append(Fault("POST", r"/issues$", Reply(403, {"message": "secondary rate limit"},
                                                          {"retry-after": "3600"})))
    result = sync(runner, tmp_path, github, "--create", "--write")
    assert result.exit_code == 1
    assert "PM-2024-017 AI-1: creating an issue in acme/postmortems: the tracker answered 403 (rate limited); " \
           "it asks to wait 3600 s, more than trackers max_wait (5 s)" in result.stderr
    assert len(github.issues) == 1  # AI-2 went on


def test_a_token_without_permission_names_the_scope_and_writes_nothing(runner, tmp_path, github):
    path = make_site(tmp_path, settings(github))
    before = path.read_bytes()
    result = sync(runner, tmp_path, github, "--create", "--write", token=FakeGitHub.READ_ONLY)
    assert result.exit_code == 1
    assert ("the token may not do this (403: Resource not accessible by personal access token); it needs Issues: "
            "read and write (fine-grained token or GitHub App), or the repo scope (classic token); GitHub asks for: "
            "issues=write") in result.stderr
    assert path.read_bytes() == before and github.issues == {}
    assert FakeGitHub.READ_ONLY not in result.output


def test_a_bad_token_is_never_printed(runner, tmp_path, github):
    make_site(tmp_path, settings(github))
    result = sync(runner, tmp_path, github, "--pull", "--create", token="ghp_wrong_but_secret_123")
    assert result.exit_code == 1
    assert "GitHub rejected the token (401: Bad credentials); check GITHUB_TOKEN" in result.stderr
    assert "ghp_wrong_but_secret_123" not in result.output


def test_a_tracker_that_times_out_fails_the_item_with_a_clear_message(runner, tmp_path, github):
    path = make_site(tmp_path, settings(github).replace("timeout: 2", "timeout: 0.3\n    retries: 1"))
    sync(runner, tmp_path, github, "--create", "--write")
    before = path.read_bytes()
    github.faults.append(Fault("GET", r"/issues/1$", None, times=2, delay=1.0))
    result = sync(runner, tmp_path, github, "--pull", "--write")
    assert result.exit_code == 1
    assert "PM-2024-017 AI-1: reading https://github.com/acme/postmortems/issues/1: the tracker did not answer " \
           "within 0.3 s, still after 2 attempts; try again later" in result.stderr
    assert path.read_bytes() == before


def test_missing_token_and_malformed_settings_are_usage_errors(runner, tmp_path, github):
    make_site(tmp_path, settings(github))
    result = runner.invoke(cli, ["-C", str(tmp_path), "actions", "sync", "--tracker", "github"], env={"GITHUB_TOKEN": ""})
    assert result.exit_code == 2
    assert "the GitHub token is not set: export GITHUB_TOKEN=..." in result.stderr
    for yaml_text, message in (
            ("trackers:\n  github: [acme/postmortems]\n", "trackers.github must be a mapping of settings"),
            ("trackers:\n  github: {repo: a/b, states: {closed: finished}}\n",
             "trackers.github.states maps 'closed' to 'finished'; pmsite statuses are open, in_progress"),
            ("trackers:\n  github: {repo: a/b, retries: lots}\n", "trackers.github.retries must be a number"),
            ("trackers:\n  github: {repository: a/b}\n", "trackers.github.repository is not a setting")):
        (tmp_path / "pmsite.yaml").write_text(yaml_text)
        result = sync(runner, tmp_path, github)
        assert result.exit_code == 2 and message in result.stderr, result.output


def test_github_links_belong_to_the_api_they_came_from():
    from pmsite.trackers.github import GitHub
    from pmsite.trackers.settings import TrackerSettings

    def client(api: str) -> GitHub:
        return GitHub(TrackerSettings("github", {"repo": "a/b", "api_url": api}, {}, {}, env={"GITHUB_TOKEN": "t"}))

    assert client("https://api.github.com").owns("https://github.com/a/b/issues/1")
    assert not client("https://api.github.com").owns("https://ghe.acme.example/a/b/issues/1")
    assert client("https://ghe.acme.example/api/v3").owns("https://ghe.acme.example/a/b/issues/1")
    assert not client("https://ghe.acme.example/api/v3").owns("https://tracker.example/PAY-102")
