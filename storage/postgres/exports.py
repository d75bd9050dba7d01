"""The council's export as a stream (storage.base.Exports): one snapshot, a server cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from storage.base import ExportItem, StoreUnavailable
from storage.postgres.engine import UNAVAILABLE, PostgresEngine
from storage.sqlite.exports import BATCH
from storage.sqlite.sql import current_round

# One round's answers, the city's current one by default (as every report reads them).
_SELECT = (
    "SELECT a.district, i.rank, i.category, i.text, a.created_at"
    " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
    " WHERE a.is_current = 1 AND a.city = $1"
    f" AND a.round_id = coalesce($2::bigint, {current_round('$1', '$3')})"
    " ORDER BY a.created_at, a.id, i.rank"
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
