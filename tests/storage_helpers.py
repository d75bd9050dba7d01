"""Shared builders for the storage tests: store factories per implementation, clock, answers."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from flows.session import Answer, Item
from storage.base import Store
from storage.postgres import PostgresStore
from storage.postgres.migrate import migrate
from storage.sqlite import SqliteStore
from tests.postgres_server import PostgresServer, create_database, drop_database

REPO = Path(__file__).resolve().parents[1]

# Every implementation the contract suite runs against.
STORE_KINDS = ["sqlite", "postgres"]


class FakeClock:
    """A settable clock, so timestamps are exact in assertions."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 5, 1, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_store(
    kind: str, directory: Path, clock: FakeClock | None = None, dsn: str | None = None
) -> Store:
    """An unopened store of `kind` whose data lives in `directory` (SQLite) or in the database
    at `dsn` (PostgreSQL: a fresh one from `fresh_database`)."""
    if kind == "sqlite":
        return SqliteStore(directory / "citybot.db", clock=clock)
    if kind == "postgres":
        if dsn is None:
            raise ValueError("a PostgreSQL store needs its database: fresh_database(server)")
        return PostgresStore(dsn, clock=clock)
    raise ValueError(f"unknown store kind {kind!r}")


# server's data directory -> the name of its migrated template database (one per session).
_TEMPLATES: dict[Path, str] = {}


async def fresh_database(server: PostgresServer) -> str:
    """The DSN of a new database holding the current schema, cloned from a template migrated
    once per session (a file copy instead of running every migration per test)."""
    template = _TEMPLATES.get(server.base_dir)
    if template is None:
        template = f"citybot_template_{uuid.uuid4().hex[:8]}"
        con = await asyncpg.connect(await create_database(server, template))
        try:
            await migrate(con)
        finally:
            await con.close()  # a template is only cloned while nobody is connected to it
        _TEMPLATES[server.base_dir] = template
    return await create_database(server, template=template)


@asynccontextmanager
async def open_store(
    kind: str, directory: Path, clock: FakeClock | None = None, server: PostgresServer | None = None
) -> AsyncIterator[Store]:
    """An open store of `kind` on new, empty data (PostgreSQL: a fresh database on `server`,
    dropped afterwards); closed when the block ends."""
    dsn = None
    if kind == "postgres":
        if server is None:
            raise ValueError("a PostgreSQL store needs the postgres_server fixture")
        dsn = await fresh_database(server)
    store = make_store(kind, directory, clock, dsn)
    try:
        await store.open()
        try:
            yield store
        finally:
            await store.close()
    finally:
        if server is not None and dsn is not None:
            await drop_database(server, dsn.rsplit("/", 1)[1])


def server_for(kind: str, request: pytest.FixtureRequest) -> PostgresServer | None:
    """The session's PostgreSQL server when `kind` needs one (started on first use)."""
    if kind != "postgres":
        return None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server


# Fixtures for the contract files, which import them as `clock_fixture, store_fixture`: a
# clock, and an open store of every kind on it (`store`).
@pytest.fixture(name="clock")
def clock_fixture() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="migrated_dsn")
async def migrated_dsn_fixture(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A fresh PostgreSQL database with the schema, for tests of that engine alone (several
    stores on one database); dropped afterwards."""
    dsn = await fresh_database(postgres_server)
    try:
        yield dsn
    finally:
        await drop_database(postgres_server, dsn.rsplit("/", 1)[1])


async def wait_for_lock_waits(dsn: str, count: int) -> None:
    """Until `count` sessions on the database wait for a lock (the contenders are lined up);
    a hang is a failure, not a slow test."""
    con = await asyncpg.connect(dsn)
    try:
        async with asyncio.timeout(10):
            while True:
                waiting = await con.fetchval(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if waiting >= count:
                    return
                await asyncio.sleep(0.01)
    finally:
        await con.close()


@pytest.fixture(name="store", params=STORE_KINDS)
async def store_fixture(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Store]:
    kind = request.param
    async with open_store(kind, tmp_path, clock, server_for(kind, request)) as s:
        yield s


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
