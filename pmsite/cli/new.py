"""``pmsite new`` and ``pmsite init``: start postmortems and repositories well."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from pmsite.cli.common import State, pass_state
from pmsite.cli.types import AnyCaseChoice, DateType
from pmsite.cli.timeline import draft_from_exports, tz_option
from pmsite.drills import DRILL_TYPE
from pmsite.scaffold import SEVERITY_CHOICES, TYPE_CHOICES, Draft, init_repository, new_postmortem


@click.command("new")
@click.argument("title")
@click.option("--severity", "-s", required=True, type=AnyCaseChoice(SEVERITY_CHOICES),
              help="SEV1 (worst) to SEV4. SEV1/SEV2 add decision points and a detection-gap analysis.")
@click.option("--type", "-t", "incident_type", required=True, type=click.Choice((*TYPE_CHOICES, DRILL_TYPE)),
              help="Kind of harm; security and data-loss add their own sections. 'drill': a practice "
                   "postmortem, left out of the incident metrics ('pmsite drill postmortem' also imports a "
                   "drill's timeline).")
@click.option("--date", "incident_date", type=DateType(),
              help="Day the incident started (default: the PagerDuty incident's day, else today, UTC).")
@click.option("--timeline", "timeline_sources", multiple=True, metavar="SOURCE",
              help="Export to fill the Timeline section from (repeatable; as for 'pmsite timeline').")
@click.option("--incident", metavar="PAGERDUTY.json",
              help="PagerDuty incident (REST API v2 JSON): fills started_at, detected_at, resolved_at, services, link.")
@tz_option()
@pass_state
def new_command(state: State, title: str, severity: str, incident_type: str, incident_date: dt.date | None,
                timeline_sources: tuple[str, ...], incident: str | None, tz: ZoneInfo | None) -> None:
    """Write a new draft postmortem from the blameless template.

    Creates content/postmortems/YYYY-MM-DD-slug.md with front-matter filled in
    (status: draft and the next free id) and the sections the severity and type
    call for, each with guidance in an HTML comment. Never overwrites a file.

    Example: pmsite new "Checkout latency after cache flush" --severity SEV2 --type performance
    """
    config = state.config
    timeline, prefill = draft_from_exports(state, timeline_sources, incident, tz)
    started = prefill.get("started_at")
    day = incident_date or (
        dt.date.fromisoformat(started[:10]) if started else dt.datetime.now(dt.timezone.utc).date())
    draft = Draft(title=title, severity=severity.upper(), incident_type=incident_type, date=day,
                  prefill=prefill, timeline=timeline)
    path = new_postmortem(config, draft)
    if incident_type == DRILL_TYPE:
        click.echo(f"created {config.display_path(path)} (type: drill, left out of the incident metrics)")
        if not timeline_sources:
            click.echo("note: after a drill run with 'pmsite drill start', 'pmsite drill postmortem' writes this "
                       "with the drill's timeline, alert and service filled in")
        click.echo("next: write it together, then run 'pmsite validate' and 'pmsite lint' on it")
        return
    click.echo(f"created {config.display_path(path)}")
    _print_similar(config, path, title, prefill.get("services") or [])
    click.echo("next: fill in the sections, then run 'pmsite validate' and 'pmsite lint' on it")


def _print_similar(config, path: Path, title: str, services: list[str]) -> None:
    """Past postmortems like the new one's title and services, and a fingerprint when one clearly matches."""
    from pmsite import similar
    from pmsite.cli.adopt import similar_lines
    from pmsite.load import load_corpus

    corpus = [pm for pm in load_corpus(config) if pm.path != path]
    query = similar.words(title) + [f"service:{s.lower()}" for s in services]
    found = similar.query_similar(corpus, query, text=True, limit=3, config=config)
    if not found:
        return
    click.echo("similar past postmortems (read them before you write):")
    click.echo("\n".join(f"  {line}" for line in similar_lines(found)))
    suggestion = similar.suggested_fingerprint(found, corpus)
    if suggestion:
        fingerprint, match = suggestion
        click.echo(f"suggested fingerprint: {fingerprint} (as {match.id}); if this is the same problem again, "
                   f"add 'fingerprint: {fingerprint}' to the front-matter")


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@pass_state
def init_command(state: State, directory: Path) -> None:
    """Scaffold a postmortem repository in DIRECTORY (default: here).

    Writes pmsite.yaml, content/postmortems/ with one example (a draft dated
    today, left out of every figure), GitHub workflows (lint pull requests with
    annotations, build and publish the site), .gitignore and
    .pre-commit-config.yaml, and runs git init when DIRECTORY is not in a git
    repository. Refuses to overwrite any existing file.
    """
    target = (state.cwd / directory).resolve()
    result = init_repository(target, dt.datetime.now(dt.timezone.utc).date())
    for path in result.written:
        click.echo(f"created {path.relative_to(target).as_posix()}")
    if result.git_initialised:
        click.echo("initialised a git repository here: pmsite reads publication and completion dates from "
                   "its history, so commit your postmortems")
    example = next(p for p in result.written if p.suffix == ".md").relative_to(target).as_posix()
    shown = directory.as_posix()
    steps = [f"cd {shown}"] if shown != "." else []
    steps += [
        f"read {example}: a draft example, left out of the site and the figures",
        'pmsite new "What happened" --severity SEV3 --type availability',
        "pmsite validate && pmsite lint",
        "pmsite serve   # the site on http://127.0.0.1:8000/, rebuilt as you edit",
        "git add -A && git commit -m 'Start our postmortems'",
    ]
    click.echo("\nnext steps:")
    for number, step in enumerate(steps, 1):
        click.echo(f"  {number}. {step}")


COMMANDS = (new_command, init_command)
