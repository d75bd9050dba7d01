"""Residents' own words under review on PostgreSQL: what waits, what review placed and learned."""

from __future__ import annotations

import asyncpg

from flows.effects import AcceptTheme, PlaceWording
from storage.base import UnplacedItem
from storage.postgres import answers
from storage.postgres.engine import PostgresEngine
from storage.sqlite.review import theme_items
from storage.sqlite.sql import LEARNED_VERSION, OTHER, weight

# The item said something, in an answer of the city: its district and round for the counters.
_FOUND = """
SELECT coalesce(a.district, '') AS district, a.round_id
FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id
WHERE a.id = $1 AND a.city = $2 AND i.rank = $3 AND i.text IS NOT NULL
"""

# Only a current answer's item still in `other`, and never into a category the answer already
# names (a resident never gets a duplicate category): moved, or nothing.
_MOVE_ITEM = """
UPDATE answer_items AS i SET category = $3
FROM answers AS a
WHERE a.id = i.answer_id AND i.answer_id = $1 AND i.rank = $2 AND a.is_current = 1
    AND i.category = $4
    AND NOT EXISTS (SELECT 1 FROM answer_items WHERE answer_id = $1 AND category = $3)
RETURNING 1
"""

_MOVE_COUNTS = f"""
WITH other_out AS (
    UPDATE tally_categories SET count = count - 1, score = score - {weight("$4::smallint")}
    WHERE round_id = $6 AND city = $1 AND district = $2 AND category = $5
)
INSERT INTO tally_categories (round_id, city, district, category, count, score)
VALUES ($6, $1, $2, $3, 1, {weight("$4::smallint")})
ON CONFLICT (round_id, city, district, category) DO UPDATE SET
    count = tally_categories.count + 1, score = tally_categories.score + excluded.score
"""


async def place_wording(con: asyncpg.Connection, effect: PlaceWording, now: str) -> int:
    """Move the still-current, unduplicated `other` items that said the wording into the
    category (counters follow), audit it, learn it; returns how many items moved.

    Category `other` ("keep as own words") moves nothing and is learned as such. Every answer
    that said it is linked to the wording (learned_sources), so a Forget can tell whether
    anyone else still supports it."""
    city, wording, category = effect.city, effect.wording, effect.category
    # The city's counters, and its answers' items, are this transaction's until it ends: a
    # resident changing or forgetting their list waits (and sees the move), as in SQLite.
    await answers.lock_cities(con, [city])
    moved = 0
    for answer_id, rank in effect.items:
        found = await con.fetchrow(_FOUND, answer_id, city, rank)
        if found is None:
            continue  # the answer is gone (forgotten) or never said anything there
        await con.execute(
            "INSERT INTO learned_sources (city, wording, answer_id) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            city,
            wording,
            answer_id,
        )
        if category != OTHER and await con.fetchval(_MOVE_ITEM, answer_id, rank, category, OTHER):
            district, round_id = found["district"], found["round_id"]
            await con.execute(_MOVE_COUNTS, city, district, category, rank, OTHER, round_id)
            moved += 1
    await con.execute(
        "INSERT INTO reviews (city, wording, category, reviewer, items, reviewed_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        city,
        wording,
        category,
        effect.reviewer,
        moved,
        now,
    )
    await con.execute(
        "INSERT INTO learned_wordings (city, wording, category, learned_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (city, wording) DO UPDATE"
        " SET category = excluded.category, learned_at = excluded.learned_at",
        city,
        wording,
        category,
        now,
    )
    await bump_learned(con)
    return moved


async def accept_theme(con: asyncpg.Connection, effect: AcceptTheme, now: str) -> int | bool:
    """Store the city's new category and place every wording of the theme into it (as review
    does: items move, counters follow, each wording is learned); the number of items moved,
    or False when the city already has a stored category with that id (nothing changes)."""
    city, category = effect.city, effect.category_id
    await answers.lock_cities(con, [city])  # no answer changes between the read and the moves
    added = await con.fetchval(
        "INSERT INTO city_categories (city, id, ru, ky, created_at) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (city, id) DO NOTHING RETURNING 1",
        city,
        category,
        effect.ru,
        effect.ky,
        now,
    )
    if not added:
        return False
    rows = await con.fetch(
        "SELECT i.answer_id, i.rank, i.text FROM answers AS a"
        " JOIN answer_items AS i ON i.answer_id = a.id WHERE a.is_current = 1 AND a.city = $1"
        " AND i.category = $2 AND i.text IS NOT NULL ORDER BY a.id, i.rank",
        city,
        OTHER,
    )
    found = theme_items(effect.wordings, [(r["answer_id"], r["rank"], r["text"]) for r in rows])
    moved = 0
    for wording, items in found.items():
        moved += await place_wording(con, PlaceWording(city, wording, category, 0, items), now)
    await bump_learned(con)  # a theme whose answers all went since still shows the category
    return moved


