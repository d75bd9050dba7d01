"""SQLite-specific storage behaviour: pragmas, group commit, durability across a process kill."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from storage_helpers import FakeClock, answer, raw, spawn

from flows.session import Conversation, Forget, SaveAnswer, SetLanguage, Step
from storage.base import ResidentRef
from storage.sqlite import SqliteStore

ANA = ResidentRef("tg", "1001")
BEK = ResidentRef("wa", "996555000111")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "citybot.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(db_path) as s:
        yield s


async def test_wal_and_connection_settings(store: SqliteStore, db_path: Path) -> None:
    with raw(db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)

    def settings(db: sqlite3.Connection | None) -> tuple[int, ...]:
        assert db is not None
        names = ("synchronous", "busy_timeout", "foreign_keys", "query_only", "secure_delete")
        return tuple(db.execute(f"PRAGMA {name}").fetchone()[0] for name in names)

    # These are per connection, so ask the store's own (synchronous=1 is NORMAL; secure_delete
    # 1 is ON: freed pages are zeroed too, which FAST (2) did not do).
    assert store._writer is not None and store._reader is not None
    assert await store._writer.run(settings, store._writer.db) == (1, 5000, 1, 0, 1)
    assert (await store._reader.run(settings, store._reader.db))[1:4] == (5000, 0, 1)


async def test_data_survives_close_and_reopen(db_path: Path) -> None:
    clock = FakeClock()
    async with SqliteStore(db_path, clock=clock) as s:
        await s.commit(ANA, Conversation(step=Step.DONE, page=4), [SetLanguage("ky")], "k1")
        await s.commit(ANA, Conversation(step=Step.DONE, page=5), [SaveAnswer(answer(1))], "k2")
        before = await s.resident(ANA)
    async with SqliteStore(db_path, clock=clock) as s:
        loaded = await s.load(ANA, "k2")
        assert loaded.duplicate
        assert loaded.session.conv.page == 5
        assert loaded.session.answer == answer(1)
        assert await s.resident(ANA) == before


async def test_close_flushes_queued_commits(db_path: Path) -> None:
    s = SqliteStore(db_path)
    await s.open()
    tasks = [
        asyncio.create_task(s.commit(ResidentRef("tg", str(n)), Conversation())) for n in range(50)
    ]
    await asyncio.sleep(0)  # every task has queued its turn
    await s.close()
    await asyncio.gather(*tasks)
    with raw(db_path) as db:
        assert db.execute("SELECT count(*) FROM residents").fetchone() == (50,)
    with pytest.raises(RuntimeError):
        await s.commit(ANA, Conversation())
    assert await s.ping() is False


async def test_concurrent_commits_are_group_committed(db_path: Path) -> None:
    async with SqliteStore(db_path, max_batch=16) as s:
        whos = [ResidentRef("tg", str(n)) for n in range(200)]
        await asyncio.gather(*(s.commit(who, Conversation()) for who in whos))
        assert s.stats.turns == 200
        # One transaction per turn would be 200 batches.
        assert s.stats.batches <= 200 // 16 + 2
        assert s.stats.largest_batch == 16


async def test_a_failed_transaction_fails_its_callers_and_the_writer_recovers(
    db_path: Path,
) -> None:
    async with SqliteStore(db_path, busy_timeout_ms=50) as s:
        await s.commit(ANA, Conversation(step=Step.CITY))
        with raw(db_path) as other:
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            results = await asyncio.gather(
                *(s.commit(ResidentRef("tg", str(n)), Conversation()) for n in range(20)),
                return_exceptions=True,
            )
            other.execute("ROLLBACK")
        assert all(isinstance(r, sqlite3.OperationalError) for r in results), results
        assert await s.resident(ResidentRef("tg", "3")) is None
        assert await s.ping() is True
        await s.commit(ANA, Conversation(step=Step.DONE))
        assert (await s.load(ANA)).session.conv.step == Step.DONE


async def test_a_commit_cancelled_while_queued_is_dropped(db_path: Path) -> None:
    async with SqliteStore(db_path, busy_timeout_ms=5000) as s:
        with raw(db_path) as other:
            other.execute("BEGIN IMMEDIATE")  # the writer's next batch waits for this lock
            first = asyncio.create_task(s.commit(ANA, Conversation(step=Step.CITY)))
            await asyncio.sleep(0.1)  # the writer took ANA's turn and is blocked in BEGIN
            second = asyncio.create_task(s.commit(BEK, Conversation(step=Step.CITY)))
            await asyncio.sleep(0)  # BEK's turn is queued behind the blocked batch
            second.cancel()
            other.execute("ROLLBACK")
        await first
        with pytest.raises(asyncio.CancelledError):
            await second
        assert await s.resident(ANA) is not None
        assert await s.resident(BEK) is None


async def test_forget_leaves_no_row_in_any_table(store: SqliteStore, db_path: Path) -> None:
    await store.commit(ANA, Conversation(), [SetLanguage("ru"), SaveAnswer(answer(1))])
    await store.commit(ANA, Conversation(), [SaveAnswer(answer(2))])
    await store.commit(BEK, Conversation(), [SaveAnswer(answer(1, city="osh"))])
    with raw(db_path) as db:
        (ana_id,) = db.execute("SELECT id FROM residents WHERE external_id = '1001'").fetchone()
    await store.commit(ANA, Conversation(), [Forget()])

    with raw(db_path) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if "resident_id" in columns:
                rows = db.execute(f"SELECT count(*) FROM {table} WHERE resident_id = ?", (ana_id,))
                assert rows.fetchone() == (0,), table
        assert db.execute("SELECT count(*) FROM residents").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM answers").fetchone() == (1,)
        # Only BEK's three items are left, no orphans of ANA's answers.
        assert db.execute("SELECT count(*) FROM answer_items").fetchone() == (3,)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


async def test_step_column_answers_operator_queries(store: SqliteStore, db_path: Path) -> None:
    steps = [Step.DISTRICT] * 3 + [Step.DONE] * 2 + [Step.CITY]
    for n, step in enumerate(steps):
        await store.commit(ResidentRef("tg", str(n)), Conversation(step=step))
    # A resident moves on: the column follows the state.
    await store.commit(ResidentRef("tg", "0"), Conversation(step=Step.PROBLEMS))
    with raw(db_path) as db:
        counts = dict(db.execute("SELECT step, count(*) FROM residents GROUP BY step"))
    assert counts == {"district": 2, "done": 2, "city": 1, "problems": 1}


async def test_current_answer_flag_and_place_columns(store: SqliteStore, db_path: Path) -> None:
    await store.commit(ANA, Conversation(), [SaveAnswer(answer(1, city="osh"))])
    await store.commit(ANA, Conversation(), [SaveAnswer(answer(2, city="talas", district=None))])
    await store.commit(BEK, Conversation(), [SaveAnswer(answer(1, categories=("roads",)))])
    with raw(db_path) as db:
        # Rankings read only current answers, by place, and items by category.
        current = db.execute(
            "SELECT city, district, version FROM answers WHERE is_current = 1 ORDER BY city"
        ).fetchall()
        roads = db.execute(
            "SELECT a.city, count(*) FROM answer_items i JOIN answers a ON a.id = i.answer_id"
            " WHERE i.category = 'roads' AND a.is_current = 1 GROUP BY a.city ORDER BY a.city"
        ).fetchall()
    assert current == [("bishkek", "leninsky", 1), ("talas", None, 2)]
    assert roads == [("bishkek", 1), ("talas", 1)]


async def test_old_dedup_keys_are_pruned_at_open(db_path: Path) -> None:
    clock = FakeClock(datetime(2026, 5, 1, tzinfo=UTC))
    async with SqliteStore(db_path, clock=clock) as s:
        await s.commit(ANA, Conversation(), dedup_key="old")
        clock.advance(days=10)
        await s.commit(ANA, Conversation(), dedup_key="recent")
    clock.advance(days=5)  # "old" is 15 days old, "recent" 5
    async with SqliteStore(db_path, clock=clock) as s:
        assert (await s.load(ANA, "old")).duplicate is False
        assert (await s.load(ANA, "recent")).duplicate is True


async def test_dedup_keys_are_pruned_while_running(db_path: Path) -> None:
    clock = FakeClock(datetime(2026, 5, 1, tzinfo=UTC))
    async with SqliteStore(db_path, clock=clock) as s:
        await s.commit(ANA, Conversation(), dedup_key="old")
        clock.advance(days=15)
        await s.commit(BEK, Conversation(), dedup_key="new")  # this batch prunes
        assert (await s.load(ANA, "old")).duplicate is False
        assert (await s.load(BEK, "new")).duplicate is True


async def test_unreadable_state_restarts_the_conversation_only(
    store: SqliteStore, db_path: Path
) -> None:
    await store.commit(
        ANA, Conversation(step=Step.DONE), [SetLanguage("ky"), SaveAnswer(answer(1))]
    )
    with raw(db_path) as db:
        db.execute("""UPDATE residents SET state = '{"step": "no-such-step"}'""")
    session = (await store.load(ANA)).session
    assert session.conv == Conversation()
    assert session.profile.lang == "ky"
    assert session.answer == answer(1)


async def test_naive_clock_is_refused(db_path: Path) -> None:
    with pytest.raises(ValueError, match="naive"):
        await SqliteStore(db_path, clock=lambda: datetime(2026, 5, 1)).open()


# --- a real process kill -----------------------------------------------------------------------

CHILD = """
import asyncio, sys
from flows.session import Answer, Conversation, Item, SaveAnswer, Step
from storage.base import ResidentRef
from storage.sqlite import SqliteStore

