"""The ranking counters and the daily summaries' bookkeeping: every store keeps them alike."""

from __future__ import annotations

import asyncio
import random
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_helpers import (  # noqa: F401  (fixtures)
    STORE_KINDS,
    FakeClock,
    answer,
    clock_fixture,
    migrated_dsn_fixture,
    open_store,
    server_for,
    store_fixture,
)

from flows.effects import MoveChat, PlaceWording
from flows.session import Answer, Conversation, Effect, Forget, Item, SaveAnswer, SetSource
from storage.base import ResidentRef, Store
from storage.postgres import PostgresStore

ANA = ResidentRef("tg", "1001")
BEK = ResidentRef("tg", "1002")

_CITIES = ("karakol", "manas")
_op = st.tuples(
    st.integers(0, 5),  # which resident
    st.sampled_from(["answer", "answer", "answer", "forget", "poster", "radio"]),
    st.sampled_from(_CITIES),
    st.none() | st.sampled_from(["d1", "d2"]),
    st.lists(
        # Own words come several to a list: "other" may repeat, the others may not.
        st.sampled_from(["roads", "water", "dogs", "schools", "other", "other", "air"]),
        min_size=0,  # an emptied list ("remove" down to nothing) counts for nobody
        max_size=5,
    ).map(lambda cs: [c for n, c in enumerate(cs) if c == "other" or c not in cs[:n]]),
)


@pytest.mark.parametrize("kind", STORE_KINDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(_op, max_size=25))
def test_ranking_counters_always_equal_a_recount(
    kind: str, request: pytest.FixtureRequest, ops: list
) -> None:
    """Random answers, changed answers (moving city, district, ranks) and forgets."""

    async def run(directory: Path) -> None:
        async with open_store(kind, directory, server=server_for(kind, request)) as store:
            versions: dict[int, int] = {}
            current: dict[int, str] = {}  # resident -> city of their current answer
            for n, action, city, district, categories in ops:
                who = ResidentRef("wa", str(n))
                if action == "forget":
                    await store.commit(who, Conversation(), [Forget()])
                    versions.pop(n, None)
                    current.pop(n, None)
                    continue
                if action in ("poster", "radio"):  # came by a link, before or after answering
                    await store.commit(who, Conversation(), [SetSource(action)])
                    continue
                versions[n] = versions.get(n, 0) + 1
                items = [
                    Item(category=c, text=f"свои слова {n}" if c == "other" else None)
                    for n, c in enumerate(categories)
                ]
                saved = Answer(version=versions[n], city=city, district=district, items=items)
                await store.commit(who, Conversation(), [SaveAnswer(saved)])
                if items:
                    current[n] = city
                else:
                    current.pop(n, None)
            for city in _CITIES:
                kept = await store.tallies(city)
                assert kept == await store.tallies(city, recount=True), city
                by_link = await store.source_counts(city)
                assert by_link == await store.source_counts(city, recount=True), city
                respondents = sum(1 for c in current.values() if c == city)
                assert sum(t.respondents for t in kept.values()) == respondents

    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(run(Path(directory)))


async def test_tallies_count_by_district_with_rank_weights(store: Store) -> None:
    def items(*categories: str) -> list[Item]:
        return [Item(category=c) for c in categories]

    await store.commit(
        ANA,
        Conversation(),
        [
            SaveAnswer(
                Answer(version=1, city="karakol", district="mtu1", items=items("roads", "water"))
            )
        ],
    )
    await store.commit(
        BEK,
        Conversation(),
        [
            SaveAnswer(
                Answer(
                    version=1, city="karakol", district=None, items=items("water", "roads", "dogs")
                )
            )
        ],
    )
    tallies = await store.tallies("karakol")
    assert set(tallies) == {"mtu1", ""}
    assert tallies["mtu1"].respondents == 1
    assert dict(tallies["mtu1"].counts) == {"roads": 1, "water": 1}
    assert dict(tallies["mtu1"].scores) == {"roads": 5, "water": 4}
    assert dict(tallies[""].scores) == {"water": 5, "roads": 4, "dogs": 3}
    # A changed answer moves its counts: Ana moves to mtu2 and names only dogs.
    await store.commit(
        ANA,
        Conversation(),
        [SaveAnswer(Answer(version=2, city="karakol", district="mtu2", items=items("dogs")))],
    )
    tallies = await store.tallies("karakol")
    assert set(tallies) == {"mtu2", ""}
    assert dict(tallies["mtu2"].scores) == {"dogs": 5}
    await store.commit(BEK, Conversation(), [Forget()])
    assert set(await store.tallies("karakol")) == {"mtu2"}
    assert await store.tallies("manas") == {}


