"""/forget leaves nothing: no row, no learned wording of theirs alone, no bytes in the files."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest
from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    clock_fixture,
    migrated_dsn_fixture,
    own_words,
    store_fixture,
)

from flows.effects import PlaceWording
from flows.session import (
    Answer,
    Conversation,
    CreateAnnouncement,
    Forget,
    Item,
    SaveAnswer,
    Step,
)
from flows.text import normalise
from storage.base import ResidentRef, Store
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore, engine

PHRASE = "Жолборс7781 көчөсү, звоните +996 555 123 456"
WORDING = normalise(PHRASE)
AIDA = ResidentRef("wa", "996555123456")  # on WhatsApp the id is the phone number
BEK = ResidentRef("tg", "8002")


def _said(words: str) -> Item:
    """Their own words, as the conversation keeps them while a replacement is placed."""
    return Item(category="other", text=words)


async def _types_and_is_reviewed(store: Store, who: ResidentRef, *also: ResidentRef) -> None:
    """`who` (and `also`) typed the phrase as own words; a reviewer placed it."""
    for person in (who, *also):
        conv = Conversation(step=Step.SUGGEST, previous=_said(PHRASE))
        await store.commit(person, conv, [SaveAnswer(own_words(1, "karakol", PHRASE, "roads"))])
    items = tuple((u.answer_id, u.rank) for u in await store.unplaced("karakol"))
    place = PlaceWording("karakol", WORDING, "public_spaces", 4242, items)
    await store.commit_group(-100, [place], "tg:review")
    assert await store.learned() == {"karakol": {WORDING: "public_spaces"}}


async def test_forget_takes_what_review_learned_from_them_alone(store: Store) -> None:
    await _types_and_is_reviewed(store, AIDA)
    before = await store.learned_version()
    await store.commit(AIDA, Conversation(), [Forget()])
    assert await store.learned() == {}
    assert await store.learned_version() > before, "matchers elsewhere forget it too"


async def test_a_wording_others_typed_too_stays_until_the_last_one_goes(store: Store) -> None:
    await _types_and_is_reviewed(store, AIDA, BEK)
    before = await store.learned_version()
    await store.commit(AIDA, Conversation(), [Forget()])
    assert await store.learned() == {"karakol": {WORDING: "public_spaces"}}, "Bek's words too"
    assert await store.learned_version() == before
    await store.commit(BEK, Conversation(), [Forget()])
    assert await store.learned() == {}


async def test_an_admins_id_leaves_the_announcements_audit(store: Store, clock: FakeClock) -> None:
    create = CreateAnnouncement("karakol", {"title": {"ru": "Слушания"}}, clock.now)
    await store.commit(AIDA, Conversation(), [create])
    (made,) = await store.announcements("karakol")
    assert await store.announcement_log(made.id) == [("created", "wa:996555123456")]
    await store.commit(AIDA, Conversation(), [Forget()])
    assert [a for a, _ in await store.announcement_log(made.id)] == ["created"]
    assert "996555123456" not in repr(await store.announcement_log(made.id))


# --- SQLite: the bytes in the files ------------------------------------------------------------


def _files(db: Path) -> bytes:
    """The database and its WAL companions (gone after the last connection closed)."""
    paths = (db, Path(f"{db}-wal"), Path(f"{db}-shm"))
    return b"".join(p.read_bytes() for p in paths if p.exists())


def _traces(db: Path) -> list[str]:
    """Which of the resident's words or ids can be read in the database files."""
    data = _files(db)
    needles = [PHRASE, WORDING, "Жолборс7781", AIDA.external_id]
    return [n for n in needles if n.encode() in data]


async def test_after_forget_no_byte_of_their_words_or_id_is_in_the_files(tmp_path: Path) -> None:
    db = tmp_path / "citybot.db"
    async with SqliteStore(db) as store:
        await _types_and_is_reviewed(store, AIDA)
        # A long history fills whole pages, freed by the Forget (FAST left them readable),
        # and every turn leaves older page images of their rows in the WAL.
        for version in range(2, 40):
            items = [Item(category="other", text=f"{PHRASE} {version}.{n} " * 4) for n in range(5)]
            history = SaveAnswer(
                Answer(version=version, city="karakol", district=None, items=items)
            )
            await store.commit(
                AIDA, Conversation(step=Step.DONE, previous=_said(PHRASE)), [history]
            )
        await store.commit(BEK, Conversation(), [SaveAnswer(own_words(1, "karakol", "яма"))])
        assert _traces(db) == [PHRASE, WORDING, "Жолборс7781", AIDA.external_id], "found before"
        await store.commit(AIDA, Conversation(), [Forget()], "wa:SM1")
        assert _traces(db) == [], "nothing readable while the store runs on"
    assert _traces(db) == []
    with closing(sqlite3.connect(db)) as raw:
        for table in ("reviews", "learned_wordings", "learned_sources"):
            assert raw.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert raw.execute("SELECT count(*) FROM residents").fetchone() == (1,), "Bek stays"


