"""``pmsite actions sync --tracker linear`` against a local Linear GraphQL API (see tests/trackers/fake_apis.py
for the API references: issueCreate, issue(id:), issues with pageInfo, API-key auth, error codes)."""

from __future__ import annotations

import pytest

from pmsite.cli import cli
from tests.trackers.corpus import assert_settled, changed_lines, make_site, pull_and_diff
from tests.trackers.fake_apis import Fault, FakeLinear, Reply

USER = "a1b2c3d4-user-priya"


@pytest.fixture
def linear():
    with FakeLinear() as server:
        yield server


def settings(server, extra: str = "") -> str:
    return (f"trackers:\n  users:\n    priya: {{linear: {USER}}}\n  linear:\n    team: {FakeLinear.TEAM}\n"
            f"    endpoint: {server.url}/graphql\n    backoff: 0.01\n    labels: {{postmortem: label-pm}}\n{extra}")


def sync(runner, root, *args, key=FakeLinear.KEY):
    return runner.invoke(cli, ["-C", str(root), "actions", "sync", "--tracker", "linear", *args],
                         env={"LINEAR_API_KEY": key})


def test_create_pull_and_write_back_then_nothing_changes(runner, tmp_path, linear):
    path = make_site(tmp_path, settings(linear))
    before = path.read_bytes()
    created = sync(runner, tmp_path, "--create", "--write")
    assert created.exit_code == 0, created.output
    first = linear.issues["ENG-1"]
    assert first["priority"] == 1 and first["assignee"] == USER and first["labelIds"] == ["label-pm"]
    assert "pmsite-item:PM-2024-017/AI-1" in first["description"]
    assert linear.issues["ENG-2"]["priority"] == 2 and linear.issues["ENG-2"]["assignee"] is None
    assert changed_lines(before, path.read_bytes()) == [
        f"+    link: {first['url']}", f"+    link: {linear.issues['ENG-2']['url']}"]

    linear.set_state("ENG-1", "Done", "completed", "2024-03-28T11:00:00.000Z")
    linear.set_state("ENG-2", "Canceled", "canceled", "2024-03-29T08:00:00.000Z")
    assert pull_and_diff(lambda *args: sync(runner, tmp_path, *args), path) == [
        "-    status: open    # updated by the tracker",
        "+    status: done    # updated by the tracker",
        "+    completed: 2024-03-28",
        "-    status: open",
        "+    status: wont_do",
    ]
    assert_settled(lambda *args: sync(runner, tmp_path, *args), path, "linear")


def test_pagination_moved_and_deleted_issues(runner, tmp_path, linear):
    path = make_site(tmp_path, settings(linear))
    for n in range(3):
        linear.add(f"Other {n}", f"pmsite-item:PM-2023-00{n}/AI-1")
    earlier = linear.add("Add a circuit breaker", "Opened before.\n\n<!-- pmsite-item:PM-2024-017/AI-2 -->")
    result = sync(runner, tmp_path, "--create", "--write")
    assert result.exit_code == 0, result.output
    assert f"link: (none) -> {earlier['url']}  (ENG-4 was opened by an earlier run)" in result.stdout
    lists = [body["variables"].get("after") for _, _, _, body in linear.requests if "query Issues" in body["query"]]
    assert lists == [None, "2"]
    # ENG-5 (AI-1) moves to another team and becomes OPS-1; ENG-4 (AI-2) is deleted
    moved = linear.add("Add a circuit breaker to the payment client")
    moved_identifier = moved["identifier"]
    linear.issues["OPS-1"] = {**linear.issues.pop(moved_identifier), "identifier": "OPS-1",
                              "url": "https://linear.app/acme/issue/OPS-1/add-a-circuit-breaker"}
    linear.issues.pop("ENG-5")
    linear.moved["ENG-5"] = "OPS-1"
    linear.issues.pop("ENG-4")
    pulled = sync(runner, tmp_path, "--pull", "--write")
    assert pulled.exit_code == 1
    assert "link: https://linear.app/acme/issue/ENG-5/" in pulled.stdout and "(OPS-1 moved)" in pulled.stdout
    assert ("PM-2024-017 AI-2: reading https://linear.app/acme/issue/ENG-4/add-a-circuit-breaker: not found "
            "(Entity not found); the issue was deleted or the key cannot see it") in pulled.stderr
    assert b"https://linear.app/acme/issue/OPS-1/add-a-circuit-breaker" in path.read_bytes()


def test_ratelimited_errors_are_retried(runner, tmp_path, linear):
    make_site(tmp_path, settings(linear))
    linear.faults.append(Fault("POST", r"/graphql", Reply(400, {"data": None, "errors": [
        {"message": "Rate limit exceeded", "extensions": {"code": "RATELIMITED"}}]}), times=2))
    result = sync(runner, tmp_path, "--create", "--write")
    assert result.exit_code == 0, result.output
    assert sorted(linear.issues) == ["ENG-1", "ENG-2"]


def test_a_key_without_write_access_is_named_and_never_printed(runner, tmp_path, linear):
    path = make_site(tmp_path, settings(linear))
    before = path.read_bytes()
    result = sync(runner, tmp_path, "--create", "--write", key=FakeLinear.READ_ONLY)
    assert result.exit_code == 1
    assert ("the key may not do this (You don't have permission to create issues in this team); it needs a personal "
            "API key with write access, or an OAuth token with the read and issues:create scopes") in result.stderr
    assert path.read_bytes() == before and FakeLinear.READ_ONLY not in result.output
    bad = sync(runner, tmp_path, "--create", key="lin_api_wrong_secret")  # the plan lists issues: a read
    assert "Linear rejected the API key (Authentication required, not authenticated)" in bad.stderr
    assert "lin_api_wrong_secret" not in bad.output


def test_a_link_without_the_title_slug_is_kept_as_written(runner, tmp_path, linear):
    path = make_site(tmp_path, settings(linear))
    linear.add("Add a circuit breaker to the payment client")
    text = path.read_text().replace("    status: open    # updated by the tracker\n",
                                    "    status: open    # updated by the tracker\n    link: https://linear.app/acme/issue/ENG-1\n")
    path.write_text(text)
    result = sync(runner, tmp_path, "--pull", "--write")
    assert result.exit_code == 0 and result.stdout.strip() == "linear: wrote 0 changes to 0 files"
    assert path.read_text() == text
