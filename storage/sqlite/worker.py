"""One aiosqlite connection per role, fed from a queue in batches (one thread hop each)."""

from __future__ import annotations

import asyncio
import copy
import ctypes
import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

import aiosqlite

from storage.base import StoreUnavailable

log = logging.getLogger(__name__)


def _no_aiosqlite_debug(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING


# aiosqlite logs the repr of every call it runs at DEBUG ("executing partial(...)"): our
# batches, with residents' ids (phone numbers on WhatsApp) and words. A filter, not a level:
# no log configuration (a test's caplog at DEBUG included) can turn it back on.
logging.getLogger("aiosqlite").addFilter(_no_aiosqlite_debug)

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
    """An aiosqlite connection whose thread runs queued requests in batches.

    aiosqlite owns the sqlite3 connection and the thread it lives on; its methods each cost
    one hop to that thread (~0.1-0.2 ms here, 85-90% of a session load). So a task drains
    our queue (everything that arrived while the previous batch ran, up to `max_batch`) and
    hands the whole batch to aiosqlite's thread as ONE call: the hop is paid once per batch,
    not per statement. `guard` runs on the thread before every batch and raises
    StoreUnavailable to fail it untouched.
    """

    def __init__(self, name: str, max_batch: int, guard: Callable[[], None]) -> None:
        self.name = name
        self.max_batch = max_batch
        self.guard = guard
        self.conn: aiosqlite.Connection | None = None
        self.db: sqlite3.Connection | None = None  # touched only on the connection's thread
        self.failure: BaseException | None = None
        self._queue: asyncio.Queue[Request | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done() and not self._stopping

    async def connect(self, connector: Callable[[], sqlite3.Connection]) -> None:
        """Open the connection: `connector` runs on aiosqlite's thread (pragmas, migrations)."""

        def connect_on_thread() -> sqlite3.Connection:
            db = connector()
            self.db = db
            return db

        # aiosqlite.connect() is this constructor with sqlite3.connect as the connector.
        conn = aiosqlite.Connection(connect_on_thread, iter_chunk_size=64)
        # aiosqlite's thread is not a daemon: a store never closed (a crash in a caller, a
        # script that returns early) would keep the process alive forever at exit. As a
        # daemon it ends with the process, like a kill: the WAL brings back every commit.
        conn._thread.daemon = True
        try:
            self.conn = await conn
        except BaseException:
            # aiosqlite stops its thread itself, answering on this loop: let it finish here,
            # not after the loop has closed (an exception in a thread at exit).
            await _ended(conn)
            raise

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the connection's thread (a batch, a checkpoint, tests)."""
        if self.conn is None:
            raise RuntimeError(f"{self.name} is not connected")
        # The one entry point every aiosqlite method goes through (pinned version, tested in
        # tests/test_storage_sqlite.py): a whole batch of statements in one hop.
        result: T = await self.conn._execute(fn, *args)
        return result

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
        """Finish what is queued, then close the connection and its thread. Idempotent.

        `abandon`: the files may no longer be written (made immutable): closing would let
        SQLite checkpoint through the mmapped -shm, and a write fault there is a SIGBUS. The
        connection is kept open until the process ends instead, as after a crash (the next
        open recovers from the WAL); only aiosqlite's thread stops."""
        self._stopping = True
        if self._task is not None:
            self._queue.put_nowait(None)
            # wait() neither raises the loop's own failure (its callers already got it) nor
            # cancels the loop if stop() itself is cancelled.
            await asyncio.wait({self._task})
            self._task = None
        conn, self.conn = self.conn, None
        if conn is None:
            return
        if abandon and self.db is not None:
            self._abandon(conn)
            future = conn.stop()  # the thread ends; nothing is closed (see _abandon)
            if future is not None:
                await future
        else:
            await conn.close()
        self.db = None
        # close() returns when the thread has been told to stop, not when it has: wait, so a
        # closed store has no thread left (tests count them).
        await _ended(conn)

    def _abandon(self, conn: aiosqlite.Connection) -> None:
        assert self.db is not None
        _ABANDONED.append(self.db)
        # One reference more than anyone will drop, so not even the interpreter's exit frees
        # (and so closes) it: the OS closes the file descriptors without SQLite's help.
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(self.db))
        # aiosqlite's stop() closes the connection it holds: it holds none any more.
        conn._connection = None

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
                    outcomes = _for_callers(exc, len(pending))
                except Exception as exc:  # the whole batch failed: every caller hears it
                    log.exception("%s: batch of %d failed", self.name, len(pending))
                    outcomes = _for_callers(exc, len(pending))
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


def _for_callers(exc: Exception, count: int) -> list[Exception]:
    """One copy of a failed batch's exception per caller, without its traceback. The original
    carries this loop's frame (it passed through `await self.run`), and a caller that clears
    the frames of a traceback (APScheduler does after a failed job) would finalize the loop's
    suspended coroutine: the worker dead for good, every later request refused."""
    copies: list[Exception] = []
    for _ in range(count):
        try:
            twin = copy.copy(exc)  # type, args and attributes; no traceback, cause or context
        except Exception:  # an __init__ that cannot be rebuilt from args: the original, bare
            twin = exc
        twin.__traceback__ = twin.__cause__ = twin.__context__ = None
        copies.append(twin)
    return copies


async def _ended(conn: aiosqlite.Connection) -> None:
    """Wait (5 s at most; it takes a millisecond) for aiosqlite's thread to end."""
    for _ in range(1000):
        if not conn._thread.is_alive():
            return
        await asyncio.sleep(0.005)
