"""Shared builders for the storage tests: store factories per implementation, clock, answers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.session import Answer, Item
from storage.base import Store
from storage.sqlite import SqliteStore

REPO = Path(__file__).resolve().parents[1]

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


# Fixtures for the contract files, which import them as `clock_fixture, store_fixture`: a
# clock, and an open store of every kind on it (`store`).
@pytest.fixture(name="clock")
def clock_fixture() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="store", params=STORE_KINDS)
async def store_fixture(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Store]:
    s = make_store(request.param, tmp_path, clock)
    await s.open()
    try:
        yield s
    finally:
        await s.close()


@contextmanager
def raw(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection from outside the store, as an operator or another process would."""
    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        yield db


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


def own_words(version: int, city: str, text: str, *named: str) -> Answer:
    """An answer naming `named` categories, then the resident's own words (category other)."""
    items = [*(Item(category=c) for c in named), Item(category="other", text=text)]
    return Answer(version=version, city=city, district=None, items=items)


def spawn(code: str, *args: object) -> subprocess.Popen[str]:
    """A real child process running `code` (a store of its own on the same files), with the
    repository importable and text pipes for stdin, stdout and stderr."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
