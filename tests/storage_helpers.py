"""Shared builders for the storage tests: store factories per implementation, clock, answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows.session import Answer, Item
from storage.base import Store
from storage.sqlite import SqliteStore

# Every implementation the contract suite runs against; PostgreSQL adds "postgres" here.
STORE_KINDS = ["sqlite"]


class FakeClock:
    """A settable clock, so timestamps are exact in assertions."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 5, 1, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_store(kind: str, directory: Path, clock: FakeClock | None = None) -> Store:
    """An unopened store of `kind` whose data lives in (or is named after) `directory`."""
    if kind == "sqlite":
        return SqliteStore(directory / "citybot.db", clock=clock)
    raise ValueError(f"unknown store kind {kind!r}")


def answer(
    version: int,
    city: str = "bishkek",
    district: str | None = "leninsky",
    categories: tuple[str, ...] = ("roads", "water", "air"),
) -> Answer:
    """An answer whose items carry own words on every other rank (and NULL on the rest)."""
    items = [
        Item(category=c, text=f"{c} in {city}, v{version}" if rank % 2 else None)
        for rank, c in enumerate(categories, start=1)
    ]
    return Answer(version=version, city=city, district=district, items=items)
