"""The SQLite engine: connections, open/close, group-commit batches, checkpoints, health."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from storage import backup, migrations
from storage.base import StoreError
from storage.sqlite.health import FileGuard
from storage.sqlite.sql import iso
from storage.sqlite.worker import Outcome, Read, Worker, Write

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BATCH = 256  # requests per thread call; bounds the wait of a batch's first caller
DEDUP_RETENTION = timedelta(days=14)  # Telegram/Twilio retry for hours, not weeks
# A desk sign-out matters while a session issued before it could live (8 hours): a day on,
# the row (a desk user's Telegram id) is deleted.
SIGNOUTS_KEPT = timedelta(days=1)
PRUNE_EVERY = timedelta(hours=1)  # a bot runs for months between restarts
MIN_SQLITE = (3, 37, 0)  # STRICT tables (3.37), RETURNING (3.35), built-in JSON (3.38 or JSON1)
# How long a checkpoint after a Forget waits for readers (ours finish in microseconds); a
# retry after a later batch only takes a free moment, so a long reader elsewhere costs the
# writer nothing.
CHECKPOINT_WAIT_MS = 250
CHECKPOINT_RETRY_WAIT_MS = 5
CHECKPOINT_RETRY_EVERY = 1.0  # seconds: at most this often while a reader keeps it busy


@dataclass(slots=True)
class WriterStats:
    """Group-commit counters, for tests and the benchmark."""

    batches: int = 0
    turns: int = 0
    largest_batch: int = 0


class SqliteEngine:
    """One SQLite file in WAL mode, two aiosqlite connections (each on its own thread), fed in
    batches (`Worker`):

    - the reader runs every queued query (one SELECT per load) in one thread call;
    - the writer runs every queued write in one BEGIN IMMEDIATE transaction, one SAVEPOINT per
      request (group commit): a rejected turn fails alone. WAL lets the reader run beside it.

    Under load both pay one thread hop per batch instead of one per statement. Before every
    batch both check that the file is still the one opened and writable (`FileGuard`).
    `busy_timeout_ms` bounds the wait for a lock held by another process; `max_batch` caps the
    requests per thread call. The areas (residents.py, groups.py, ...) are mixins over this.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
        busy_timeout_ms: int = 5000,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.path = os.fspath(path)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._busy_timeout_ms = busy_timeout_ms
        self._max_batch = max_batch
        self.stats = WriterStats()
        self.guard = FileGuard(self.path)
        self._reader: Worker | None = None
        self._writer: Worker | None = None
        self._opened = False
        self._closing = False
        self._next_prune: datetime | None = None
        self._checkpoint_due = False  # a Forget's checkpoint could not complete yet
        self._checkpoint_retry_at = 0.0  # time.monotonic() of the next retry

    async def __aenter__(self) -> Any:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        if self._opened:
            raise RuntimeError("SqliteStore.open() may be called once")
        self._opened = True
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise RuntimeError(f"SQLite {sqlite3.sqlite_version} is too old; need 3.37+")
        now = self._clock()
        iso(now)  # fail on a naive clock here rather than in the first commit
        self._writer = Worker("sqlite-writer", self._max_batch, self.guard.check)
        self._reader = Worker("sqlite-reader", self._max_batch, self.guard.check)
        try:
            # Migrations run on the writer before the reader connects, so the reader never
            # sees a half-built schema.
            prune_before = iso(now - DEDUP_RETENTION)
            await self._writer.connect(lambda: self._open_writer(prune_before))
            await self._reader.connect(self._open_reader)
            self.guard.record()
        except BaseException:
            await self._shutdown()
            raise
        self._next_prune = now + PRUNE_EVERY
        self._writer.start(self._write_batch)
        self._reader.start(_read_batch)

    async def close(self) -> None:
        """Commit everything already queued, then close every connection. Idempotent."""
        if self._closing:
            return
        self._closing = True
        await self._shutdown()

    async def _shutdown(self) -> None:
        # Files that may not be written any more are not closed by SQLite (see Worker.stop).
        abandon = self.guard.unwritable()
        # Writer first: its queued turns are what callers wait on to reply.
        try:
            if self._writer is not None:
                await self._writer.stop(abandon)
        finally:
            if self._reader is not None:
                await self._reader.stop(abandon)

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: the writer issues BEGIN/COMMIT itself; the reader's SELECTs each
        # see the latest commit.
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        return db

    def _open_writer(self, prune_before: str) -> sqlite3.Connection:
        db = self._connect()
        try:
            (mode,) = db.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode.lower() != "wal":
                raise RuntimeError(f"could not switch {self.path} to WAL (got {mode})")
            # NORMAL in WAL: a commit survives a process crash, only an OS crash or power
            # loss may roll back the last transactions; FULL would fsync on every batch.
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")  # Forget relies on ON DELETE CASCADE
            # Deleted rows and freed pages are overwritten with zeros (FAST left freelist pages
            # readable): after a Forget the resident's words are not in the file any more.
            db.execute("PRAGMA secure_delete = ON")
            backup.before_migration(db, self.path)  # a copy first, when migrations are due
            applied = migrations.migrate(db)
            if applied:
                log.info("applied schema migrations %s to %s", applied, self.path)
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM processed_updates WHERE processed_at < ?", (prune_before,))
            db.execute("COMMIT")
        except BaseException:
            db.close()
            raise
        return db

    def _open_reader(self) -> sqlite3.Connection:
        db = self._connect()
        db.execute("PRAGMA query_only = ON")  # every write goes through the writer
        return db

    # --- requests --------------------------------------------------------------------------

    async def _query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        if self._reader is None or self._closing:
            raise RuntimeError("store is not open")
        rows: list[Any] = await self._reader.submit(Read(sql, params))
        return rows

    async def _write(
        self, fn: Callable[[sqlite3.Connection], T], *, turn: bool = False, forget: bool = False
    ) -> T:
        """Run `fn(db)` in the next write batch, in its own savepoint; its result or error."""
        if self._writer is None or self._closing:
            raise RuntimeError("store is not open")
        result: T = await self._writer.submit(Write(fn, turn=turn, forget=forget))
        return result

    def _prune_if_due(self, now: datetime) -> None:
        """Forget old dedup keys in passing, riding along with the next write batch."""
        if self._next_prune is None or now < self._next_prune or self._writer is None:
            return
        self._next_prune = now + PRUNE_EVERY
        before, signouts = iso(now - DEDUP_RETENTION), iso(now - SIGNOUTS_KEPT)

        def prune(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM processed_updates WHERE processed_at < ?", (before,))
            db.execute("DELETE FROM desk_signouts WHERE at < ?", (signouts,))

        self._writer.enqueue(Write(prune))

    def _write_batch(self, db: sqlite3.Connection, batch: list[Write]) -> list[Outcome]:
        """On the writer thread: one transaction, one savepoint per request, in queue order."""
        outcomes: list[Outcome] = []
        db.execute("BEGIN IMMEDIATE")
        try:
            for request in batch:
                db.execute("SAVEPOINT request")
                try:
                    result = request.fn(db)
                except Exception as exc:
                    # Undo this request only (its dedup key too, so a retry can record it); if
                    # even that fails (SQLite may have rolled back the whole transaction on I/O
                    # errors) the batch fails below, nothing half-done.
                    try:
                        db.execute("ROLLBACK TO request")
                        db.execute("RELEASE request")
                    except sqlite3.Error:
                        raise exc from None
                    outcomes.append(exc)
                else:
                    db.execute("RELEASE request")
                    outcomes.append(result)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        turns = sum(request.turn for request in batch)
        self.stats.batches += 1
        self.stats.turns += turns
        self.stats.largest_batch = max(self.stats.largest_batch, turns)
        forgot = any(
            r.forget and not isinstance(o, Exception) for r, o in zip(batch, outcomes, strict=True)
        )
        if forgot:
            self._checkpoint(db, CHECKPOINT_WAIT_MS)
        elif self._checkpoint_due and time.monotonic() >= self._checkpoint_retry_at:
            self._checkpoint(db, CHECKPOINT_RETRY_WAIT_MS)
        return outcomes

    def _checkpoint(self, db: sqlite3.Connection, wait_ms: int) -> None:
        """Copy the WAL into the database and truncate it: the WAL still holds the page images
        from before a Forget, with the resident's words. Readers of an older snapshot block it
        (busy): then it is tried again after later batches."""
        db.execute(f"PRAGMA busy_timeout = {wait_ms}")
        try:
            (busy, _log, _done) = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:
            busy = 1  # the batch is committed either way; this is only the clean-up
        finally:
            db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        if busy and not self._checkpoint_due:
            log.info("WAL checkpoint after a deletion postponed: readers are busy")
        self._checkpoint_due = bool(busy)
        self._checkpoint_retry_at = time.monotonic() + CHECKPOINT_RETRY_EVERY

    # --- leadership ------------------------------------------------------------------------

    async def lead(self) -> bool:
        """Always: SQLite is one machine's database. A second process on the same file (the
        CLI, a restarted bot overlapping the old one) stays safe through claims and leases:
        summaries are claimed per chat and day, deliveries are leases, reminders recorded."""
        return not self._closing

    async def resign(self) -> None:
        return None

    # --- health ----------------------------------------------------------------------------

    async def ping(self) -> bool:
        """True when a query answers and the writer is alive (commits would work)."""
        if self._closing or self._writer is None or not self._writer.alive:
            return False
        try:
            return await self._query("SELECT 1") == [(1,)]
        except (sqlite3.Error, StoreError, RuntimeError):
            return False

    async def writable(self) -> bool:
        """An answer could be stored now: the file checks pass (the writer's guard runs before
        the batch) and a real write transaction commits."""
        if self._closing or self._writer is None or not self._writer.alive:
            return False
        if self._reader is None or not self._reader.alive:  # no resident could be loaded
            return False
        now = iso(self._clock())

        def stamp(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('written_at', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (now,),
            )

        try:
            await self._write(stamp)
        except (sqlite3.Error, StoreError, RuntimeError, OSError):
            return False
        return True


def _read_batch(db: sqlite3.Connection, batch: list[Read]) -> list[Outcome]:
    """On the reader thread: each query on its own (autocommit: it sees the latest commit)."""
    outcomes: list[Outcome] = []
    for query in batch:
        try:
            outcomes.append(db.execute(query.sql, query.params).fetchall())
        except Exception as exc:
            outcomes.append(exc)
    return outcomes