async def test_summary_claims_are_once_per_chat_and_day(store: Store, clock: FakeClock) -> None:
    assert await store.claim_summary("karakol", -1, "2026-05-01") is True
    assert await store.claim_summary("karakol", -1, "2026-05-01") is False, "being sent"
    assert await store.claim_summary("karakol", -2, "2026-05-01") is True, "another chat"
    await store.release_summary("karakol", -2, "2026-05-01")
    assert await store.claim_summary("karakol", -2, "2026-05-01") is True, "released: again"
    await store.finish_summary("karakol", -1, "2026-05-01", 7, {"roads": (1, 5)})
    clock.advance(hours=1)
    assert await store.claim_summary("karakol", -1, "2026-05-01") is False, "sent"
    clock.advance(minutes=11)
    assert await store.claim_summary("karakol", -2, "2026-05-01") is True, "a crash's stale claim"
    previous = await store.previous_summary("karakol", -1, "2026-05-02")
    assert previous is not None and previous.day == "2026-05-01"
    assert previous.respondents == 7 and previous.snapshot == {"roads": (1, 5)}
    assert await store.previous_summary("karakol", -1, "2026-05-01") is None, "before the day"
    assert await store.previous_summary("karakol", -2, "2026-05-02") is None, "never sent"


async def test_changed_since_and_chat_migrations(store: Store, clock: FakeClock) -> None:
    start = clock.now
    await store.commit(ANA, Conversation(), [SaveAnswer(answer(1, city="karakol"))])
    clock.advance(minutes=1)
    await store.commit(ANA, Conversation(), [SaveAnswer(answer(2, city="karakol"))])
    await store.commit(BEK, Conversation(), [SaveAnswer(answer(1, city="manas"))])
    assert await store.changed_since("karakol", start - timedelta(seconds=1)) == 2
    assert await store.changed_since("karakol", start) == 1
    await store.claim_summary("karakol", -1, "2026-05-01")
    await store.finish_summary("karakol", -1, "2026-05-01", 1, {})
    assert await store.current_chat_id(-1) == -1
    await store.commit_group(-1, [MoveChat(-1001)])
    await store.commit_group(-1001, [MoveChat(-1002)])
    assert await store.current_chat_id(-1) == -1002
    assert await store.previous_summary("karakol", -1002, "2026-05-02") is not None


# --- PostgreSQL: two instances move the same counters at once ---------------------------------


async def test_concurrent_turns_and_reviews_keep_the_counters_exact(
    migrated_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Residents move between cities and districts in opposite directions (each turn takes
    the counter rows in another order), name categories in shuffled order, come by links and
    forget, through two instances at once, while a reviewer places their own words: no turn
    fails (no deadlock), and the counters equal a recount."""
    rng = random.Random(11)
    places = [(city, district) for city in _CITIES for district in ("d1", "d2", None)]
    plans = []
    for _ in range(24):
        plan: list[tuple[str, str | None, list[str]]] = []
        for _turn in range(5):
            city, district = rng.choice(places)
            named = rng.sample(["roads", "water", "dogs", "schools", "air"], rng.randint(0, 3))
            plan.append((city, district, [*named, "other"][: rng.randint(len(named), 5)]))
        plans.append(plan)

    async def resident(store: PostgresStore, n: int) -> None:
        who = ResidentRef("wa", f"99670001{n:04d}")
        for version, (city, district, categories) in enumerate(plans[n], start=1):
            items = [
                Item(category=c, text=f"свои слова {n % 3}" if c == "other" else None)
                for c in categories
            ]
            saved = Answer(version=version, city=city, district=district, items=items)
            effects: list[Effect] = [SaveAnswer(saved)]
            if version == 2:
                effects.append(SetSource("poster" if n % 2 else "radio"))
            await store.commit(who, Conversation(), effects)
            await asyncio.sleep(0)
        if n % 4 == 0:
            await store.commit(who, Conversation(), [Forget()])

    async def reviewer(store: PostgresStore, name: str) -> None:
        for round_ in range(8):
            for city in _CITIES:
                said: dict[str, list[tuple[int, int]]] = {}
                for u in await store.unplaced(city):
                    said.setdefault(u.text, []).append((u.answer_id, u.rank))
                for n, (wording, items) in enumerate(said.items()):
                    place = PlaceWording(city, wording, "public_spaces", 4242, tuple(items))
                    await store.commit_group(-100, [place], f"tg:{name}-{round_}-{city}-{n}")
            await asyncio.sleep(0.005)

    async with PostgresStore(migrated_dsn) as a, PostgresStore(migrated_dsn) as b:
        await asyncio.gather(
            *(resident(a if n % 2 else b, n) for n in range(24)), reviewer(a, "a"), reviewer(b, "b")
        )
        moved = 0
        for city in _CITIES:
            kept = await a.tallies(city)
            assert kept == await b.tallies(city, recount=True), city
            assert await a.source_counts(city) == await b.source_counts(city, recount=True), city
            moved += sum(t.counts.get("public_spaces", 0) for t in kept.values())
        assert moved > 0, "review did move words while residents changed their lists"
    assert "deadlock" not in caplog.text, "the city locks leave no cycle to break"
