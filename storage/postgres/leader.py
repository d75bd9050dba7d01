"""Leadership of the scheduled work among instances: a PostgreSQL session advisory lock."""

from __future__ import annotations

import logging

import asyncpg

from storage.postgres.engine import CONNECT_TIMEOUT_S, UNAVAILABLE, PostgresEngine

log = logging.getLogger(__name__)

LEADER_LOCK = 0x63697479_6C656164  # "citylead": one per database, whatever the cities


class PostgresLeadership(PostgresEngine):
    """The leader holds a session-level advisory lock on a connection of its own (outside the
    pool, so no query ever runs on it by accident). The server releases the lock when that
    connection ends, so a killed or partitioned leader loses it within the TCP timeout, and
    the next instance to ask takes it."""

    _leader_con: asyncpg.Connection | None = None

    async def lead(self) -> bool:
        con = self._leader_con
        if con is not None:
            try:
                # Still connected means still holding it (the lock lives with the session).
                await con.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT_S)
                return True
            except (*UNAVAILABLE, asyncpg.PostgresError):
                log.warning("lost the connection that held the leadership")
                await self._drop_leader_con()
        if self._closing:
            return False
        try:
            con = await asyncpg.connect(
                self.dsn,
                timeout=CONNECT_TIMEOUT_S,
                server_settings={"application_name": "citybot-leader"},
            )
        except (*UNAVAILABLE, asyncpg.PostgresError):
            return False
        try:
            got = await con.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK)
        except (*UNAVAILABLE, asyncpg.PostgresError):
            got = False
        if not got:
            await con.close()
            return False
        self._leader_con = con
        return True

    async def resign(self) -> None:
        await self._drop_leader_con()

    async def _drop_leader_con(self) -> None:
        con, self._leader_con = self._leader_con, None
        if con is not None:
            try:
                await con.close(timeout=5)
            except Exception:
                con.terminate()

    async def close(self) -> None:
        await self._drop_leader_con()
        await super().close()
