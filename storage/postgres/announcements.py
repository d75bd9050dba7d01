"""Announcements on PostgreSQL: operator effects, frozen recipients, claims as leases."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg

from flows.effects import AcceptTheme, OperatorEffect
from flows.rounds import CloseRound, OpenRound, RoundEffect
from flows.session import CreateAnnouncement
from storage.base import Announcement, BroadcastCounts, Recipient, ResidentRef
from storage.postgres import review, rounds
from storage.postgres.engine import PostgresEngine, record_key
from storage.sqlite.announcements import (
    DELIVERY_STATES,
    WHATSAPP_WINDOW,
    validate_operator_effects,
)
from storage.sqlite.rounds import INVITED_AGAIN_AFTER
from storage.sqlite.sql import HAS_ITEMS, iso, moment

_ANNOUNCEMENT = (
    "SELECT id, city, kind, parent_id, content, state, send_at, created_at FROM announcements"
)

# The row and its "created" audit line in one statement (one round trip per row).
_INSERT = """
WITH made AS (
    INSERT INTO announcements (city, kind, parent_id, content, state, send_at, created_at)
    VALUES ($1, $2, $3, $4::json, 'scheduled', $5, $6) RETURNING id
), logged AS (
    INSERT INTO announcement_log (announcement_id, action, actor, at)
    SELECT id, 'created', $7, $6 FROM made
)
SELECT id FROM made
"""

# Only while scheduled, with its reminder; logged parent first, as SQLite does.
_CANCEL = """
WITH parent AS (
    UPDATE announcements SET state = 'cancelled', finished_at = $2
    WHERE id = $1 AND state = 'scheduled' RETURNING id
), children AS (
    UPDATE announcements SET state = 'cancelled', finished_at = $2
    WHERE parent_id IN (SELECT id FROM parent) AND state = 'scheduled' RETURNING id
), logged AS (
    INSERT INTO announcement_log (announcement_id, action, actor, at)
    SELECT id, 'cancelled', $3, $2 FROM (
        SELECT 0 AS ord, id FROM parent UNION ALL SELECT 1, id FROM children
    ) AS cancelled ORDER BY ord, id
)
SELECT count(*) FROM parent
"""

# Begin once: the guarded UPDATE lets one instance through (a concurrent one waits for its
# commit, then finds the state moved on); the recipients are frozen in the same statement.
# Who a survey round's invitation goes to, as SQLite's (storage/sqlite/rounds.py: INVITEES):
# subscribers with no list in this round, on WhatsApp only inside the 24-hour window. `s` is
# the announcement started (round_id NULL: not an invitation), $4 the start of the window, $5
# the start of INVITED_AGAIN_AFTER.
_INVITEES = f"""(s.round_id IS NULL OR (
    (r.channel <> 'wa' OR r.last_inbound_at > $4)
    AND NOT EXISTS (SELECT 1 FROM broadcast_deliveries AS d JOIN announcements AS x
        ON x.id = d.announcement_id WHERE d.resident_id = r.id AND d.state = 'sent'
        AND d.updated_at > $5 AND x.content->>'round_id' IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM answers AS a WHERE a.resident_id = r.id AND a.is_current = 1
        AND a.round_id = s.round_id AND {HAS_ITEMS})
))"""


_START = f"""
WITH started AS (
    UPDATE announcements SET state = 'sending', started_at = $2
    WHERE id = $1 AND state = 'scheduled'
    RETURNING id, city, (content->>'round_id')::bigint AS round_id
), frozen AS (
    INSERT INTO broadcast_deliveries (announcement_id, resident_id, state, updated_at)
    SELECT s.id, r.id, 'pending', $2 FROM started AS s
    JOIN residents AS r ON coalesce(r.city, r.state ->> 'city') = s.city AND r.subscribed = 1
        AND {_INVITEES}
    -- A resident being forgotten right now: wait for it, then they drop out (no FK error).
    FOR KEY SHARE OF r
    ON CONFLICT (announcement_id, resident_id) DO NOTHING
), logged AS (
    INSERT INTO announcement_log (announcement_id, action, actor, at)
    SELECT id, 'sending', $3, $2 FROM started
)
SELECT count(*) FROM started
"""

# A claim is one statement. Expired leases first (their owner died: what it had in flight goes
# again), then pending rows; each is an index range on (announcement_id, state) read only up to
# the limit (one scan with an OR would build a bitmap of every pending row, for every claim).
# SKIP LOCKED: rows another instance is claiming right now are left to it, and a row it
# claimed since our snapshot is re-checked after the lock (READ COMMITTED), so it no longer
# matches. MATERIALIZED: the locking SELECTs run exactly once, whatever the plan. The chosen
# ids go to the UPDATE as one array: joined as a CTE, the planner cannot tell their number
# (a parameter LIMIT) and hash-joins the whole broadcast; `= ANY` makes it primary-key
# lookups. Recipients unsubscribed since the list was frozen become 'skipped' right here.
_CLAIM = """
WITH expired AS MATERIALIZED (
    SELECT resident_id FROM broadcast_deliveries
    WHERE announcement_id = $1 AND state = 'sending'
        AND (lease_until IS NULL OR lease_until <= $2)
    LIMIT $3 FOR UPDATE SKIP LOCKED
), pending AS MATERIALIZED (
    SELECT resident_id FROM broadcast_deliveries
    WHERE announcement_id = $1 AND state = 'pending'
    LIMIT greatest($3 - (SELECT count(*) FROM expired), 0) FOR UPDATE SKIP LOCKED
)
UPDATE broadcast_deliveries AS d SET
    state = CASE WHEN r.subscribed = 1 THEN 'sending' ELSE 'skipped' END,
    owner = CASE WHEN r.subscribed = 1 THEN $4 END,
    lease_until = CASE WHEN r.subscribed = 1 THEN $5 END,
    error = CASE WHEN r.subscribed = 1 THEN d.error ELSE 'unsubscribed' END,
    attempts = d.attempts + 1,
    updated_at = $2
