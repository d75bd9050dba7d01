"""Working-group chats: bindings, their commands' effects, chat migrations, daily summaries."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import timedelta

from flows.catalogue import LANGS
from flows.effects import (
    BindGroup,
    GroupEffect,
    MoveChat,
    PlaceWording,
    SetGroupLanguage,
    UnbindGroup,
)
from flows.rounds import CloseRound, OpenRound, RoundEffect
from storage.base import GroupBinding, LoadedGroup, SentSummary
from storage.sqlite import review, rounds
from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import LEARNED_VERSION, iso, moment, record_key

SUMMARY_CLAIM_STALE = timedelta(minutes=10)  # a claim this old was left by a crash

_LOAD_GROUP = f"""
SELECT (SELECT 1 FROM processed_updates WHERE key = :key), {LEARNED_VERSION}, w.city, w.lang
FROM (SELECT 1) AS one LEFT JOIN work_groups AS w ON w.chat_id = :chat_id
"""

# Where a chat is now: follow group -> supergroup migrations to the end of the chain (the
# depth bound stops a cycle, which Telegram never makes but a bad row could).
_CURRENT_CHAT = """
WITH RECURSIVE chain (chat_id, depth) AS (
    SELECT :chat_id, 0
    UNION
    SELECT m.new_chat_id, chain.depth + 1 FROM chat_migrations AS m
    JOIN chain ON m.old_chat_id = chain.chat_id WHERE chain.depth < 32
)
SELECT chat_id FROM chain ORDER BY depth DESC LIMIT 1
"""


def validate_group_effects(effects: Sequence[GroupEffect]) -> tuple[GroupEffect, ...]:
    checked = tuple(effects)
    for effect in checked:
        if not isinstance(effect, GroupEffect | RoundEffect):  # type: ignore[arg-type]
            raise TypeError(f"unknown group effect {effect!r}")
        if isinstance(effect, BindGroup | SetGroupLanguage) and effect.lang not in LANGS:
            raise ValueError(f"unknown language {effect.lang!r}")
    return checked


def apply_group(
    db: sqlite3.Connection,
    chat_id: int,
    effects: tuple[GroupEffect, ...],
    dedup_key: str | None,
    now: str,
) -> list[int | None]:
    """One group command's effects in the caller's savepoint; per effect, the items a
    PlaceWording moved (None for the others)."""
    record_key(db, dedup_key, now)
    out: list[int | None] = []
    for effect in effects:
        moved = None
        if isinstance(effect, BindGroup):
            # A re-bind moves the chat to the other city; the language chosen stays.
            db.execute(
                "INSERT INTO work_groups (chat_id, city, lang, bound_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET city = excluded.city,"
                " bound_at = excluded.bound_at",
                (chat_id, effect.city, effect.lang, now),
            )
        elif isinstance(effect, UnbindGroup):
            db.execute("DELETE FROM work_groups WHERE chat_id = ?", (chat_id,))
        elif isinstance(effect, SetGroupLanguage):
            db.execute("UPDATE work_groups SET lang = ? WHERE chat_id = ?", (effect.lang, chat_id))
        elif isinstance(effect, PlaceWording):
            moved = review.place_wording(db, effect, now)
        elif isinstance(effect, OpenRound):  # an admin in the chat: /round open
            rounds.open_round(db, effect, f"group:{chat_id}", now)
        elif isinstance(effect, CloseRound):
            rounds.close_round(db, effect, f"group:{chat_id}", now)
        elif isinstance(effect, MoveChat):
            _move_chat(db, chat_id, effect.new_chat_id, now)
            chat_id = effect.new_chat_id  # what follows is about the chat under its new id
        out.append(moved)
    return out


def _move_chat(db: sqlite3.Connection, old_chat_id: int, new_chat_id: int, now: str) -> None:
    db.execute(
        "INSERT INTO chat_migrations (old_chat_id, new_chat_id, migrated_at)"
        " VALUES (?, ?, ?) ON CONFLICT (old_chat_id) DO UPDATE"
        " SET new_chat_id = excluded.new_chat_id, migrated_at = excluded.migrated_at",
        (old_chat_id, new_chat_id, now),
    )
    # Today's claim, the history and the binding move with the chat.
    db.execute(
        "UPDATE OR IGNORE summaries SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
    )
    db.execute(
        "UPDATE OR IGNORE work_groups SET chat_id = ? WHERE chat_id = ?",
        (new_chat_id, old_chat_id),
    )


class SqliteGroups(SqliteEngine):
    """Working groups' side of the store (storage.base.WorkingGroups)."""

    async def load_group(self, chat_id: int, dedup_key: str | None = None) -> LoadedGroup:
        rows = await self._query(_LOAD_GROUP, {"key": dedup_key, "chat_id": chat_id})
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
        now = iso(self._clock())
        return await self._write(lambda db: apply_group(db, chat_id, checked, dedup_key, now))

    async def groups(self, city: str) -> list[tuple[int, str]]:
        rows = await self._query(
            "SELECT chat_id, lang FROM work_groups WHERE city = ? ORDER BY chat_id", (city,)
        )
        return [(int(chat_id), lang) for chat_id, lang in rows]

    async def current_chat_id(self, chat_id: int) -> int:
        rows = await self._query(_CURRENT_CHAT, {"chat_id": chat_id})
        return int(rows[0][0])

    async def claim_summary(self, city: str, chat_id: int, day: str) -> bool:
        now = self._clock()
        stale = iso(now - SUMMARY_CLAIM_STALE)

        def run(db: sqlite3.Connection) -> bool:
            return bool(
                db.execute(
                    "INSERT INTO summaries (city, chat_id, day, status, claimed_at)"
                    " VALUES (?, ?, ?, 'sending', ?)"
                    " ON CONFLICT (city, chat_id, day)"
                    " DO UPDATE SET claimed_at = excluded.claimed_at"
                    " WHERE summaries.status = 'sending' AND summaries.claimed_at < ?"
                    " RETURNING 1",
                    (city, chat_id, day, iso(now), stale),
                ).fetchall()
            )

        return await self._write(run)

    async def finish_summary(
        self,
        city: str,
        chat_id: int,
        day: str,
        respondents: int,
        snapshot: Mapping[str, tuple[int, int]],
    ) -> None:
        now = iso(self._clock())
        packed = json.dumps({cid: list(v) for cid, v in snapshot.items()})

        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE summaries SET status = 'sent', sent_at = ?, respondents = ?, snapshot = ?"
                " WHERE city = ? AND chat_id = ? AND day = ?",
                (now, respondents, packed, city, chat_id, day),
            )

        await self._write(run)

    async def release_summary(self, city: str, chat_id: int, day: str) -> None:
        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "DELETE FROM summaries WHERE city = ? AND chat_id = ? AND day = ?"
                " AND status = 'sending'",
                (city, chat_id, day),
            )

        await self._write(run)

    async def previous_summary(self, city: str, chat_id: int, day: str) -> SentSummary | None:
        rows = await self._query(
            "SELECT day, sent_at, respondents, snapshot FROM summaries WHERE city = ?"
            " AND chat_id = ? AND day < ? AND status = 'sent' ORDER BY day DESC LIMIT 1",
            (city, chat_id, day),
        )
        if not rows:
            return None
        sent_day, sent_at, respondents, snapshot = rows[0]
        sent = moment(sent_at)
        assert sent is not None
        positions = {cid: (int(p), int(c)) for cid, (p, c) in json.loads(snapshot).items()}
        return SentSummary(sent_day, sent, respondents, positions)
