"""Residents through the real PTB Application, a fake Bot API and a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.i18n import Texts
from bot.pipeline import Pipeline
from bot.telegram import TelegramChannel
from flows.session import Msg
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import FakeBotAPI, TelegramResident
from tests.helpers import subscribe

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:TEST-token-not-real"


class Harness:
    """One running bot: store + pipeline + PTB Application over a fake Bot API."""

    def __init__(self, db: Path, world: World) -> None:
        self.db, self.world = db, world
        self.api = FakeBotAPI()
        self.store = SqliteStore(db)
        self.channel = TelegramChannel(Pipeline(self.store, world), Texts(strict=True))
        self.app = self.channel.build(TOKEN, "http://127.0.0.1:9/bot", request=self.api)

    async def __aenter__(self) -> Harness:
        await self.store.open()
        await self.app.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()
        await self.store.close()

    def resident(self, user_id: int, lang: str | None = "ru", chat: str = "private"):
        return TelegramResident(self.app, self.api, user_id, lang, chat)


@pytest.fixture
async def bot(tmp_path: Path, world: World) -> AsyncIterator[Harness]:
    async with Harness(tmp_path / "citybot.sqlite3", world) as h:
        yield h


async def _answer(store: SqliteStore, user_id: int):
    history = await store.answer_history(ResidentRef("tg", str(user_id)))
    return history[-1] if history else None


async def test_full_survey_in_russian_with_taps(bot: Harness) -> None:
    r = bot.resident(101, "ru")
    texts = await r.send("/start")
    assert "пять самых важных проблем" in texts[0]
    assert r.labels == ["Кара-Балта", "Каракол", "Манас", "Кыргызча"]
    await r.tap("Кара-Балта")
    await r.tap("Нижняя зона")
    await r.tap("Питьевая вода")
    await r.tap("Другие темы")
    await r.tap("Порядок")
    await r.tap("Бродячие собаки")
    assert "2. Бродячие собаки" in r.text, "the message shows the list as it stands"
    answer = await _answer(bot.store, 101)
    assert answer is not None and answer.city == "kara_balta" and answer.district == "lower"
    assert [i.category for i in answer.items] == ["drinking_water", "stray_dogs"], "saved now"
    await r.tap("Готово")
    texts = await r.tap("Всё верно")
    assert "ваши ответы сохранены" in texts[0]
    await r.tap("Да, присылать")
    record = await bot.store.resident(ResidentRef("tg", "101"))
    assert record is not None and record.subscribed is True and record.lang == "ru"
    assert bot.api.count("answerCallbackQuery") == 9, "every tap stops its spinner"
    assert len(bot.api.sent(101)) == 1, "one message, replaced at every tap"
    assert bot.api.edits(101)[-1]["parse_mode"] == "HTML"
    assert "подписаны" in r.text


async def test_full_survey_in_kyrgyz_typed(bot: Harness) -> None:
    r = bot.resident(102, "ky")
    texts = await r.send("/start")
    assert "Шаарыңызды тандаңыз" in texts[-1]
    await r.send("Каракол")
    await r.send("3")  # МАБ №3 by its number
    texts = await r.send("кочолордо жарык жок, караңгы")  # ө typed as о
    assert "Кошулду: <b>Көчөлөрдү жарыктандыруу</b>" in texts[-1]
    await r.send("ооба")  # not a problem: nothing is added
    await r.send("мектептер")
    await r.send("даяр")
    texts = await r.send("туура")
    assert "Рахмат, жоопторуңуз сакталды" in texts[0]
    answer = await _answer(bot.store, 102)
    assert answer is not None and answer.district == "mtu3"
    assert [i.category for i in answer.items] == ["street_lighting", "schools"]
    assert answer.items[0].text == "кочолордо жарык жок, караңгы"


async def test_commands_menu_is_set_in_both_languages(bot: Harness) -> None:
    await bot.channel.set_commands(bot.app)
    calls = [p for api, p in bot.api.calls if api == "setMyCommands"]
    by_lang = {p.get("language_code"): p["commands"] for p in calls}
    assert set(by_lang) == {"ru", "ky", None}
    names = [c["command"] for c in by_lang["ky"]]
    assert names == [
        "start",
        "my",
        "edit",
        "results",
        "language",
        "stop",
        "forget",
        "announcements",
        "help",
    ]
    assert by_lang["ky"][1]["description"] == "Менин жоопторум"
    assert by_lang["ru"][1]["description"] == "Мои ответы"


async def test_edit_and_forget(bot: Harness) -> None:
    r = bot.resident(103, "ru")
    await r.send("/start")
    await r.tap("Манас")
    await r.tap("Спутник")
    await r.send("нет детских садов")
    await r.tap("Готово")
    await r.tap("Всё верно")
    await r.tap("Нет, спасибо")
    texts = await r.send("/my")
    assert "Детские сады" in texts[0] and "Спутник" in texts[0]
    await r.send("/edit")
    await r.tap("Добавить ещё")
    await r.send("канализация")
    await r.send("готово")
    await r.send("да")
    history = await bot.store.answer_history(ResidentRef("tg", "103"))
    assert [h.version for h in history] == [1, 2]
    assert [i.category for i in history[-1].items] == ["kindergartens", "sewage"]
    texts = await r.send("/forget")
    assert "нельзя отменить" in texts[0]
    await r.tap("Да, удалить")
    assert await bot.store.resident(ResidentRef("tg", "103")) is None
    assert await bot.store.answer_history(ResidentRef("tg", "103")) == []
    texts = await r.send("/start")
    assert "пять самых важных" in texts[0], "a new start, language preselected from Telegram"
    assert r.labels == ["Кара-Балта", "Каракол", "Манас", "Кыргызча"], "the old answers are gone"


@pytest.mark.parametrize(
    "kind", ["sticker", "photo", "voice", "video", "document", "location", "contact"]
)
async def test_media_is_answered_and_nothing_changes(bot: Harness, kind: str) -> None:
    r = bot.resident(104, "ru")
    await r.send("/start")
    await r.tap("Каракол")
    texts = await r.send_media(kind)
    assert "кнопкой или текстом" in texts[0] or "Геопозиция здесь не нужна" in texts[0]
    assert "выберите ваш район" in texts[0]
    loaded = await bot.store.load(ResidentRef("tg", "104"))
    assert loaded.session.conv.step.value == "district"


async def test_long_text_html_and_edited_messages(bot: Harness) -> None:
    r = bot.resident(105, "ru")
    await r.send("/start")
    await r.tap("Каракол")
    await r.tap("МТУ №1")
    before = (await bot.store.load(ResidentRef("tg", "105"))).session
    texts = await r.send("а" * 301)
    assert "сократите до 300" in texts[0] and "Проблема 1" in texts[0], "and the step again"
    after = (await bot.store.load(ResidentRef("tg", "105"))).session
    assert after.answer == before.answer and after.conv.step == before.conv.step
    texts = await r.send('<b>ямы</b> & <a href="x">дороги</a>')
    assert "&lt;b&gt;ямы&lt;/b&gt; &amp; &lt;a href=" in texts[-1]
    assert "<a " not in texts[-1]
    assert await r.edit("дороги") == [], "edited messages are ignored"


async def test_forged_and_stale_buttons_are_answered(bot: Harness) -> None:
    r = bot.resident(106, "ru")
    await r.send("/start")
    await r.tap("Каракол")
    calls = bot.api.count("answerCallbackQuery")
    for data in ["p:roads", "d:nowhere", "S:2", "💥"]:
        texts = await r.press(data)
        assert "кнопка уже не действует" in texts[0] and "выберите ваш район" in texts[0]
    assert bot.api.count("answerCallbackQuery") == calls + 4


async def test_unknown_command_and_groups_ignored(bot: Harness) -> None:
    r = bot.resident(107, "ru")
    texts = await r.send("/weather")
    assert any("Не знаю команду /weather" in t for t in texts)
    group = bot.resident(-100200, "ru", chat="group")
    group.user["id"] = 108
    assert await group.send("/start") == []
    assert await group.send("дороги") == []
    assert await bot.store.resident(ResidentRef("tg", "108")) is None


async def test_duplicate_update_is_processed_once(bot: Harness) -> None:
    r = bot.resident(109, "ru")
    await r.send("/start")
    await r.tap("Каракол")
    await r.tap("МТУ №2")
    texts = await r.send("школы")
    assert "Добавлено" in texts[0]
    assert await r.redeliver() == []
    loaded = await bot.store.load(ResidentRef("tg", "109"))
    assert loaded.session.answer is not None
    assert [i.category for i in loaded.session.answer.items] == ["schools"]


async def _open_problems(r: TelegramResident) -> str:
    """Walk to Karakol, МТУ №2, the problems; return the "Дороги" button's data."""
    await r.send("/start")
    await r.tap("Каракол")
    await r.tap("МТУ №2")
    return next(b["callback_data"] for b in r.keyboard if b["text"] == "Дороги")


