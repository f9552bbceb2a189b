"""Whether a test left worker processes behind."""

from __future__ import annotations

import os


def no_child_processes() -> bool:
    """True when this process has no child left, running or ended but not reaped."""
    try:
        os.waitpid(-1, os.WNOHANG)  # returns (0, 0) while a child runs, its pid for a zombie (and reaps it)
    except ChildProcessError:
        return True
    return False
