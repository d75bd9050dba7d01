"""Answers: every version kept, one current per round, and the ranking counters moved with it."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from flows.rounds import NO_ROUND
from flows.session import Answer
from storage.base import StaleState, VersionConflict
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

# The resident's current answers, if they name anything (an emptied list counts for nobody):
# the one of round $2, or (NULL) of every round.
_CURRENT = f"""
current AS (
    SELECT a.id, a.round_id, a.city, coalesce(a.district, '') AS district, r.source
    FROM answers AS a JOIN residents AS r ON r.id = a.resident_id
    WHERE a.resident_id = $1 AND a.is_current = 1 AND {HAS_ITEMS}
        AND ($2::bigint IS NULL OR a.round_id = $2::bigint)
), per_category AS (
    SELECT c.round_id, c.city, c.district, i.category, count(*) AS n,
        sum({weight("i.rank")}) AS weight
    FROM current AS c JOIN answer_items AS i ON i.answer_id = c.id
    GROUP BY c.round_id, c.city, c.district, i.category
)"""

# One statement per direction (the CTEs all run, on one snapshot). Out: plain UPDATEs (an
# upsert's candidate row would fail the CHECK >= 0 before its conflict is seen). In: per
# category, summed: several "other" items of one answer are several counts, and PostgreSQL
# refuses an upsert that meets the same row twice.
_COUNT_OUT = f"""
WITH {_CURRENT}, sources AS (
    UPDATE tally_sources AS t SET respondents = t.respondents - 1 FROM current AS c
    WHERE t.round_id = c.round_id AND t.city = c.city AND t.source = c.source
), respondents AS (
    UPDATE tally_respondents AS t SET respondents = t.respondents - 1 FROM current AS c
    WHERE t.round_id = c.round_id AND t.city = c.city AND t.district = c.district
)
UPDATE tally_categories AS t SET count = t.count - s.n, score = t.score - s.weight
FROM per_category AS s
WHERE t.round_id = s.round_id AND t.city = s.city AND t.district = s.district
    AND t.category = s.category
"""

_COUNT_IN = f"""
WITH {_CURRENT}, sources AS (
    INSERT INTO tally_sources (round_id, city, source, respondents)
    SELECT round_id, city, source, 1 FROM current WHERE source IS NOT NULL
    ON CONFLICT (round_id, city, source)
    DO UPDATE SET respondents = tally_sources.respondents + 1
), respondents AS (
    INSERT INTO tally_respondents (round_id, city, district, respondents)
    SELECT round_id, city, district, 1 FROM current
    ON CONFLICT (round_id, city, district)
    DO UPDATE SET respondents = tally_respondents.respondents + 1
)
INSERT INTO tally_categories (round_id, city, district, category, count, score)
SELECT round_id, city, district, category, n, weight FROM per_category
ON CONFLICT (round_id, city, district, category) DO UPDATE SET
    count = tally_categories.count + excluded.count,
    score = tally_categories.score + excluded.score
"""

# An answer is taken in the city's open round, or in round 0 when the city never had one.
# FOR SHARE: a close waits until this answer is committed (it was given while the round was
# open), never lands after it in a closed round.
_ROUND_HELD = (
    "SELECT id FROM rounds WHERE city = $1 AND (state = 'open' OR $2::bigint = 0) LIMIT 1 FOR SHARE"
)


async def lock_cities(
    con: asyncpg.Connection, cities: Sequence[str], resident_id: int | None = None
) -> None:
    """Take the counters of `cities` (and of every city the resident ever answered for) for
    the rest of the transaction: before touching any counter, answer or item (see above)."""
    await con.execute(_LOCK_CITIES, list(cities), resident_id)


async def count_current(
    con: asyncpg.Connection, resident_id: int, sign: int, round_id: int | None = None
) -> None:
    """Add (+1) or remove (-1) the resident's current answers in the ranking counters: the one
    of `round_id`, or (None) of every round (the caller holds the lock of their cities)."""
    await con.execute(_COUNT_IN if sign > 0 else _COUNT_OUT, resident_id, round_id)


async def check_round(con: asyncpg.Connection, city: str, round_id: int) -> None:
    """As SQLite's (storage/sqlite/answers.py): the round changed since the load -> StaleState.
    The open round's row stays locked (shared) until the answer is committed."""
    found = await con.fetchval(_ROUND_HELD, city, round_id)
    ok = found is None if round_id == NO_ROUND else found == round_id
    if not ok:
        raise StaleState(f"the survey round of the city changed (the turn said {round_id})")


async def save_answer(con: asyncpg.Connection, resident_id: int, answer: Answer, now: str) -> None:
    """The answer becomes the current one of its round (the previous one stays in history).
    Versions are numbered per resident across rounds: the next is the highest + 1."""
    await check_round(con, answer.city, answer.round)
    latest = await con.fetchval(
        "SELECT max(version) FROM answers WHERE resident_id = $1", resident_id
    )
    expected = (latest or 0) + 1
    if answer.version != expected:
        raise VersionConflict(f"answer version {answer.version} does not follow {expected - 1}")
    await count_current(con, resident_id, -1, answer.round)
    await con.execute(
        "UPDATE answers SET is_current = 0"
        " WHERE resident_id = $1 AND is_current = 1 AND round_id = $2",
        resident_id,
        answer.round,
    )
    answer_id = await con.fetchval(
        "INSERT INTO answers (resident_id, version, is_current, city, district, created_at,"
        " round_id) VALUES ($1, $2, 1, $3, $4, $5, $6) RETURNING id",
        resident_id,
        answer.version,
        answer.city,
        answer.district,
        now,
        answer.round,
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
    await count_current(con, resident_id, +1, answer.round)
