"""One thread per sqlite3 connection, fed from a queue and run in batches (one hop each)."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from storage.base import StoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(slots=True)
class Read:
    """One read: a single statement and its rows."""

    sql: str
    params: Sequence[Any] | Mapping[str, Any]
    future: asyncio.Future[Any] | None = None


@dataclass(slots=True)
class Write:
    """One write: `fn(db)` runs in the writer's batch transaction, in its own savepoint.

    `turn`: a resident's turn (counted in WriterStats). `forget`: it may delete a resident, so
    the WAL is checkpointed and truncated after the batch (old page images hold their words).
    """

    fn: Callable[[sqlite3.Connection], Any]
    turn: bool = False
    forget: bool = False
    future: asyncio.Future[Any] | None = None


Request: TypeAlias = Read | Write
# What a batch function returns per request: the result, or the exception for that caller.
Outcome: TypeAlias = Any | Exception
BatchFn: TypeAlias = Callable[[sqlite3.Connection, list[Any]], list[Outcome]]

# Connections given up on (see Worker.abandon); referenced here so they are never closed.
_ABANDONED: list[sqlite3.Connection] = []


class Worker:
    """A thread that owns one sqlite3 connection and runs queued requests in batches.

    A task drains the queue (everything that arrived while the previous batch ran, up to
    `max_batch`) and hands the whole batch to the thread in one call, so the thread hop that
    dominates small SQLite operations is paid once per batch, not per request. `guard` runs on
    the thread before every batch and raises StoreUnavailable to fail it untouched.
    """

    def __init__(self, name: str, max_batch: int, guard: Callable[[], None]) -> None:
        self.name = name
        self.max_batch = max_batch
        self.guard = guard
        self.db: sqlite3.Connection | None = None  # touched only on the worker thread
        self.failure: BaseException | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._queue: asyncio.Queue[Request | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done() and not self._stopping

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the worker thread, outside the batches (open, close, tests)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def start(self, batch: BatchFn) -> None:
        self._task = asyncio.create_task(self._loop(batch), name=self.name)

    async def submit(self, request: Request) -> Any:
        """Queue `request` and wait for its outcome (cancelling while queued drops it)."""
        if not self.alive:
            raise RuntimeError(f"{self.name} is not running") from self.failure
        request.future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(request)
        return await request.future

    def enqueue(self, request: Request) -> None:
        """Queue `request` without waiting for it (no one to tell about its outcome)."""
        if self.alive:
            self._queue.put_nowait(request)

    async def stop(self, abandon: bool = False) -> None:
        """Finish what is queued, then close the connection and the thread. Idempotent.

        `abandon`: the files may no longer be written (made immutable): closing would let
        SQLite checkpoint through the mmapped -shm, and a write fault there is a SIGBUS. The
        connection is kept open until the process ends instead, as after a crash (the next
        open recovers from the WAL)."""
        self._stopping = True
        if self._task is not None:
            self._queue.put_nowait(None)
            # wait() neither raises the loop's own failure (its callers already got it) nor
            # cancels the loop if stop() itself is cancelled.
            await asyncio.wait({self._task})
            self._task = None
        if self.db is not None:
            if abandon:
                self._abandon()
            else:
                await self.run(self._close_db)
        self._executor.shutdown(wait=True)

    def _abandon(self) -> None:
        assert self.db is not None
        _ABANDONED.append(self.db)
        # One reference more than anyone will drop, so not even the interpreter's exit frees
        # (and so closes) it: the OS closes the file descriptors without SQLite's help.
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(self.db))
        self.db = None

    def _close_db(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    async def _loop(self, batch_fn: BatchFn) -> None:
        queue = self._queue
        pending: list[Request] = []
        try:
            stop = False
            while not stop:
                request = await queue.get()
                pending = []
                while True:
                    if request is None:  # stop() queues it last: everything before it runs
                        stop = True
                    elif request.future is None or not request.future.cancelled():
                        pending.append(request)
                    if stop or len(pending) >= self.max_batch or queue.empty():
                        break
                    request = queue.get_nowait()
                if not pending:
                    continue
                try:
                    outcomes = await self.run(self._call, batch_fn, pending)
                except StoreUnavailable as exc:  # the guard logged it once, not per batch
                    outcomes = [exc] * len(pending)
                except Exception as exc:  # the whole batch failed: every caller hears it
                    log.exception("%s: batch of %d failed", self.name, len(pending))
                    outcomes = [exc] * len(pending)
                for request, outcome in zip(pending, outcomes, strict=True):
                    future = request.future
                    if future is None or future.done():
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                pending = []
        except BaseException as exc:
            # Never leave a caller waiting forever: fail the batch in hand and the queue.
            self.failure = exc
            while not queue.empty():
                request = queue.get_nowait()
                if request is not None:
                    pending.append(request)
            for request in pending:
                if request.future is not None and not request.future.done():
                    request.future.set_exception(RuntimeError(f"{self.name} stopped"))
            raise

    def _call(self, batch_fn: BatchFn, pending: list[Request]) -> list[Outcome]:
        if self.db is None:
            raise RuntimeError(f"{self.name}: connection is closed")
        self.guard()  # before SQLite touches the files (a write to an immutable -shm: SIGBUS)
        return batch_fn(self.db, pending)
