"""Secrets never reach a timeline: realistic fake credentials of every kind."""

from __future__ import annotations

import pytest

from pmsite.errors import ConfigError
from pmsite.redact import Redactor, redactor_from_config

# Fake but realistically shaped secrets (none of these is live).
SECRETS = {
    "slack-token": ["xoxb-2847561093-4729105836271-Qm8vTzXkLp3RwYn6JdFs2Hc9",
                    "xoxp-1234567890-1234567890-1234567890123-0123456789abcdef0123456789abcdef",
                    "xapp-1-A05R8KQ7ZP2-5823491046735-9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928",
                    "xoxc-2847561093-4729105836271-4729105836299-9f2c1e0b7a6d5c4b3a29180706f5e4d3",
                    "xoxd-oP4Ql%2FbT9mXvE8kWz1nR3sY6uH5jA0cG7dF2iL%3D"],
    "slack-webhook": ["https://hooks.slack.com/services/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"],
    "github-token": ["ghp_R7xQm2LpVn8KcT4wZy6HbJd3FsGa9EuNo1Ik", "gho_16C7e42F292c6912E7710c838347Ae178B4a",
                     "github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234"],
    "aws-access-key": ["AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A"],
    "google-api-key": ["AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe"],
    "private-key": ["-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\n"
                    "Z1BjP5CE/Wm/Rr500P\n-----END RSA PRIVATE KEY-----",
                    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
                    "-----END OPENSSH PRIVATE KEY-----",
                    "-----BEGIN ENCRYPTED PRIVATE KEY----- MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQww "
                    "-----END ENCRYPTED PRIVATE KEY-----"],
    "jwt": ["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "eyJhbGciOiJub25lIn0.eyJ1c2VyIjoiYWRtaW4ifQ."],
    "stripe-key": ["sk_live_51HqLyjWDarjtT1zdp7dcABCDEF", "rk_live_4eC39HqLyjWDarjtT1zdp7dc"],
    "gitlab-token": ["glpat-xR7mQ2pLvN8kCt4wZy6H", "gldt-aB3cD4eF5gH6iJ7kL8mN"],
    "npm-token": ["npm_R7xQm2LpVn8KcT4wZy6HbJd3FsGa9EuNo1Ik"],
    "sendgrid-key": ["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"],
    "aws-session-token": ["IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6m8RmP0vQ5nT2yX4cZa7bKe1fLh9jGu3oW"],
    "openai-key": ["sk-proj-R7xQm2LpVn8KcT4wZy6HbJd3FsGa9EuNo1Ik", "sk-ant-api03-R7xQm2LpVn8KcT4wZy6HbJd3Fs"],
    "discord-webhook": ["https://discord.com/api/webhooks/1215000000000000002/q8R2vX7mKp3LtN9wZc4YbJ6d-x_Y"],
}


@pytest.mark.parametrize("kind,secret", [(k, s) for k, values in SECRETS.items() for s in values])
def test_each_kind_is_replaced_inside_a_sentence(kind, secret):
    redactor = Redactor()
    text = redactor.redact(f"try this: {secret} and tell me")
    assert text == f"try this: [REDACTED:{kind}] and tell me"
    assert redactor.counts == {kind: 1}


@pytest.mark.parametrize("text,expected", [
    # connection strings: empty user, "/" and "@" in the password, and the host stays
    ("postgres://:S3cr3t@db-1:5432/app", "postgres://:[REDACTED:url-password]@db-1:5432/app"),
    ("redis://default:a/b+c=@cache.internal:6379", "redis://default:[REDACTED:url-password]@cache.internal:6379"),
    ("mysql://admin:p@ss@w0rd!@db.internal/shop", "mysql://admin:[REDACTED:url-password]@db.internal/shop"),
    ("amqp://svc:pw@rabbit/vhost?x=1", "amqp://svc:[REDACTED:url-password]@rabbit/vhost?x=1"),
    # headers and command lines
    ("Authorization: Bearer abc123", "Authorization: Bearer [REDACTED:bearer-token]"),
    ("-H 'Authorization: Basic dXNlcjpwYXNzd29yZA=='", "-H 'Authorization: Basic [REDACTED:basic-auth]'"),
    ("Authorization: token 9f8e7d6c5b4a", "Authorization: token [REDACTED:authorization]"),
    ("curl -u deploy:hunter2 https://ci", "curl -u deploy:[REDACTED:cli-password] https://ci"),
    ("mysql --password s3cr3t -h db", "mysql --password [REDACTED:password] -h db"),
    # settings pasted from env files, YAML and JSON
    ("aws-secret-access-key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws-secret-access-key: [REDACTED:aws-secret-key]"),
    ("AWS_SESSION_TOKEN=FQoGZXIvYXdzEBAaDOX2", "AWS_SESSION_TOKEN=[REDACTED:aws-session-token]"),
    ("PGPASSWORD=hunter2 psql -h db", "PGPASSWORD=[REDACTED:password] psql -h db"),
    ("passwd: letmein", "passwd: [REDACTED:password]"),
    ('"password": "correct horse battery"', '"password": "[REDACTED:password]"'),
    ("client_secret=Zm9vYmFyYmF6cXV4", "client_secret=[REDACTED:credential]"),
    ("secret=abc123xyz", "secret=[REDACTED:credential]"),
    ("api-key: 3f9a2c7e1b", "api-key: [REDACTED:credential]"),
    ("?sv=2022-11-02&sig=Xq3%2BkL9mN0pQ&se=2024", "?sv=2022-11-02&sig=[REDACTED:credential]&se=2024"),
    ("Server=db;User Id=sa;Password=S3cr3t!;", "Server=db;User Id=sa;Password=[REDACTED:password];"),
    ("DRIVER={x};PWD=hunter2;UID=sa", "DRIVER={x};PWD=[REDACTED:password];UID=sa"),
    ("mysql -u root -phunter2 -h db", "mysql -u root -p[REDACTED:cli-password] -h db"),
    ("sshpass -p 'S3cret' ssh host", "sshpass -p '[REDACTED:cli-password]' ssh host"),
    ("-H 'Cookie: sessionid=abc123def456; csrftoken=xyz'", "-H 'Cookie: [REDACTED:cookie]'"),
    ("X-API-Key: abc123def456", "X-API-Key: [REDACTED:credential]"),
])
def test_secrets_after_their_name_keep_the_name(text, expected):
    assert Redactor().redact(text) == expected


def test_a_private_key_split_over_records_is_redacted_to_its_end_line():
    key = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500Pabcdefghijkl\n"
           "q8R2vX7mKp3LtN9wZc4YbJ6d+/==\n-----END RSA PRIVATE KEY-----").split("\n")
    redactor = Redactor()
    one_line_each = [redactor.redact_record("tom", (line,))[0] for line in key]
    assert one_line_each == ["[REDACTED:private-key]"] * 5
    in_two = [redactor.redact_record("tom", (text,))[0] for text in
              ["here:\n" + "\n".join(key[:2]), "\n".join(key[2:]) + "\nsorry, wrong channel"]]
    assert in_two == ["here:\n[REDACTED:private-key]", "[REDACTED:private-key]\nsorry, wrong channel"]
    others = [redactor.redact_record(who, (text,))[0] for who, text in
              [("tom", key[0]), ("sam", "stop pasting keys"), ("tom", key[1]), ("tom", "done")]]
    assert others == ["[REDACTED:private-key]", "stop pasting keys", "[REDACTED:private-key]", "done"]


