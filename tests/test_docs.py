"""Docs stay true to the code: docs/cli.md is generated from --help and checked here.

Regenerate after changing a command: ``python -m tests.test_docs``.
"""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from pmsite.cli import cli
from tests.conftest import REPO_ROOT

CLI_DOC = REPO_ROOT / "docs" / "cli.md"


def _commands() -> list[tuple[str, click.Command]]:
    """Every command, with the subcommands of groups (``actions sync``) after their group."""
    context = click.Context(cli)
    found: list[tuple[str, click.Command]] = [("", cli)]
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", command.get_command(context, sub)) for sub in command.list_commands(context)]
    return found


def render_cli_reference() -> str:
    runner = CliRunner()
    parts = ["# Command reference\n",
             "Generated from `pmsite --help` by `python -m tests.test_docs`; a test fails when it is stale.\n"]
    for name, _ in _commands():
        args = [*name.split(), "--help"] if name else ["--help"]
        result = runner.invoke(cli, args, prog_name="pmsite", terminal_width=100)
        assert result.exit_code == 0, result.output
        parts.append(f"## `pmsite{' ' + name if name else ''}`\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def test_every_command_module_defines_the_commands_it_is_registered_for():
    from pmsite.cli import COMMANDS

    context = click.Context(cli)
    for name, (_, summary) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command.name == name
        assert len(summary) <= 70, name  # one line next to the name at 80 columns
    assert cli.get_command(context, "nonsense") is None


def test_the_command_list_needs_no_command_module():
    code = ("import sys\nfrom pmsite.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('pmsite.cli.')))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "metrics    Learning metrics: durations, follow-through, recurrence." in shown
    assert shown.rstrip().splitlines()[-1] == "['pmsite.cli.common']"


def test_every_command_has_help_text():
    for name, command in _commands():
        assert command.help and len(command.help.split()) >= 8, name
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"pmsite {name} {param.opts[0]} has no help text"


def test_cli_reference_is_current():
    assert CLI_DOC.read_text(encoding="utf-8") == render_cli_reference(), (
        "docs/cli.md is stale: run python -m tests.test_docs")


if __name__ == "__main__":
    CLI_DOC.write_text(render_cli_reference(), encoding="utf-8")
    print(f"wrote {CLI_DOC.relative_to(REPO_ROOT)}")
