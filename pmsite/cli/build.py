"""``pmsite build`` and ``pmsite serve``: thin wrappers around ``pipeline.build`` and ``serve``."""

from __future__ import annotations

import datetime as dt
import sys

import click

from pmsite.cli.common import State, pass_state, use_color
from pmsite.cli.types import DateType
from pmsite.errors import PmsiteError
from pmsite.model import Finding
from pmsite.pipeline import BuildResult, InvalidContent, build, left_out_note

_KINDS = (
    ("Postmortems", ("postmortem.html",)),
    ("Index pages", ("list.html", "taxonomy.html")),
    ("Action items", ("actions.html",)),
    ("Metrics", ("metrics.html",)),
    ("Culture", ("culture.html",)),
    ("Digests", ("digest.html", "digests.html")),
)


def _terminal_progress(stage: str, done: int, total: int) -> None:
    """One self-overwriting line on stderr, only when it is a terminal."""
    text = f"{stage} {done}/{total}" if total else f"{stage}…"
    click.echo(f"\r\033[K  {text}", nl=False, err=True)


def summary(result: BuildResult, display_out: str) -> str:
    """A Hugo-like summary: pages by kind, findings by severity, time per stage."""
    by_template = dict(result.render.by_template)
    rows = []
    for label, templates in _KINDS:
        count = sum(by_template.pop(t, 0) for t in templates)
        if count:
            rows.append((label, count))
    rows.append(("Other pages", sum(by_template.values())))
    width = max(len(label) for label, _ in rows)
    lines = [f"Built {result.render.pages} pages into {display_out} (base URL {result.base_url}, as of "
             f"{result.as_of.isoformat()}); {result.render.changed} files changed", ""]
    lines += [f"  {label:<{width}}  {count:>6}" for label, count in rows]
    search = ("unchanged, reused" if result.index_reused else f"{result.indexed_pages} pages indexed")
    lines += [f"  {'Search':<{width}}  {search}", ""]
    counts = result.findings_by_severity
    lines.append(f"Findings: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} info"
                 + (" (listed above)" if counts["error"] or counts["warning"] else ""))
    if counts["error"]:  # only lint errors get this far: validation errors stop the build before it writes
        lines.append("The site was written anyway (exit 0): lint findings never stop a build, so a draft can be "
                     "previewed; gate on them with 'pmsite lint --fail-on error'")
    if result.excluded:
        lines.append(left_out_note(result.excluded))
    stages = " · ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
    lines.append(f"Time: {stages} · total {result.seconds:.2f} s")
    return "\n".join(lines)


@click.command("build")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=str), metavar="DIR",
              help="Output folder [default: out_dir of pmsite.yaml, else site/].")
@click.option("--base-url", metavar="URL", help="Path (/project/) or full URL the site is served from [default: base_url of pmsite.yaml, else /].")
@click.option("--drafts", is_flag=True, help="Include draft and in-review postmortems.")
@click.option("--as-of", "as_of", type=DateType(),
              help="Compute overdue items and this month's figures as of this day (YYYY-MM-DD) [default: today, or SOURCE_DATE_EPOCH].")
@pass_state
def build_command(state: State, out: str | None, base_url: str | None, drafts: bool, as_of: dt.date | None) -> None:
    """Validate, lint, mine git history, render the site and index it for search.

    The site is written to a temporary folder and swapped in only when every
    stage succeeds: a failed build leaves the previous site untouched. Invalid
    content stops the build with every error listed.
    """
    config = state.config
    out_dir = state.resolve((out,))[0] if out else config.out_dir
    progress = _terminal_progress if sys.stderr.isatty() else None
    try:
        result = build(config, out_dir, base_url, drafts, as_of, progress=progress)
    except InvalidContent as exc:
        _print_findings(exc.errors)
        raise
    finally:
        if progress:
            click.echo("\r\033[K", nl=False, err=True)
    _print_findings([f for f in result.findings if f.severity != "info"])  # every warning the summary counts
    click.echo(summary(result, config.display_path(result.out_dir) + "/"))


def _print_findings(findings: list[Finding]) -> None:
    if not findings:
        return
    from pmsite.formats import FORMATS, FormatOptions  # the formatters pull in every rule: only when printing

    click.echo(FORMATS["text"](findings, FormatOptions(color=use_color())))


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, metavar="PORT", show_default=True, help="Port on localhost.")
@click.option("--host", default="127.0.0.1", metavar="ADDRESS", show_default=True, help="Interface to listen on.")
@click.option("--drafts", is_flag=True, help="Include draft and in-review postmortems.")
@click.option("--base-url", default="/", metavar="URL", show_default=True, help="Serve the site under this path, as it will be published.")
@pass_state
def serve_command(state: State, port: int, host: str, drafts: bool, base_url: str) -> None:
    """Build the site, serve it on localhost and rebuild when a file changes.

    Open pages reload by themselves after each rebuild. Only what changed is
    rendered again. Press Ctrl+C to stop.
    """
    from pmsite.serve import Server

    try:
        server = Server(state.config, host=host, port=port, drafts=drafts, base_url=base_url,
                        log=lambda message: click.echo(message, err=True))
    except OSError as exc:
        raise PmsiteError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                          "choose another port with --port") from None
    server.run()


COMMANDS = (build_command, serve_command)