def test_the_tail_of_a_key_block_is_redacted_without_its_begin_line():
    text = "rest of it:\nZ1BjP5CE/Wm/Rr500Pabcdefghijkl\nq8R2vX+/==\n-----END EC PRIVATE KEY----- ok?"
    assert Redactor().redact(text) == "rest of it:\n[REDACTED:private-key] ok?"


HOSTILE = {  # ~100 KB each; before the patterns were bounded, the worst took minutes (quadratic or worse)
    "underscores": "pass secret token key auth " + "a_" * 50000, "dashes": "token " + "a-" * 50000,
    "dots": "password " + "a." * 50000, "names": "password=" * 12000, "urls": "a://b:" * 17000 + "@h",
    "key ends": ("QUJD" * 16 + "\n-----END RSA PRIVATE KEY-----\n") * 1000, "slack": "xoxb-" + "a-" * 50000,
    "headers": "Authorization: " * 7000, "cookies": "cookie:" * 15000, "jwt": "eyJ" + "a-" * 50000,
    "no end": "private key -----END RSA PRIVATE KEY" + ("\n" + "QUJD" * 16) * 1500,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_is_redacted_in_linear_time(name):
    """A guard against catastrophic backtracking, not a speed measurement (bench/redact.py measures)."""
    import time

    redactor = Redactor()
    started = time.perf_counter()
    redactor.redact_record("t", (HOSTILE[name],))
    redactor.redact_record("t", (HOSTILE[name],))
    assert time.perf_counter() - started < 10


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
    "Bearer authentication failed", "Basic auth is off on staging", "the secret: nobody had tested a cold cache",
    "password reset emails were delayed", "token bucket refilled at 23:40", "set password: $DB_PASSWORD in the runbook",
    "rotated the key: see the runbook", "commit 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39 reverted",
    "request 123e4567-e89b-12d3-a456-426614174000 failed", "https://host.internal:8443/@checkout/status",
    "https://mastodon.example/@sre", "2024-03-07T14:02:11+01:00 p99 9s", "image sha256:9f86d081884c7d659a2feaa0c55ad015",
    "cache key=user:123 evicted", "Authorization header was missing", "export PGPASSWORD=<password>",
    "sig=*** (masked by CI)", "auth: the gateway rejected it",
    "OAuth: enabled-by-default", "basic Grafana2024 dashboards", "PWD=/home/app", "docker run -p 8080:80 mysql",
    "mysql container: docker run -p 3306:3306", "secret=2024-03-07", "cookie: banner dismissed", "scikit sk-learn",
    "Authorization: failed-for-user", "task-force review",
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


def test_redact_data_cleans_every_text_of_a_nested_value_keys_included():
    from pmsite.redact import Redactor

    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
    value = {"title": f"token {token}", token: [f"x {token}", 3, None], 7: {"k": ["plain"]}}
    clean = Redactor().redact_data(value)
    assert token not in repr(clean)
    assert clean[7] == {"k": ["plain"]} and clean["title"].startswith("token ")
    assert list(clean)[1] != token and clean[list(clean)[1]][1:] == [3, None]
