"""Answers: every version kept, one current, and the ranking counters moved with it."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from flows.session import Answer
from storage.base import VersionConflict
from storage.sqlite.sql import HAS_ITEMS, weight

# The counters of a city are rows many transactions touch (every answer in a district moves
# the same respondents row). PostgreSQL runs those transactions at once, and two that take
# the rows in opposite orders (one moves an answer from district A to B, the other from B to
# A; or a review moves items while a resident changes their list) deadlock. So whoever moves
# a city's counters first takes the city's advisory lock, every city of the transaction at
# once and in one order: counters of one city change one transaction at a time, as in
# SQLite, and never in a cycle. Held until the transaction ends.
_LOCK_CITIES = """
SELECT pg_advisory_xact_lock(k) FROM (
    SELECT DISTINCT hashtextextended('citybot.tallies:' || c, 0) AS k FROM (
        SELECT unnest($1::text[]) AS c
        UNION SELECT city FROM answers WHERE resident_id = $2
    ) AS cities
) AS keys ORDER BY k
"""

# The resident's current answer, if it names anything (an emptied list counts for nobody).
_CURRENT = f"""
current AS (
    SELECT a.id, a.city, coalesce(a.district, '') AS district, r.source
    FROM answers AS a JOIN residents AS r ON r.id = a.resident_id
    WHERE a.resident_id = $1 AND a.is_current = 1 AND {HAS_ITEMS}
), per_category AS (
    SELECT c.city, c.district, i.category, count(*) AS n, sum({weight("i.rank")}) AS weight
    FROM current AS c JOIN answer_items AS i ON i.answer_id = c.id
    GROUP BY c.city, c.district, i.category
)"""

# One statement per direction (the CTEs all run, on one snapshot). Out: plain UPDATEs (an
# upsert's candidate row would fail the CHECK >= 0 before its conflict is seen). In: per
# category, summed: several "other" items of one answer are several counts, and PostgreSQL
# refuses an upsert that meets the same row twice.
_COUNT_OUT = f"""
WITH {_CURRENT}, sources AS (
    UPDATE tally_sources AS t SET respondents = t.respondents - 1 FROM current AS c
    WHERE t.city = c.city AND t.source = c.source
), respondents AS (
    UPDATE tally_respondents AS t SET respondents = t.respondents - 1 FROM current AS c
    WHERE t.city = c.city AND t.district = c.district
)
UPDATE tally_categories AS t SET count = t.count - s.n, score = t.score - s.weight
FROM per_category AS s
WHERE t.city = s.city AND t.district = s.district AND t.category = s.category
"""

_COUNT_IN = f"""
WITH {_CURRENT}, sources AS (
    INSERT INTO tally_sources (city, source, respondents)
    SELECT city, source, 1 FROM current WHERE source IS NOT NULL
    ON CONFLICT (city, source) DO UPDATE SET respondents = tally_sources.respondents + 1
), respondents AS (
    INSERT INTO tally_respondents (city, district, respondents)
    SELECT city, district, 1 FROM current
    ON CONFLICT (city, district) DO UPDATE SET respondents = tally_respondents.respondents + 1
)
INSERT INTO tally_categories (city, district, category, count, score)
SELECT city, district, category, n, weight FROM per_category
ON CONFLICT (city, district, category) DO UPDATE SET
    count = tally_categories.count + excluded.count,
    score = tally_categories.score + excluded.score
"""


async def lock_cities(
    con: asyncpg.Connection, cities: Sequence[str], resident_id: int | None = None
) -> None:
    """Take the counters of `cities` (and of every city the resident ever answered for) for
    the rest of the transaction: before touching any counter, answer or item (see above)."""
    await con.execute(_LOCK_CITIES, list(cities), resident_id)


async def count_current(con: asyncpg.Connection, resident_id: int, sign: int) -> None:
    """Add (+1) or remove (-1) the resident's current answer in the ranking counters (the
    caller holds the lock of its city)."""
    await con.execute(_COUNT_IN if sign > 0 else _COUNT_OUT, resident_id)


async def save_answer(con: asyncpg.Connection, resident_id: int, answer: Answer, now: str) -> None:
    """The answer becomes the current version (the previous one stays in history)."""
    await count_current(con, resident_id, -1)
    previous = await con.fetchval(
        "UPDATE answers SET is_current = 0 WHERE resident_id = $1 AND is_current = 1"
        " RETURNING version",
        resident_id,
    )
    expected = previous + 1 if previous is not None else 1
    if answer.version != expected:
        raise VersionConflict(f"answer version {answer.version} does not follow {expected - 1}")
    answer_id = await con.fetchval(
        "INSERT INTO answers (resident_id, version, is_current, city, district, created_at)"
        " VALUES ($1, $2, 1, $3, $4, $5) RETURNING id",
        resident_id,
        answer.version,
        answer.city,
        answer.district,
        now,
    )
    if answer.items:
        await con.executemany(
            "INSERT INTO answer_items (answer_id, rank, category, text) VALUES ($1, $2, $3, $4)",
            [(answer_id, rank, i.category, i.text) for rank, i in enumerate(answer.items, 1)],
        )
    await con.execute(
        "UPDATE residents SET city = $1, district = $2 WHERE id = $3",
        answer.city,
        answer.district,
        resident_id,
    )
    await count_current(con, resident_id, +1)
