"""The killable worker pool on its own: results, a time limit, a crash, an error, a memory limit."""

from __future__ import annotations

import os
import signal
import time

from gallery.workers import TaskFailed, WorkerPool

_factor = 0
_kept: list[bytes] = []


def init(factor: int) -> None:
    global _factor
    _factor = factor


def task(item: str) -> int:
    """What each item asks the worker to do (the tasks live here so the forkserver can import them)."""
    kind, _, value = item.partition(":")
    if kind == "sleep":
        time.sleep(float(value))
    elif kind == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    elif kind == "raise":
        raise ValueError(value)
    elif kind == "allocate":
        return len(bytearray(int(value) * 1024 * 1024))
    elif kind == "fragment":  # what a decoder leaves: many heap blocks freed, a few kept between them
        blocks = [bytes(4000) for _ in range(int(value) * 256)]
        _kept.extend(blocks[::64])
        return rss_mib()
    elif kind == "rss":
        return rss_mib()
    return int(value) * _factor


def rss_mib() -> int:
    status = open("/proc/self/status").read()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) // 1024


def run(items: list[str], **pool: float) -> dict[str, object]:
    with WorkerPool(2, task, init, (10,), **pool) as workers:  # type: ignore[arg-type]
        return dict(workers.run(items))


def test_every_item_gets_its_result_from_initialised_workers() -> None:
    items = [f"n:{n}" for n in range(9)]
    assert run(items) == {f"n:{n}": n * 10 for n in range(9)}


def test_a_task_past_its_deadline_fails_alone() -> None:
    results = run(["sleep:60", "n:1", "n:2", "n:3"], timeout=1.0)
    assert results["sleep:60"] == TaskFailed("timeout", "took longer than 1 s")
    assert [results[f"n:{n}"] for n in (1, 2, 3)] == [10, 20, 30]


def test_a_worker_that_dies_costs_only_its_task() -> None:
    results = run(["crash:0", "n:1", "n:2", "n:3", "n:4"])
    failed = results["crash:0"]
    assert isinstance(failed, TaskFailed) and failed.reason == "worker_crashed" and "SIGKILL" in failed.detail
    assert [results[f"n:{n}"] for n in (1, 2, 3, 4)] == [10, 20, 30, 40]


def test_an_exception_is_reported_and_the_worker_keeps_serving() -> None:
    results = run(["raise:bad tag", "n:5"])
    assert results == {"raise:bad tag": TaskFailed("error", "ValueError: bad tag"), "n:5": 50}


def test_a_worker_over_its_memory_limit_fails_the_task_and_keeps_serving() -> None:
    results = run(["allocate:4096", "allocate:1", "n:6"], memory_mb=1536)
    assert results["allocate:4096"] == TaskFailed("too_big", "out of memory while decoding")
    assert results["allocate:1"] == 1024 * 1024 and results["n:6"] == 60


def test_a_worker_hands_its_freed_heap_back_before_the_next_task() -> None:
    with WorkerPool(1, task, init, (10,)) as workers:
        before, during, after = (value for _, value in workers.run(["rss:", "fragment:300", "rss:"]))
    assert during > before + 250, "the task did hold its memory"
    assert after < before + 50, "glibc keeps freed heap unless it is trimmed: the idle worker would stay big"