FROM residents AS r
WHERE d.announcement_id = $1 AND r.id = d.resident_id AND d.resident_id = ANY ((
    SELECT array_agg(resident_id) FROM (
        SELECT resident_id FROM expired UNION ALL SELECT resident_id FROM pending
    ) AS chosen
)::bigint[])
RETURNING d.resident_id, d.state, r.channel, r.external_id, coalesce(r.lang, 'ru') AS lang,
    r.last_inbound_at
"""

# Renewals and finishes both update many rows, on different connections (the broadcast
# renews while it flushes), and a finish may meet another owner's after a takeover: each locks
# its rows in resident order first (ORDER BY ... FOR UPDATE), so they never deadlock (an
# aborted finish would leave its deliveries to be sent again).
_RENEW = """
WITH mine AS MATERIALIZED (
    SELECT resident_id FROM broadcast_deliveries
    WHERE announcement_id = $1 AND state = 'sending' AND owner = $2
    ORDER BY resident_id FOR UPDATE
), renewed AS (
    UPDATE broadcast_deliveries AS d SET lease_until = $3 FROM mine
    WHERE d.announcement_id = $1 AND d.resident_id = mine.resident_id RETURNING 1
)
SELECT count(*) FROM renewed
"""

# A whole batch of outcomes in one statement, whatever their states and errors.
_FINISH = """
WITH done AS MATERIALIZED (
    SELECT d.resident_id, o.state, o.error FROM broadcast_deliveries AS d
    JOIN unnest($3::bigint[], $4::text[], $5::text[]) AS o (resident_id, state, error)
        ON o.resident_id = d.resident_id
    WHERE d.announcement_id = $1
    ORDER BY d.resident_id FOR UPDATE OF d
)
UPDATE broadcast_deliveries AS d SET state = done.state, error = done.error, updated_at = $2,
    owner = NULL, lease_until = NULL
