"""``pmsite actions remind``: one message per recipient, escalating; e-mail to a real local SMTP server
(aiosmtpd), Slack to a local incoming-webhook stand-in (api.slack.com/messaging/webhooks: POST JSON
``{"text": ...}``, answers ``ok`` or an error such as 404 ``no_service``), GitHub comments to the local
GitHub API of tests/trackers/fake_apis.py."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from pmsite.cli import cli
from tests.conftest import REPO_ROOT
from tests.trackers.fake_apis import FakeApi, FakeGitHub, Reply

POSTMORTEM = """---
id: PM-2024-020
title: Checkout errors after a pool resize
status: published
severity: SEV2
type: availability
date: 2024-03-01
teams: [payments]
authors: [priya]
action_items:
  - id: AI-1
    title: Alert on pool saturation
    owner: priya
    priority: P1
    due: 2024-03-27
    status: open
    link: https://github.com/acme/postmortems/issues/1
  - id: AI-2
    title: Load-test pool changes before rollout
    owner: priya
    priority: P2
    due: 2024-03-20
    status: in_progress
  - id: AI-3
    title: Move pool settings into reviewed configuration
    owner: payments-team
    priority: P2
    due: 2024-03-10
    status: blocked
  - id: AI-4
    title: Write the pool sizing runbook
    owner: dana
    status: done
    completed: 2024-03-05
