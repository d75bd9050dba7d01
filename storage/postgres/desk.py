"""The desk's sign-outs (storage.base.DeskSessions), as SQLite's."""

from __future__ import annotations

from datetime import datetime

from storage.postgres.engine import PostgresEngine
from storage.sqlite.sql import iso, moment


class PostgresDesk(PostgresEngine):
    """Desk sessions' side of the store."""

    async def sign_out(self, user_id: int, at: datetime) -> None:
        await self._fetch(
            "INSERT INTO desk_signouts (user_id, at) VALUES ($1, $2) ON CONFLICT (user_id)"
            " DO UPDATE SET at = greatest(desk_signouts.at, excluded.at)",
            user_id,
            iso(at),
        )

    async def signed_out_at(self, user_id: int) -> datetime | None:
        rows = await self._fetch("SELECT at FROM desk_signouts WHERE user_id = $1", user_id)
        return moment(rows[0]["at"]) if rows else None
