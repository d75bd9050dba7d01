"""Versioned conversations: a commit holds only on the version it was decided on."""

from __future__ import annotations

import asyncio
import random
import threading
from pathlib import Path

import asyncpg
import pytest
from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    answer,
    clock_fixture,
    migrated_dsn_fixture,
    spawn,
    store_fixture,
    wait_for_lock_waits,
)

from flows.session import Conversation, Forget, SaveAnswer, SetLanguage, Step
from storage.base import ANY, ResidentRef, StaleState, Store
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore

ANA = ResidentRef("tg", "5001")
BEK = ResidentRef("wa", "996700005002")


async def test_versions_start_with_the_resident_and_move_with_every_written_turn(
    store: Store,
) -> None:
    assert (await store.load(ANA)).version is None, "no resident yet"
    await store.commit(ANA, Conversation(step=Step.CITY), expected=None)
    first = (await store.load(ANA)).version
    assert first is not None
    await store.commit(ANA, Conversation(step=Step.DISTRICT), [SetLanguage("ru")], expected=first)
    second = (await store.load(ANA)).version
    assert second is not None and second > first
    # A turn that changed nothing is checked, and need not move it.
    await store.commit(ANA, None, (), "tg:1", expected=second)
    assert (await store.load(ANA)).version == second
    assert (await store.load(BEK)).version is None, "versions are per resident"


async def test_a_stale_commit_stores_nothing_and_its_key_can_be_recorded_by_the_retry(
    store: Store,
) -> None:
    loaded = await store.load(ANA)
    await store.commit(ANA, Conversation(step=Step.CITY), expected=loaded.version)
    decided_on = (await store.load(ANA)).version
    # Another process commits a turn of the same resident in between.
    await store.commit(ANA, Conversation(step=Step.DISTRICT, page=7), expected=decided_on)
    before = await store.load(ANA)
    with pytest.raises(StaleState):
        await store.commit(
            ANA,
            Conversation(step=Step.SUBSCRIBE, page=1),
            [SetLanguage("ky"), SaveAnswer(answer(1))],
            "tg:2",
            expected=decided_on,
        )
    after = await store.load(ANA, "tg:2")
    assert after.duplicate is False, "the savepoint undid the dedup key too"
    assert (after.session, after.version) == (before.session, before.version)
    assert await store.answer_history(ANA) == []
    # The retry, decided on the new state, goes through with the same key.
    retry = [SaveAnswer(answer(1))]
    await store.commit(
        ANA, Conversation(step=Step.SUBSCRIBE), retry, "tg:2", expected=after.version
    )
    assert (await store.load(ANA, "tg:2")).duplicate


@pytest.mark.parametrize(
    ("conv", "expected"),
    [
        (Conversation(step=Step.CITY), None),  # "no resident yet", but there is one
        (Conversation(step=Step.CITY), 12345),  # a version it never had
        (None, 12345),  # a turn that changed nothing is checked too
        (Conversation(), "stale-forget"),  # Forget decided on an older state
    ],
)
async def test_every_kind_of_stale_commit_is_refused(
    store: Store, conv: Conversation | None, expected: object
) -> None:
    await store.commit(ANA, Conversation(step=Step.DONE), [SaveAnswer(answer(1))])
    stale = (await store.load(ANA)).version
    await store.commit(ANA, Conversation(step=Step.DONE, page=2))
    effects = [Forget()] if expected == "stale-forget" else []
    with pytest.raises(StaleState):
        await store.commit(ANA, conv, effects, "k", expected=stale if effects else expected)  # type: ignore[arg-type]
    assert (await store.resident(ANA)) is not None
    assert (await store.load(ANA)).session.conv.page == 2
    assert (await store.load(ANA, "k")).duplicate is False


async def test_expected_none_on_a_forgotten_resident_holds(store: Store) -> None:
    await store.commit(ANA, Conversation(step=Step.DONE))
    await store.commit(ANA, Conversation(), [Forget()], expected=(await store.load(ANA)).version)
    assert (await store.load(ANA)).version is None
    with pytest.raises(StaleState):
        await store.commit(ANA, Conversation(step=Step.CITY), expected=1)
    await store.commit(ANA, Conversation(step=Step.CITY), expected=None)
    assert (await store.resident(ANA)) is not None


async def test_any_is_the_default_and_nothing_else_but_a_version_or_none(store: Store) -> None:
    await store.commit(ANA, Conversation(step=Step.CITY))
    await store.commit(ANA, Conversation(step=Step.CITY), expected=ANY)
    with pytest.raises(TypeError):
        await store.commit(ANA, Conversation(step=Step.CITY), expected="latest")


# --- SQLite: two real processes on one file -------------------------------------------------------

