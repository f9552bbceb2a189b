"""``pmsite drill``: run a mock incident, then review it blamelessly (see docs/drills.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import click

from pmsite.cli.common import State, format_option, pass_state
from pmsite.drills import DRILL_TYPE, control, debrief
from pmsite.drills.runtime import utc_stamp
from pmsite.drills.scenario import Scenario, all_scenarios, find
from pmsite.errors import PmsiteError


def _user_scenarios(state: State) -> tuple[Path, Callable[[Path], str]]:
    """The repository's scenario folder: ``drills.scenarios`` in pmsite.yaml, else ``drills/`` at the root."""
    config = state.config
    configured = config.section("drills").get("scenarios")
    folder = config.root / (str(configured) if configured else "drills")
    return folder, config.display_path


def _scenario(state: State, name: str) -> Scenario:
    folder, display = _user_scenarios(state)
    return find(name, folder, display)


def _record_folder(state: State, source: Path | None) -> Path:
    """``--from`` (relative to where pmsite runs, as with -C), else the running drill's folder."""
    return (state.cwd / source).resolve() if source is not None else control.running_drill().path


source_option = click.option(
    "--from", "source", type=click.Path(file_okay=False, path_type=Path),
    help="A drill record saved with 'pmsite drill stop --save-logs DIR' (default: the running drill).")


@click.group("drill")
def drill_group() -> None:
    """Run a mock incident on this machine, then review it blamelessly.

    A drill starts a small real system on 127.0.0.1 (an HTTP API, a worker, a
    SQLite store, traffic and alert rules) that breaks in the way its scenario
    describes. The team finds the problem from its logs, /metrics and status
    page; the facilitator follows 'pmsite drill console' and 'pmsite drill
    debrief'; 'pmsite drill postmortem' starts the practice postmortem.
    """


@drill_group.command("list")
@pass_state
def list_command(state: State) -> None:
    """List the scenarios, one a line: name, what breaks, title."""
    folder, display = _user_scenarios(state)
    scenarios = all_scenarios(folder, display)
    width = max(len(name) for name in scenarios)
    for name, scenario in sorted(scenarios.items()):
        click.echo(f"{name:<{width}}  {scenario.fault_kind:<17}  {scenario.title}")


@drill_group.command("start")
@click.argument("scenario")
@click.option("--minutes", type=click.FloatRange(min=0.05, max=24 * 60), default=control.DEFAULT_MINUTES,
              show_default=True, help="Stop the drill by itself after this many minutes.")
@click.option("--port", type=click.IntRange(0, 65535), default=control.DEFAULT_PORT, show_default=True,
              help="Port for the API on 127.0.0.1 (another free one when it is taken; 0 picks one).")
@click.option("--speed", type=click.FloatRange(min=0.1, max=100), default=1.0, show_default=True,
              help="Compress the scenario's clock (trigger, alert windows, phases) for rehearsals.")
@pass_state
def start_command(state: State, scenario: str, minutes: float, port: int, speed: float) -> None:
    """Start SCENARIO's system in a temporary folder of its own."""
    started = control.start(_scenario(state, scenario), minutes=minutes, port=port, speed=speed)
    url = f"http://127.0.0.1:{started.port}"
    if started.port_note:
        click.echo(f"note: {started.port_note}")
    click.echo(f"drill {started.scenario} started: status page {url}/, metrics {url}/metrics")
    click.echo(f"logs: {started.folder}/logs/ (JSON Lines; 'pmsite timeline' imports them)")
    click.echo(f"stops by itself at {utc_stamp(started.deadline)} ({minutes:g} minutes); "
               "facilitator: 'pmsite drill console'; end it with 'pmsite drill stop'")


