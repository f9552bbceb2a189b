"""Errors that reach users as one clear line (never a traceback).

Each stage raises a subclass of ``PmsiteError``; click prints ``Error: message``
and exits with ``exit_code``. Findings are values, not exceptions.
"""

from __future__ import annotations

import errno

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


#: What to do about the file-system errors a user can meet (a full disk, a read-only checkout).
_OS_ERROR_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.EROFS: "the file system is read-only: run pmsite where it can write, or choose another --out",
    errno.EACCES: "check the permissions of that file or folder",
    errno.EPERM: "check the permissions of that file or folder",
    errno.EISDIR: "a folder is where a file should be: rename or remove it",
    errno.ENOTDIR: "a file is where a folder should be: rename or remove it",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and run again",
}


def os_error_message(exc: OSError) -> str:
    """One line for a file-system error no stage turned into its own message: what, where, what to do."""
    where = f"{exc.filename}: " if exc.filename else ""
    hint = _OS_ERROR_HINTS.get(exc.errno or 0, "nothing was changed that a new run cannot redo; run again once fixed")
    return f"{where}{exc.strerror or exc}; {hint}"
