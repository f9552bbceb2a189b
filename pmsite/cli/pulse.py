"""``pmsite pulse import|serve|ask|report``: the anonymous safety-culture pulse (docs/pulse.md)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import click

from pmsite.cli.common import (State, as_of_option, drafts_option, format_option, load_with_history, pass_state,
                               without_broken)


@click.group("pulse")
def pulse_group() -> None:
    """Anonymous safety-culture pulse: collect answers, report k-anonymous figures.

    Answers (1-7, on Edmondson's team psychological safety scale plus incident
    items) live in content/pulse/YYYY-Www.csv as team, week, question and answer
    only. No figure is ever shown for a group of fewer than pulse.min_responses
    people (default 5). Settings: the pulse section of pmsite.yaml.
    """


@pulse_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mapping", metavar="NAME|FILE.yaml",
              help="Column mapping of a form export: google-forms, microsoft-forms, slack, a pulse.mappings "
                   "name or a YAML file. Without it FILE must have the columns team,submitted_at,question,answer.")
@pass_state
def import_command(state: State, file: Path, mapping: str | None) -> None:
    """Import the answers of FILE (CSV), all of them or none.

    Time stamps become ISO weeks; respondent columns (email, name, user id...)
    are never stored. The same export is refused a second time.

    Example: pmsite pulse import responses.csv --mapping google-forms
    """
    from pmsite.pulse.importer import import_file, load_mapping
    from pmsite.pulse.settings import pulse_settings

    settings = pulse_settings(state.config)
    chosen = load_mapping(mapping, settings, state.cwd) if mapping else None
    outcome = import_file((state.cwd / file).resolve(), settings, chosen)
    for week, count in outcome.added.items():
        click.echo(f"{state.config.display_path(settings.folder / (week + '.csv'))}: {count} answers added")
    if outcome.dropped_columns:
        click.echo(f"not stored (columns): {', '.join(outcome.dropped_columns)}")
    if outcome.replaced:
        click.echo(f"{outcome.replaced} earlier answers replaced by the same respondent's later one in that week")
    if outcome.skipped_blank:
        click.echo(f"{outcome.skipped_blank} blank answers skipped")


@pulse_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8766, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@pass_state
def serve_command(state: State, host: str, port: int) -> None:
    """Serve the pulse form (one question per page, no JavaScript) until Ctrl-C.

    Each answer is stored as team, week, question and answer in the week's file;
    no address, cookie, user agent or time of day is kept. Commit the week's file
    once the week is over, not after every answer (docs/pulse.md says why).
    """
    from pmsite.pulse.form import PulseForm, make_server
    from pmsite.pulse.settings import pulse_settings

    server = make_server(PulseForm(pulse_settings(state.config)), host, port)
    click.echo(f"pulse form on http://{host}:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@pulse_group.command("ask")
@click.option("--via", type=click.Choice(["slack"]), default="slack", show_default=True, help="Where to ask.")
@click.option("--question", "question_id", metavar="ID", help="Question id (default: one per week, in turn).")
@click.option("--form-url", help="Address of the running form (default: pulse.form_url).")
@pass_state
def ask_command(state: State, via: str, question_id: str | None, form_url: str | None) -> None:
    """Post a question and the form link to a Slack channel (incoming webhook).

    The webhook URL is read from the environment variable named by
    pulse.webhook_env (default PMSITE_PULSE_SLACK_WEBHOOK), never from a file.
    """
    from pmsite.pulse.settings import pulse_settings
    from pmsite.pulse.slack import message, post, question_of_week
    from pmsite.pulse.store import PulseError

    settings = pulse_settings(state.config)
    url = os.environ.get(settings.webhook_env, "")
    if not url:
        raise PulseError(f"set {settings.webhook_env} to the Slack incoming-webhook URL")
    form_url = form_url or settings.form_url
    if not form_url:
        raise PulseError("give --form-url or set pulse.form_url: the address where 'pmsite pulse serve' runs")
    if question_id and question_id not in settings.by_id:
        raise PulseError(f"unknown question id {question_id!r}; expected one of: {', '.join(settings.by_id)}")
    question = settings.by_id[question_id] if question_id else question_of_week(settings, dt.date.today())
    post(url, message(question, form_url))
    click.echo(f"asked {question.id} on {via}: {question.text}")


@pulse_group.command("report")
@format_option("text", "json")
@as_of_option
@drafts_option
@pass_state
def report_command(state: State, output_format: str, as_of: dt.date | None, drafts: bool) -> None:
    """Print the pulse figures the site's Culture page shows.

    Per quarter: the organisation's and each team's median with a 95% bootstrap
    interval and the distribution of answers, each team's trend against its own
    past, and Spearman's correlation with the incident figures of the same teams
    and quarters. Groups under pulse.min_responses people never appear.
    """
    from pmsite.pipeline import default_as_of, is_included
    from pmsite.pulse.report import to_text
    from pmsite.pulse.settings import pulse_settings
    from pmsite.pulse.site import culture_report, has_pulse
    from pmsite.pulse.store import PulseError

    config = state.config
    as_of = as_of or default_as_of()
    if not has_pulse(config):
        folder = config.display_path(pulse_settings(config).folder)
        raise PulseError(f"no pulse answers: {folder}/ does not exist; "
                                   "import some with 'pmsite pulse import'")
    loaded, found = load_with_history(config, missing_ok=True)  # no postmortems yet: the pulse figures stand alone
    postmortems = [pm for pm in without_broken(loaded.postmortems, loaded.findings)
                   if is_included(pm, drafts)] if loaded else []  # what the site counts
    report = culture_report(config, postmortems, found, as_of)
    click.echo(json.dumps(report.to_dict(), indent=2) if output_format == "json" else to_text(report), nl=False)


COMMANDS = (pulse_group,)
