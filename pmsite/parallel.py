"""One function over many items on every core, in forked worker processes, results in order.

Rendering Markdown and pages is CPU work on independent items, and a build
otherwise uses one core. Workers are forked, so they inherit the function and
the items (nothing is pickled on the way in, only the results on the way back),
and results are taken in input order whatever finishes first, so the output is
that of a serial run. Small batches run serially, as starting processes would
cost more than it saves; so does a process that runs threads (``pmsite serve``),
because forking one can deadlock the child.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

#: Fewer items than this are computed serially.
MIN_ITEMS = 64

#: Jobs by number, set before the pool forks, so its workers find theirs.
_JOBS: dict[int, tuple[Callable[[Any], Any], list[Any]]] = {}
_job_numbers = itertools.count()


def worker_count() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork() -> bool:
    """Whether forked workers are worth it and safe: several cores, fork available, and no
    other thread (forking a threaded process can deadlock the child)."""
    return (worker_count() > 1 and threading.active_count() == 1
            and "fork" in multiprocessing.get_all_start_methods())


class OrderedMap:
    """``map(function, items)``, computed from creation on in worker processes when worth it.

    Iterate to take the results in order; the first item whose function raised
    raises its error, as in a serial run (the results of the few items sent
    with it are lost). ``close`` (or leaving the ``with`` block) stops the
    workers, whether or not every result was taken.
    """

    def __init__(self, function: Callable[[Any], Any], items: Iterable[Any], min_items: int | None = None) -> None:
        items = list(items)
        self.parallel = len(items) >= (MIN_ITEMS if min_items is None else min_items) and can_fork()
        self._pool = None
        self._job = next(_job_numbers)
        if not self.parallel:
            self._results: Iterator[Any] = map(function, items)
            return
        workers = min(worker_count(), len(items))
        _JOBS[self._job] = (function, items)
        self._pool = multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts)
        chunk = max(1, min(16, len(items) // (workers * 8)))
        self._results = self._pool.imap(_call, ((self._job, index) for index in range(len(items))), chunksize=chunk)

    def __iter__(self) -> Iterator[Any]:
        return self._results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        _JOBS.pop(self._job, None)

    def __enter__(self) -> OrderedMap:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _call(task: tuple[int, int]) -> Any:
    function, items = _JOBS[task[0]]
    return function(items[task[1]])


def _ignore_interrupts() -> None:
    """Ctrl-C is the parent's to handle (it stops the pool); a worker would print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
