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
    lines.append(f"{_count(len(found), 'unpublished postmortem')}, {late} past review.publish_within as of {as_of}")
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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _plan_lines(plan, written: bool) -> list[str]:
    verb_create, verb_set = ("created", "set") if written else ("would create", "would set")
    lines = []
    if not written:
        for creation in plan.creations:
            issue = creation.issue
            extra = [f"labels {', '.join(issue.labels)}"] if issue.labels else []
            extra.append(f"assignee {issue.assignee}" if issue.assignee else
                         f"unassigned: owner {creation.unassigned_owner!r} has no user in trackers.users"
                         if creation.unassigned_owner else "unassigned")
            lines.append(f"{verb_create}  {creation.ref.name}  {issue.title}  ({'; '.join(extra)})")
    for change in plan.changes:
        old = change.old if change.old is not None else "(none)"
        new = change.new if change.new is not None else "(removed)"
        lines.append(f"{verb_set}  {change.ref.name}  {change.key}: {old} -> {new}  ({change.why})")
    return lines


@click.command("sync")
@click.option("--tracker", "tracker_name", required=True, type=click.Choice(["github", "jira", "linear"]),
              help="The tracker to sync with (settings under trackers: in pmsite.yaml).")
@click.option("--create", is_flag=True, help="Open an issue for each open action item without a link.")
@click.option("--pull", is_flag=True, help="Read the state of linked issues into status and completed.")
@click.option("--write", is_flag=True, help="Do it: open the issues and edit the front-matter. Without it, print the plan.")
@pass_state
def sync_command(state: State, tracker_name: str, create: bool, pull: bool, write: bool) -> None:
    """Sync action items with GitHub Issues, Jira Cloud or Linear.

    --create opens an issue for each open item without a link (title, a body
    linking the postmortem, labels from category and priority, the assignee from
    trackers.users); --pull maps the state of linked issues to pmsite statuses
    (trackers.<name>.states) with the close date as completed. Neither flag means
    both. Without --write nothing is created or edited: the plan is printed.
    With --write only the changed front-matter lines are edited. Tokens come
    from the environment (GITHUB_TOKEN; JIRA_EMAIL and JIRA_API_TOKEN;
    LINEAR_API_KEY) and are never printed. Exits 1 when an item failed.
    """
    from pmsite import load as load_stage
    from pmsite.trackers import make_tracker
    from pmsite.trackers.frontmatter import EditError
    from pmsite.trackers.settings import TrackerSettings
    from pmsite.trackers.state import record_pulls
    from pmsite.trackers.sync import create_issues, plan_sync, write_changes

    if not create and not pull:
        create = pull = True
    config = state.config
    settings = TrackerSettings.from_config(config, tracker_name)
    loaded = load_stage.load([], config)
    broken = {f.path for f in loaded.findings if f.severity == "error"}
    for finding in loaded.findings:
        click.echo(f"{finding.severity}: {finding.path}:{finding.line}: {finding.message}; its items are skipped", err=True)
    postmortems = [pm for pm in loaded.postmortems if pm.display_path not in broken]
    tracker = make_tracker(settings)
    try:
        plan = plan_sync(postmortems, tracker, settings, create=create, pull=pull, look_up_created=create)
        if write:
            create_issues(plan, tracker)
    finally:
        tracker.close()
    written: list = []
    if write:
        try:
            written = write_changes(plan.changes)
        except EditError as exc:
            for line in _plan_lines(plan, True):
                click.echo(line)
            raise click.ClickException(f"{exc.message}; the issues above were opened, and the next --create "
                                       "run adopts them instead of opening new ones") from None
        if pull and plan.pulled:
            record_pulls(config, tracker_name, plan.pulled, dt.date.today())
    for line in _plan_lines(plan, write):
        click.echo(line)
    if write:
        for creation in plan.creations:
            if creation.unassigned_owner:
                click.echo(f"warning: {creation.ref.where}: {creation.ref.name}: owner {creation.unassigned_owner!r} "
                           f"has no {tracker_name} user in trackers.users; its issue is unassigned", err=True)
    for problem in plan.problems:
        where = f"{problem.ref.where}: {problem.ref.name}: " if problem.ref else ""
        click.echo(f"error: {where}{problem.message}", err=True)
    if write:
        summary = f"{tracker_name}: wrote {_count(len(plan.changes), 'change')} to {_count(len(written), 'file')}"
    else:
        files = len({change.ref.postmortem.path for change in plan.changes})
        summary = (f"{tracker_name}: {_count(len(plan.creations), 'issue')} to create, "
                   f"{_count(len(plan.changes), 'change')} in {_count(files, 'file')}")
        if plan.creations or plan.changes:
            summary += "; nothing written (run with --write to apply)"
    if plan.problems:
        summary += f"; {_count(len(plan.problems), 'item')} failed"
    click.echo(summary)
    raise SystemExit(1 if plan.problems else 0)


