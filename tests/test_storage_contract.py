"""The `Store` contract: every implementation (SQLite now, PostgreSQL later) must pass these."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Coroutine
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_helpers import STORE_KINDS, FakeClock, answer, make_store

from flows.session import (
    Answer,
    Conversation,
    Forget,
    Item,
    Profile,
    SaveAnswer,
    Session,
    SetLanguage,
    SetSubscribed,
    Step,
)
from storage.base import DuplicateUpdate, ResidentRef, Store, VersionConflict

ANA = ResidentRef("tg", "1001")
BEK = ResidentRef("tg", "1002")
ANA_ON_WA = ResidentRef("wa", "1001")  # same external id, other channel: another resident


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=STORE_KINDS)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Store]:
    s = make_store(request.param, tmp_path, clock)
    await s.open()
    try:
        yield s
    finally:
        await s.close()


async def test_new_resident_gets_fresh_session(store: Store) -> None:
    loaded = await store.load(ANA, "upd-1")
    assert loaded.session == Session()
    assert loaded.duplicate is False
    # Loading alone creates nothing.
    assert await store.resident(ANA) is None
    assert await store.answer_history(ANA) == []


async def test_language_and_subscription_effects(store: Store) -> None:
    await store.commit(ANA, Conversation(step=Step.CITY), [SetLanguage("ky"), SetSubscribed(True)])
    assert (await store.load(ANA)).session.profile == Profile(lang="ky", subscribed=True)

    # False is stored as False, not as "never asked"; the language stays.
    await store.commit(ANA, Conversation(step=Step.DONE), [SetSubscribed(False)])
    assert (await store.load(ANA)).session.profile == Profile(lang="ky", subscribed=False)
    record = await store.resident(ANA)
    assert record is not None
    assert (record.lang, record.subscribed, record.step) == ("ky", False, "done")

    # Effects apply in order within a turn.
    await store.commit(ANA, Conversation(step=Step.DONE), [SetLanguage("ru"), SetLanguage("ky")])
    assert (await store.load(ANA)).session.profile.lang == "ky"

    # Nothing leaked to the same external id on another channel.
    assert (await store.load(ANA_ON_WA)).session == Session()
    assert await store.resident(ANA_ON_WA) is None


async def test_subscription_never_asked_is_none(store: Store) -> None:
    await store.commit(ANA, Conversation(step=Step.CITY), [SetLanguage("ru")])
    record = await store.resident(ANA)
    assert record is not None
    assert record.subscribed is None
    assert (await store.load(ANA)).session.profile == Profile(lang="ru", subscribed=None)


async def test_timestamps_are_utc_and_tracked(store: Store, clock: FakeClock) -> None:
    # A clock in Bishkek time (+06:00) must still be stored and returned as the same instant.
    clock.now = datetime(2026, 5, 1, 16, 0, tzinfo=timezone(timedelta(hours=6)))
    first = clock.now
    await store.commit(ANA, Conversation(step=Step.CITY))
    record = await store.resident(ANA)
    assert record is not None
    assert record.created_at == record.updated_at == record.last_inbound_at == first
    assert record.created_at.utcoffset() == timedelta(0)
    assert record.created_at.hour == 10  # 16:00+06:00 is 10:00 UTC

    later = clock.advance(minutes=5, microseconds=123)
    await store.commit(ANA, Conversation(step=Step.DISTRICT))
    record = await store.resident(ANA)
    assert record is not None
    assert record.created_at == first
    assert record.updated_at == later
    assert record.last_inbound_at == later


async def test_save_answer_then_load_returns_it(store: Store) -> None:
    # Ranks deliberately not in alphabetical order, own words mixed with NULL, no district.
    saved = answer(
        1, city="osh", district=None, categories=("water", "air", "roads", "bus", "dogs")
    )
    await store.commit(ANA, Conversation(step=Step.SUBSCRIBE), [SaveAnswer(saved)])

    session = (await store.load(ANA)).session
    assert session.answer == saved
    assert [i.category for i in session.answer.items] == ["water", "air", "roads", "bus", "dogs"]
    assert [i.text is None for i in session.answer.items] == [False, True, False, True, False]
    record = await store.resident(ANA)
    assert record is not None
    assert (record.city, record.district) == ("osh", None)
    assert await store.answer_history(ANA) == [saved]


async def test_second_version_becomes_current_and_history_keeps_both(store: Store) -> None:
    first = answer(1, city="bishkek", district="leninsky")
    second = answer(2, city="osh", district="center", categories=("dogs",))
    await store.commit(ANA, Conversation(step=Step.DONE), [SaveAnswer(first)])
    await store.commit(ANA, Conversation(step=Step.DONE), [SaveAnswer(second)])

    assert (await store.load(ANA)).session.answer == second
    assert await store.answer_history(ANA) == [first, second]
    record = await store.resident(ANA)
    assert record is not None
    assert (record.city, record.district) == ("osh", "center")


@pytest.mark.parametrize(("stored", "bad"), [(0, 0), (0, 2), (1, 1), (1, 3), (2, 1)])
async def test_wrong_version_is_rejected_and_nothing_of_the_turn_is_stored(
    store: Store, clock: FakeClock, stored: int, bad: int
) -> None:
    history = [answer(v) for v in range(1, stored + 1)]
    for saved in history:
        await store.commit(
            ANA, Conversation(step=Step.DONE), [SaveAnswer(saved)], f"ok-{saved.version}"
        )
    before_record = await store.resident(ANA)
    before = (await store.load(ANA)).session

    clock.advance(minutes=1)
    with pytest.raises(VersionConflict):
        await store.commit(
            ANA,
            Conversation(step=Step.REVIEW, city="talas"),
            [SetLanguage("ky"), SetSubscribed(True), SaveAnswer(answer(bad, city="talas"))],
            dedup_key="bad-turn",
        )

    after = await store.load(ANA, "bad-turn")
    assert after.duplicate is False  # the key was not recorded: a redelivery is processed
    assert after.session == before  # neither conv nor language nor subscription changed
    assert await store.answer_history(ANA) == history
    assert await store.resident(ANA) == before_record  # not even last_inbound_at moved

    # The store is not stuck: the right version goes through.
    right = answer(stored + 1)
    await store.commit(ANA, Conversation(step=Step.DONE), [SaveAnswer(right)], "bad-turn")
    assert (await store.load(ANA)).session.answer == right


async def test_forget_deletes_everything(store: Store, clock: FakeClock) -> None:
    await store.commit(ANA, Conversation(step=Step.DONE), [SetLanguage("ky"), SetSubscribed(True)])
    await store.commit(ANA, Conversation(step=Step.DONE), [SaveAnswer(answer(1))])
    await store.commit(ANA, Conversation(step=Step.FORGET), [SaveAnswer(answer(2, city="osh"))])
    bek_answer = answer(1, city="osh", district="center")
    await store.commit(
        BEK, Conversation(step=Step.DONE), [SetLanguage("ru"), SaveAnswer(bek_answer)]
    )
    bek_before = await store.resident(BEK)

    await store.commit(ANA, Conversation(step=Step.DONE), [Forget()], dedup_key="forget-1")

    assert await store.resident(ANA) is None
    assert await store.answer_history(ANA) == []
    loaded = await store.load(ANA, "forget-1")
    assert loaded.session == Session()
    assert loaded.duplicate is True  # a redelivered "yes, forget me" is not processed again
    # The other resident is untouched.
    assert await store.resident(BEK) == bek_before
    assert await store.answer_history(BEK) == [bek_answer]

    # Coming back starts from nothing: new created_at, no language, versions restart at 1.
    clock.advance(days=1)
    await store.commit(ANA, Conversation(step=Step.CITY), [SaveAnswer(answer(1, city="naryn"))])
    record = await store.resident(ANA)
    assert record is not None
    assert record.created_at == clock.now
    assert (record.lang, record.subscribed) == (None, None)
    assert await store.answer_history(ANA) == [answer(1, city="naryn")]


async def test_forget_of_unknown_resident_creates_nothing(store: Store) -> None:
    await store.commit(ANA, Conversation(step=Step.DONE), [Forget()], dedup_key="f")
    assert await store.resident(ANA) is None
    assert (await store.load(ANA, "f")).duplicate is True


async def test_effects_after_forget_are_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.commit(ANA, Conversation(), [Forget(), SetLanguage("ru")], dedup_key="x")
    assert await store.resident(ANA) is None
    assert (await store.load(ANA, "x")).duplicate is False


async def test_dedup_key_marks_the_next_load_duplicate(store: Store) -> None:
    await store.commit(ANA, Conversation(step=Step.CITY), [SetLanguage("ru")], dedup_key="tg:5001")

    assert (await store.load(ANA, "tg:5001")).duplicate is True
    assert (await store.load(ANA, "tg:5002")).duplicate is False
    assert (await store.load(ANA)).duplicate is False
    # Keys are delivery ids, global across residents.
    assert (await store.load(BEK, "tg:5001")).duplicate is True

    # Committing the same key again (a racing redelivery) is refused and changes nothing.
    with pytest.raises(DuplicateUpdate):
        await store.commit(ANA, Conversation(step=Step.DONE), [SetLanguage("ky")], "tg:5001")
    session = (await store.load(ANA)).session
    assert (session.conv.step, session.profile.lang) == (Step.CITY, "ru")


async def test_conversation_round_trips(store: Store) -> None:
    conv = Conversation(
        step=Step.SUGGEST,
        screen=41,
        message_from=38,
        city="osh",
        district=None,
        district_chosen=True,
        group="infra",
        page=3,
        pending='нет "света" \\ по вечерам',
        suggestions=["power", "lighting"],
        sure="power",
        slot=2,
        places=["d1", "d2"],
        resume=Step.GROUP,
        offer="ky",
    )
    await store.commit(ANA, conv)
    assert (await store.load(ANA)).session.conv == conv
    record = await store.resident(ANA)
    assert record is not None
    assert record.step == "suggest"


_category = st.from_regex(r"[a-z][a-z0-9_]{0,31}", fullmatch=True)
_text = st.text(max_size=300)  # any Unicode, NUL, quotes, backslashes, JSON-looking text
_item = st.builds(Item, category=_category, text=st.none() | _text)


@pytest.mark.parametrize("kind", STORE_KINDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(_item, max_size=5, unique_by=lambda i: i.category),
    district=st.none() | _text,
    pending=st.none() | _text,
)
def test_arbitrary_text_round_trips(
    kind: str, items: list[Item], district: str | None, pending: str | None
) -> None:
    items = [i for i in items if i.category != "other" or (i.text or "").strip()]
    saved = Answer(version=1, city="bishkek", district=district, items=items)
    conv = Conversation(step=Step.REVIEW, pending=pending, district=district)

    async def run(directory: Path) -> tuple[Session, list[Answer]]:
        store = make_store(kind, directory)
        await store.open()
        try:
            await store.commit(ANA, conv, [SaveAnswer(saved)])
            return (await store.load(ANA)).session, await store.answer_history(ANA)
        finally:
            await store.close()

    with tempfile.TemporaryDirectory() as directory:
        session, history = asyncio.run(run(Path(directory)))
    assert session.answer == saved
    assert session.conv == conv
    assert history == [saved]


async def test_200_concurrent_residents_all_stored(store: Store) -> None:
    residents = [ResidentRef("tg" if n % 2 else "wa", str(70000 + n)) for n in range(200)]

    async def survey(n: int, who: ResidentRef) -> None:
        # The real turn shape: load, step, commit; three turns per resident, in order.
        turns = [
            (Conversation(step=Step.CITY), [SetLanguage("ky" if n % 3 else "ru")]),
            (Conversation(step=Step.SUBSCRIBE), [SaveAnswer(answer(1, district=f"d{n}"))]),
            (
                Conversation(step=Step.DONE, page=n),
                [SaveAnswer(answer(2, city=f"city{n}")), SetSubscribed(n % 2 == 0)],
            ),
        ]
        for t, (conv, effects) in enumerate(turns):
            loaded = await store.load(who, f"{who.channel}:{who.external_id}:{t}")
            assert not loaded.duplicate
            await store.commit(who, conv, effects, f"{who.channel}:{who.external_id}:{t}")

    await asyncio.gather(*(survey(n, who) for n, who in enumerate(residents)))

    for n, who in enumerate(residents):
        loaded = await store.load(who, f"{who.channel}:{who.external_id}:2")
        assert loaded.duplicate
        assert loaded.session.profile == Profile(
            lang="ky" if n % 3 else "ru", subscribed=n % 2 == 0
        )
        assert loaded.session.conv == Conversation(step=Step.DONE, page=n)
        assert loaded.session.answer == answer(2, city=f"city{n}")
        assert await store.answer_history(who) == [
            answer(1, district=f"d{n}"),
            answer(2, city=f"city{n}"),
        ]


async def test_sequential_commits_of_one_resident_keep_order(store: Store) -> None:
    await store.commit(ANA, Conversation(step=Step.CITY, page=1), [SetLanguage("ru")])
    await store.commit(ANA, Conversation(step=Step.DISTRICT, page=2), [SetLanguage("ky")])
    session = (await store.load(ANA)).session
    assert (session.conv.page, session.profile.lang) == (2, "ky")


async def test_commits_issued_in_order_apply_in_order(store: Store) -> None:
    # The second commit starts before the first returns, so a group-committing store puts both
    # in one batch: version 2 only passes if version 1 was applied first.
    first = asyncio.create_task(
        store.commit(ANA, Conversation(step=Step.SUBSCRIBE, page=1), [SaveAnswer(answer(1))])
    )
    second = asyncio.create_task(
        store.commit(ANA, Conversation(step=Step.DONE, page=2), [SaveAnswer(answer(2, city="osh"))])
    )
    await asyncio.gather(first, second)
    session = (await store.load(ANA)).session
    assert session.conv.page == 2
    assert session.answer == answer(2, city="osh")
    assert await store.answer_history(ANA) == [answer(1), answer(2, city="osh")]


async def test_a_failing_turn_does_not_lose_the_others(store: Store) -> None:
    await store.commit(BEK, Conversation(), dedup_key="taken")
    residents = [ResidentRef("tg", str(n)) for n in range(60)]

    def turn(n: int, who: ResidentRef) -> Coroutine[Any, Any, None]:
        if n == 17:  # wrong version
            return store.commit(who, Conversation(step=Step.DONE), [SaveAnswer(answer(2))], f"k{n}")
        if n == 41:  # already processed delivery
            return store.commit(who, Conversation(step=Step.DONE), [SaveAnswer(answer(1))], "taken")
        return store.commit(who, Conversation(step=Step.DONE), [SaveAnswer(answer(1))], f"k{n}")

    results = await asyncio.gather(
        *(turn(n, who) for n, who in enumerate(residents)), return_exceptions=True
    )

    assert isinstance(results[17], VersionConflict)
    assert isinstance(results[41], DuplicateUpdate)
    assert [n for n, r in enumerate(results) if r is not None] == [17, 41]
    for n, who in enumerate(residents):
        stored = (await store.load(who)).session.answer
        assert stored == (None if n in (17, 41) else answer(1)), n
    assert (await store.load(ANA, "k17")).duplicate is False


async def test_ping(store: Store) -> None:
    assert await store.ping() is True


async def test_set_subscribed_outside_a_turn(store: Store) -> None:
    assert await store.set_subscribed(ANA, False) is False, "an unknown resident is not created"
    assert await store.resident(ANA) is None
    await store.commit(ANA, Conversation(), [SetSubscribed(True)])
    assert await store.set_subscribed(ANA, False) is True
    record = await store.resident(ANA)
    assert record is not None and record.subscribed is False
    assert (await store.load(ANA)).session.profile.subscribed is False


async def test_deliveries_move_forward_only_and_die_with_the_resident(
    store: Store, clock: FakeClock
) -> None:
    await store.record_delivery(ANA, "SM1", "queued")  # unknown resident: nothing stored
    assert await store.update_delivery("SM1", "sent") is None
    await store.commit(ANA, Conversation())
    await store.record_delivery(ANA, "SM1", "queued")
    await store.record_delivery(ANA, "SM1", "queued")  # a repeated record is ignored
    await store.record_delivery(ANA, None, "failed", 63016)  # refused outright: no id
    clock.advance(seconds=5)
    assert await store.update_delivery("SM1", "delivered") == ANA
    assert await store.update_delivery("SM1", "sent") == ANA  # late callback: no step back
    found = await store.deliveries(ANA)
    assert [(d.message_id, d.status, d.error_code) for d in found] == [
        ("SM1", "delivered", None),
        (None, "failed", 63016),
    ]
    assert found[0].updated_at == clock.now and found[0].created_at < clock.now
    assert await store.update_delivery("SM1", "failed", 30008) == ANA
    assert (await store.deliveries(ANA))[0].error_code == 30008
    assert await store.deliveries(BEK) == []
    await store.commit(ANA, Conversation(), [Forget()])
    assert await store.deliveries(ANA) == []
    assert await store.update_delivery("SM1", "read") is None


# --- ranking counters -------------------------------------------------------------------------

_CITIES = ("karakol", "manas")
_op = st.tuples(
    st.integers(0, 5),  # which resident
    st.sampled_from(["answer", "answer", "answer", "forget"]),
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
def test_ranking_counters_always_equal_a_recount(kind: str, ops: list) -> None:
    """Random answers, changed answers (moving city, district, ranks) and forgets."""

    async def run(directory: Path) -> None:
        store = make_store(kind, directory)
        await store.open()
        try:
            versions: dict[int, int] = {}
            current: dict[int, str] = {}  # resident -> city of their current answer
            for n, action, city, district, categories in ops:
                who = ResidentRef("wa", str(n))
                if action == "forget":
                    await store.commit(who, Conversation(), [Forget()])
                    versions.pop(n, None)
                    current.pop(n, None)
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
                respondents = sum(1 for c in current.values() if c == city)
                assert sum(t.respondents for t in kept.values()) == respondents
        finally:
            await store.close()

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
    await store.record_chat_migration(-1, -1001)
    await store.record_chat_migration(-1001, -1002)
    assert await store.current_chat_id(-1) == -1002
    assert await store.previous_summary("karakol", -1002, "2026-05-02") is not None


async def test_review_moves_only_current_unduplicated_items(store: Store) -> None:
    def other(text: str, *also: str) -> list[Item]:
        return [*(Item(category=c) for c in also), Item(category="other", text=text)]

    await store.commit(
        ANA,
        Conversation(),
        [SaveAnswer(Answer(version=1, city="karakol", district="d1", items=other("нет бассейна")))],
    )
    await store.commit(
        BEK,
        Conversation(),
        [
            SaveAnswer(
                Answer(
                    version=1,
                    city="karakol",
                    district=None,
                    items=other("нет бассейна", "youth_leisure"),
                )
            )
        ],
    )
    items = [(u.answer_id, u.rank) for u in await store.unplaced("karakol")]
    assert len(items) == 2
    # Ana changes her answer before the review lands: her old item is not current any more.
    await store.commit(
        ANA,
        Conversation(),
        [SaveAnswer(Answer(version=2, city="karakol", district="d1", items=other("нет бассейна")))],
    )
    moved = await store.review("karakol", "нет бассейна", "youth_leisure", 4242, items)
    assert moved == 0, "Ana's item is stale; Bek already named youth_leisure"
    items = [(u.answer_id, u.rank) for u in await store.unplaced("karakol")]
    moved = await store.review("karakol", "нет бассейна", "public_spaces", 4242, items)
    assert moved == 2
    assert await store.unplaced("karakol") == []
    assert await store.tallies("karakol") == await store.tallies("karakol", recount=True)
    assert (await store.learned()) == {"karakol": {"нет бассейна": "public_spaces"}}


async def test_broadcast_freezes_recipients_claims_resumes_and_counts(
    store: Store, clock: FakeClock
) -> None:
    people = [ResidentRef("tg", str(n)) for n in range(6)]
    for n, who in enumerate(people):
        city = "karakol" if n < 5 else "manas"
        effects = [SaveAnswer(answer(1, city=city)), SetSubscribed(n != 4)]
        await store.commit(who, Conversation(), effects)
    aid = await store.create_announcement("karakol", {"title": {"ru": "Т"}}, clock.now, "tg:1")
    assert (await store.due_announcements(clock.now)) == [aid]
    assert await store.start_broadcast(aid, "scheduler")
    assert (await store.broadcast_counts(aid)).pending == 4, "subscribed residents of Karakol"
    # Someone subscribes after the start: not this time.
    await store.commit(people[4], Conversation(), [SetSubscribed(True)])
    first = await store.claim_recipients(aid, 2)
    assert len(first) == 2 and {r.ref for r in first} <= set(people[:4])
    await store.finish_delivery(aid, first[0].resident_id, "sent")
    # A crash: first[1] stays 'sending'. One more resident unsubscribes meanwhile.
    rest = [who for who in people[:4] if who not in {r.ref for r in first}]
    await store.commit(rest[0], Conversation(), [SetSubscribed(False)])
    assert await store.start_broadcast(aid, "other process") is True
    assert await store.claim_recipients(aid, 10) != [], "the pending ones, shared"
    assert await store.start_broadcast(aid, "restart", timedelta(0)) is True, "resume"
    again = await store.claim_recipients(aid, 10)
    assert {r.ref for r in again} == {first[1].ref, rest[1]}, "in flight again; no one skipped"
    for r in again:
        await store.finish_delivery(aid, r.resident_id, "failed" if r.ref == rest[1] else "sent")
    counts = await store.broadcast_counts(aid)
    assert (counts.sent, counts.failed, counts.skipped, counts.pending) == (2, 1, 1, 0)
    assert await store.finish_broadcast(aid, "engine")
    assert (await store.announcement(aid)).state == "done"  # type: ignore[union-attr]
    assert await store.start_broadcast(aid, "x") is False
    actions = [a for a, _ in await store.announcement_log(aid)]
    assert actions == ["created", "sending", "sent"]


async def test_a_cancelled_announcement_and_its_reminder_are_never_sent(
    store: Store, clock: FakeClock
) -> None:
    later = clock.now + timedelta(days=2)
    aid = await store.create_announcement("karakol", {}, later, "tg:1")
    rid = await store.create_announcement(
        "karakol", {}, later - timedelta(days=1), "tg:1", kind="reminder", parent_id=aid
    )
    assert await store.due_announcements(clock.now) == []
    assert await store.cancel_announcement(aid, "tg:1")
    assert (await store.announcement(rid)).state == "cancelled"  # type: ignore[union-attr]
    assert await store.due_announcements(later + timedelta(days=1)) == []
    assert await store.start_broadcast(aid, "scheduler") is False
    assert await store.cancel_announcement(aid, "tg:1") is False, "already cancelled"
