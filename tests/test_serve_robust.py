"""``pmsite serve`` under hostile clients and failed rebuilds, with real sockets on 127.0.0.1.

Clients that disconnect early are quiet, directory redirects keep the base path,
connections are bounded and time out, and no failed rebuild stops the server.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time

import pytest

from pmsite import serve
from pmsite.serve import make_http_server
from tests.test_serve import edit_until, fetch, server  # noqa: F401 - the server fixture


@pytest.fixture
def static_site(tmp_path, monkeypatch):
    """A built-looking folder served under /pm/ (no build needed); ``start`` may lower the limits."""
    (tmp_path / "postmortems" / "one").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<html><body>home</body></html>")
    (tmp_path / "postmortems" / "one" / "index.html").write_text("<html><body>one</body></html>")
    (tmp_path / "big.bin").write_bytes(b"x" * (8 * 1024 * 1024))
    started: list = []

    def start(max_connections: int | None = None, timeout: float | None = None) -> int:
        if max_connections:
            monkeypatch.setattr(serve, "MAX_CONNECTIONS", max_connections)
        if timeout:
            monkeypatch.setattr(serve.SiteHandler, "timeout", timeout)
        running = make_http_server(tmp_path, "127.0.0.1", 0, "/pm/")
        threading.Thread(target=running.serve_forever, daemon=True).start()
        started.append(running)
        return running.server_address[1]

    yield start
    for running in started:
        running.shutdown()
        running.server_close()


def _get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    return connection.getresponse()


def test_a_directory_redirect_keeps_the_base_path_and_query(static_site):
    port = static_site()
    response = _get(port, "/pm/postmortems/one?from=feed")
    assert response.status == 301
    assert response.getheader("Location") == "/pm/postmortems/one/?from=feed"
    assert _get(port, "/pm/postmortems/one/").read().endswith(b"one</body></html>")


def test_head_requests_are_answered_under_the_base_path(static_site):
    port = static_site()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("HEAD", "/pm/postmortems/one/")
    response = connection.getresponse()
    assert response.status == 200 and response.read() == b""
    assert int(response.getheader("Content-Length")) == len("<html><body>one</body></html>")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("HEAD", "/pm/postmortems/one")
    response = connection.getresponse()
    assert response.status == 301 and response.getheader("Location") == "/pm/postmortems/one/"


def test_a_client_that_disconnects_early_leaves_no_traceback(static_site, capfd):
    port = static_site()
    for _ in range(5):
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"GET /pm/big.bin HTTP/1.0\r\n\r\n")
        client.recv(1024)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not a clean close
        client.close()
    time.sleep(0.5)
    assert _get(port, "/pm/").status == 200  # still serving
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "BrokenPipe" not in captured.err and "ConnectionReset" not in captured.err


def test_idle_connections_are_bounded_and_time_out(static_site):
    before = threading.active_count()
    port = static_site(max_connections=4, timeout=1.0)
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(12)]  # slowloris: never send a request
    time.sleep(0.5)
    assert threading.active_count() - before <= 4 + 1  # the handlers plus serve_forever's thread
    started = time.monotonic()
    assert _get(port, "/pm/").status == 200  # served once the idle ones have timed out
    assert time.monotonic() - started < 8
    idle[0].settimeout(5)
    assert idle[0].recv(1) == b""  # the server closed it
    for sock in idle:
        sock.close()


def test_serve_survives_a_rebuild_that_crashes_and_recovers(server, monkeypatch):  # noqa: F811 - the fixture
    def broken_build(*args, **kwargs):
        raise RuntimeError("a bug in a stage")

    page = server.url + "postmortems/2024-06-11-login-outage-expired-certificate/"
    with monkeypatch.context() as patch:
        patch.setattr(serve, "build", broken_build)
        assert server.rebuild() is False
    assert any("unexpected problem (RuntimeError: a bug in a stage); still serving" in line for line in server.logs)
    assert fetch(page)[0] == 200


def test_serve_keeps_serving_after_a_value_that_once_crashed_the_build(server):  # noqa: F811 - the fixture
    path = server.config.content_dir / "2024-06-11-login-outage-expired-certificate.md"
    original = path.read_text()
    page = server.url + "postmortems/2024-06-11-login-outage-expired-certificate/"
    broken = original.replace("date: 2024-06-11", "date: 0001-01-01", 1)
    assert broken != original
    assert edit_until(path, broken, lambda: any("0001-01-01" in line for line in server.logs))
    assert fetch(page)[0] == 200  # the previous site
    generation = server.reloads.generation
    fixed = original.replace("Logins failed for nine minutes.", "Logins failed for 12 minutes.")
    assert edit_until(path, fixed, lambda: server.reloads.generation > generation)  # the watcher still runs
    assert "Logins failed for 12 minutes." in fetch(page)[1]
