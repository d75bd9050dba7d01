"""Survey rounds in the store: answers belong to their round, counters per round, both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    clock_fixture,
    migrated_dsn_fixture,
    store_fixture,
)

from flows.effects import PlaceWording
from flows.rounds import CloseRound, OpenRound, RoundAlreadyOpen
from flows.session import Answer, Conversation, Forget, Item, SaveAnswer, SetSource, Step
from storage.base import ResidentRef, StaleState, Store

ANA = ResidentRef("tg", "2001")
BEK = ResidentRef("wa", "+996555000222")
CITY = "karakol"


def listed(version: int, round_id: int, *categories: str, district: str | None = "d1") -> Answer:
    items = [Item(category=c, text="нет бассейна" if c == "other" else None) for c in categories]
    return Answer(version=version, city=CITY, district=district, items=items, round=round_id)


async def save(store: Store, who: ResidentRef, answer: Answer) -> None:
    await store.commit(who, Conversation(step=Step.DONE, city=answer.city), [SaveAnswer(answer)])


# 1 May 2026 begins in Karakol (UTC+6) at 18:00 UTC on 30 April; the clocks start on 1 May.
BEGINS = datetime(2026, 4, 30, 18, 0, tzinfo=UTC)


async def open_round(
    store: Store, title: str = "Бюджет 2027", city: str = CITY, begins: datetime = BEGINS
) -> int:
    made = OpenRound(city, title, f"{title} (ky)", "2026-05-01", "2026-06-30", begins)
    (round_id,) = await store.commit_operator("cli:op", [made])
    assert isinstance(round_id, int) and round_id > 0
    return round_id


async def close_round(store: Store, city: str = CITY) -> bool:
    (closed,) = await store.commit_operator("cli:op", [CloseRound(city)])
    return bool(closed)


async def counts(store: Store, round_id: int | None = None) -> dict[str, int]:
    """Citywide counts per category of the round, checked against a recount."""
    kept = await store.tallies(CITY, round_id=round_id)
    assert kept == await store.tallies(CITY, recount=True, round_id=round_id)
    assert await store.source_counts(CITY, round_id=round_id) == await store.source_counts(
        CITY, recount=True, round_id=round_id
    )
    total: dict[str, int] = {}
    for tally in kept.values():
        for category, n in tally.counts.items():
            total[category] = total.get(category, 0) + n
    return total


async def test_a_city_without_rounds_answers_in_round_0_as_before(store: Store) -> None:
    await save(store, ANA, listed(1, 0, "roads", "water"))
    assert await store.rounds() == [] and await store.current_round(CITY) is None
    assert await counts(store) == {"roads": 1, "water": 1} == await counts(store, 0)
    loaded = (await store.load(ANA)).session
    assert loaded.rounds == {} and loaded.answer == listed(1, 0, "roads", "water")
    assert loaded.previous is None and loaded.last_version == 1


async def test_one_open_round_per_city_and_closing(store: Store, clock: FakeClock) -> None:
    first = await open_round(store)
    with pytest.raises(RoundAlreadyOpen) as refused:
        await open_round(store, "Второй")
    assert refused.value.title == "Бюджет 2027"
    assert [r.id for r in await store.rounds()] == [first], "the refused one left nothing"
    other = await open_round(store, "Манас 2027", city="manas")  # another city: its own round
    clock.advance(days=1)
    assert await close_round(store) is True
    assert await close_round(store) is False, "nothing open any more"
    closed = await store.current_round(CITY)
    assert closed is not None and closed.state == "closed" and closed.closed_at is not None
    assert closed.title_ru == "Бюджет 2027" and closed.title_ky == "Бюджет 2027 (ky)"
    assert (closed.starts_on, closed.ends_on) == ("2026-05-01", "2026-06-30")
    second = await open_round(store, "Бюджет 2028")
    assert (await store.current_round(CITY)).id == second  # type: ignore[union-attr]
    assert [r.id for r in await store.rounds(CITY)] == [second, first]
    assert [r.id for r in await store.rounds()] == [second, other, first]


async def test_answers_in_round_1_and_round_2_are_counted_apart(
    store: Store, clock: FakeClock
) -> None:
    await save(store, ANA, listed(1, 0, "roads"))  # before rounds
    await store.commit(BEK, Conversation(), [SetSource("poster")])
    first = await open_round(store)
    loaded = (await store.load(ANA)).session
    assert loaded.answer is None, "a new round starts with an empty list"
    assert loaded.previous == listed(1, 0, "roads") and loaded.last_version == 1
    assert loaded.rounds[CITY].id == first and loaded.rounds[CITY].state == "open"
    await save(store, ANA, listed(2, first, "water", "dogs"))
    await save(store, ANA, listed(3, first, "water", "schools"))  # changed within the round
    await save(store, BEK, listed(1, first, "water", district=None))
    clock.advance(days=40)
    since = clock.now
    assert await close_round(store)
    second = await open_round(store, "Бюджет 2028")
    clock.advance(minutes=1)
    await save(store, ANA, listed(4, second, "air", "other"))

    assert await counts(store, 0) == {"roads": 1}
    assert await counts(store, first) == {"water": 2, "schools": 1}
    assert await counts(store, second) == {"air": 1, "other": 1}
    assert await counts(store) == await counts(store, second), "the open round by default"
    assert await store.source_counts(CITY, round_id=first) == {"poster": 1}
    assert await store.source_counts(CITY) == {}
    assert [r.category for r in await store.export_rows(CITY, round_id=first)] == [
        "water", "schools", "water"
    ]  # fmt: skip
    assert [r.category for r in await store.export_rows(CITY)] == ["air", "other"]
    assert await store.changed_since(CITY, since) == 1
    assert await store.changed_since(CITY, since, round_id=first) == 0
    assert await store.changed_since(CITY, since - timedelta(days=41), round_id=first) == 3
    stats = await store.city_stats(CITY, since, since, since)
    assert stats.answers_total == {"tg": 1}
    stats = await store.city_stats(CITY, since, since, since, round_id=first)
    assert stats.answers_total == {"tg": 1, "wa": 1}

    loaded = (await store.load(ANA)).session
    assert loaded.answer == listed(4, second, "air", "other")
    assert loaded.previous == listed(3, first, "water", "schools")
    history = await store.answer_history(ANA)
    assert [(a.version, a.round) for a in history] == [(1, 0), (2, first), (3, first), (4, second)]

    # Closed: reports default to the latest closed round; residents read its answer.
    assert await close_round(store)
    assert await counts(store) == {"air": 1, "other": 1}
    assert (await store.load(ANA)).session.answer == listed(4, second, "air", "other")


async def test_an_answer_for_a_round_that_is_not_open_is_stale(store: Store) -> None:
    first = await open_round(store)
    with pytest.raises(StaleState):  # loaded before the round opened: runs again
        await save(store, ANA, listed(1, 0, "roads"))
    await save(store, ANA, listed(1, first, "roads"))
    assert await close_round(store)
    with pytest.raises(StaleState):  # loaded before it closed
        await save(store, ANA, listed(2, first, "water"))
    with pytest.raises(StaleState):  # the city had rounds: no more "before rounds"
        await save(store, ANA, listed(2, 0, "water"))
    assert [a.version for a in await store.answer_history(ANA)] == [1], "nothing stored"
    assert await counts(store, first) == {"roads": 1}


async def test_forget_removes_a_residents_answers_in_every_round(store: Store) -> None:
    await save(store, ANA, listed(1, 0, "roads", "other"))
    await save(store, BEK, listed(1, 0, "roads"))
    first = await open_round(store)
    await save(store, ANA, listed(2, first, "water", "other"))
    await store.commit(ANA, Conversation(), [SetSource("radio")])
    await close_round(store)
    second = await open_round(store, "Бюджет 2028")
    await save(store, ANA, listed(3, second, "dogs"))
    assert await store.source_counts(CITY, round_id=first) == {"radio": 1}

    await store.commit(ANA, Conversation(), [Forget()])
    assert await store.answer_history(ANA) == [] and await store.resident(ANA) is None
    assert await counts(store, 0) == {"roads": 1}, "Bek's answer stays"
    assert await counts(store, first) == {} and await counts(store, second) == {}
    assert await store.source_counts(CITY, round_id=first) == {}


async def test_review_moves_the_counts_of_the_answers_round(store: Store) -> None:
    await save(store, BEK, listed(1, 0, "other"))
    first = await open_round(store)
    await save(store, ANA, listed(1, first, "roads", "other"))
    items = tuple((u.answer_id, u.rank) for u in await store.unplaced(CITY))
    assert len(items) == 2, "own words of every round wait for review"
    place = PlaceWording(CITY, "нет бассейна", "youth_leisure", 7, items)
    await store.commit_group(-100, [place])
    assert await counts(store, 0) == {"youth_leisure": 1}
    assert await counts(store, first) == {"roads": 1, "youth_leisure": 1}


async def test_a_round_opened_for_days_ahead_begins_on_its_first_day(
    store: Store, clock: FakeClock
) -> None:
    """Until its first day begins in the city, reports and residents stay with the round
    before (here round 0): a scheduled round has no answers to show yet."""
    ana = ResidentRef("tg", "2002")
    await save(store, ANA, listed(1, 0, "roads"))
    await save(store, ana, listed(1, 0, "water"))
    later = await open_round(store, begins=clock.now + timedelta(days=3))
    assert await counts(store) == {"roads": 1, "water": 1}, "round 0 until it begins"
    assert await store.current_round(CITY) is None
    loaded = (await store.load(ANA)).session
    assert loaded.answer == listed(1, 0, "roads") and loaded.previous is None
    assert loaded.rounds[CITY].id == later, "the decision sees the scheduled round"
    clock.advance(days=3)
    assert await counts(store) == {}, "it has begun: its own (empty) counters"
    assert (await store.current_round(CITY)).id == later  # type: ignore[union-attr]
    loaded = (await store.load(ANA)).session
    assert loaded.answer is None and loaded.previous == listed(1, 0, "roads")


async def test_own_words_waiting_for_review_by_round(store: Store, clock: FakeClock) -> None:
    await save(store, ANA, listed(1, 0, "roads", "other"))
    round_id = await open_round(store)
    await save(store, BEK, listed(1, round_id, "other"))
    every = await store.unplaced(CITY)
    assert [(i.text, i.others) for i in every] == [
        ("нет бассейна", ("roads",)),
        ("нет бассейна", ()),
    ]
    assert [i.answer_id for i in await store.unplaced(CITY, 0)] == [every[0].answer_id]
    assert [i.answer_id for i in await store.unplaced(CITY, round_id)] == [every[1].answer_id]
    assert await store.unplaced(CITY, round_id + 1) == []
