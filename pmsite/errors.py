"""Errors that reach users as one clear line (never a traceback).

Each stage raises a subclass of ``PmsiteError``; click prints ``Error: message``
and exits with ``exit_code``. Findings are values, not exceptions.
"""

from __future__ import annotations

import click

from pmsite.model import ExitStatus


class PmsiteError(click.ClickException):
    """Base for errors a user can act on."""

    exit_code = ExitStatus.USAGE


class ConfigError(PmsiteError):
    """``pmsite.yaml`` is unreadable or has a wrong value."""


class ContentError(PmsiteError):
    """A content path is missing or holds nothing to work on."""


class ScaffoldError(PmsiteError):
    """``new`` or ``init`` would overwrite a file or got bad arguments."""


class BuildError(PmsiteError):
    """The site could not be built; the previous site is left untouched."""

    exit_code = ExitStatus.FINDINGS
