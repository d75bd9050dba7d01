"""The council's export as a stream (storage.base.Exports): one snapshot, a server cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from storage.base import ExportItem, HourCount, StoreUnavailable
from storage.postgres.engine import UNAVAILABLE, PostgresEngine
from storage.sqlite.exports import BATCH, hour_count
from storage.sqlite.sql import current_round

# One round's answers, the city's current one by default (as every report reads them).
_SELECT = (
    "SELECT a.district, i.rank, i.category, i.text, a.created_at"
    " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
    " WHERE a.is_current = 1 AND a.city = $1"
    f" AND a.round_id = coalesce($2::bigint, {current_round('$1', '$3')})"
    " ORDER BY a.created_at, a.id, i.rank"
)

# As SQLite's: per hour (the first 13 characters of the stored UTC text) and category.
_HOURS = (
    "SELECT substr(a.created_at, 1, 13) AS hour, i.category, count(*)::int,"
    " (count(*) FILTER (WHERE i.rank = 1))::int"
    " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
    " WHERE a.is_current = 1 AND a.city = $1"
    f" AND a.round_id = coalesce($2::bigint, {current_round('$1', '$3')})"
    " GROUP BY hour, i.category ORDER BY hour, i.category"
)


class PostgresExports(PostgresEngine):
    """Exports' side of the store: a read-only REPEATABLE READ transaction (one snapshot for
    the whole file while residents keep answering) and a server-side cursor fetched in
    batches, so neither the server's reply nor this process holds every row at once. The
    stream keeps one pooled connection until it ends."""

    async def export_stream(
        self, city: str, round_id: int | None = None
    ) -> AsyncIterator[list[ExportItem]]:
        pool = self._require()
        try:
            async with (
                pool.acquire() as con,
                con.transaction(isolation="repeatable_read", readonly=True),
            ):
                cursor = await con.cursor(_SELECT, city, round_id, self._now())
                while rows := await cursor.fetch(BATCH):
                    yield [
                        ExportItem(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4]))
                        for r in rows
                    ]
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"PostgreSQL is unavailable: {exc}") from exc

    async def answer_hours(self, city: str, round_id: int | None = None) -> list[HourCount]:
        rows = await self._fetch(_HOURS, city, round_id, self._now())
        return [hour_count(r[0], r[1], r[2], r[3]) for r in rows]
