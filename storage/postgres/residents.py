"""Residents' turns on PostgreSQL: load, version-checked commit, effects, history, reminders."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from flows.session import (
    Answer,
    Conversation,
    CreateAnnouncement,
    Effect,
    Forget,
    Nudged,
    Profile,
    SaveAnswer,
    Session,
    SetLanguage,
    SetSource,
    SetSubscribed,
)
from storage.base import ANY, Loaded, ResidentRecord, ResidentRef, StaleState
from storage.locks import KeyedLocks
from storage.postgres import announcements, answers, review
from storage.postgres.engine import PostgresEngine, record_key
from storage.rounds import answered_round, current_rounds, round_view, split_answers
from storage.sqlite.residents import SqliteResidents, _items, validate_effects
from storage.sqlite.sql import LEARNED_VERSION, iso, moment

log = logging.getLogger(__name__)

# What a turn that lost a deadlock does: PostgreSQL rolled it back whole (nothing stored, its
# dedup key neither), so it runs again. The counters' city locks make this rare.
RETRIES = 3
_RETRY = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)

# Text PostgreSQL cannot hold (U+0000): the turn is refused like any other invalid answer.
_UNSTORABLE = (asyncpg.UntranslatableCharacterError, asyncpg.CharacterNotInRepertoireError)

# The items of answer `a` as one JSON array of [rank, category, text] (one row per answer);
# '[]' for an emptied list, as SQLite's json_group_array.
ITEMS_JSON = (
    "(SELECT coalesce(json_agg(json_build_array(i.rank, i.category, i.text) ORDER BY i.rank),"
    " '[]'::json) FROM answer_items AS i WHERE i.answer_id = a.id)"
)

# ONE statement per load, as in SQLite: the resident's current answers (one per round) and
# every round (storage.rounds picks the session's from them).
_LOAD = f"""
SELECT
    EXISTS (SELECT 1 FROM processed_updates WHERE key = $1) AS duplicate,
    {LEARNED_VERSION} AS learned,
    r.version AS stored, r.lang, r.subscribed, r.state, r.city,
    (SELECT coalesce(json_agg(json_build_array(a.version, a.city, a.district, a.round_id,
        {ITEMS_JSON})), '[]'::json) FROM answers AS a
        WHERE a.resident_id = r.id AND a.is_current = 1) AS answers,
    (SELECT max(version) FROM answers WHERE resident_id = r.id) AS last_version,
    (SELECT coalesce(json_agg(json_build_array(x.id, x.city, x.title_ru, x.title_ky,
        x.starts_on, x.ends_on, x.state, x.opened_at, x.closed_at, x.starts_at)), '[]'::json)
        FROM rounds AS x) AS rounds
FROM (SELECT 1) AS one
LEFT JOIN residents AS r ON r.channel = $2 AND r.external_id = $3
"""

_RESIDENT = """
SELECT lang, city, district, subscribed, step, created_at, updated_at, last_inbound_at, source,
    nudged_at
FROM residents WHERE channel = $1 AND external_id = $2
"""

_HISTORY = f"""
SELECT a.version, a.city, a.district, {ITEMS_JSON} AS items, a.round_id
FROM answers AS a JOIN residents AS r ON r.id = a.resident_id
WHERE r.channel = $1 AND r.external_id = $2
ORDER BY a.version
"""

# The conversation's three writes, by `expected`; every one moves the version. Parameters:
# channel, external id, step, state, now, inbound time (NULL: a system event), version.
_INSERT = """
INSERT INTO residents (channel, external_id, step, state, created_at, updated_at, last_inbound_at)
VALUES ($1, $2, $3, $4, $5, $5, $6)
"""
_UPSERT = (
    _INSERT
    + """ON CONFLICT (channel, external_id) DO UPDATE SET
    step = excluded.step, state = excluded.state, updated_at = excluded.updated_at,
    last_inbound_at = coalesce(excluded.last_inbound_at, residents.last_inbound_at),
    version = residents.version + 1
RETURNING id
"""
)
# expected=None: only if there is no resident yet (one inserted meanwhile makes it stale).
_CREATE = _INSERT + "ON CONFLICT (channel, external_id) DO NOTHING RETURNING id"
# expected=N: only on version N. The UPDATE locks the row, so of two concurrent commits on
# version N the second waits, re-reads the row (version N+1 now) and matches nothing.
_UPDATE = """
UPDATE residents SET step = $3, state = $4, updated_at = $5,
    last_inbound_at = coalesce($6, last_inbound_at), version = version + 1
