"""``pmsite blackbox collect|serve``: the incident pack, by hand or on PagerDuty's word."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from pmsite.cli.common import State, pass_state
from pmsite.errors import PmsiteError


class CollectError(PmsiteError):
    """A collection did not produce a pack (the message says whether it stays queued)."""


def _logging() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%Y-%m-%dT%H:%M:%S")


@click.group("blackbox")
def blackbox_group() -> None:
    """Collect an incident pack: PagerDuty, Slack, GitHub and dashboards.

    A pack is a folder and a .zip holding the raw exports (secrets redacted), a
    UTC timeline, dashboard screenshots, a draft postmortem that passes
    'pmsite validate', and manifest.json (what was collected, what failed and
    why, the sha256 of every file). Settings: the blackbox section of
    pmsite.yaml; tokens: environment variables (docs/blackbox.md).
    """


@blackbox_group.command("collect")
@click.option("--incident", required=True, metavar="ID", help="PagerDuty incident id (as in its URL).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the pack (default: blackbox.out_dir, else incident-packs/).")
@click.option("--propose", is_flag=True,
              help="Also commit the draft to a new branch and open a pull request (blackbox.publish settings).")
@pass_state
def collect_command(state: State, incident: str, out_dir: Path | None, propose: bool) -> None:
    """Collect one incident's pack now.

    Reads the incident and its log entries from PagerDuty, the incident's Slack
    channels for the incident window plus a margin, merged pull requests and
    deployments of its services' repositories, and screenshots of the configured
    dashboards. A source that fails is marked failed in the manifest and the
    pack is finished without it. An interrupted run resumes where it stopped
    when started again.

    Example: pmsite blackbox collect --incident Q2W3E4R5T6
    """
    from pmsite.blackbox import service

    context = service.make_context(state.config, (state.cwd / out_dir) if out_dir else None)
    outcome = service.collect(context, incident)
    if outcome.state != "done":
        raise CollectError(outcome.message)
    click.echo(f"created {outcome.pack}")
    click.echo(f"created {outcome.pack}.zip")
    click.echo(f"incomplete: {', '.join(outcome.incomplete)} (manifest.json says why)" if outcome.incomplete
               else "all sources collected")
    if propose:
        from pmsite.blackbox.publish import publish_draft

        click.echo(publish_draft(outcome.pack, context))
    else:
        click.echo(f"next: pmsite validate {outcome.pack}/draft.md, then copy it into the content folder")


@blackbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; put a TLS proxy in front to accept PagerDuty from outside.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@pass_state
def serve_command(state: State, host: str, port: int) -> None:
    """Receive PagerDuty v3 webhooks and collect a pack for each resolved incident.

    Verifies X-PagerDuty-Signature with PAGERDUTY_WEBHOOK_SECRET and answers 401
    to anything unsigned, mis-signed or replayed. incident.resolved queues a
    collection in a SQLite queue that survives restarts; other events are
    acknowledged and ignored. GET /healthz answers 200 while it runs.
    """
    from pmsite.blackbox import service

    _logging()
    context = service.make_context(state.config)
    service.serve(context, host, port, ready=lambda url: click.echo(f"listening on {url}", err=True))


COMMANDS = (blackbox_group,)
