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
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO, Generic, TypeVar

T = TypeVar("T")

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
                while not worker.ready:
                    if worker.ended:
                        raise WorkerDied("a worker process ended before sending its results; the machine may "
                                         "be out of memory, or of disk space for temporary files")
                    for key, _ in selector.select():  # note whatever arrived, from any worker
                        if not key.data.poll():
                            selector.unregister(key.fd)
                ok, value = worker.take()
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


class Ahead(Generic[T]):
    """One value computed ahead in a forked worker, or known already: ``result`` waits for it,
    ``close`` stops work whose result is not wanted (a command that failed before it needed it)."""

    def __init__(self, value: T | None = None, work: OrderedMap | None = None) -> None:
        self._value = value
        self._work = work

    @classmethod
    def start(cls, function: Callable[[Any], T], argument: Any) -> Ahead[T]:
        """``function(argument)`` in a worker from now on (computed when asked for where forking is unsafe)."""
        return cls(work=OrderedMap(function, [argument], min_items=1))

    def result(self) -> T:
        if self._work is not None:
            with self._work:  # the worker is done once its result is in: stop it now, not at interpreter exit
                self._value = next(iter(self._work))
            self._work = None
        return self._value  # type: ignore[return-value]

    def close(self) -> None:
        if self._work is not None:
            self._work.close()

    def __enter__(self) -> Ahead[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Worker:
    """One forked process computing its share of the items.

    Results go to a temporary file, which never fills up the way a pipe does,
    so a worker runs ahead however long the parent is busy elsewhere (Markdown
    renders ahead while the parent validates); a pipe carries one byte per
    result to wake the parent.
    """

    def __init__(self, pid: int, signals: int, results: BinaryIO) -> None:
        self.pid = pid
        self.fd = signals
        self._results = results
        self._offset = 0
        #: Results announced and not taken yet.
        self.ready = 0
        self.ended = False

    @classmethod
    def start(cls, function: Callable[[Any], Any], items: list[Any]) -> _Worker:
        results = tempfile.TemporaryFile()  # already unlinked: it goes when both processes close it
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            results.close()
            raise
        if pid == 0:  # the worker: compute, send, and leave without running the parent's exit handlers
            code = 1
            try:
                os.close(read_end)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
                _serve(function, items, results.fileno(), write_end)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        return cls(pid, read_end, results)

    def poll(self) -> bool:
        """Count the results announced since the last call; False once the worker has ended."""
        signals = os.read(self.fd, 1 << 16)
        if not signals:
            self.ended = True
            return False
        self.ready += len(signals)
        return True

    def take(self) -> tuple[bool, Any]:
        """The next announced result, read from the file (the worker only appends to it)."""
        fd = self._results.fileno()
        (size,) = _FRAME.unpack(_read_at(fd, _FRAME.size, self._offset))
        message = pickle.loads(_read_at(fd, size, self._offset + _FRAME.size))
        self._offset += _FRAME.size + size
        self.ready -= 1
        return message

    def stop(self) -> None:
        """End the process (it may be mid-item if its results are no longer wanted) and reap it."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        self._results.close()


def _read_at(fd: int, size: int, offset: int) -> bytes:
    data = os.pread(fd, size, offset)
    while len(data) < size:  # a regular file gives all of it at once; this is only in case
        more = os.pread(fd, size - len(data), offset + len(data))
        if not more:
            raise WorkerDied("a worker's results were cut short")
        data += more
    return data


def _write_all(fd: int, data: bytes) -> None:
    with memoryview(data) as view:
        while view:
            view = view[os.write(fd, view):]


def _serve(function: Callable[[Any], Any], items: list[Any], results: int, signals: int) -> None:
    """Send ``(True, result)`` for each item in turn; at the first error, ``(False, error)`` and stop."""
    for item in items:
        try:
            message = (True, function(item))
        except BaseException as exc:  # noqa: BLE001 - every error goes to the parent, as a serial run raises it
            message = (False, exc)
        payload = _pickled(message)
        _write_all(results, _FRAME.pack(len(payload)) + payload)
        _write_all(signals, b".")
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
