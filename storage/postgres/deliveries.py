"""WhatsApp's outbound messages on PostgreSQL, as Twilio reports them, and template SIDs."""

from __future__ import annotations

import json

from storage.base import Delivery, ResidentRef
from storage.postgres.engine import PostgresEngine
from storage.records import STATUS_ORDER
from storage.sqlite.sql import moment

_STATUS_ORDER = json.dumps(STATUS_ORDER)

# Nothing for a resident who does not exist (any more): the row would name them. Two
# processes noting the same message keep the first row.
_RECORD = """
INSERT INTO deliveries (resident_id, message_id, status, error_code, created_at, updated_at)
SELECT id, $1, $2, $3, $4, $4 FROM residents WHERE channel = $5 AND external_id = $6
FOR KEY SHARE  -- a resident forgotten meanwhile: nothing stored, not a foreign-key error
ON CONFLICT (message_id) DO NOTHING
"""

# Callbacks may arrive out of order, and at different instances at once: the "never back"
# check is in the UPDATE's WHERE, so it is re-checked against the row a concurrent callback
# just wrote (READ COMMITTED re-evaluates it after the row lock), not a status read earlier.
_UPDATE = """
WITH target AS (
    SELECT d.id, r.channel, r.external_id FROM deliveries AS d
    JOIN residents AS r ON r.id = d.resident_id WHERE d.message_id = $1
), moved AS (
    UPDATE deliveries AS d SET status = $2, error_code = coalesce($3, d.error_code),
        updated_at = $4
    FROM target WHERE d.id = target.id
        AND $5 >= coalesce(($6::jsonb ->> d.status)::integer, 0)
)
SELECT channel, external_id FROM target
"""


class PostgresDeliveries(PostgresEngine):
    """Deliveries' side of the store (storage.base.Deliveries)."""

    async def record_delivery(
        self,
        who: ResidentRef,
        message_id: str | None,
        status: str,
        error_code: int | None = None,
    ) -> None:
        await self._fetch(
            _RECORD,
            message_id,
            status,
            error_code,
            self._now(),
            who.channel,
            who.external_id,
        )

    async def update_delivery(
        self, message_id: str, status: str, error_code: int | None = None
    ) -> ResidentRef | None:
        rank = STATUS_ORDER.get(status, 0)
        rows = await self._fetch(
            _UPDATE, message_id, status, error_code, self._now(), rank, _STATUS_ORDER
        )
        if not rows:
            return None
        channel, external_id = rows[0]
        return ResidentRef(channel, external_id)

    async def deliveries(self, who: ResidentRef) -> list[Delivery]:
        rows = await self._fetch(
            "SELECT d.message_id, d.status, d.error_code, d.created_at, d.updated_at"
            " FROM deliveries AS d JOIN residents AS r ON r.id = d.resident_id"
            " WHERE r.channel = $1 AND r.external_id = $2 ORDER BY d.id",
            who.channel,
            who.external_id,
        )
        out = []
        for message_id, status, code, created, updated in rows:
            created_at, updated_at = moment(created), moment(updated)
            assert created_at is not None and updated_at is not None
            out.append(Delivery(message_id, status, code, created_at, updated_at))
        return out

    async def content_sid(self, key: str) -> str | None:
        """A WhatsApp interactive template created earlier for this shape."""
        rows = await self._fetch("SELECT sid FROM whatsapp_content WHERE key = $1", key)
        return rows[0][0] if rows else None

    async def remember_content(self, key: str, sid: str) -> None:
        # Two processes may create the same template at once: the first SID is kept.
        await self._fetch(
            "INSERT INTO whatsapp_content (key, sid, created_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (key) DO NOTHING",
            key,
            sid,
            self._now(),
        )
