"""State and option helpers shared by the command modules."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import click

from pmsite.cache import locate
from pmsite.config import Config, find_root, load_config
from pmsite.model import FINDING_LEVELS, ExitStatus, Finding, level_rank

if TYPE_CHECKING:
    from pmsite.formats import FormatOptions
    from pmsite.history import History
    from pmsite.load import LoadResult
    from pmsite.model import Postmortem


@dataclass
class State:
    """What every command shares: where it runs and the loaded configuration."""

    directory: str | None = None
    config_file: str | None = None
    _config: Config | None = field(default=None, repr=False)

    @property
    def cwd(self) -> Path:
        return Path(self.directory).resolve() if self.directory else Path.cwd()

    @property
    def config(self) -> Config:
        if self._config is None:
            config_file = Path(self.config_file) if self.config_file else None
            root = find_root(self.cwd)
            if config_file is not None:
                config_file = (self.cwd / config_file).resolve()
                root = config_file.parent
            self._config = load_config(root, config_file)
            refused = locate(self._config.root).warning
            if refused:
                click.echo(f"warning: {refused}", err=True)
        return self._config

    def resolve(self, paths: tuple[str, ...]) -> list[Path]:
        """Command-line paths are relative to the folder pmsite runs in."""
        return [(self.cwd / p).resolve() for p in paths]


pass_state = click.make_pass_decorator(State)


def load_with_history(config: Config, missing_ok: bool = False) -> tuple[LoadResult | None, History]:
    """Every postmortem, loaded while git history is mined on another core (a long walk overlaps the load).

    ``missing_ok``: no content folder yet gives None for the postmortems instead of an error.
    """
    from pmsite import history as history_stage
    from pmsite import load as load_stage
    from pmsite.errors import ContentError

    with history_stage.start_mining(config) as mining:
        try:
            loaded = load_stage.load([], config)
        except ContentError:
            if not missing_ok:
                raise
            loaded = None
        return loaded, mining.result()


def without_broken(postmortems: list[Postmortem], findings: list[Finding]) -> list[Postmortem]:
    """The postmortems none of ``findings`` makes unusable (an error in a file leaves it out)."""
    broken = {finding.path for finding in findings if finding.severity == "error"}
    return [pm for pm in postmortems if pm.display_path not in broken]


def as_of_option(function):
    from pmsite.cli.types import DateType  # here: the command list (pmsite --help) must not import it

    return click.option("--as-of", type=DateType(), default=None,
                        help="Compute as if today were DATE (YYYY-MM-DD), for reproducible reports.")(function)


def drafts_option(function):
    return click.option("--drafts", is_flag=True,
                        help="Count draft and in-review postmortems too (the site does with build --drafts).")(function)


def format_option(*names: str, default: str = "text") -> Callable:
    return click.option("--format", "-f", "output_format", type=click.Choice(list(names)), default=default,
                        show_default=True, help="Output format.")


def min_severity_option(default: str = "info") -> Callable:
    return click.option("--min-severity", type=click.Choice(FINDING_LEVELS), default=default, show_default=True,
                        help="Report findings at this level and above.")


def fail_on_option(default: str = "error") -> Callable:
    return click.option("--fail-on", type=click.Choice(FINDING_LEVELS), default=default, show_default=True,
                        help="Exit 1 when a finding at this level or above is reported.")


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def emit_findings(findings: list[Finding], output_format: str, min_severity: str, fail_on: str,
                  options: FormatOptions | None = None) -> None:
    """Print findings in the chosen format and exit with the contract's code."""
    from pmsite.formats import FORMATS, FormatOptions  # the formatters pull in every rule: only when printing

    shown = [f for f in findings if level_rank(f.severity) >= level_rank(min_severity)]
    options = options or FormatOptions(color=use_color())
    click.echo(FORMATS[output_format](shown, options))
    failing = any(level_rank(f.severity) >= level_rank(fail_on) for f in shown)
    raise SystemExit(ExitStatus.FINDINGS if failing else ExitStatus.OK)
