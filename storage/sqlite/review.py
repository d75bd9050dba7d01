"""Residents' own words under review: what waits, what review placed and learned, and why."""

from __future__ import annotations

import json
import sqlite3

from flows.effects import AcceptTheme, PlaceWording
from flows.text import mask_phones, normalise
from storage.base import UnplacedItem
from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import LEARNED_VERSION, OTHER, weight


def place_wording(db: sqlite3.Connection, effect: PlaceWording, now: str) -> int:
    """Move the still-current, unduplicated `other` items that said the wording into the
    category (counters follow), audit it, learn it; returns how many items moved.

    Category `other` ("keep as own words") moves nothing and is learned as such. Every answer
    that said it is linked to the wording (learned_sources), so a Forget can tell whether
    anyone else still supports it."""
    city, wording, category = effect.city, effect.wording, effect.category
    moved = 0
    for answer_id, rank in effect.items:
        found = db.execute(
            "SELECT coalesce(a.district, ''), a.round_id FROM answers AS a"
            " JOIN answer_items AS i ON i.answer_id = a.id"
            " WHERE a.id = ? AND a.city = ? AND i.rank = ? AND i.text IS NOT NULL",
            (answer_id, city, rank),
        ).fetchall()
        if not found:
            continue  # the answer is gone (forgotten) or never said anything there
        db.execute(
            "INSERT OR IGNORE INTO learned_sources (city, wording, answer_id) VALUES (?, ?, ?)",
            (city, wording, answer_id),
        )
        if category != OTHER and _movable(db, answer_id, rank, category):
            district, round_id = found[0]
            _move(db, (round_id, city, district), answer_id, rank, category)
            moved += 1
    db.execute(
        "INSERT INTO reviews (city, wording, category, reviewer, items, reviewed_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (city, wording, category, effect.reviewer, moved, now),
    )
    db.execute(
        "INSERT INTO learned_wordings (city, wording, category, learned_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (city, wording) DO UPDATE"
        " SET category = excluded.category, learned_at = excluded.learned_at",
        (city, wording, category, now),
    )
    bump_learned(db)
    return moved


def _movable(db: sqlite3.Connection, answer_id: int, rank: int, category: str) -> bool:
    """Only a current answer's item still in `other`, and never into a category the answer
    already names (a resident never gets a duplicate category)."""
    return bool(
        db.execute(
            "SELECT 1 FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
            " WHERE a.id = ? AND a.is_current = 1 AND i.rank = ? AND i.category = ?"
            " AND NOT EXISTS (SELECT 1 FROM answer_items WHERE answer_id = a.id AND category = ?)",
            (answer_id, rank, OTHER, category),
        ).fetchall()
    )


def _move(
    db: sqlite3.Connection,
    place: tuple[int, str, str],
    answer_id: int,
    rank: int,
    category: str,
) -> None:
    """The item and its counts (in the answer's round, city and district: `place`)."""
    db.execute(
        "UPDATE answer_items SET category = ? WHERE answer_id = ? AND rank = ?",
        (category, answer_id, rank),
    )
    db.execute(
        f"UPDATE tally_categories SET count = count - 1, score = score - {weight('?')}"
        " WHERE round_id = ? AND city = ? AND district = ? AND category = ?",
        (rank, *place, OTHER),
    )
    db.execute(
        "INSERT INTO tally_categories (round_id, city, district, category, count, score)"
        f" VALUES (?, ?, ?, ?, 1, {weight('?')}) ON CONFLICT (round_id, city, district, category)"
        " DO UPDATE SET count = count + 1, score = score + excluded.score",
        (*place, category, rank),
    )


def accept_theme(db: sqlite3.Connection, effect: AcceptTheme, now: str) -> int | bool:
    """Store the city's new category and place every wording of the theme into it (as review
    does: items move, counters follow, each wording is learned); the number of items moved,
    or False when the city already has a stored category with that id (nothing changes)."""
    city, category = effect.city, effect.category_id
    added = db.execute(
        "INSERT INTO city_categories (city, id, ru, ky, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (city, id) DO NOTHING RETURNING 1",
        (city, category, effect.ru, effect.ky, now),
    ).fetchall()
    if not added:
        return False
    rows = db.execute(
        "SELECT i.answer_id, i.rank, i.text FROM answers AS a"
        " JOIN answer_items AS i ON i.answer_id = a.id WHERE a.is_current = 1 AND a.city = ?"
        " AND i.category = ? AND i.text IS NOT NULL ORDER BY a.id, i.rank",
        (city, OTHER),
    ).fetchall()
    moved = 0
    for wording, items in theme_items(effect.wordings, rows).items():
        moved += place_wording(db, PlaceWording(city, wording, category, 0, items), now)
    bump_learned(db)  # a theme whose answers all went since still shows the category
    return moved


