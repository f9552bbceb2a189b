"""``pmsite serve``: build, serve on localhost, rebuild on change, reload open pages.

The site is built into the cache's ``serve/`` folder (never over the published
output) and served under its base path, as it will be published. Rebuilds keep
rendered Markdown in memory, rewrite only pages whose bytes changed and re-index
search only when some HTML changed. Pages get a small script, added while
serving (the built files stay clean), that listens on a server-sent events
stream and reloads the page after each successful rebuild. A failed rebuild
keeps serving the previous site and logs why.
"""

from __future__ import annotations

import logging
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
        self.path = "/" + self.path[len(self.base_url):]
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().do_GET()  # the base class redirects to the slash form
            target = target / "index.html"
        if not target.is_file():
            return self._not_found()
        if target.suffix == ".html" and self.reloads is not None:
            return self._send_html(target.read_bytes())
        return super().do_GET()

    def _send_html(self, body: bytes, status: HTTPStatus = HTTPStatus.OK) -> None:
        if self.reloads is not None:
            body = body.replace(b"</body>", RELOAD_SCRIPT.encode() + b"</body>", 1)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
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
        try:
            while not self.reloads.closed:
                now = self.reloads.wait(seen, KEEPALIVE)
                message = f"event: reload\ndata: {now}\n\n" if now != seen else ": keep-alive\n\n"
                seen = now
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def make_http_server(folder: Path, host: str, port: int, base_url: str,
                     reloads: Reloads | None = None) -> ThreadingHTTPServer:
    """An HTTP server for a built site (used by ``serve`` and the browser tests)."""
    handler = partial(SiteHandler, directory=str(folder), base_url=base_url, reloads=reloads)
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


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
