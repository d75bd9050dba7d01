"""`citybot db copy`: every table between a SQLite file and a PostgreSQL database, verified."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg

from storage import migrations
from storage.locate import Database, safe_dsn
from storage.postgres.migrate import migrate as migrate_postgres

BATCH = 5000  # rows per read (and per executemany into SQLite): bounded memory at any size
CONNECT_TIMEOUT_S = 10.0
LOCK_TIMEOUT = "10s"  # a bot still writing to the target: give up rather than hang

# Every table, parents before children (foreign keys hold after each one), with the order the
# rows are read in. A table the code does not list makes the copy refuse (see _columns): a new
# migration must be added here, or its rows would silently stay behind.
TABLES: tuple[tuple[str, str], ...] = (
    ("residents", "id"),
    ("rounds", "id"),
    ("answers", "id"),
    ("answer_items", "answer_id, rank"),
    ("deliveries", "id"),
    ("processed_updates", "key"),
    ("tally_respondents", "round_id, city, district"),
    ("tally_categories", "round_id, city, district, category"),
    ("tally_sources", "round_id, city, source"),
    ("summaries", "city, chat_id, day"),
    ("chat_migrations", "old_chat_id"),
    ("work_groups", "chat_id"),
    ("reviews", "id"),
    ("learned_wordings", "city, wording"),
    ("learned_sources", "city, wording, answer_id"),
    ("city_categories", "city, id"),
    ("desk_signouts", "user_id"),
    # A reminder points at its announcement (created before it, so a smaller id).
    ("announcements", "id"),
    ("announcement_log", "id"),
    ("broadcast_deliveries", "announcement_id, resident_id"),
    ("whatsapp_content", "key"),
    ("meta", "key"),
)
# jsonb in PostgreSQL, JSON text in SQLite.
JSON_COLUMNS = {("residents", "state"), ("announcements", "content"), ("summaries", "snapshot")}
# Identity columns: copied with their ids, then the sequences are moved past them.
IDENTITY_TABLES = tuple(table for table, order in TABLES if order == "id")
# meta is created with a row ('learned') by both schemas: replaced, not counted as data.
REPLACED = "meta"
# Sums the rankings are built from: equal on both sides, or the copy is refused.
COUNTERS: dict[str, str] = {
    "tally_respondents.respondents": "SELECT coalesce(sum(respondents), 0) FROM tally_respondents",
    "tally_categories.count": "SELECT coalesce(sum(count), 0) FROM tally_categories",
    "tally_categories.score": "SELECT coalesce(sum(score), 0) FROM tally_categories",
    "tally_sources.respondents": "SELECT coalesce(sum(respondents), 0) FROM tally_sources",
}
Counts = tuple[dict[str, int], dict[str, int]]  # rows per table, sum per counter


class CopyError(Exception):
    """The copy was refused or failed; nothing was written to the target. The message is one
    line without any password."""


@dataclass
class CopyReport:
    """What was copied: per table and counter (source, target), and how long it took.

    `ok` False: the numbers differ and the target's transaction was rolled back."""

    source: str
    target: str
    tables: dict[str, tuple[int, int]] = field(default_factory=dict)
    counters: dict[str, tuple[int, int]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        pairs = [*self.tables.values(), *self.counters.values()]
        return all(source == target for source, target in pairs)

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "tables": {t: {"source": s, "target": d} for t, (s, d) in self.tables.items()},
            "counters": {c: {"source": s, "target": d} for c, (s, d) in self.counters.items()},
            "seconds": round(self.seconds, 3),
            "ok": self.ok,
        }


class _Mismatch(Exception):
    """Raised inside the target's transaction so that it rolls back (the report has it all)."""


def redact(text: str, dsn: str) -> str:
    """`text` without the URL's password (nor the URL itself: its safe form instead)."""
    text = text.replace(dsn, safe_dsn(dsn))
    password = urlsplit(dsn).password
    for secret in {password or "", unquote(password or "")} - {""}:
        text = text.replace(secret, "***")
    return text


async def copy_database(source: Database, target: Database, batch: int = BATCH) -> CopyReport:
    """Copy every table from `source` to the (empty) `target`, one SQLite and one PostgreSQL,
    in ONE transaction on the target; the counts are compared before it commits."""
    if {source.kind, target.kind} != {"sqlite", "postgres"}:
        raise CopyError("copy between a SQLite file and a PostgreSQL database only")
    dsn = source.dsn if source.kind == "postgres" else target.dsn
    assert dsn is not None
    report = CopyReport(str(source), str(target))
    started = time.perf_counter()
    try:
        if source.path is not None:
            await _sqlite_to_postgres(source.path, dsn, report, batch)
        else:
            assert target.path is not None
            await _postgres_to_sqlite(dsn, target.path, report, batch)
    except _Mismatch:
        pass  # the report says what differs; the caller fails
    except CopyError as exc:
        raise CopyError(redact(str(exc), dsn)) from None
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise CopyError(redact(f"PostgreSQL: {_one_line(exc)}", dsn)) from None
    except (sqlite3.Error, migrations.SchemaTooNew, RuntimeError, ValueError) as exc:
        raise CopyError(redact(_one_line(exc), dsn)) from None
    report.seconds = time.perf_counter() - started
    return report


