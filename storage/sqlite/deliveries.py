"""WhatsApp's outbound messages as Twilio reports them, and its interactive templates' SIDs."""

from __future__ import annotations

import sqlite3

from storage.base import Delivery, ResidentRef
from storage.records import STATUS_ORDER
from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import iso, moment


class SqliteDeliveries(SqliteEngine):
    """Deliveries' side of the store (storage.base.Deliveries)."""

    async def record_delivery(
        self,
        who: ResidentRef,
        message_id: str | None,
        status: str,
        error_code: int | None = None,
    ) -> None:
        now = iso(self._clock())

        def run(db: sqlite3.Connection) -> None:
            # Nothing for a resident who does not exist (any more): the row would name them.
            db.execute(
                "INSERT INTO deliveries"
                " (resident_id, message_id, status, error_code, created_at, updated_at)"
                " SELECT id, ?, ?, ?, ?, ? FROM residents WHERE channel = ? AND external_id = ?"
                " ON CONFLICT (message_id) DO NOTHING",
                (message_id, status, error_code, now, now, who.channel, who.external_id),
            )

        await self._write(run)

    async def update_delivery(
        self, message_id: str, status: str, error_code: int | None = None
    ) -> ResidentRef | None:
        now = iso(self._clock())

        def run(db: sqlite3.Connection) -> ResidentRef | None:
            rows = db.execute(
                "SELECT d.id, d.status, r.channel, r.external_id FROM deliveries AS d"
                " JOIN residents AS r ON r.id = d.resident_id WHERE d.message_id = ?",
                (message_id,),
            ).fetchall()
            if not rows:
                return None
            row_id, old, channel, external_id = rows[0]
            # Callbacks may arrive out of order: a late one never moves a message back.
            if STATUS_ORDER.get(status, 0) >= STATUS_ORDER.get(old, 0):
                db.execute(
                    "UPDATE deliveries SET status = ?, error_code = coalesce(?, error_code),"
                    " updated_at = ? WHERE id = ?",
                    (status, error_code, now, row_id),
                )
            return ResidentRef(channel, external_id)

        return await self._write(run)

    async def deliveries(self, who: ResidentRef) -> list[Delivery]:
        rows = await self._query(
            "SELECT d.message_id, d.status, d.error_code, d.created_at, d.updated_at"
            " FROM deliveries AS d JOIN residents AS r ON r.id = d.resident_id"
            " WHERE r.channel = ? AND r.external_id = ? ORDER BY d.id",
            (who.channel, who.external_id),
        )
        out = []
        for message_id, status, code, created, updated in rows:
            created_at, updated_at = moment(created), moment(updated)
            assert created_at is not None and updated_at is not None
            out.append(Delivery(message_id, status, code, created_at, updated_at))
        return out

    async def content_sid(self, key: str) -> str | None:
        """A WhatsApp interactive template created earlier for this shape."""
        rows = await self._query("SELECT sid FROM whatsapp_content WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    async def remember_content(self, key: str, sid: str) -> None:
        now = iso(self._clock())

        def run(db: sqlite3.Connection) -> None:
            # Two processes may create the same template at once: the first SID is kept.
            db.execute(
                "INSERT INTO whatsapp_content (key, sid, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO NOTHING",
                (key, sid, now),
            )

        await self._write(run)