async def resident(store, r):
    who = ResidentRef("tg", f"r{r}")
    current = (await store.load(who)).session.answer
    j = current.version if current else 0  # resume where the previous run was killed
    while True:
        answer = Answer(version=j + 1, city="bishkek", district=None,
                        items=[Item(category="roads", text=f"turn {j}")])
        conv = Conversation(step=Step.DONE, page=j)
        await store.commit(who, conv, [SaveAnswer(answer)], dedup_key=f"r{r}-{j}")
        print(r, j, flush=True)  # only after commit returned: the turn is claimed durable
        j += 1

async def main():
    store = SqliteStore(sys.argv[1])
    await store.open()
    await asyncio.gather(*(resident(store, r) for r in range(int(sys.argv[2]))))

asyncio.run(main())
"""


def run_and_kill(db_path: Path, residents: int, kill_after: int) -> dict[int, list[int]]:
    """Run the child until it reported `kill_after` turns, SIGKILL it, return what it reported."""
    proc = spawn(CHILD, db_path, residents)
    watchdog = threading.Timer(60, proc.kill)  # never hang the suite
    watchdog.start()
    reported: dict[int, list[int]] = {}
    try:
        assert proc.stdout is not None
        seen = 0
        while seen < kill_after:
            line = proc.stdout.readline()
            assert line, f"child ended early: {proc.stderr.read() if proc.stderr else ''}"
            r, j = map(int, line.split())
            reported.setdefault(r, []).append(j)
            seen += 1
        os.kill(proc.pid, signal.SIGKILL)  # mid-run: more turns are queued and in flight
        for line in proc.stdout:  # what it printed before dying was claimed committed too
            parts = line.split()
            if len(parts) == 2:
                r, j = map(int, parts)
                reported.setdefault(r, []).append(j)
        proc.wait()
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL
    return reported


async def test_committed_turns_survive_a_process_kill(db_path: Path) -> None:
    residents = 8
    everything: dict[int, list[int]] = {}
    # Kill it three times at different points; each run resumes from what is stored.
    for kill_after in (150, 400, 250):
        for r, js in run_and_kill(db_path, residents, kill_after).items():
            everything.setdefault(r, []).extend(js)

        with raw(db_path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        async with SqliteStore(db_path) as s:
            for r, js in everything.items():
                who = ResidentRef("tg", f"r{r}")
                assert js == list(range(len(js))), "the child reports each turn once, in order"
                loaded = await s.load(who, f"r{r}-{js[-1]}")
                assert loaded.duplicate, f"resident {r} turn {js[-1]} was reported but is lost"
                current = loaded.session.answer
                assert current is not None
                # Maybe a few more committed than reported (killed before printing), never fewer.
                assert current.version >= len(js)
                # State and answer were written in one transaction: never out of step.
                assert loaded.session.conv.page == current.version - 1
                history = await s.answer_history(who)
                assert [a.version for a in history] == list(range(1, current.version + 1))
                for j in js:
                    assert (await s.load(who, f"r{r}-{j}")).duplicate
        # Let the next run resume exactly from the stored versions.
        async with SqliteStore(db_path) as s:
            for r in range(residents):
                current = (await s.load(ResidentRef("tg", f"r{r}"))).session.answer
                stored = current.version if current else 0
                everything[r] = list(range(stored))
    assert sum(len(js) for js in everything.values()) >= 800


async def test_the_connections_are_aiosqlite_and_a_batch_is_one_hop(db_path: Path) -> None:
    """aiosqlite owns both connections and their threads; concurrent turns still share one
    call to the writer's thread (group commit), and closing ends both threads."""
    import aiosqlite

    before = set(threading.enumerate())
    store = SqliteStore(db_path)
    await store.open()
    try:
        writer, reader = store._writer, store._reader
        assert writer is not None and reader is not None
        assert isinstance(writer.conn, aiosqlite.Connection)
        assert isinstance(reader.conn, aiosqlite.Connection)
        calls = 0
        run = writer.run

        async def counting(fn, *args):  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            return await run(fn, *args)

        writer.run = counting  # type: ignore[method-assign]
        residents = [ResidentRef("tg", str(2000 + i)) for i in range(50)]
        await asyncio.gather(*(store.commit(r, Conversation(step=Step.CITY)) for r in residents))
        assert calls < 10, f"{calls} thread hops for 50 concurrent turns"
        assert len(await store._query("SELECT id FROM residents")) == 50
    finally:
        await store.close()
    assert set(threading.enumerate()) <= before, "aiosqlite threads left running"


async def test_no_resident_id_in_the_logs_even_at_debug(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """aiosqlite logs the repr of every call at DEBUG (our batches: ids and words)."""
    caplog.set_level("DEBUG")
    caplog.set_level("DEBUG", logger="aiosqlite")
    async with SqliteStore(db_path) as store:
        await store.commit(BEK, Conversation(step=Step.CITY), (SetLanguage(lang="ky"),))
        await store.load(BEK)
    assert BEK.external_id not in caplog.text
