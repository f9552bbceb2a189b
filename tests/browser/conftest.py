"""Shared by the browser tests: the sample site built once and served under /sub/, Chromium, axe-core.

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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The sample site, built once for every browser test."""
    require(CHROMIUM, "Debian's chromium")
    out = tmp_path_factory.mktemp("browser") / "site"
    build(load_config(REPO_ROOT), out_dir=out, base_url=BASE, as_of=dt.date(2026, 6, 30))
    return out


@pytest.fixture(scope="module")  # stopped after each module: later tests fork, which needs no thread left running
def site_url(built_site):
    server = make_http_server(built_site, "127.0.0.1", 0, BASE)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}{BASE}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")  # closed after each module: later tests check no child process is left
def browser(site_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from the project's own lock file: installed with npm on first use when npm is here."""
    if not AXE.exists() and shutil.which("npm"):
        subprocess.run(["npm", "ci", "--prefix", str(AXE.parents[2]), "--no-audit", "--no-fund", "--loglevel=error"],
                       capture_output=True, timeout=300)
    require(AXE, "axe-core (npm ci --prefix tests/browser)")
    return AXE




def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
