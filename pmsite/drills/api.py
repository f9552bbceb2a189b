"""The drill's HTTP API: orders, products, a payment provider, ``/metrics`` and a status page.

``python -m pmsite.drills.api --folder FOLDER`` binds 127.0.0.1 on the port in
``drill.json`` (another free one when it is taken, said in ``run/api.json`` and
the log) and serves until the drill's folder disappears or its time is up. The
scenario's latent conditions live here as real behaviour: a capped connection
pool whose error path leaks, a cache without request coalescing, configuration
read only at start-up, a provider that slows down under load.
"""

from __future__ import annotations

import collections
import errno
import html
import json
import os
import random
import sqlite3
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pmsite.drills.runtime import (
    JsonLog,
    Run,
    connect_store,
    read_json,
    role_main,
    utc_stamp,
    write_json,
)

_MB = 1024 * 1024


class Pool:
    """A fixed-size pool of SQLite connections; ``acquire`` waits up to a timeout, as real pools do."""

    def __init__(self, run: Run, size: int) -> None:
        self.size = size
        self._free = [connect_store(run) for _ in range(size)]
        self._condition = threading.Condition()
        self.waiting = 0

    @property
    def in_use(self) -> int:
        return self.size - len(self._free)

    def acquire(self, timeout: float) -> Any:
        with self._condition:
            self.waiting += 1
            try:
                if not self._condition.wait_for(lambda: self._free, timeout):
                    return None
                return self._free.pop()
            finally:
                self.waiting -= 1

    def release(self, connection: Any) -> None:
        with self._condition:
            self._free.append(connection)
            self._condition.notify()


