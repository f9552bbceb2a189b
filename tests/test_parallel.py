"""Work spread over forked worker processes: results in order, errors where a serial run raises them."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from pmsite.errors import BuildError
from pmsite import parallel
from pmsite.parallel import OrderedMap, WorkerDied
from tests.processes import no_child_processes

needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or parallel.worker_count() < 2, reason="needs fork and two cores")


@pytest.fixture(autouse=True)
def no_other_threads():
    """Workers are forked only from a single-threaded process: a thread an earlier test left running
    would make these tests run serially (and the dying worker would be this process)."""
    assert threading.active_count() == 1, f"threads left running: {[t.name for t in threading.enumerate()]}"


def _square_and_pid(number: int) -> tuple[int, int]:
    return number * number, os.getpid()


@needs_fork
def test_many_items_are_computed_in_worker_processes_and_come_back_in_order():
    with OrderedMap(_square_and_pid, range(200)) as results:
        assert results.parallel
        squares, pids = zip(*results)
    assert list(squares) == [n * n for n in range(200)]
    assert len(set(pids)) == parallel.worker_count() and os.getpid() not in pids
    assert no_child_processes()


def test_few_items_are_computed_here():
    with OrderedMap(_square_and_pid, range(3)) as results:
        assert not results.parallel
        assert list(results) == [(0, os.getpid()), (1, os.getpid()), (4, os.getpid())]


def test_a_process_running_threads_never_forks():
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        with OrderedMap(_square_and_pid, range(200)) as results:
            assert not results.parallel
            assert [square for square, _ in results] == [n * n for n in range(200)]
    finally:
        release.set()
        thread.join()


@needs_fork
def test_two_maps_run_at_once_and_large_results_arrive_whole():
    """No thread in the parent, so a second map may fork while the first one's workers run."""
    with OrderedMap(lambda n: str(n) * 50_000, range(80)) as large, OrderedMap(_square_and_pid, range(100)) as small:
        assert large.parallel and small.parallel
        assert [square for square, _ in small] == [n * n for n in range(100)]
        assert list(large) == [str(n) * 50_000 for n in range(80)]


def _finished(pid: int) -> bool:
    """Whether the process has ended (a zombie until its parent reaps it)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


@needs_fork
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_workers_run_ahead_to_the_end_while_the_parent_takes_nothing():
    """Rendering ahead only helps if workers never wait for the parent (a pipe holds 64 KB)."""
    with OrderedMap(lambda n: str(n) * 50_000, range(80)) as results:  # 4 MB of results
        assert results.parallel
        deadline = time.monotonic() + 30
        while not all(_finished(worker.pid) for worker in results._workers) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert all(_finished(worker.pid) for worker in results._workers)
        assert list(results) == [str(n) * 50_000 for n in range(80)]


def _fails_at_70(number: int) -> int:
    if number >= 70:
        raise BuildError(f"templates/x.html:1: item {number} failed")
    return number


@needs_fork
def test_the_first_failing_item_raises_its_error_as_in_a_serial_run():
    taken = []
    with pytest.raises(BuildError, match="item 70 failed"):
        with OrderedMap(_fails_at_70, range(200)) as results:
            assert results.parallel
            taken.extend(results)
    assert taken == list(range(70)) and no_child_processes()


class _NeedsTwoArguments(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} and {second}")


def _raise_unloadable(number: int) -> int:
    if number == 3:
        raise _NeedsTwoArguments("this", "that")
    return number


@needs_fork
def test_an_error_that_cannot_be_sent_as_itself_arrives_as_its_text():
    with pytest.raises(RuntimeError, match="_NeedsTwoArguments: this and that"):
        with OrderedMap(_raise_unloadable, range(100)) as results:
            list(results)


def _dies_at_5(number: int) -> int:
    if number == 5:
        os._exit(9)  # as if the kernel had killed it
    return number


@needs_fork
@needs_fork
def test_a_worker_that_dies_is_an_error_not_a_hang():
    with pytest.raises(WorkerDied, match="ended before sending its results"):
        with OrderedMap(_dies_at_5, range(100)) as results:
            assert list(results)
    assert no_child_processes()
