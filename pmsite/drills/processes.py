"""Find and end a drill's processes by the ids it recorded, never anyone else's.

A pid is reused once its process ends, so before a signal is sent the process's
command line must still name the drill's folder and a ``pmsite.drills`` role
(Linux ``/proc``; elsewhere a pid is trusted only while it exists).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def running(pid: int) -> bool:
    """The process exists and has not ended (a zombie waiting to be reaped has ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def belongs_to(pid: int, folder: Path) -> bool:
    """Whether ``pid`` is still one of this drill's role processes (its command line names the folder)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            arguments = handle.read().split(b"\0")
    except FileNotFoundError:
        return False
    except OSError:
        return running(pid)
    text = [argument.decode("utf-8", "replace") for argument in arguments]
    return str(folder) in text and any(argument.startswith("pmsite.drills.") for argument in text)


def end(pids: list[int], folder: Path, grace: float = 3.0) -> list[int]:
    """SIGTERM each drill process's group, SIGKILL what is left after ``grace`` seconds; the pids that were ours."""
    ours = [pid for pid in pids if pid != os.getpid() and running(pid) and belongs_to(pid, folder)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in ours:
            if running(pid):
                try:
                    os.killpg(pid, sig)  # started with start_new_session: the group id is the pid
                except (ProcessLookupError, PermissionError):
                    try:
                        os.kill(pid, sig)
                    except (ProcessLookupError, PermissionError):
                        pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(running(pid) for pid in ours):
            time.sleep(0.05)
        if not any(running(pid) for pid in ours):
            break
    return ours