FROM done WHERE d.announcement_id = $1 AND d.resident_id = done.resident_id
"""

# Done exactly once: the guarded UPDATE lets one caller through and only it logs "sent". The
# check and the answer share the statement's snapshot; deliveries never go back to pending.
_LEFT = (
    "EXISTS (SELECT 1 FROM broadcast_deliveries WHERE announcement_id = $1"
    " AND state IN ('pending', 'sending'))"
)
_FINISH_BROADCAST = f"""
WITH done AS (
    UPDATE announcements SET state = 'done', finished_at = $2
    WHERE id = $1 AND state = 'sending' AND NOT {_LEFT} RETURNING id
), logged AS (
    INSERT INTO announcement_log (announcement_id, action, actor, at)
    SELECT id, 'sent', $3, $2 FROM done
)
SELECT NOT {_LEFT}
"""


def _announcement(row: asyncpg.Record) -> Announcement:
    ident, city, kind, parent, content, state, send_at, created = row
    send, made = moment(send_at), moment(created)
    assert send is not None and made is not None
    return Announcement(ident, city, kind, parent, json.loads(content), state, send, made)


async def insert(
    con: asyncpg.Connection,
    city: str,
    kind: str,
    parent_id: int | None,
    content: str,
    send_at: datetime,
    actor: str,
    now: str,
) -> int:
    """One scheduled announcement (or reminder) row and its "created" audit line."""
    new_id = await con.fetchval(_INSERT, city, kind, parent_id, content, iso(send_at), now, actor)
    return int(new_id)


async def create(con: asyncpg.Connection, effect: CreateAnnouncement, actor: str, now: str) -> int:
    """The announcement and its reminder, in the caller's transaction (an admin's turn or an
    operator's command): it exists exactly when the caller is told so."""
    packed = json.dumps(effect.content, ensure_ascii=False)
    parent = await insert(
        con, effect.city, "announcement", None, packed, effect.send_at, actor, now
    )
    if effect.reminder_at is not None:
        await insert(con, effect.city, "reminder", parent, packed, effect.reminder_at, actor, now)
    return parent


async def cancel(con: asyncpg.Connection, announcement_id: int, actor: str, now: str) -> bool:
    """Only while scheduled, with its reminder; False once it started, was sent or cancelled."""
    return bool(await con.fetchval(_CANCEL, announcement_id, now, actor))


async def apply_operator(
    con: asyncpg.Connection,
    actor: str,
    effects: tuple[OperatorEffect | RoundEffect, ...],
    dedup_key: str | None,
    now: str,
) -> list[int | bool]:
    await record_key(con, dedup_key, now)
    out: list[int | bool] = []
    for effect in effects:
        if isinstance(effect, CreateAnnouncement):
            out.append(await create(con, effect, actor, now))
        elif isinstance(effect, OpenRound):
            out.append(await rounds.open_round(con, effect, actor, now))
        elif isinstance(effect, CloseRound):
            out.append(await rounds.close_round(con, effect, actor, now))
        elif isinstance(effect, AcceptTheme):
            out.append(await review.accept_theme(con, effect, now))
        else:
            out.append(await cancel(con, effect.announcement_id, actor, now))
    return out


