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
from tests.test_workgroups import ADMIN, GROUP, MEMBER, Group

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
    (first,) = await group.say(MEMBER, "/review")
    assert (
        "«Мэр не отвечает на письма!» — 2 ответа" in first and "осталось формулировок: 2" in first
    )
    buttons = group.buttons()
    assert {"Все темы…", "Оставить своими словами", "Пропустить"} <= set(buttons)
    await group.tap(MEMBER, buttons["Все темы…"])
    page = group.buttons()
    assert len(page) <= 13 and "Ещё" in " ".join(page)
    replies = await group.tap(MEMBER, page["Дороги"])
    # Both residents already named roads: nothing may become a duplicate, so nothing moves.
    assert "Готово: 0 ответов отнесены к теме «Дороги»" in replies[0]
    tallies = await group.store.tallies("karakol")
    assert tallies == await group.store.tallies("karakol", recount=True)


async def test_review_moves_counters_records_the_reviewer_and_teaches(group: Group) -> None:
    await group.say(MEMBER, "/review")
    await group.tap(MEMBER, group.buttons()["Все темы…"])
    page = group.buttons()
    while "Общественный порядок и безопасность" not in page:
        await group.tap(MEMBER, next(v for k, v in page.items() if "Ещё" in k))
        page = group.buttons()
    before = await group.store.tallies("karakol")
    replies = await group.tap(MEMBER, page["Общественный порядок и безопасность"])
    assert "2 ответа отнесены к теме «Общественный порядок и безопасность»" in replies[0]
    after = await group.store.tallies("karakol")
    assert after == await group.store.tallies("karakol", recount=True)
    assert after["mtu1"].counts["public_order"] == 2
    assert after["mtu1"].counts["other"] == before["mtu1"].counts["other"] - 2
    assert "«нет <b>бассейна</b>» — 1 ответ" in replies[-1], "the next wording, escaped"
    assert "<b>бассейна</b>" not in group.api.sent(GROUP)[-1]["text"], "escaped in the HTML"
    with sqlite3.connect(group.db) as db:  # the audit: who placed what
        audit = db.execute("SELECT wording, category, reviewer, items FROM reviews").fetchall()
    assert audit == [("мэр не отвечает на письма", "public_order", MEMBER, 2)]
    # The matcher learned the wording: a new resident's identical words are placed at once.
    session = step(Session(), Inbound("command", command="start", lang_hint="ru"), group.world)
    session = step(session.session, Inbound("text", text="каракол"), group.world)
    session = step(session.session, Inbound("text", text="1"), group.world)
    turn = step(session.session, Inbound("text", text="мэр не отвечает на письма"), group.world)
    assert turn.session.answer is not None
    assert [i.category for i in turn.session.answer.items] == ["public_order"]
    replies = await group.tap(MEMBER, group.buttons()["Оставить своими словами"])
    assert "Оставлено как «своими словами»" in replies[0]
    assert "Все ответы своими словами разобраны" in replies[-1]
    assert await group.say(MEMBER, "/review") == ["Все ответы своими словами разобраны. Спасибо!"]


async def test_forged_and_stale_review_buttons_change_nothing(group: Group) -> None:
    await group.say(MEMBER, "/review")
    tag = group.buttons()["Пропустить"].split(":")[2]
    before = await group.store.tallies("karakol")
    replies = await group.tap(MEMBER, "rv:c:0000000000:roads")
    assert "уже разобрали" in replies[0]
    await group.tap(MEMBER, f"rv:c:{tag}:not_a_category")
    await group.tap(MEMBER, "garbage")
    assert await group.store.tallies("karakol") == before
    replies = await group.tap(MEMBER, f"rv:s:{tag}:-")
    assert "бассейна" in replies[0], "skip shows the next wording"
