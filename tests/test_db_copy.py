"""`citybot db copy`: real data from the SQLite store into a real PostgreSQL and back, verified."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.cli import main
from flows.effects import AcceptTheme, BindGroup, MoveChat, PlaceWording
from flows.rounds import CloseRound, OpenRound
from flows.session import (
    Conversation,
    CreateAnnouncement,
    Forget,
    Nudged,
    SaveAnswer,
    SetLanguage,
    SetSource,
    SetSubscribed,
    Step,
)
from storage import copy as db_copy
from storage.base import ResidentRef, Store
from storage.copy import JSON_COLUMNS, TABLES
from storage.migrations import migrate
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore
from tests.storage_helpers import FakeClock, answer, own_words

# The installed console script, beside the interpreter running the tests (.venv/bin).
CITYBOT = Path(sys.executable).parent / "citybot"
PASSWORD = "Pa55-w0rd-never-shown"  # the test server trusts loopback: any password connects
LEASE = timedelta(seconds=30)
ANA, BEK, CHOLPON = (
    ResidentRef("tg", "5001"),
    ResidentRef("wa", "+996555000111"),
    ResidentRef("tg", "5003"),
)
DANA = ResidentRef("tg", "5006")  # answered in a survey round
GONE = ResidentRef("tg", "5999")  # forgotten: the ids have a gap the copy must keep
CHAT, SUPERGROUP = -100, -1001234


def with_password(dsn: str) -> str:
    return dsn.replace("citybot@", f"citybot:{PASSWORD}@", 1)


async def populate(path: Path) -> None:
    """Every table gets rows, through the store's own API (as the bot would write them)."""
    clock = FakeClock()
    async with SqliteStore(path, clock=clock) as store:
        await store.commit(ANA, Conversation(step=Step.DONE, city="karakol"), [
            SetLanguage("ky"), SetSource("poster_bazaar"), SaveAnswer(answer(1, "karakol", None)),
            SetSubscribed(True),
        ], "tg:1")  # fmt: skip
        for version in (2, 3):  # several versions: the history is copied, not only the last
            clock.advance(minutes=5)
            await store.commit(
                ANA,
                Conversation(step=Step.DONE, city="karakol", lead=[{"k": "ӨҮҢ «ы»"}]),
                [SaveAnswer(answer(version, "karakol", "center", ("water", "roads")))],
                f"tg:{version}",
            )
        await store.commit(BEK, Conversation(step=Step.DONE), [
            SetLanguage("ru"), SetSubscribed(True),
            SaveAnswer(own_words(1, "karakol", "нет бассейна", "youth_leisure")),
        ], "wa:SM1")  # fmt: skip
        await store.commit(GONE, Conversation(), [SaveAnswer(answer(1, "manas"))], "tg:30")
        await store.commit(CHOLPON, Conversation(step=Step.DONE), [
            SetSubscribed(False), SaveAnswer(own_words(1, "karakol", "нет бассейна")),
        ], "tg:20")  # fmt: skip
        await store.commit(CHOLPON, Conversation(step=Step.REVIEW), [Nudged()], inbound=False)
        await store.commit(GONE, Conversation(), [Forget()], "tg:31")
        await store.commit(ResidentRef("tg", "5004"), Conversation(step=Step.DISTRICT))
        # A working group: bound, upgraded to a supergroup, a summary, a review placing words.
        await store.commit_group(CHAT, [BindGroup("karakol", "ky")], "tg:40")
        assert await store.claim_summary("karakol", CHAT, "2026-05-01")
        await store.finish_summary("karakol", CHAT, "2026-05-01", 3, {"water": (1, 2)})
        await store.commit_group(CHAT, [MoveChat(SUPERGROUP)], "tg:41")
        unplaced = await store.unplaced("karakol")
        items = tuple((u.answer_id, u.rank) for u in unplaced if u.text == "нет бассейна")
        place = PlaceWording("karakol", "нет бассейна", "public_spaces", 4242, items)
        await store.commit_group(SUPERGROUP, [place], "tg:42")
        # A theme accepted as a category of Karakol (nothing left to move: placed above).
        theme = AcceptTheme("karakol", "pools", "Бассейны", "Бассейндер", ("нет бассейна",))
        assert await store.commit_operator("cli:op", [theme], "cli:4") == [0]
        await store.sign_out(4242, clock.now)  # a desk user signed out
        # A survey round of Osh, closed, with Dana's answer in it (the rest is round 0).
        begins = clock.now - timedelta(hours=1)
        opened = OpenRound(
            "osh", "Бюджет 2027", "Бюджет 2027 ӨҮ", "2026-05-01", "2026-06-30", begins
        )
        (round_id,) = await store.commit_operator("cli:op", [opened], "cli:2")
        in_round = answer(1, "osh", "center", ("lighting",)).model_copy(update={"round": round_id})
        await store.commit(DANA, Conversation(step=Step.DONE, city="osh"), [
            SetSource("poster_osh"), SaveAnswer(in_round)
        ], "tg:50")  # fmt: skip
        assert await store.commit_operator("cli:op", [CloseRound("osh")], "cli:3") == [True]
        # An announcement with its reminder, half delivered (one claim still leased).
        hearing = clock.now + timedelta(days=3)
        content = {"title": {"ru": "Бюджет", "ky": "Бюджет ӨҮ"}, "when": "05.05.2026 15:00"}
        create = CreateAnnouncement("karakol", content, clock.now, hearing - timedelta(days=1))
        (aid,) = await store.commit_operator("cli:op", [create], "cli:1")
        assert isinstance(aid, int) and await store.start_broadcast(aid, "scheduler")
        claimed = await store.claim_recipients(aid, 1, "engine-1", LEASE)
        await store.finish_deliveries(aid, [(claimed[0].resident_id, "sent", None)])
        await store.claim_recipients(aid, 1, "engine-1", LEASE)
        # WhatsApp: outbound messages with callbacks, a refused one, a content template.
        await store.record_delivery(BEK, "SM100", "queued")
        await store.update_delivery("SM100", "delivered")
        await store.record_delivery(BEK, None, "failed", 63016)
        await store.remember_content("menu:3", "HX0123")
        assert await store.writable()  # meta 'written_at' besides 'learned'
        assert await store.learned_version() >= 1


