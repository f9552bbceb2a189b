"""``pmsite lsp``: findings in the editor while the author types."""

from __future__ import annotations

import click


@click.command("lsp")
@click.option("--stdio", is_flag=True, help="Talk over stdin/stdout (the default; accepted for editors that pass it).")
def lsp_command(stdio: bool) -> None:
    """Run the pmsite language server over stdin/stdout for an editor.

    Lint and validate findings appear as you type (the same rules, ranges and
    severities as `pmsite lint` and `pmsite validate`), with hover for the advice and
    quick fixes: rewrite as suggested, disable the rule for one line, open the rule's
    documentation. pmsite.yaml is read from the repository of each open file.
    Set-up for VS Code, Neovim, Helix and Zed: docs/editors.md.
    """
    try:
        from pmsite.lsp.server import run
    except ImportError as exc:  # pygls is a dependency; a broken install says what is missing
        raise click.ClickException(f"the language server needs pygls ({exc}); run: python3 -m pip install pmsite")
    run()


COMMANDS = (lsp_command,)
