"""PostgreSQL schema migrations: numbered plain SQL files, applied once, under a lock."""

from __future__ import annotations

import logging
import re
from importlib import resources

import asyncpg

from storage.migrations import SchemaTooNew

log = logging.getLogger(__name__)

# Every instance migrates at start; the first takes this lock and the others wait for it, then
# find nothing left to do (pg_advisory_xact_lock: released with the transaction).
MIGRATION_LOCK = 0x63697479_6D696772  # "citymigr"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migration_files() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped in the package, in order."""
    found = []
    for entry in resources.files("storage.postgres.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _n, _s in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"PostgreSQL migrations are not numbered 1..n: {versions}")
    return found


async def migrate(con: asyncpg.Connection) -> list[int]:
    """Apply the migrations the database lacks, each in its own transaction; returns them.

    A database newer than this code (a later version ran on it) is refused: the old code would
    misread tables it does not know."""
    files = migration_files()
    applied: list[int] = []
    async with con.transaction():
        await con.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await con.fetch("SELECT version FROM schema_migrations")}
        newest = files[-1][0] if files else 0
        if done and max(done) > newest:
            raise SchemaTooNew(
                f"the database has schema version {max(done)}, this citybot knows up to"
                f" {newest}: upgrade citybot"
            )
        for version, name, sql in files:
            if version in done:
                continue
            async with con.transaction():  # a savepoint: a failed file names itself
                try:
                    await con.execute(sql)
                except asyncpg.PostgresError as exc:
                    raise RuntimeError(f"PostgreSQL migration {name} failed: {exc}") from exc
                await con.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    version,
                    name,
                )
            applied.append(version)
    if applied:
        log.info("applied PostgreSQL schema migrations %s", applied)
    return applied
