"""``pmsite actions sync --tracker jira`` against a local Jira Cloud REST v3 (see tests/trackers/fake_apis.py
for the API references: /rest/api/3/issue, /search/jql with nextPageToken, transitions, ADF, basic auth)."""

from __future__ import annotations

import httpx
import pytest

from pmsite.cli import cli
from pmsite.trackers.jira import adf, adf_text
from tests.trackers.corpus import assert_settled, changed_lines, make_site, pull_and_diff
from tests.trackers.fake_apis import Fault, FakeJira, Reply

ACCOUNT = "5b10ac8d82e05b22cc7d4ef5"


@pytest.fixture
def jira():
    with FakeJira("OPS") as server:
        yield server


def settings(server, extra: str = "") -> str:
    return (f"trackers:\n  users:\n    priya: {{jira: {ACCOUNT}}}\n  jira:\n    url: {server.url}\n    project: OPS\n"
            f"    backoff: 0.01\n{extra}")


def sync(runner, root, *args, token=FakeJira.TOKEN):
    env = {"JIRA_EMAIL": FakeJira.EMAIL, "JIRA_API_TOKEN": token}
    return runner.invoke(cli, ["-C", str(root), "actions", "sync", "--tracker", "jira", *args], env=env)


def transition(server, key: str, name: str) -> None:
    """Move an issue the way a person would, through the transitions endpoint."""
    auth = (FakeJira.EMAIL, FakeJira.TOKEN)
    available = httpx.get(f"{server.url}/rest/api/3/issue/{key}/transitions", auth=auth).json()["transitions"]
    chosen = next(t["id"] for t in available if t["name"] == name)
    assert httpx.post(f"{server.url}/rest/api/3/issue/{key}/transitions", auth=auth,
                      json={"transition": {"id": chosen}}).status_code == 204


def test_create_pull_and_write_back_then_nothing_changes(runner, tmp_path, jira):
    path = make_site(tmp_path, settings(jira))
    before = path.read_bytes()
    created = sync(runner, tmp_path, "--create", "--write")
    assert created.exit_code == 0, created.output
    first = jira.issues["OPS-1"]["fields"]
    assert first["summary"] == "Add a circuit breaker to the payment client"
    assert first["labels"] == ["postmortem", "category:tooling", "priority:P1"]
    assert first["assignee"] == {"accountId": ACCOUNT} and jira.issues["OPS-2"]["fields"]["assignee"] is None
    assert "https://postmortems.acme.example/postmortems/2024-03-07-checkout-latency/" in adf_text(first["description"])
    assert changed_lines(before, path.read_bytes()) == [
        f"+    link: {jira.url}/browse/OPS-1", f"+    link: {jira.url}/browse/OPS-2"]

    transition(jira, "OPS-1", "Done")
    transition(jira, "OPS-2", "In Progress")
    assert pull_and_diff(lambda *args: sync(runner, tmp_path, *args), path) == [
        "-    status: open    # updated by the tracker",
        "+    status: done    # updated by the tracker",
        "+    completed: 2024-04-02",
        "-    status: open",
        "+    status: in_progress",
    ]
    assert_settled(lambda *args: sync(runner, tmp_path, *args), path, "jira")


def test_unknown_state_moved_and_deleted_issues_are_named_and_the_rest_goes_on(runner, tmp_path, jira):
    path = make_site(tmp_path, settings(jira))
    sync(runner, tmp_path, "--create", "--write")
    jira.issues.pop("OPS-2")  # deleted
    # moved to OPS-3, where it sits in a status of no category ("undefined") that trackers.jira.states lacks
    moved = jira.add("Add a circuit breaker to the payment client", status="Parked")
    jira.moved["OPS-1"] = moved["key"]
    result = sync(runner, tmp_path, "--pull", "--write")
    assert result.exit_code == 1
    assert ("PM-2024-017 AI-1: OPS-3 is in the state 'Parked' or 'undefined', which has no pmsite status; map it "
            "under trackers.jira.states (e.g. 'Parked: in_progress')") in result.stderr
    assert ("PM-2024-017 AI-2: reading " + jira.url + "/browse/OPS-2: not found (404: Issue does not exist or you do "
            "not have permission to see it.); the issue was deleted") in result.stderr
    assert f"link: {jira.url}/browse/OPS-1 -> {jira.url}/browse/OPS-3  (OPS-3 moved)" in result.stdout
    assert f"link: {jira.url}/browse/OPS-3".encode() in path.read_bytes()
    # once mapped, the parked issue pulls cleanly
    (tmp_path / "pmsite.yaml").write_text("title: Test\n" + settings(jira, "    states: {Parked: blocked}\n"))
    mapped = sync(runner, tmp_path, "--pull")
    assert "would set  PM-2024-017 AI-1  status: open -> blocked  (OPS-3 is Parked)" in mapped.stdout