async def _categories(bot: Harness, user_id: int) -> list[str]:
    answer = await _answer(bot.store, user_id)
    return [i.category for i in answer.items] if answer else []


async def test_two_quick_taps_do_not_interleave(bot: Harness) -> None:
    r = bot.resident(110, "ru")
    roads = await _open_problems(r)
    sidewalks = next(b["callback_data"] for b in r.keyboard if b["text"] == "Тротуары")
    # Both buttons were on the same screen: the second tap arrives after the first replaced
    # it, so it acts on nothing (a double tap), never on top of a half-written first tap.
    await asyncio.gather(r.press(roads), r.press(sidewalks))
    assert await _categories(bot, 110) == ["roads"]
    assert "1. Дороги" in r.text, "the message shows the first tap's result, drawn again"
    toasts = [p for api, p in bot.api.calls if api == "answerCallbackQuery"]
    assert toasts[-1].get("text"), "the second tap gets a note"


async def test_residents_proceed_concurrently(bot: Harness) -> None:
    residents = [bot.resident(2000 + i, "ru" if i % 2 else "ky") for i in range(30)]

    async def survey(r: TelegramResident) -> None:
        await r.send("/start")
        await r.send("каракол")
        await r.send("1")
        await r.send("дороги")
        await r.send("школы")
        await r.send("готово")
        await r.tap("✅")

    await asyncio.gather(*(survey(r) for r in residents))
    for r in residents:
        answer = await _answer(bot.store, r.user_id)
        assert answer is not None and [i.category for i in answer.items] == ["roads", "schools"]


