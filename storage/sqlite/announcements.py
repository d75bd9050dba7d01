"""Announcements: operator effects, the broadcast's frozen recipients and leased claims."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flows.effects import AcceptTheme, CancelAnnouncement, OperatorEffect
from flows.rounds import CloseRound, OpenRound, RoundEffect
from flows.session import CreateAnnouncement
from storage.base import Announcement, BroadcastCounts, Recipient, ResidentRef
from storage.sqlite import review, rounds
from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import iso, moment, record_key

DELIVERY_STATES = frozenset({"sent", "failed", "skipped"})
SWEEP_EVERY = timedelta(seconds=1)  # how often a claim also looks for expired leases
# WhatsApp takes free-form messages only this long after the resident's last one.
WHATSAPP_WINDOW = timedelta(hours=24)
# A subscriber's city: that of their answers, else of their conversation (someone who asked
# between rounds to be told when the next begins has answered nothing yet; moving to another
# city before answering moves the subscription with them). PostgreSQL: the same with ->>.
SUBSCRIBER_CITY = "coalesce(city, json_extract(state, '$.city'))"

_ANNOUNCEMENT = (
    "SELECT id, city, kind, parent_id, content, state, send_at, created_at FROM announcements"
)


def _announcement(row: Sequence[Any]) -> Announcement:
    ident, city, kind, parent, content, state, send_at, created = row
    send, made = moment(send_at), moment(created)
    assert send is not None and made is not None
    return Announcement(ident, city, kind, parent, json.loads(content), state, send, made)


def _log(db: sqlite3.Connection, announcement_id: int, action: str, actor: str, now: str) -> None:
    db.execute(
        "INSERT INTO announcement_log (announcement_id, action, actor, at) VALUES (?, ?, ?, ?)",
        (announcement_id, action, actor, now),
    )


def insert(
    db: sqlite3.Connection,
    city: str,
    kind: str,
    parent_id: int | None,
    content: str,
    send_at: datetime,
    actor: str,
    now: str,
) -> int:
    """One scheduled announcement (or reminder) row and its "created" audit line."""
    ((new_id,),) = db.execute(
        "INSERT INTO announcements (city, kind, parent_id, content, state, send_at, created_at)"
        " VALUES (?, ?, ?, ?, 'scheduled', ?, ?) RETURNING id",
        (city, kind, parent_id, content, iso(send_at), now),
    ).fetchall()
    _log(db, new_id, "created", actor, now)
    return int(new_id)


def create(db: sqlite3.Connection, effect: CreateAnnouncement, actor: str, now: str) -> int:
    """The announcement and its reminder, in the caller's transaction (an admin's turn or an
    operator's command): it exists exactly when the caller is told so."""
    packed = json.dumps(effect.content, ensure_ascii=False)
    parent = insert(db, effect.city, "announcement", None, packed, effect.send_at, actor, now)
    if effect.reminder_at is not None:
        insert(db, effect.city, "reminder", parent, packed, effect.reminder_at, actor, now)
    return parent


def cancel(db: sqlite3.Connection, announcement_id: int, actor: str, now: str) -> bool:
    """Only while scheduled, with its reminder; False once it started, was sent or cancelled."""
    parent = db.execute(
        "UPDATE announcements SET state = 'cancelled', finished_at = ?"
        " WHERE id = ? AND state = 'scheduled' RETURNING id",
        (now, announcement_id),
    ).fetchall()
    if not parent:
        return False  # already sending, sent or cancelled: its reminder stays
    children = db.execute(
        "UPDATE announcements SET state = 'cancelled', finished_at = ?"
        " WHERE parent_id = ? AND state = 'scheduled' RETURNING id",
        (now, announcement_id),
    ).fetchall()
    for (cancelled,) in (*parent, *children):
        _log(db, cancelled, "cancelled", actor, now)
    return True


def apply_operator(
    db: sqlite3.Connection,
    actor: str,
    effects: tuple[OperatorEffect | RoundEffect, ...],
    dedup_key: str | None,
    now: str,
) -> list[int | bool]:
    record_key(db, dedup_key, now)
    out: list[int | bool] = []
    for effect in effects:
        if isinstance(effect, CreateAnnouncement):
            out.append(create(db, effect, actor, now))
        elif isinstance(effect, OpenRound):
            out.append(rounds.open_round(db, effect, actor, now))
        elif isinstance(effect, CloseRound):
            out.append(rounds.close_round(db, effect, actor, now))
        elif isinstance(effect, AcceptTheme):
            out.append(review.accept_theme(db, effect, now))
        else:
            out.append(cancel(db, effect.announcement_id, actor, now))
    return out


def _one(db: sqlite3.Connection, sql: str, params: Any) -> Any:
    """The single value of a single-row query (a JSON array built by SQLite: a claim is a few
    statements whatever its size, not one per recipient)."""
    ((value,),) = db.execute(sql, params).fetchall()
    return value


