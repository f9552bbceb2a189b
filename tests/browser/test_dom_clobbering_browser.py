"""DOM clobbering in Debian's Chromium: a postmortem declaring the theme's ids and classes does not
change what the page's lookups find, and its own anchors and footnotes still work."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from pmsite.config import load_config
from pmsite.pipeline import build
from pmsite.serve import make_http_server
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, require
from tests.render.site_fixture import POSTMORTEMS, make_site
from tests.render.test_dom_clobbering import PAGE_IDS, SCRIPT_CLASSES, SCRIPT_IDS, _clobbering_body

pytestmark = pytest.mark.browser


def test_a_clobbering_postmortem_changes_no_lookup_and_keeps_its_anchors(tmp_path):
    require(CHROMIUM, "Debian's chromium")
    name, clean = next(iter(POSTMORTEMS.items()))
    names = sorted(SCRIPT_IDS | PAGE_IDS)
    classes = "".join(f'<section class="{c}">c</section> <input class="{c}" type="checkbox">\n'
                      for c in sorted(SCRIPT_CLASSES))
    body = "".join(_clobbering_body(n) for n in names) + "\n" + classes + "\nSee [my anchor](#mine).\n\n" \
        '<span id="mine">here</span>\n\n'
    make_site(tmp_path, {name.replace("checkout", "hostile"): clean.replace("PM-2024-017", "PM-2024-099").replace(
        "## Impact", body + "\n## Impact")})
    build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    page_path = next(p for p in (tmp_path / "site" / "postmortems").glob("*/index.html")
                     if '<p class="pm-id muted">PM-2024-099</p>' in p.read_text(encoding="utf-8"))
    server = make_http_server(tmp_path / "site", "127.0.0.1", 0, "/")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            url = f"http://127.0.0.1:{server.server_address[1]}/postmortems/{page_path.parent.name}/"
            page.goto(url)
            found = page.evaluate("""names => names.map(n => {
                const el = document.getElementById(n);
                return [n, el ? el.tagName : null, el ? !!el.closest('.prose') : false,
                        document.getElementsByName(n).length, n in document];
            })""", names)
            for name_, tag, in_body, named, in_document in found:
                assert not in_body, (name_, tag)  # what getElementById finds is the theme's, never the body's
                assert named == 0 and not in_document, name_  # no document.<name> shortcut either
            assert page.evaluate("""classes => classes.filter(c => {
                const el = document.querySelector('.' + c);
                return el && el.closest('.prose');
            })""", sorted(SCRIPT_CLASSES)) == []
            # The author's own links still land: a same-page anchor, a footnote and a heading of the TOC.
            page.click("text=my anchor")
            assert page.evaluate("document.querySelector(':target').textContent") == "here"
            page.click("sup.footnote-ref >> nth=0")
            assert page.evaluate("document.querySelector(':target').tagName") == "LI"
            page.click("nav.toc a >> text=Impact")
            assert page.evaluate("document.querySelector(':target').textContent") == "Impact"
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
