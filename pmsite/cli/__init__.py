"""The ``pmsite`` command line: thin wiring around the pipeline stages.

Each command lives in its own module and only parses options, calls stages and
formats their results. ``main`` is the console entry point: it turns any error
into one line on stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback

import click

from pmsite import __version__
from pmsite.cli.common import State
from pmsite.model import ExitStatus

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


#: Command name -> module in pmsite.cli that defines it. Modules are imported only
#: when their command runs, so `pmsite metrics` does not pay for spaCy or the renderer.
COMMAND_MODULES = {
    "init": "new",
    "new": "new",
    "validate": "validate",
    "lint": "lint",
    "build": "build",
    "serve": "build",
    "actions": "actions",
    "metrics": "actions",
    "timeline": "timeline",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(name)
        if module_name is None:
            return None
        module = importlib.import_module(f"pmsite.cli.{module_name}")
        return next(command for command in module.COMMANDS if command.name == name)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="pmsite")
@click.option("-C", "--directory", "directory", type=click.Path(file_okay=False, path_type=str),
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


def main(argv: list[str] | None = None) -> None:
    """Console entry point: errors become one line and an exit code."""
    try:
        cli.main(args=argv, prog_name="pmsite", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: no traceback reaches a user
        if os.environ.get("PMSITE_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"Error: pmsite hit an unexpected problem ({type(exc).__name__}: {exc}). "
            "Please report it with the command you ran; set PMSITE_DEBUG=1 to see the traceback.",
            err=True,
        )
        sys.exit(ExitStatus.USAGE)