async def test_with_another_resident_the_wording_and_its_review_rows_stay(tmp_path: Path) -> None:
    db = tmp_path / "citybot.db"
    async with SqliteStore(db) as store:
        await _types_and_is_reviewed(store, AIDA, BEK)
        await store.commit(AIDA, Conversation(), [Forget()])
        assert AIDA.external_id.encode() not in _files(db)
    with closing(sqlite3.connect(db)) as raw:
        assert raw.execute("SELECT wording FROM reviews").fetchall() == [(WORDING,)]
        assert raw.execute("SELECT wording FROM learned_wordings").fetchall() == [(WORDING,)]
        assert raw.execute("SELECT count(*) FROM learned_sources").fetchone() == (1,), "Bek's"


async def test_a_reader_in_the_way_postpones_the_wal_truncation_to_a_later_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "CHECKPOINT_RETRY_EVERY", 0.0)
    db = tmp_path / "citybot.db"
    async with SqliteStore(db) as store:
        await _types_and_is_reviewed(store, AIDA)
        with closing(sqlite3.connect(db, isolation_level=None)) as other:
            other.execute("BEGIN")  # another process reading a snapshot from before the Forget
            other.execute("SELECT count(*) FROM answer_items").fetchall()
            await store.commit(AIDA, Conversation(), [Forget()])
            assert _traces(db) != [], "its pages are still in the WAL: that reader may need them"
            other.execute("COMMIT")
        assert await store.writable()  # any later batch tries again
        assert _traces(db) == []


# --- PostgreSQL: the rows -----------------------------------------------------------------------
# Dead row versions stay in the table files until VACUUM reuses their space and in the WAL
# until it is recycled: what the server keeps below the rows is the operator's to manage. The
# store's part: no row, in any table, says anything of theirs.


async def _rows_with_traces(con: asyncpg.Connection) -> dict[str, list[str]]:
    """Per table, which of the resident's words or ids some row holds (any column)."""
    found: dict[str, list[str]] = {}
    tables = await con.fetch(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    for (table,) in tables:
        for needle in (PHRASE, WORDING, "Жолборс7781", AIDA.external_id):
            if await con.fetchval(
                f"SELECT count(*) FROM {table} AS t WHERE strpos(row_to_json(t)::text, $1) > 0",
                needle,
            ):
                found.setdefault(table, []).append(needle)
    return found


async def _rows_of(con: asyncpg.Connection, resident_id: int) -> dict[str, int]:
    """Per table with a resident_id column, the rows of the resident."""
    tables = await con.fetch(
        "SELECT table_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND column_name = 'resident_id'"
    )
    return {
        table: await con.fetchval(
            f"SELECT count(*) FROM {table} WHERE resident_id = $1", resident_id
        )
        for (table,) in tables
    }


async def test_after_forget_no_row_in_any_table_holds_their_words_or_id(
    migrated_dsn: str, clock: FakeClock
) -> None:
    async with PostgresStore(migrated_dsn, clock=clock) as store:
        await _types_and_is_reviewed(store, AIDA)
        create = CreateAnnouncement("karakol", {"title": {"ru": "Слушания"}}, clock.now)
        await store.commit(AIDA, Conversation(step=Step.DONE, previous=_said(PHRASE)), [create])
        await store.commit(AIDA, Conversation(), [SaveAnswer(own_words(2, "karakol", PHRASE))])
        await store.record_delivery(AIDA, "SM1", "queued")
        await store.commit(BEK, Conversation(), [SaveAnswer(own_words(1, "karakol", "яма"))])
        con = await asyncpg.connect(migrated_dsn)
        try:
            aida_id = await con.fetchval(
                "SELECT id FROM residents WHERE external_id = $1", AIDA.external_id
            )
            before = await _rows_with_traces(con)
            assert set(before) >= {"residents", "answer_items", "learned_wordings", "reviews"}
            assert {t for t, n in (await _rows_of(con, aida_id)).items() if n} >= {
                "answers",
                "deliveries",
            }
            await store.commit(AIDA, Conversation(), [Forget()], "wa:SM2")
            assert await _rows_with_traces(con) == {}
            assert set((await _rows_of(con, aida_id)).values()) == {0}
            assert await con.fetchval("SELECT count(*) FROM residents") == 1, "Bek stays"
        finally:
            await con.close()
        assert (await store.load(AIDA, "wa:SM2")).duplicate, "the key of the Forget stays"
