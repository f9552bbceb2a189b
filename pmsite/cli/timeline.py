"""``pmsite timeline``: chat, paging and log exports -> one UTC timeline."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import replace
from typing import Any

import click

from pmsite.cli.types import InstantType, TimeZoneType
from pmsite.characters import printable
from pmsite.cli.common import State, pass_state
from pmsite.importers import parse_spec
from pmsite.importers.pagerduty import read_incident
from pmsite.timeline import (
    FORMATTERS,
    Timeline,
    TimelineSettings,
    dropped_summary,
    import_timeline,
    iso_utc,
    settings_from_config,
    to_markdown,
)


def tz_option() -> Any:
    return click.option("--tz", type=TimeZoneType(), default=None,
                        help="IANA zone for time stamps that carry no offset (logs, syslog), e.g. Europe/Berlin.")


def timeline_settings(state: State) -> TimelineSettings:
    config = state.config
    where = config.display_path(config.path) if config.path else "pmsite.yaml"
    return settings_from_config(config.section("timeline"), where)


def read_timeline(state: State, sources: tuple[str, ...], tz: zoneinfo.ZoneInfo | None,
                  channels: tuple[str, ...] = (), **build_options: Any) -> Timeline:
    """Settings from pmsite.yaml, then every source read and merged (shared with ``new``)."""
    settings = timeline_settings(state)
    options = settings.import_options(tz=tz, channels=channels)
    if options.year is None and build_options.get("since"):
        options = replace(options, year=build_options["since"].year)  # syslog stamps have no year
    return import_timeline(sources, state.cwd, settings, options, **build_options)


@click.command("timeline")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--since", type=InstantType(), help="Leave out events before this ISO 8601 time (with offset).")
@click.option("--until", type=InstantType(), help="Leave out events after this ISO 8601 time (with offset).")
@tz_option()
@click.option("--channel", "channels", multiple=True, metavar="NAME",
              help="Slack channel to read (repeatable; default: every channel in the export).")
@click.option("--keep-noise", is_flag=True, help="Keep joins, bot chatter, '+1' messages and other noise.")
@click.option("--pseudonymize", is_flag=True,
              help="Replace people's names with roles from pmsite.yaml or 'Person A', 'Person B'...")
@click.option("--format", "-f", "output_format", type=click.Choice(list(FORMATTERS)), default="markdown",
              show_default=True, help="markdown: a table to paste; csv: the same columns; json: events and counts.")
@pass_state
def timeline_command(state: State, sources: tuple[str, ...], since: dt.datetime | None, until: dt.datetime | None,
                     tz: zoneinfo.ZoneInfo | None, channels: tuple[str, ...], keep_noise: bool, pseudonymize: bool,
                     output_format: str) -> None:
    """Merge chat, paging and log exports into one timeline in UTC.

    Each SOURCE is a Slack export (folder or .zip), a DiscordChatExporter JSON
    file, a PagerDuty incident or log_entries JSON from the REST API, or a log
    (JSON Lines, CSV, or lines starting with an ISO 8601 or syslog time stamp).
    The kind is detected from the content; force it with KIND:PATH (slack:,
    discord:, pagerduty:, logs:).

    Noise (joins, topic changes, emoji-only and '+1' messages, bot messages that
    are not alerts, PagerDuty notifications) is dropped and counted on stderr.
    Secrets are always replaced by [REDACTED:kind].

    Example: pmsite timeline slack-export.zip pagerduty:incident.json --channel inc-checkout
    """
    timeline = read_timeline(state, sources, tz, channels, since=since, until=until,
                             keep_noise=keep_noise, pseudonymize=pseudonymize)
    click.echo(FORMATTERS[output_format](timeline), nl=False)
    if output_format != "json":
        click.echo(dropped_summary(timeline), err=True)


COMMANDS = (timeline_command,)


def draft_from_exports(state: State, sources: tuple[str, ...], incident: str | None,
                       tz: zoneinfo.ZoneInfo | None) -> tuple[str, dict[str, Any]]:
    """For ``pmsite new``: the Markdown timeline and the front-matter a PagerDuty incident gives."""
    prefill: dict[str, Any] = {}
    extra_events = []
    if incident:
        settings = timeline_settings(state)
        facts = read_incident(parse_spec(incident, state.cwd)[1], settings.import_options(tz=tz))
        extra_events = facts.events
        def redact(text: str) -> str:  # the front-matter is importer output too
            return settings.redactor.redact(printable(text))

        prefill = {
            "started_at": facts.started_at and iso_utc(facts.started_at),
            "detected_at": facts.detected_at and iso_utc(facts.detected_at),
            "resolved_at": facts.resolved_at and iso_utc(facts.resolved_at),
            "services": [redact(service) for service in facts.services],
            "incident_url": redact(facts.url),
            "detection": "alert" if facts.detected_at else None,
        }
    timeline = read_timeline(state, sources, tz, extra_events=extra_events)
    return (to_markdown(timeline) if timeline.events else ""), {k: v for k, v in prefill.items() if v}