CHILD = """
import asyncio, random, sys
from flows.session import Conversation
from storage.base import ANY, ResidentRef, StaleState
from storage.sqlite import SqliteStore

async def resident(store, name, r, turns, checked, stats):
    who = ResidentRef("tg", f"v{r}")
    for t in range(turns):
        while True:
            loaded = await store.load(who)
            conv = loaded.session.conv.model_copy(deep=True)
            conv.places.append(f"{name}{t}")  # the turn's mark: lost if overwritten
            await asyncio.sleep(random.random() * 0.003)  # the step, and the other process
            expected = loaded.version if checked else ANY
            try:
                await store.commit(who, conv, [], f"{name}-{r}-{t}", expected=expected)
                break
            except StaleState:
                stats["retries"] += 1

async def main(path, name, turns, checked):
    async with SqliteStore(path) as store:
        print("ready", flush=True)
        sys.stdin.readline()
        stats = {"retries": 0}
        await asyncio.gather(*(resident(store, name, r, turns, checked, stats) for r in range(50)))
    print("retries", stats["retries"], flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "checked"))
"""


def _two_processes(db: Path, turns: int, mode: str) -> list[int]:
    """Both processes commit `turns` turns for each of the same 50 residents, started
    together; returns each one's StaleState retries. The file is made (migrated) first: the
    subject is the turns, not two first starts racing to create the schema."""
    import sqlite3

    from storage import migrations

    with sqlite3.connect(db) as made:
        made.execute("PRAGMA journal_mode = WAL")
        migrations.migrate(made)
    procs = [spawn(CHILD, db, name, turns, mode) for name in "ab"]
    watchdog = threading.Timer(120, lambda: [p.kill() for p in procs])  # never hang the suite
    watchdog.start()
    try:
        for p in procs:
            assert p.stdout is not None and p.stderr is not None
            if p.stdout.readline().strip() != "ready":
                p.kill()
                raise AssertionError(f"a child did not start: {p.stderr.read()[-2000:]}")
        for p in procs:  # go at once: the two overlap on every resident
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outputs = [p.communicate() for p in procs]
    finally:
        watchdog.cancel()
    retries = []
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        retries.append(int(out.split()[-1]))
    return retries


async def _lost_turns(db: Path, turns: int) -> int:
    marks = {f"{name}{t}" for name in "ab" for t in range(turns)}
    lost = 0
    async with SqliteStore(db) as store:
        for r in range(50):
            places = (await store.load(ResidentRef("tg", f"v{r}"))).session.conv.places
            assert len(places) == len(set(places)), "no turn applied twice"
            lost += len(marks - set(places))
    return lost


async def test_two_processes_on_one_database_lose_no_turn(tmp_path: Path) -> None:
    turns = 8
    checked = tmp_path / "checked.db"
    retries = _two_processes(checked, turns, "checked")
    assert await _lost_turns(checked, turns) == 0, "every turn of both processes is applied"
    assert sum(retries) > 0, "the processes did collide (else this proves nothing)"
    # The same run without the check: turns decided on a stale load overwrite each other.
    unchecked = tmp_path / "unchecked.db"
    _two_processes(unchecked, turns, "any")
    assert await _lost_turns(unchecked, turns) > 0, "without `expected`, answers are lost"


# --- PostgreSQL: two stores (two instances of the bot) on one database ------------------------


async def test_two_instances_on_one_version_one_commit_holds(
    migrated_dsn: str, clock: FakeClock
) -> None:
    """Both decided on the same version and commit at the same moment: one turn holds, the
    other is stale; its key is not recorded and nothing of it is counted."""
    async with (
        PostgresStore(migrated_dsn, clock=clock) as a,
        PostgresStore(migrated_dsn, clock=clock) as b,
    ):
        await a.commit(ANA, Conversation(step=Step.CITY))
        blocker = await asyncpg.connect(migrated_dsn)
        try:
            for version in range(1, 6):
                loaded = await a.load(ANA)
                # Hold the resident's row so that both commits are inside the database,
                # waiting for it, before either can go on.
                tx = blocker.transaction()
                await tx.start()
                await blocker.execute(
                    "SELECT 1 FROM residents WHERE external_id = $1 FOR UPDATE", ANA.external_id
                )
                turns = [
                    asyncio.create_task(
                        s.commit(
                            ANA,
                            Conversation(step=Step.DONE, page=n),
                            [SaveAnswer(answer(version, district=f"d{n}"))],
                            f"tg:{n}-{version}",
                            expected=loaded.version,
                        )
                    )
                    for n, s in enumerate((a, b))
                ]
                await wait_for_lock_waits(migrated_dsn, 2)
                await tx.rollback()
                results = await asyncio.gather(*turns, return_exceptions=True)
                winners = [n for n, r in enumerate(results) if r is None]
                assert len(winners) == 1, results
                (won,) = winners
                assert isinstance(results[1 - won], StaleState), results
                after = await b.load(ANA, f"tg:{1 - won}-{version}")
                assert after.duplicate is False, "the stale turn's key was rolled back"
                assert after.session.conv.page == won
                assert after.session.answer == answer(version, district=f"d{won}")
        finally:
            await blocker.close()
        assert [x.version for x in await b.answer_history(ANA)] == [1, 2, 3, 4, 5]
        tallies = await a.tallies("bishkek")
        assert tallies == await b.tallies("bishkek", recount=True)
        assert sum(t.respondents for t in tallies.values()) == 1, "counted once"