def test_search_reads_every_page_to_adopt_an_earlier_issue(runner, tmp_path, jira):
    make_site(tmp_path, settings(jira))
    for n in range(3):
        jira.add(f"Other {n}", adf(f"pmsite-item:PM-2023-00{n}/AI-1"))
    jira.add("Add a circuit breaker", adf("Opened before.\n\npmsite-item:PM-2024-017/AI-1"))
    result = sync(runner, tmp_path, "--create", "--write")
    assert result.exit_code == 0, result.output
    assert f"link: (none) -> {jira.url}/browse/OPS-4  (OPS-4 was opened by an earlier run)" in result.stdout
    searches = [body for method, p, _, body in jira.requests if p == "/rest/api/3/search/jql"]
    assert [s.get("nextPageToken") for s in searches] == [None, "2"]
    assert sorted(jira.issues) == ["OPS-1", "OPS-2", "OPS-3", "OPS-4", "OPS-5"]


def test_429_with_retry_after_is_retried(runner, tmp_path, jira):
    make_site(tmp_path, settings(jira))
    jira.faults.append(Fault("POST", r"/rest/api/3/issue$", Reply(429, {"errorMessages": ["Rate limit exceeded"]},
                                                                   {"Retry-After": "0"}), times=2))
    result = sync(runner, tmp_path, "--create", "--write")
    assert result.exit_code == 0, result.output
    assert len(jira.issues) == 2


def test_an_account_without_create_permission_names_it_and_nothing_is_written(runner, tmp_path, jira):
    path = make_site(tmp_path, settings(jira))
    before = path.read_bytes()
    result = sync(runner, tmp_path, "--create", "--write", token=FakeJira.BROWSE_ONLY)
    assert result.exit_code == 1
    assert ("the account may not do this (403: You do not have permission to create issues in this project.); it "
            "needs the 'Browse projects' and 'Create issues' project permissions") in result.stderr
    assert path.read_bytes() == before and FakeJira.BROWSE_ONLY not in result.output


def test_a_missing_site_url_is_a_configuration_error(runner, tmp_path, jira):
    make_site(tmp_path, "trackers:\n  jira: {project: OPS}\n")
    result = sync(runner, tmp_path)
    assert result.exit_code == 2
    assert "trackers.jira.url is missing: the Jira site, e.g. https://acme.atlassian.net" in result.stderr


def test_descriptions_are_atlassian_documents():
    document = adf("First paragraph.\n\nSecond one.")
    assert document == {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "First paragraph."}]},
        {"type": "paragraph", "content": [{"type": "text", "text": "Second one."}]}]}
    assert adf_text(document) == "First paragraph. Second one."


def test_a_link_with_a_query_is_read_and_kept(runner, tmp_path, jira):
    path = make_site(tmp_path, settings(jira))
    jira.add("Add a circuit breaker to the payment client", status="In Progress")
    text = path.read_text().replace("    status: open    # updated by the tracker\n",
                                    "    status: in_progress    # updated by the tracker\n"
                                    f"    link: {jira.url}/browse/OPS-1?focusedCommentId=10200\n")
    path.write_text(text)
    result = sync(runner, tmp_path, "--pull", "--write")
    assert result.exit_code == 0 and result.stdout.strip() == "jira: wrote 0 changes to 0 files"
    assert path.read_text() == text