async def test_restart_with_a_new_application_continues(tmp_path: Path, world: World) -> None:
    db = tmp_path / "restart.sqlite3"
    async with Harness(db, world) as first:
        r = first.resident(111, "ky")
        await r.send("/start")
        await r.send("манас")
        await r.send("достук")
        await r.send("жолдор")
    async with Harness(db, world) as second:
        r = second.resident(111, "ky")
        texts = await r.send("/start")
        assert "Токтогон жерден улантабыз" in texts[0] and "1. Жолдор" in texts[0]
        assert "Көйгөй 2/5" in texts[0]
        await r.send("даяр")
        await r.send("туура")
        answer = await _answer(second.store, 111)
        assert answer is not None and answer.city == "manas" and answer.district == "dostuk"


_CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from bot.config import load_world
    from tests.test_telegram import Harness

    async def main():
        async with Harness(Path(sys.argv[1]), load_world()) as h:
            r = h.resident(112, "ru")
            for text in ["/start", "каракол", "мту 4", "дороги", "школы", "готово", "да"]:
                await r.send(text)
                print("replied", text, flush=True)
            print("all done", flush=True)
            await asyncio.sleep(60)  # killed here, with the store open

    asyncio.run(main())
    """
)


async def test_a_killed_process_loses_no_confirmed_answer(tmp_path: Path, world: World) -> None:
    """SIGKILL a real bot process after it confirmed the answer; a new one continues."""
    db = tmp_path / "killed.sqlite3"
    child = subprocess.Popen(  # noqa: ASYNC220 - a real process to SIGKILL
        [sys.executable, "-c", _CHILD, str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    lines = []
    while True:
        line = await asyncio.to_thread(child.stdout.readline)
        assert line, "child ended early"
        lines.append(line)
        if "replied да" in line:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    async with Harness(db, world) as h:
        answer = await _answer(h.store, 112)
        assert answer is not None and answer.district == "mtu4"
        assert [i.category for i in answer.items] == ["roads", "schools"]
        r = h.resident(112, "ru")
        texts = await r.send("/my")
        assert "1. Дороги" in texts[0]
        loaded = await h.store.load(ResidentRef("tg", "112"))
        assert loaded.session.conv.step.value == "subscribe", "continues where it stopped"


async def test_sent_text_is_valid_for_telegram(bot: Harness) -> None:
    """Buttons carry short ASCII callback data; texts stay under Telegram's limits."""
    r = bot.resident(113, "ky")
    await r.send("/start")
    await r.tap("Каракол")
    await r.tap("№1 МАБ")
    await r.tap("Башка темалар")
    await r.tap("Суу, жылуулук")
    for message in [*bot.api.sent(113), *bot.api.edits(113)]:
        assert len(message["text"]) <= 4096
        markup = message.get("reply_markup")
        if markup:
            markup = json.loads(markup) if isinstance(markup, str) else markup
            buttons = [b for row in markup["inline_keyboard"] for b in row]
            assert len(buttons) <= 12
            for b in buttons:
                assert b["callback_data"].isascii() and len(b["callback_data"].encode()) <= 64