async def test_two_instances_create_a_resident_once(migrated_dsn: str, clock: FakeClock) -> None:
    """`expected=None` ("no resident yet") from both at once: one creates, one is stale."""
    people = [ResidentRef("wa", f"99670000{n:04d}") for n in range(20)]
    async with (
        PostgresStore(migrated_dsn, clock=clock) as a,
        PostgresStore(migrated_dsn, clock=clock) as b,
    ):
        results = await asyncio.gather(
            *(
                s.commit(who, Conversation(step=Step.CITY, page=n), expected=None)
                for who in people
                for n, s in enumerate((a, b))
            ),
            return_exceptions=True,
        )
        for who, pair in zip(people, zip(results[::2], results[1::2], strict=True), strict=True):
            assert sorted(type(r).__name__ for r in pair) == ["NoneType", "StaleState"], pair
            page = (await a.load(who)).session.conv.page
            assert pair[page] is None, "the one that holds is the one stored"


async def test_two_instances_commit_one_delivery_once(migrated_dsn: str, clock: FakeClock) -> None:
    """The same update delivered to both instances: one applies it, one gets DuplicateUpdate."""
    async with (
        PostgresStore(migrated_dsn, clock=clock) as a,
        PostgresStore(migrated_dsn, clock=clock) as b,
    ):
        blocker = await asyncpg.connect(migrated_dsn)
        try:
            # An uncommitted insert of the key lines both up behind it (then it goes away).
            tx = blocker.transaction()
            await tx.start()
            await blocker.execute(
                "INSERT INTO processed_updates (key, processed_at) VALUES ('tg:77', 'x')"
            )
            turns = [
                asyncio.create_task(
                    s.commit(BEK, Conversation(step=Step.DONE), [SaveAnswer(answer(1))], "tg:77")
                )
                for s in (a, b)
            ]
            await wait_for_lock_waits(migrated_dsn, 2)
            await tx.rollback()
            results = await asyncio.gather(*turns, return_exceptions=True)
        finally:
            await blocker.close()
        assert sorted(type(r).__name__ for r in results) == ["DuplicateUpdate", "NoneType"]
        assert await a.answer_history(BEK) == [answer(1)]
        assert (await a.tallies("bishkek"))["leninsky"].respondents == 1


async def _race(store: PostgresStore, name: str, turns: int, checked: bool) -> int:
    """As the CHILD above, in this process: `turns` turns for each of 20 residents, each
    decided on a load and committed after a pause; returns the StaleState retries."""
    retries = 0

    async def resident(r: int) -> None:
        nonlocal retries
        who = ResidentRef("tg", f"v{r}")
        for t in range(turns):
            while True:
                loaded = await store.load(who)
                conv = loaded.session.conv.model_copy(deep=True)
                conv.places.append(f"{name}{t}")  # the turn's mark: lost if overwritten
                await asyncio.sleep(random.random() * 0.003)
                expected = loaded.version if checked else ANY
                try:
                    await store.commit(who, conv, [], f"{name}-{r}-{t}", expected=expected)
                    break
                except StaleState:
                    retries += 1

    await asyncio.gather(*(resident(r) for r in range(20)))
    return retries


@pytest.mark.parametrize("checked", [True, False])
async def test_two_instances_lose_no_turn(migrated_dsn: str, checked: bool) -> None:
    turns = 5
    async with PostgresStore(migrated_dsn) as a, PostgresStore(migrated_dsn) as b:
        retries = await asyncio.gather(_race(a, "a", turns, checked), _race(b, "b", turns, checked))
        marks = {f"{name}{t}" for name in "ab" for t in range(turns)}
        lost = 0
        for r in range(20):
            places = (await a.load(ResidentRef("tg", f"v{r}"))).session.conv.places
            assert len(places) == len(set(places)), "no turn applied twice"
            lost += len(marks - set(places))
    if checked:
        assert lost == 0, "every turn of both instances is applied"
        assert sum(retries) > 0, "the instances did collide (else this proves nothing)"
    else:
        assert lost > 0, "without `expected`, answers are lost"
