"""Residents through the real PTB app, the fake Bot API and a real SQLite file: the answers
that used to be lost, edits in place, menus, links, locations, results and the reminder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.config import load_world
from bot.nudges import Nudger
from flows.world import World
from storage.base import ResidentRef
from tests.fake_telegram import TelegramResident
from tests.storage_helpers import FakeClock
from tests.test_telegram import Harness

OZERNY = Path(__file__).parent / "data" / "cities"


@pytest.fixture
async def bot(tmp_path: Path, world: World) -> AsyncIterator[Harness]:
    async with Harness(tmp_path / "citybot.sqlite3", world) as h:
        yield h


async def stored(bot: Harness, user_id: int) -> list[str]:
    history = await bot.store.answer_history(ResidentRef("tg", str(user_id)))
    return [i.category for i in history[-1].items] if history else []


def unlisted(r: TelegramResident) -> str:
    """The first featured problem not on the list yet (listed ones keep their place, ✓)."""
    return next(b["callback_data"] for b in r.keyboard if not b["text"].startswith("✓"))


async def to_problems(r: TelegramResident, district: str) -> None:
    await r.send("/start")
    await r.tap("Каракол")
    await r.tap(district)


# --- the answers that used to be lost, in both languages ------------------------------------


@pytest.mark.parametrize(
    ("lang", "district", "more", "full"),
    [("ru", "МТУ №1", "Добавить ещё", "5 проблем"), ("ky", "№1 МАБ", "Дагы кошуу", "5 көйгөй")],
)
async def test_an_edited_list_of_five_is_saved_and_never_becomes_six(
    bot: Harness, lang: str, district: str, more: str, full: str
) -> None:
    r = bot.resident(201, lang)
    await to_problems(r, district)
    for _ in range(5):
        await r.press(unlisted(r))  # a featured problem not listed yet, five times
    assert len(await stored(bot, 201)) == 5, "saved before any confirmation"
    await r.send("/edit")
    assert not [b for b in r.labels if more in b], "no 'add more' with five"
    texts = await r.send("нет освещения на улицах")
    assert full in texts[0]
    assert len(await stored(bot, 201)) == 5
    texts = await r.tap("✅")
    assert "error" not in " ".join(texts).casefold() and len(await stored(bot, 201)) == 5


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        ("ru", ["ямы на дорогах", "нет воды", "мусор не вывозят", "мэр не отвечает", "собаки"]),
        ("ky", ["жолдор начар", "суу жок", "таштанды көп", "мэр жооп бербейт", "иттер көп"]),
    ],
)
async def test_five_problems_typed_one_per_message_are_all_stored(
    bot: Harness, lang: str, lines: list[str]
) -> None:
    r = bot.resident(202, lang)
    await to_problems(r, "МТУ №2" if lang == "ru" else "№2 МАБ")
    for line in lines:
        await r.send(line)
    history = await bot.store.answer_history(ResidentRef("tg", "202"))
    assert [i.text for i in history[-1].items] == lines, "every line, in the resident's order"
    texts = await r.send("/my")
    assert all(line in texts[0] for line in lines)


@pytest.mark.parametrize(("lang", "district"), [("ru", "МТУ №3"), ("ky", "№3 МАБ")])
async def test_a_resident_who_leaves_at_the_review_is_in_the_ranking(
    bot: Harness, lang: str, district: str
) -> None:
    r = bot.resident(203, lang)
    await to_problems(r, district)
    for _ in range(5):
        await r.press(unlisted(r))
    assert "✅" in " ".join(r.labels), "at the review, never confirmed"
    tallies = await bot.store.tallies("karakol")
    assert tallies["mtu3"].respondents == 1 and sum(tallies["mtu3"].counts.values()) == 5
    assert tallies == await bot.store.tallies("karakol", recount=True)


@pytest.mark.parametrize(("lang", "district"), [("ru", "МТУ №4"), ("ky", "№4 МАБ")])
async def test_double_taps_act_once(bot: Harness, lang: str, district: str) -> None:
    r = bot.resident(204, lang)
    await to_problems(r, district)
    await r.press(unlisted(r))
    second = unlisted(r)
    await r.press(second)
    await r.press(second)  # the same button, tapped again: not a second add, not "take it off"
    assert len(await stored(bot, 204)) == 2, "acted once"
    assert len(bot.api.sent(204)) == 1, "no new message for the double tap"
    await r.send("/forget")
    yes = next(b["callback_data"] for b in r.keyboard if "🗑" in b["text"])
    await r.press(yes)
    await r.press(yes)
    assert await bot.store.resident(ResidentRef("tg", "204")) is None, "not recreated"
    toasts = [p.get("text") for api, p in bot.api.calls if api == "answerCallbackQuery"]
    assert toasts[-1], "the second tap is answered with a note, not a message"


@pytest.mark.parametrize(
    ("lang", "line", "both", "expected"),
    [
        (
            "ru",
            "нет освещения на улицах и ямы на дорогах",
            "Да, и",
            ["street_lighting", "roads"],
        ),
        ("ky", "иттер көп, жолдор начар", "Ооба,", ["stray_dogs", "roads"]),
    ],
)
async def test_add_both_keeps_the_order_the_resident_wrote(
    bot: Harness, lang: str, line: str, both: str, expected: list[str]
) -> None:
    r = bot.resident(205, lang)
    await to_problems(r, "МТУ №5" if lang == "ru" else "№5 МАБ")
    await r.send(line)
    await r.tap(both)
    assert await stored(bot, 205) == expected


# --- fewer messages ----------------------------------------------------------------------------


async def test_taps_replace_their_message_and_an_old_message_falls_back_to_a_new_one(
    bot: Harness,
) -> None:
    r = bot.resident(206, "ru")
    await r.send("/start")
    await r.tap("Каракол")
    await r.tap("МТУ №6")
    assert len(bot.api.sent(206)) == 1 and len(bot.api.edits(206)) == 2
    # Telegram refuses to edit a message older than 48 hours: the screen is sent instead.
    bot.api.faults["editMessageText"] = lambda p: (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message can't be edited"},
    )
    texts = await r.tap("Дороги")
    assert "1. Дороги" in texts[-1] and len(bot.api.sent(206)) == 2
    assert await stored(bot, 206) == ["roads"]


async def test_the_command_menu_follows_the_residents_language(bot: Harness) -> None:
    r = bot.resident(207, None)  # no language from Telegram: asked
    await r.send("/start")
    await r.tap("Кыргызча")
    menus = [p for api, p in bot.api.calls if api == "setMyCommands" and "scope" in p]
    assert len(menus) == 1
    scope = menus[0]["scope"]
    assert '"chat_id": 207' in str(scope).replace("'", '"') or getattr(scope, "chat_id", 0) == 207
    commands = menus[0]["commands"]
    assert "Менин жоопторум" in str(commands)


# --- reaching residents ---------------------------------------------------------------------


async def test_a_deep_link_presets_city_district_and_source(bot: Harness) -> None:
    r = bot.resident(208, "ky")
    texts = await r.send("/start manas-kurmanbek-poster")
    assert "Курманбек" in texts[0] and "Жолдор" in r.labels
    record = await bot.store.resident(ResidentRef("tg", "208"))
    assert record is not None and record.source == "poster"
    await r.tap("Жолдор")
    history = await bot.store.answer_history(ResidentRef("tg", "208"))
    assert (history[-1].city, history[-1].district) == ("manas", "kurmanbek")
    assert await bot.store.source_counts("manas") == {"poster": 1}


async def test_a_location_selects_the_district(tmp_path: Path) -> None:
    async with Harness(tmp_path / "o.sqlite3", load_world(OZERNY)) as h:
        r = h.resident(209, "ru")
        await r.send("/start")
        texts = await r.send_media("location")  # 42.49, 78.39: the south district
        assert "Ваш район: <b>МТУ №2</b>" in texts[0]
        loaded = await h.store.load(ResidentRef("tg", "209"))
        assert loaded.session.conv.district == "south"


async def test_results_after_saving(bot: Harness) -> None:
    for n in range(6):
        other = bot.resident(300 + n, "ru")
        await to_problems(other, "МТУ №7")
        await other.tap("Питьевая вода" if n % 2 else "Дороги")
    r = bot.resident(210, "ru")
    await to_problems(r, "МТУ №7")
    await r.tap("Дороги")
    await r.tap("Готово")
    await r.tap("Всё верно")
    await r.tap("Нет, спасибо")
    texts = await r.tap("Результаты")
    assert "Ответили: 7 жителей" in texts[0] and "1. Дороги — 57%" in texts[0]
    assert "<b>МТУ №7</b> (ответили: 7)" in texts[0]


# --- the reminder ---------------------------------------------------------------------------


async def test_one_reminder_to_finish_after_three_hours_not_at_night(
    tmp_path: Path, world: World
) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 6, 0, tzinfo=UTC))  # 12:00 in Bishkek
    h = Harness(tmp_path / "n.sqlite3", world)
    h.store._clock = clock  # type: ignore[attr-defined]
    h.channel.pipeline.clock = clock
    async with h:
        nudger = Nudger(
            h.channel.pipeline,
            {"tg": h.channel.deliver_to},
            after=timedelta(hours=3),
            quiet=(time(22, 0), time(9, 0)),
            clock=clock,
        )
        stuck, finished, stopped = h.resident(401, "ru"), h.resident(402, "ky"), h.resident(403)
        await to_problems(stuck, "МТУ №1")
        await stuck.send("мэр не отвечает на письма")  # waiting for "keep as it is?"
        await to_problems(finished, "№2 МАБ")
        for _ in range(5):
            await finished.press(unlisted(finished))
        await to_problems(stopped, "МТУ №3")
        await stopped.send("/stop")
        clock.advance(hours=2)
        assert await nudger.tick() == 0, "not yet"
        clock.advance(hours=1, minutes=1)
        assert await nudger.tick() == 1
        assert "не закончили" in stuck.text and stuck.labels, "with the step to continue"
        assert await stored(h, 401) == ["other"], "what they typed counts"
        assert await nudger.tick() == 0, "once"
        # They write again and stop again, late in the evening: the reminder waits for morning.
        clock.now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 21:00 in Bishkek
        await stuck.send("/start")
        clock.advance(hours=3, minutes=5)  # 00:05
        assert await nudger.tick() == 0, "never at night"
        clock.now = datetime(2026, 12, 2, 3, 1, tzinfo=UTC)  # 09:01
        assert await nudger.tick() == 1


async def test_sources_are_counted_in_the_summary_and_the_export(bot: Harness) -> None:
    import io

    from openpyxl import load_workbook

    from bot import summaries
    from bot.export import Exporter
    from bot.i18n import Texts, html_to_plain
    from flows.summary import summary_parts

    for n, link in enumerate(["karakol-mtu1-poster", "karakol-mtu2-poster", "karakol--radio"]):
        r = bot.resident(500 + n, "ru")
        await r.send(f"/start {link}")
        if "radio" in link:
            await r.tap("МТУ №3")
        await r.tap("Дороги")
    walk_in = bot.resident(510, "ru")
    await to_problems(walk_in, "МТУ №4")
    await walk_in.tap("Тротуары")
    ranking = await summaries.compute(bot.store, bot.world, "karakol")
    assert summaries.as_json(ranking)["sources"] == {"poster": 2, "radio": 1}
    texts = Texts(strict=True)
    lines = [html_to_plain(texts.format("ru", p)) for p in summary_parts(bot.world, ranking, "ru")]
    assert "Пришли по ссылкам: poster — 2, radio — 1." in lines
    book = load_workbook(io.BytesIO(Exporter(bot.world, texts).xlsx(ranking, [], "ky")))
    sheet = book["Булактар"]
    assert [[c.value for c in row] for row in sheet.iter_rows()][1:] == [
        ["poster", 2],
        ["radio", 1],
    ]


async def test_a_message_whose_edit_was_lost_is_repaired_by_the_next_tap(bot: Harness) -> None:
    """A crash between the commit and the edit leaves the phone on the old screen: the next
    tap on it acts on nothing (its screen is gone) but draws the current one in its place."""
    r = bot.resident(211, "ru")
    await to_problems(r, "МТУ №1")
    lost = [True]

    def lose_once(params: dict) -> tuple[int, dict] | None:
        if lost and lost.pop():
            return 200, {"ok": True, "result": True}  # accepted, never shown
        return None

    bot.api.faults["editMessageText"] = lose_once
    await r.tap("Дороги")
    assert await stored(bot, 211) == ["roads"] and "1. Дороги" not in r.text
    await r.tap("Вывоз мусора")  # on the screen the phone still shows
    assert await stored(bot, 211) == ["roads"], "a button of a gone screen does not act"
    assert "1. Дороги" in r.text and "✓ Дороги" in r.labels, "the message shows the list now"
