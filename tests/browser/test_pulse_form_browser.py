"""The pulse form in Debian's Chromium with JavaScript off: answer, skip, finish; axe finds nothing serious."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from pmsite.config import load_config
from pmsite.pulse.form import PulseForm, make_server
from pmsite.pulse.settings import pulse_settings
from tests.browser.conftest import AXE, CHROMIUM, CHROMIUM_ARGS, require

pytestmark = pytest.mark.browser


@pytest.fixture
def form(tmp_path):
    require(CHROMIUM, "Debian's chromium")
    (tmp_path / "pmsite.yaml").write_text(
        "taxonomy:\n  teams: [payments, search]\npulse:\n  questions:\n"
        "    - {id: ps4, text: It is safe to take a risk on this team.}\n"
        "    - {id: inc1, text: 'If I caused an incident, I could say so without fear.'}\n"
        "    - {id: ps1, text: 'If you make a mistake on this team, it is often held against you.', reverse: true}\n",
        encoding="utf-8")
    settings = pulse_settings(load_config(tmp_path))
    server = make_server(PulseForm(settings, today=lambda: dt.date(2026, 3, 4)), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield settings, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_form_works_without_javascript_and_stores_only_four_fields(form):
    from playwright.sync_api import sync_playwright

    settings, url = form
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(java_script_enabled=False).new_page()
            page.goto(url)
            page.get_by_label("Your team").select_option("payments")
            page.get_by_role("button", name="Start").click()
            assert page.locator("legend").inner_text() == "It is safe to take a risk on this team."
            page.get_by_label("6 – Agree", exact=True).check()
            page.get_by_role("button", name="Answer").click()
            assert page.locator("h1").inner_text() == "Question 2 of 3"
            page.get_by_role("button", name="Skip this question").click()
            page.get_by_label("2 – Disagree", exact=True).check()
            page.get_by_role("button", name="Answer").click()
            assert page.locator("h1").inner_text() == "Thank you"
            assert page.context.cookies() == []

            checked = browser.new_context(bypass_csp=True).new_page()  # axe is a script: our CSP forbids those
            checked.goto(url + "question?team=search&n=0")
            require(AXE, "axe-core (npm ci --prefix tests/browser)")
            checked.add_script_tag(path=str(AXE))
            result = checked.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
        finally:
            browser.close()
    assert (settings.folder / "2026-W10.csv").read_text(encoding="utf-8") == (
        "team,week,question,answer\npayments,2026-W10,ps1,2\npayments,2026-W10,ps4,6\n")
