"""Aggregates for rankings, summaries and exports on PostgreSQL: never a resident identifier."""

from __future__ import annotations

from datetime import datetime

from flows.ranking import Tally
from storage.base import CityStats, ExportRow
from storage.postgres.engine import PostgresEngine
from storage.sqlite.reports import stats_from_rows, stats_sql, tallies_from_rows
from storage.sqlite.sql import HAS_ITEMS, current_round, iso, weight

# The round asked for ($2), or the city's current one ($1: the city, $3: now).
_ROUND = f"coalesce($2::bigint, {current_round('$1', '$3')})"

# The counters of a city in ONE statement (respondents rows have no category), so both come
# from the same snapshot: read apart, a commit in between could make a count exceed its
# respondents. And the same from the answers themselves (tests, benchmark).
_TALLIES = f"""
SELECT district, NULL::text AS category, respondents AS n, NULL::bigint AS score
FROM tally_respondents WHERE round_id = {_ROUND} AND city = $1
UNION ALL
SELECT district, category, count, score FROM tally_categories
WHERE round_id = {_ROUND} AND city = $1
"""

_RECOUNT = f"""
SELECT coalesce(district, '') AS district, NULL::text AS category, count(*) AS n,
    NULL::bigint AS score
FROM answers AS a WHERE is_current = 1 AND city = $1 AND round_id = {_ROUND} AND {HAS_ITEMS}
GROUP BY coalesce(district, '')
UNION ALL
SELECT coalesce(a.district, ''), i.category, count(*), sum({weight("i.rank")})
FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id
WHERE a.is_current = 1 AND a.city = $1 AND a.round_id = {_ROUND}
GROUP BY coalesce(a.district, ''), i.category
"""

_SOURCES = f"""
SELECT source, respondents AS n FROM tally_sources
WHERE round_id = {_ROUND} AND city = $1 AND respondents > 0
ORDER BY respondents DESC, source
"""

_RECOUNT_SOURCES = f"""
SELECT r.source, count(*) AS n FROM residents AS r
JOIN answers AS a ON a.resident_id = r.id AND a.is_current = 1
WHERE a.city = $1 AND a.round_id = {_ROUND} AND r.source IS NOT NULL AND {HAS_ITEMS}
GROUP BY r.source ORDER BY count(*) DESC, r.source
"""

_STATS = stats_sql("$1", "$2", "$3", "$4", "state->>'city'", "$5::bigint", "$6")  # as SQLite's


class PostgresReports(PostgresEngine):
    """Reports' side of the store (storage.base.Reports)."""

    async def tallies(
        self, city: str, recount: bool = False, round_id: int | None = None
    ) -> dict[str, Tally]:
        sql = _RECOUNT if recount else _TALLIES
        return tallies_from_rows(await self._fetch(sql, city, round_id, self._now()))

    async def export_rows(self, city: str, round_id: int | None = None) -> list[ExportRow]:
        rows = await self._fetch(
            "SELECT a.district, i.rank, i.category, i.text, substr(a.created_at, 1, 10)"
            " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
            f" WHERE a.is_current = 1 AND a.city = $1 AND a.round_id = {_ROUND}"
            " ORDER BY a.created_at, a.id, i.rank",
            city,
            round_id,
            self._now(),
        )
        return [ExportRow(*row) for row in rows]

    async def source_counts(
        self, city: str, recount: bool = False, round_id: int | None = None
    ) -> dict[str, int]:
        """Residents with a current (non-empty) answer in the city's round, per link source
        tag: from the counters (or, `recount`, from the answers: tests, benchmark)."""
        sql = _RECOUNT_SOURCES if recount else _SOURCES
        rows = await self._fetch(sql, city, round_id, self._now())
        return {r["source"]: int(r["n"]) for r in rows}

    async def changed_since(self, city: str, since: datetime, round_id: int | None = None) -> int:
        rows = await self._fetch(
            "SELECT count(*) AS n FROM answers"
            f" WHERE city = $1 AND round_id = {_ROUND} AND created_at > $4",
            city,
            round_id,
            self._now(),
            iso(since),
        )
        return int(rows[0]["n"])

    async def city_stats(
        self,
        city: str,
        since_day: datetime,
        since_week: datetime,
        errors_since: datetime,
        round_id: int | None = None,
    ) -> CityStats:
        rows = await self._fetch(
            _STATS,
            city,
            iso(since_day),
            iso(since_week),
            iso(errors_since),
            round_id,
            self._now(),
        )
        return stats_from_rows([(r[0], r[1], r[2]) for r in rows])