async def sources_of(con: asyncpg.Connection, resident_id: int) -> list[tuple[str, str]]:
    """The (city, wording) pairs review learned from this resident's answers."""
    rows = await con.fetch(
        "SELECT DISTINCT s.city, s.wording FROM learned_sources AS s"
        " JOIN answers AS a ON a.id = s.answer_id WHERE a.resident_id = $1",
        resident_id,
    )
    return [(r["city"], r["wording"]) for r in rows]


async def drop_unsupported(con: asyncpg.Connection, words: list[tuple[str, str]]) -> None:
    """After a Forget: learned wordings and review rows no remaining answer supports go (they
    were that resident's words alone); those others typed too stay (their words as well)."""
    if not words:
        return
    # One statement for all of them: the pairs no learned source supports any more.
    dropped = await con.fetchval(
        "WITH gone AS (SELECT w.city, w.wording FROM unnest($1::text[], $2::text[])"
        "  AS w (city, wording) WHERE NOT EXISTS (SELECT 1 FROM learned_sources AS s"
        "  WHERE s.city = w.city AND s.wording = w.wording)),"
        " reviews_gone AS (DELETE FROM reviews AS r USING gone"
        "  WHERE r.city = gone.city AND r.wording = gone.wording),"
        " learned_gone AS (DELETE FROM learned_wordings AS l USING gone"
        "  WHERE l.city = gone.city AND l.wording = gone.wording RETURNING 1)"
        " SELECT count(*) FROM learned_gone",
        [city for city, _ in words],
        [wording for _, wording in words],
    )
    if dropped:
        await bump_learned(con)


async def bump_learned(con: asyncpg.Connection) -> None:
    """learned_wordings changed: every process's matchers are to be rebuilt."""
    await con.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'learned'")


class PostgresReview(PostgresEngine):
    """Review's side of the store (storage.base.Reviews); placing is a group effect."""

    async def unplaced(self, city: str, round_id: int | None = None) -> list[UnplacedItem]:
        # With the categories the same answer names (it cannot take one of them twice).
        in_round = "" if round_id is None else " AND a.round_id = $3"
        rows = await self._fetch(
            "SELECT i.answer_id, i.rank, i.text, (SELECT coalesce(array_agg(o.category),"
            "  '{}') FROM answer_items AS o WHERE o.answer_id = a.id AND o.category <> $2)"
            "  AS named"
            " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
            " WHERE a.is_current = 1 AND a.city = $1 AND i.category = $2"
            f" AND i.text IS NOT NULL{in_round} ORDER BY a.id, i.rank",
            city,
            OTHER,
            *(() if round_id is None else (round_id,)),
        )
        return [
            UnplacedItem(r["answer_id"], r["rank"], r["text"], tuple(sorted(r["named"])))
            for r in rows
        ]

    async def learned(self) -> dict[str, dict[str, str]]:
        rows = await self._fetch("SELECT city, wording, category FROM learned_wordings")
        out: dict[str, dict[str, str]] = {}
        for city, wording, category in rows:
            out.setdefault(city, {})[wording] = category
        return out

    async def city_categories(self) -> dict[str, list[tuple[str, str, str]]]:
        rows = await self._fetch(
            "SELECT city, id, ru, ky FROM city_categories ORDER BY city, created_at, id"
        )
        out: dict[str, list[tuple[str, str, str]]] = {}
        for city, cid, ru, ky in rows:
            out.setdefault(city, []).append((cid, ru, ky))
        return out

    async def learned_version(self) -> int:
        rows = await self._fetch(f"SELECT {LEARNED_VERSION} AS learned")
        return int(rows[0]["learned"] or 0)
