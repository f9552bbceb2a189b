"""The durable job queue: SQLite (standard library), one row per job and per step.

A job is one incident to collect. Each source is a step whose state and attempts
are committed before and after it runs, so a collector killed mid-job resumes at
the step it was in (that step starts over from an empty folder) and never
collects a finished source twice. Only one process works a queue at a time: it
holds an exclusive lock on ``<queue>.lock``; a job still marked running when the
lock is taken was interrupted and goes back to the queue.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmsite.blackbox.settings import BlackboxError
from pmsite.blackbox.workdir import private_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    incident TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',      -- queued | running | done | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    pack TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    job_id INTEGER,
    event_type TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS steps (
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    source TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',     -- pending | running | done | partial | failed | skipped
    attempts INTEGER NOT NULL DEFAULT 0,
    history TEXT NOT NULL DEFAULT '[]',        -- why earlier attempts did not finish
    detail TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (job_id, source)
);
"""
FINISHED_STEP_STATES = ("done", "partial", "failed", "skipped")


@dataclass
class Job:
    id: int
    incident: str
    state: str
    attempts: int
    error: str = ""
    pack: str = ""


@dataclass
class Step:
    source: str
    state: str = "pending"
    attempts: int = 0
    history: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STEP_STATES


class Queue:
    """The queue file; safe to share between the HTTP threads and the worker thread."""

    def __init__(self, path: Path) -> None:
        private_dir(path.parent)
        self.path = path
        self._mutex = threading.Lock()
        self._lock_file: int | None = None
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            os.chmod(path, 0o600)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise BlackboxError(f"{path}: cannot open the black-box queue ({exc})") from None

    def close(self) -> None:
        self._db.close()
        if self._lock_file is not None:
            os.close(self._lock_file)
            self._lock_file = None

    def take_ownership(self) -> list[int]:
        """Become the one worker of this queue; requeue the jobs a dead worker left running."""
        fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BlackboxError(f"{self.path}: another 'pmsite blackbox' process is working this queue; "
                                "stop it first or set blackbox.queue to another file") from None
        self._lock_file = fd
        with self._transaction() as db:
            orphans = [row[0] for row in db.execute("SELECT id FROM jobs WHERE state = 'running'")]
            db.execute("UPDATE jobs SET state = 'queued', next_at = ?, updated_at = ? WHERE state = 'running'",
                       (time.time(), time.time()))
        return orphans

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db, self._mutex)

    # -- jobs ------------------------------------------------------------------------
    def enqueue(self, incident: str, event_id: str = "", event_type: str = "incident.resolved") -> tuple[int, str]:
        """Queue a collection: "queued", or the existing job with "duplicate event" (a redelivery)
        or "already queued" (the incident is waiting or being collected)."""
        now = time.time()
        with self._transaction() as db:
            if event_id:
                row = db.execute("SELECT job_id FROM events WHERE event_id = ?", (event_id,)).fetchone()
                if row:
                    return row[0], "duplicate event"
            row = db.execute("SELECT id FROM jobs WHERE incident = ? AND state IN ('queued', 'running')",
                             (incident,)).fetchone()
            created = row is None
            job_id = row[0] if row else db.execute(
                "INSERT INTO jobs (incident, next_at, created_at, updated_at) VALUES (?, ?, ?, ?)",
                (incident, now, now, now)).lastrowid
            if event_id:
                db.execute("INSERT INTO events VALUES (?, ?, ?, ?)", (event_id, job_id, event_type, now))
            return job_id, "queued" if created else "already queued"

    def seen_event(self, event_id: str, event_type: str) -> bool:
        """Record an event that queues nothing; True when it was delivered before."""
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM events WHERE event_id = ?", (event_id,)).fetchone():
                return True
            db.execute("INSERT INTO events VALUES (?, NULL, ?, ?)", (event_id, event_type, time.time()))
            return False

    def claim(self, job_id: int | None = None) -> Job | None:
        """The next due queued job (or ``job_id``), now marked running."""
        now = time.time()
        with self._transaction() as db:
            if job_id is None:
                row = db.execute("SELECT id FROM jobs WHERE state = 'queued' AND next_at <= ? ORDER BY next_at, id "
                                 "LIMIT 1", (now,)).fetchone()
            else:
                row = db.execute("SELECT id FROM jobs WHERE id = ? AND state = 'queued'", (job_id,)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?",
                       (now, row[0]))
        return self.job(row[0])

    def seconds_until_due(self) -> float | None:
        with self._transaction() as db:
            row = db.execute("SELECT MIN(next_at) FROM jobs WHERE state = 'queued'").fetchone()
        return None if row[0] is None else max(0.0, row[0] - time.time())

    def job(self, job_id: int) -> Job:
        with self._transaction() as db:
            row = db.execute("SELECT id, incident, state, attempts, error, pack FROM jobs WHERE id = ?",
                             (job_id,)).fetchone()
        return Job(*row)

    def jobs(self) -> list[Job]:
        with self._transaction() as db:
            rows = db.execute("SELECT id, incident, state, attempts, error, pack FROM jobs ORDER BY id").fetchall()
        return [Job(*row) for row in rows]

    def requeue(self, job_id: int, error: str, delay: float) -> None:
        with self._transaction() as db:
            db.execute("UPDATE jobs SET state = 'queued', error = ?, next_at = ?, updated_at = ? WHERE id = ?",
                       (error, time.time() + delay, time.time(), job_id))

    def finish(self, job_id: int, state: str, pack: str = "", error: str = "") -> None:
        with self._transaction() as db:
            db.execute("UPDATE jobs SET state = ?, pack = ?, error = ?, updated_at = ? WHERE id = ?",
                       (state, pack, error, time.time(), job_id))

    # -- steps -----------------------------------------------------------------------
    def step(self, job_id: int, source: str) -> Step:
        with self._transaction() as db:
            row = db.execute("SELECT state, attempts, history, detail FROM steps WHERE job_id = ? AND source = ?",
                             (job_id, source)).fetchone()
        if row is None:
            return Step(source)
        return Step(source, row[0], row[1], json.loads(row[2]), json.loads(row[3]))

    def steps(self, job_id: int) -> dict[str, Step]:
        with self._transaction() as db:
            rows = db.execute("SELECT source FROM steps WHERE job_id = ?", (job_id,)).fetchall()
        return {row[0]: self.step(job_id, row[0]) for row in rows}

    def start_step(self, job_id: int, source: str) -> Step:
        """Count an attempt before any work, so a crash during it shows up as a retry."""
        step = self.step(job_id, source)
        if step.state == "running":
            step.history.append(f"attempt {step.attempts} was interrupted (the collector stopped); started again")
        step.state, step.attempts = "running", step.attempts + 1
        self._save(job_id, step)
        return step

    def save_step(self, job_id: int, step: Step) -> None:
        self._save(job_id, step)

    def _save(self, job_id: int, step: Step) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO steps VALUES (?, ?, ?, ?, ?, ?)",
                       (job_id, step.source, step.state, step.attempts, json.dumps(step.history),
                        json.dumps(step.detail)))


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` under the in-process mutex."""

    def __init__(self, db: sqlite3.Connection, mutex: threading.Lock) -> None:
        self.db, self.mutex = db, mutex

    def __enter__(self) -> sqlite3.Connection:
        self.mutex.acquire()
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.mutex.release()
            raise
        return self.db

    def __exit__(self, kind: Any, *_: Any) -> None:
        try:
            self.db.execute("ROLLBACK" if kind else "COMMIT")
        finally:
            self.mutex.release()
