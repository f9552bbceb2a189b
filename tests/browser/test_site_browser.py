"""The built sample site in Debian's Chromium: search, filters, navigation and accessibility.

Served under a sub-path (/sub/) as on a GitHub Pages project site. Screenshots
go to test-artifacts/. Skipped locally without /usr/bin/chromium; in CI
(CI=true) a missing browser or axe-core fails instead.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from pmsite.config import load_config
from pmsite.pipeline import build
from pmsite.serve import make_http_server
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BASE = "/sub/"


def require(path: Path, what: str) -> None:
    if path.exists():
        return
    message = f"{what} is missing at {path}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must run the browser tests: .ci/run installs it)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    require(CHROMIUM, "Debian's chromium")
    out = tmp_path_factory.mktemp("browser") / "site"
    build(load_config(REPO_ROOT), out_dir=out, base_url=BASE, as_of=dt.date(2026, 6, 30))
    server = make_http_server(out, "127.0.0.1", 0, BASE)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}{BASE}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(site_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_search_filter_and_follow_a_result(page, site_url):
    page.goto(site_url)
    page.fill("#site-search", "pgbouncer")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/sub/search/?q=pgbouncer")
    results = page.locator(".pagefind-ui__result")
    results.first.wait_for()
    page.wait_for_function("document.querySelectorAll('.pagefind-ui__result').length >= 2")
    before = results.count()
    titles = page.locator(".pagefind-ui__result-title .pagefind-ui__result-link").all_inner_texts()
    assert "Black Friday" in " ".join(titles)
    screenshot(page, "search-results")

    page.locator("summary.pagefind-ui__filter-name", has_text="severity").click()
    page.locator("label.pagefind-ui__filter-label", has_text="SEV1").click()
    page.wait_for_function(f"document.querySelectorAll('.pagefind-ui__result').length < {before}")
    assert 1 <= results.count() < before
    screenshot(page, "search-filtered")

    link = results.first.locator(".pagefind-ui__result-link").first
    href = link.get_attribute("href")
    assert href.startswith(BASE + "postmortems/")
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith(href)
    assert page.locator("h1").inner_text()
    assert page.locator(".summary-card .sev-sev1").count() == 1
    screenshot(page, "search-followed-result")
    assert page.console_errors == []


@pytest.fixture(scope="module")
def axe_script() -> Path:
    """axe-core from the project's own lock file: installed with npm on first use when npm is here."""
    if not AXE.exists() and shutil.which("npm"):
        subprocess.run(["npm", "ci", "--prefix", str(AXE.parents[2]), "--no-audit", "--no-fund", "--loglevel=error"],
                       capture_output=True, timeout=300)
    require(AXE, "axe-core (npm ci --prefix tests/browser)")
    return AXE


@pytest.mark.parametrize("path, name", [
    ("", "home"),
    ("postmortems/2024-11-29-black-friday-checkout-pgbouncer-client-limit/", "postmortem"),
    ("metrics/", "dashboard"),
    ("culture/", "culture"),
])
def test_no_serious_accessibility_violations(page, site_url, axe_script, path, name):
    page.goto(site_url + path)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    screenshot(page, name)
    assert serious == []
    assert page.console_errors == []


def test_culture_page_beside_metrics_shows_trends_and_no_small_team(page, site_url):
    page.goto(site_url + "metrics/")
    nav = page.locator("nav.site-nav a")
    titles = nav.all_inner_texts()
    assert titles[titles.index("Metrics") + 1] == "Culture"
    nav.filter(has_text="Culture").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Culture"
    assert page.get_by_role("heading", name="What not to do with it").is_visible()
    # the synthetic identity team (4 people) never has a row of its own; only the merged group does
    row_heads = page.locator("table tbody th[scope=row]").all_inner_texts()
    assert "identity" not in row_heads and "Other teams (together)" in row_heads
    assert page.locator("caption", has_text="payments").count() == 1
    assert page.console_errors == []


def test_dark_mode_and_print_styles_apply(browser, site_url):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(site_url + "metrics/")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(20, 24, 29)"
    screenshot(page, "dashboard-dark")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "none"
    context.close()
