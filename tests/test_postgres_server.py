"""The tests' own PostgreSQL server starts, isolates tests, and has what several instances need."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.postgres_server import (
    PostgresServer,
    PostgresUnavailable,
    create_database,
    drop_database,
    find_pg_bin,
    start_postgres,
)

WAIT_S = 5.0  # nothing here should block: a hang is a failure, not a slow test


@pytest.fixture
async def two(postgres_dsn: str) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Connection]]:
    a = await asyncpg.connect(postgres_dsn)
    b = await asyncpg.connect(postgres_dsn)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def test_server_is_real_fast_and_not_root(postgres_server: PostgresServer) -> None:
    conn = await asyncpg.connect(postgres_server.dsn())
    try:
        assert await conn.fetchval("SELECT current_user") == "citybot"
        assert await conn.fetchval("SHOW fsync") == "off"
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
        assert postgres_server.major >= 13, postgres_server.version
        version = await conn.fetchval("SHOW server_version")
        assert version.split(".")[0] == str(postgres_server.major)
    finally:
        await conn.close()
    owner = postgres_server.data_dir.stat().st_uid
    assert owner == os.geteuid() if os.geteuid() != 0 else owner != 0
    assert postgres_server.startup_s > 0


async def test_unix_socket_dsn(postgres_server: PostgresServer) -> None:
    conn = await asyncpg.connect(postgres_server.socket_dsn())
    try:
        assert await conn.fetchval("SELECT inet_server_addr()") is None  # not over TCP
    finally:
        await conn.close()


async def test_each_test_gets_an_empty_database_of_its_own(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    other_dsn = await create_database(postgres_server)
    mine = await asyncpg.connect(postgres_dsn)
    other = await asyncpg.connect(other_dsn)
    try:
        tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        assert await mine.fetchval(tables) == 0
        await mine.execute("CREATE TABLE only_here (id int)")
        assert await mine.fetchval(tables) == 1
        assert await other.fetchval(tables) == 0
        assert await mine.fetchval("SELECT current_database()") != "postgres"
    finally:
        await mine.close()
        await other.close()
        await drop_database(postgres_server, other_dsn.rsplit("/", 1)[1])


async def test_a_migrated_database_serves_as_template(postgres_server: PostgresServer) -> None:
    template_dsn = await create_database(postgres_server)
    conn = await asyncpg.connect(template_dsn)
    await conn.execute("CREATE TABLE schema_version (v int); INSERT INTO schema_version VALUES (7)")
    await conn.close()  # a template must have no connections
    template = template_dsn.rsplit("/", 1)[1]
    copy_dsn = await create_database(postgres_server, template=template)
    conn = await asyncpg.connect(copy_dsn)
    try:
        assert await conn.fetchval("SELECT v FROM schema_version") == 7
    finally:
        await conn.close()
        await drop_database(postgres_server, copy_dsn.rsplit("/", 1)[1])
        await drop_database(postgres_server, template)


async def test_transaction_commits_or_rolls_back(postgres_dsn: str) -> None:
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute("CREATE TABLE answers (id serial PRIMARY KEY, text text NOT NULL)")
        async with conn.transaction():
            await conn.execute("INSERT INTO answers (text) VALUES ('kept')")
        with pytest.raises(ZeroDivisionError):
            async with conn.transaction():
                await conn.execute("INSERT INTO answers (text) VALUES ('lost')")
                _ = 1 / 0
        assert await conn.fetch("SELECT text FROM answers") == [("kept",)]
    finally:
        await conn.close()


async def test_two_connections_see_only_committed_rows(
    two: tuple[asyncpg.Connection, asyncpg.Connection],
) -> None:
    a, b = two
    await a.execute("CREATE TABLE t (v int)")
    tx = a.transaction()
    await tx.start()
    await a.execute("INSERT INTO t VALUES (1)")
    assert await b.fetchval("SELECT count(*) FROM t") == 0
    await tx.commit()
    assert await b.fetchval("SELECT count(*) FROM t") == 1


async def test_advisory_lock_is_exclusive_and_freed_when_holder_dies(
    postgres_dsn: str, two: tuple[asyncpg.Connection, asyncpg.Connection]
) -> None:
    a, b = two
    key = 11_0001
    assert await a.fetchval("SELECT pg_try_advisory_lock($1)", key) is True
    assert await b.fetchval("SELECT pg_try_advisory_lock($1)", key) is False
    assert await a.fetchval("SELECT pg_advisory_unlock($1)", key) is True
    assert await b.fetchval("SELECT pg_try_advisory_lock($1)", key) is True
    # The leader's session ends (a killed instance): the lock goes to whoever asks next.
    leader = await asyncpg.connect(postgres_dsn)
    await b.fetchval("SELECT pg_advisory_unlock($1)", key)
    assert await leader.fetchval("SELECT pg_try_advisory_lock($1)", key) is True
    assert await a.fetchval("SELECT pg_try_advisory_lock($1)", key) is False
    waiting = asyncio.create_task(a.fetchval("SELECT pg_advisory_lock($1)", key))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    leader.terminate()
    await asyncio.wait_for(waiting, WAIT_S)


async def test_for_update_skip_locked_shares_out_rows(
    two: tuple[asyncpg.Connection, asyncpg.Connection],
) -> None:
    a, b = two
    await a.execute("CREATE TABLE deliveries (id int PRIMARY KEY)")
    await a.execute("INSERT INTO deliveries SELECT generate_series(1, 5)")
    claim = "SELECT id FROM deliveries ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
    tx_a, tx_b = a.transaction(), b.transaction()
    await tx_a.start()
    await tx_b.start()
    got_a = [r["id"] for r in await a.fetch(claim, 2)]
    got_b = [r["id"] for r in await asyncio.wait_for(b.fetch(claim, 10), WAIT_S)]
    assert got_a == [1, 2]
    assert got_b == [3, 4, 5]
    await tx_a.rollback()  # a's claims go back: the next claimer gets them
    assert [r["id"] for r in await a.fetch(claim, 10)] == [1, 2]
    await tx_b.commit()


async def test_listen_notify_delivers(two: tuple[asyncpg.Connection, asyncpg.Connection]) -> None:
    a, b = two
    got: asyncio.Queue[str] = asyncio.Queue()
    await a.add_listener("citybot_shared", lambda _c, _pid, _ch, payload: got.put_nowait(payload))
    await b.execute("SELECT pg_notify('citybot_shared', 'matcher:42')")
    assert await asyncio.wait_for(got.get(), WAIT_S) == "matcher:42"
    async with b.transaction():  # delivered on commit only
        await b.execute("NOTIFY citybot_shared, 'in-tx'")
        await asyncio.sleep(0.2)
        assert got.empty()
    assert await asyncio.wait_for(got.get(), WAIT_S) == "in-tx"


def test_missing_binaries_fail_clearly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CITYBOT_PG_BIN", str(tmp_path))
    with pytest.raises(PostgresUnavailable, match=r"initdb, pg_ctl, postgres.*not found"):
        find_pg_bin()


@pytest.fixture
def fake_bin() -> Iterator[Path]:
    """A bin dir whose initdb fails, readable by the unprivileged user the server runs as."""
    path = Path(tempfile.mkdtemp(prefix="citybot-fakepg-", dir="/tmp"))  # not a 0700 TMPDIR
    path.chmod(0o755)
    scripts = {
        "postgres": "echo 'postgres (PostgreSQL) 99.0'",
        "initdb": "echo 'initdb: error: the disk is made of cheese' >&2; exit 1",
        "pg_ctl": "exit 1",
    }
    for name, body in scripts.items():
        script = path / name
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_initdb_failure_carries_its_stderr(monkeypatch: pytest.MonkeyPatch, fake_bin: Path) -> None:
    monkeypatch.setenv("CITYBOT_PG_BIN", str(fake_bin))
    with pytest.raises(PostgresUnavailable, match=r"(?s)initdb .*failed.*made of cheese"):
        start_postgres()
