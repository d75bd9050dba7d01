"""The aiohttp Bot API transport (bot/telegram_http.py) over real HTTP on 127.0.0.1: in
process against the fake server, and inside a real `citybot run` (surveys, a chart upload,
dropped connections, a refused token)."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.chart import ranking_png
from bot.telegram_http import AiohttpRequest
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import BotAPIServer, FakeBotAPI, free_port, refuse
from tests.test_startup_failures import REFUSED, TOKEN, BotProcess

ROOT = Path(__file__).resolve().parents[1]
ADMIN = 4242
PNG = b"\x89PNG\r\n\x1a\n"

# One survey, language-independent: a tap names its button by the callback data's
# "<kind>:<argument>" (optional ones are tapped only when shown); typed text per language.
SURVEY: list[tuple[str, str | dict[str, str]]] = [
    ("text", "/start"),
    ("tap?", "c:karakol"),
    ("tap", "d:mtu1"),
    ("tap", "p:roads"),
    ("text", {"ru": "школы", "ky": "мектептер"}),
    ("tap", "x:others"),
    ("tap", "g:utilities"),
    ("tap", "p:drinking_water"),
    ("text", {"ru": "бродячие собаки", "ky": "каңгыган иттер"}),
    ("text", {"ru": "нет освещения на улицах", "ky": "көчөдө жарык жок"}),
    ("tap", "x:ok"),
    ("tap", "S:1"),
]
_ids = itertools.count(500_000)


class Chat:
    """A resident (or a group) talking to a `citybot run` process through the fake API's
    getUpdates, each update after the bot answered the previous one."""

    def __init__(self, api: FakeBotAPI, chat_id: int, lang: str, user_id: int | None = None):
        self.api, self.chat_id, self.lang = api, chat_id, lang
        self.user = {
            "id": user_id or chat_id,
            "is_bot": False,
            "first_name": "R",
            "language_code": lang,
        }
        self.chat = {"id": chat_id, "type": "private" if user_id is None else "group"}

    def replies(self) -> int:
        return sum(
            1
            for api, p in self.api.calls
            if api in ("sendMessage", "editMessageText", "sendPhoto")
            and int(p["chat_id"]) == self.chat_id
        )

    def buttons(self) -> tuple[int, list[dict[str, str]]]:
        for message_id, shown in reversed(self.api.screens(self.chat_id)):
            if shown.get("reply_markup"):
                rows = shown["reply_markup"]["inline_keyboard"]
                return message_id, [b for row in rows for b in row]
        return 0, []

    async def _deliver(self, update: dict[str, Any], within: float = 20.0) -> None:
        before = self.replies()
        self.api.updates.append({"update_id": next(_ids), **update})
        deadline = time.monotonic() + within
        while self.replies() == before:
            assert time.monotonic() < deadline, f"no reply to {update} within {within} s"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)  # a turn may send more than one message: let them all come

    async def say(self, text: str) -> None:
        message: dict[str, Any] = {"message_id": next(_ids), "date": int(time.time())}
        message.update(chat=self.chat, text=text, **{"from": self.user})
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        await self._deliver({"message": message})

    async def tap(self, wanted: str, optional: bool = False) -> None:
        message_id, buttons = self.buttons()
        found = [b["callback_data"] for b in buttons if b["callback_data"].endswith("." + wanted)]
        if not found:
            assert optional, f"no {wanted} among {[b['callback_data'] for b in buttons]}"
            return
        message = {"message_id": message_id, "date": 0, "chat": self.chat, "text": "."}
        query = {"id": str(next(_ids)), "chat_instance": "c", "data": found[0]}
        query.update(message=message, **{"from": self.user})
        await self._deliver({"callback_query": query})

    async def survey(self) -> None:
        for kind, value in SURVEY:
            if kind == "text":
                await self.say(value if isinstance(value, str) else value[self.lang])
            else:
                assert isinstance(value, str)
                await self.tap(value, optional=kind == "tap?")


def config_with_an_admin(tmp_path: Path) -> Path:
    """Karakol's bundled configuration with ADMIN as its admin (to /bind a group), its daily
    summary not due for two hours at least: from 20:00 in Karakol (its default) the running
    bot's scheduler would send the bound group a summary of its own, a second chart beside
    /summary's, whenever a slow run outlasts the scheduler's one-minute retry."""
    bishkek = datetime.now(UTC).astimezone(ZoneInfo("Asia/Bishkek"))
    zone = "Asia/Bishkek" if bishkek.hour <= 21 else "Europe/London"  # there 15:00-17:59
    folder = tmp_path / "cities"
    folder.mkdir()
    for source in (ROOT / "cities").glob("karakol.*"):
        text = source.read_text()
        if source.suffix == ".toml":
            text = text.replace("telegram_user_ids = []", f"telegram_user_ids = [{ADMIN}]", 1)
            late = f'timezone = "{zone}"\nsummary_time = "23:59"'
            assert 'timezone = "Asia/Bishkek"' in text
            text = text.replace('timezone = "Asia/Bishkek"', late, 1)
        (folder / source.name).write_text(text)
    return folder


async def stored_lists(db: Path, *residents: int) -> list[int]:
    store = SqliteStore(db)
    await store.open()
    try:
        found = []
        for uid in residents:
            history = await store.answer_history(ResidentRef("tg", str(uid)))
            found.append(len(history[-1].items) if history else 0)
        return found
    finally:
        await store.close()


# --- the real process ------------------------------------------------------------------------


async def test_surveys_in_ru_and_ky_and_a_chart_through_citybot_run(tmp_path: Path) -> None:
    """Two residents (ru, ky) take the whole survey over HTTP, polling; the first getUpdates
    lose their connection (polling goes on); an admin binds a group and asks for the summary:
    its chart goes up as multipart sendPhoto with the PNG's bytes; the answers are stored."""
    async with BotAPIServer(TOKEN) as server:
        server.drop("getUpdates", 2)
        env = {"CITYBOT_CONFIG": str(config_with_an_admin(tmp_path))}
        async with BotProcess(tmp_path, server.base_url, **env) as bot:
            await bot.wait_until(lambda: len(server.api.offsets) >= 1, 30, "getUpdates")
            ru, ky = Chat(server.api, 9001, "ru"), Chat(server.api, 9002, "ky")
            await asyncio.gather(ru.survey(), ky.survey())
            group = Chat(server.api, -100777, "ru", user_id=ADMIN)
            await group.say("/bind karakol")
            await group.say("/summary")
            await bot.wait_until(lambda: server.api.uploads != [], 20, "the chart")
            code = await bot.stop()
    assert code == 0
    bot.assert_clean()
    assert server.dropping["getUpdates"] == 0, "both drops happened"
    (upload,) = server.api.uploads
    method, chat, _filename, content = upload  # PTB names bytes by their MIME type
    assert (method, chat) == ("sendPhoto", -100777)
    assert content.startswith(PNG) and len(content) > 1000
    assert any(ord(c) in (0x4E9, 0x4AF, 0x4A3) for p in server.api.sent(9002) for c in p["text"])
    assert not any("ө" in p["text"] for p in server.api.sent(9001)), "the ru resident in ru"
    assert await stored_lists(tmp_path / "citybot.sqlite3", 9001, 9002) == [5, 5]


