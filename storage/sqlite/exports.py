"""The council's export as a stream (storage.base.Exports): one snapshot, read in batches."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime

from storage.base import ExportItem, HourCount
from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import current_round, iso

BATCH = 5000  # rows per hop to the thread: ~1 MB of Python objects, a few ms of work

# One round's answers, the city's current one by default (as every report reads them). The
# answers' index (city, round_id, created_at) gives the order: no sort of a million rows.
_SELECT = (
    "SELECT a.district, i.rank, i.category, i.text, a.created_at"
    " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
    " WHERE a.is_current = 1 AND a.city = :city"
    f" AND a.round_id = coalesce(:round, {current_round(':city', ':now')})"
    " ORDER BY a.created_at, a.id, i.rank"
)

# The same answers counted per hour (stored times are fixed-width UTC text: the first 13
# characters are the hour) and category.
_HOURS = (
    "SELECT substr(a.created_at, 1, 13) AS hour, i.category, count(*),"
    " sum(CASE WHEN i.rank = 1 THEN 1 ELSE 0 END)"
    " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
    " WHERE a.is_current = 1 AND a.city = :city"
    f" AND a.round_id = coalesce(:round, {current_round(':city', ':now')})"
    " GROUP BY hour, i.category ORDER BY hour, i.category"
)


def hour_count(hour: str, category: str, items: int, first: int) -> HourCount:
    return HourCount(datetime.fromisoformat(f"{hour}:00:00+00:00"), category, items, first)


class SqliteExports(SqliteEngine):
    """Exports' side of the store. The stream reads on a connection of its own, so the
    store's reader (every resident's load) never waits behind a million rows; one SELECT
    kept open is one WAL snapshot, so the file adds up even while residents keep answering.
    A checkpoint after a Forget waits for it like for any reader (see SqliteEngine)."""

    async def export_stream(
        self, city: str, round_id: int | None = None
    ) -> AsyncIterator[list[ExportItem]]:
        if self._reader is None or self._closing:
            raise RuntimeError("store is not open")
        self.guard.check()  # the file is still the one opened (StoreUnavailable otherwise)
        params = {"city": city, "round": round_id, "now": iso(self._clock())}
        db = await asyncio.to_thread(self._open_stream)
        try:
            cursor = await asyncio.to_thread(db.execute, _SELECT, params)
            while True:
                rows = await asyncio.to_thread(cursor.fetchmany, BATCH)
                if not rows:
                    return
                yield [
                    ExportItem(district, rank, category, text, datetime.fromisoformat(at))
                    for district, rank, category, text, at in rows
                ]
        finally:
            await asyncio.to_thread(db.close)

    async def answer_hours(self, city: str, round_id: int | None = None) -> list[HourCount]:
        params = {"city": city, "round": round_id, "now": iso(self._clock())}
        return [hour_count(*row) for row in await self._query(_HOURS, params)]

    def _open_stream(self) -> sqlite3.Connection:
        # Used by one to_thread call at a time, never concurrently.
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        db.execute("PRAGMA query_only = ON")
        return db