def raw_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a SQLite file, JSON parsed, meta values as text."""
    with closing(sqlite3.connect(path)) as db:
        out = {}
        for table, order in TABLES:
            cursor = db.execute(f"SELECT * FROM {table} ORDER BY {order}")
            names = [d[0] for d in cursor.description]
            out[table] = [_normal(table, names, row) for row in cursor.fetchall()]
    return out


async def pg_rows(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    con = await asyncpg.connect(dsn)
    try:
        out = {}
        for table, order in TABLES:
            columns = raw_columns(table)
            rows = await con.fetch(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
            out[table] = [_normal(table, columns, tuple(row)) for row in rows]
        return out
    finally:
        await con.close()


_COLUMNS: dict[str, list[str]] = {}


def raw_columns(table: str) -> list[str]:
    """The SQLite schema's column order (the comparison is column for column)."""
    if not _COLUMNS:
        with closing(sqlite3.connect(":memory:", isolation_level=None)) as db:
            migrate(db)
            for name, _ in TABLES:
                _COLUMNS[name] = [c[1] for c in db.execute(f"PRAGMA table_info({name})")]
    return _COLUMNS[table]


def _normal(table: str, names: list[str], row: tuple[Any, ...]) -> tuple[Any, ...]:
    assert names == raw_columns(table), f"{table}: columns in another order"
    out = []
    for name, value in zip(names, row, strict=True):
        if (table, name) in JSON_COLUMNS and value is not None:
            value = json.loads(value)
        elif table == "meta" and name == "value" and value is not None:
            value = str(value)
        out.append(value)
    return tuple(out)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment (no .env, no other settings) for `citybot` runs."""
    for name in list(os.environ):
        if name.startswith(("CITYBOT_", "TELEGRAM_", "TWILIO_", "PG")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield monkeypatch


async def cli(
    env: pytest.MonkeyPatch, database: Path | str, *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """`citybot ARGS` through the real entry point, CITYBOT_DATABASE set (in a thread: the
    command runs its own event loop)."""
    env.setenv("CITYBOT_DATABASE", str(database))
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return code, out, err


async def test_round_trip_sqlite_postgres_sqlite_row_for_row(
    tmp_path: Path, postgres_dsn: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "live.sqlite3"
    await populate(source)
    original = raw_rows(source)
    assert all(original.values()), [t for t, rows in original.items() if not rows]
    assert [row[0] for row in original["residents"]] == [1, 2, 4, 5, 6], "a gap: GONE was 3"
    url = with_password(postgres_dsn)

    code, out, err = await cli(env, source, "db", "copy", "--to", url, capsys=capsys)
    assert code == 0, err
    assert "ok: every table and counter is equal" in out and "residents" in out
    assert PASSWORD not in out + err
    assert await pg_rows(postgres_dsn) == original

    # New ids continue after the copied ones (the identity sequences were moved).
    con = await asyncpg.connect(postgres_dsn)
    try:
        for table in ("residents", "announcements", "deliveries"):
            top = await con.fetchval(f"SELECT max(id) FROM {table}")
            seq = await con.fetchval(f"SELECT pg_get_serial_sequence('{table}', 'id')")
            assert await con.fetchval("SELECT nextval($1)", seq) == top + 1
    finally:
        await con.close()

    backup = tmp_path / "backup" / "restored.sqlite3"
    backup.parent.mkdir()
    code, out, err = await cli(env, backup, "db", "copy", "--from", url, "--json", capsys=capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] is True and report["to"] == str(backup)
    assert report["from"] == postgres_dsn and PASSWORD not in out + err
    assert report["tables"]["answers"] == {"source": 6, "target": 6}
    assert set(report["tables"]) == {t for t, _ in TABLES}
    assert raw_rows(backup) == original
    with closing(sqlite3.connect(backup)) as db:  # the counter is a number again, as written
        assert db.execute("SELECT typeof(value) FROM meta WHERE key = 'learned'").fetchone() == (
            "integer",
        )

    # Both copies are working stores that answer as the original does. The fixed clock:
    # opening a store prunes the dedup keys older than 14 days of *its* now.
    async with (
        SqliteStore(source, clock=FakeClock()) as before,
        SqliteStore(backup, clock=FakeClock()) as restored,
        PostgresStore(postgres_dsn, clock=FakeClock()) as moved,
    ):
        for after in (moved, restored):
            await same_answers(before, after)
        # The PostgreSQL store goes on where the SQLite one stopped: new ids, counters kept.
        newcomer = ResidentRef("tg", "5100")
        await moved.commit(newcomer, Conversation(), [SaveAnswer(answer(1, "karakol"))], "tg:90")
        await moved.commit(ANA, Conversation(), [SaveAnswer(answer(4, "karakol"))], "tg:91")
        assert len(await moved.answer_history(ANA)) == 4
        assert await moved.tallies("karakol") == await moved.tallies("karakol", recount=True)
        assert (await moved.tallies("karakol"))["leninsky"].respondents == 2


async def same_answers(before: Store, after: Store) -> None:
    """What the bot reads from a store: equal in the copy."""
    for who in (ANA, BEK, CHOLPON, DANA):
        assert await after.answer_history(who) == await before.answer_history(who)
        loaded, expected = await after.load(who), await before.load(who)
        assert (loaded.session, loaded.learned) == (expected.session, expected.learned)
        assert await after.resident(who) == await before.resident(who)
        assert await after.deliveries(who) == await before.deliveries(who)
    assert await after.resident(GONE) is None
    for city in ("karakol", "manas", "osh"):
        assert await after.tallies(city) == await before.tallies(city)
        assert await after.tallies(city, recount=True) == await after.tallies(city)
        assert await after.source_counts(city) == await before.source_counts(city)
    assert await after.learned() == await before.learned()
    assert await after.learned_version() == await before.learned_version()
    assert (await after.load(ANA, "tg:3")).duplicate, "dedup keys came along"
    assert await after.groups("karakol") == [(SUPERGROUP, "ky")]
    assert await after.current_chat_id(CHAT) == SUPERGROUP
    previous = await after.previous_summary("karakol", SUPERGROUP, "2026-05-02")
    assert previous == await before.previous_summary("karakol", SUPERGROUP, "2026-05-02")
    assert await after.announcements() == await before.announcements()
    (aid,) = [a.id for a in await before.announcements() if a.kind == "announcement"]
    assert await after.broadcast_counts(aid) == await before.broadcast_counts(aid)
    assert await after.announcement_log(aid) == await before.announcement_log(aid)
    assert await after.content_sid("menu:3") == "HX0123"
    assert await after.rounds() == await before.rounds() != []
    assert (await after.tallies("osh"))["center"].counts == {"lighting": 1}


async def test_a_non_empty_target_is_refused_and_left_alone(
    tmp_path: Path, postgres_dsn: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "live.sqlite3"
    await populate(source)
    url = with_password(postgres_dsn)
    assert (await cli(env, source, "db", "copy", "--to", url, capsys=capsys))[0] == 0
    before = await pg_rows(postgres_dsn)
    code, out, err = await cli(env, source, "db", "copy", "--to", url, capsys=capsys)
    assert code == 1 and out == ""
    assert "the target is not empty (residents 5" in err and err.count("\n") == 1
    assert PASSWORD not in err
    assert await pg_rows(postgres_dsn) == before
    # Back into a SQLite file that already holds data: refused too, the file untouched.
    code, _out, err = await cli(env, source, "db", "copy", "--from", url, capsys=capsys)
    assert code == 1 and "the target is not empty" in err and PASSWORD not in err
    assert raw_rows(source) == before


async def test_a_failed_copy_leaves_nothing_behind(
    tmp_path: Path, postgres_dsn: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "live.sqlite3"
    await populate(source)
    with closing(sqlite3.connect(source)) as db, db:
        # PostgreSQL's text cannot hold NUL, SQLite's can: a late table fails to copy.
        db.execute("INSERT INTO whatsapp_content VALUES (?, 'HX1', 'x')", ("bad\x00key",))
    url = with_password(postgres_dsn)
    code, out, err = await cli(env, source, "db", "copy", "--to", url, capsys=capsys)
    assert code == 1 and out == ""
    assert "copying whatsapp_content failed" in err and PASSWORD not in err
    after = await pg_rows(postgres_dsn)
    assert all(not rows for table, rows in after.items() if table != "meta"), "rolled back"
    assert after["meta"] == [("learned", "0")]


async def test_counts_that_differ_roll_back_and_fail(
    tmp_path: Path,
    postgres_dsn: str,
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "live.sqlite3"
    await populate(source)
    batches = db_copy._sqlite_batches

    def lossy(db: sqlite3.Connection, table: str, *rest: Any) -> Iterator[list[Any]]:
        for rows in batches(db, table, *rest):  # a bug that loses a dedup key
            yield rows[1:] if table == "processed_updates" else rows

    env.setattr(db_copy, "_sqlite_batches", lossy)
    code, out, err = await cli(env, source, "db", "copy", "--to", postgres_dsn, capsys=capsys)
    assert code == 1 and "rolled back, the target is unchanged" in err
    line = next(x for x in out.splitlines() if x.startswith("processed_updates"))
    assert line.endswith("!=")
    assert not (await pg_rows(postgres_dsn))["residents"]


async def test_wrong_pairs_and_urls_are_one_line_errors(
    tmp_path: Path, postgres_dsn: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "live.sqlite3"
    url = with_password(postgres_dsn)
    cases = [
        (source, ["--to", str(tmp_path / "other.sqlite3")], 2, "both SQLite"),
        (url, ["--from", url], 2, "both PostgreSQL"),
        (source, ["--to", "mysql://root:x@h/db"], 2, "unknown scheme 'mysql'"),
        (source, ["--to", url], 1, "no such file"),
        (
            source,
            ["--to", f"postgresql://u:{PASSWORD}@h:port/db"],
            2,
            "port of the postgresql:// URL is not a number",
        ),
        (tmp_path / "new.sqlite3", ["--from", url], 1, "holds no citybot database"),
        # Nothing listens on port 1: the password is still not shown.
        (tmp_path / "new.sqlite3", ["--from", f"postgresql://u:{PASSWORD}@127.0.0.1:1/x"], 1, ""),
    ]
    for database, args, want, words in cases:
        code, out, err = await cli(env, database, "db", "copy", *args, capsys=capsys)
        assert (code, out) == (want, ""), (args, err)
        assert words in err and err.count("\n") == 1 and PASSWORD not in err, err
    assert not (tmp_path / "new.sqlite3").exists(), "a failed backup leaves no file"


async def test_the_installed_command(
    tmp_path: Path, postgres_dsn: str, env: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "live.sqlite3"
    await populate(source)
    url = with_password(postgres_dsn)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CITYBOT_", "PG"))}
    result = await asyncio.to_thread(
        subprocess.run,
        [str(CITYBOT), "db", "copy", "--to", url, "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean, "CITYBOT_DATABASE": str(source)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["from"] == str(source) and report["to"] == postgres_dsn
    assert report["tables"]["residents"] == {"source": 5, "target": 5}
    assert await pg_rows(postgres_dsn) == raw_rows(source)
