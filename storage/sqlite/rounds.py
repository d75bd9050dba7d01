"""Survey rounds on SQLite: opened and closed by operator effects, read by reports and the CLI."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from flows.rounds import CloseRound, OpenRound, RoundAlreadyOpen, RoundView
from storage.rounds import ROUND_COLUMNS, invitation_of, round_view
from storage.sqlite import announcements
from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import HAS_ITEMS, iso


def open_round(db: sqlite3.Connection, effect: OpenRound, actor: str, now: str) -> int:
    """The new round's id, and its invitation scheduled (an announcement: the broadcast engine
    sends it); RoundAlreadyOpen (nothing stored) while the city has an open one: the decision
    cannot see that, this transaction does."""
    held = db.execute(
        "SELECT title_ru FROM rounds WHERE city = ? AND state = 'open'", (effect.city,)
    ).fetchall()
    if held:
        raise RoundAlreadyOpen(effect.city, held[0][0])
    ((made,),) = db.execute(
        "INSERT INTO rounds (city, title_ru, title_ky, starts_on, ends_on, starts_at, state,"
        " opened_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?) RETURNING id",
        (
            effect.city,
            effect.title_ru,
            effect.title_ky,
            effect.starts_on,
            effect.ends_on,
            iso(effect.starts_at),
            now,
        ),
    ).fetchall()
    invitation = invitation_of(effect, int(made))
    if invitation is not None:
        announcements.create(db, invitation, actor, now)
    return int(made)


def close_round(db: sqlite3.Connection, effect: CloseRound, actor: str, now: str) -> bool:
    """Whether a round was open (and is closed now); its invitation, if not sent yet, is
    cancelled (a round that never began invites nobody)."""
    closed = db.execute(
        "UPDATE rounds SET state = 'closed', closed_at = ? WHERE city = ? AND state = 'open'"
        " RETURNING id",
        (now, effect.city),
    ).fetchall()
    if not closed:
        return False
    waiting = db.execute(
        "SELECT id FROM announcements WHERE city = ? AND state = 'scheduled'"
        " AND json_extract(content, '$.round_id') = ?",
        (effect.city, closed[0][0]),
    ).fetchall()
    for (announcement_id,) in waiting:
        announcements.cancel(db, announcement_id, actor, now)
    return True


# The recipients of a round's invitation (storage.sqlite.announcements.start_broadcast): the
# city's subscribers with no list yet in this round (those of earlier rounds, and those who
# asked between rounds to be told when the next begins); on WhatsApp only inside the 24-hour
# window (no approved template fits an invitation); nobody invited to a round in the last
# INVITED_AGAIN_AFTER (a round closed and opened again to fix its dates invites once).
# Parameters: the announcement, now, the city, the round, the window's start, `recent`.
INVITED_AGAIN_AFTER = timedelta(days=7)
INVITEES = f"""
INSERT INTO broadcast_deliveries (announcement_id, resident_id, state, updated_at)
SELECT :announcement, r.id, 'pending', :now FROM residents AS r
WHERE coalesce(r.city, json_extract(r.state, '$.city')) = :city AND r.subscribed = 1
AND (r.channel != 'wa' OR r.last_inbound_at > :window)
AND NOT EXISTS (SELECT 1 FROM broadcast_deliveries AS d JOIN announcements AS x
    ON x.id = d.announcement_id WHERE d.resident_id = r.id AND d.state = 'sent'
    AND d.updated_at > :recent AND json_extract(x.content, '$.round_id') IS NOT NULL)
AND NOT EXISTS (SELECT 1 FROM answers AS a WHERE a.resident_id = r.id AND a.is_current = 1
    AND a.round_id = :round AND {HAS_ITEMS})
"""


class SqliteRounds(SqliteEngine):
    """Rounds' side of the store (storage.base.Rounds)."""

    async def rounds(self, city: str | None = None) -> list[RoundView]:
        rows = await self._query(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE ? IS NULL OR city = ? ORDER BY id DESC",
            (city, city),
        )
        return [round_view(row) for row in rows]

    async def current_round(self, city: str) -> RoundView | None:
        rows = await self._query(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE city = ? AND starts_at <= ?"
            " ORDER BY id DESC LIMIT 1",
            (city, iso(self._clock())),
        )
        return round_view(rows[0]) if rows else None
