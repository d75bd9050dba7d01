"""The `Store` contract: every implementation (SQLite now, PostgreSQL later) must pass these."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Coroutine
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_helpers import (  # noqa: F401  (fixtures)
    STORE_KINDS,
    FakeClock,
    answer,
    clock_fixture,
    open_store,
    server_for,
    store_fixture,
)

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
        previous=Item(category="other", text='нет "света" \\ по вечерам'),
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
    words=st.none() | _text,
)
def test_arbitrary_text_round_trips(
    kind: str,
    request: pytest.FixtureRequest,
    items: list[Item],
    district: str | None,
    words: str | None,
) -> None:
    items = [i for i in items if i.category != "other" or (i.text or "").strip()]
    saved = Answer(version=1, city="bishkek", district=district, items=items)
    previous = None if words is None else Item(category="other", text=words)
    conv = Conversation(step=Step.REVIEW, previous=previous, district=district)
    texts = [district, words, *(i.text for i in items)]
    # PostgreSQL's text cannot hold U+0000 (the pipeline drops control characters before any
    # store sees them): such a turn is refused as invalid, and nothing of it is stored.
    refused = kind == "postgres" and any("\x00" in t for t in texts if t)

    async def run(directory: Path) -> tuple[Session, list[Answer]]:
        async with open_store(kind, directory, server=server_for(kind, request)) as store:
            if refused:
                with pytest.raises(ValueError):
                    await store.commit(ANA, conv, [SaveAnswer(saved)])
            else:
                await store.commit(ANA, conv, [SaveAnswer(saved)])
            return (await store.load(ANA)).session, await store.answer_history(ANA)

    with tempfile.TemporaryDirectory() as directory:
        session, history = asyncio.run(run(Path(directory)))
    if refused:
        assert (session, history) == (Session(), [])
        return
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