async def test_a_token_refused_through_the_aiohttp_transport_ends_with_exit_code_2(
    tmp_path: Path,
) -> None:
    async with BotAPIServer(TOKEN) as server:
        refuse(server.api, "getUpdates", 401, after=1)
        async with BotProcess(tmp_path, server.base_url, CITYBOT_LOG_LEVEL="WARNING") as bot:
            code = await bot.ended(within=30)
    assert code == 2
    assert bot.lines[-1] == REFUSED
    assert [line for line in bot.lines if line.startswith("citybot:")] == [REFUSED]
    assert server.api.count("getUpdates") == 2
    bot.assert_clean()


# --- in process ------------------------------------------------------------------------------


async def test_calls_uploads_and_timeouts_in_process() -> None:
    async with BotAPIServer(TOKEN) as server:
        request, polling = AiohttpRequest(read_timeout=1.0), AiohttpRequest(1)
        bot = Bot(TOKEN, base_url=server.base_url, request=request, get_updates_request=polling)
        async with bot:
            assert bot.username == "citybot_test_bot"
            message = await bot.send_message(55, "привет", reply_markup=None)
            assert message.text == "привет"
            png = await asyncio.to_thread(ranking_png, "Каракол", ["Дороги", "Вода"], [0.6, 0.4])
            await bot.send_photo(-1005, png, caption="итоги", filename="chart.png")
            await bot.send_document(-1005, b"PK\x03\x04xlsx", filename="export.xlsx")
            assert await bot.get_updates(timeout=0) == ()
            server.stall = 1.5  # slower than the read timeout: TimedOut, nothing else
            with pytest.raises(TimedOut):
                await bot.send_message(55, "slow")
            server.stall = 0.0
    assert [u[:3] for u in server.api.uploads] == [
        ("sendPhoto", -1005, "chart.png"),
        ("sendDocument", -1005, "export.xlsx"),
    ]
    assert server.api.uploads[0][3] == png and png.startswith(PNG)
    assert server.api.uploads[1][3] == b"PK\x03\x04xlsx"
    (photo,) = server.api.photos()
    assert photo["caption"] == "итоги"


