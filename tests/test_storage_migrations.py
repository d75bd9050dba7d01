"""Schema migrations: applied once, atomically, never on a newer schema; their backfills."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from storage_helpers import answer, raw

from flows.session import Conversation, Forget, SaveAnswer, SetLanguage, Step
from storage import migrations
from storage.base import ResidentRef
from storage.migrations import Migration, SchemaTooNew
from storage.sqlite import SqliteStore

ANA = ResidentRef("tg", "1001")
BEK = ResidentRef("wa", "996555000111")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "citybot.db"


def schema(db_path: Path) -> list[tuple[str, str]]:
    with raw(db_path) as db:
        return db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()


async def test_migrations_are_idempotent(db_path: Path) -> None:
    async with SqliteStore(db_path) as s:
        await s.commit(ANA, Conversation(step=Step.DONE), [SaveAnswer(answer(1))])
    first = schema(db_path)
    async with SqliteStore(db_path) as s:
        assert (await s.load(ANA)).session.answer == answer(1)
    async with SqliteStore(db_path):
        pass
    assert schema(db_path) == first
    with raw(db_path) as db:
        assert migrations.schema_version(db) == len(migrations.MIGRATIONS)
    names = {name for name, _ in first}
    assert {"residents", "answers", "answer_items", "processed_updates"} <= names


async def test_a_new_migration_is_applied_once(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with SqliteStore(db_path) as s:
        await s.commit(ANA, Conversation(step=Step.DONE), [SetLanguage("ky")])
    extra = Migration(
        "working groups",
        (
            "CREATE TABLE extra_example (city TEXT PRIMARY KEY, chat_id INTEGER NOT NULL) STRICT",
            "INSERT INTO extra_example VALUES ('bishkek', 1)",
        ),
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, extra))
    for _ in range(2):  # the second open must not re-run it (the INSERT would then fail)
        async with SqliteStore(db_path) as s:
            assert (await s.load(ANA)).session.profile.lang == "ky"
    with raw(db_path) as db:
        assert migrations.schema_version(db) == len(migrations.MIGRATIONS)
        assert db.execute("SELECT * FROM extra_example").fetchall() == [("bishkek", 1)]


def _failing_backfill(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO half_done VALUES (1)")
    raise RuntimeError("backfill failed")


@pytest.mark.parametrize(
    ("broken", "error"),
    [
        (
            Migration(
                "broken",
                (
                    "CREATE TABLE half_done (x INTEGER) STRICT",
                    "INSERT INTO no_such_table VALUES (1)",
                ),
            ),
            sqlite3.OperationalError,
        ),
        (
            Migration(
                "broken backfill",
                ("CREATE TABLE half_done (x INTEGER) STRICT",),
                _failing_backfill,  # a Python step runs in the migration's transaction
            ),
            RuntimeError,
        ),
    ],
    ids=["sql", "python step"],
)
async def test_a_failing_migration_leaves_nothing_behind(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, broken: Migration, error: type[Exception]
) -> None:
    async with SqliteStore(db_path):
        pass
    before = schema(db_path)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
    with pytest.raises(error):
        await SqliteStore(db_path).open()
    assert schema(db_path) == before  # no half_done table: the migration rolled back
    with raw(db_path) as db:
        assert migrations.schema_version(db) == len(migrations.MIGRATIONS) - 1


async def test_a_database_from_newer_code_is_refused(db_path: Path) -> None:
    async with SqliteStore(db_path):
        pass
    with raw(db_path) as db:
        db.execute(f"PRAGMA user_version = {len(migrations.MIGRATIONS) + 1}")
    with pytest.raises(SchemaTooNew):
        await SqliteStore(db_path).open()


def _migrated_until(db_path: Path, name: str) -> sqlite3.Connection:
    """A database as the code before migration `name` left it (raw, autocommit)."""
    (first_new,) = [n for n, m in enumerate(migrations.MIGRATIONS) if m.name == name]
    db = sqlite3.connect(db_path, isolation_level=None)
    migrations.migrate(db, migrations.MIGRATIONS[:first_new])
    return db


def _old_answer(
    db: sqlite3.Connection, resident: int, version: int, current: int, district: str | None, items
) -> None:
    now = "2026-05-01T10:00:00.000000+00:00"
    db.execute(
        "INSERT OR IGNORE INTO residents (id, channel, external_id, created_at, updated_at)"
        " VALUES (?, 'tg', ?, ?, ?)",
        (resident, str(1000 + resident), now, now),
    )
    ((answer_id,),) = db.execute(
        "INSERT INTO answers (resident_id, version, is_current, city, district, created_at)"
        " VALUES (?, ?, ?, 'bishkek', ?, ?) RETURNING id",
        (resident, version, current, district, now),
    ).fetchall()
    for rank, (category, text) in enumerate(items, 1):
        db.execute(
            "INSERT INTO answer_items VALUES (?, ?, ?, ?)", (answer_id, rank, category, text)
        )


async def test_the_counters_migration_counts_answers_stored_before_it(db_path: Path) -> None:
    """Answers stored before the ranking counters existed are counted by its backfill (and,
    by the rounds migration, in round 0)."""
    db = _migrated_until(db_path, "ranking counters")
    _old_answer(db, 1, 1, 0, None, [("roads", None)])
    _old_answer(db, 1, 2, 1, "oktyabrsky", [("roads", None), ("water", None)])
    _old_answer(db, 2, 1, 1, None, [("roads", None)])
    db.close()
    async with SqliteStore(db_path) as s:
        kept = await s.tallies("bishkek")
        assert kept == await s.tallies("bishkek", recount=True)
        assert kept == await s.tallies("bishkek", round_id=0)
        assert {d: t.respondents for d, t in kept.items()} == {"oktyabrsky": 1, "": 1}
        assert kept["oktyabrsky"].counts == {"roads": 1, "water": 1}


async def test_counters_drifted_by_several_own_words_are_rebuilt(db_path: Path) -> None:
    """Before the fix, an answer with two own-words items was taken off the counters once:
    a migration rebuilds them from the answers."""
    db = _migrated_until(db_path, "counters rebuilt")
    _old_answer(db, 1, 1, 1, None, [("other", "мост"), ("other", "баня")])
    # What the old decrement left behind.
    db.execute("INSERT INTO tally_respondents VALUES ('bishkek', '', 1)")
    db.execute("INSERT INTO tally_categories VALUES ('bishkek', '', 'other', 8, 30)")
    db.close()
    async with SqliteStore(db_path) as s:
        kept = await s.tallies("bishkek")
        assert kept == await s.tallies("bishkek", recount=True)
        assert kept[""].counts == {"other": 2}


def _schema_before_this_change(db_path: Path) -> sqlite3.Connection:
    """A database as the code before versions, leases and learned sources left it."""
    (first_new,) = [
        n for n, m in enumerate(migrations.MIGRATIONS) if m.name == "conversation versions"
    ]
    db = sqlite3.connect(db_path, isolation_level=None)
    migrations.migrate(db, migrations.MIGRATIONS[:first_new])
    return db


async def test_learned_wordings_are_linked_to_the_answers_that_said_them(db_path: Path) -> None:
    now = "2026-05-01T10:00:00.000000+00:00"
    db = _schema_before_this_change(db_path)
    rows = [  # (resident, channel, external id, city, own words)
        (1, "wa", "996555000111", "karakol", "Нет  бассейна!"),
        (2, "tg", "1001", "karakol", "нет бассейна"),
        (3, "tg", "1002", "manas", "нет бассейна"),  # another city: another wording
        (4, "tg", "1003", "karakol", "плохие дороги"),  # never reviewed
    ]
    for resident, channel, external, city, text in rows:
        db.execute(
            "INSERT INTO residents (id, channel, external_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (resident, channel, external, now, now),
        )
        db.execute(
            "INSERT INTO answers (id, resident_id, version, is_current, city, created_at)"
            " VALUES (?, ?, 1, 1, ?, ?)",
            (resident, resident, city, now),
        )
        db.execute("INSERT INTO answer_items VALUES (?, 1, 'public_spaces', ?)", (resident, text))
    db.execute(
        "INSERT INTO learned_wordings VALUES ('karakol', 'нет бассейна', 'public_spaces', ?)",
        (now,),
    )
    db.execute(
        "INSERT INTO reviews VALUES (1, 'karakol', 'нет бассейна', 'public_spaces', 7, 2, ?)",
        (now,),
    )
    db.close()

    async with SqliteStore(db_path) as store:
        with raw(db_path) as check:
            links = check.execute("SELECT city, wording, answer_id FROM learned_sources").fetchall()
        assert sorted(links) == [("karakol", "нет бассейна", 1), ("karakol", "нет бассейна", 2)]
        assert (await store.load(ResidentRef("tg", "1001"))).version == 1, "existing residents"
        assert await store.learned_version() == 0
        await store.commit(ResidentRef("wa", "996555000111"), Conversation(), [Forget()])
        assert await store.learned() == {"karakol": {"нет бассейна": "public_spaces"}}, "still 2's"
        await store.commit(ResidentRef("tg", "1001"), Conversation(), [Forget()])
        assert await store.learned() == {}
    with raw(db_path) as check:
        assert check.execute("SELECT count(*) FROM reviews").fetchone() == (0,)
