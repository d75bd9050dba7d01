"""Working-group chats on PostgreSQL: bindings, commands' effects, migrations, summaries."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import asyncpg

from flows.effects import (
    BindGroup,
    GroupEffect,
    MoveChat,
    PlaceWording,
    SetGroupLanguage,
    UnbindGroup,
)
from flows.rounds import CloseRound, OpenRound
from storage.base import GroupBinding, LoadedGroup, SentSummary
from storage.postgres import review, rounds
from storage.postgres.engine import PostgresEngine, record_key
from storage.sqlite.groups import SUMMARY_CLAIM_STALE, validate_group_effects
from storage.sqlite.sql import LEARNED_VERSION, iso, moment

_LOAD_GROUP = f"""
SELECT (SELECT 1 FROM processed_updates WHERE key = $1), {LEARNED_VERSION}, w.city, w.lang
FROM (SELECT 1) AS one LEFT JOIN work_groups AS w ON w.chat_id = $2
"""

# Where a chat is now: follow group -> supergroup migrations to the end of the chain (the
# depth bound stops a cycle, which Telegram never makes but a bad row could).
_CURRENT_CHAT = """
WITH RECURSIVE chain (chat_id, depth) AS (
    SELECT $1::bigint, 0
    UNION
    SELECT m.new_chat_id, chain.depth + 1 FROM chat_migrations AS m
    JOIN chain ON m.old_chat_id = chain.chat_id WHERE chain.depth < 32
)
SELECT chat_id FROM chain ORDER BY depth DESC LIMIT 1
"""

# ON CONFLICT ... DO UPDATE WHERE is race-free across instances: a concurrent claimer waits
# for the first one's row, then re-checks the WHERE against it (fresh: nothing to take over).
_CLAIM_SUMMARY = """
INSERT INTO summaries (city, chat_id, day, status, claimed_at) VALUES ($1, $2, $3, 'sending', $4)
ON CONFLICT (city, chat_id, day) DO UPDATE SET claimed_at = excluded.claimed_at
WHERE summaries.status = 'sending' AND summaries.claimed_at < $5
RETURNING 1
"""

# SQLite's UPDATE OR IGNORE: rows that would collide with one already under the new id stay.
_MOVE_SUMMARIES = """
UPDATE summaries AS s SET chat_id = $2 WHERE s.chat_id = $1 AND NOT EXISTS (
    SELECT 1 FROM summaries AS t WHERE t.city = s.city AND t.chat_id = $2 AND t.day = s.day
)
"""
_MOVE_GROUP = """
UPDATE work_groups SET chat_id = $2 WHERE chat_id = $1
    AND NOT EXISTS (SELECT 1 FROM work_groups WHERE chat_id = $2)
