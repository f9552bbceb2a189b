"""The drill's worker: takes orders from the SQLite store and charges them at the payment provider.

Its latent conditions are real behaviour: immediate retries without backoff
(retry-storm) and a debug log that is never rotated (disk-fill, capped at the
scenario's quota inside the drill folder). Counters go to the store, where the
API's ``/metrics`` reads them.
"""

from __future__ import annotations

import collections
import sqlite3
import threading
import time
import urllib.error
import urllib.request

from pmsite.drills.runtime import JsonLog, Run, connect_store, role_main

_MB = 1024 * 1024


class Worker:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.fault = run.fault
        self.log = JsonLog(run, "worker")
        self.counters: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self.disk_full = False
        self.provider = f"http://127.0.0.1:{run.api_port()}/dependency"

    def count(self, name: str, amount: int = 1) -> None:
        with self.lock:
            self.counters[name] += amount

    def charge(self, job: int) -> bool:
        """Call the provider; on a timeout retry at once, as the client library was configured to."""
        timeout = float(self.fault.get("timeout_ms", 2000)) / 1000
        attempts = 1 + int(self.fault.get("max_retries", 0))
        for attempt in range(1, attempts + 1):
            try:
                with urllib.request.urlopen(self.provider, timeout=timeout) as response:
                    response.read()
                return True
            except (urllib.error.URLError, TimeoutError, OSError):
                if attempt < attempts:
                    self.count("worker_retries_total")
                    self.log.throttled("retry", "warning", f"payment call timed out after {timeout * 1000:g} ms; "
                                       f"retrying (attempt {attempt + 1} of {attempts})")
        self.log.throttled("failed", "error", f"order {job} failed after {attempts} attempts")
        return False

    def process(self) -> None:
        connection = connect_store(self.run)
        kind = self.run.kind
        while self.run.alive():
            try:
                row = connection.execute(
                    "UPDATE jobs SET state='working', attempts=attempts+1 WHERE id = "
                    "(SELECT id FROM jobs WHERE state='queued' ORDER BY id LIMIT 1) RETURNING id").fetchone()
            except sqlite3.Error:  # a locked or vanished store: try again shortly
                row = None
            if row is None:
                time.sleep(0.05)
                continue
            if kind == "retry-storm":
                ok = self.charge(row[0])
            else:
                time.sleep(0.01)
                ok = not self.disk_full
                if not ok:
                    self.log.throttled("enospc", "error", "cannot write result: no space left on device (quota reached)")
            self.count("jobs_done_total" if ok else "jobs_failed_total")
            try:
                connection.execute("UPDATE jobs SET state=? WHERE id=?", ("done" if ok else "failed", row[0]))
            except sqlite3.Error:
                pass

    def fill_disk(self) -> None:
        """After the trigger, write an unrotated debug log until the volume's quota is reached."""
        while self.run.alive() and not self.run.triggered():
            time.sleep(0.2)
        if not self.run.alive():
            return
        self.log.write("warning", "log level changed to debug by configuration push")
        path = self.run.folder / "data" / "worker-debug.log"
        quota = float(self.fault.get("quota_mb", 256)) * _MB
        per_second = float(self.fault.get("fill_mb_per_minute", 3)) * _MB / 60 * self.run.speed
        line = ("DEBUG order pipeline state dump: " + "x" * 990 + "\n").encode()
        from pmsite.drills.api import folder_bytes  # the same measure /metrics reports

        while self.run.alive():
            room = quota - folder_bytes(self.run.folder)
            if room <= len(line):
                if not self.disk_full:
                    self.disk_full = True
                    self.log.write("error", "cannot write worker-debug.log: no space left on device (quota reached)")
                time.sleep(0.5)
                continue
            chunk = line * max(1, min(int(per_second / 4 / len(line)), int(room // len(line))))
            try:
                with path.open("ab") as handle:
                    handle.write(chunk)
            except OSError:
                return
            time.sleep(0.25)

    def publish(self) -> None:
        connection = connect_store(self.run)
        while self.run.alive():
            with self.lock:
                values = list(self.counters.items())
            try:
                connection.executemany("INSERT INTO counters(name, value) VALUES (?, ?) "
                                       "ON CONFLICT(name) DO UPDATE SET value=excluded.value", values)
            except sqlite3.Error:
                pass
            time.sleep(0.5)


def main() -> None:
    run = role_main("worker")
    worker = Worker(run)
    worker.count("jobs_done_total", 0)
    worker.count("jobs_failed_total", 0)
    worker.count("worker_retries_total", 0)
    worker.log.write("info", "worker started")
    threads = [threading.Thread(target=worker.process, daemon=True) for _ in range(int(run.fault.get("threads", 4)))]
    threads.append(threading.Thread(target=worker.publish, daemon=True))
    if run.kind == "disk-fill":
        threads.append(threading.Thread(target=worker.fill_disk, daemon=True))
    for thread in threads:
        thread.start()
    while run.alive():
        time.sleep(0.3)


if __name__ == "__main__":
    main()
