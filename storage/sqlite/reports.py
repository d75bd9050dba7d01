"""Aggregates for rankings, summaries and exports: never a resident identifier."""

from __future__ import annotations

from datetime import datetime

from flows.ranking import Tally
from flows.session import Step
from storage.base import CityStats, ExportRow
from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import HAS_ITEMS, iso, weight

# The counters of a city in ONE statement (respondents rows have no category), so both come
# from the same snapshot: read apart, a commit in between could make a count exceed its
# respondents. And the same from the answers themselves (tests, benchmark).
_TALLIES = """
SELECT district, NULL, respondents, NULL FROM tally_respondents WHERE city = :city
UNION ALL
SELECT district, category, count, score FROM tally_categories WHERE city = :city
"""

_RECOUNT = f"""
SELECT coalesce(district, ''), NULL, count(*), NULL FROM answers AS a
WHERE is_current = 1 AND city = :city AND {HAS_ITEMS}
GROUP BY coalesce(district, '')
UNION ALL
SELECT coalesce(a.district, ''), i.category, count(*), sum({weight("i.rank")})
FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id
WHERE a.is_current = 1 AND a.city = :city GROUP BY coalesce(a.district, ''), i.category
"""


# Steps where a conversation has ended: everyone else with a step is mid-survey.
_ENDED = ", ".join(f"'{step.value}'" for step in (Step.DONE, Step.FORGET))


def stats_sql(city: str, day: str, week: str, errors: str, state_city: str) -> str:
    """`city_stats` for both engines, the placeholders given (SQLite :name, PostgreSQL $n) and
    how each reads the conversation's city from `state` (a resident mid-survey has no answer
    yet, so `residents.city` is still empty): rows of (kind, channel or error code, count) in
    one statement, so every figure comes from one snapshot."""
    answers = (
        "SELECT '{kind}' AS kind, r.channel AS key, count(*) AS n FROM answers AS a"
        " JOIN residents AS r ON r.id = a.resident_id"
        f" WHERE a.is_current = 1 AND a.city = {city} AND {HAS_ITEMS}{{since}}"
        " GROUP BY r.channel"
    )
    return "\nUNION ALL\n".join(
        (
            answers.format(kind="total", since=""),
            answers.format(kind="week", since=f" AND a.created_at >= {week}"),
            answers.format(kind="today", since=f" AND a.created_at >= {day}"),
            "SELECT 'mid', channel, count(*) FROM residents"
            f" WHERE coalesce({state_city}, city) = {city}"
            f" AND step IS NOT NULL AND step NOT IN ({_ENDED})"
            " GROUP BY channel",
            "SELECT 'subscribers', channel, count(*) FROM residents"
            f" WHERE city = {city} AND subscribed = 1 GROUP BY channel",
            "SELECT 'error', CAST(d.error_code AS TEXT), count(*) FROM deliveries AS d"
            " JOIN residents AS r ON r.id = d.resident_id"
            f" WHERE coalesce({state_city}, r.city) = {city}"
            f" AND d.error_code IS NOT NULL AND d.updated_at >= {errors}"
            " GROUP BY d.error_code",
        )
    )


def stats_from_rows(rows: list[tuple[str, str, int]]) -> CityStats:
    """The rows of `stats_sql` as figures."""
    by_kind: dict[str, dict[str, int]] = {}
    for kind, key, n in rows:
        by_kind.setdefault(kind, {})[key] = int(n)
    return CityStats(
        answers_today=by_kind.get("today", {}),
        answers_week=by_kind.get("week", {}),
        answers_total=by_kind.get("total", {}),
        mid_survey=by_kind.get("mid", {}),
        subscribers=by_kind.get("subscribers", {}),
        delivery_errors=by_kind.get("error", {}),
    )


_STATS = stats_sql(":city", ":day", ":week", ":errors", "json_extract(state, '$.city')")


class SqliteReports(SqliteEngine):
    """Reports' side of the store (storage.base.Reports)."""

    async def tallies(self, city: str, recount: bool = False) -> dict[str, Tally]:
        rows = await self._query(_RECOUNT if recount else _TALLIES, {"city": city})
        people = [(district, n) for district, category, n, _ in rows if category is None]
        counts: dict[str, dict[str, int]] = {}
        scores: dict[str, dict[str, int]] = {}
        for district, category, count, score in rows:
            if category is not None and count:
                counts.setdefault(district, {})[category] = count
                scores.setdefault(district, {})[category] = score
        return {
            district: Tally(n, counts.get(district, {}), scores.get(district, {}))
            for district, n in people
            if n
        }

    async def export_rows(self, city: str) -> list[ExportRow]:
        rows = await self._query(
            "SELECT a.district, i.rank, i.category, i.text, substr(a.created_at, 1, 10)"
            " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
            " WHERE a.is_current = 1 AND a.city = ? ORDER BY a.created_at, a.id, i.rank",
            (city,),
        )
        return [ExportRow(*row) for row in rows]

    async def source_counts(self, city: str, recount: bool = False) -> dict[str, int]:
        """Residents with a current (non-empty) answer in the city, per link source tag: from
        the counters (or, `recount`, from the answers: tests, benchmark)."""
        sql = (
            "SELECT r.source, count(*) FROM residents AS r"
            " JOIN answers AS a ON a.resident_id = r.id AND a.is_current = 1"
            f" WHERE a.city = ? AND r.source IS NOT NULL AND {HAS_ITEMS}"
            " GROUP BY r.source ORDER BY count(*) DESC, r.source"
            if recount
            else "SELECT source, respondents FROM tally_sources WHERE city = ? AND respondents > 0"
            " ORDER BY respondents DESC, source"
        )
        rows = await self._query(sql, (city,))
        return {source: int(n) for source, n in rows}

    async def changed_since(self, city: str, since: datetime) -> int:
        rows = await self._query(
            "SELECT count(*) FROM answers WHERE city = ? AND created_at > ?", (city, iso(since))
        )
        return int(rows[0][0])

    async def city_stats(
        self, city: str, since_day: datetime, since_week: datetime, errors_since: datetime
    ) -> CityStats:
        params = {
            "city": city,
            "day": iso(since_day),
            "week": iso(since_week),
            "errors": iso(errors_since),
        }
        return stats_from_rows(await self._query(_STATS, params))