---
"""

DRAFT = """---
id: PM-2024-021
title: Search latency after a synonym reload
status: in-review
severity: SEV3
type: performance
date: 2024-02-20
teams: [search]
authors: [aiko]
---
"""


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def make_repo(root, port: int = 25, extra: str = "") -> None:
    (root / "content" / "postmortems").mkdir(parents=True)
    (root / "content" / "postmortems" / "2024-03-01-pool.md").write_text(POSTMORTEM)
    (root / "content" / "postmortems" / "2024-02-20-search.md").write_text(DRAFT)
    (root / "pmsite.yaml").write_text(
        "title: Test\n"
        "teams:\n  payments: {manager: marta, director: claire, members: [priya, dana]}\n  search: {director: ines}\n"
        f"remind:\n  from: postmortems@acme.example\n  email_domain: acme.example\n"
        f"  addresses: {{claire: claire.director@acme.example}}\n  smtp: {{host: 127.0.0.1, port: {port}}}\n{extra}")


def remind(runner, root, *args, env=None):
    return runner.invoke(cli, ["-C", str(root), "actions", "remind", *args], env=env or {})


def test_messages_escalate_from_owner_to_manager_to_director(runner, tmp_path):
    make_repo(tmp_path)
    result = remind(runner, tmp_path, "--dry-run", "--as-of", "2024-03-30")
    assert result.exit_code == 0, result.output
    headers = [line for line in result.stdout.splitlines() if line.startswith("To: ")]
    assert headers == ["To: aiko (manager level) via email", "To: claire (director level) via email",
                       "To: marta (manager level) via email", "To: priya (owner level) via email"]
    blocks = {block.split("\n", 1)[0]: block for block in result.stdout.split("\n\nSent by pmsite actions remind.\n\n")}
    assert "PM-2024-020 AI-1" in blocks["To: priya (owner level) via email"]        # 3 days overdue
    assert "PM-2024-020 AI-2" in blocks["To: marta (manager level) via email"]      # 10 days
    assert "PM-2024-020 AI-3" in blocks["To: claire (director level) via email"]    # 20 days, a team owns it
    assert "AI-4" not in result.stdout                                              # done
    assert result.stdout.rstrip().endswith("4 messages as of 2024-03-30; nothing sent (dry run)")


def test_missing_managers_and_directors_fall_back_with_a_note(runner, tmp_path):
    make_repo(tmp_path)
    # the SEV3 draft is 9 days past review.publish_within (30): its manager's turn, but search has none
    early = remind(runner, tmp_path, "--dry-run", "--as-of", "2024-03-30").stdout
    aiko = early[early.index("To: aiko"):]
    assert "PM-2024-021 (SEV3, in-review): Search latency after a synonym reload - due to be published 2024-03-21, " \
           "9 days late." in aiko
    assert "Note: this reached you, not a manager: add manager under teams.search in pmsite.yaml." in aiko
    late = remind(runner, tmp_path, "--dry-run", "--as-of", "2024-04-10").stdout  # 20 days late: the director
    assert "To: ines (director level) via email" in late and "To: aiko" not in late
    # payments has a manager but suppose no director: the manager stands in, and is told why
    (tmp_path / "pmsite.yaml").write_text((tmp_path / "pmsite.yaml").read_text().replace(", director: claire", ""))
    standin = remind(runner, tmp_path, "--dry-run", "--as-of", "2024-03-30").stdout
    assert "To: claire" not in standin
    assert "Note: teams.payments has no director, so this reached you as its manager; add director under " \
           "teams.payments in pmsite.yaml." in standin[standin.index("To: marta"):]


def test_email_arrives_at_the_smtp_server_with_the_escalation_level_and_twice_a_day_sends_nothing_new(runner, tmp_path, smtp):
    inbox, port = smtp
    make_repo(tmp_path, port)
    result = remind(runner, tmp_path, "--via", "email", "--as-of", "2024-03-30")
    assert result.exit_code == 0, result.output
    received = {tuple(to): message for to, message in inbox.messages}
    assert sorted(received) == [("aiko@acme.example",), ("claire.director@acme.example",), ("marta@acme.example",),
                                ("priya@acme.example",)]
    assert received[("aiko@acme.example",)]["X-Pmsite-Escalation"] == "manager"
    director = received[("claire.director@acme.example",)]
    assert director["X-Pmsite-Escalation"] == "director"
    assert director["Subject"] == "[pmsite] 1 follow-up needs attention (escalated to director)"
    assert director["From"] == "postmortems@acme.example"
    assert "Move pool settings into reviewed configuration - due 2024-03-10, 20 days overdue" in director.get_content()
    assert received[("marta@acme.example",)]["X-Pmsite-Escalation"] == "manager"
    assert received[("priya@acme.example",)]["X-Pmsite-Escalation"] == "reminder"

    again = remind(runner, tmp_path, "--via", "email", "--as-of", "2024-03-30")
    assert again.exit_code == 0 and again.stdout.strip() == "0 messages sent via email as of 2024-03-30"
    assert len(inbox.messages) == 4
    # on 2024-04-04 AI-1 is 8 days overdue and goes to the manager; AI-2, 15 days, to the director
    inbox.messages.clear()
    remind(runner, tmp_path, "--via", "email", "--as-of", "2024-04-04")
    later = {to[0]: message.get_content() for to, message in inbox.messages}
    assert "AI-1" in later["marta@acme.example"] and "AI-2" not in later["marta@acme.example"]
    assert "AI-2" in later["claire.director@acme.example"] and "priya@acme.example" not in later


def test_an_unreachable_smtp_server_names_the_recipient_and_records_nothing(runner, tmp_path):
    make_repo(tmp_path, free_port())
    result = remind(runner, tmp_path, "--via", "email", "--as-of", "2024-03-30")
    assert result.exit_code == 1
    assert "error: e-mail to priya <priya@acme.example> failed: ConnectionRefusedError" in result.stderr
    assert not (tmp_path / ".pmsite-cache" / "remind" / "sent.json").exists() or \
        '"priya|' not in (tmp_path / ".pmsite-cache" / "remind" / "sent.json").read_text()


class FakeSlackWebhook(FakeApi):
    PATH = "/services/T000/B000/XXXXSECRET"

    def __init__(self):
        super().__init__()
        self.posts = []

    def handle(self, method, path, headers, body):
        if path != self.PATH:
            return Reply(404, "no_service")
        if not isinstance(body, dict) or not body.get("text"):
            return Reply(400, "invalid_payload")
        self.posts.append(body["text"])
        return Reply(200, "ok")


def test_slack_posts_one_message_per_recipient_with_mentions_and_keeps_the_url_secret(runner, tmp_path):
    with FakeSlackWebhook() as slack:
        make_repo(tmp_path, extra="  slack_users: {priya: U024BE7LH}\n")
        url = slack.url + FakeSlackWebhook.PATH
        result = remind(runner, tmp_path, "--via", "slack", "--as-of", "2024-03-30", env={"SLACK_WEBHOOK_URL": url})
        assert result.exit_code == 0, result.output
        assert len(slack.posts) == 4
        assert any(post.startswith("*[pmsite] 1 follow-up needs attention*\nHello <@U024BE7LH>,")
                   for post in slack.posts)
        broken = remind(runner, tmp_path, "--via", "slack", "--as-of", "2024-03-31",
                        env={"SLACK_WEBHOOK_URL": slack.url + "/services/T000/B000/WRONGSECRET"})
        assert broken.exit_code == 1 and "Slack refused the message for priya (404" in broken.stderr
        assert "WRONGSECRET" not in broken.output


def test_github_comments_on_the_linked_issue_mentioning_the_owner(runner, tmp_path):
    with FakeGitHub("acme/postmortems") as github:
        github.add("acme/postmortems", "Alert on pool saturation")
        make_repo(tmp_path, extra="trackers:\n  users: {priya: {github: priya-r}}\n  github: {repo: acme/postmortems}\n")
        result = remind(runner, tmp_path, "--via", "github", "--as-of", "2024-03-30",
                        env={"GITHUB_TOKEN": FakeGitHub.TOKEN, "GITHUB_API_URL": github.url})
        assert result.exit_code == 0, result.output
        assert [(repo, number) for repo, number, _ in github.comments] == [("acme/postmortems", 1)]
        assert github.comments[0][2].startswith("@priya-r: PM-2024-020 AI-1 (P1, owner priya): Alert on pool saturation")


def test_dry_run_on_the_sample_corpus_lists_messages_per_recipient(runner):
    result = remind(runner, REPO_ROOT, "--dry-run", "--as-of", "2026-12-06")
    assert result.exit_code == 0, result.output
    recipients = [line for line in result.stdout.splitlines() if line.startswith("To: ")]
    assert "To: claire (director level) via email" in recipients
    assert "To: dana (owner level) via email" in recipients
    assert len(recipients) == len(set(recipients))  # one message per recipient
    assert "Retrain Dana on the feature flag tool - due 2026-11-30, 6 days overdue" in result.stdout
    assert f"{len(recipients)} messages as of 2026-12-06; nothing sent (dry run)" in result.stdout


def test_init_writes_a_weekly_reminder_workflow_that_is_valid_and_safe(runner, tmp_path):
    import subprocess

    import yaml

    from tests.conftest import installed_tool

    assert runner.invoke(cli, ["init", str(tmp_path / "repo")]).exit_code == 0
    path = tmp_path / "repo" / ".github" / "workflows" / "action-reminders.yml"
    workflow = yaml.safe_load(path.read_text())
    assert workflow[True]["schedule"] == [{"cron": "0 7 * * 1"}]  # PyYAML reads the key 'on' as True
    assert workflow["jobs"]["remind"]["steps"][-1]["run"] == "pmsite actions remind"
    for command in ([installed_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
                    [installed_tool("zizmor"), "--offline", str(path)]):
        run = subprocess.run(command, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def test_malformed_teams_and_remind_sections_are_usage_errors_naming_the_key(runner, tmp_path):
    make_repo(tmp_path)
    config = tmp_path / "pmsite.yaml"
    good = config.read_text()
    for broken, message in (
            (good.replace("  search: {director: ines}\n", "  search: [ines]\n"),
             "teams.search must be a mapping, e.g. 'search: {manager: alice, director: carol, members: [priya]}'"),
            (good.replace("{director: ines}", "{director: ines, boss: ravi}"),
             "teams.search.boss is not a setting; use manager, director, members"),
            (good.replace("  from: postmortems@acme.example\n", ""),
             "remind.from is missing: the sender address of reminder e-mails")):
        config.write_text(broken)
        result = remind(runner, tmp_path, "--as-of", "2024-03-30")
        assert result.exit_code == 2 and message in result.stderr, result.output
    config.write_text(good)
    result = remind(runner, tmp_path, "--via", "slack", "--as-of", "2024-03-30", env={"SLACK_WEBHOOK_URL": ""})
    assert result.exit_code == 2
    assert "the Slack webhook URL is not set: export SLACK_WEBHOOK_URL=" in result.stderr
