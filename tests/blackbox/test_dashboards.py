"""Dashboard screenshots by real Chromium, of a local page that draws its ``from``/``to`` window.

The page stands in for Grafana, whose dashboard URLs take ``from``/``to`` in epoch
milliseconds (https://grafana.com/docs/grafana/latest/dashboards/use-dashboards/#set-dashboard-time-range)
and whose annotations come from ``GET /api/annotations``
(https://grafana.com/docs/grafana/latest/developers/http_api/annotations/).
"""

from __future__ import annotations

import datetime as dt
import json
import struct
import sys
from pathlib import Path

import pytest

from pmsite.blackbox import dashboards
from pmsite.blackbox.http import SourceError
from pmsite.blackbox.settings import Dashboard
from pmsite.blackbox.workdir import SourceFolder
from pmsite.cli import cli
from pmsite.redact import Redactor
from tests.blackbox.conftest import blackbox_yaml

CHROMIUM = Path("/usr/bin/chromium")
START = dt.datetime(2026, 3, 7, 13, 25, tzinfo=dt.timezone.utc)
END = dt.datetime(2026, 3, 7, 15, 32, tzinfo=dt.timezone.utc)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def dashboards_yaml(grafana: str) -> str:
    return f"""\
        dashboards:
          - name: Checkout latency
            url: "{grafana}/d/checkout/checkout-latency?orgId=1&from=now-6h&to=now"
            wait_for: "#panel.ready"
            wait_seconds: 0.2
            timeout_seconds: 15
          - name: stuck
            url: "{grafana}/d/stuck/never-loads"
            wait_for: "#panel.ready"
            timeout_seconds: 2
        """


@pytest.mark.browser
def test_collect_photographs_each_dashboard_over_the_window_and_records_a_timeout(runner, repo, tokens, apis,
                                                                                  monkeypatch):
    monkeypatch.setenv("GRAFANA_TOKEN", "glsa_grafanaservicetoken_0123")
    (repo / "pmsite.yaml").write_text(blackbox_yaml(apis, dashboards_yaml(apis["grafana"].url)), encoding="utf-8")
    result = runner.invoke(cli, ["-C", str(repo), "blackbox", "collect", "--incident", "Q1ABCDEF"])
    assert result.exit_code == 0, result.output
    pack = next(p for p in (repo / "packs").iterdir() if p.is_dir() and not p.name.startswith("."))

    page = apis["grafana"].calls("/d/checkout/checkout-latency")[0]
    assert page.query == {"orgId": ["1"], "from": [str(int(START.timestamp() * 1000))],
                          "to": [str(int(END.timestamp() * 1000))]}
    assert page.headers["Authorization"] == "Bearer glsa_grafanaservicetoken_0123"
    assert apis["grafana"].calls("/api/annotations")[0].headers["Authorization"] == page.headers["Authorization"]
    assert png_size((pack / "screenshots" / "checkout-latency.png").read_bytes())[0] == 1600

    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    source = manifest["sources"]["dashboards"]
    assert source["status"] == "partial"
    assert source["counts"] == {"dashboards": 2, "screenshots": 1, "annotations": 2}
    assert source["problems"] == ["dashboard stuck: timeout: did not finish loading for '#panel.ready' within 2 s"]
    assert manifest["not_redactable"] == ["screenshots/checkout-latency.png"]
    annotations = json.loads((pack / "raw" / "dashboards" / "checkout-latency.annotations.json").read_text())
    assert annotations[0]["text"] == "Deploy v2.4.1"
    assert annotations[0]["dashboardUID"] == "checkout"
    assert "- [checkout-latency](screenshots/checkout-latency.png)" in (pack / "draft.md").read_text(encoding="utf-8")
    assert "| 2026-03-07 13:25:00 | grafana checkout-latency | Grafana | Annotation: Deploy v2.4.1 |" in (
        pack / "timeline.md").read_text(encoding="utf-8")


@pytest.mark.browser
def test_the_screenshot_shows_the_window_it_was_asked_for(tmp_path, apis):
    board = Dashboard("board", f"{apis['grafana'].url}/d/checkout/checkout-latency", "#panel.ready", 0.1, 15)

    def shot(start: dt.datetime, name: str) -> bytes:
        folder = SourceFolder(tmp_path / name, "dashboards", Redactor())
        folder.reset(binary=True)
        collected = dashboards.collect((board,), start, start + dt.timedelta(hours=1), folder, str(CHROMIUM))
        assert collected.counts["screenshots"] == 1
        return (tmp_path / name / "screenshots" / "board.png").read_bytes()

    first, same, other = shot(START, "a"), shot(START, "b"), shot(START + dt.timedelta(hours=5), "c")
    assert first == same  # the page is drawn from the window alone
    assert first != other


def test_without_playwright_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    folder = SourceFolder(tmp_path, "dashboards", Redactor())
    with pytest.raises(SourceError, match=r"^dashboard screenshots need Playwright: pip install 'pmsite\[blackbox\]'"):
        dashboards.collect((Dashboard("x", "http://127.0.0.1:9/d/x"),), START, END, folder, str(CHROMIUM))


def test_with_window_replaces_any_time_range():
    url = dashboards.with_window("https://grafana.example/d/abc/api?orgId=2&from=now-1h&to=now&var-env=prod",
                                 START, END)
    assert url == ("https://grafana.example/d/abc/api?orgId=2&var-env=prod&from=1772889900000&to=1772897520000")
