"""The ``pmsite`` command line: thin wiring around the pipeline stages.

Each command lives in its own module and only parses options, calls stages and
formats their results. ``main`` is the console entry point: it turns any error
into one line on stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
import traceback
from typing import NoReturn

import click

from pmsite import __version__
from pmsite.cli.common import State
from pmsite.errors import os_error_message
from pmsite.model import ExitStatus

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


#: Command name -> (module in pmsite.cli that defines it, one-line summary). Modules are
#: imported only when their command runs, so `pmsite metrics` does not pay for spaCy or the
#: renderer, and `pmsite --help` lists the commands from these summaries without importing any.
COMMANDS = {
    "actions": ("actions", "List action items: due dates, overdue days, escalation."),
    "blackbox": ("blackbox", "Collect an incident pack: PagerDuty, Slack, GitHub and dashboards."),
    "build": ("build", "Validate, lint, mine history, render the site, index search."),
    "decisions": ("decisions", "Interview for decision points; write the decision map."),
    "drill": ("drill", "Run a mock incident, then review it blamelessly (practice drills)."),
    "import": ("adopt", "Import existing postmortems: Markdown, HTML exports, .docx."),
    "init": ("new", "Scaffold a postmortem repository in DIRECTORY (default: here)."),
    "lint": ("lint", "Find blame, hindsight and counterfactual language."),
    "lsp": ("lsp", "Language server for editors: findings and quick fixes as you type."),
    "metrics": ("actions", "Learning metrics: durations, follow-through, recurrence."),
    "new": ("new", "Write a new draft postmortem from the blameless template."),
    "pulse": ("pulse", "Anonymous safety-culture pulse: collect answers, k-anonymous figures."),
    "review": ("review", "Check that each postmortem meets what its review status asks for."),
    "serve": ("build", "Build, serve on localhost and rebuild when a file changes."),
    "similar": ("adopt", "Find past postmortems similar to a file or a text."),
    "timeline": ("timeline", "Merge chat, paging and log exports into one UTC timeline."),
    "validate": ("validate", "Check front-matter against the schema and cross-file rules."),
}


class LazyGroup(click.Group):
    """A click group that imports a command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """A mistyped command names the closest one: "No such command 'buidl'. Did you mean 'build'?"."""
        name = args[0] if args else ""
        if name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            close = difflib.get_close_matches(name, COMMANDS, n=1, cutoff=0.5)
            hint = f" Did you mean '{close[0]}'?" if close else f" The commands are: {', '.join(sorted(COMMANDS))}."
            raise click.UsageError(f"No such command '{name}'.{hint}", ctx)
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, summary = COMMANDS[name]
        module = importlib.import_module(f"pmsite.cli.{module_name}")
        command = next(command for command in module.COMMANDS if command.name == name)
        command.short_help = summary
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS, invoke_without_command=True)
@click.version_option(__version__, prog_name="pmsite")
@click.option("-C", "--directory", "directory", type=click.Path(exists=True, file_okay=False, path_type=str),
              help="Run as if pmsite was started in this folder (like git -C).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=str),
              help="Read this configuration file instead of pmsite.yaml at the repository root.")
@click.pass_context
def cli(ctx: click.Context, directory: str | None, config_file: str | None) -> None:
    """Blameless postmortems as code.

    Postmortems are Markdown files with YAML front-matter in content/postmortems/.
    pmsite scaffolds them, validates and lints them, mines their git history for
    learning metrics, and publishes a static learning site.

    Every command finds the repository root (the folder with pmsite.yaml) from
    any sub-folder and works without a pmsite.yaml.

    Exit codes: 0 clean, 1 findings at or above the failing severity (or a failed
    build), 2 usage or environment error.
    """
    ctx.obj = State(directory=directory, config_file=config_file)
    if ctx.invoked_subcommand is None:  # plain `pmsite`: the help is the answer, not a usage error
        click.echo(ctx.get_help())
        ctx.exit(0)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: errors become one line and an exit code."""
    try:
        cli.main(args=argv, prog_name="pmsite", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except OSError as exc:  # the machine, not pmsite: a full disk, a read-only checkout, permissions
        if os.environ.get("PMSITE_DEBUG"):
            traceback.print_exc()
        click.echo(f"Error: {os_error_message(exc)}", err=True)
        sys.exit(ExitStatus.USAGE)
    except Exception as exc:  # the last line of defence: no traceback reaches a user
        if os.environ.get("PMSITE_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"Error: pmsite hit an unexpected problem ({type(exc).__name__}: {exc}). "
            "Please report it with the command you ran; set PMSITE_DEBUG=1 to see the traceback.",
            err=True,
        )
        sys.exit(ExitStatus.USAGE)


def run() -> NoReturn:
    """The ``pmsite`` executable: ``main``, then leave without tearing the interpreter down.

    Freeing every object of a big build one by one takes ~0.15 s after the work
    is done and the summary printed; nothing pmsite writes needs it (files are
    closed, worker processes joined), so only the standard streams are flushed.
    Tests and library users call ``main``, which exits normally.
    """
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = ExitStatus.USAGE
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (pmsite actions | head -1) or stream
            pass
    os._exit(code)

