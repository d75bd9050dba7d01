"""Leadership of the scheduled work among instances: a PostgreSQL session advisory lock."""

from __future__ import annotations

import logging

import asyncpg

from storage.postgres.engine import CONNECT_TIMEOUT_S, UNAVAILABLE, PostgresEngine

log = logging.getLogger(__name__)

LEADER_LOCK = 0x63697479_6C656164  # "citylead": one per database, whatever the cities
# The lock lives in the server's session of the leader's connection. A killed process closes
# it at once, but a powered-off or cut-off host leaves the server waiting for TCP keepalive
# (2 h by default). The leader says something every 5 s (Leader.CHECK_EVERY), so a session
# silent for 20 s is a leader that is gone: the server ends it (idle_session_timeout, PG 14+)
# and the lock with it, even behind a proxy that keeps TCP alive; keepalives and the user
# timeout cover a dead host where the server notices first. Another instance leads < 30 s.
LEADER_SESSION = {
    "application_name": "citybot-leader",
    "idle_session_timeout": "20000",
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "4",
    "tcp_user_timeout": "20000",
}
# Every leader query is bounded: a server that stops answering must not hang the check (and
# with it every later one); a timeout drops the connection and so the leadership.
QUERY_TIMEOUT_S = 5.0


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
                await con.fetchval("SELECT 1", timeout=QUERY_TIMEOUT_S)
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
                command_timeout=QUERY_TIMEOUT_S,
                server_settings=LEADER_SESSION,
            )
        except (*UNAVAILABLE, asyncpg.PostgresError):
            return False
        try:
            got = await con.fetchval(
                "SELECT pg_try_advisory_lock($1)", LEADER_LOCK, timeout=QUERY_TIMEOUT_S
            )
        except (*UNAVAILABLE, asyncpg.PostgresError):
            got = False
        if not got:
            con.terminate()  # nothing to finish on it; never wait on a server that may be gone
            return False
        self._leader_con = con
        return True

    async def resign(self) -> None:
        await self._drop_leader_con()

    async def _drop_leader_con(self) -> None:
        con, self._leader_con = self._leader_con, None
        if con is not None:
            try:
                await con.close(timeout=QUERY_TIMEOUT_S)
            except Exception:
                con.terminate()

    async def close(self) -> None:
        await self._drop_leader_con()
        await super().close()
