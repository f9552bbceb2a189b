"""The two entry points the CLI wires: collect one incident now, or serve webhooks."""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import replace
from pathlib import Path
from typing import Callable

from pmsite.blackbox.queue import Queue
from pmsite.blackbox.runner import Context, Outcome, run_job
from pmsite.blackbox.settings import BlackboxError, load_secrets, load_settings
from pmsite.blackbox.webhook import Worker, make_server
from pmsite.config import Config
from pmsite.timeline import settings_from_config

LOG = logging.getLogger("pmsite.blackbox")


def make_context(config: Config, out_dir: Path | None = None) -> Context:
    settings = load_settings(config)
    if out_dir is not None:
        settings = replace(settings, out_dir=out_dir.resolve())
    where = config.display_path(config.path) if config.path else "pmsite.yaml"
    return Context(config=config, settings=settings, secrets=load_secrets(token_file=settings.token_file),
                   timeline_settings=settings_from_config(config.section("timeline"), where))


def collect(context: Context, incident: str) -> Outcome:
    """Collect ``incident`` now, through the queue so an interrupted run resumes where it stopped."""
    queue = Queue(context.settings.queue_path)
    try:
        queue.take_ownership()
        job_id, _ = queue.enqueue(incident)
        job = queue.claim(job_id)
        if job is None:  # only a job already in another state: take the current one
            raise BlackboxError(f"the job for incident {incident} cannot be started; see {queue.path}")
        return run_job(queue, job, context)
    finally:
        queue.close()


def serve(context: Context, host: str, port: int, ready: Callable[[str], None] = lambda _: None) -> None:
    """Receive webhooks and work the queue until SIGTERM or Ctrl-C."""
    if not context.secrets.get("PAGERDUTY_WEBHOOK_SECRET"):
        raise BlackboxError("PAGERDUTY_WEBHOOK_SECRET is not set: without it no webhook can be verified "
                            "(copy the secret PagerDuty shows when the webhook subscription is created)")
    queue = Queue(context.settings.queue_path)
    worker: Worker | None = None
    try:
        orphans = queue.take_ownership()
        if orphans:
            LOG.info("resuming interrupted job(s) %s", ", ".join(map(str, orphans)))
        worker = Worker(queue, context)
        try:
            server = make_server(host, port, queue, context, worker)
        except OSError as error:
            raise BlackboxError(f"cannot listen on {host}:{port} ({error.strerror})") from None
        worker.start()
        stop = threading.Event()

        def shutdown(*_: object) -> None:
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

        previous = signal.signal(signal.SIGTERM, shutdown)
        bound = server.server_address
        ready(f"http://{bound[0]}:{bound[1]}{context.settings.webhook_path}")
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.server_close()
            worker.stop()
            worker.join(timeout=60)
    finally:
        if worker is None or not worker.is_alive():
            queue.close()
        # else a long job is still running: exiting ends it, and its job resumes at the next start
