"""A pool of killable worker processes: a time limit per task and a memory limit per worker.

`ProcessPoolExecutor` cannot cancel a running task, and `signal.alarm` cannot interrupt a C
decoder, so each worker here has its own pipe: a task past its deadline gets its worker
killed and replaced, and only that task fails. A worker that dies (segfault, OOM) costs
only the task it held.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

QUEUE_DEPTH = 2
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["gallery.ingest"])  # where the worker tasks live


@dataclass(frozen=True)
class TaskFailed:
    """A task that produced no result: `reason` is timeout, worker_crashed or error."""

    reason: str
    detail: str


def _worker_main(
    conn: Connection, init: Callable[..., None], init_args: tuple[Any, ...], task: Callable[[Any], Any], memory_mb: int
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    init(*init_args)
    trim = _heap_trimmer()
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        try:
            conn.send(("ok", task(item)))
        except MemoryError:
            conn.send(("error", TaskFailed("too_big", "out of memory while decoding")))
        except Exception as exc:  # per-task isolation: report and keep serving
            conn.send(("error", TaskFailed("error", f"{type(exc).__name__}: {exc}")))
        trim()


def _heap_trimmer() -> Callable[[], object]:
    """glibc's `malloc_trim`: without it a worker keeps the heap of its biggest file (and every
    decoder thread's arena) after the file is done, and two workers at their high-water marks are
    what pushes a pass past its memory budget. Elsewhere (musl, macOS): nothing to do."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        malloc_trim = libc.malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    malloc_trim.argtypes, malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: malloc_trim(0)


class _Worker:
    def __init__(self, pool: WorkerPool) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_worker_main,
            args=(child, pool.init, pool.init_args, pool.task, pool.memory_mb),
            daemon=True,
        )
        self.process.start()
        child.close()
        self.queue: deque[Any] = deque()  # sent, not answered yet; the first is being worked on
        self.deadline = 0.0

    @property
    def busy(self) -> bool:
        return bool(self.queue)

    @property
    def item(self) -> Any:
        return self.queue[0]

    def give(self, item: Any, timeout: float) -> None:
        if not self.queue:
            self.deadline = time.monotonic() + timeout
        self.queue.append(item)
        self.conn.send(item)

    def done(self, limit: Callable[[Any], float]) -> Any:
        """The first queued item is answered: the next one starts its clock now."""
        item = self.queue.popleft()
        if self.queue:
            self.deadline = time.monotonic() + limit(self.queue[0])
        return item

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """Run `task(item)` in `size` processes; yields (item, result or TaskFailed) as they finish."""

    def __init__(
        self,
        size: int,
        task: Callable[[Any], Any],
        init: Callable[..., None],
        init_args: tuple[Any, ...] = (),
        timeout: float = 60.0,
        memory_mb: int = 0,
        time_limit: Callable[[Any], float] | None = None,
    ) -> None:
        self.size, self.task, self.init, self.init_args = max(1, size), task, init, init_args
        self.timeout, self.memory_mb = timeout, memory_mb
        self.time_limit = time_limit  # per item (a video's limit grows with its size); else `timeout`
        self.workers: list[_Worker] = []

    def limit(self, item: Any) -> float:
        """Seconds `item` may take."""
        return self.time_limit(item) if self.time_limit is not None else self.timeout

    def __enter__(self) -> WorkerPool:
        self.workers = [_Worker(self) for _ in range(self.size)]
        return self

    def __exit__(self, *exc: object) -> None:
        for worker in self.workers:
            if worker.busy:
                worker.kill()
                continue
            try:
                worker.conn.send(None)
            except OSError:
                pass
            worker.process.join(2)
            worker.kill()

    def run(self, items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        self.pending = deque[Any]()
        source = iter(items)
        while True:
            for worker in self.workers:
                # Two tasks per worker: the next one is already in its pipe when it finishes one.
                while len(worker.queue) < QUEUE_DEPTH:
                    item = self.pending.popleft() if self.pending else next(source, _END)
                    if item is _END:
                        break
                    worker.give(item, self.limit(item))
            busy = [w for w in self.workers if w.busy]
            if not busy:
                return
            yield from self._collect(busy)

    def _collect(self, busy: list[_Worker]) -> Iterator[tuple[Any, Any]]:
        next_deadline = min(w.deadline for w in busy)
        ready = wait([w.conn for w in busy], timeout=max(0.0, next_deadline - time.monotonic()))
        for worker in busy:
            if worker.conn in ready:
                try:
                    status, value = worker.conn.recv()
                except (EOFError, OSError):
                    yield worker.item, TaskFailed("worker_crashed", _death(worker))
                    self._replace(worker)
                    continue
                yield worker.done(self.limit), value
            elif time.monotonic() >= worker.deadline:
                yield worker.item, TaskFailed("timeout", f"took longer than {self.limit(worker.item):g} s")
                self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker; the tasks queued behind its failed one go back to the front of the line."""
        worker.kill()
        worker.queue.popleft()
        self.pending.extendleft(reversed(worker.queue))
        self.workers[self.workers.index(worker)] = _Worker(self)


_END = object()


def _death(worker: _Worker) -> str:
    worker.process.join(1)
    code = worker.process.exitcode
    if code is not None and code < 0:
        return f"worker killed by signal {-code} ({signal.Signals(-code).name})"
    return f"worker exited with status {code}"


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
