"""Aggregates for rankings, summaries and exports: never a resident identifier."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from flows.ranking import Tally
from flows.session import Step
from storage.base import CityStats, ExportRow
from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import HAS_ITEMS, current_round, iso, weight

# The counters of a city in ONE statement (respondents rows have no category), so both come
# from the same snapshot: read apart, a commit in between could make a count exceed its
# respondents. And the same from the answers themselves (tests, benchmark).
# The round asked for, or the city's current one (storage.sqlite.sql.current_round).
_ROUND = f"coalesce(:round, {current_round(':city', ':now')})"

_TALLIES = f"""
SELECT district, NULL, respondents, NULL FROM tally_respondents
WHERE round_id = {_ROUND} AND city = :city
UNION ALL
SELECT district, category, count, score FROM tally_categories
WHERE round_id = {_ROUND} AND city = :city
"""

_RECOUNT = f"""
SELECT coalesce(district, ''), NULL, count(*), NULL FROM answers AS a
WHERE is_current = 1 AND city = :city AND round_id = {_ROUND} AND {HAS_ITEMS}
GROUP BY coalesce(district, '')
UNION ALL
SELECT coalesce(a.district, ''), i.category, count(*), sum({weight("i.rank")})
FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id
WHERE a.is_current = 1 AND a.city = :city AND a.round_id = {_ROUND}
GROUP BY coalesce(a.district, ''), i.category
"""


# Steps where a conversation has ended (or waits for the next survey round): everyone else
# with a step is mid-survey.
_ENDED = ", ".join(f"'{step.value}'" for step in (Step.DONE, Step.FORGET, Step.PAUSED))


def stats_sql(
    city: str, day: str, week: str, errors: str, state_city: str, round_id: str, now: str
) -> str:
    """`city_stats` for both engines, the placeholders given (SQLite :name, PostgreSQL $n) and
    how each reads the conversation's city from `state` (a resident mid-survey has no answer
    yet, so `residents.city` is still empty): rows of (kind, channel or error code, count) in
    one statement, so every figure comes from one snapshot. Answers are the round's
    (`round_id`: a placeholder, NULL for the city's current round at `now`)."""
    in_round = f"coalesce({round_id}, {current_round(city, now)})"
    answers = (
        "SELECT '{kind}' AS kind, r.channel AS key, count(*) AS n FROM answers AS a"
        " JOIN residents AS r ON r.id = a.resident_id"
        f" WHERE a.is_current = 1 AND a.city = {city} AND a.round_id = {in_round}"
        f" AND {HAS_ITEMS}{{since}}"
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
            f" WHERE coalesce(city, {state_city}) = {city} AND subscribed = 1 GROUP BY channel",
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


def tallies_from_rows(rows: Iterable[Sequence[Any]]) -> dict[str, Tally]:
    """The rows of `_TALLIES`/`_RECOUNT` (district, category or NULL for the respondents, count,
    score) as a Tally per district that has respondents; shared by both engines."""
    people: list[tuple[str, int]] = []
    counts: dict[str, dict[str, int]] = {}
    scores: dict[str, dict[str, int]] = {}
    for district, category, count, score in rows:
        if category is None:
            people.append((district, int(count)))
        elif count:
            counts.setdefault(district, {})[category] = int(count)
            scores.setdefault(district, {})[category] = int(score)
    return {
        district: Tally(n, counts.get(district, {}), scores.get(district, {}))
        for district, n in people
        if n
    }


_STATS = stats_sql(
    ":city", ":day", ":week", ":errors", "json_extract(state, '$.city')", ":round", ":now"
)


class SqliteReports(SqliteEngine):
    """Reports' side of the store (storage.base.Reports)."""

    def _now(self) -> str:
        """Now as stored: which rounds have begun (a round opened for days ahead has not)."""
        return iso(self._clock())

    async def tallies(
        self, city: str, recount: bool = False, round_id: int | None = None
    ) -> dict[str, Tally]:
        rows = await self._query(
            _RECOUNT if recount else _TALLIES, {"city": city, "round": round_id, "now": self._now()}
        )
        return tallies_from_rows(rows)

    async def export_rows(self, city: str, round_id: int | None = None) -> list[ExportRow]:
        rows = await self._query(
            "SELECT a.district, i.rank, i.category, i.text, substr(a.created_at, 1, 10)"
            " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
            f" WHERE a.is_current = 1 AND a.city = :city AND a.round_id = {_ROUND}"
            " ORDER BY a.created_at, a.id, i.rank",
            {"city": city, "round": round_id, "now": self._now()},
        )
        return [ExportRow(*row) for row in rows]

    async def source_counts(
        self, city: str, recount: bool = False, round_id: int | None = None
    ) -> dict[str, int]:
        """Residents with a current (non-empty) answer in the city's round, per link source
        tag: from the counters (or, `recount`, from the answers: tests, benchmark)."""
        sql = (
            "SELECT r.source, count(*) FROM residents AS r"
            " JOIN answers AS a ON a.resident_id = r.id AND a.is_current = 1"
            f" WHERE a.city = :city AND a.round_id = {_ROUND}"
            f" AND r.source IS NOT NULL AND {HAS_ITEMS}"
            " GROUP BY r.source ORDER BY count(*) DESC, r.source"
            if recount
            else "SELECT source, respondents FROM tally_sources"
            f" WHERE round_id = {_ROUND} AND city = :city AND respondents > 0"
            " ORDER BY respondents DESC, source"
        )
        rows = await self._query(sql, {"city": city, "round": round_id, "now": self._now()})
        return {source: int(n) for source, n in rows}

    async def changed_since(self, city: str, since: datetime, round_id: int | None = None) -> int:
        rows = await self._query(
            "SELECT count(*) FROM answers"
            f" WHERE city = :city AND round_id = {_ROUND} AND created_at > :since",
            {"city": city, "round": round_id, "since": iso(since), "now": self._now()},
        )
        return int(rows[0][0])

    async def city_stats(
        self,
        city: str,
        since_day: datetime,
        since_week: datetime,
        errors_since: datetime,
        round_id: int | None = None,
    ) -> CityStats:
        params = {
            "city": city,
            "day": iso(since_day),
            "week": iso(since_week),
            "errors": iso(errors_since),
            "round": round_id,
            "now": self._now(),
        }
        return stats_from_rows(await self._query(_STATS, params))