def theme_items(
    wordings: tuple[str, ...], rows: list[tuple[int, int, str]]
) -> dict[str, tuple[tuple[int, int], ...]]:
    """wording -> (answer id, rank) of the items that say it, normalised as review does."""
    wanted = set(wordings)
    found: dict[str, list[tuple[int, int]]] = {w: [] for w in wordings}
    for answer_id, rank, text in rows:
        key = normalise(mask_phones(text))
        if key in wanted:
            found[key].append((answer_id, rank))
    return {w: tuple(items) for w, items in found.items()}


def sources_of(db: sqlite3.Connection, resident_id: int) -> list[tuple[str, str]]:
    """The (city, wording) pairs review learned from this resident's answers."""
    return db.execute(
        "SELECT DISTINCT s.city, s.wording FROM learned_sources AS s"
        " JOIN answers AS a ON a.id = s.answer_id WHERE a.resident_id = ?",
        (resident_id,),
    ).fetchall()


def drop_unsupported(db: sqlite3.Connection, words: list[tuple[str, str]]) -> None:
    """After a Forget: learned wordings and review rows no remaining answer supports go (they
    were that resident's words alone); those others typed too stay (their words as well)."""
    dropped = 0
    for city, wording in words:
        if db.execute(
            "SELECT 1 FROM learned_sources WHERE city = ? AND wording = ? LIMIT 1",
            (city, wording),
        ).fetchall():
            continue
        db.execute("DELETE FROM reviews WHERE city = ? AND wording = ?", (city, wording))
        gone = db.execute(
            "DELETE FROM learned_wordings WHERE city = ? AND wording = ? RETURNING 1",
            (city, wording),
        ).fetchall()
        dropped += len(gone)
    if dropped:
        bump_learned(db)


def bump_learned(db: sqlite3.Connection) -> None:
    """learned_wordings changed: every process's matchers are to be rebuilt."""
    db.execute("UPDATE meta SET value = value + 1 WHERE key = 'learned'")


class SqliteReview(SqliteEngine):
    """Review's side of the store (storage.base.Reviews); placing is a group effect."""

    async def unplaced(self, city: str, round_id: int | None = None) -> list[UnplacedItem]:
        # With the categories the same answer names (it cannot take one of them twice).
        in_round = "" if round_id is None else " AND a.round_id = :round"
        rows = await self._query(
            "SELECT i.answer_id, i.rank, i.text, (SELECT json_group_array(o.category)"
            "  FROM answer_items AS o WHERE o.answer_id = a.id AND o.category != :other)"
            " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
            " WHERE a.is_current = 1 AND a.city = :city AND i.category = :other"
            f" AND i.text IS NOT NULL{in_round} ORDER BY a.id, i.rank",
            {"city": city, "other": OTHER, "round": round_id},
        )
        return [
            UnplacedItem(answer_id, rank, text, tuple(sorted(json.loads(named))))
            for answer_id, rank, text, named in rows
        ]

    async def learned(self) -> dict[str, dict[str, str]]:
        rows = await self._query("SELECT city, wording, category FROM learned_wordings")
        out: dict[str, dict[str, str]] = {}
        for city, wording, category in rows:
            out.setdefault(city, {})[wording] = category
        return out

    async def city_categories(self) -> dict[str, list[tuple[str, str, str]]]:
        rows = await self._query(
            "SELECT city, id, ru, ky FROM city_categories ORDER BY city, created_at, id"
        )
        out: dict[str, list[tuple[str, str, str]]] = {}
        for city, cid, ru, ky in rows:
            out.setdefault(city, []).append((cid, ru, ky))
        return out

    async def learned_version(self) -> int:
        rows = await self._query(f"SELECT {LEARNED_VERSION}")
        return int(rows[0][0] or 0)
