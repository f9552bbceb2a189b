"""``pmsite serve``: build, serve on localhost, rebuild on change, reload open pages.

The site is built into the cache's ``serve/`` folder (never over the published
output) and served under its base path, as it will be published. Rebuilds keep
rendered Markdown in memory, rewrite only pages whose bytes changed and re-index
search only when some HTML changed. Pages get a small script, added while
serving (the built files stay clean), that listens on a server-sent events
stream and reloads the page after each successful rebuild. A failed rebuild,
whatever the reason, keeps serving the previous site and logs why.

The HTTP server is bounded: at most ``MAX_CONNECTIONS`` handler threads (more
connections wait to be accepted), each socket with a ``SOCKET_TIMEOUT``, and a
client that goes away early is not an error worth a traceback.
"""

from __future__ import annotations

import logging
import sys
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import watchfiles

from pmsite.config import Config, load_config
from pmsite.errors import PmsiteError
from pmsite.pipeline import BuildCache, InvalidContent, build
from pmsite.render.markdown import RenderCache

EVENTS_PATH = "/__pmsite/events"
RELOAD_SCRIPT = (
    '<script>(function(){var s=new EventSource("' + EVENTS_PATH + '");'
    's.addEventListener("reload",function(){s.close();location.reload();});})();</script>'
)
#: Seconds between keep-alive comments on the events stream.
KEEPALIVE = 10.0
#: Connections handled at once (each open page holds one for its events stream).
MAX_CONNECTIONS = 32
#: Seconds a connection may stay silent (reading a request) or stalled (taking a response).
SOCKET_TIMEOUT = 15.0


class Reloads:
    """A generation counter that event-stream handlers wait on."""

    def __init__(self) -> None:
        self.generation = 0
        self._changed = threading.Condition()
        self.closed = False

    def bump(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.generation != seen or self.closed, timeout)
            return self.generation


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves the built folder under ``base_url``, with the reload script and the events stream."""

    timeout = SOCKET_TIMEOUT  # StreamRequestHandler sets it on the connection's socket

    def __init__(self, *args, base_url: str, reloads: Reloads | None, **kwargs) -> None:
        self.base_url = base_url
        self.reloads = reloads
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        """Quiet: the terminal shows rebuilds, not every request."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        if path == EVENTS_PATH and self.reloads is not None:
            return self._events()
        if not path.startswith(self.base_url):
            if path in ("/", self.base_url.rstrip("/")):
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", self.base_url)
                self.end_headers()
                return None
            return self._not_found()
        requested = self.path
        self.path = "/" + self.path[len(self.base_url):]
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            if not path.endswith("/"):  # the base class would redirect without the base path
                return self._redirect(path + "/" + requested[len(path):])
            target = target / "index.html"
        if not target.is_file():
            return self._not_found()
        if target.suffix == ".html" and self.reloads is not None:
            return self._send_html(target.read_bytes())
        return super().do_HEAD() if self.command == "HEAD" else super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802
        """The headers GET would send, under the base path (the base class's HEAD knows no base path)."""
        return self.do_GET()

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_html(self, body: bytes, status: HTTPStatus = HTTPStatus.OK) -> None:
        if self.reloads is not None:
            body = body.replace(b"</body>", RELOAD_SCRIPT.encode() + b"</body>", 1)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_found(self) -> None:
        page = Path(self.directory) / "404.html"
        if page.is_file():
            return self._send_html(page.read_bytes(), HTTPStatus.NOT_FOUND)
        self.send_error(HTTPStatus.NOT_FOUND)
        return None

    def _events(self) -> None:
        assert self.reloads is not None
        seen = self.reloads.generation  # before the headers: a rebuild right after connecting is not missed
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            while not self.reloads.closed:
                now = self.reloads.wait(seen, KEEPALIVE)
                message = f"event: reload\ndata: {now}\n\n" if now != seen else ": keep-alive\n\n"
                seen = now
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


