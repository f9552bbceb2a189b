"""``pmsite import`` and ``pmsite similar``: adopt old postmortems, find past incidents like one."""

from __future__ import annotations

import json

import click

from pmsite.cli.common import State, format_option, pass_state
from pmsite.model import ExitStatus


def _report_lines(report) -> list[str]:
    if report.outcome == "skipped":
        return [f"skipped   {report.source}: {report.reason}"]
    if report.outcome == "already imported":
        return [f"unchanged {report.source} -> {report.target} ({report.id}): already imported"]
    verdict = "passes validate" if report.passes else "FAILS validate"
    lines = [f"{report.outcome:<9} {report.source} -> {report.target} ({report.id}), {verdict}"]
    lines += [f"  {key:<13} from {where}" for key, where in report.sources.items()]
    if report.missing:
        lines.append(f"  not stated    {', '.join(report.missing)}")
    lines += [f"  note          {note}" for note in report.notes]
    if report.redactions:
        lines.append("  redacted      " + ", ".join(f"{count} {kind}" for kind, count in report.redactions.items()))
    lines += [f"  {f.severity:<13} line {f.line}: {f.message}" for f in report.findings if f.severity != "info"]
    return lines


@click.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--into", "into", type=click.Path(file_okay=False, path_type=str),
              help="Folder to write the imported postmortems to (default: content_dir of pmsite.yaml).")
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@format_option("text", "json")
@pass_state
def import_command(state: State, sources: tuple[str, ...], into: str | None, dry_run: bool,
                   output_format: str) -> None:
    """Import existing postmortems: Markdown, HTML exports and .docx files.

    Reads each SOURCE (a file, or every file in a folder) and writes a new
    postmortem with front-matter inferred from what the text states: title,
    date, times from a timeline with a stated time zone, severity, services,
    teams, action items, stated durations, lessons. What the text does not say
    is left out and listed; the file gets 'imported: true' and 'imported_from'.
    Originals are never changed, existing files never overwritten, and a source
    imported before is skipped, so running the command again changes nothing.
    Secrets in the text are redacted. Exit 1 when an imported file fails validation.

    Example: pmsite import ../old-postmortems --dry-run
    """
    from pmsite.adopt import import_sources

    config = state.config
    paths = state.resolve(sources)
    for given, path in zip(sources, paths):
        if not path.exists():
            raise click.UsageError(f"{given}: no such file or folder")
    target = state.resolve((into,))[0] if into else config.content_dir
    reports = import_sources(config, paths, target, dry_run=dry_run)
    if output_format == "json":
        click.echo(json.dumps({"imported": [r.to_dict() for r in reports]}, indent=2))
    else:
        for report in reports:
            click.echo("\n".join(_report_lines(report)))
        written = [r for r in reports if r.outcome in ("imported", "would import")]
        counts = {outcome: sum(1 for r in reports if r.outcome == outcome)
                  for outcome in ("imported", "would import", "already imported", "skipped")}
        click.echo("Summary: " + ", ".join(f"{n} {o}" for o, n in counts.items() if n)
                   + f"; {sum(r.passes for r in written)} of {len(written)} pass validate"
                   + (" (dry run: nothing written)" if dry_run else ""))
    failing = any(not r.passes for r in reports if r.target and r.outcome != "already imported")
    raise SystemExit(ExitStatus.FINDINGS if failing else ExitStatus.OK)


def similar_query(state: State, argument: str) -> tuple[list[str], bool, str | None]:
    """A FILE's tokens (a document query, the file itself left out) or the words of TEXT."""
    from pmsite import similar
    from pmsite.load import read_file

    if not argument.strip():
        raise click.UsageError("give a text to search for, or a Markdown file to compare")
    path = state.resolve((argument,))[0]
    if not path.is_file():
        if path.is_dir():
            raise click.UsageError(f"{argument}: a folder; give one Markdown file, or quote a text to search for")
        if _names_a_file(argument):
            raise click.UsageError(f"{argument}: no such file; give a Markdown file, or quote a text to search for")
        return similar.words(argument), True, None
    postmortem, findings = read_file(path, state.config)
    if postmortem is None:
        raise click.ClickException(f"{argument}: {findings[0].message}" if findings else f"{argument}: cannot read it")
    return similar.tokens(postmortem), False, postmortem.display_path


def _names_a_file(argument: str) -> bool:
    """A single word with a folder or a document's suffix ("notes/x.md", "old.docx") is a path, not a text."""
    return not any(c.isspace() for c in argument) and ("/" in argument or "\\" in argument
                                                        or argument.lower().endswith((".md", ".markdown", ".txt")))


def similar_lines(found) -> list[str]:
    return [f"{s.score:.2f}  {s.id}: {s.title} ({s.path})\n      why: {s.why or 'shared words'}" for s in found]


@click.command("similar")
@click.argument("query", metavar="TEXT|FILE")
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Show at most this many postmortems.")
@format_option("text", "json")
@pass_state
def similar_command(state: State, query: str, limit: int, output_format: str) -> None:
    """Find past postmortems similar to a file or a text, best first.

    Ranks every postmortem of the content folder with BM25 over title, summary,
    lessons, services, tags and body, and says why each matched (shared
    services, tags and terms). A FILE is compared as a whole document and left
    out of its own results; TEXT is compared by how much of it a postmortem
    covers. Scores are 0-1; weak matches are not shown (docs/adopting.md).

    Example: pmsite similar "checkout 503s after a connection pool change" --format json
    """
    from pmsite import similar
    from pmsite.load import load_corpus

    config = state.config
    terms, is_text, own_path = similar_query(state, query)
    found = similar.query_similar(load_corpus(config), terms, text=is_text, exclude_path=own_path, limit=limit,
                                  config=config)
    if output_format == "json":
        click.echo(json.dumps({"similar": [s.to_dict() for s in found]}, indent=2))
    elif found:
        click.echo("\n".join(similar_lines(found)))
    else:
        click.echo("no similar postmortems (none scores above the floor)")


COMMANDS = (import_command, similar_command)
