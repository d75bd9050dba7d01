"""The council's export read as a stream: every store yields the same rows, in batches."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import pytest
from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    answer,
    clock_fixture,
    store_fixture,
)

import storage.postgres.exports
import storage.sqlite.exports
from flows.rounds import OpenRound
from flows.session import Conversation, Forget, SaveAnswer
from storage.base import ExportItem, ResidentRef, Store

ANA = ResidentRef("tg", "1001")
BEK = ResidentRef("wa", "+996555123456")
CAN = ResidentRef("tg", "1003")


async def _collect(store: Store, city: str, round_id: int | None = None) -> list[list[ExportItem]]:
    return [batch async for batch in store.export_stream(city, round_id)]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> int:
    """Batches of 2 rows, so a handful of answers spans several of them."""
    for module in (storage.sqlite.exports, storage.postgres.exports):
        monkeypatch.setattr(module, "BATCH", 2)
    return 2


async def test_every_current_item_in_order_in_batches(
    store: Store, clock: FakeClock, small_batches: int
) -> None:
    await store.commit(ANA, Conversation(), [SaveAnswer(answer(1, "karakol", "mtu1"))])
    clock.advance(hours=20)  # 06:00 UTC the next day: already past midnight in Bishkek
    await store.commit(BEK, Conversation(), [SaveAnswer(answer(1, "karakol", None, ("dogs",)))])
    clock.advance(hours=1)
    # Ana changes her list: only the current version is exported.
    changed = answer(2, "karakol", "mtu2", ("water", "roads"))
    await store.commit(ANA, Conversation(), [SaveAnswer(changed)])
    await store.commit(CAN, Conversation(), [SaveAnswer(answer(1, "manas", "d1"))])

    batches = await _collect(store, "karakol")
    assert [len(b) for b in batches] == [2, 1], "batches of the size asked, then the rest"
    rows = [row for batch in batches for row in batch]
    assert [(r.district, r.rank, r.category, r.text) for r in rows] == [
        (None, 1, "dogs", "dogs in karakol, v1"),
        ("mtu2", 1, "water", "water in karakol, v2"),
        ("mtu2", 2, "roads", None),
    ]
    assert [r.answered_at for r in rows] == [
        datetime(2026, 5, 2, 6, 0, tzinfo=UTC),
        datetime(2026, 5, 2, 7, 0, tzinfo=UTC),
        datetime(2026, 5, 2, 7, 0, tzinfo=UTC),
    ], "aware UTC times, so the export can write the city's local day"
    names = {f.name for f in fields(ExportItem)}
    assert names == {"district", "rank", "category", "text", "answered_at"}, "no identifiers"
    every = repr(rows)
    assert "1001" not in every and "555123456" not in every
    # The list read at once agrees with the stream (same items, same order).
    listed = await store.export_rows("karakol")
    assert [(r.district, r.rank, r.category, r.text) for r in listed] == [
        (r.district, r.rank, r.category, r.text) for r in rows
    ]


async def test_a_city_without_answers_streams_nothing(store: Store) -> None:
    await store.commit(ANA, Conversation(), [SaveAnswer(answer(1, "manas", "d1"))])
    assert await _collect(store, "karakol") == []


async def test_forgotten_residents_are_not_exported(store: Store) -> None:
    await store.commit(ANA, Conversation(), [SaveAnswer(answer(1, "karakol", "mtu1"))])
    await store.commit(BEK, Conversation(), [SaveAnswer(answer(1, "karakol", "mtu2"))])
    await store.commit(ANA, Conversation(), [Forget()])
    rows = [row for batch in await _collect(store, "karakol") for row in batch]
    assert {r.district for r in rows} == {"mtu2"}


async def test_one_snapshot_while_residents_keep_answering(
    store: Store, clock: FakeClock, small_batches: int
) -> None:
    for n in range(3):
        who = ResidentRef("tg", str(2000 + n))
        await store.commit(who, Conversation(), [SaveAnswer(answer(1, "karakol", "mtu1"))])
        clock.advance(minutes=1)
    stream = store.export_stream("karakol")
    try:
        first = await anext(stream)
        # A new resident and a changed list, committed while the file is being written.
        clock.advance(minutes=1)
        late = ResidentRef("tg", "2999")
        await store.commit(late, Conversation(), [SaveAnswer(answer(1, "karakol", "mtu3"))])
        again = ResidentRef("tg", "2000")
        await store.commit(again, Conversation(), [SaveAnswer(answer(2, "karakol", "mtu4"))])
        rest = [row async for batch in stream for row in batch]
    finally:
        await stream.aclose()
    rows = [*first, *rest]
    assert len(rows) == 9, "three answers of three items, as they were when it began"
    assert {r.district for r in rows} == {"mtu1"}, "nothing committed after the start"


async def test_leaving_a_stream_early_frees_it(store: Store, small_batches: int) -> None:
    for n in range(3):
        who = ResidentRef("tg", str(3000 + n))
        await store.commit(who, Conversation(), [SaveAnswer(answer(1, "karakol", "mtu1"))])
    for _ in range(12):  # more than the PostgreSQL pool's connections, if one leaked
        stream = store.export_stream("karakol")
        assert len(await anext(stream)) == 2
        await stream.aclose()
    assert sum(len(b) for b in await _collect(store, "karakol")) == 9
    # And the store still takes answers (no lock or snapshot left behind).
    await store.commit(CAN, Conversation(), [SaveAnswer(answer(1, "karakol", "mtu2"))])
    assert sum(len(b) for b in await _collect(store, "karakol")) == 12


async def test_one_round_the_current_by_default(store: Store, clock: FakeClock) -> None:
    """Answers belong to their round; the stream reads the city's current round unless told
    (as the ranking does), so the file and its ranking count the same answers."""
    await store.commit(ANA, Conversation(), [SaveAnswer(answer(1, "karakol", "mtu1"))])
    before = [row for batch in await _collect(store, "karakol") for row in batch]
    assert before and before == [r for b in await _collect(store, "karakol", 0) for r in b]
    assert await _collect(store, "karakol", 999) == [], "an unknown round has no answers"
    opened = OpenRound(
        "karakol", "Бюджет 2027", "Бюджет 2027", "2026-05-01", "2026-06-30", clock.now
    )
    (round_id,) = await store.commit_operator("cli:op", [opened])
    clock.advance(minutes=1)
    in_round = answer(1, "karakol", "mtu2", ("dogs",)).model_copy(update={"round": round_id})
    await store.commit(BEK, Conversation(), [SaveAnswer(in_round)])
    now = [row for batch in await _collect(store, "karakol") for row in batch]
    assert [(r.district, r.category) for r in now] == [("mtu2", "dogs")]
    earlier = [row for batch in await _collect(store, "karakol", 0) for row in batch]
    assert earlier == before, "round 0 (before rounds) is still there to export"


async def test_answer_hours_count_what_the_stream_yields(store: Store, clock: FakeClock) -> None:
    """The desk's trend reads counts per UTC hour and category; they equal a recount of the
    stream (current versions only, the round asked or the current one, forgotten gone)."""
    await store.commit(ANA, Conversation(), [SaveAnswer(answer(1, "karakol", "mtu1"))])
    clock.advance(minutes=30)  # the same hour
    await store.commit(BEK, Conversation(), [SaveAnswer(answer(1, "karakol", None, ("roads",)))])
    clock.advance(hours=20)
    await store.commit(CAN, Conversation(), [SaveAnswer(answer(1, "karakol", "mtu2"))])
    clock.advance(hours=1)
    await store.commit(BEK, Conversation(), [SaveAnswer(answer(2, "karakol", None, ("water",)))])
    await store.commit(CAN, Conversation(), [SaveAnswer(answer(2, "manas", "d1"))])  # moves

    def recount(rows: list[ExportItem]) -> dict[tuple[datetime, str], tuple[int, int]]:
        counts: dict[tuple[datetime, str], tuple[int, int]] = {}
        for r in rows:
            hour = r.answered_at.replace(minute=0, second=0, microsecond=0)
            items, first = counts.get((hour, r.category), (0, 0))
            counts[(hour, r.category)] = (items + 1, first + (r.rank == 1))
        return counts

    rows = [row for batch in await _collect(store, "karakol") for row in batch]
    hours = await store.answer_hours("karakol")
    assert {(h.hour, h.category): (h.items, h.first) for h in hours} == recount(rows)
    assert [(h.hour.hour, h.category, h.items, h.first) for h in hours] == [
        (10, "air", 1, 0),
        (10, "roads", 1, 1),
        (10, "water", 1, 0),
        (7, "water", 1, 1),
    ], "Ana's three items and Bek's second version; Can moved to Manas"
    assert all(h.hour.tzinfo is not None for h in hours)
    assert await store.answer_hours("karakol", 999) == []
    await store.commit(ANA, Conversation(), [Forget()])
    assert [h.category for h in await store.answer_hours("karakol")] == ["water"]
