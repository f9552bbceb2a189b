"""Dashboards: a PNG of each configured URL over the incident window, and Grafana's data.

Screenshots are taken by headless Chromium through Playwright (an optional
extra: ``pip install 'pmsite[blackbox]'``). Grafana reads the window from the
``from``/``to`` query parameters in epoch milliseconds; they are set on every
URL. Panels draw after the page loads, so each dashboard may name a CSS
selector to wait for and a settle time; a page that is not ready in time is a
timeout recorded in the manifest. For Grafana dashboards (``/d/<uid>/...``) the
annotations of the window are fetched from ``/api/annotations`` as data.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pmsite.blackbox.http import JsonClient, SourceError
from pmsite.blackbox.settings import Dashboard
from pmsite.blackbox.workdir import Collected, SourceFolder
from pmsite.importers import TimelineEvent
from pmsite.scaffold import slugify

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1600, "height": 1000}
_GRAFANA_DASHBOARD = re.compile(r"^(?P<prefix>.*?)/d/(?P<uid>[A-Za-z0-9_-]+)(?:/|$)")


def epoch_ms(time: dt.datetime) -> int:
    return int(time.timestamp() * 1000)


def with_window(url: str, start: dt.datetime, end: dt.datetime) -> str:
    """The URL with ``from``/``to`` set to the window (any previous values replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("from", "to")]
    query += [("from", str(epoch_ms(start))), ("to", str(epoch_ms(end)))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def file_name(dashboard: Dashboard) -> str:
    return (slugify(dashboard.name) or "dashboard") + ".png"


def collect(dashboards: tuple[Dashboard, ...], start: dt.datetime, end: dt.datetime, folder: SourceFolder,
            chromium: str, grafana_token: str = "", http_timeout: float = 30.0) -> Collected:
    result = Collected(counts={"dashboards": len(dashboards), "screenshots": 0, "annotations": 0})
    shots = _screenshots(dashboards, start, end, folder, chromium, grafana_token, result)
    for dashboard in dashboards:
        match = _GRAFANA_DASHBOARD.match(urlsplit(dashboard.url)._replace(query="", fragment="").geturl())
        if match:
            _annotations(dashboard, match, start, end, folder, grafana_token, http_timeout, result)
    result.counts["screenshots"] = shots
    if dashboards and not shots:
        raise SourceError("; ".join(result.problems))
    return result


def _screenshots(dashboards: tuple[Dashboard, ...], start: dt.datetime, end: dt.datetime, folder: SourceFolder,
                 chromium: str, token: str, result: Collected) -> int:
    if not dashboards:
        return 0
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SourceError("dashboard screenshots need Playwright: pip install 'pmsite[blackbox]' "
                          "(and a Chromium, e.g. apt-get install chromium)") from None
    if not Path(chromium).exists():
        raise SourceError(f"no Chromium at {chromium}; install it (apt-get install chromium) or set blackbox.chromium")
    taken = 0
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            raise SourceError(f"Chromium at {chromium} did not start ({str(error).splitlines()[0]})",
                              transient=True) from None
        try:
            for dashboard in dashboards:
                page = browser.new_page(viewport=VIEWPORT)
                if token:
                    _authorize(page, urlsplit(dashboard.url).netloc, token)
                timeout_ms = dashboard.timeout_seconds * 1000
                try:
                    page.goto(with_window(dashboard.url, start, end), wait_until="load", timeout=timeout_ms)
                    if dashboard.wait_for:
                        page.wait_for_selector(dashboard.wait_for, state="visible", timeout=timeout_ms)
                    else:
                        page.wait_for_load_state("networkidle", timeout=timeout_ms)
                    page.wait_for_timeout(dashboard.wait_seconds * 1000)
                    folder.write_bytes(file_name(dashboard), page.screenshot(full_page=True, timeout=timeout_ms))
                    taken += 1
                except PlaywrightTimeout:
                    waited = f"for {dashboard.wait_for!r} " if dashboard.wait_for else ""
                    result.problems.append(f"dashboard {dashboard.name}: timeout: did not finish loading "
                                           f"{waited}within {dashboard.timeout_seconds:g} s")
                except PlaywrightError as error:
                    result.problems.append(f"dashboard {dashboard.name}: {str(error).splitlines()[0]}")
                finally:
                    page.close()
        finally:
            browser.close()
    return taken


def events(folder: Path) -> list[TimelineEvent]:
    """Grafana annotations (deploys, alerts someone marked) as timeline events."""
    found = []
    for path in sorted(folder.glob("*.annotations.json")) if folder.is_dir() else ():
        board = path.name.removesuffix(".annotations.json")
        for note in json.loads(path.read_text(encoding="utf-8")):
            if isinstance(note, dict) and isinstance(note.get("time"), (int, float)) and note.get("text"):
                found.append(TimelineEvent(dt.datetime.fromtimestamp(note["time"] / 1000, dt.timezone.utc),
                                           f"grafana {board}", str(note.get("login") or note.get("email") or "Grafana"),
                                           f"Annotation: {note['text']}", kind="note"))
    return found


def _authorize(page: Any, host: str, token: str) -> None:
    """Send the Grafana token to the dashboard's own host only, never to a CDN or plugin host."""
    def route(route: Any) -> None:
        request = route.request
        if urlsplit(request.url).netloc == host:
            route.continue_(headers=request.headers | {"authorization": f"Bearer {token}"})
        else:
            route.continue_()

    page.route("**/*", route)


def _annotations(dashboard: Dashboard, match: re.Match, start: dt.datetime, end: dt.datetime, folder: SourceFolder,
                 token: str, timeout: float, result: Collected) -> None:
    headers = {"Accept": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    api = JsonClient(f"Grafana ({dashboard.name})", match["prefix"], headers, timeout=timeout)
    try:
        data: Any = api.get("/api/annotations", {"from": epoch_ms(start), "to": epoch_ms(end),
                                                 "dashboardUID": match["uid"], "limit": 1000}).data
    except SourceError as error:
        result.problems.append(f"dashboard {dashboard.name}: no data ({error})")
        return
    annotations = data if isinstance(data, list) else []
    folder.write_json(file_name(dashboard).removesuffix(".png") + ".annotations.json", annotations)
    result.counts["annotations"] += len(annotations)