WHERE channel = $1 AND external_id = $2 AND version = $7
RETURNING id
"""
# A turn that changed nothing: the inbound time of a resident who exists (no version move).
_TOUCH = """
UPDATE residents SET last_inbound_at = coalesce($3, last_inbound_at)
WHERE channel = $1 AND external_id = $2 AND ($4::bigint IS NULL OR version = $4)
RETURNING id
"""


def _stale(expected: int | str | None) -> StaleState:
    # No id in the message: it may be logged, and on WhatsApp the id is a phone number.
    return StaleState(f"the conversation moved on from the version the turn expected ({expected})")


async def _run_turn(
    con: asyncpg.Connection,
    who: ResidentRef,
    conv: Conversation | None,
    effects: tuple[Effect, ...],
    dedup_key: str | None,
    now: str,
    inbound: bool,
    expected: int | str | None,
) -> None:
    """The turn's statements in the caller's transaction: raising undoes all of them."""
    await record_key(con, dedup_key, now)
    inbound_at = now if inbound else None
    if conv is None:
        # Nothing changed (a double tap, a tap from someone who deleted their data): never
        # create a resident for it; an existing one has written to us, though.
        if expected is None:
            exists = await con.fetchval(
                "SELECT 1 FROM residents WHERE channel = $1 AND external_id = $2",
                who.channel,
                who.external_id,
            )
            if exists:
                raise _stale(expected)
            return
        version = None if expected == ANY else expected
        if version is None and not inbound:
            return  # nothing to write, nothing to check
        touched = await con.fetchval(_TOUCH, who.channel, who.external_id, inbound_at, version)
        if touched is None and version is not None:
            raise _stale(expected)
        return
    row: list[Any] = [who.channel, who.external_id, conv.step.value, conv.model_dump_json()]
    row += [now, inbound_at]
    if expected == ANY:
        resident_id = await con.fetchval(_UPSERT, *row)
    elif expected is None:
        resident_id = await con.fetchval(_CREATE, *row)
    else:
        resident_id = await con.fetchval(_UPDATE, *row, expected)
    if resident_id is None:
        raise _stale(expected)
    counted = [e for e in effects if isinstance(e, SaveAnswer | SetSource | Forget)]
    if counted:
        # Before any effect: the cities whose counters this turn may move (see answers.py).
        cities = [e.answer.city for e in counted if isinstance(e, SaveAnswer)]
        await answers.lock_cities(con, cities, resident_id)
    actor = f"{who.channel}:{who.external_id}"
    for effect in effects:
        if isinstance(effect, Forget):
            await _forget(con, resident_id, actor, now)
            return  # validated to be the last effect; the conversation dies with the row
        if isinstance(effect, CreateAnnouncement):
            await announcements.create(con, effect, actor, now)
        else:
            await apply_effect(con, resident_id, effect, now)


async def apply_effect(con: asyncpg.Connection, resident_id: int, effect: Effect, now: str) -> None:
    """One effect on an existing resident (Forget and CreateAnnouncement: see _run_turn)."""
    if isinstance(effect, SetSource):
        # Out of the counters and back in: a first source on someone who has answered
        # already moves them into its count (a source, once set, is kept).
        await answers.count_current(con, resident_id, -1)
        await con.execute(
            "UPDATE residents SET source = coalesce(source, $1) WHERE id = $2",
            effect.source,
            resident_id,
        )
        await answers.count_current(con, resident_id, +1)
    elif isinstance(effect, Nudged):
        await con.execute("UPDATE residents SET nudged_at = $1 WHERE id = $2", now, resident_id)
    elif isinstance(effect, SetLanguage):
        await con.execute("UPDATE residents SET lang = $1 WHERE id = $2", effect.lang, resident_id)
    elif isinstance(effect, SetSubscribed):
        await con.execute(
            "UPDATE residents SET subscribed = $1 WHERE id = $2",
            int(effect.subscribed),
            resident_id,
        )
    elif isinstance(effect, SaveAnswer):
        await answers.save_answer(con, resident_id, effect.answer, now)
    else:
        raise TypeError(f"not an effect on a resident: {type(effect).__name__}")


async def _forget(con: asyncpg.Connection, resident_id: int, actor: str, now: str) -> None:
    """Every row about the resident, and what review learned from their words alone."""
    await answers.count_current(con, resident_id, -1)
    words = await review.sources_of(con, resident_id)
    # ON DELETE CASCADE takes answers, items, their learned sources, deliveries and broadcast
    # rows; tables added later must cascade too.
    await con.execute("DELETE FROM residents WHERE id = $1", resident_id)
    await review.drop_unsupported(con, words)
    # An admin's id in the announcements' audit: the action stays, who it was does not.
    await con.execute("UPDATE announcement_log SET actor = 'forgotten' WHERE actor = $1", actor)
    channel, _, external = actor.partition(":")  # as SQLite's: a desk user's sessions end
    if channel == "tg" and external.isdigit() and len(external) < 19:
        await con.execute("UPDATE desk_signouts SET at = $1 WHERE user_id = $2", now, int(external))


class PostgresResidents(PostgresEngine):
    """Residents' side of the store (storage.base.Residents)."""

    # Commits of one resident apply in the order issued (the SQLite writer's queue gives that;
    # a pool would not), and a second turn waits here rather than on the row lock, holding a
    # connection.
    _turn_order: KeyedLocks | None = None

    async def load(self, who: ResidentRef, dedup_key: str | None = None) -> Loaded:
        (row,) = await self._fetch(_LOAD, dedup_key, who.channel, who.external_id)
        conv = SqliteResidents._conversation(who, row["state"])
        every = [round_view(r) for r in json.loads(row["rounds"])]
        here = answered_round(every, conv.city or row["city"], self._now())
        answer, previous = split_answers(here, row["answers"] or "[]")
        subscribed = row["subscribed"]
        session = Session(
            profile=Profile(
                lang=row["lang"], subscribed=None if subscribed is None else bool(subscribed)
            ),
            answer=answer,
            conv=conv,
            rounds=current_rounds(every),
            previous=previous,
            last_version=int(row["last_version"] or 0),
        )
        return Loaded(
            session,
            duplicate=row["duplicate"],
            version=row["stored"],
            learned=int(row["learned"] or 0),
        )

    async def commit(
        self,
        who: ResidentRef,
        conv: Conversation | None,
        effects: Sequence[Effect] = (),
        dedup_key: str | None = None,
        inbound: bool = True,
        expected: int | str | None = ANY,
    ) -> None:
        """The turn in one transaction; returns once it is committed (see storage.base)."""
        if isinstance(expected, str) and expected != ANY:
            raise TypeError(f"expected is a version, None or ANY, not {expected!r}")
        checked = validate_effects(effects)
        if conv is None and checked:
            raise ValueError("effects need the conversation they belong to")
        now = self._now()
        if self._turn_order is None:
            self._turn_order = KeyedLocks()
        async with self._turn_order.hold((who.channel, who.external_id)):
            for attempt in range(1, RETRIES + 1):
                try:
                    async with self._transaction() as con:
                        await _run_turn(con, who, conv, checked, dedup_key, now, inbound, expected)
                    return
                except _RETRY:
                    if attempt == RETRIES:
                        raise
                    log.warning("a turn lost a deadlock (attempt %d), running it again", attempt)
                except _UNSTORABLE:
                    # Not the server's message: its context may quote the resident's words.
                    raise ValueError("a text with U+0000, which PostgreSQL cannot store") from None

    async def resident(self, who: ResidentRef) -> ResidentRecord | None:
        rows = await self._fetch(_RESIDENT, who.channel, who.external_id)
        if not rows:
            return None
        r = rows[0]
        created_at, updated_at = moment(r["created_at"]), moment(r["updated_at"])
        assert created_at is not None and updated_at is not None
        return ResidentRecord(
            ref=ResidentRef(who.channel, who.external_id),
            lang=r["lang"],
            city=r["city"],
            district=r["district"],
            subscribed=None if r["subscribed"] is None else bool(r["subscribed"]),
            step=r["step"],
            created_at=created_at,
            updated_at=updated_at,
            last_inbound_at=moment(r["last_inbound_at"]),
            source=r["source"],
            nudged_at=moment(r["nudged_at"]),
        )

    async def answer_history(self, who: ResidentRef) -> list[Answer]:
        rows = await self._fetch(_HISTORY, who.channel, who.external_id)
        return [
            Answer(
                version=r["version"],
                city=r["city"],
                district=r["district"],
                items=_items(r["items"]),
                round=int(r["round_id"]),
            )
            for r in rows
        ]

    async def due_nudges(
        self,
        steps: Sequence[str],
        quiet_since: datetime,
        not_before: datetime,
        window_start: datetime,
        limit: int = 200,
    ) -> list[tuple[ResidentRef, str | None]]:
        """As SqliteResidents.due_nudges: at one of `steps`, quiet since `quiet_since` (but not
        before `not_before`), not reminded since, not unsubscribed, WhatsApp ones within
        their 24-hour window; with the city they were answering for."""
        rows = await self._fetch(
            "SELECT channel, external_id, coalesce(state ->> 'city', city) AS city"
            " FROM residents WHERE step = ANY($1::text[])"
            " AND last_inbound_at < $2 AND last_inbound_at >= $3"
            " AND (nudged_at IS NULL OR nudged_at < last_inbound_at)"
            " AND (subscribed IS NULL OR subscribed = 1)"
            " AND (channel <> 'wa' OR last_inbound_at > $4)"
            " ORDER BY last_inbound_at LIMIT $5",
            list(steps),
            iso(quiet_since),
            iso(not_before),
            iso(window_start),
            limit,
        )
        return [(ResidentRef(r["channel"], r["external_id"]), r["city"]) for r in rows]
