"""Hostile values on the search page, in Debian's Chromium: no filter label, result title or excerpt runs script.

Pagefind's default UI inserts filter names and values (and excerpts) into the
page as HTML, so every value that reaches Pagefind must arrive escaped. The
schema refuses markup in tag, service and team names; this builds the site with
validation switched off, so the escaping underneath is what is tested.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from pmsite import validate as validate_stage
from pmsite.config import load_config
from pmsite.pipeline import build
from pmsite.serve import make_http_server
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, require, screenshot
from tests.render.site_fixture import make_site

pytestmark = pytest.mark.browser

#: Each payload, if it ever reaches the DOM as HTML, sets window.__xss or leaves an element with an id "xss-...".
PAYLOADS = {
    "tag": '<img src=x onerror="window.__xss=\'tag\'" id=xss-tag>',
    "service": '<svg id=xss-service onload="window.__xss=\'service\'"></svg>',
    "team": '"><b id=xss-team>team</b>',
    "title": '<img src=x onerror="window.__xss=\'title\'" id=xss-title> quokka outage',
}

HOSTILE = f"""---
id: PM-2024-666
title: '{PAYLOADS["title"].replace("'", "''")}'
status: published
severity: SEV4
type: other
date: 2024-06-20
services: ['{PAYLOADS["service"].replace("'", "''")}']
teams: ['{PAYLOADS["team"].replace("'", "''")}']
tags: ['{PAYLOADS["tag"].replace("'", "''")}', 'a&amp;b']
summary: The quokka service fell over.
---

## Summary

Quokka &lt;img src=x onerror="window.__xss='excerpt'" id=xss-excerpt&gt; quokka, as text in the body.

`<img src=x onerror="window.__xss='code'" id=xss-code>` quokka in code.

## Quokka <img src=x onerror="window.__xss='heading'">

The quokka heading above carries markup the sanitiser removes.
"""


@pytest.fixture(scope="module")
def hostile_search(tmp_path_factory):
    require(CHROMIUM, "Debian's chromium")
    root = tmp_path_factory.mktemp("hostile-search")
    make_site(root, {"2024-06-20-quokka.md": HOSTILE})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate_stage, "validate", lambda *args, **kwargs: [])
        build(load_config(root), as_of=dt.date(2024, 7, 15))
    server = make_http_server(root / "site", "127.0.0.1", 0, "/")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(hostile_search):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1400})
        yield context.new_page()
        browser.close()


def _planted(page) -> list[str]:
    return page.evaluate("[String(window.__xss || ''), ...Array.from(document.querySelectorAll('[id^=xss-]'), e => e.id)]"
                         ".filter(Boolean)")


def test_no_filter_label_result_title_or_excerpt_runs_script(page, hostile_search):
    page.goto(hostile_search + "search/?q=quokka")
    page.locator(".pagefind-ui__result").first.wait_for()
    for summary in page.locator("summary.pagefind-ui__filter-name").all():
        summary.click()  # open every filter group: its labels are rendered now
    # a fixed pause was too short on a loaded machine: wait until every label shows its text
    page.wait_for_function("() => { const labels = document.querySelectorAll('label.pagefind-ui__filter-label');"
                           " return labels.length > 0 && Array.from(labels).every(l => l.innerText.trim()); }")
    labels = " ".join(page.locator("label.pagefind-ui__filter-label").all_inner_texts())
    titles = " ".join(page.locator(".pagefind-ui__result-title").all_inner_texts())
    excerpts = " ".join(page.locator(".pagefind-ui__result-excerpt").all_inner_texts())
    screenshot(page, "search-hostile")
    assert _planted(page) == []
    # the values are still shown, with look-alikes for the characters markup is made of
    assert "\u2039img src=x onerror=\u201dwindow.__xss=\u2019tag\u2019\u201d id=xss-tag\u203a" in labels
    assert "\u2039svg id=xss-service" in labels and "\u201d\u203a\u2039b id=xss-team" in labels
    assert "a\uff06amp;b" in labels
    assert "quokka outage" in titles and "img src=x onerror" in titles
    assert "onerror" in excerpts and "quokka" in excerpts.lower()

    for label in page.locator("label.pagefind-ui__filter-label").all():
        label.click()  # choosing a filter re-renders the results and the labels
        page.wait_for_timeout(100)
        assert _planted(page) == []


def test_the_postmortem_page_shows_hostile_values_as_text(page, hostile_search):
    page.goto(hostile_search + "postmortems/2024-06-20-quokka/")
    assert _planted(page) == []
    card = page.locator(".summary-card").inner_text()
    assert PAYLOADS["tag"] in card and PAYLOADS["team"] in card