# --- SQLite -> PostgreSQL ------------------------------------------------------------------


async def _sqlite_to_postgres(path: Path, dsn: str, report: CopyReport, batch: int) -> None:
    # A one-shot command: blocking the event loop (sqlite3, files) costs nothing here.
    if not path.is_file():  # noqa: ASYNC240
        raise CopyError(f"{path}: no such file")
    db = _open_sqlite(path)
    try:
        db.execute("PRAGMA query_only = ON")  # the source is read, never written
        con = await _connect(dsn)
        try:
            await migrate_postgres(con)
            columns = _columns(_sqlite_schema(db), await _postgres_schema(con))
            # One read transaction: every table from the same snapshot (WAL lets a running
            # bot go on writing beside it; what it writes after this point is not copied).
            db.execute("BEGIN")
            source = _sqlite_counts(db)
            async with con.transaction():
                await _claim_empty_postgres(con)
                for table, order in TABLES:
                    cols = columns[table]
                    rows = _sqlite_batches(db, table, cols, order, batch)
                    try:
                        await con.copy_records_to_table(
                            table, records=_for_postgres(table, rows), columns=cols
                        )
                    except asyncpg.PostgresError as exc:
                        raise CopyError(f"copying {table} failed: {_one_line(exc)}") from None
                for table in IDENTITY_TABLES:
                    await con.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" coalesce(max(id), 0) + 1, false) FROM {table}"
                    )
                _compare(report, source, await _postgres_counts(con))
        finally:
            await con.close()
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.close()


async def _claim_empty_postgres(con: asyncpg.Connection) -> None:
    """Lock the target's tables for the copy and refuse it if any holds data."""
    await con.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    names = ", ".join(t for t, _ in TABLES)
    try:
        # Writers wait (readers do not) until the copy commits: the emptiness checked here
        # still holds when the rows land.
        await con.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
    except asyncpg.LockNotAvailableError:
        raise CopyError(
            "the target PostgreSQL database is in use (a bot running on it?): stop it and retry"
        ) from None
    _refuse_data((await _postgres_counts(con))[0])
    await con.execute(f"DELETE FROM {REPLACED}")


def _sqlite_batches(
    db: sqlite3.Connection, table: str, cols: list[str], order: str, batch: int
) -> Iterable[list[tuple[Any, ...]]]:
    cursor = db.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}")
    while rows := cursor.fetchmany(batch):
        yield rows


async def _for_postgres(
    table: str, batches: Iterable[list[tuple[Any, ...]]]
) -> AsyncIterator[tuple[Any, ...]]:
    """The rows as asyncpg's binary COPY takes them (one COPY per table, fed batch by batch)."""
    for rows in batches:
        for row in rows:
            # SQLite keeps the 'learned' counter as an integer (column type ANY); here: text.
            yield (row[0], None if row[1] is None else str(row[1])) if table == REPLACED else row


# --- PostgreSQL -> SQLite ------------------------------------------------------------------


async def _postgres_to_sqlite(dsn: str, path: Path, report: CopyReport, batch: int) -> None:
    created = not path.exists()  # noqa: ASYNC240  (a one-shot command: see above)
    try:
        con = await _connect(dsn)
        try:
            if not await con.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
                raise CopyError(f"{safe_dsn(dsn)} holds no citybot database (no schema)")
            await migrate_postgres(con)  # what the bot would do at start: the schema is current
            db = _open_sqlite(path)
            try:
                columns = _columns(_sqlite_schema(db), await _postgres_schema(con))
                # One snapshot of every table, and never a write (a running bot may go on).
                async with con.transaction(isolation="repeatable_read", readonly=True):
                    await _copy_into_sqlite(con, db, columns, report, batch)
            finally:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                db.close()
        finally:
            await con.close()
    except BaseException:
        # A file this copy created holds nothing worth keeping; one it found is left alone.
        if created:
            _remove_sqlite(path)
        raise


