"""Run one job: each source step (skipping those already finished), then the pack.

A source that fails for a reason worth retrying (a 5xx, a timeout, a long rate
limit) is tried again after ``backoff_seconds``, doubling, up to ``retries``
times; then it is marked failed and the pack is finished without it. Only
PagerDuty is indispensable (it gives the window): without it the job fails, or
goes back to the queue when the failure may pass. A write error (a full disk)
puts the job back in the queue with everything collected so far kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pmsite.blackbox import dashboards, github, pagerduty, slack
from pmsite.blackbox.http import SourceError
from pmsite.blackbox.pack import (
    MANIFEST,
    PackInputs,
    assemble,
    pack_name,
    window,
    write_zip,
)
from pmsite.blackbox.queue import Job, Queue, Step
from pmsite.blackbox.settings import Secrets, Settings
from pmsite.blackbox.workdir import Collected, SourceFolder, pack_redactor, private_dir
from pmsite.config import Config
from pmsite.errors import PmsiteError
from pmsite.timeline import TimelineSettings

LOG = logging.getLogger("pmsite.blackbox")
SOURCES = ("pagerduty", "slack", "github", "dashboards")


@dataclass
class Context:
    """Everything a run needs; ``sleep`` and ``now`` are parameters so nothing waits needlessly."""

    config: Config
    settings: Settings
    secrets: Secrets
    timeline_settings: TimelineSettings
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.timezone.utc))


@dataclass
class Outcome:
    state: str  # done | queued | failed
    message: str
    pack: Path | None = None
    #: Sources that failed or were only partly collected (see the manifest).
    incomplete: list[str] = field(default_factory=list)


def work_folder(settings: Settings, job: Job) -> Path:
    return settings.out_dir / ".work" / f"job-{job.id}"


def run_job(queue: Queue, job: Job, context: Context) -> Outcome:
    settings = context.settings
    try:
        return _run(queue, job, context)
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        for step in queue.steps(job.id).values():
            if step.state == "running":  # say why, rather than "interrupted", in the manifest
                step.state = "pending"
                step.history.append(f"attempt {step.attempts} could not write its files ({error.strerror or error})")
                queue.save_step(job.id, step)
        message = (f"cannot write the pack for incident {job.incident}: {error.strerror or error}{where}; "
                   "nothing was published and the job stays queued")
        queue.requeue(job.id, message, settings.backoff_seconds * 2 ** min(job.attempts, 6))
        return Outcome("queued", message)
    except Exception as error:  # a bug or unreadable data: retried a few times, never a dead worker
        LOG.exception("blackbox: job %s failed", job.id)
        message = f"collecting incident {job.incident} failed: {getattr(error, 'message', None) or error}"
        if job.attempts < settings.retries:
            queue.requeue(job.id, message, settings.backoff_seconds * 2 ** job.attempts)
            return Outcome("queued", message + "; the job stays queued")
        queue.finish(job.id, "failed", error=message)
        return Outcome("failed", message)


def _run(queue: Queue, job: Job, context: Context) -> Outcome:
    settings, secrets = context.settings, context.secrets
    work = work_folder(settings, job)
    redactor = pack_redactor(context.config.section("timeline"), secrets.values())
    options = {"timeout": settings.http_timeout, "max_retry_after": settings.max_retry_after, "sleep": context.sleep}

    def step(source: str, collect: Callable[[SourceFolder], Collected]) -> Step:
        return _run_step(queue, job, source, collect, SourceFolder(work, source, redactor), context)

    published = queue.step(job.id, "pack").detail.get("folder")
    if published and (Path(published) / MANIFEST).is_file():
        return _finish_zip(queue, job, Path(published))

    first = step("pagerduty", lambda folder: pagerduty.collect(
        pagerduty.client(settings.urls["pagerduty"], secrets.get("PAGERDUTY_TOKEN"), **options), job.incident, folder))
    if first.state == "failed":
        error = first.detail.get("error", "")
        if first.detail.get("transient") and job.attempts < settings.retries:
            first.state = "pending"  # the next job attempt collects it again; the manifest keeps the story
            first.history.append(f"attempt {first.attempts} failed: {error}; the job was queued again")
            queue.save_step(job.id, first)
            delay = settings.backoff_seconds * 2 ** job.attempts
            queue.requeue(job.id, error, delay)
            return Outcome("queued", f"{error}; the job stays queued ('blackbox serve' tries again in {delay:g} s, "
                                     "or run 'blackbox collect' again)")
        queue.finish(job.id, "failed", error=error)
        shutil.rmtree(work, ignore_errors=True)
        return Outcome("failed", error)
    try:
        info = pagerduty.incident_info(work / "raw" / "pagerduty", context.now())
    except PmsiteError as error:
        queue.finish(job.id, "failed", error=error.message)
        return Outcome("failed", error.message)
    start, end = window(info, settings)

    names = info.channel_names + [_convention(settings.channel_convention, info)] + list(settings.channels)
    step("slack", lambda folder: slack.collect(
        slack.client(settings.urls["slack"], secrets.get("SLACK_TOKEN"), **options),
        [n for n in names if n], info.channel_ids, start, end, folder))
    repos = github.repos_for(info.facts.services, settings.repos)
    step("github", lambda folder: github.collect(
        github.client(settings.urls["github"], secrets.get("GITHUB_TOKEN"), **options), repos, start, end, folder)
        if repos else _skipped(f"no repository is mapped to {', '.join(info.facts.services) or 'the incident'} "
                               "in blackbox.github.repos"))
    step("dashboards", lambda folder: dashboards.collect(
        settings.dashboards, start, end, folder, settings.chromium, secrets.get("GRAFANA_TOKEN"), settings.http_timeout)
        if settings.dashboards else _skipped("no dashboards configured (blackbox.dashboards)"))

    pack_step = queue.start_step(job.id, "pack")
    inputs = PackInputs(info=info, steps={s: queue.step(job.id, s) for s in SOURCES}, settings=settings,
                        timeline_settings=context.timeline_settings, config=context.config, redactor=redactor,
                        now=context.now())
    assemble(work, inputs)
    target = _free_name(settings.out_dir, pack_name(info))
    pack_step.detail = {"folder": str(target)}
    queue.save_step(job.id, pack_step)  # said before done, so a crash right after the rename still finds it
    work.rename(target)
    pack_step.state = "done"
    queue.save_step(job.id, pack_step)
    return _finish_zip(queue, job, target)


def _finish_zip(queue: Queue, job: Job, folder: Path) -> Outcome:
    zip_step = queue.start_step(job.id, "zip")
    archive = write_zip(folder)
    zip_step.state, zip_step.detail = "done", {"zip": str(archive)}
    queue.save_step(job.id, zip_step)
    queue.finish(job.id, "done", pack=str(folder))
    failed = [s for s in SOURCES if queue.step(job.id, s).state in ("failed", "partial")]
    note = f" ({', '.join(failed)} incomplete: see manifest.json)" if failed else ""
    return Outcome("done", f"pack for incident {job.incident}: {folder}{note}", folder, failed)


def _free_name(out_dir: Path, name: str) -> Path:
    private_dir(out_dir)
    target, number = out_dir / name, 1
    while target.exists() or target.with_name(target.name + ".zip").exists():
        number += 1
        target = out_dir / f"{name}-{number}"
    return target


def _convention(pattern: str, info: pagerduty.IncidentInfo) -> str:
    """``inc-{number}`` filled in (plain replacement: a pattern is not a format string)."""
    number = str(info.number) if info.number is not None else info.id.lower()
    return pattern.replace("{number}", number).replace("{id}", info.id.lower()).lstrip("#")


class _Skip(Exception):
    pass


def _skipped(reason: str) -> Collected:
    raise _Skip(reason)


def _run_step(queue: Queue, job: Job, source: str, collect: Callable[[SourceFolder], Collected],
              folder: SourceFolder, context: Context) -> Step:
    """One source, retried with backoff; its state is committed before and after."""
    step = queue.step(job.id, source)
    if step.finished:
        return step
    step = queue.start_step(job.id, source)
    retries, delay, tries = context.settings.retries, context.settings.backoff_seconds, 1
    while True:
        folder.reset(binary=source == "dashboards")
        folder.redacted.clear()
        try:
            collected = collect(folder)
        except _Skip as skip:
            folder.reset(binary=source == "dashboards", create=False)
            step.state, step.detail = "skipped", {"reason": str(skip)}
            break
        except SourceError as error:
            if error.transient and tries < retries:
                step.history.append(f"attempt {step.attempts} failed: {error}; retried after {delay:g} s")
                queue.save_step(job.id, step)
                context.sleep(delay)
                delay *= 2
                step.attempts += 1
                tries += 1
                queue.save_step(job.id, step)
                continue
            step.state, step.detail = "failed", {"error": str(error), "transient": error.transient}
            break
        except OSError:
            raise  # a full disk: run_job keeps the job queued
        except Exception as error:  # a collector bug must not cost the team the other sources
            LOG.exception("blackbox: %s collector failed", source)
            step.state, step.detail = "failed", {"error": f"unexpected error ({type(error).__name__}: {error})"}
            break
        step.state = "partial" if collected.problems else "done"
        step.detail = {"counts": collected.counts, "problems": collected.problems, "redacted": dict(folder.redacted)}
        break
    queue.save_step(job.id, step)
    return step
