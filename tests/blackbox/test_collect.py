"""``pmsite blackbox collect`` against local PagerDuty, Slack and GitHub servers.

The servers (tests/blackbox/fakes.py) follow the public API references cited
there: PagerDuty REST API v2 (https://developer.pagerduty.com/api-reference/), the Slack
Web API (https://api.slack.com/methods/conversations.history,
https://api.slack.com/methods/conversations.replies, https://api.slack.com/apis/rate-limits)
and the GitHub REST API (https://docs.github.com/en/rest/pulls/pulls,
https://docs.github.com/en/rest/deployments/deployments). They page, rate-limit and fail.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from pmsite.cli import cli
from tests.blackbox import fakes
from tests.blackbox.conftest import blackbox_yaml
from tests.conftest import REPO_ROOT

ID = fakes.INCIDENT_ID
SECRETS = (fakes.SLACK_TOKEN, fakes.PAGERDUTY_TOKEN, fakes.GITHUB_TOKEN, fakes.PASTED_SECRET)


def collect(runner, repo: Path, incident: str = ID):
    return runner.invoke(cli, ["-C", str(repo), "blackbox", "collect", "--incident", incident])


def pack_of(repo: Path) -> Path:
    packs = [p for p in (repo / "packs").iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(packs) == 1, packs
    return packs[0]


def manifest_of(pack: Path) -> dict:
    return json.loads((pack / "manifest.json").read_text(encoding="utf-8"))


def test_collect_builds_a_pack_whose_draft_validates(runner, repo, tokens):
    result = collect(runner, repo)
    assert result.exit_code == 0, result.output
    pack = pack_of(repo)
    assert pack.name == f"2026-03-07-{ID}"
    assert result.output.splitlines()[:2] == [f"created {pack}", f"created {pack}.zip"]
    assert {"draft.md", "timeline.md", "manifest.json"} <= {p.name for p in pack.iterdir()}

    checked = runner.invoke(cli, ["-C", str(repo), "validate", str(pack / "draft.md")])
    assert checked.exit_code == 0, checked.output
    assert checked.output.strip() == "no problems found"

    draft = (pack / "draft.md").read_text(encoding="utf-8")
    front = draft.split("---")[1]
    assert "started_at: 2026-03-07T13:55:00Z" in front
    assert "resolved_at: 2026-03-07T15:02:00Z" in front
    assert "severity: SEV2" in front  # PagerDuty priority P2
    assert "services: [checkout]" in front
    assert "participants: [Priya Raman, Tom Okafor]" in front
    assert f"incident_url: https://acme.pagerduty.com/incidents/{ID}" in front
    assert "Cache hit rate dropped to 3% after the flush" in draft.split("## Timeline", 1)[1]


def test_manifest_hashes_every_file_and_the_zip_holds_the_same(runner, repo, tokens, apis):
    assert collect(runner, repo).exit_code == 0
    pack = pack_of(repo)
    manifest = manifest_of(pack)
    on_disk = sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file())
    assert [f["path"] for f in manifest["files"]] == [p for p in on_disk if p != "manifest.json"]
    for entry in manifest["files"]:
        assert hashlib.sha256((pack / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    with zipfile.ZipFile(pack.with_name(pack.name + ".zip")) as archive:
        assert sorted(archive.namelist()) == sorted(f"{pack.name}/{p}" for p in on_disk)
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(f"{pack.name}/{entry['path']}")).hexdigest() == entry["sha256"]
    assert manifest["window"] == {"start": "2026-03-07T13:25:00Z", "end": "2026-03-07T15:32:00Z",
                                  "incident_start": "2026-03-07T13:55:00Z", "incident_end": "2026-03-07T15:02:00Z",
                                  "margin_minutes": 30.0}
    assert manifest["sources"]["pagerduty"]["counts"] == {"log_entries": 5, "services": 1}
    assert manifest["sources"]["slack"]["counts"] == {"channels": 1, "messages": 9, "threads": 1, "users": 2}
    assert manifest["sources"]["github"]["counts"] == {"repositories": 1, "pull_requests": 1, "deployments": 1}
    assert manifest["sources"]["dashboards"]["status"] == "skipped"
    assert manifest["sources"]["dashboards"]["reason"] == "no dashboards configured (blackbox.dashboards)"
    assert manifest["sources"]["slack"]["endpoint"] == apis["slack"].url


def test_out_puts_the_pack_in_another_folder(runner, repo, tokens, tmp_path):
    result = runner.invoke(cli, ["-C", str(repo), "blackbox", "collect", "--incident", ID, "--out", "elsewhere"])
    assert result.exit_code == 0, result.output
    assert (repo / "elsewhere" / f"2026-03-07-{ID}" / "manifest.json").is_file()
    assert (repo / "elsewhere" / f"2026-03-07-{ID}.zip").is_file()
    assert not [p for p in (repo / "packs").iterdir() if not p.name.startswith(".")]


def test_collecting_again_makes_a_second_pack_beside_the_first(runner, repo, tokens):
    assert collect(runner, repo).exit_code == 0
    again = collect(runner, repo)
    assert again.exit_code == 0
    assert again.output.splitlines()[0] == f"created {repo / 'packs' / f'2026-03-07-{ID}-2'}"


def test_a_crash_between_publishing_the_folder_and_the_zip_finishes_the_same_pack(runner, repo, tokens, apis):
    assert collect(runner, repo).exit_code == 0
    pack = pack_of(repo)
    pack.with_name(pack.name + ".zip").unlink()
    with sqlite3.connect(repo / "packs" / ".queue.sqlite") as db:  # as a kill right after the rename leaves it
        db.execute("UPDATE jobs SET state = 'running'")
        db.execute("UPDATE steps SET state = 'running' WHERE source = 'zip'")
    served = len(apis["pagerduty"].served)
    result = collect(runner, repo)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [f"created {pack}", f"created {pack}.zip"]
    assert pack_of(repo) == pack and len(apis["pagerduty"].served) == served
    with zipfile.ZipFile(pack.with_name(pack.name + ".zip")) as archive:
        assert f"{pack.name}/manifest.json" in archive.namelist()


def test_pack_is_private(runner, repo, tokens):
    assert collect(runner, repo).exit_code == 0
    pack = pack_of(repo)
    for path in [pack, *pack.rglob("*"), pack.with_name(pack.name + ".zip")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_timeline_merges_pagerduty_and_slack_in_utc_with_secrets_redacted(runner, repo, tokens):
    assert collect(runner, repo).exit_code == 0
    pack = pack_of(repo)
    rows = [line.split(" | ") for line in (pack / "timeline.md").read_text(encoding="utf-8").splitlines()
            if re.match(r"^\| \d{4}-", line)]
    times = [row[0].lstrip("| ") for row in rows]
    assert times == sorted(times)
    sources = [row[1] for row in rows]
    assert sources[:4] == ["github acme/checkout", "github acme/checkout", "pagerduty", "slack #inc-42"]
    assert {"pagerduty", "slack #inc-42"} <= set(sources)
    by_text = {row[3].split(" ([link]")[0]: row[0].lstrip("| ") for row in rows}
    assert by_text["Acknowledged"] == "2026-03-07 13:59:00"
    assert by_text["Checkout p99 is 4 s, looking"] == "2026-03-07 13:57:00"
    assert by_text["↳ in thread on priya's 14:04 message: Turning the warmer on"] == "2026-03-07 14:07:00"
    text = (pack / "timeline.md").read_text(encoding="utf-8")
    assert "Bearer [REDACTED:slack-token]" in text and "[REDACTED:aws-access-key]" in text
    assert manifest_of(pack)["redactions"] == {"aws-access-key": 1, "slack-token": 1}
    for path in [*pack.rglob("*"), pack.with_name(pack.name + ".zip")]:
        if path.is_file():
            data = path.read_bytes() if path.suffix != ".zip" else b"".join(
                zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist())
            assert not any(secret.encode() in data for secret in SECRETS), path
    assert not any(secret.encode() in (repo / "packs" / ".queue.sqlite").read_bytes()
                   for secret in SECRETS)


def test_requests_carry_tokens_page_through_and_wait_out_rate_limits(runner, repo, tokens, apis):
    apis["slack"].failures["/conversations.history"] = [(429, {"ok": False, "error": "ratelimited"},
                                                         {"Retry-After": "1"})]
    assert collect(runner, repo).exit_code == 0
    pd, slack, github = apis["pagerduty"], apis["slack"], apis["github"]
    assert pd.served[0].headers["Authorization"] == f"Token token={fakes.PAGERDUTY_TOKEN}"
    assert pd.served[0].headers["Accept"] == "application/vnd.pagerduty+json;version=2"
    assert [c.query["offset"] for c in pd.calls(f"/incidents/{ID}/log_entries")] == [["0"], ["2"], ["4"]]
    assert slack.served[0].headers["Authorization"] == f"Bearer {fakes.SLACK_TOKEN}"
    inc42 = [c for c in slack.calls("/conversations.history") if c.query["channel"] == ["C0INC42"]]
    # the rate-limited first page was asked again, then every cursor followed
    assert [c.query.get("cursor") for c in inc42] == [None, None, ["dXNlcj2"], ["dXNlcj4"]]
    assert len(slack.calls("/conversations.replies")) == 2
    assert github.served[0].headers["Authorization"] == f"Bearer {fakes.GITHUB_TOKEN}"
    # page 2 ends before the window, so page 3 is never read
    assert [c.query.get("page") for c in github.calls("/repos/acme/checkout/pulls")] == [None, ["2"]]
    messages = [m for f in (pack_of(repo) / "raw" / "slack" / "inc-42").glob("*.json")
                for m in json.loads(f.read_text(encoding="utf-8"))]
    assert len(messages) == len({m["ts"] for m in messages}) == 9


def test_pagerduty_and_github_rate_limit_headers_are_honoured(runner, repo, tokens, apis):
    apis["pagerduty"].failures[f"/incidents/{ID}/log_entries"] = [
        (429, {"error": {"message": "Too many requests", "code": 2020}}, {"ratelimit-reset": "1"})]
    reset = str(int(fakes.dt.datetime.now().timestamp()) + 1)
    apis["github"].failures["/repos/acme/checkout/deployments"] = [
        (403, {"message": "API rate limit exceeded"}, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})]
    assert collect(runner, repo).exit_code == 0
    manifest = manifest_of(pack_of(repo))
    assert [c.query["offset"] for c in apis["pagerduty"].calls(f"/incidents/{ID}/log_entries")] == [
        ["0"], ["0"], ["2"], ["4"]]
    assert len(apis["github"].calls("/repos/acme/checkout/deployments")) == 2
    assert (manifest["sources"]["pagerduty"]["attempts"], manifest["sources"]["github"]["attempts"]) == (1, 1)
    assert manifest["sources"]["github"]["counts"]["deployments"] == 1


def test_a_retry_after_beyond_the_cap_counts_as_a_failed_attempt(runner, repo, tokens, apis):
    apis["slack"].failures["/conversations.list"] = [(429, {"ok": False, "error": "ratelimited"},
                                                      {"Retry-After": "3600"})]
    assert collect(runner, repo).exit_code == 0
    slack = manifest_of(pack_of(repo))["sources"]["slack"]
    assert (slack["status"], slack["attempts"]) == ("partial", 2)
    assert slack["retries"] == ["attempt 1 failed: Slack asked to wait 3600 s before /conversations.list "
                                "(rate limited); giving up for now; retried after 0.01 s"]


def test_a_channel_the_token_cannot_read_is_recorded_and_the_pack_finishes(runner, repo, tokens):
    result = collect(runner, repo)
    assert result.exit_code == 0
    assert result.output.splitlines()[2] == "incomplete: slack (manifest.json says why)"
    manifest = manifest_of(pack_of(repo))
    assert manifest["sources"]["slack"]["status"] == "partial"
    assert manifest["sources"]["slack"]["problems"] == [
        "the Slack app is not a member of #inc-42-war-room; invite it there (/invite @your-app) and collect again "
        "(not_in_channel)"]
    assert manifest["failed"] == [{"source": "slack", "reason": manifest["sources"]["slack"]["problems"][0]}]


def test_unknown_incident_is_a_clear_error_and_leaves_no_pack(runner, repo, tokens):
    result = collect(runner, repo, "QNOSUCH1")
    assert result.exit_code == 2
    assert result.output == ("Error: PagerDuty does not know incident QNOSUCH1 (HTTP 404); check the id "
                             "(the one in the incident's URL, not its number)\n")
    assert not [p for p in (repo / "packs").iterdir() if not p.name.startswith(".")]
    assert list((repo / "packs" / ".work").iterdir()) == []


def test_pagerduty_down_keeps_the_job_queued_and_leaves_no_pack(runner, repo, tokens, apis):
    apis["pagerduty"].failures[f"/incidents/{ID}"] = [(503, {"error": {"message": "Service Unavailable"}}, {})] * 3
    result = collect(runner, repo)
    assert result.exit_code == 2
    assert result.output == (f"Error: PagerDuty answered /incidents/{ID} with HTTP 503 (Service Unavailable); the job "
                             "stays queued ('blackbox serve' tries again in 0.02 s, or run 'blackbox collect' again)\n")
    assert not [p for p in (repo / "packs").iterdir() if not p.name.startswith(".")]
    again = collect(runner, repo)
    assert again.exit_code == 0, again.output
    manifest = manifest_of(pack_of(repo))
    pagerduty = manifest["sources"]["pagerduty"]
    assert (pagerduty["status"], pagerduty["attempts"]) == ("done", 4)
    assert pagerduty["retries"][-1] == (f"attempt 3 failed: PagerDuty answered /incidents/{ID} with HTTP 503 "
                                        "(Service Unavailable); the job was queued again")
    assert len(apis["pagerduty"].calls(f"/incidents/{ID}")) == 4


def test_a_failing_source_is_retried_with_backoff_then_marked_failed(runner, repo, tokens, apis):
    apis["slack"].failures["/conversations.list"] = [(503, {"ok": False}, {})] * 3
    apis["github"].failures["/repos/acme/checkout/pulls"] = [(502, {"message": "Bad Gateway"}, {})]
    result = collect(runner, repo)
    assert result.exit_code == 0, result.output
    manifest = manifest_of(pack_of(repo))
    slack = manifest["sources"]["slack"]
    assert (slack["status"], slack["attempts"]) == ("failed", 3)
    assert slack["error"] == "Slack answered /conversations.list with HTTP 503"
    assert slack["retries"] == [
        "attempt 1 failed: Slack answered /conversations.list with HTTP 503; retried after 0.01 s",
        "attempt 2 failed: Slack answered /conversations.list with HTTP 503; retried after 0.02 s"]
    github = manifest["sources"]["github"]
    assert (github["status"], github["attempts"]) == ("done", 2)
    assert github["retries"] == ["attempt 1 failed: GitHub answered /repos/acme/checkout/pulls with HTTP 502 "
                                 "(Bad Gateway); retried after 0.01 s"]
    timeline = (pack_of(repo) / "timeline.md").read_text(encoding="utf-8")
    assert "| pagerduty |" in timeline and "slack" not in timeline


def test_a_revoked_slack_token_fails_slack_with_what_to_check(runner, repo, tokens, apis):
    apis["slack"].failures["/conversations.list"] = [(200, {"ok": False, "error": "token_revoked"}, {})]
    assert collect(runner, repo).exit_code == 0
    slack = manifest_of(pack_of(repo))["sources"]["slack"]
    assert (slack["status"], slack["attempts"]) == ("failed", 1)  # retrying cannot help
    assert slack["error"] == ("Slack conversations.list failed: token_revoked; SLACK_TOKEN is not a valid token "
                              "for this workspace (docs/blackbox.md)")


def test_without_a_pagerduty_token_nothing_is_collected(runner, repo, tokens, monkeypatch, apis):
    monkeypatch.delenv("PAGERDUTY_TOKEN")
    result = collect(runner, repo)
    assert result.exit_code == 2
    assert result.output == "Error: PAGERDUTY_TOKEN is not set; create a read-only REST API key (docs/blackbox.md)\n"
    assert not any(api.served for api in apis.values())


def test_missing_token_fails_only_its_source(runner, repo, tokens, monkeypatch):
    monkeypatch.delenv("SLACK_TOKEN")
    assert collect(runner, repo).exit_code == 0
    slack = manifest_of(pack_of(repo))["sources"]["slack"]
    assert slack["status"] == "failed"
    assert slack["error"].startswith("SLACK_TOKEN is not set")


def test_full_disk_keeps_the_job_queued_and_a_rerun_finishes_without_collecting_twice(repo, tokens, apis):
    apis["slack"].stop()
    big = {"type": "message", "user": "U1", "text": "stack trace " + "x" * 1_500_000,
           "ts": fakes.ts(fakes.T0 + fakes.dt.timedelta(minutes=30))}
    apis["slack"] = fakes.slack_api(extra_messages=(big,)).start()
    (repo / "pmsite.yaml").write_text(blackbox_yaml(apis), encoding="utf-8")
    command = [sys.executable, "-m", "pmsite", "-C", str(repo), "blackbox", "collect", "--incident", ID]
    env = os.environ | {"PYTHONPATH": str(REPO_ROOT)}

    def small_disk() -> None:  # files may not grow past 1 MB: writes fail like on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))

    full = subprocess.run(command, env=env, capture_output=True, text=True, preexec_fn=small_disk, timeout=120)
    assert full.returncode == 2, full.stderr
    assert full.stderr.startswith(f"Error: cannot write the pack for incident {ID}: File too large (")
    assert full.stderr.rstrip().endswith("nothing was published and the job stays queued")
    assert not [p for p in (repo / "packs").iterdir() if not p.name.startswith(".")]
    with sqlite3.connect(repo / "packs" / ".queue.sqlite") as db:
        assert db.execute("SELECT state FROM jobs").fetchall() == [("queued",)]

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    manifest = manifest_of(pack_of(repo))
    assert len(apis["pagerduty"].calls(f"/incidents/{ID}")) == 1  # collected once, resumed after
    slack = manifest["sources"]["slack"]
    assert (slack["status"], slack["attempts"]) == ("partial", 2)
    assert slack["retries"] == ["attempt 1 could not write its files (File too large)"]
    assert manifest["sources"]["pagerduty"]["attempts"] == 1
