"""SQL shared by the areas: domain rules as SQL, shared statements, times as stored."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from flows.catalogue import OTHER
from flows.session import MAX_PROBLEMS
from storage.base import DuplicateUpdate

__all__ = ["OTHER", "current_round", "iso", "moment", "record_key", "weight"]


def weight(rank: str = "rank") -> str:
    """A rank's weight in the ranking scores, as an SQL expression over `rank` (a column or a
    parameter): the first of MAX_PROBLEMS weighs MAX_PROBLEMS, the last weighs 1."""
    return f"({MAX_PROBLEMS + 1} - {rank})"


# The items of answer `a` as one JSON array of [rank, category, text] (one row per answer).
ITEMS_JSON = (
    "(SELECT json_group_array(json_array(i.rank, i.category, i.text))"
    " FROM answer_items AS i WHERE i.answer_id = a.id)"
)

# Answer `a` names something: an emptied list is stored but counts for nobody.
HAS_ITEMS = "EXISTS (SELECT 1 FROM answer_items WHERE answer_id = a.id)"

# The version of what review taught the matchers (storage/migrations.py: meta).
LEARNED_VERSION = "(SELECT value FROM meta WHERE key = 'learned')"


# Every round, as one JSON array of rows in ROUND_COLUMNS' order (storage.rounds reads them):
# the table holds a few rows per city and budget cycle.
ROUNDS_JSON = (
    "(SELECT json_group_array(json_array(x.id, x.city, x.title_ru, x.title_ky, x.starts_on,"
    " x.ends_on, x.state, x.opened_at, x.closed_at, x.starts_at)) FROM rounds AS x)"
)


def current_round(city: str, now: str) -> str:
    """The round a city's reports default to, as an SQL expression over the parameters `city`
    and `now`: its latest round that has begun (open, or closed since), else 0 (it never had
    one). A round opened for days ahead is not current before its first day: until then the
    previous round's results stay. The same text on both engines."""
    return f"coalesce((SELECT max(id) FROM rounds WHERE city = {city} AND starts_at <= {now}), 0)"


def iso(value: datetime) -> str:
    """A time as stored: fixed-width UTC text sorts like time, so "older than" is a plain
    string comparison."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime from clock: {value!r}; return an aware UTC time")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def moment(text: str | None) -> datetime | None:
    """A stored time back as an aware UTC datetime."""
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def record_key(db: sqlite3.Connection, key: str | None, now: str) -> None:
    """Note a delivery's dedup key in the caller's savepoint; a key seen before is a
    redelivery (nothing of it may be applied twice)."""
    if key is None:
        return
    try:
        db.execute("INSERT INTO processed_updates (key, processed_at) VALUES (?, ?)", (key, now))
    except sqlite3.IntegrityError:
        raise DuplicateUpdate(f"update {key!r} was already committed") from None
