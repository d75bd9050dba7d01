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


# --- similar wordings placed together (a theme) ---------------------------------------------

JAMS = ["Пробки в центре!", "пробки в центре", "пробки по утрам", "огромные пробки на Ленина"]
THEMED = [*JAMS, "шум по ночам"]


@pytest.fixture
async def themed(tmp_path: Path, world):  # type: ignore[no-untyped-def]
    async with SqliteStore(tmp_path / "citybot.sqlite3") as store:
        for n, text in enumerate(THEMED):
            # The first resident named public transport already: that item cannot move there.
            named = "public_transport" if n == 0 else "roads"
            items = [Item(category=named), Item(category="other", text=text)]
            answer = Answer(version=1, city="karakol", district="mtu1", items=items)
            await store.commit(
                ResidentRef("tg", str(950 + n)), Conversation(), [SaveAnswer(answer)]
            )
    g = Group(tmp_path, world)
    await g.store.open()
    await g.app.initialize()
    await g.say(ADMIN, "/bind karakol")
    try:
        yield g
    finally:
        await g.app.shutdown()
        await g.store.close()


async def _open_theme(group: Group) -> list[str]:
    (first,) = await group.say(REVIEWER, "/review")
    assert "«Пробки в центре!» — 2 ответа" in first
    return await group.tap(REVIEWER, group.buttons()["Похожие ответы…"])


async def test_a_theme_is_placed_with_one_tap(themed: Group) -> None:
    screen = (await _open_theme(themed))[0]
    assert screen.startswith("Похожие ответы (групп: 1)\n4 ответа, формулировок: 3.")
    assert (
        "«Пробки в центре!» — 2\n«огромные пробки на Ленина» — 1\n«пробки по утрам» — 1" in screen
    )
    assert screen.endswith("К какой теме отнести их все?")
    buttons = themed.buttons()
    assert {"Все темы…", "Оставить все своими словами", "Следующая группа"} <= set(buttons)
    assert "По одной формулировке" in buttons
    await themed.tap(REVIEWER, buttons["Все темы…"])
    before = await themed.store.tallies("karakol")
    replies = await themed.tap(REVIEWER, themed.buttons()["Общественный транспорт"])
    # One resident named public transport already: 3 of the 4 answers move.
    assert replies[0].startswith(
        "Готово: 3 ответа отнесены к теме «Общественный транспорт» (формулировок: 3)."
    )
    assert "«шум по ночам» — 1 ответ" in replies[0], "then the next wording"
    after = await themed.store.tallies("karakol")
    assert after == await themed.store.tallies("karakol", recount=True)
    assert after["mtu1"].counts["public_transport"] == before["mtu1"].counts["public_transport"] + 3
    assert after["mtu1"].counts["other"] == before["mtu1"].counts["other"] - 3
    with sqlite3.connect(themed.db) as db:  # one audit row per wording, all by the reviewer
        audit = db.execute("SELECT wording, category, reviewer, items FROM reviews").fetchall()
    assert sorted(audit) == [
        ("огромные пробки на ленина", "public_transport", REVIEWER, 1),
        ("пробки в центре", "public_transport", REVIEWER, 1),
        ("пробки по утрам", "public_transport", REVIEWER, 1),
    ]
    # Every wording of the theme is learned: a new resident's words are placed at once.
    world = await themed.pipeline.world_at(await themed.store.learned_version())
    assert world.matchers["karakol"].classify("пробки по утрам").category == "public_transport"


async def test_a_theme_kept_as_own_words_and_a_double_tap(themed: Group) -> None:
    await _open_theme(themed)
    keep = themed.buttons()["Оставить все своими словами"]
    before = await themed.store.tallies("karakol")
    replies = await themed.tap(REVIEWER, keep)
    assert replies[0].startswith("Оставлено как «своими словами» (формулировок: 3).")
    assert "«шум по ночам»" in replies[0]
    edits = len(themed.api.edits(GROUP))
    assert await themed.tap(REVIEWER, keep) == [], "gone: only a toast"
    assert len(themed.api.edits(GROUP)) == edits
    assert await themed.store.tallies("karakol") == before, "keeping moves nothing"
    with sqlite3.connect(themed.db) as db:
        assert db.execute("SELECT count(*) FROM reviews").fetchone() == (3,)
    # Kept wordings are not asked again: only the noise is left, with no theme button.
    left = (await themed.say(REVIEWER, "/review"))[0]
    assert "«шум по ночам» — 1 ответ" in left and "осталось формулировок: 1" in left
    assert "Похожие ответы…" not in themed.buttons()


async def test_forged_theme_buttons_and_other_members_change_nothing(themed: Group) -> None:
    await _open_theme(themed)
    buttons = themed.buttons()
    tag = buttons["Следующая группа"].split(":")[1].split("-")[0]
    before = await themed.store.tallies("karakol")
    edits = len(themed.api.edits(GROUP))
    await themed.tap(REVIEWER, f"0.T:{tag}-not_a_category")
    await themed.tap(REVIEWER, "0.T:0000000000-roads")
    await themed.tap(REVIEWER, f"0.o:{tag}-nonsense")
    await themed.tap(MEMBER, buttons["Оставить все своими словами"])  # not a reviewer
    assert len(themed.api.edits(GROUP)) == edits
    assert await themed.store.tallies("karakol") == before
    # "Next" with one theme shows it again; "one at a time" goes back to the wordings.
    again = (await themed.tap(REVIEWER, buttons["Следующая группа"]))[0]
    assert again.startswith("Похожие ответы (групп: 1)")
    single = (await themed.tap(REVIEWER, themed.buttons()["По одной формулировке"]))[0]
    assert "«Пробки в центре!» — 2 ответа" in single


async def test_a_theme_in_kyrgyz(themed: Group) -> None:
    await themed.say(ADMIN, "/language ky")
    await themed.say(REVIEWER, "/review")
    screen = (await themed.tap(REVIEWER, themed.buttons()["Окшош жооптор…"]))[0]
    assert screen.startswith("Окшош жооптор (топтор: 1)\n4 жооп, жазуулар: 3.")
    assert screen.endswith("Алардын баарын кайсы темага киргизебиз?")
    buttons = themed.buttons()
    assert {"Бардык темалар…", "Баарын өз сөзү менен калтыруу", "Кийинки топ"} <= set(buttons)
    await themed.tap(REVIEWER, buttons["Бардык темалар…"])
    replies = await themed.tap(REVIEWER, themed.buttons()["Коомдук транспорт"])
    assert replies[0].startswith(
        "Даяр: 3 жооп «Коомдук транспорт» темасына киргизилди (жазуулар: 3)."
    )
