"""/review: residents' own words placed into categories by the working group; the counters
move, the reviewer is recorded, and the matcher learns the wording."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from flows.session import Answer, Conversation, Inbound, Item, SaveAnswer, Session
from flows.survey import step
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.test_workgroups import ADMIN, GROUP, MEMBER, REVIEWER, Group

WORDS = [
    "Мэр не отвечает на письма!",
    "мэр не отвечает на письма",
    "нет <b>бассейна</b>",
]


async def _answers(db: Path) -> None:
    async with SqliteStore(db) as store:
        for n, text in enumerate(WORDS):
            items = [Item(category="roads"), Item(category="other", text=text)]
            answer = Answer(version=1, city="karakol", district="mtu1", items=items)
            await store.commit(
                ResidentRef("tg", str(900 + n)), Conversation(), [SaveAnswer(answer)]
            )


@pytest.fixture
async def group(tmp_path: Path, world):  # type: ignore[no-untyped-def]
    await _answers(tmp_path / "citybot.sqlite3")
    g = Group(tmp_path, world)
    await g.store.open()
    await g.app.initialize()
    await g.say(ADMIN, "/bind karakol")
    try:
        yield g
    finally:
        await g.app.shutdown()
        await g.store.close()


async def test_review_places_a_wording_for_every_answer_that_says_it(group: Group) -> None:
    (first,) = await group.say(REVIEWER, "/review")
    assert (
        "«Мэр не отвечает на письма!» — 2 ответа" in first and "осталось формулировок: 2" in first
    )
    buttons = group.buttons()
    assert {"Все темы…", "Оставить своими словами", "Пропустить"} <= set(buttons)
    await group.tap(REVIEWER, buttons["Все темы…"])
    page = group.buttons()
    assert len(page) <= 13 and "Ещё" in " ".join(page)
    replies = await group.tap(REVIEWER, page["Дороги"])
    # Both residents already named roads: nothing may become a duplicate, so nothing moves.
    assert "Готово: 0 ответов отнесены к теме «Дороги»" in replies[0]
    tallies = await group.store.tallies("karakol")
    assert tallies == await group.store.tallies("karakol", recount=True)


async def test_review_moves_counters_records_the_reviewer_and_teaches(group: Group) -> None:
    await group.say(REVIEWER, "/review")
    await group.tap(REVIEWER, group.buttons()["Все темы…"])
    page = group.buttons()
    while "Общественный порядок и безопасность" not in page:
        await group.tap(REVIEWER, next(v for k, v in page.items() if "Ещё" in k))
        page = group.buttons()
    before = await group.store.tallies("karakol")
    replies = await group.tap(REVIEWER, page["Общественный порядок и безопасность"])
    assert "2 ответа отнесены к теме «Общественный порядок и безопасность»" in replies[0]
    after = await group.store.tallies("karakol")
    assert after == await group.store.tallies("karakol", recount=True)
    assert after["mtu1"].counts["public_order"] == 2
    assert after["mtu1"].counts["other"] == before["mtu1"].counts["other"] - 2
    assert "«нет <b>бассейна</b>» — 1 ответ" in replies[-1], "the next wording, escaped"
    assert "<b>бассейна</b>" not in group.api.edits(GROUP)[-1]["text"], "escaped in the HTML"
    with sqlite3.connect(group.db) as db:  # the audit: who placed what
        audit = db.execute("SELECT wording, category, reviewer, items FROM reviews").fetchall()
    assert audit == [("мэр не отвечает на письма", "public_order", REVIEWER, 2)]
    # The matcher learned the wording (from the store, as every process sees it): a new
    # resident's identical words are placed at once.
    world = await group.pipeline.world_at(await group.store.learned_version())
    session = step(Session(), Inbound("command", command="start", lang_hint="ru"), world)
    session = step(session.session, Inbound("text", text="каракол"), world)
    session = step(session.session, Inbound("text", text="1"), world)
    turn = step(session.session, Inbound("text", text="мэр не отвечает на письма"), world)
    assert turn.session.answer is not None
    assert [i.category for i in turn.session.answer.items] == ["public_order"]
    replies = await group.tap(REVIEWER, group.buttons()["Оставить своими словами"])
    assert "Оставлено как «своими словами»" in replies[0]
    assert "Все ответы своими словами разобраны" in replies[-1]
    assert await group.say(REVIEWER, "/review") == ["Все ответы своими словами разобраны. Спасибо!"]


async def test_forged_and_stale_review_buttons_change_nothing(group: Group) -> None:
    await group.say(REVIEWER, "/review")
    buttons = group.buttons()
    tag = buttons["Пропустить"].split(":")[1]
    before = await group.store.tallies("karakol")
    edits = len(group.api.edits(GROUP))
    assert await group.tap(REVIEWER, "0.r:0000000000-roads") == [], "gone: a toast, no message"
    await group.tap(REVIEWER, f"0.r:{tag}-not_a_category")
    await group.tap(REVIEWER, "garbage")
    await group.tap(MEMBER, buttons["Оставить своими словами"])  # not a reviewer
    assert await group.store.tallies("karakol") == before
    assert len(group.api.edits(GROUP)) == edits
    replies = await group.tap(REVIEWER, buttons["Пропустить"])
    assert "бассейна" in replies[0], "skip shows the next wording"


async def test_a_double_tap_places_once(group: Group) -> None:
    await group.say(REVIEWER, "/review")
    await group.tap(REVIEWER, group.buttons()["Все темы…"])
    place = group.buttons()["Тротуары"]
    first = await group.tap(REVIEWER, place)
    assert "2 ответа отнесены" in first[0]
    assert await group.tap(REVIEWER, place) == [], "the second tap is only a toast"
    with sqlite3.connect(group.db) as db:
        assert db.execute("SELECT count(*) FROM reviews").fetchone() == (1,)
    assert await group.store.tallies("karakol") == await group.store.tallies("karakol", True)
