"""Subcommands of ``pmsite actions``: tracker sync, reminders and late postmortems.

``pmsite actions`` itself (the listing) lives in ``pmsite.cli.actions``; the work
is done by ``pmsite.trackers``, ``pmsite.remind`` and ``pmsite.review``.
"""

from __future__ import annotations

import datetime as dt
import json

import click

from pmsite.cli.common import State, format_option, pass_state
from pmsite.cli.types import DateType


def _as_of(function):
    return click.option("--as-of", type=DateType(), default=None,
                        help="Compute as if today were DATE (YYYY-MM-DD).")(function)


def _deadlines_text(found, as_of: dt.date) -> str:
    if not found:
        return f"every postmortem is published or closed (as of {as_of})"
    rows = [("POSTMORTEM", "SEV", "STATUS", "DUE", "LATE", "TEAMS", "TITLE")]
    rows += [(d.id, d.severity, d.status, d.due.isoformat(), f"{d.days_overdue}d" if d.overdue else "",
              ",".join(d.teams), d.title) for d in found]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1] for row in rows]
    late = sum(d.overdue for d in found)
    lines.append(f"{len(found)} unpublished postmortem{'s' if len(found) != 1 else ''}, {late} past "
                 f"review.publish_within as of {as_of}")
    return "\n".join(line.rstrip() for line in lines)


@click.command("postmortems")
@click.option("--overdue", is_flag=True, help="Only postmortems past their publication deadline.")
@format_option("text", "json")
@_as_of
@pass_state
def postmortems_command(state: State, overdue: bool, output_format: str, as_of: dt.date | None) -> None:
    """List unpublished postmortems with their publication deadline.

    The deadline is review.publish_within days (by severity, in pmsite.yaml)
    after the incident was resolved; drafts and postmortems in review past it
    are overdue. Published and wont_publish postmortems owe nothing.
    """
    from pmsite import load as load_stage
    from pmsite.review.deadlines import deadlines
    from pmsite.review.policy import ReviewPolicy

    config = state.config
    as_of = as_of or dt.date.today()
    found = deadlines(load_stage.load_corpus(config), ReviewPolicy.from_config(config), as_of)
    if overdue:
        found = [d for d in found if d.overdue]
    if output_format == "json":
        click.echo(json.dumps({"as_of": as_of.isoformat(), "postmortems": [d.to_dict() for d in found]}, indent=2))
    else:
        click.echo(_deadlines_text(found, as_of))


def actions_subcommands() -> tuple[click.Command, ...]:
    return (postmortems_command,)
