"""The signals' read (`signal_rows`): every store gives the same rows, flags and no ids."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from storage_helpers import (  # noqa: F401  (fixtures)
    STORE_KINDS,
    FakeClock,
    clock_fixture,
    store_fixture,
)

from flows import signals
from flows.session import Answer, Conversation, Forget, Item, SaveAnswer
from storage.base import ResidentRef, Store

SCRIPT = "Постройте новую дорогу на улице Ленина!"


async def _answer(
    store: Store, who: ResidentRef, categories: list[str], words: str | None = None, v: int = 1
) -> None:
    items = [Item(category=c) for c in categories]
    if words is not None:
        items.append(Item(category="other", text=words))
    answer = Answer(version=v, city="karakol", district=None, items=items)
    await store.commit(who, Conversation(), [SaveAnswer(answer)])


async def test_rows_carry_times_channels_flags_and_normalised_words(
    store: Store, clock: FakeClock
) -> None:
    started = clock.now
    await _answer(store, ResidentRef("wa", "996555000111"), ["roads"], SCRIPT)
    clock.advance(minutes=1)
    await _answer(store, ResidentRef("wa", "79161234567"), ["roads", "drinking_water"])
    clock.advance(minutes=1)
    await _answer(store, ResidentRef("tg", "5000"), ["heating"])
    clock.advance(minutes=1)
    await store.commit(ResidentRef("tg", "6000"), Conversation())  # no answer: not a row
    emptied = ResidentRef("tg", "7000")
    await _answer(store, emptied, ["roads"])
    await _answer(store, emptied, [], v=2)  # an emptied list counts for nobody
    other_city = Answer(version=1, city="manas", district=None, items=[Item(category="roads")])
    await store.commit(ResidentRef("tg", "8000"), Conversation(), [SaveAnswer(other_city)])

    rows = await store.signal_rows("karakol")
    assert [(r.channel, r.categories, r.foreign_number, r.new_account) for r in rows] == [
        ("wa", ("roads", "other"), False, False),
        ("wa", ("roads", "drinking_water"), True, False),
        ("tg", ("heating",), False, False),
    ]
    assert rows[0].words == ("постройте новую дорогу на улице ленина",)
    assert rows[0].created_at == started and rows[1].answered_at == started + timedelta(minutes=1)
    for row in rows:
        text = repr(asdict(row))
        for external in ("996555000111", "79161234567", "5000"):
            assert external not in text, "no id leaves the store"
    assert await store.signal_rows("karakol", since=started + timedelta(minutes=2)) == rows[2:]
    await store.commit(ResidentRef("tg", "5000"), Conversation(), [Forget()])
    assert len(await store.signal_rows("karakol")) == 2, "a forgotten resident is gone"


async def test_the_youngest_telegram_ids_are_flagged_only_with_enough_of_them(
    store: Store, clock: FakeClock
) -> None:
    # 19 residents: too few to say which ids are young.
    for n in range(19):
        await _answer(store, ResidentRef("tg", str(100_000 + n * 1000)), ["roads"])
        clock.advance(minutes=1)
    assert not any(r.new_account for r in await store.signal_rows("karakol"))
    for n in range(11):  # now 30: the top tenth (3 ids) is "new"
        await _answer(store, ResidentRef("tg", str(9_000_000_000 + n)), ["schools"])
        clock.advance(seconds=30)
    rows = await store.signal_rows("karakol")
    assert len(rows) == 30 and sum(r.new_account for r in rows) == 3
    assert all(r.categories == ("schools",) for r in rows if r.new_account)


async def test_a_scripted_burst_is_seen_through_the_store(store: Store, clock: FakeClock) -> None:
    for n in range(10):
        await _answer(store, ResidentRef("tg", str(1000 + n)), ["roads"])
        clock.advance(hours=5)
    for n in range(6):  # six new residents paste the same sentence within six minutes
        await _answer(store, ResidentRef("wa", f"99677000{n:04d}"), ["greening"], SCRIPT.upper())
        clock.advance(minutes=1)
    report = signals.signals(await store.signal_rows("karakol"))
    found = {s.name: s for s in report.signals}
    assert report.respondents == 16 and found[signals.SAME_WORDS].flagged == 6
    assert [(r.category, r.count) for r in found[signals.SAME_WORDS].without.rows] == [
        ("roads", 10)
    ]
    assert found[signals.FOREIGN_WHATSAPP].flagged == 0


async def test_the_rows_are_of_the_round_the_reports_show(store: Store, clock: FakeClock) -> None:
    from flows.rounds import OpenRound

    await _answer(store, ResidentRef("tg", "5001"), ["roads"])
    await _answer(store, ResidentRef("tg", "5002"), ["heating"])
    made = OpenRound("karakol", "Бюджет", "Бюджет", "2026-05-01", "2026-06-30", clock.now)
    (round_id,) = await store.commit_operator("cli:op", [made])
    clock.advance(minutes=1)
    answer = Answer(version=2, city="karakol", district=None, items=[Item(category="waste")])
    answer = answer.model_copy(update={"round": round_id})
    await store.commit(ResidentRef("tg", "5001"), Conversation(), [SaveAnswer(answer)])
    assert [r.categories for r in await store.signal_rows("karakol")] == [("waste",)]
    before = await store.signal_rows("karakol", round_id=0)
    assert sorted(r.categories for r in before) == [("heating",), ("roads",)]
    assert await store.signal_rows("karakol", round_id=round_id + 1) == []
