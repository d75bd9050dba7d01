"""The desk's sign-outs (storage.base.DeskSessions)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import iso, moment


class SqliteDesk(SqliteEngine):
    """Desk sessions' side of the store."""

    async def sign_out(self, user_id: int, at: datetime) -> None:
        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO desk_signouts (user_id, at) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET at = max(at, excluded.at)",
                (user_id, iso(at)),
            )

        await self._write(run)

    async def signed_out_at(self, user_id: int) -> datetime | None:
        rows = await self._query("SELECT at FROM desk_signouts WHERE user_id = ?", (user_id,))
        return moment(rows[0][0]) if rows else None