class Window:
    """Outcomes of the last few seconds of requests: error ratio, 95th percentile latency, cache hits."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._events: collections.deque[tuple[float, bool, float, bool | None]] = collections.deque()
        self._lock = threading.Lock()

    def add(self, ok: bool, latency: float, cache_hit: bool | None = None) -> None:
        now = time.monotonic()
        with self._lock:
            self._events.append((now, ok, latency, cache_hit))
            while self._events and self._events[0][0] < now - self.seconds:
                self._events.popleft()

    def figures(self) -> tuple[float, float, float]:
        now = time.monotonic()
        with self._lock:
            recent = [event for event in self._events if event[0] >= now - self.seconds]
        if not recent:
            return 0.0, 0.0, 1.0
        errors = sum(1 for event in recent if not event[1]) / len(recent)
        latencies = sorted(event[2] for event in recent)
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        lookups = [event[3] for event in recent if event[3] is not None]
        hits = sum(1 for hit in lookups if hit) / len(lookups) if lookups else 1.0
        return errors, p95, hits


class DrillApi:
    """The service's state and behaviour; the HTTP handler only routes to it."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.fault = run.fault
        service = run.scenario["service"]
        self.log = JsonLog(run, service if service.endswith("-api") else "orders-api", "api")
        self.window = Window(max(2.0, run.scaled(10)))
        self.statuses: collections.Counter[int] = collections.Counter()
        self.lock = threading.Lock()
        self.restart_marker = run.folder / "run" / "api-restarted"
        self.load_config()
        self.pool = Pool(run, int(self.fault.get("max_connections", 10)))
        self.metrics_store = connect_store(run)
        self.cache: dict[int, str] = {key: f"product {key}" for key in range(int(self.fault.get("keys", 40)))}
        self.queries_inflight = 0
        self.dependency_inflight = 0
        self.fired = self.restart_marker.exists()  # this process is the restart the trigger asked for

    def load_config(self) -> None:
        """Read config.json: only here, at start-up (the config-on-restart scenario's latent condition)."""
        self.config = read_json(self.run.folder / "config.json")
        self.config_loaded = time.time()
        self.log.write("info", "configuration loaded from config.json: "
                       + ", ".join(f"{key}={value}" for key, value in sorted(self.config.items())))

    # -- the trigger -------------------------------------------------------------------
    def fire_trigger(self) -> None:
        self.fired = True
        kind = self.run.kind
        if kind == "pool-leak":
            self.log.write("info", "deploy v2.14.0 started: coupon lookups enabled on /api/orders")
        elif kind == "cache-stampede":
            with self.lock:
                flushed = len(self.cache)
                self.cache.clear()
            self.log.write("warning", f"product cache flushed ({flushed} keys) by maintenance script")
        elif kind == "config-on-restart":
            self.log.write("info", "restarting for a security patch")
            self.restart_marker.touch()
            # A real restart: the same pid and command line (stop still finds it), a new interpreter
            # that reads config.json again; in-flight requests are cut off, as in any restart.
            os.execv(sys.executable, [sys.executable, "-m", "pmsite.drills.api", "--folder", str(self.run.folder)])

    # -- endpoints ---------------------------------------------------------------------
    def order(self) -> tuple[int, str]:
        kind = self.run.kind
        if kind == "config-on-restart":
            timeout = float(self.config.get("payment_timeout_ms", 3000)) / 1000
            needed = random.uniform(0.04, 0.12)
            if needed > timeout:
                time.sleep(timeout)
                self.log.throttled("payment-timeout", "error",
                                   f"payment check timed out after {timeout * 1000:g} ms; order rejected")
                return 504, "payment check timed out"
            time.sleep(needed)
        connection = self.pool.acquire(float(self.fault.get("acquire_timeout_ms", 1000)) / 1000)
        if connection is None:
            self.log.throttled("pool", "error", f"timed out waiting for a database connection "
                               f"(max_connections={self.pool.size}, in use {self.pool.in_use}, waiting {self.pool.waiting})")
            return 503, "no database connection available"
        if kind == "pool-leak" and self.fired and random.random() < float(self.fault.get("leak_ratio", 0.2)):
            code = random.choice(("SPRING24", "WELCOME", "FREESHIP"))
            self.log.throttled("coupon", "warning", f"coupon lookup failed for code {code} (KeyError: 'discount')")
            return 500, "coupon lookup failed"  # the latent bug: this path never releases the connection
        try:
            connection.execute("INSERT INTO jobs(created) VALUES (?)", (time.time(),))
        finally:
            self.pool.release(connection)
        return 201, "order accepted"

    def product(self, key: int) -> tuple[int, str, bool]:
        with self.lock:
            cached = self.cache.get(key)
        if cached is not None:
            return 200, cached, True
        base = float(self.fault.get("query_ms", 120)) / 1000
        timeout = float(self.fault.get("query_timeout_ms", 1000)) / 1000
        with self.lock:
            cost = base * (1 + self.queries_inflight)  # the database slows down under concurrent queries
            self.queries_inflight += 1
        try:
            time.sleep(min(cost, timeout))
        finally:
            with self.lock:
                self.queries_inflight -= 1
        if cost > timeout:
            self.log.throttled("query-timeout", "error",
                               f"product query timed out after {timeout * 1000:g} ms; cache not filled")
            return 504, "product query timed out", False
        with self.lock:
            self.cache[key] = f"product {key}"
        return 200, f"product {key}", False

    def dependency(self) -> tuple[int, str]:
        """The payment provider: fast until the trigger, then slow and slower with more calls in flight."""
        with self.lock:
            self.dependency_inflight += 1
            inflight = self.dependency_inflight
        try:
            if self.fired:
                time.sleep(float(self.fault.get("slow_ms", 1200)) / 1000 * (1 + inflight / 20))
            else:
                time.sleep(random.uniform(0.03, 0.07))
        finally:
            with self.lock:
                self.dependency_inflight -= 1
        return 200, "payment authorised"

    # -- signals -----------------------------------------------------------------------
    def metrics(self) -> str:
        errors, p95, hits = self.window.figures()
        counters = self._worker_counters()
        used = folder_bytes(self.run.folder)
        quota = float(self.fault.get("quota_mb", 256)) * _MB
        lines: list[str] = []

        def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
            lines.extend((f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"))
            lines.extend(f"{name}{labels} {value:g}" for labels, value in samples)

        with self.lock:
            statuses = sorted(self.statuses.items())
        metric("drill_requests_total", "counter", "API requests served, by HTTP status.",
               [(f'{{status="{status}"}}', count) for status, count in statuses] or [('{status="200"}', 0)])
        metric("drill_error_ratio", "gauge", "Share of failed API requests over the last window.", [("", errors)])
        metric("drill_latency_p95_seconds", "gauge", "95th percentile API latency over the last window.", [("", p95)])
        metric("drill_db_pool_size", "gauge", "Database connections the pool may open.", [("", self.pool.size)])
        metric("drill_db_pool_in_use", "gauge", "Database connections checked out.", [("", self.pool.in_use)])
        metric("drill_db_pool_waiting", "gauge", "Requests waiting for a database connection.", [("", self.pool.waiting)])
        metric("drill_cache_hit_ratio", "gauge", "Share of product lookups served from cache.", [("", hits)])
        metric("drill_cache_keys", "gauge", "Products in the cache.", [("", len(self.cache))])
        metric("drill_db_queries_inflight", "gauge", "Product queries running now.", [("", self.queries_inflight)])
        metric("drill_dependency_inflight", "gauge", "Calls the payment provider is serving now.",
               [("", self.dependency_inflight)])
        metric("drill_queue_depth", "gauge", "Orders waiting for the worker.", [("", counters.pop("queue_depth", 0))])
        for name, value in sorted(counters.items()):
            metric(f"drill_{name}", "counter", "Worker counter.", [("", value)])
        metric("drill_disk_used_bytes", "gauge", "Bytes used in the drill volume.", [("", used)])
        metric("drill_disk_used_ratio", "gauge", "Share of the drill volume's quota used.", [("", used / quota)])
        metric("drill_config_loaded_timestamp_seconds", "gauge", "When the API last read config.json.",
               [("", round(self.config_loaded, 3))])
        return "\n".join(lines) + "\n"

    def _worker_counters(self) -> dict[str, float]:
        """The worker's counters and the queue, read outside the pool (monitoring must not wait for it)."""
        try:
            with self.lock:
                values = dict(self.metrics_store.execute("SELECT name, value FROM counters").fetchall())
                values["queue_depth"] = self.metrics_store.execute(
                    "SELECT count(*) FROM jobs WHERE state='queued'").fetchone()[0]
        except sqlite3.Error:  # a busy or vanished store: report what the API itself knows
            return {}
        return values

    def status_page(self) -> str:
        errors, p95, hits = self.window.figures()
        try:
            alerts = read_json(self.run.folder / "run" / "alerts.json")
        except (OSError, ValueError):
            alerts = {}
        firing = [name for name, state in sorted(alerts.items()) if state.get("firing")]
        rows = "".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>" for label, value in (
            ("Error ratio", f"{errors:.0%}"), ("Latency p95", f"{p95 * 1000:.0f} ms"), ("Cache hit ratio", f"{hits:.0%}"),
            ("DB connections in use", f"{self.pool.in_use} of {self.pool.size}"),
            ("Disk used", f"{folder_bytes(self.run.folder) / _MB:.1f} MB"),
        ))
        alert_text = ", ".join(html.escape(name) for name in firing) or "none"
        service = html.escape(self.log.service)
        return (f"<!doctype html><html lang=en><head><meta charset=utf-8><meta http-equiv=refresh content=5>"
                f"<title>{service} status</title></head><body><h1>{service}</h1>"
                f"<p>Drill started {html.escape(utc_stamp(self.run.started))}; updated {html.escape(utc_stamp())}.</p>"
                f"<p>Firing alerts: <strong>{alert_text}</strong></p><table>{rows}</table>"
                f"<p><a href=/metrics>/metrics</a> (Prometheus text format)</p></body></html>")


def folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
    return total


class Handler(BaseHTTPRequestHandler):
    server_version = "pmsite-drill"
    api: DrillApi

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are counted in /metrics, not logged one by one."""

    def _send(self, status: int, body: str, content_type: str = "text/plain; charset=utf-8") -> None:
        data = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (its timeout): nothing to tell it
            pass

    def _counted(self, started: float, status: int, body: str, cache_hit: bool | None = None) -> None:
        api = self.api
        with api.lock:
            api.statuses[status] += 1
        api.window.add(status < 500, time.monotonic() - started, cache_hit)
        self._send(status, json.dumps({"status": status, "message": body}), "application/json")

    def do_GET(self) -> None:
        started = time.monotonic()
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(200, self.api.metrics(), "text/plain; version=0.0.4; charset=utf-8")
        elif path == "/":
            self._send(200, self.api.status_page(), "text/html; charset=utf-8")
        elif path == "/healthz":
            self._send(200, "ok")
        elif path == "/dependency":
            self._send(*self.api.dependency())
        elif path.startswith("/api/products/") and path.rsplit("/", 1)[1].isdigit():
            status, body, hit = self.api.product(int(path.rsplit("/", 1)[1]))
            self._counted(started, status, body, hit)
        else:
            self._send(404, "not found")

    def do_POST(self) -> None:
        started = time.monotonic()
        if self.path == "/api/orders":
            self._counted(started, *self.api.order())
        else:
            self._send(404, "not found")


def bind(requested: int) -> tuple[ThreadingHTTPServer, str]:
    """Bind 127.0.0.1:requested, or a free port when it is taken or reserved (the note says which and why)."""
    try:
        return ThreadingHTTPServer(("127.0.0.1", requested), Handler), ""
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise
        reason = "is taken" if exc.errno == errno.EADDRINUSE else "needs privileges"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    return server, f"port {requested} {reason}; using {server.server_address[1]} instead"


def main() -> None:
    run = role_main("api")
    api = DrillApi(run)
    Handler.api = api
    if api.fired:  # after a restart: the port the drill announced
        server, note = ThreadingHTTPServer(("127.0.0.1", run.api_port()), Handler), ""
    else:
        server, note = bind(int(read_json(run.folder / "drill.json")["port"]))
        write_json(run.folder / "run" / "api.json", {"port": server.server_address[1], "note": note})
    server.daemon_threads = True
    api.log.write("info", f"{api.log.service} listening on http://127.0.0.1:{server.server_address[1]}/")
    if note:
        api.log.write("warning", note)

    def watch() -> None:
        while run.alive():
            if not api.fired and run.triggered():
                api.fire_trigger()
            time.sleep(0.2)
        server.shutdown()

    threading.Thread(target=watch, daemon=True).start()
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