"""


async def apply_group(
    con: asyncpg.Connection,
    chat_id: int,
    effects: tuple[GroupEffect, ...],
    dedup_key: str | None,
    now: str,
) -> list[int | None]:
    """One group command's effects in the caller's transaction; per effect, the items a
    PlaceWording moved (None for the others)."""
    await record_key(con, dedup_key, now)
    out: list[int | None] = []
    for effect in effects:
        moved = None
        if isinstance(effect, BindGroup):
            # A re-bind moves the chat to the other city; the language chosen stays.
            await con.execute(
                "INSERT INTO work_groups (chat_id, city, lang, bound_at) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (chat_id) DO UPDATE SET city = excluded.city,"
                " bound_at = excluded.bound_at",
                chat_id,
                effect.city,
                effect.lang,
                now,
            )
        elif isinstance(effect, UnbindGroup):
            await con.execute("DELETE FROM work_groups WHERE chat_id = $1", chat_id)
        elif isinstance(effect, SetGroupLanguage):
            await con.execute(
                "UPDATE work_groups SET lang = $1 WHERE chat_id = $2", effect.lang, chat_id
            )
        elif isinstance(effect, PlaceWording):
            moved = await review.place_wording(con, effect, now)
        elif isinstance(effect, OpenRound):  # an admin in the chat: /round open
            await rounds.open_round(con, effect, f"group:{chat_id}", now)
        elif isinstance(effect, CloseRound):
            await rounds.close_round(con, effect, f"group:{chat_id}", now)
        elif isinstance(effect, MoveChat):
            await _move_chat(con, chat_id, effect.new_chat_id, now)
            chat_id = effect.new_chat_id  # what follows is about the chat under its new id
        out.append(moved)
    return out


async def _move_chat(con: asyncpg.Connection, old_chat_id: int, new_chat_id: int, now: str) -> None:
    await con.execute(
        "INSERT INTO chat_migrations (old_chat_id, new_chat_id, migrated_at)"
        " VALUES ($1, $2, $3) ON CONFLICT (old_chat_id) DO UPDATE"
        " SET new_chat_id = excluded.new_chat_id, migrated_at = excluded.migrated_at",
        old_chat_id,
        new_chat_id,
        now,
    )
    # Today's claim, the history and the binding move with the chat.
    await con.execute(_MOVE_SUMMARIES, old_chat_id, new_chat_id)
    await con.execute(_MOVE_GROUP, old_chat_id, new_chat_id)


class PostgresGroups(PostgresEngine):
    """Working groups' side of the store (storage.base.WorkingGroups)."""

    async def load_group(self, chat_id: int, dedup_key: str | None = None) -> LoadedGroup:
        rows = await self._fetch(_LOAD_GROUP, dedup_key, chat_id)
        duplicate, learned, city, lang = rows[0]
        binding = None if city is None else GroupBinding(city, lang)
        return LoadedGroup(binding, duplicate=duplicate is not None, learned=int(learned or 0))

    async def commit_group(
        self, chat_id: int, effects: Sequence[GroupEffect], dedup_key: str | None = None
    ) -> None:
        await self._commit_group(chat_id, effects, dedup_key)

    async def _commit_group(
        self, chat_id: int, effects: Sequence[GroupEffect], dedup_key: str | None = None
    ) -> list[int | None]:
        checked = validate_group_effects(effects)
        now = self._now()
        async with self._transaction() as con:
            return await apply_group(con, chat_id, checked, dedup_key, now)

    async def groups(self, city: str) -> list[tuple[int, str]]:
        rows = await self._fetch(
            "SELECT chat_id, lang FROM work_groups WHERE city = $1 ORDER BY chat_id", city
        )
        return [(int(chat_id), lang) for chat_id, lang in rows]

    async def current_chat_id(self, chat_id: int) -> int:
        rows = await self._fetch(_CURRENT_CHAT, chat_id)
        return int(rows[0][0])

    async def claim_summary(self, city: str, chat_id: int, day: str) -> bool:
        now = self._clock()
        stale = iso(now - SUMMARY_CLAIM_STALE)
        return bool(await self._fetch(_CLAIM_SUMMARY, city, chat_id, day, iso(now), stale))

    async def finish_summary(
        self,
        city: str,
        chat_id: int,
        day: str,
        respondents: int,
        snapshot: Mapping[str, tuple[int, int]],
    ) -> None:
        packed = json.dumps({cid: list(v) for cid, v in snapshot.items()})
        await self._fetch(
            "UPDATE summaries SET status = 'sent', sent_at = $1, respondents = $2,"
            " snapshot = $3::jsonb WHERE city = $4 AND chat_id = $5 AND day = $6",
            self._now(),
            respondents,
            packed,
            city,
            chat_id,
            day,
        )

    async def release_summary(self, city: str, chat_id: int, day: str) -> None:
        await self._fetch(
            "DELETE FROM summaries WHERE city = $1 AND chat_id = $2 AND day = $3"
            " AND status = 'sending'",
            city,
            chat_id,
            day,
        )

    async def previous_summary(self, city: str, chat_id: int, day: str) -> SentSummary | None:
        rows = await self._fetch(
            "SELECT day, sent_at, respondents, snapshot FROM summaries WHERE city = $1"
            " AND chat_id = $2 AND day < $3 AND status = 'sent' ORDER BY day DESC LIMIT 1",
            city,
            chat_id,
            day,
        )
        if not rows:
            return None
        sent_day, sent_at, respondents, snapshot = rows[0]
        sent = moment(sent_at)
        assert sent is not None
        positions = {cid: (int(p), int(c)) for cid, (p, c) in json.loads(snapshot).items()}
        return SentSummary(sent_day, sent, int(respondents), positions)
