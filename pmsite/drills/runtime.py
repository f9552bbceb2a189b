"""What the drill's processes share: the run description, JSON-lines logs, the SQLite store.

A drill folder holds ``drill.json`` (scenario, speed, start and stop times),
``config.json`` (the service configuration the API reads at start-up), ``logs/``
(JSON Lines in the shape ``pmsite timeline`` imports: ``time`` in UTC, ``level``,
``service``, ``message``), ``run/`` (ports, the trigger flag, alert state) and
``data/`` (the SQLite store and anything a scenario writes to fill the disk).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROLES = ("api", "worker", "traffic", "supervisor")


def utc_stamp(epoch: float | None = None) -> str:
    """ISO 8601 in UTC with milliseconds and a Z: what the log importer reads without --tz."""
    moment = dt.datetime.fromtimestamp(time.time() if epoch is None else epoch, tz=dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_json(path: Path, data: Any) -> None:
    """Write whole or not at all: readers in other processes never see half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class Run:
    """The running drill as a role process sees it (``drill.json``)."""

    folder: Path
    scenario: dict[str, Any]
    speed: float
    started: float
    deadline: float
    #: The state file ``pmsite drill`` keeps; the supervisor removes it when the drill ends itself.
    state_file: str = ""

    @classmethod
    def load(cls, folder: Path) -> Run:
        data = read_json(folder / "drill.json")
        return cls(folder, data["scenario"], float(data["speed"]), float(data["started"]), float(data["deadline"]),
                   str(data.get("state_file", "")))

    @property
    def fault(self) -> dict[str, Any]:
        return self.scenario["fault"]

    @property
    def kind(self) -> str:
        return self.fault["kind"]

    def scaled(self, seconds: float) -> float:
        """Scenario seconds -> wall seconds (``--speed`` compresses rehearsals and tests)."""
        return float(seconds) / self.speed

    def elapsed(self) -> float:
        return time.time() - self.started

    @property
    def trigger_flag(self) -> Path:
        return self.folder / "run" / "triggered"

    def triggered(self) -> bool:
        return self.trigger_flag.exists()

    def alive(self) -> bool:
        """False once the folder is gone (deleted under the drill) or the time limit passed."""
        return (self.folder / "drill.json").exists() and time.time() < self.deadline + 5

    def api_port(self) -> int:
        return int(read_json(self.folder / "run" / "api.json")["port"])


class JsonLog:
    """Append-only JSON Lines for one service; repeated messages are folded into one line per interval."""

    def __init__(self, run: Run, service: str, file_name: str | None = None) -> None:
        self.path = run.folder / "logs" / f"{file_name or service}.jsonl"
        self.service = service
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def write(self, level: str, message: str, **fields: Any) -> None:
        record = {"time": utc_stamp(), "level": level, "service": self.service, "message": message, **fields}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            try:
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(line)
            except OSError:  # the folder was removed under the drill: the process is about to stop
                pass

    def throttled(self, key: str, level: str, message: str, every: float = 2.0) -> None:
        """Log ``message`` at most once per ``every`` seconds per ``key``, counting what was folded."""
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(key, -every) < every:
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return
            self._last[key] = now
            folded = self._suppressed.pop(key, 0)
        self.write(level, message + (f" (and {folded} more like it)" if folded else ""))


def connect_store(run: Run) -> sqlite3.Connection:
    """The drill's SQLite store: orders/jobs, and the worker's counters for the API's /metrics."""
    connection = sqlite3.connect(run.folder / "data" / "store.db", timeout=10, check_same_thread=False,
                                 isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def create_store(run: Run) -> None:
    with connect_store(run) as connection:
        connection.executescript("""
            CREATE TABLE IF NOT EXISTS jobs (
                id INTEGER PRIMARY KEY, created REAL NOT NULL, state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER DEFAULT 0);
            CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, id);
            CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value REAL NOT NULL);
        """)


def role_main(role: str) -> Run:
    """Parse ``--folder`` for a role process and load the run; exit quietly if the folder is gone."""
    parser = argparse.ArgumentParser(prog=f"python -m pmsite.drills.{role}")
    parser.add_argument("--folder", required=True, type=Path)
    arguments, _ = parser.parse_known_args()
    try:
        return Run.load(arguments.folder)
    except (OSError, ValueError, KeyError) as exc:
        print(f"pmsite drill {role}: cannot read {arguments.folder}/drill.json ({exc})", file=sys.stderr)
        raise SystemExit(2) from None
