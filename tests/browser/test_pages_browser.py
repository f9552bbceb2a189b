"""Every main page on a desktop (1400 px) and a phone (390 px), in the light and the dark theme.

What a new user would notice first: a page that scrolls sideways on a phone,
chart text too small to read, contrast or keyboard problems (axe-core, every
impact level), a Pagefind UI that looks foreign. Screenshots of each go to
test-artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

PAGES = {
    "home": "",
    "postmortem": "postmortems/2024-11-29-black-friday-checkout-pgbouncer-client-limit/",
    "tracker": "actions/",
    "metrics": "metrics/",
    "search": "search/?q=cache",
}
VIEWPORTS = {"desktop": 1400, "phone": 390}
SCHEMES = ("light", "dark")

#: Elements that overflow the viewport without being inside a marked scroll container (data-scroll).
UNCONTAINED_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('main *, header *, footer *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    if (el.closest('[data-scroll]') || el.closest('.visually-hidden')) continue;
    out.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? '.' + el.className : ''));
  }
  return out.slice(0, 5);
}"""

#: Rendered size in CSS px of the smallest chart text: font size times the SVG's scale.
SMALLEST_CHART_TEXT = """() => {
  let smallest = Infinity;
  for (const svg of document.querySelectorAll('svg.chart')) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const text of svg.querySelectorAll('text')) {
      smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize) * scale);
    }
  }
  return smallest;
}"""


def open_page(browser, url: str, width: int, scheme: str):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if "search/" in url:
        page.locator(".pagefind-ui__result").first.wait_for()
    return context, page, errors


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("device", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_page_reads_well(browser, site_url, axe_script, name, device, scheme):
    context, page, errors = open_page(browser, site_url + PAGES[name], VIEWPORTS[device], scheme)
    try:
        screenshot(page, f"{name}-{device}-{scheme}")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), \
            page.evaluate(UNCONTAINED_OVERFLOW)
        assert page.evaluate(UNCONTAINED_OVERFLOW) == []
        if name == "metrics":
            assert page.evaluate(SMALLEST_CHART_TEXT) >= 10.95
        page.add_script_tag(path=str(axe_script))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
        assert violations == []
        assert errors == []
    finally:
        context.close()


def test_scroll_containers_are_marked_and_reachable_by_keyboard(browser, site_url):
    """A table wider than a phone scrolls inside its container, which says so and takes focus."""
    context, page, _ = open_page(browser, site_url + "actions/", 390, "light")
    try:
        containers = page.locator("[data-scroll]")
        assert containers.count() >= 1
        for index in range(containers.count()):
            box = containers.nth(index)
            assert box.get_attribute("tabindex") == "0" and box.get_attribute("aria-label")
    finally:
        context.close()


def test_search_filters_fold_behind_a_button_on_a_phone(browser, site_url):
    context, page, _ = open_page(browser, site_url + "search/?q=cache", 390, "light")
    try:
        toggle = page.get_by_role("button", name="Filters")
        drawer = page.locator(".pagefind-ui__drawer .pagefind-ui__filter-panel")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not drawer.is_visible()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        drawer.wait_for(state="visible")
        screenshot(page, "search-phone-filters-open")
    finally:
        context.close()


def test_header_search_goes_to_results_and_the_search_page_has_one_box(browser, site_url):
    context, page, _ = open_page(browser, site_url, 1400, "light")
    try:
        page.fill("#site-search", "pgbouncer")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search/?q=pgbouncer")
        page.locator(".pagefind-ui__result").first.wait_for()
        assert page.locator("input[type=search]:visible, .pagefind-ui__search-input:visible").count() == 1
        assert page.locator(".pagefind-ui__search-input").input_value() == "pgbouncer"
    finally:
        context.close()


def test_severity_tags_of_search_results_take_the_severity_colours(browser, site_url):
    context, page, _ = open_page(browser, site_url + "search/?q=checkout", 1400, "light")
    try:
        tags = page.locator('.pagefind-ui__result-tag[data-pagefind-ui-meta="severity"]')
        tags.first.wait_for()
        page.wait_for_function("() => !document.querySelector('.pagefind-ui__result-tag[data-pagefind-ui-meta=severity]:not([data-sev])')")
        colours = {}
        for index in range(tags.count()):
            tag = tags.nth(index)
            level = tag.inner_text().strip()[-1]
            assert f"sev-sev{level}" in (tag.get_attribute("class") or "")
            colours.setdefault(level, tag.evaluate("t => getComputedStyle(t).color"))
        reference = page.evaluate("() => getComputedStyle(document.body).color")
        assert len(colours) >= 2 and len(set(colours.values())) == len(colours)  # one colour per severity
        assert reference not in colours.values()
    finally:
        context.close()
