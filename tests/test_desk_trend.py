"""The desk's trend: answers per day in the city's zone, read as counts per hour (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    answer,
    clock_fixture,
    store_fixture,
)

from bot.desk.pages import day_counts
from flows.session import Conversation, SaveAnswer
from storage.base import ResidentRef, Store

BISHKEK = ZoneInfo("Asia/Bishkek")


async def test_days_are_the_citys_days_and_each_answer_counts_once(
    store: Store, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 5, 1, 17, 30, tzinfo=UTC)  # 23:30 on 1 May in Karakol
    first = answer(1, "karakol", "mtu1", ("roads", "water"))
    await store.commit(ResidentRef("tg", "7001"), Conversation(), [SaveAnswer(first)])
    clock.now = datetime(2026, 5, 1, 18, 30, tzinfo=UTC)  # 00:30 on 2 May there
    for n, categories in enumerate([("roads",), ("water", "roads", "air")]):
        saved = answer(1, "karakol", "mtu1", categories)
        await store.commit(ResidentRef("tg", f"700{n + 2}"), Conversation(), [SaveAnswer(saved)])

    days = await day_counts(store, "karakol", {}, BISHKEK)
    assert days.answers == {"2026-05-01": 1, "2026-05-02": 2}
    assert days.named["roads"] == {"2026-05-01": 1, "2026-05-02": 2}
    assert days.named["water"] == {"2026-05-01": 1, "2026-05-02": 1}
    assert days.named["air"] == {"2026-05-02": 1}
    assert (await day_counts(store, "karakol", {"round_id": 999}, BISHKEK)).answers == {}
