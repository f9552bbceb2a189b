"""Property-style: many secret shapes, in varied surroundings and in every field an importer reads,
never reach any output of ``pmsite timeline`` (markdown, csv, json) or the file ``pmsite new`` writes;
ordinary text (times, hashes, UUIDs, plain URLs) comes through unchanged.

Secrets are generated from a fixed seed, so a failure names a reproducible case.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import string

import pytest

from pmsite.cli import cli

START = dt.datetime(2024, 3, 7, 23, 0, tzinfo=dt.timezone.utc)
ALNUM = string.ascii_letters + string.digits


def _random(rng: random.Random, length: int, alphabet: str = ALNUM) -> str:
    # A digit at a random place: generated credentials have them, and the secret is then not a word.
    text = [rng.choice(alphabet) for _ in range(length - 1)]
    text.insert(rng.randrange(length), rng.choice(string.digits))
    return "".join(text)


def _pem(rng: random.Random) -> tuple[str, list[str]]:
    lines = [_random(rng, 64, ALNUM + "+/") for _ in range(rng.randint(2, 5))] + [_random(rng, 20) + "=="]
    kind = rng.choice(["RSA ", "EC ", "OPENSSH ", "", "ENCRYPTED "])
    return f"-----BEGIN {kind}PRIVATE KEY-----\n" + "\n".join(lines) + f"\n-----END {kind}PRIVATE KEY-----", lines


def secret_shapes(rng: random.Random) -> list[tuple[str, list[str]]]:
    """(text to paste, the parts that must never appear in output)."""
    password = _random(rng, rng.randint(6, 14), ALNUM + "!#%^*-_/@")
    user = rng.choice(["", "app", "svc_checkout", "admin"])
    token = _random(rng, rng.randint(6, 14))
    basic = base64.b64encode(f"deploy:{_random(rng, 10)}".encode()).decode()
    jwt = "eyJhbGciOiJIUzI1NiJ9." + base64.urlsafe_b64encode(
        json.dumps({"sub": _random(rng, 8)}).encode()).decode().rstrip("=") + "." + _random(rng, 43, ALNUM + "-_")
    aws_secret = _random(rng, 40, ALNUM + "/+")
    session = "IQoJb3JpZ2luX2Vj" + _random(rng, 120, ALNUM + "/+")
    simple = {
        "ghp_" + _random(rng, 36), "github_pat_" + _random(rng, 22) + "_" + _random(rng, 59),
        f"xox{rng.choice('bpcdar')}-{rng.randint(10**9, 10**10)}-{_random(rng, 24)}",
        "sk_live_" + _random(rng, 24), "rk_live_" + _random(rng, 24), "glpat-" + _random(rng, 20),
        "npm_" + _random(rng, 36), "AKIA" + _random(rng, 16, string.ascii_uppercase + string.digits),
        "AIza" + _random(rng, 35, ALNUM + "_-"), jwt, session, "sk-proj-" + _random(rng, 40),
        f"https://discord.com/api/webhooks/{rng.randint(10**17, 10**18)}/{_random(rng, 60, ALNUM + '-_')}",
    }
    shapes = [(s, [s]) for s in simple]
    shapes += [
        (f"postgres://{user}:{password}@db-{rng.randint(1, 9)}.internal:5432/app", [password]),
        (f"Authorization: Bearer {token}", [token]),
        (f"Authorization: Basic {basic}", [basic]),
        (f"{rng.choice(['password', 'PGPASSWORD', 'db_password', 'passwd'])}{rng.choice(['=', ': '])}{password}",
         [password]),
        (f"{rng.choice(['aws_secret_access_key', 'aws-secret-access-key', 'AWS_SECRET_ACCESS_KEY'])}={aws_secret}",
         [aws_secret]),
        (f"{rng.choice(['client_secret', 'api_key', 'secret', 'access_token'])}={token}x9", [token + "x9"]),
        (f"curl -u deploy:{password} https://ci.internal", [password]),
        (f"mysql -u root -p{password} -h db", [password]),
        (f"Cookie: sessionid={token}; theme=dark", [token]),
        _pem(rng),
    ]
    return shapes


SURROUNDINGS = ["{}", "try {} now", "`{}`", '"{}"', "({})", "{}.", "cfg: {}", "before\n{}\nafter",
                "{} — copied from the vault", "1) {}\n2) rotate it"]


def cases(count: int, seed: int = 12) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    found = []
    while len(found) < count:
        for text, cores in secret_shapes(rng):
            found.append((rng.choice(SURROUNDINGS).format(text), cores))
    return found[:count]


ORDINARY = ["3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39", "123e4567-e89b-12d3-a456-426614174000",
            "https://grafana.example.com/d/checkout?from=now-1h&to=now", "2024-03-07T14:02:11+01:00",
            "10.4.2.17:6379", "checkout-7d9f8b6c5-x2x9q", "p99 9.2s", "sha256:9f86d081884c7d659a2feaa0c55ad015",
            "https://host.internal:8443/@checkout/status", "password reset mails", "token bucket", "Bearer auth"]


def write_exports(root, secret_cases) -> list[str]:
    """A Slack export, a JSON Lines log and a PagerDuty incident with the secrets in every field."""
    slack = root / "slack"
    (slack / "inc").mkdir(parents=True)
    leaky_name = secret_cases[0][0].replace("\n", " ")
    (slack / "users.json").write_text(json.dumps([{"id": "U1", "name": "priya", "profile": {"display_name": "Priya"}},
                                                  {"id": "U2", "name": "x", "profile": {"display_name": leaky_name}}]))
    (slack / "channels.json").write_text(json.dumps([{"id": "C1", "name": "inc"}]))
    messages = []
    for index, (text, _) in enumerate(secret_cases + [(" ".join(ORDINARY), [])]):
        ts = f"{(START + dt.timedelta(seconds=index)).timestamp():.6f}"
        if index % 3 == 1:  # Slack wraps links in <...>
            text = f"<{text}>" if "://" in text and " " not in text else text
        messages.append({"type": "message", "user": "U1" if index else "U2", "ts": ts, "text": text})
    (slack / "inc" / "2024-03-07.json").write_text(json.dumps(messages))
    with (root / "app.jsonl").open("w") as log:
        for index, (text, _) in enumerate(secret_cases):
            moment = START + dt.timedelta(minutes=5, seconds=index)
            log.write(json.dumps({"ts": moment.isoformat(), "service": "checkout", "msg": text}) + "\n")
        for index, line in enumerate(_pem(random.Random(3))[0].split("\n")):  # one key, a line per record
            log.write(json.dumps({"ts": (START + dt.timedelta(minutes=9, seconds=index)).isoformat(),
                                  "service": "vault-agent", "msg": line}) + "\n")
    incident = {"incident": {
        "title": "Checkout down", "created_at": "2024-03-07T23:00:00Z", "resolved_at": "2024-03-07T23:30:00Z",
        "html_url": "https://acme.pagerduty.com/incidents/Q1?token=" + secret_cases[1][1][0] + "x9Z",
        "service": {"summary": secret_cases[2][0].replace("\n", " ")}}}
    (root / "incident.json").write_text(json.dumps(incident))
    return ["slack", "app.jsonl", "pagerduty:incident.json"]


SECRET_CASES = cases(240)


def _leaks(output: str, secret_cases) -> list[str]:
    return [core for _, cores in secret_cases for core in cores if core in output]


@pytest.mark.parametrize("output_format", ["markdown", "csv", "json"])
def test_no_secret_shape_survives_in_any_timeline_format(runner, tmp_path, output_format):
    sources = write_exports(tmp_path, SECRET_CASES)
    result = runner.invoke(cli, ["-C", str(tmp_path), "timeline", *sources, "--keep-noise", "--format", output_format])
    assert result.exit_code == 0, result.output
    assert _leaks(result.output, SECRET_CASES) == []
    assert "vault-agent" in result.output and result.output.count("[REDACTED:private-key]") >= 7
    assert all(word in result.output for word in ORDINARY)  # not over-redacted


def test_no_secret_reaches_the_file_new_writes(runner, tmp_path):
    (tmp_path / "content" / "postmortems").mkdir(parents=True)
    (tmp_path / "pmsite.yaml").write_text("title: T\n")
    sources = write_exports(tmp_path, SECRET_CASES)
    result = runner.invoke(cli, ["-C", str(tmp_path), "new", "Checkout down", "-s", "SEV3", "-t", "availability",
                                 "--incident", str(tmp_path / "incident.json"),
                                 *[arg for source in sources[:2] for arg in ("--timeline", source)]])
    assert result.exit_code == 0, result.output
    [path] = (tmp_path / "content" / "postmortems").glob("*.md")
    text = path.read_text(encoding="utf-8")
    assert _leaks(text, SECRET_CASES) == []
    front_matter = text.split("---\n")[1]
    assert "incident_url: https://acme.pagerduty.com/incidents/Q1?token=[REDACTED:" in front_matter
    assert "[REDACTED:" in front_matter.split("services:")[1].split("\n")[0]


def test_every_case_is_generated_distinct_and_checkable():
    """Guards the test itself: the cores are long enough that finding one means a leak."""
    cores = [core for _, cs in SECRET_CASES for core in cs]
    assert len(cores) >= 240 and min(map(len, cores)) >= 6
    assert len({text for text, _ in SECRET_CASES}) == len(SECRET_CASES)
