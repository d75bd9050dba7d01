"""A theme placed with one tap, committed by both stores: every wording of it in ONE
transaction (the review commit path), counters equal to a recount, a redelivery refused."""

from __future__ import annotations

import pytest
from storage_helpers import (  # noqa: F401  (fixtures)
    clock_fixture,
    own_words,
    store_fixture,
)

from flows import review
from flows.buttons import ThemePlace
from flows.session import Conversation, Reply, SaveAnswer
from flows.world import World
from storage.base import DuplicateUpdate, ResidentRef, Store

CHAT = -100
JAMS = ["пробки в центре", "Пробки в центре!", "пробки по утрам", "огромные пробки на Ленина"]


async def test_a_theme_is_committed_whole(store: Store, world: World) -> None:
    for n, text in enumerate([*JAMS, "мечеть"]):
        named = ("public_transport",) if n == 3 else ("roads",)
        answer = own_words(1, "karakol", text, *named)
        await store.commit(ResidentRef("tg", str(8000 + n)), Conversation(), [SaveAnswer(answer)])
    wordings = review.queue(await store.unplaced("karakol"), {})
    (theme,) = review.themes(wordings)
    assert theme.size == 4 and len(theme.wordings) == 3
    tap = review.theme_tap(
        ThemePlace(theme.tag, "public_transport"),
        "karakol",
        wordings,
        world.shown["karakol"],
        world.matchers["karakol"],
        "ru",
        555,
        lambda rest, lead: Reply(lead),
    )
    assert len(tap.effects) == 3
    before = await store.tallies("karakol")
    await store.commit_group(CHAT, tap.effects, "tg:1")
    # The resident who named public transport already keeps own words; the others moved.
    left = sorted(item.text for item in await store.unplaced("karakol"))
    assert left == ["мечеть", "огромные пробки на Ленина"]
    after = await store.tallies("karakol")
    assert after == await store.tallies("karakol", recount=True)
    assert after[""].counts["public_transport"] == before[""].counts["public_transport"] + 3
    assert set((await store.learned())["karakol"]) == {w.key for w in theme.wordings}
    with pytest.raises(DuplicateUpdate):
        await store.commit_group(CHAT, tap.effects, "tg:1")
    assert await store.tallies("karakol") == after, "a redelivered tap moves nothing again"
