"""``pmsite actions`` and ``pmsite metrics``: accountability and learning figures.

Both load the corpus, mine git history and aggregate (or reuse the output of an
earlier run with the same inputs, see ``pmsite.reportcache``); this module only
parses options and formats. Warnings (no repository, skipped revisions) go to stderr.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable

import click

from pmsite import history as history_stage
from pmsite.aggregate import BY_CHOICES, ActionItem, Aggregates, Distribution, Summary, aggregate, select
from pmsite.aggregate.actions import CLOSED_STATUSES, OPEN_STATUSES
from pmsite.aggregate.settings import PRIORITIES
from pmsite.characters import character_findings
from pmsite.cli.actions_sync import actions_subcommands
from pmsite.cli.common import (State, as_of_option, drafts_option, format_option, load_with_history, pass_state,
                               without_broken)
from pmsite.cli.types import AnyCaseChoice, DateType
from pmsite.config import Config
from pmsite.csvout import csv_text
from pmsite.pipeline import default_as_of, is_included, left_out_note
from pmsite.reportcache import Report, cached_report, report_key, store_report
from pmsite.timeutil import format_minutes

ACTION_FIELDS = ("postmortem_id", "id", "title", "owner", "priority", "category", "kind", "status", "due",
                 "completed", "overdue", "days_overdue", "escalation", "stale", "due_source",
                 "completed_source", "on_time", "days_to_close", "last_change", "severity", "teams",
                 "services", "postmortem_path", "link")


def _run(config: Config, as_of: dt.date, drafts: bool, **window: Any) -> tuple[Aggregates, int, list[str]]:
    """Load, mine and aggregate what the site counts; also say how many drafts were left out and what
    was skipped (for stderr)."""
    loaded, found = load_with_history(config)
    unusable = [*loaded.findings, *(f for pm in loaded.postmortems for f in character_findings(pm))]
    readable = without_broken(loaded.postmortems, unusable)
    postmortems = [pm for pm in readable if is_included(pm, drafts)]
    result = aggregate(postmortems, found, config, as_of, **window)
    warnings = [f"{finding.severity}: {finding.path}:{finding.line}: {finding.message}"
                for finding in [*unusable, *found.warnings, *result.warnings]]
    return result, len(readable) - len(postmortems), warnings


def _report(state: State, command: str, options: dict[str, Any], as_of: dt.date | None, drafts: bool,
            draw: Callable[[Aggregates, int], str], **window: Any) -> None:
    """Print a report, reusing the last output drawn from the same inputs (see pmsite.reportcache).

    ``draw`` gets the aggregates and the number of drafts left out, which the
    report states: the site says the same, so the two never disagree silently.
    """
    config = state.config
    as_of = as_of or default_as_of()
    key = report_key(config, command, {**options, **window, "as_of": as_of, "drafts": drafts},
                     history_stage.head_state(config))
    report = cached_report(config, key)
    if report is None:
        result, left_out, warnings = _run(config, as_of, drafts, **window)
        report = Report(draw(result, left_out), warnings)
        store_report(config, key, report)
    for line in report.warnings:
        click.echo(line, err=True)
    click.echo(report.output, nl=False)


# -- actions --------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ";".join(map(str, value))
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _actions_text(items: list[ActionItem], as_of: dt.date, left_out: int) -> str:
    note = f"; {left_out_note(left_out)}" if left_out else ""
    if not items:
        return f"no action items match (as of {as_of}){note}"
    rows = [("POSTMORTEM", "ITEM", "STATUS", "PRI", "OWNER", "DUE", "LATE", "ESCALATION", "TITLE")]
    for item in items:
        due = f"{item.due}{'*' if item.due_source == 'sla' else ''}" if item.due else "-"
        late = f"{item.days_overdue}d" if item.overdue else ""
        flags = item.escalation or ""
        if item.stale:
            flags = f"{flags}, stale" if flags else "stale"
        rows.append((item.postmortem_id, item.id, item.status, item.priority, item.owner, due, late, flags,
                     item.title))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1] for row in rows]
    overdue = sum(1 for i in items if i.overdue)
    lines.append(f"{len(items)} action item{'s' if len(items) != 1 else ''}, {overdue} overdue as of {as_of}"
                 + ("; * due date from the SLA policy" if any(i.due_source == "sla" for i in items) else "") + note)
    return "\n".join(line.rstrip() for line in lines)


@click.group("actions", invoke_without_command=True)
@click.option("--overdue", is_flag=True, help="Only open items past their due date.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(OPEN_STATUSES + CLOSED_STATUSES),
              help="Only items with this status (repeat for several).")
@click.option("--owner", "owners", multiple=True, metavar="NAME", help="Only items owned by this person or team (repeatable).")
@click.option("--team", "teams", multiple=True, metavar="NAME", help="Only items of postmortems of this team (repeatable).")
@click.option("--service", "services", multiple=True, metavar="NAME", help="Only items of postmortems about this service (repeatable).")
@click.option("--priority", "priorities", multiple=True, type=AnyCaseChoice(PRIORITIES),
              help="Only items of this priority (repeatable).")
@format_option("text", "json", "csv")
@as_of_option
@drafts_option
@pass_state
def actions_command(state: State, overdue: bool, statuses: tuple[str, ...], owners: tuple[str, ...],
                    teams: tuple[str, ...], services: tuple[str, ...], priorities: tuple[str, ...],
                    output_format: str, as_of: dt.date | None, drafts: bool) -> None:
    """List action items with due dates, overdue days and escalation.

    A missing due date comes from the SLA policy (sla: in pmsite.yaml) by
    priority and severity; a done item without 'completed' is dated by the
    commit that marked it done. Escalation: reminder up to 7 days overdue,
    manager up to 14, director beyond (escalation: in pmsite.yaml).
    Subcommands sync items with trackers, send reminders and list late postmortems.
    """
    if click.get_current_context().invoked_subcommand:
        return

    def draw(result: Aggregates, left_out: int) -> str:
        items = select(result.action_items, overdue=overdue, statuses=statuses, owners=owners, teams=teams,
                       services=services, priorities=priorities)
        if output_format == "json":
            return json.dumps({"as_of": result.as_of.isoformat(), "drafts_not_counted": left_out,
                               "action_items": [item.to_dict() for item in items]},
                              indent=2, ensure_ascii=False) + "\n"
        if output_format == "csv":
            rows = ([_cell(data[name]) for name in ACTION_FIELDS] for data in (item.to_dict() for item in items))
            return csv_text(ACTION_FIELDS, rows)
        return _actions_text(items, result.as_of, left_out) + "\n"

    options = {"overdue": overdue, "status": statuses, "owner": owners, "team": teams, "service": services,
               "priority": priorities, "format": output_format}
    _report(state, "actions", options, as_of, drafts, draw)


# -- metrics --------------------------------------------------------------------------------


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _spread(distribution: Distribution, incidents: int, days: bool = False) -> str:
    """Median and p90 in the unit that fits, with how many incidents did not record the figure."""
    skipped = f"; {incidents - distribution.count} not recorded, skipped" if distribution.count < incidents else ""
    if not distribution.count:
        return "n/a" + skipped
    unit = (lambda value: f"{value:g} d") if days else format_minutes
    return f"median {unit(distribution.median)}, p90 {unit(distribution.p90)} (n = {distribution.count}{skipped})"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"


def _summary_text(summary: Summary) -> list[str]:
    action = summary.action_items
    by_priority = "; ".join(f"{p} {d['median']:g} d (n = {d['count']})"
                            for p, d in action["days_to_close_by_priority"].items() if d["count"]) or "n/a"
    score = "n/a" if summary.health_score is None else f"{summary.health_score:.0f}/100"
    return [
        f"incidents             {summary.incidents} ({_counts(summary.by_severity)})",
        f"types                 {_counts(summary.by_type)}",
        f"time to detect        {_spread(summary.time_to_detect_minutes, summary.incidents)}",
        f"time to mitigate      {_spread(summary.time_to_mitigate_minutes, summary.incidents)}",
        f"time to resolve       {_spread(summary.time_to_resolve_minutes, summary.incidents)}",
        f"time to publish       {_spread(summary.time_to_publish_days, summary.incidents, days=True)}",
        f"action items          {action['total']} ({_counts(action['by_status'])})",
        f"completion rate       {_share(action['completion_rate'])}; on time {_share(action['on_time_rate'])}"
        f"; overdue {action['overdue']}; stale {action['stale']}",
        f"days to close         {by_priority}",
        f"learning debt         {_counts(summary.learning_debt)}",
        f"fix categories        {_counts(summary.fix_categories)}",
        f"mitigation/systemic   {_counts(summary.fix_kinds)} (ratio {summary.mitigation_systemic_ratio})",
        f"recurrence rate       {_share(summary.recurrence_rate)} ({', '.join(summary.recurring_incidents) or 'none'})",
        f"participation         {_plural(summary.participants, 'participant')}, "
        f"{_plural(summary.contributors, 'git contributor')}",
        f"reported by people    {_share(summary.human_reported_share)}",
        f"learning health       {score}",
    ]


def _window(result: Aggregates) -> str:
    """"all incidents up to 2026-12-06", "incidents from 2026-01-01 to 2026-03-31"..."""
    if result.since and result.until:
        return f"incidents from {result.since} to {result.until}"
    if result.since:
        return f"incidents from {result.since} up to {result.as_of}"
    return f"all incidents up to {result.until or result.as_of}"


def _metrics_text(result: Aggregates, left_out: int) -> str:
    lines = [f"Metrics for {_window(result)}" + (f" (as of {result.as_of})" if result.until else ""),
             *_summary_text(result.metrics)]
    if left_out:
        lines.append(left_out_note(left_out))
    if result.recurrence_groups:
        lines.append("recurring groups:")
        lines += [f"  {' -> '.join(g.ids)}" + (f" [{', '.join(g.fingerprints)}]" if g.fingerprints else "")
                  for g in result.recurrence_groups]
    if result.patterns:
        lines.append("patterns:")
        lines += [f"  {p.name} ({p.count} incidents): {p.recommendation}" for p in result.patterns]
    for name, summary in result.groups.items():
        lines += ["", f"{result.by}: {name}", *(f"  {line}" for line in _summary_text(summary))]
    return "\n".join(lines)


@click.command("metrics")
@click.option("--since", type=DateType(), help="Only incidents on or after this date (YYYY-MM-DD).")
@click.option("--until", type=DateType(), help="Only incidents on or before this date (YYYY-MM-DD).")
@click.option("--by", type=click.Choice(BY_CHOICES), help="Also break the figures down by this field.")
@format_option("text", "json")
@as_of_option
@drafts_option
@pass_state
def metrics_command(state: State, since: dt.date | None, until: dt.date | None, by: str | None,
                    output_format: str, as_of: dt.date | None, drafts: bool) -> None:
    """Learning metrics: durations, action-item follow-through, recurrence, health score.

    Durations are medians and 90th percentiles. The health score and every
    formula are described in docs/metrics.md; weights are set under metrics:
    in pmsite.yaml.
    """
    if since and until and since > until:
        raise click.UsageError(f"--since {since} is after --until {until}; swap them")
    def draw(result: Aggregates, left_out: int) -> str:
        if output_format == "json":
            return json.dumps({**result.metrics_dict(), "drafts_not_counted": left_out},
                              indent=2, ensure_ascii=False) + "\n"
        return _metrics_text(result, left_out) + "\n"

    _report(state, "metrics", {"format": output_format}, as_of, drafts, draw, since=since, until=until, by=by)


for _subcommand in actions_subcommands():
    actions_command.add_command(_subcommand)

COMMANDS = (actions_command, metrics_command)
