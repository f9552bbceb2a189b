"""``pmsite serve``: serves under the base path, rebuilds on change and tells open pages to reload."""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request

import pytest

from pmsite.config import load_config
from pmsite.serve import EVENTS_PATH, RELOAD_SCRIPT, Server
from tests.render.site_fixture import make_site


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


@pytest.fixture
def server(tmp_path):
    make_site(tmp_path)
    logs: list[str] = []
    server = Server(load_config(tmp_path), port=0, base_url="/pm/", log=logs.append)
    server.start()
    watcher = threading.Thread(target=server.watch, daemon=True)
    watcher.start()
    server.logs = logs
    yield server
    server.stop()
    watcher.join(timeout=10)


def edit_until(path, text: str, condition, timeout: float = 30.0) -> bool:
    """Write ``text`` to ``path`` until ``condition`` holds: the watcher may start after the first write."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        path.write_text(text)
        for _ in range(20):
            if condition():
                return True
            time.sleep(0.1)
    return False


def test_serves_pages_under_the_base_path_with_the_reload_script(server):
    status, home = fetch(server.url)
    assert status == 200 and RELOAD_SCRIPT in home and 'href="/pm/assets/style.css"' in home
    status, css = fetch(server.url + "assets/style.css")
    assert status == 200 and RELOAD_SCRIPT not in css
    status, missing = fetch(server.url + "nope/")
    assert status == 404 and "Page not found" in missing
    assert (server.config.cache_dir("serve") / "index.html").is_file()
    assert not (server.config.root / "site").exists()  # the published output is never touched


def test_a_changed_file_is_rebuilt_and_open_pages_are_told_to_reload(server):
    host, port = server.http.server_address[:2]
    events = urllib.request.urlopen(f"http://{host}:{port}{EVENTS_PATH}", timeout=20)
    generation = server.reloads.generation
    page = server.url + "postmortems/2024-06-11-login-outage-expired-certificate/"
    path = server.config.content_dir / "2024-06-11-login-outage-expired-certificate.md"
    text = path.read_text().replace("Logins failed for nine minutes.", "Logins failed for 11 minutes.")
    assert edit_until(path, text, lambda: server.reloads.generation > generation)
    assert "Logins failed for 11 minutes." in fetch(page)[1]
    lines = [events.readline().decode() for _ in range(2)]
    assert lines[0] == "event: reload\n" and lines[1].startswith("data: ")
    events.close()
    assert any(re.match(r"Rebuilt \d+ pages \(\d+ changed\)", line) for line in server.logs)


def test_a_broken_edit_keeps_serving_the_previous_site(server):
    path = server.config.content_dir / "2024-06-11-login-outage-expired-certificate.md"
    text = path.read_text().replace("severity: SEV4", "severity: SEV7")
    assert edit_until(path, text, lambda: any("SEV7" in line for line in server.logs))
    status, page = fetch(server.url + "postmortems/2024-06-11-login-outage-expired-certificate/")
    assert status == 200 and "SEV4" in page



