"""Working-group chats through the real PTB Application: /bind, /unbind, /language, /summary."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.i18n import Texts, html_to_plain
from bot.service import Conversations
from bot.summaries import SummarySender
from bot.telegram import TelegramChannel
from bot.workgroups import WorkGroups
from flows.catalogue import Admins
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import FakeBotAPI
from tests.test_summary import _fill

ADMIN = 777
MEMBER = 888
GROUP = -4001
_ids = itertools.count(50_000)


def _world(world: World) -> World:
    city = world.cities["karakol"]
    admins = Admins(telegram_user_ids=(ADMIN,))
    return World.build([city.model_copy(update={"admins": admins}), world.cities["manas"]])


class Group:
    def __init__(self, tmp_path: Path, world: World) -> None:
        self.db = tmp_path / "citybot.sqlite3"
        self.world = _world(world)
        self.api = FakeBotAPI()
        self.store = SqliteStore(self.db)
        texts = Texts(strict=True)
        self.channel = TelegramChannel(
            Conversations(self.store, self.world), texts, WorkGroups(self.store, self.world, texts)
        )
        self.app = self.channel.build("123:TEST", "http://127.0.0.1:9/bot", request=self.api)

    async def say(self, user: int, text: str, chat: int = GROUP, **extra: Any) -> list[str]:
        before = len(self.api.sent(chat))
        message = {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {
                "id": chat,
                "type": "supergroup" if chat < -(10**12) else "group",
                "title": "WG",
            },
            "from": {"id": user, "is_bot": False, "first_name": "Member"},
            "text": text,
            **extra,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        update = {"update_id": next(_ids), "message": message}
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return [html_to_plain(m["text"]) for m in self.api.sent(chat)[before:]]

    async def tap(self, user: int, data: str, chat: int = GROUP) -> list[str]:
        before = len(self.api.sent(chat))
        query = {
            "id": str(next(_ids)),
            "from": {"id": user, "is_bot": False, "first_name": "Member"},
            "chat_instance": "wg",
            "data": data,
            "message": {
                "message_id": next(_ids),
                "date": int(time.time()),
                "chat": {"id": chat, "type": "group", "title": "WG"},
                "text": "(buttons)",
            },
        }
        update = {"update_id": next(_ids), "callback_query": query}
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return [html_to_plain(m["text"]) for m in self.api.sent(chat)[before:]]

    def buttons(self, chat: int = GROUP) -> dict[str, str]:
        """label -> callback data of the latest keyboard sent to the chat."""
        for message in reversed(self.api.sent(chat)):
            markup = message.get("reply_markup")
            if markup:
                markup = json.loads(markup) if isinstance(markup, str) else markup
                rows = markup["inline_keyboard"]
                return {b["text"]: b["callback_data"] for row in rows for b in row}
        return {}


@pytest.fixture
async def group(tmp_path: Path, world: World) -> AsyncIterator[Group]:
    await _fill(tmp_path / "citybot.sqlite3")
    g = Group(tmp_path, world)
    await g.store.open()
    await g.app.initialize()
    try:
        yield g
    finally:
        await g.app.shutdown()
        await g.store.close()


async def test_bind_by_an_admin_then_summary_and_language(group: Group) -> None:
    (reply,) = await group.say(MEMBER, "/summary")
    assert "ещё не подключён" in reply, "an unbound group gets no data"
    assert group.api.photos() == []
    (reply,) = await group.say(MEMBER, "/bind karakol")
    assert "только администратор" in reply
    assert await group.store.group(GROUP) is None
    (reply,) = await group.say(ADMIN, "/bind Каракол")
    assert "рабочая группа города Каракол" in reply
    assert await group.store.group(GROUP) == ("karakol", "ru")
    (summary,) = await group.say(MEMBER, "/summary")
    assert "1. Дороги — 4 (80%)" in summary and len(group.api.photos(GROUP)) == 1
    (summary,) = await group.say(MEMBER, "/summary мту 2")
    assert "Каракол, МТУ №2" in summary
    (reply,) = await group.say(MEMBER, "/summary Луна")
    assert "Не знаю такого района" in reply and "МТУ №1" in reply
    (reply,) = await group.say(MEMBER, "/language кыргызча")
    assert "кыргыз тилинде" in reply
    (summary,) = await group.say(MEMBER, "/summary")
    assert "1. Жолдор — 4 (80%)" in summary
    sender = SummarySender(group.store, group.world, Texts(strict=True), group.app.bot)
    assert [(c.chat_id, c.lang) for c in await sender.chats("karakol")] == [(GROUP, "ky")]
    (reply,) = await group.say(MEMBER, "/unbind")
    assert "администратор" in reply and await group.store.group(GROUP) is not None
    (reply,) = await group.say(ADMIN, "/unbind")
    assert await group.store.group(GROUP) is None


async def test_an_admin_of_one_city_cannot_bind_another(group: Group) -> None:
    (reply,) = await group.say(ADMIN, "/bind manas")
    assert "только администратор" in reply


async def test_chatter_and_other_bots_commands_are_ignored(group: Group) -> None:
    await group.say(ADMIN, "/bind karakol")
    assert await group.say(MEMBER, "добрый вечер, коллеги") == []
    assert await group.say(MEMBER, "/start") == [], "residents' commands do not run in groups"
    assert await group.say(MEMBER, "/summary@other_bot") == []
    assert await group.store.resident(ResidentRef("tg", str(MEMBER))) is None


async def test_a_group_that_becomes_a_supergroup_keeps_its_binding(group: Group) -> None:
    await group.say(ADMIN, "/bind karakol")
    supergroup = -1001234567890
    await group.say(MEMBER, "", migrate_to_chat_id=supergroup)
    assert await group.store.group(GROUP) is None
    assert await group.store.group(supergroup) == ("karakol", "ru")
    (summary,) = await group.say(MEMBER, "/summary", chat=supergroup)
    assert "Дороги" in summary
