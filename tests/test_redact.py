"""Secrets never reach a timeline: realistic fake credentials of every kind."""

from __future__ import annotations

import pytest

from pmsite.errors import ConfigError
from pmsite.redact import Redactor, redactor_from_config

# Fake but realistically shaped secrets (none of these is live).
SECRETS = {
    "slack-token": ["xoxb-2847561093-4729105836271-Qm8vTzXkLp3RwYn6JdFs2Hc9",
                    "xoxp-1234567890-1234567890-1234567890123-0123456789abcdef0123456789abcdef",
                    "xapp-1-A05R8KQ7ZP2-5823491046735-9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928"],
    "slack-webhook": ["https://hooks.slack.com/services/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"],
    "github-token": ["ghp_R7xQm2LpVn8KcT4wZy6HbJd3FsGa9EuNo1Ik", "gho_16C7e42F292c6912E7710c838347Ae178B4a",
                     "github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234"],
    "aws-access-key": ["AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A"],
    "google-api-key": ["AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe"],
    "private-key": ["-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\n"
                    "Z1BjP5CE/Wm/Rr500P\n-----END RSA PRIVATE KEY-----",
                    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
                    "-----END OPENSSH PRIVATE KEY-----"],
}


@pytest.mark.parametrize("kind,secret", [(k, s) for k, values in SECRETS.items() for s in values])
def test_each_kind_is_replaced_inside_a_sentence(kind, secret):
    redactor = Redactor()
    text = redactor.redact(f"try this: {secret} and tell me")
    assert text == f"try this: [REDACTED:{kind}] and tell me"
    assert redactor.counts == {kind: 1}


def test_bearer_token_keeps_the_header_shape():
    text = 'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzYW0ifQ.c2lnbmF0dXJl" https://api'
    assert Redactor().redact(text) == 'curl -H "Authorization: Bearer [REDACTED:bearer-token]" https://api'


def test_aws_secret_key_after_its_name_keeps_the_name():
    text = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert Redactor().redact(text) == "aws_secret_access_key = [REDACTED:aws-secret-key]"
    env = 'AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"'
    assert Redactor().redact(env) == 'AWS_SECRET_ACCESS_KEY="[REDACTED:aws-secret-key]"'


def test_password_in_url_keeps_user_and_host():
    text = "DATABASE_URL=postgres://checkout:S3cr3t!pw@db-1.internal:5432/checkout"
    assert Redactor().redact(text) == "DATABASE_URL=postgres://checkout:[REDACTED:url-password]@db-1.internal:5432/checkout"


def test_truncated_private_key_block_is_redacted_to_the_end():
    text = "pasted key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oqt"
    assert Redactor().redact(text) == "pasted key: [REDACTED:private-key]"


@pytest.mark.parametrize("harmless", [
    "deploy 2024.03.07-3 went out at 23:35", "see https://grafana.example.com/d/checkout?from=now-1h",
    "the ghp_ prefix marks GitHub tokens", "Bearer auth failed for user", "AKIA keys rotate monthly",
    "mailto:oncall@example.com", "ssh git@github.com:acme/checkout.git",
])
def test_ordinary_text_is_left_alone(harmless):
    redactor = Redactor()
    assert redactor.redact(harmless) == harmless
    assert not redactor.counts


def test_configured_patterns_with_and_without_a_name():
    redactor = redactor_from_config({"redact": [{"name": "jira-token", "pattern": r"ATATT3x[A-Za-z0-9_\-]{20,}"},
                                                r"\bcustomer-\d{6}\b"]})
    text = redactor.redact("token ATATT3xFfGF0T4JNjB7fQ2_k-9LmNpQrS for customer-123456")
    assert text == "token [REDACTED:jira-token] for [REDACTED:custom]"


@pytest.mark.parametrize("settings,message", [
    ({"redact": "x"}, "timeline.redact must be a list"),
    ({"redact": [{"name": "n"}]}, r"timeline.redact\[0\] must be a regular expression"),
    ({"redact": ["ok", "("]}, r"timeline.redact\[1\] '\(' is not a valid regular expression"),
])
def test_bad_configured_patterns_are_config_errors(settings, message):
    with pytest.raises(ConfigError, match=message):
        redactor_from_config(settings)
