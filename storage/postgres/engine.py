"""The PostgreSQL engine: a connection pool, migrations at open, one transaction per write."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from storage.base import DuplicateUpdate, StoreError, StoreUnavailable
from storage.locate import safe_dsn
from storage.postgres.migrate import migrate
from storage.sqlite.sql import iso

log = logging.getLogger(__name__)

DEDUP_RETENTION = timedelta(days=14)  # as SQLite: Telegram/Twilio retry for hours, not weeks
PRUNE_EVERY = timedelta(hours=1)
SIGNOUTS_KEPT = timedelta(days=1)  # as SQLite's (storage/sqlite/engine.py)
CONNECT_TIMEOUT_S = 10.0
# A pool per process: a few connections serve hundreds of residents (a turn holds one for
# about a millisecond); three instances stay far below the server's max_connections (100).
POOL_MIN = 2
POOL_MAX = 10

# What "the database is not there right now" looks like to asyncpg: the turn is not stored.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.ReadOnlySQLTransactionError,
    asyncpg.AdminShutdownError,
    TimeoutError,
)


async def _keep_session(con: asyncpg.Connection) -> None:
    """The pool's reset on release, as a no-op. asyncpg's default (advisory unlock all, CLOSE
    ALL, UNLISTEN, RESET ALL) was one more round trip and transaction per query or turn
    (measured: 4.35 commits per update instead of 2.20). Pooled connections keep no session
    state here: locks are transaction-scoped, the leader's lock has its own connection."""


class PostgresEngine:
    """One PostgreSQL database through an asyncpg pool. No group commit: the server runs
    concurrent transactions itself, so every write is its own short transaction on a pooled
    connection. The areas (residents.py, groups.py, ...) are mixins over this."""

    def __init__(
        self,
        dsn: str,
        *,
        clock: Callable[[], datetime] | None = None,
        min_size: int = POOL_MIN,
        max_size: int = POOL_MAX,
    ) -> None:
        self.dsn = dsn
        self.path = safe_dsn(dsn)  # what the CLI and logs name (never the password)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._min_size = min_size
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opened = False
        self._closing = False
        self._next_prune: datetime | None = None

    async def __aenter__(self) -> Any:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        if self._opened:
            raise RuntimeError("PostgresStore.open() may be called once")
        self._opened = True
        now = self._clock()
        iso(now)  # fail on a naive clock here rather than in the first commit
        try:
            self._pool = await asyncpg.create_pool(
                self.dsn,
                min_size=self._min_size,
                max_size=self._max_size,
                timeout=CONNECT_TIMEOUT_S,
                command_timeout=60,
                server_settings={"application_name": "citybot"},
                reset=_keep_session,
            )
        except (*UNAVAILABLE, asyncpg.PostgresError) as exc:
            raise StoreUnavailable(f"cannot connect to PostgreSQL at {self.path}: {exc}") from exc
        try:
            async with self._pool.acquire() as con:
                await migrate(con)
                await con.execute(
                    "DELETE FROM processed_updates WHERE processed_at < $1",
                    iso(now - DEDUP_RETENTION),
                )
        except BaseException:
            await self._pool.close()
            self._pool = None
            raise
        self._next_prune = now + PRUNE_EVERY

    async def close(self) -> None:
        """Wait for the transactions in progress, then close every connection. Idempotent."""
        if self._closing:
            return
        self._closing = True
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await pool.close()
            except Exception:  # a dead server: nothing is left to finish
                pool.terminate()

    # --- requests --------------------------------------------------------------------------

    def _require(self) -> asyncpg.Pool:
        if self._pool is None or self._closing:
            raise RuntimeError("store is not open")
        return self._pool

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """One query outside any transaction (autocommit: it sees the latest commit)."""
        pool = self._require()
        try:
            rows: list[asyncpg.Record] = await pool.fetch(sql, *args)
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"PostgreSQL is unavailable: {exc}") from exc
        return rows

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection in one READ COMMITTED transaction: committed when the block
        ends, rolled back (nothing stored) when it raises."""
        pool = self._require()
        try:
            async with pool.acquire() as con, con.transaction():
                yield con
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"PostgreSQL is unavailable: {exc}") from exc
        await self._prune_if_due()

    def _now(self) -> str:
        return iso(self._clock())

    async def _prune_if_due(self) -> None:
        """Forget old dedup keys in passing (at most hourly per process)."""
        now = self._clock()
        if self._next_prune is None or now < self._next_prune:
            return
        self._next_prune = now + PRUNE_EVERY
        try:
            await self._require().execute(
                "DELETE FROM processed_updates WHERE processed_at < $1",
                iso(now - DEDUP_RETENTION),
            )
            await self._require().execute(
                "DELETE FROM desk_signouts WHERE at < $1", iso(now - SIGNOUTS_KEPT)
            )
        except (*UNAVAILABLE, asyncpg.PostgresError, RuntimeError):
            log.warning("pruning old dedup keys failed; tried again in an hour")

    # --- health ----------------------------------------------------------------------------

    async def ping(self) -> bool:
        if self._pool is None or self._closing:
            return False
        try:
            return await self._pool.fetchval("SELECT 1") == 1
        except (*UNAVAILABLE, asyncpg.PostgresError, StoreError):
            return False

    async def writable(self) -> bool:
        """A write transaction commits now (not a read-only replica, not a full disk)."""
        if self._pool is None or self._closing:
            return False
        try:
            async with self._transaction() as con:
                await con.execute(
                    "INSERT INTO meta (key, value) VALUES ('written_at', $1)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    self._now(),
                )
        except (*UNAVAILABLE, asyncpg.PostgresError, StoreError, RuntimeError):
            return False
        return True


async def record_key(con: asyncpg.Connection, key: str | None, now: str) -> None:
    """Note a delivery's dedup key in the caller's transaction; a key seen before (by any
    instance) is a redelivery: nothing of it may be applied twice. A concurrent insert of the
    same key waits for the other transaction and then sees it."""
    if key is None:
        return
    inserted = await con.fetchval(
        "INSERT INTO processed_updates (key, processed_at) VALUES ($1, $2)"
        " ON CONFLICT (key) DO NOTHING RETURNING 1",
        key,
        now,
    )
    if inserted is None:
        raise DuplicateUpdate(f"update {key!r} was already committed")