@drill_group.command("status")
@format_option("text", "json")
def status_command(output_format: str) -> None:
    """The running drill: scenario, processes, ports, folder, alerts and the current phase."""
    report = control.status().to_dict()
    if output_format == "json":
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"scenario: {report['scenario']} ({report['title']})")
    click.echo(f"folder:   {report['folder']}")
    click.echo(f"ports:    api {report['ports']['api']} ({report['urls']['status_page']})"
               + (f"; {report['port_note']}" if report["port_note"] else ""))
    click.echo(f"time:     started {report['started_at']}, stops by itself at {report['stops_at']}")
    for process in report["processes"]:
        click.echo(f"process:  {process['role']:<10} pid {process['pid']:<8} "
                   f"{'running' if process['running'] else 'ended'}")
    for name, alert in sorted(report["alerts"].items()):
        click.echo(f"alert:    {name}: {'FIRING since ' + alert['fired_at'] if alert['firing'] else 'ok'}")
    if report["phase"]:
        click.echo(f"phase:    {report['phase']['name']}: {report['phase']['prompt']}")


@drill_group.command("console")
@click.option("--once", is_flag=True, help="Print the phases reached so far and return.")
def console_command(once: bool) -> None:
    """The facilitator's console: each phase's task and questions when its time comes."""
    shown = 0
    while True:
        try:
            phases = control.status().phases
        except control.DrillError:
            if shown:
                click.echo("the drill has ended")
                return
            raise
        for phase in phases[shown:]:
            click.echo(f"[{utc_stamp()}] {phase['name']}: {phase['prompt']}")
            for question in phase["questions"]:
                click.echo(f"    ? {question}")
        shown = len(phases)
        if once:
            return
        time.sleep(1)


@drill_group.command("stop")
@click.option("--save-logs", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="First copy the logs and alert record here, for 'debrief --from' and 'postmortem --from'.")
@pass_state
def stop_command(state: State, save_logs: Path | None) -> None:
    """End every process the drill started and remove its folder."""
    target = (state.cwd / save_logs).resolve() if save_logs else None
    stopped, ended = control.stop(target)
    click.echo(f"drill {stopped.scenario} stopped: ended {len(ended)} process(es), removed {stopped.folder}")
    if target:
        click.echo(f"saved its logs in {target}")


@drill_group.command("debrief")
@source_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the Markdown here.")
@pass_state
def debrief_command(state: State, source: Path | None, out: Path | None) -> None:
    """The facilitator's script: opening, timeline review, questions, reveal."""
    from pmsite.cli.timeline import read_timeline
    from pmsite.timeline import to_markdown

    record = debrief.read_record(_record_folder(state, source))
    timeline = read_timeline(state, record.sources, None)
    text = debrief.script(record, to_markdown(timeline) if timeline.events else "")
    if out is None:
        click.echo(text, nl=False)
        return
    target = state.cwd / out
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PmsiteError(f"{out}: cannot write the script ({exc.strerror}); pick another --out") from None
    click.echo(f"wrote {target}")


@drill_group.command("postmortem")
@source_option
@click.option("--title", help="Title of the practice postmortem (default: the scenario's title).")
@pass_state
def postmortem_command(state: State, source: Path | None, title: str | None) -> None:
    """Start the practice postmortem ('pmsite new', type: drill) with the drill's timeline."""
    from pmsite.cli.timeline import draft_from_exports
    from pmsite.scaffold import Draft, new_postmortem

    record = debrief.read_record(_record_folder(state, source))
    timeline, _ = draft_from_exports(state, record.sources, None, None)
    prefill = {"started_at": record.trigger_time, "detected_at": record.first_alert,
               "detection": "alert" if record.first_alert else None,
               "services": [record.scenario["service"]]}
    draft = Draft(title=title or f"Drill: {record.scenario['title']}",
                  severity=record.scenario.get("severity", "SEV3"), incident_type=DRILL_TYPE,
                  date=record.day, prefill=prefill, timeline=timeline)
    path = new_postmortem(state.config, draft)
    click.echo(f"created {state.config.display_path(path)} (type: drill, left out of the incident metrics)")
    click.echo("next: write it together, then run 'pmsite validate' and 'pmsite lint' on it")


COMMANDS = (drill_group,)
