"""Fixtures of the black-box tests: the fake APIs and a repository pointing at them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.blackbox import fakes


@pytest.fixture
def apis():
    started = {"pagerduty": fakes.pagerduty_api().start(), "slack": fakes.slack_api().start(),
               "github": fakes.github_api().start(), "grafana": fakes.grafana_api().start()}
    yield started
    for api in started.values():
        api.stop()


def blackbox_yaml(apis: dict, extra: str = "") -> str:
    """pmsite.yaml pointing at the fakes; ``extra`` holds more keys of the ``blackbox:`` section."""
    return textwrap.dedent(f"""\
        title: Test postmortems
        blackbox:
          out_dir: packs
          retries: 3
          backoff_seconds: 0.01
          pagerduty: {{api_url: "{apis['pagerduty'].url}"}}
          slack: {{api_url: "{apis['slack'].url}", workspace_url: "https://acme.slack.com"}}
          github:
            api_url: "{apis['github'].url}"
            repos: {{checkout: [acme/checkout]}}
        """) + textwrap.indent(textwrap.dedent(extra), "  ")


@pytest.fixture
def repo(tmp_path: Path, apis) -> Path:
    (tmp_path / "content" / "postmortems").mkdir(parents=True)
    (tmp_path / "pmsite.yaml").write_text(blackbox_yaml(apis), encoding="utf-8")
    return tmp_path


@pytest.fixture
def tokens(monkeypatch) -> dict[str, str]:
    values = {"PAGERDUTY_TOKEN": fakes.PAGERDUTY_TOKEN, "SLACK_TOKEN": fakes.SLACK_TOKEN,
              "GITHUB_TOKEN": fakes.GITHUB_TOKEN}
    for name in ("PAGERDUTY_API_URL", "SLACK_API_URL", "GITHUB_API_URL", "PMSITE_BLACKBOX_TOKEN_FILE",
                 "GRAFANA_TOKEN", "PAGERDUTY_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values
