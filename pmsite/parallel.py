"""One function over many items on every core, in forked worker processes, results in order.

Parsing front-matter, validating it, rendering Markdown and pages are CPU work
on independent items, and a build otherwise uses one core. Workers are forked,
so they inherit the function and the items (nothing is pickled on the way in,
only the results on the way back), and results are taken in input order
whatever finishes first, so the output is that of a serial run.

The parent runs no threads for this (``multiprocessing.Pool`` runs three), so
several maps may run at once: Markdown renders ahead while validation runs on
the same cores. Small batches run serially, as starting processes would cost
more than it saves; so does a process that runs threads (``pmsite serve``),
because forking one can deadlock the child.
"""

from __future__ import annotations

import os
import pickle
import selectors
import signal
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

#: Fewer items than this are computed serially.
MIN_ITEMS = 64

#: Each result travels as its length and its pickle.
_FRAME = struct.Struct("<Q")


def worker_count() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork() -> bool:
    """Whether forked workers are worth it and safe: several cores, fork available, and no
    other thread (forking a threaded process can deadlock the child)."""
    return worker_count() > 1 and threading.active_count() == 1 and hasattr(os, "fork")


class WorkerDied(RuntimeError):
    """A worker process ended before sending all of its results (killed, or out of memory)."""


class OrderedMap:
    """``map(function, items)``, computed from creation on in worker processes when worth it.

    Item ``i`` goes to worker ``i % workers``. Iterate to take the results in
    order; the first item whose function raised raises its error, as in a
    serial run. ``close`` (or leaving the ``with`` block) stops the workers,
    whether or not every result was taken.
    """

    def __init__(self, function: Callable[[Any], Any], items: Iterable[Any], min_items: int | None = None) -> None:
        items = list(items)
        self.parallel = len(items) >= (MIN_ITEMS if min_items is None else min_items) and can_fork()
        self._workers: list[_Worker] = []
        if not self.parallel:
            self._results: Iterator[Any] = map(function, items)
            return
        count = min(worker_count(), len(items))
        try:
            for number in range(count):
                self._workers.append(_Worker.start(function, items[number::count]))
        except BaseException:
            self.close()
            raise
        self._results = self._in_order(len(items))

    def __iter__(self) -> Iterator[Any]:
        return self._results

    def _in_order(self, total: int) -> Iterator[Any]:
        selector = selectors.DefaultSelector()
        for worker in self._workers:
            selector.register(worker.fd, selectors.EVENT_READ, worker)
        try:
            for index in range(total):
                worker = self._workers[index % len(self._workers)]
                while not worker.results:
                    for key, _ in selector.select():  # read whatever arrived, from any worker
                        if not key.data.receive():
                            selector.unregister(key.fd)
                    if not worker.results and worker.ended:
                        raise WorkerDied("a worker process ended before sending its results; "
                                         "the machine may be out of memory")
                ok, value = worker.results.popleft()
                if not ok:
                    raise value
                yield value
        finally:
            selector.close()

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []

    def __enter__(self) -> OrderedMap:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Worker:
    """One forked process computing its share of the items, and the parent's end of its pipe."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd
        self.results: deque[tuple[bool, Any]] = deque()
        self.ended = False
        self._buffer = bytearray()

    @classmethod
    def start(cls, function: Callable[[Any], Any], items: list[Any]) -> _Worker:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: compute, send, and leave without running the parent's exit handlers
            code = 1
            try:
                os.close(read_end)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
                _serve(function, items, write_end)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        return cls(pid, read_end)

    def receive(self) -> bool:
        """Read what the pipe holds into ``results``; False at its end."""
        data = os.read(self.fd, 1 << 20)
        if not data:
            self.ended = True
            return False
        self._buffer += data
        start = 0
        while len(self._buffer) - start >= _FRAME.size:
            (size,) = _FRAME.unpack_from(self._buffer, start)
            end = start + _FRAME.size + size
            if len(self._buffer) < end:
                break
            with memoryview(self._buffer) as view:
                self.results.append(pickle.loads(view[start + _FRAME.size:end]))
            start = end
        del self._buffer[:start]
        return True

    def stop(self) -> None:
        """End the process (it may be mid-item if its results are no longer wanted) and reap it."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def _serve(function: Callable[[Any], Any], items: list[Any], fd: int) -> None:
    """Send ``(True, result)`` for each item in turn; at the first error, ``(False, error)`` and stop."""
    with os.fdopen(fd, "wb") as pipe:
        for item in items:
            try:
                message = (True, function(item))
            except BaseException as exc:  # noqa: BLE001 - every error goes to the parent, as a serial run raises it
                message = (False, exc)
            payload = _pickled(message)
            pipe.write(_FRAME.pack(len(payload)) + payload)
            pipe.flush()
            if not message[0]:
                return


def _pickled(message: tuple[bool, Any]) -> bytes:
    """The message as bytes the parent can load: an error that would not load again is sent as its text."""
    ok, value = message
    try:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if not ok:
            pickle.loads(payload)  # an exception whose __init__ differs from its args pickles but fails to load
        return payload
    except Exception as exc:  # noqa: BLE001 - whatever happens, the parent must hear of it
        problem = f"{type(value).__name__}: {value}" if not ok else f"a result it could not send ({exc})"
        return pickle.dumps((False, RuntimeError(f"a worker process failed: {problem}"[:2000])))
