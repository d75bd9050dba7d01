"""Rows for the vote-farming signals (flows/signals.py): current answers, never an id."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flows.signals import SignalRow, foreign_whatsapp, new_accounts
from flows.text import normalise
from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import HAS_ITEMS, ITEMS_JSON, current_round, iso, moment

# Every current answer of one round of the city (by default the one its reports show: who
# answered in two rounds is a respondent of each) that names something, with when its
# resident first wrote, the channel and the channel's id (read only to compute the flags).
_ROWS = f"""
SELECT r.created_at, a.created_at, r.channel, r.external_id, {ITEMS_JSON}
FROM answers AS a JOIN residents AS r ON r.id = a.resident_id
WHERE a.is_current = 1 AND a.city = :city AND {HAS_ITEMS} AND a.created_at >= :since
    AND a.round_id = coalesce(:round, {current_round(":city", ":now")})
ORDER BY r.created_at, a.id
"""

# Sorts before every stored time: "since the beginning".
EPOCH = ""


def signal_rows_from(records: Sequence[tuple[str, str, str, str, Any]]) -> list[SignalRow]:
    """Stored rows (resident created, answered, channel, external id, items as JSON text or a
    list of [rank, category, text]) as SignalRows: the ids become flags and are dropped. Shared
    by both engines, so the rule is applied to the same figures."""
    telegram = [i for i, record in enumerate(records) if record[2] == "tg"]
    ids: list[int] = []
    for i in telegram:
        external = records[i][3]
        ids.append(int(external) if external.lstrip("-").isdigit() else 0)
    young = dict(zip(telegram, new_accounts(ids), strict=True))
    rows: list[SignalRow] = []
    for i, (created, answered, channel, external, items) in enumerate(records):
        listed = json.loads(items) if isinstance(items, str) else items
        listed = sorted(listed or [], key=lambda item: item[0])
        rows.append(
            SignalRow(
                created_at=_moment(created),
                answered_at=_moment(answered),
                channel=channel,
                categories=tuple(category for _, category, _ in listed),
                words=tuple(normalise(text) for _, _, text in listed if text),
                foreign_number=channel == "wa" and foreign_whatsapp(external),
                new_account=young.get(i, False),
            )
        )
    return rows


def _moment(text: str) -> datetime:
    value = moment(text)
    assert value is not None  # both columns are NOT NULL
    return value


class SqliteSignals(SqliteEngine):
    """Signals' side of the store (storage.base.Signals)."""

    async def signal_rows(
        self, city: str, since: datetime | None = None, round_id: int | None = None
    ) -> list[SignalRow]:
        params = {
            "city": city,
            "since": EPOCH if since is None else iso(since),
            "round": round_id,
            "now": iso(self._clock()),
        }
        records = await self._query(_ROWS, params)
        return signal_rows_from(records)
