"""Survey rounds on PostgreSQL: opened and closed by operator effects, read like SQLite's."""

from __future__ import annotations

import asyncpg

from flows.rounds import CloseRound, OpenRound, RoundAlreadyOpen, RoundView
from storage.postgres import announcements
from storage.postgres.engine import PostgresEngine
from storage.rounds import ROUND_COLUMNS, invitation_of, round_view
from storage.sqlite.sql import iso

# Opening and closing of one city run one at a time (the partial unique index would refuse a
# second open round anyway, but as an IntegrityError instead of RoundAlreadyOpen).
_LOCK_CITY = "SELECT pg_advisory_xact_lock(hashtextextended('citybot.rounds:' || $1, 0))"


async def open_round(con: asyncpg.Connection, effect: OpenRound, actor: str, now: str) -> int:
    """As SQLite's: the new round's id and its invitation scheduled; RoundAlreadyOpen (nothing
    stored) while the city has an open one."""
    await con.execute(_LOCK_CITY, effect.city)
    held = await con.fetchval(
        "SELECT title_ru FROM rounds WHERE city = $1 AND state = 'open'", effect.city
    )
    if held is not None:
        raise RoundAlreadyOpen(effect.city, held)
    made = await con.fetchval(
        "INSERT INTO rounds (city, title_ru, title_ky, starts_on, ends_on, starts_at, state,"
        " opened_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7) RETURNING id",
        effect.city,
        effect.title_ru,
        effect.title_ky,
        effect.starts_on,
        effect.ends_on,
        iso(effect.starts_at),
        now,
    )
    invitation = invitation_of(effect, int(made))
    if invitation is not None:
        await announcements.create(con, invitation, actor, now)
    return int(made)


async def close_round(con: asyncpg.Connection, effect: CloseRound, actor: str, now: str) -> bool:
    """Whether a round was open (and is closed now); its invitation, if not sent yet, is
    cancelled."""
    await con.execute(_LOCK_CITY, effect.city)
    closed = await con.fetchval(
        "UPDATE rounds SET state = 'closed', closed_at = $1 WHERE city = $2 AND state = 'open'"
        " RETURNING id",
        now,
        effect.city,
    )
    if closed is None:
        return False
    waiting = await con.fetch(
        "SELECT id FROM announcements WHERE city = $1 AND state = 'scheduled'"
        " AND (content->>'round_id')::bigint = $2",
        effect.city,
        closed,
    )
    for row in waiting:
        await announcements.cancel(con, row["id"], actor, now)
    return True


class PostgresRounds(PostgresEngine):
    """Rounds' side of the store (storage.base.Rounds)."""

    async def rounds(self, city: str | None = None) -> list[RoundView]:
        rows = await self._fetch(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE $1::text IS NULL OR city = $1"
            " ORDER BY id DESC",
            city,
        )
        return [round_view(tuple(row)) for row in rows]

    async def current_round(self, city: str) -> RoundView | None:
        rows = await self._fetch(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE city = $1 AND starts_at <= $2"
            " ORDER BY id DESC LIMIT 1",
            city,
            self._now(),
        )
        return round_view(tuple(rows[0])) if rows else None
