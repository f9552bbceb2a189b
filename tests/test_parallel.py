"""Work spread over forked worker processes: results in order, errors where a serial run raises them."""

from __future__ import annotations

import multiprocessing
import os
import threading

import pytest

from pmsite.errors import BuildError
from pmsite import parallel
from pmsite.parallel import OrderedMap

needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and two cores")


def _square_and_pid(number: int) -> tuple[int, int]:
    return number * number, os.getpid()


@needs_fork
def test_many_items_are_computed_in_worker_processes_and_come_back_in_order():
    with OrderedMap(_square_and_pid, range(200)) as results:
        assert results.parallel
        squares, pids = zip(*results)
    assert list(squares) == [n * n for n in range(200)]
    assert os.getpid() not in pids
    assert multiprocessing.active_children() == []


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
    assert taken == list(range(len(taken))) and len(taken) < 70  # items share a task: a few results are lost
    assert multiprocessing.active_children() == []