class _GatedStore:
    """A real SqliteStore whose commits can be made to fail or to wait, for one resident."""

    def __init__(self, inner: SqliteStore) -> None:
        self.inner = inner
        self.fail_for: str | None = None
        self.hold_for: str | None = None
        self.held = asyncio.Event()
        self.release = asyncio.Event()

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def commit(self, who, conv, effects, dedup_key=None, inbound=True, expected="any"):  # type: ignore[no-untyped-def]
        if who.external_id == self.fail_for:
            raise OSError("disk I/O error")
        if who.external_id == self.hold_for:
            self.held.set()
            await self.release.wait()
        return await self.inner.commit(who, conv, effects, dedup_key, inbound, expected)


@pytest.fixture
async def gated(tmp_path: Path, world: World) -> AsyncIterator[tuple[Harness, _GatedStore]]:
    h = Harness(tmp_path / "citybot.sqlite3", world)
    store = _GatedStore(h.store)
    h.channel = TelegramChannel(Pipeline(store, world), Texts(strict=True))  # type: ignore[arg-type]
    h.app = h.channel.build(TOKEN, "http://127.0.0.1:9/bot", request=h.api)
    async with h:
        yield h, store


async def test_a_failed_commit_confirms_nothing_and_the_answer_can_be_given_again(
    gated: tuple[Harness, _GatedStore],
) -> None:
    bot, store = gated
    r = bot.resident(120, "ky")
    await r.send("/start")
    await r.tap("Каракол")
    await r.tap("№2 МАБ")
    await r.send("жолдор")
    store.fail_for = "120"
    texts = await r.send("мектептер")
    assert len(texts) == 1 and "Кошулду" not in texts[0]
    assert texts[0] == Texts().format("ky", Msg("error-internal"))
    assert await _categories(bot, 120) == ["roads"], "nothing of the failed turn is stored"
    # The disk recovers: the same message is simply sent again.
    store.fail_for = None
    texts = await r.send("мектептер")
    assert "Кошулду: <b>Мектептер</b>" in texts[0]
    assert await _categories(bot, 120) == ["roads", "schools"]


async def test_one_slow_resident_does_not_hold_up_another(
    gated: tuple[Harness, _GatedStore],
) -> None:
    """Per-resident ordering, not a global lock: B is answered while A's commit waits."""
    bot, store = gated
    a, b = bot.resident(130, "ru"), bot.resident(131, "ru")
    store.hold_for = "130"
    slow = asyncio.create_task(a.send("/start"))
    await asyncio.wait_for(store.held.wait(), 5)
    texts = await asyncio.wait_for(b.send("/start"), 5)
    assert "пять самых важных" in texts[0]
    assert bot.api.sent(130) == [], "A is told nothing before A's state is committed"
    # A's second message waits behind A's first and is answered after it, in order.
    follow = asyncio.create_task(a.send("каракол"))
    await asyncio.sleep(0.05)
    assert not follow.done()
    store.release.set()
    await asyncio.wait_for(asyncio.gather(slow, follow), 5)
    sent = [m["text"] for m in bot.api.sent(130)]
    assert "пять самых важных" in sent[0] and "выберите ваш район" in sent[-1]


async def test_the_same_update_delivered_twice_at_once_is_processed_once(bot: Harness) -> None:
    r = bot.resident(140, "ru")
    roads = await _open_problems(r)
    message_id = r.screen[0]
    before = len(bot.api.calls)
    # A webhook retry can arrive while the first delivery is still being processed.
    update = {
        "update_id": 987_654,
        "callback_query": {
            "id": "987654",
            "from": r.user,
            "chat_instance": "ci",
            "data": roads,
            "message": {**r._message(text="(buttons)"), "message_id": message_id},
        },
    }
    await asyncio.gather(*(r.deliver(update) for _ in range(3)))
    shown = [p["text"] for api, p in bot.api.calls[before:] if api == "editMessageText"]
    assert len(shown) == 1 and "1. Дороги" in shown[0]
    assert await _categories(bot, 140) == ["roads"]


async def test_a_resident_who_blocks_the_bot_is_unsubscribed(bot: Harness) -> None:
    r = bot.resident(150, "ru")
    await r.send("/start")
    await subscribe(bot.store, ResidentRef("tg", "150"))
    update = {
        "update_id": 424_242,
        "my_chat_member": {
            "chat": {"id": 150, "type": "private", "first_name": "R"},
            "from": r.user,
            "date": 1,
            "old_chat_member": {
                "status": "member",
                "user": {"id": 1, "is_bot": True, "first_name": "b"},
            },
            "new_chat_member": {
                "status": "kicked",
                "until_date": 0,
                "user": {"id": 1, "is_bot": True, "first_name": "b"},
            },
        },
    }
    assert await r.deliver(update) == []
    record = await bot.store.resident(ResidentRef("tg", "150"))
    assert record is not None and record.subscribed is False
