"""`city_stats`, the figures behind `citybot stats`: every store counts them alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    answer,
    clock_fixture,
    store_fixture,
)

from flows.session import Conversation, SaveAnswer, SetSubscribed, Step
from storage.base import ResidentRef, Store

NOW = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)  # a Friday
DAY = datetime(2026, 4, 30, 18, 0, tzinfo=UTC)  # midnight in Bishkek (UTC+6)
WEEK = datetime(2026, 4, 26, 18, 0, tzinfo=UTC)  # Monday 27 April, midnight in Bishkek


async def _answered(
    store: Store, clock: FakeClock, who: ResidentRef, at: datetime, city: str = "karakol"
) -> None:
    clock.now = at
    saved = SaveAnswer(answer(1, city=city, district=None))
    await store.commit(who, Conversation(step=Step.DONE, city=city), [saved])


async def test_city_stats_counts_answers_residents_subscribers_and_errors(
    store: Store, clock: FakeClock
) -> None:
    await _answered(store, clock, ResidentRef("tg", "old"), NOW - timedelta(days=10))
    await _answered(store, clock, ResidentRef("tg", "week"), WEEK + timedelta(hours=1))
    await _answered(store, clock, ResidentRef("wa", "+996700000001"), DAY + timedelta(hours=2))
    await _answered(store, clock, ResidentRef("wa", "+996700000002"), NOW)
    await _answered(store, clock, ResidentRef("tg", "other city"), NOW, city="manas")
    # Answered long ago, changed today: counted today once, not twice.
    await _answered(store, clock, ResidentRef("tg", "changed"), NOW - timedelta(days=30))
    clock.now = NOW
    changed = SaveAnswer(answer(2, city="karakol", district=None, categories=("dogs",)))
    await store.commit(ResidentRef("tg", "changed"), Conversation(step=Step.DONE), [changed])
    # An emptied list counts for nobody, as in the ranking.
    emptied = answer(1, city="karakol", district=None, categories=())
    await store.commit(
        ResidentRef("tg", "empty"), Conversation(step=Step.DONE), [SaveAnswer(emptied)]
    )
    # Mid-survey: no answer yet (the city only in the conversation), or changing one.
    await store.commit(
        ResidentRef("wa", "+996700000003"), Conversation(step=Step.DISTRICT, city="karakol")
    )
    await store.commit(ResidentRef("tg", "week"), Conversation(step=Step.REVIEW, city="karakol"))
    await store.commit(
        ResidentRef("tg", "manas mid"), Conversation(step=Step.PROBLEMS, city="manas")
    )
    await store.commit(ResidentRef("tg", "no city"), Conversation(step=Step.LANGUAGE))
    for who in (ResidentRef("tg", "old"), ResidentRef("wa", "+996700000001")):
        await store.commit(who, Conversation(step=Step.DONE), [SetSubscribed(True)])
    await store.commit(
        ResidentRef("tg", "other city"), Conversation(step=Step.DONE), [SetSubscribed(True)]
    )
    # Provider errors: two recent 63016, one recent 21610, one old, one delivered.
    wa1, wa2 = ResidentRef("wa", "+996700000001"), ResidentRef("wa", "+996700000002")
    clock.now = NOW - timedelta(hours=30)
    await store.record_delivery(wa1, "SM-old", "failed", 63016)
    clock.now = NOW - timedelta(hours=2)
    await store.record_delivery(wa1, "SM-1", "failed", 63016)
    await store.record_delivery(wa2, "SM-2", "undelivered", 63016)
    await store.record_delivery(wa2, "SM-3", "failed", 21610)
    await store.record_delivery(wa2, "SM-4", "delivered")

    figures = await store.city_stats("karakol", DAY, WEEK, NOW - timedelta(hours=24))

    assert figures.answers_total == {"tg": 3, "wa": 2}
    assert figures.answers_week == {"tg": 2, "wa": 2}
    assert figures.answers_today == {"tg": 1, "wa": 2}
    assert figures.mid_survey == {"tg": 1, "wa": 1}
    assert figures.subscribers == {"tg": 1, "wa": 1}
    assert figures.delivery_errors == {"63016": 2, "21610": 1}

    nothing = await store.city_stats("kara_balta", DAY, WEEK, NOW - timedelta(hours=24))
    assert nothing.answers_total == nothing.mid_survey == nothing.delivery_errors == {}