async def _copy_into_sqlite(
    con: asyncpg.Connection,
    db: sqlite3.Connection,
    columns: dict[str, list[str]],
    report: CopyReport,
    batch: int,
) -> None:
    source = await _postgres_counts(con)
    db.execute("BEGIN IMMEDIATE")  # the write lock for the whole copy, checks included
    _refuse_data(_sqlite_counts(db)[0])
    db.execute(f"DELETE FROM {REPLACED}")
    for table, order in TABLES:
        cols = columns[table]
        convert = _for_sqlite(table, cols)
        insert = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        cursor = await con.cursor(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}")
        while rows := await cursor.fetch(batch):
            try:
                db.executemany(insert, [convert(tuple(row)) for row in rows])
            except sqlite3.Error as exc:
                raise CopyError(f"copying {table} failed: {_one_line(exc)}") from None
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise CopyError(f"the copy breaks foreign keys: {broken[:5]}")
    _compare(report, source, _sqlite_counts(db))
    db.execute("COMMIT")


def _for_sqlite(table: str, cols: list[str]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A row from asyncpg as the SQLite store writes it."""
    json_at = [i for i, c in enumerate(cols) if (table, c) in JSON_COLUMNS]
    if table == REPLACED:
        # The learned counter back to an integer: SQLite adds 1 to it in place.
        return lambda row: (row[0], int(row[1]) if row[0] == "learned" and row[1] else row[1])
    if not json_at:
        return lambda row: row

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        out = list(row)
        for i in json_at:
            if out[i] is not None:  # jsonb's text has spaces: compact JSON, as written
                out[i] = json.dumps(json.loads(out[i]), ensure_ascii=False, separators=(",", ":"))
        return tuple(out)

    return convert


def _remove_sqlite(path: Path) -> None:
    for name in (path, *(Path(f"{path}{s}") for s in ("-wal", "-shm", "-journal"))):
        name.unlink(missing_ok=True)


# --- both ----------------------------------------------------------------------------------


def _open_sqlite(path: Path) -> sqlite3.Connection:
    """An autocommit connection with the schema brought up to date (as the store would)."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA busy_timeout = 5000")
        migrations.migrate(db)
    except BaseException:
        db.close()
        raise
    return db


async def _connect(dsn: str) -> asyncpg.Connection:
    con: asyncpg.Connection = await asyncpg.connect(
        dsn, timeout=CONNECT_TIMEOUT_S, server_settings={"application_name": "citybot db copy"}
    )
    return con


def _sqlite_counts(db: sqlite3.Connection) -> Counts:
    def one(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0])

    tables = {t: one(f"SELECT count(*) FROM {t}") for t, _ in TABLES}
    return tables, {c: one(sql) for c, sql in COUNTERS.items()}


async def _postgres_counts(con: asyncpg.Connection) -> Counts:
    tables = {t: int(await con.fetchval(f"SELECT count(*) FROM {t}")) for t, _ in TABLES}
    return tables, {c: int(await con.fetchval(sql)) for c, sql in COUNTERS.items()}


def _sqlite_schema(db: sqlite3.Connection) -> dict[str, list[str]]:
    names = db.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {n: [c[1] for c in db.execute(f"PRAGMA table_info({n})")] for (n,) in names}


async def _postgres_schema(con: asyncpg.Connection) -> dict[str, list[str]]:
    rows = await con.fetch(
        "SELECT c.table_name, c.column_name FROM information_schema.columns AS c"
        " JOIN information_schema.tables AS t USING (table_schema, table_name)"
        " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
        " AND c.table_name != 'schema_migrations' ORDER BY c.table_name, c.ordinal_position"
    )
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["table_name"], []).append(row["column_name"])
    return out


def _columns(lite: dict[str, list[str]], pg: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each table's columns (in SQLite's order), after checking that both schemas and this
    code know the same tables and columns: a difference would lose data silently."""
    known = {t for t, _ in TABLES}
    for side, schema in (("SQLite", lite), ("PostgreSQL", pg)):
        if set(schema) != known:
            extra, missing = sorted(set(schema) - known), sorted(known - set(schema))
            raise CopyError(
                f"the {side} database has tables this citybot does not know ({extra or 'none'})"
                f" or lacks some ({missing or 'none'}): another version, or not a citybot one"
            )
    for table in sorted(known):
        if set(lite[table]) != set(pg[table]):
            raise CopyError(
                f"table {table} differs: SQLite has {lite[table]}, PostgreSQL {pg[table]}"
            )
    return lite


def _refuse_data(held: dict[str, int]) -> None:
    full = [f"{t} {n}" for t, n in held.items() if n and t != REPLACED]
    if full:
        listed = ", ".join(full[:4]) + (f" and {len(full) - 4} more tables" if full[4:] else "")
        raise CopyError(f"the target is not empty ({listed}): copy into an empty database only")


def _compare(report: CopyReport, source: Counts, target: Counts) -> None:
    """Fill in the report; raise _Mismatch (the target's transaction rolls back) on a difference."""
    report.tables = {t: (source[0][t], target[0][t]) for t, _ in TABLES}
    report.counters = {c: (source[1][c], target[1][c]) for c in COUNTERS}
    if not report.ok:
        raise _Mismatch


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