async def test_timeouts_follow_ptb_defaults_and_explicit_values() -> None:
    async with BotAPIServer(TOKEN) as server:
        server.stall = 0.4
        request = AiohttpRequest(read_timeout=0.1)
        await request.initialize()
        try:
            url = f"{server.base_url}{TOKEN}/getMe"
            with pytest.raises(TimedOut):
                await request.do_request(url, "POST")  # the default read timeout: 0.1 s
            status, body = await request.do_request(url, "POST", read_timeout=2.0)
            assert status == 200 and b"citybot_test_bot" in body
            status, _ = await request.do_request(url, "POST", read_timeout=None)  # no limit
            assert status == 200
        finally:
            await request.shutdown()
    assert request.read_timeout == 0.1


async def test_dropped_connections_are_network_errors_and_the_next_call_works() -> None:
    async with BotAPIServer(TOKEN) as server:
        server.drop("sendMessage", 1)
        request = AiohttpRequest()
        bot = Bot(TOKEN, base_url=server.base_url, request=request)
        async with bot:
            with pytest.raises(NetworkError) as caught:
                await bot.send_message(55, "lost")
            assert not isinstance(caught.value, TimedOut)
            assert "aiohttp." in str(caught.value)
            assert (await bot.send_message(55, "again")).text == "again"
    assert [p["text"] for p in server.api.sent()] == ["again"]


async def test_nobody_listening_is_a_network_error_without_address_or_token() -> None:
    port = free_port()
    request = AiohttpRequest(connect_timeout=2.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", "POST")
    finally:
        await request.shutdown()
    text = str(caught.value)
    assert "cannot connect" in text
    assert str(port) not in text and TOKEN.split(":")[1] not in text


async def test_lifecycle_initialize_twice_shutdown_and_again() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/bot1:x/getMe", "POST")
    async with BotAPIServer(TOKEN) as server:
        url = f"{server.base_url}{TOKEN}/getMe"
        await request.initialize()
        session = request._session
        await request.initialize()  # PTB calls it again when getMe is retried: one session
        assert request._session is session
        assert (await request.do_request(url, "POST", RequestData()))[0] == 200
        await request.shutdown()
        await request.shutdown()
        await request.initialize()
        status, _ = await request.do_request(url, "POST")
        await request.shutdown()
    assert status == 200
