"""Rows for the vote-farming signals on PostgreSQL (the flags computed as SQLite's)."""

from __future__ import annotations

from datetime import datetime

from flows.signals import SignalRow
from storage.postgres.engine import PostgresEngine
from storage.sqlite.signals import EPOCH, signal_rows_from
from storage.sqlite.sql import HAS_ITEMS, current_round, iso

_ROWS = f"""
SELECT r.created_at AS created, a.created_at AS answered, r.channel, r.external_id,
    (SELECT json_agg(json_build_array(i.rank, i.category, i.text) ORDER BY i.rank)
     FROM answer_items AS i WHERE i.answer_id = a.id) AS items
FROM answers AS a JOIN residents AS r ON r.id = a.resident_id
WHERE a.is_current = 1 AND a.city = $1 AND {HAS_ITEMS} AND a.created_at >= $2
    AND a.round_id = coalesce($3::bigint, {current_round("$1", "$4")})
ORDER BY r.created_at, a.id
"""


class PostgresSignals(PostgresEngine):
    """Signals' side of the store (storage.base.Signals)."""

    async def signal_rows(
        self, city: str, since: datetime | None = None, round_id: int | None = None
    ) -> list[SignalRow]:
        since_text = EPOCH if since is None else iso(since)
        now = iso(self._clock())
        records = await self._fetch(_ROWS, city, since_text, round_id, now)
        return signal_rows_from([tuple(record) for record in records])