def _claim(
    db: sqlite3.Connection,
    announcement_id: int,
    limit: int,
    owner: str,
    now: str,
    until: str,
    sweep: bool = True,
) -> list[Recipient]:
    # With `sweep`, claims whose lease ran out first (their owner died: what it had in flight
    # goes again, the in-flight bound; NULL: a claim of older code, free at once), then
    # pending rows. Each a lookup by (announcement_id, state): one scan with an OR walks past
    # every row already sent, for every claim. The transaction is IMMEDIATE (the writer's):
    # nobody else changes the rows between the choice and the update.
    expired = (
        "SELECT resident_id FROM broadcast_deliveries INDEXED BY broadcast_state"
        " WHERE announcement_id = :a AND state = 'sending'"
        " AND (lease_until IS NULL OR lease_until <= :now) UNION ALL "
        if sweep
        else ""
    )
    chosen = _one(
        db,
        "SELECT json_group_array(resident_id) FROM (SELECT resident_id FROM ("
        + expired
        + "SELECT resident_id FROM broadcast_deliveries WHERE announcement_id = :a"
        " AND state = 'pending') LIMIT :limit)",
        {"now": now, "a": announcement_id, "limit": limit},
    )
    ids: list[int] = json.loads(chosen)
    if not ids:
        return []
    db.execute(
        "UPDATE broadcast_deliveries SET state = 'sending', owner = ?, lease_until = ?,"
        " attempts = attempts + 1, updated_at = ? WHERE announcement_id = ?"
        " AND resident_id IN (SELECT value FROM json_each(?))",
        (owner, until, now, announcement_id, chosen),
    )
    # Who they are, in one query for the whole claim (not one per recipient).
    found = {
        row[0]: row
        for row in json.loads(
            _one(
                db,
                "SELECT json_group_array(json_array(id, channel, external_id,"
                " coalesce(lang, 'ru'), subscribed, last_inbound_at)) FROM residents"
                " WHERE id IN (SELECT value FROM json_each(?))",
                (chosen,),
            )
        )
    }
    claimed: list[Recipient] = []
    gone: list[int] = []
    for resident_id in ids:
        row = found.get(resident_id)
        if row is None or row[4] != 1:
            gone.append(resident_id)  # unsubscribed (or forgotten) since the list was frozen
            continue
        _, channel, external_id, lang, _, inbound = row
        claimed.append(
            Recipient(resident_id, ResidentRef(channel, external_id), lang, moment(inbound))
        )
    if gone:
        db.execute(
            "UPDATE broadcast_deliveries SET state = 'skipped', error = 'unsubscribed',"
            " owner = NULL, lease_until = NULL WHERE announcement_id = ?"
            " AND resident_id IN (SELECT value FROM json_each(?))",
            (announcement_id, json.dumps(gone)),
        )
    return claimed


def _finish(
    db: sqlite3.Connection,
    announcement_id: int,
    outcomes: Sequence[tuple[int, str, str | None]],
    now: str,
) -> None:
    """One UPDATE per distinct (state, error) of the batch: mostly one, "sent"."""
    groups: dict[tuple[str, str | None], list[int]] = {}
    for resident_id, state, error in outcomes:
        groups.setdefault((state, error), []).append(resident_id)
    for (state, error), ids in groups.items():
        db.execute(
            "UPDATE broadcast_deliveries SET state = ?, error = ?, updated_at = ?,"
            " owner = NULL, lease_until = NULL WHERE announcement_id = ?"
            " AND resident_id IN (SELECT value FROM json_each(?))",
            (state, error, now, announcement_id, json.dumps(ids)),
        )


def validate_operator_effects(
    effects: Sequence[OperatorEffect | RoundEffect],
) -> tuple[OperatorEffect | RoundEffect, ...]:
    """The operator's effects as a tuple, refusing one no engine knows (shared by both)."""
    checked = tuple(effects)
    for effect in checked:
        if not isinstance(
            effect, CreateAnnouncement | CancelAnnouncement | AcceptTheme | RoundEffect
        ):
            raise TypeError(f"unknown operator effect {effect!r}")
    return checked


