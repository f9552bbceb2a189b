"""The ``blackbox:`` settings, base URLs from the environment, and where tokens may come from."""

from __future__ import annotations

import os

import pytest

from pmsite.blackbox.http import retry_after
from pmsite.blackbox.settings import BlackboxError, load_secrets, load_settings
from pmsite.cli import cli
from pmsite.config import load_config
from tests.blackbox import fakes


def settings_of(site_root, text: str, environ: dict[str, str] | None = None):
    (site_root / "pmsite.yaml").write_text(text, encoding="utf-8")
    return load_settings(load_config(site_root), environ={} if environ is None else environ)


def test_defaults_need_no_configuration(site_root):
    settings = settings_of(site_root, "title: T\n")
    assert settings.urls == {"pagerduty": "https://api.pagerduty.com", "slack": "https://slack.com/api",
                             "github": "https://api.github.com"}
    assert settings.out_dir == site_root / "incident-packs"
    assert settings.queue_path == site_root / "incident-packs" / ".queue.sqlite"
    assert (settings.channel_convention, settings.margin.total_seconds(), settings.max_body_bytes) == (
        "inc-{number}", 1800, 262144)


def test_environment_urls_win_over_the_file(site_root):
    settings = settings_of(site_root, "blackbox:\n  pagerduty: {api_url: 'https://api.pagerduty.com/'}\n",
                           {"PAGERDUTY_API_URL": "https://api.eu.pagerduty.com",
                            "GITHUB_API_URL": "https://ghe.example.com/api/v3/"})
    assert settings.urls["pagerduty"] == "https://api.eu.pagerduty.com"
    assert settings.urls["github"] == "https://ghe.example.com/api/v3"


@pytest.mark.parametrize("text, message", [
    ("blackbox:\n  retries: two\n", "pmsite.yaml: blackbox.retries must be int, got str"),
    ("blackbox:\n  margin_minutes: true\n", "pmsite.yaml: blackbox.margin_minutes must be int or float, got bool"),
    ("blackbox:\n  slack: {api_url: 'slack.com/api'}\n",
     "pmsite.yaml: the slack API URL 'slack.com/api' is not an http(s) URL (set blackbox.slack.api_url or SLACK_API_URL)"),
    ("blackbox:\n  github: {repos: {checkout: acme}}\n",
     "pmsite.yaml: blackbox.github.repos.checkout must be owner/name or a list of them"),
    ("blackbox:\n  severity: {P1: critical}\n",
     "pmsite.yaml: blackbox.severity maps to critical; use SEV1, SEV2, SEV3, SEV4"),
    ("blackbox:\n  dashboards: [{name: x}]\n",
     "pmsite.yaml: blackbox.dashboards[0] needs a url (and optionally name, wait_for, wait_seconds, timeout_seconds)"),
    ("blackbox:\n  dashboards: [{name: API p99, url: 'http://g/d/a'}, {name: api-p99, url: 'http://g/d/b'}]\n",
     "pmsite.yaml: blackbox.dashboards: two dashboards have the same name once made a file name (letters and "
     "digits); rename one"),
    ("blackbox:\n  dashboards: [{url: 'file:///etc/passwd'}]\n",
     "pmsite.yaml: blackbox.dashboards[0].url 'file:///etc/passwd' is not an http(s) URL"),
])
def test_wrong_settings_name_the_key(site_root, text, message):
    with pytest.raises(BlackboxError) as error:
        settings_of(site_root, text)
    assert error.value.message == message


def test_tokens_come_from_the_environment_or_a_private_file(tmp_path):
    token_file = tmp_path / "blackbox.env"
    token_file.write_text("# tokens\nexport SLACK_TOKEN='xoxb-from-file'\nGITHUB_TOKEN=ghp_from_file\n")
    os.chmod(token_file, 0o600)
    secrets = load_secrets({"GITHUB_TOKEN": "ghp_from_env"}, str(token_file))
    assert (secrets.get("SLACK_TOKEN"), secrets.get("GITHUB_TOKEN")) == ("xoxb-from-file", "ghp_from_env")
    assert "xoxb" not in repr(secrets) and "ghp" not in repr(secrets)


def test_a_token_file_others_can_read_is_refused(tmp_path):
    token_file = tmp_path / "blackbox.env"
    token_file.write_text("SLACK_TOKEN=xoxb-readable\n")
    os.chmod(token_file, 0o644)
    with pytest.raises(BlackboxError) as error:
        load_secrets({}, str(token_file))
    assert error.value.message == (f"{token_file}: the token file is readable by others (mode 0644); "
                                   f"run: chmod 600 {token_file}")
    assert "xoxb-readable" not in error.value.message


def test_a_token_file_line_that_is_not_a_known_token_is_refused(tmp_path):
    token_file = tmp_path / "blackbox.env"
    token_file.write_text("SLACK_TOKEN=ok-value\nslack_token xoxb-typo\n")
    os.chmod(token_file, 0o600)
    with pytest.raises(BlackboxError, match=r"blackbox\.env:2: expected NAME=value with NAME one of PAGERDUTY_TOKEN"):
        load_secrets({}, str(token_file))


def test_serve_without_a_webhook_secret_refuses_to_start(runner, repo, tokens):
    result = runner.invoke(cli, ["-C", str(repo), "blackbox", "serve", "--port", "0"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: PAGERDUTY_WEBHOOK_SECRET is not set")


def test_a_second_worker_on_the_same_queue_is_refused(runner, repo, tokens):
    from pmsite.blackbox.queue import Queue

    holder = Queue(repo / "packs" / ".queue.sqlite")
    holder.take_ownership()
    try:
        result = runner.invoke(cli, ["-C", str(repo), "blackbox", "collect", "--incident", fakes.INCIDENT_ID])
    finally:
        holder.close()
    assert result.exit_code == 2
    assert "another 'pmsite blackbox' process is working this queue" in result.output


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: go now
    assert retry_after(None) == 1.0 and retry_after("soon") == 1.0