class PostgresAnnouncements(PostgresEngine):
    """Announcements' side of the store (storage.base.Announcements), shared by instances."""

    async def commit_operator(
        self,
        actor: str,
        effects: Sequence[OperatorEffect | RoundEffect],
        dedup_key: str | None = None,
    ) -> list[int | bool]:
        checked = validate_operator_effects(effects)
        now = self._now()
        async with self._transaction() as con:
            return await apply_operator(con, actor, checked, dedup_key, now)

    async def announcement(self, announcement_id: int) -> Announcement | None:
        rows = await self._fetch(_ANNOUNCEMENT + " WHERE id = $1", announcement_id)
        return _announcement(rows[0]) if rows else None

    async def announcements(self, city: str | None = None) -> list[Announcement]:
        if city is None:
            rows = await self._fetch(_ANNOUNCEMENT + " ORDER BY id DESC")
        else:
            rows = await self._fetch(_ANNOUNCEMENT + " WHERE city = $1 ORDER BY id DESC", city)
        return [_announcement(row) for row in rows]

    async def announcement_log(self, announcement_id: int) -> list[tuple[str, str]]:
        rows = await self._fetch(
            "SELECT action, actor FROM announcement_log WHERE announcement_id = $1 ORDER BY id",
            announcement_id,
        )
        return [(action, actor) for action, actor in rows]

    async def due_announcements(self, now: datetime) -> list[int]:
        rows = await self._fetch(
            "SELECT id FROM announcements WHERE (state = 'scheduled' AND send_at <= $1)"
            " OR state = 'sending' ORDER BY send_at, id",
            iso(now),
        )
        return [int(row[0]) for row in rows]

    async def start_broadcast(self, announcement_id: int, actor: str) -> bool:
        # Two autocommit statements: the second runs after the first (and after any instance
        # it waited for) committed, so it reads the state as it is now.
        window = iso(self._clock() - WHATSAPP_WINDOW)
        recent = iso(self._clock() - INVITED_AGAIN_AFTER)
        started = await self._fetch(_START, announcement_id, self._now(), actor, window, recent)
        if started[0][0]:
            return True
        rows = await self._fetch("SELECT state FROM announcements WHERE id = $1", announcement_id)
        # 'sending': joined (claims share the rest, leases hand over a dead instance's).
        return bool(rows) and rows[0][0] == "sending"

    async def claim_recipients(
        self, announcement_id: int, limit: int, owner: str, lease: timedelta
    ) -> list[Recipient]:
        now = self._clock()
        rows = await self._fetch(_CLAIM, announcement_id, iso(now), limit, owner, iso(now + lease))
        return [
            Recipient(
                row["resident_id"],
                ResidentRef(row["channel"], row["external_id"]),
                row["lang"],
                moment(row["last_inbound_at"]),
            )
            for row in rows
            if row["state"] == "sending"  # the others were skipped: unsubscribed since
        ]

    async def renew_claims(self, announcement_id: int, owner: str, lease: timedelta) -> int:
        until = iso(self._clock() + lease)
        rows = await self._fetch(_RENEW, announcement_id, owner, until)
        return int(rows[0][0])

    async def finish_deliveries(
        self, announcement_id: int, outcomes: Sequence[tuple[int, str, str | None]]
    ) -> None:
        for _, state, _ in outcomes:
            if state not in DELIVERY_STATES:
                raise ValueError(f"not a delivery outcome: {state!r}")
        if not outcomes:
            return
        ids, states, errors = (list(column) for column in zip(*outcomes, strict=True))
        await self._fetch(_FINISH, announcement_id, self._now(), ids, states, errors)

    async def broadcast_counts(self, announcement_id: int) -> BroadcastCounts:
        rows = await self._fetch(
            "SELECT state, count(*) FROM broadcast_deliveries WHERE announcement_id = $1"
            " GROUP BY state",
            announcement_id,
        )
        by_state = {state: int(n) for state, n in rows}
        return BroadcastCounts(
            sent=by_state.get("sent", 0),
            failed=by_state.get("failed", 0),
            skipped=by_state.get("skipped", 0),
            pending=by_state.get("pending", 0) + by_state.get("sending", 0),
        )

    async def finish_broadcast(self, announcement_id: int, actor: str) -> bool:
        rows = await self._fetch(_FINISH_BROADCAST, announcement_id, self._now(), actor)
        return bool(rows[0][0])

    async def subscriber_counts(self, city: str) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT channel, count(*) FROM residents"
            " WHERE coalesce(city, state ->> 'city') = $1 AND subscribed = 1"
            " GROUP BY channel",
            city,
        )
        return {channel: int(n) for channel, n in rows}
