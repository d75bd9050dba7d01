"""Working groups' effects: bindings, languages, chat migrations, placed wordings, dedup."""

from __future__ import annotations

import pytest
from storage_helpers import (  # noqa: F401  (fixtures)
    clock_fixture,
    own_words,
    store_fixture,
)

from flows.effects import BindGroup, MoveChat, PlaceWording, SetGroupLanguage, UnbindGroup
from flows.session import Conversation, SaveAnswer
from storage.base import DuplicateUpdate, GroupBinding, LoadedGroup, ResidentRef, Store

CHAT, SUPERGROUP = -100, -1001000
ANA = ResidentRef("tg", "6001")
BEK = ResidentRef("tg", "6002")


async def test_bind_move_language_and_unbind(store: Store) -> None:
    assert await store.load_group(CHAT) == LoadedGroup(None)
    await store.commit_group(CHAT, [BindGroup("karakol", "ky")], "tg:1")
    assert (await store.load_group(CHAT)).binding == GroupBinding("karakol", "ky")
    # A re-bind moves the chat to the other city and keeps the language chosen.
    await store.commit_group(CHAT, [BindGroup("manas", "ru")], "tg:2")
    assert (await store.load_group(CHAT)).binding == GroupBinding("manas", "ky")
    await store.commit_group(CHAT, [SetGroupLanguage("ru")], "tg:3")
    assert await store.groups("manas") == [(CHAT, "ru")]
    assert await store.groups("karakol") == []
    await store.commit_group(CHAT, [UnbindGroup()], "tg:4")
    assert (await store.load_group(CHAT, "tg:4")) == LoadedGroup(None, duplicate=True)
    assert await store.groups("manas") == []


async def test_a_redelivered_command_is_refused_whole(store: Store) -> None:
    await store.commit_group(CHAT, [BindGroup("karakol", "ru")], "tg:10")
    assert (await store.load_group(CHAT, "tg:10")).duplicate
    assert not (await store.load_group(CHAT, "tg:11")).duplicate
    with pytest.raises(DuplicateUpdate):
        await store.commit_group(CHAT, [SetGroupLanguage("ky"), UnbindGroup()], "tg:10")
    assert (await store.load_group(CHAT)).binding == GroupBinding("karakol", "ru")
    with pytest.raises(ValueError):
        await store.commit_group(CHAT, [BindGroup("karakol", "en")], "tg:12")  # type: ignore[arg-type]
    assert not (await store.load_group(CHAT, "tg:12")).duplicate, "a refused command: no key"


async def test_move_chat_takes_binding_and_summaries_along(store: Store) -> None:
    await store.commit_group(CHAT, [BindGroup("karakol", "ky")])
    assert await store.claim_summary("karakol", CHAT, "2026-05-01")
    await store.finish_summary("karakol", CHAT, "2026-05-01", 3, {"roads": (1, 3)})
    # What follows MoveChat in the same command is about the chat under its new id.
    await store.commit_group(CHAT, [MoveChat(SUPERGROUP), SetGroupLanguage("ru")], "tg:20")
    assert await store.current_chat_id(CHAT) == SUPERGROUP
    assert (await store.load_group(CHAT)).binding is None
    assert (await store.load_group(SUPERGROUP)).binding == GroupBinding("karakol", "ru")
    previous = await store.previous_summary("karakol", SUPERGROUP, "2026-05-02")
    assert previous is not None and previous.respondents == 3
    await store.commit_group(SUPERGROUP, [MoveChat(-1002000)])
    assert await store.current_chat_id(CHAT) == -1002000, "chains are followed"


async def _two_said_it(store: Store, text: str = "нет бассейна") -> list[tuple[int, int]]:
    await store.commit(ANA, Conversation(), [SaveAnswer(own_words(1, "karakol", text))])
    await store.commit(
        BEK, Conversation(), [SaveAnswer(own_words(1, "karakol", text, "youth_leisure"))]
    )
    return [(u.answer_id, u.rank) for u in await store.unplaced("karakol")]


async def test_placing_a_wording_moves_current_unduplicated_items_and_teaches(
    store: Store,
) -> None:
    items = await _two_said_it(store)
    assert len(items) == 2
    # Each with what its answer already names: it cannot move there.
    assert [u.others for u in await store.unplaced("karakol")] == [(), ("youth_leisure",)]
    learned = (await store.load_group(CHAT)).learned
    # Ana changes her answer before the review lands: her old item is not current any more.
    await store.commit(ANA, Conversation(), [SaveAnswer(own_words(2, "karakol", "нет бассейна"))])
    place = PlaceWording("karakol", "нет бассейна", "youth_leisure", 4242, tuple(items))
    await store.commit_group(CHAT, [place], "tg:30")
    # Ana's item is stale and Bek already names youth_leisure: nothing moved.
    assert len(await store.unplaced("karakol")) == 2
    assert await store.tallies("karakol") == await store.tallies("karakol", recount=True)
    items = [(u.answer_id, u.rank) for u in await store.unplaced("karakol")]
    place = PlaceWording("karakol", "нет бассейна", "public_spaces", 4242, tuple(items))
    await store.commit_group(CHAT, [place], "tg:31")
    assert await store.unplaced("karakol") == []
    assert await store.tallies("karakol") == await store.tallies("karakol", recount=True)
    assert await store.learned() == {"karakol": {"нет бассейна": "public_spaces"}}
    # Every process sees that review taught something: load, load_group, learned_version.
    now = await store.learned_version()
    assert now >= learned + 2
    assert (await store.load_group(CHAT)).learned == now
    assert (await store.load(ANA)).learned == now


async def test_keeping_own_words_moves_nothing_and_is_learned_as_other(store: Store) -> None:
    items = await _two_said_it(store, "баня на Токтогула")
    before = await store.tallies("karakol")
    keep = PlaceWording("karakol", "баня на токтогула", "other", 7, tuple(items))
    await store.commit_group(CHAT, [keep])
    assert len(await store.unplaced("karakol")) == 2
    assert await store.tallies("karakol") == before
    assert await store.learned() == {"karakol": {"баня на токтогула": "other"}}


async def test_a_command_is_one_transaction(store: Store) -> None:
    """A redelivered command neither binds nor places nor teaches: key and effects are one."""
    items = await _two_said_it(store)
    await store.commit_group(CHAT, [], "tg:40")
    place = PlaceWording("karakol", "нет бассейна", "public_spaces", 1, tuple(items))
    learned = await store.learned_version()
    with pytest.raises(DuplicateUpdate):
        await store.commit_group(CHAT, [BindGroup("karakol", "ru"), place], "tg:40")
    assert (await store.load_group(CHAT)).binding is None
    assert len(await store.unplaced("karakol")) == 2
    assert (await store.learned(), await store.learned_version()) == ({}, learned)