class SqliteAnnouncements(SqliteEngine):
    """Announcements' side of the store (storage.base.Announcements)."""

    async def commit_operator(
        self,
        actor: str,
        effects: Sequence[OperatorEffect | RoundEffect],
        dedup_key: str | None = None,
    ) -> list[int | bool]:
        checked = validate_operator_effects(effects)
        now = iso(self._clock())
        return await self._write(lambda db: apply_operator(db, actor, checked, dedup_key, now))

    async def announcement(self, announcement_id: int) -> Announcement | None:
        rows = await self._query(_ANNOUNCEMENT + " WHERE id = ?", (announcement_id,))
        return _announcement(rows[0]) if rows else None

    async def announcements(self, city: str | None = None) -> list[Announcement]:
        if city is None:
            rows = await self._query(_ANNOUNCEMENT + " ORDER BY id DESC")
        else:
            rows = await self._query(_ANNOUNCEMENT + " WHERE city = ? ORDER BY id DESC", (city,))
        return [_announcement(row) for row in rows]

    async def announcement_log(self, announcement_id: int) -> list[tuple[str, str]]:
        rows = await self._query(
            "SELECT action, actor FROM announcement_log WHERE announcement_id = ? ORDER BY id",
            (announcement_id,),
        )
        return [(action, actor) for action, actor in rows]

    async def due_announcements(self, now: datetime) -> list[int]:
        rows = await self._query(
            "SELECT id FROM announcements WHERE (state = 'scheduled' AND send_at <= ?)"
            " OR state = 'sending' ORDER BY send_at, id",
            (iso(now),),
        )
        return [int(row[0]) for row in rows]

    async def start_broadcast(self, announcement_id: int, actor: str) -> bool:
        now = self._clock()

        def run(db: sqlite3.Connection) -> bool:
            rows = db.execute(
                "SELECT state, city, json_extract(content, '$.round_id') FROM announcements"
                " WHERE id = ?",
                (announcement_id,),
            ).fetchall()
            if not rows or rows[0][0] not in ("scheduled", "sending"):
                return False
            state, city, round_id = rows[0]
            if state == "sending":
                return True  # joined: claims share the rest, leases hand over the dead's
            db.execute(
                "UPDATE announcements SET state = 'sending', started_at = ? WHERE id = ?",
                (iso(now), announcement_id),
            )
            # The recipients, frozen now: whoever subscribes later gets the next one.
            if round_id is not None:  # a survey round's invitation: see rounds.INVITEES
                window = {
                    "window": iso(now - WHATSAPP_WINDOW),
                    "round": round_id,
                    "recent": iso(now - rounds.INVITED_AGAIN_AFTER),
                }
                params = {"announcement": announcement_id, "now": iso(now), "city": city}
                db.execute(rounds.INVITEES, {**params, **window})
            else:
                db.execute(
                    "INSERT INTO broadcast_deliveries (announcement_id, resident_id, state,"
                    " updated_at) SELECT ?, id, 'pending', ? FROM residents"
                    f" WHERE {SUBSCRIBER_CITY} = ? AND subscribed = 1",
                    (announcement_id, iso(now), city),
                )
            _log(db, announcement_id, "sending", actor, iso(now))
            return True

        return await self._write(run)

    async def claim_recipients(
        self, announcement_id: int, limit: int, owner: str, lease: timedelta
    ) -> list[Recipient]:
        now = self._clock()
        until = iso(now + lease)
        # Expired leases are looked for at most every SWEEP_EVERY (and at a broadcast's
        # first claim here): their scan reads every row in flight, pending ones come by index.
        sweeps: dict[int, datetime] = self.__dict__.setdefault("_lease_sweeps", {})
        last = sweeps.get(announcement_id)
        sweep = last is None or not timedelta(0) <= now - last < SWEEP_EVERY
        if sweep:
            sweeps[announcement_id] = now
        return await self._write(
            lambda db: _claim(db, announcement_id, limit, owner, iso(now), until, sweep)
        )

    async def renew_claims(self, announcement_id: int, owner: str, lease: timedelta) -> int:
        until = iso(self._clock() + lease)

        def run(db: sqlite3.Connection) -> int:
            return db.execute(
                "UPDATE broadcast_deliveries SET lease_until = ? WHERE announcement_id = ?"
                " AND state = 'sending' AND owner = ?",
                (until, announcement_id, owner),
            ).rowcount

        return await self._write(run)

    async def finish_deliveries(
        self, announcement_id: int, outcomes: Sequence[tuple[int, str, str | None]]
    ) -> None:
        for _, state, _ in outcomes:
            if state not in DELIVERY_STATES:
                raise ValueError(f"not a delivery outcome: {state!r}")
        now = iso(self._clock())
        batch = list(outcomes)
        await self._write(lambda db: _finish(db, announcement_id, batch, now))

    async def broadcast_counts(self, announcement_id: int) -> BroadcastCounts:
        rows = await self._query(
            "SELECT state, count(*) FROM broadcast_deliveries WHERE announcement_id = ?"
            " GROUP BY state",
            (announcement_id,),
        )
        by_state = dict(rows)
        return BroadcastCounts(
            sent=by_state.get("sent", 0),
            failed=by_state.get("failed", 0),
            skipped=by_state.get("skipped", 0),
            pending=by_state.get("pending", 0) + by_state.get("sending", 0),
        )

    async def finish_broadcast(self, announcement_id: int, actor: str) -> bool:
        now = iso(self._clock())

        def run(db: sqlite3.Connection) -> bool:
            left = db.execute(
                "SELECT 1 FROM broadcast_deliveries WHERE announcement_id = ?"
                " AND state IN ('pending', 'sending') LIMIT 1",
                (announcement_id,),
            ).fetchall()
            if left:
                return False
            done = db.execute(
                "UPDATE announcements SET state = 'done', finished_at = ?"
                " WHERE id = ? AND state = 'sending' RETURNING id",
                (now, announcement_id),
            ).fetchall()
            if done:
                _log(db, announcement_id, "sent", actor, now)
            return True

        return await self._write(run)

    async def subscriber_counts(self, city: str) -> dict[str, int]:
        rows = await self._query(
            f"SELECT channel, count(*) FROM residents WHERE {SUBSCRIBER_CITY} = ?"
            " AND subscribed = 1"
            " GROUP BY channel",
            (city,),
        )
        return {channel: int(n) for channel, n in rows}