@click.command("remind")
@click.option("--via", type=click.Choice(["email", "slack", "github"]), default=None,
              help="How to deliver (default: remind.via in pmsite.yaml, else email).")
@click.option("--dry-run", is_flag=True, help="Print the messages per recipient; send nothing, record nothing.")
@_as_of
@pass_state
def remind_command(state: State, via: str | None, dry_run: bool, as_of: dt.date | None) -> None:
    """Send one reminder per recipient: overdue and stale items, late postmortems.

    Owners hear about items up to 7 days overdue, their team's manager up to 14,
    the director beyond (escalation: and teams: in pmsite.yaml); stale items go
    to their owner; postmortems past review.publish_within go up the same
    ladder from their authors. Running twice on one day sends nothing new
    (remind.state_file records what went to whom). E-mail goes over SMTP
    (remind.smtp), Slack through an incoming webhook (SLACK_WEBHOOK_URL), GitHub
    as a comment on each linked issue (GITHUB_TOKEN). Exits 1 when a delivery failed.
    """
    import os

    from pmsite import remind
    from pmsite.aggregate.actions import Policy
    from pmsite.cli.actions import _run
    from pmsite.notify import DeliveryError, sender
    from pmsite.review.deadlines import deadlines
    from pmsite.review.policy import ReviewPolicy

    config = state.config
    via = via or str(config.section("remind").get("via") or "email")
    if via not in ("email", "slack", "github"):
        raise click.UsageError(f"remind.via is {via!r}; use email, slack or github")
    as_of = as_of or dt.date.today()
    teams = remind.Teams.from_config(config)
    result, _, warnings = _run(config, as_of, True)  # every open item, drafts too: the work exists already
    for line in warnings:
        click.echo(line, err=True)
    postmortems = [incident.postmortem for incident in result.incidents]
    site = str(config.section("remind").get("site_url") or config.section("trackers").get("site_url") or
               (config.base_url if config.base_url.startswith("http") else "")).rstrip("/")
    pages = {pm.id: f"{site}/postmortems/{pm.slug}/" for pm in postmortems if pm.id and site}
    messages = remind.plan_messages(result.action_items, deadlines(postmortems, ReviewPolicy.from_config(config), as_of),
                                    teams, Policy.from_config(config), pages)
    fresh = remind.unsent(messages, config, as_of)
    if via == "github":
        fresh = [remind.Message(m.recipient, [line for line in m.lines if line.link], m.notes) for m in fresh]
        fresh = [m for m in fresh if m.lines]
    if dry_run:
        for message in fresh:
            click.echo(f"To: {message.recipient} ({remind.ROLES[message.level]} level) via {via}")
            click.echo(f"Subject: {message.subject}")
            click.echo(message.body())
            click.echo("")
        skipped = len(messages) - len(fresh)
        click.echo(f"{_count(len(fresh), 'message')} as of {as_of}; nothing sent (dry run)"
                   + (f"; {_count(skipped, 'recipient')} already reminded today" if skipped else ""))
        return
    send = sender(via, config, dict(os.environ))
    delivered, failed = [], 0
    for message in fresh:
        try:
            address = send(message)
        except DeliveryError as exc:
            click.echo(f"error: {exc}", err=True)
            failed += 1
            continue
        delivered.append(message)
        click.echo(f"sent to {message.recipient} ({address}): {message.subject}")
    remind.record_sent(delivered, config, as_of)
    click.echo(f"{_count(len(delivered), 'message')} sent via {via} as of {as_of}"
               + (f"; {failed} failed" if failed else ""))
    raise SystemExit(1 if failed else 0)


def actions_subcommands() -> tuple[click.Command, ...]:
    return (postmortems_command, remind_command, sync_command)
