"""The built sample site in Debian's Chromium: search, filters, navigation and accessibility.

The site, the browser and axe-core come from conftest.py (built once, served under /sub/).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import BASE, screenshot

pytestmark = pytest.mark.browser

@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


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


DECISION_MAP_PAGE = "postmortems/2024-11-29-black-friday-checkout-pgbouncer-client-limit/"


@pytest.mark.parametrize("width", [1280, 390])
def test_decision_map_renders_is_axe_clean_and_readable(browser, site_url, axe_script, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site_url + DECISION_MAP_PAGE)
    page.wait_for_load_state("networkidle")
    svg = page.locator("svg.decision-map")
    assert svg.count() == 1 and svg.bounding_box()["width"] > 300
    assert page.locator("svg.decision-map .dm-point").count() == 3
    assert page.locator("svg.decision-map .dm-not-taken").count() == 5
    assert page.locator("svg.decision-map .dm-cue-misleading").count() == 1
    rows = page.locator(".decision-table tbody tr")
    assert rows.count() == 3
    assert "RELOAD PgBouncer" in rows.nth(1).inner_text()
    # nothing wider than the screen; the table's text stays at a readable size
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    font_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.decision-table td')).fontSize)")
    assert font_size >= 14
    if width == 390:  # one card per decision point, labelled, instead of eight squeezed columns
        assert page.evaluate("getComputedStyle(document.querySelector('.decision-table tr')).display") == "block"
        assert rows.nth(0).bounding_box()["width"] <= 390
    page.locator("#decision-map").scroll_into_view_if_needed()
    screenshot(page, f"decision-map-{width}")
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert [(v["id"], v["impact"]) for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('svg.decision-map')).display") != "none"
    assert page.evaluate("getComputedStyle(document.querySelector('.decision-table')).display") != "none"
    assert errors == []
    context.close()


def test_what_misled_us_lists_cues_across_incidents_and_is_linked_from_metrics(page, site_url, axe_script):
    page.goto(site_url + "metrics/")
    page.get_by_role("link", name="What misled us").click()
    page.wait_for_url("**/sub/misled/")
    first = page.locator(".cue-report tbody tr").first
    assert "aggregated-dashboard-panel" in first.inner_text()
    assert first.locator("a").count() == 3  # three incidents, each linked to its decision map
    href = first.locator("a").first.get_attribute("href")
    assert href.startswith(BASE + "postmortems/") and href.endswith("#decision-map")
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert [(v["id"], v["impact"]) for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    screenshot(page, "what-misled-us")
    assert page.console_errors == []
