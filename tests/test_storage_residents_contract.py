"""Store contract, residents' side: unchanged turns, system events, sources, reminders, lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    clock_fixture,
    migrated_dsn_fixture,
    own_words,
    store_fixture,
)

from flows.session import (
    Answer,
    Conversation,
    Forget,
    Item,
    Nudged,
    SaveAnswer,
    SetLanguage,
    SetSource,
    SetSubscribed,
    Step,
)
from storage.base import ResidentRef, Store
from storage.postgres import PostgresStore

ANA = ResidentRef("tg", "2001")
BEK = ResidentRef("wa", "996700000002")
STEPS = ["city", "district", "problems", "groups", "group", "suggest", "review", "item"]


def listed(version: int, *categories: str, district: str | None = "d1") -> SaveAnswer:
    items = [Item(category=c, text="свои слова" if c == "other" else None) for c in categories]
    return SaveAnswer(Answer(version=version, city="karakol", district=district, items=items))


async def test_a_turn_that_changed_nothing_creates_no_resident(store: Store) -> None:
    """A tap from someone who deleted their data: only its dedup key is kept."""
    await store.commit(ANA, None, (), "tg:1")
    assert await store.resident(ANA) is None
    assert (await store.load(ANA, "tg:1")).duplicate, "the delivery is still deduplicated"


async def test_an_unchanged_turn_moves_the_inbound_time_of_a_known_resident(
    store: Store, clock: FakeClock
) -> None:
    await store.commit(ANA, Conversation(step=Step.CITY))
    first = await store.resident(ANA)
    clock.advance(minutes=5)
    await store.commit(ANA, None, (), "tg:2")
    record = await store.resident(ANA)
    assert record is not None and first is not None
    assert record.last_inbound_at == clock.now and record.step == "city"
    with pytest.raises(ValueError):
        await store.commit(ANA, None, [SetLanguage("ru")])


async def test_a_system_turn_is_not_a_message_from_the_resident(
    store: Store, clock: FakeClock
) -> None:
    await store.commit(BEK, Conversation(step=Step.PROBLEMS))
    written = clock.now
    clock.advance(hours=3)
    await store.commit(BEK, Conversation(step=Step.PROBLEMS, screen=2), [Nudged()], inbound=False)
    record = await store.resident(BEK)
    assert record is not None
    assert record.last_inbound_at == written, "WhatsApp's 24-hour window did not move"
    assert record.nudged_at == clock.now


async def test_the_first_source_tag_is_kept(store: Store) -> None:
    await store.commit(ANA, Conversation(), [SetSource("poster")])
    await store.commit(ANA, Conversation(), [SetSource("radio")])
    record = await store.resident(ANA)
    assert record is not None and record.source == "poster"


async def test_source_counts_are_of_residents_with_a_list(store: Store) -> None:
    for n, source in enumerate(["poster", "poster", "radio", None]):
        who = ResidentRef("tg", str(3000 + n))
        effects = [SetSource(source)] if source else []
        await store.commit(who, Conversation(), [*effects, listed(1, "roads")])
    silent = ResidentRef("tg", "3999")
    await store.commit(silent, Conversation(), [SetSource("radio")])  # came, named nothing
    assert await store.source_counts("karakol") == {"poster": 2, "radio": 1}
    assert await store.source_counts("manas") == {}


async def test_an_emptied_list_counts_for_nobody(store: Store) -> None:
    await store.commit(ANA, Conversation(), [listed(1, "roads", "waste")])
    await store.commit(ANA, Conversation(), [listed(2)])
    kept = await store.tallies("karakol")
    assert kept == await store.tallies("karakol", recount=True)
    assert sum(t.respondents for t in kept.values()) == 0
    assert [len(a.items) for a in await store.answer_history(ANA)] == [2, 0]
    await store.commit(ANA, Conversation(), [listed(3, "roads")])
    kept = await store.tallies("karakol")
    assert kept["d1"].respondents == 1 and kept["d1"].counts == {"roads": 1}


@pytest.mark.parametrize(
    "items",
    [
        [Item(category="roads"), Item(category="roads", text="ямы")],
        [Item(category=c) for c in ("a", "b", "c", "d", "e", "f")],
        [Item(category="other", text="  ")],
    ],
)
async def test_a_list_the_flows_never_make_is_refused(store: Store, items: list[Item]) -> None:
    with pytest.raises(ValueError):
        await store.commit(
            ANA,
            Conversation(),
            [SaveAnswer(Answer(version=1, city="k", district=None, items=items))],
        )
    assert await store.resident(ANA) is None


async def test_due_reminders(store: Store, clock: FakeClock) -> None:
    start = clock.now
    stuck = ResidentRef("tg", "4001")
    await store.commit(stuck, Conversation(step=Step.PROBLEMS, city="karakol"))
    finished = ResidentRef("tg", "4002")
    await store.commit(finished, Conversation(step=Step.DONE), [listed(1, "roads")])
    stopped = ResidentRef("tg", "4003")
    await store.commit(stopped, Conversation(step=Step.PROBLEMS), [SetSubscribed(False)])
    on_whatsapp = ResidentRef("wa", "996700000004")
    await store.commit(on_whatsapp, Conversation(step=Step.DISTRICT, city="manas"))
    clock.advance(hours=3, minutes=1)

    def due() -> object:
        return store.due_nudges(
            STEPS,
            quiet_since=clock.now - timedelta(hours=3),
            not_before=clock.now - timedelta(hours=48),
            window_start=clock.now - timedelta(hours=23, minutes=30),
        )

    found = await due()
    assert sorted(found) == sorted([(stuck, "karakol"), (on_whatsapp, "manas")])
    await store.commit(stuck, Conversation(step=Step.PROBLEMS), [Nudged()], inbound=False)
    assert await due() == [(on_whatsapp, "manas")], "reminded once"
    clock.advance(hours=21)  # WhatsApp's window has closed for the other one
    assert await due() == []
    await store.commit(stuck, Conversation(step=Step.PROBLEMS))  # writes again ...
    clock.advance(hours=3, minutes=1)
    assert await due() == [(stuck, None)], "... and stops again: one more reminder"
    clock.now = start + timedelta(days=30)
    assert await due() == [], "long gone: left be"
    await store.commit(stuck, Conversation(), [Forget()])
    assert await store.resident(stuck) is None


async def test_whatsapp_templates_are_remembered(store: Store) -> None:
    assert await store.content_sid("citybot-qr-ru-2-abc") is None
    await store.remember_content("citybot-qr-ru-2-abc", "HX" + "1" * 32)
    await store.remember_content("citybot-qr-ru-2-abc", "HX" + "2" * 32)  # a race: first kept
    assert await store.content_sid("citybot-qr-ru-2-abc") == "HX" + "1" * 32


# --- PostgreSQL: text it cannot hold ------------------------------------------------------------


@pytest.mark.parametrize("where", ["answer", "conversation"])
async def test_a_nul_character_is_refused_whole(migrated_dsn: str, where: str) -> None:
    """PostgreSQL's text holds no U+0000 (SQLite's does; the pipeline drops control
    characters before any store sees them): the turn is refused as invalid, nothing stored."""
    words = "яма\x00"
    said = Item(category="other", text=words) if where == "conversation" else None
    conv = Conversation(step=Step.DONE, previous=said)
    text = words if where == "answer" else "яма"
    effects = [SetLanguage("ky"), listed(1, "roads"), SaveAnswer(own_words(2, "karakol", text))]
    async with PostgresStore(migrated_dsn) as store:
        with pytest.raises(ValueError, match="cannot store"):
            await store.commit(ANA, conv, effects, "tg:9")
        assert await store.resident(ANA) is None
        assert (await store.load(ANA, "tg:9")).duplicate is False
        assert await store.tallies("karakol") == {}
        await store.commit(ANA, Conversation(), [SetLanguage("ky")], "tg:9")  # not stuck