class BoundedHTTPServer(ThreadingHTTPServer):
    """A thread per connection, but at most ``MAX_CONNECTIONS`` at once; quiet when a client leaves early."""

    daemon_threads = True

    def __init__(self, *args, **kwargs) -> None:
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)  # read when the server is made
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address) -> None:  # noqa: ANN001 - socketserver's signature
        # The accept loop waits here while every slot is taken; a connection still waiting after a
        # socket timeout is closed, so the loop (and shutdown) never waits for ever.
        if not self._slots.acquire(timeout=SOCKET_TIMEOUT):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:  # noqa: ANN001
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        """A client that disconnects or stalls is normal; anything else is one line on stderr, no traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        print(f"pmsite serve: request from {client_address[0]} failed: {type(error).__name__}: {error}",
              file=sys.stderr)


def make_http_server(folder: Path, host: str, port: int, base_url: str,
                     reloads: Reloads | None = None) -> ThreadingHTTPServer:
    """An HTTP server for a built site (used by ``serve`` and the browser tests)."""
    handler = partial(SiteHandler, directory=str(folder), base_url=base_url, reloads=reloads)
    return BoundedHTTPServer((host, port), handler)


class Server:
    """Build, serve and rebuild on change until ``stop`` (or Ctrl+C)."""

    def __init__(self, config: Config, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False,
                 base_url: str = "/", log: Callable[[str], None] = lambda message: None) -> None:
        self.config = config
        self.drafts = drafts
        self.base_url = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
        self.log = log
        self.out_dir = config.cache_dir("serve")
        self.cache = BuildCache(RenderCache())
        self.reloads = Reloads()
        self.stop_event = threading.Event()
        self.http = make_http_server(self.out_dir, host, port, self.base_url, self.reloads)
        self.rebuilt = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.http.server_address[:2]
        return f"http://{host}:{port}{self.base_url}"

    def rebuild(self) -> bool:
        """One build; on failure the previous site keeps being served."""
        try:
            if self.config.path is not None:
                self.config = load_config(self.config.root, self.config.path)
            result = build(self.config, self.out_dir, self.base_url, self.drafts, cache=self.cache)
        except InvalidContent as exc:
            lines = [f"{f.path}:{f.line}:{f.column}: {f.message}" for f in exc.errors]
            self.log("\n".join([*lines, f"Error: {exc.message}"]))
            return False
        except PmsiteError as exc:
            self.log(f"Error: {exc.message}")
            return False
        except Exception as exc:  # noqa: BLE001 - a bug in a stage must not stop serving the previous site
            self.log(f"Error: the rebuild hit an unexpected problem ({type(exc).__name__}: {exc}); "
                     "still serving the previous site. Please report it with the file you changed.")
            return False
        self.log(f"Rebuilt {result.render.pages} pages ({result.render.changed} changed) in {result.seconds:.2f} s")
        self.reloads.bump()
        self.rebuilt.set()
        return True

    def watched(self) -> list[Path]:
        candidates = [self.config.content_dir, self.config.root / "templates", self.config.root / "themes"]
        if self.config.path is not None:
            candidates.append(self.config.path)
        return [p for p in candidates if p.exists()]

    def start(self) -> None:
        """Build once and start serving in a background thread."""
        self.rebuild()
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def watch(self) -> None:
        """Rebuild after each batch of changes until ``stop``."""
        logging.getLogger("watchfiles").setLevel(logging.ERROR)  # its Ctrl+C notice repeats ours
        for _changes in watchfiles.watch(*self.watched(), stop_event=self.stop_event, debounce=200,
                                         raise_interrupt=False):
            self.rebuild()

    def run(self) -> None:
        self.start()
        self.log(f"Serving {self.url} (Ctrl+C to stop)")
        try:
            self.watch()
        finally:
            self.stop()

    def stop(self) -> None:
        self.stop_event.set()
        self.reloads.close()
        self.http.shutdown()
        self.http.server_close()
