"""Working-group chats through the real PTB Application, the pipeline and a real SQLite file:
/bind, /unbind, /language, /summary, roles, redeliveries."""

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
from bot.pipeline import Pipeline, PlatformReports
from bot.summaries import SummarySender
from bot.telegram import TelegramChannel
from flows.catalogue import Admins, Roles
from flows.world import World
from storage.base import GroupBinding, ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import FakeBotAPI
from tests.test_summary import _fill

ADMIN = 777
MEMBER = 888
REVIEWER = 555
GROUP = -4001
_ids = itertools.count(50_000)


def _world(world: World) -> World:
    city = world.cities["karakol"]
    update = {"admins": Admins(telegram_user_ids=(ADMIN,)), "roles": Roles(reviewers=(REVIEWER,))}
    return World.build([city.model_copy(update=update), world.cities["manas"]])


class Group:
    def __init__(self, tmp_path: Path, world: World, exact: bool = False) -> None:
        """`world`: the bundled cities, given this test's admins and reviewers (or, with
        `exact`, as it is)."""
        self.db = tmp_path / "citybot.sqlite3"
        self.world = world if exact else _world(world)
        self.api = FakeBotAPI()
        self.store = SqliteStore(self.db)
        texts = Texts(strict=True)
        self.pipeline = Pipeline(self.store, self.world)
        self.channel = TelegramChannel(self.pipeline, texts)
        self.app = self.channel.build("123:TEST", "http://127.0.0.1:9/bot", request=self.api)
        self.reports = PlatformReports(self.pipeline)
        self.reports.attach(self.channel.out)
        self.updates: list[dict[str, Any]] = []

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
        return await self._process(update, chat, before)

    async def _process(self, update: dict[str, Any], chat: int, before: int) -> list[str]:
        self.updates.append(update)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return [html_to_plain(m["text"]) for m in self.api.sent(chat)[before:]]

    async def redeliver(self, chat: int = GROUP) -> list[str]:
        """The latest update again, as Telegram does when a webhook answer was lost."""
        return await self._process(self.updates[-1], chat, len(self.api.sent(chat)))

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
        before_edits = len(self.api.edits(chat))
        sent = await self._process(update, chat, before)
        edited = [html_to_plain(m["text"]) for m in self.api.edits(chat)[before_edits:]]
        return edited + sent

    def buttons(self, chat: int = GROUP) -> dict[str, str]:
        """label -> callback data of the latest keyboard on the chat's screen (edits applied)."""
        for _, message in reversed(self.api.screens(chat)):
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
    assert (await group.store.load_group(GROUP)).binding is None
    (reply,) = await group.say(ADMIN, "/bind Каракол")
    assert "рабочая группа города Каракол" in reply
    assert (await group.store.load_group(GROUP)).binding == GroupBinding("karakol", "ru")
    (summary,) = await group.say(MEMBER, "/summary")
    assert "1. Дороги — 4 (80%)" in summary and len(group.api.photos(GROUP)) == 1
    (summary,) = await group.say(MEMBER, "/summary мту 2")
    assert "Каракол, МТУ №2" in summary
    (reply,) = await group.say(MEMBER, "/summary Луна")
    assert "Не знаю такого района" in reply and "МТУ №1" in reply
    (reply,) = await group.say(MEMBER, "/language кыргызча")
    assert "администраторы города и рецензенты" in reply, "a member may not change the chat"
    (reply,) = await group.say(REVIEWER, "/language кыргызча")
    assert "кыргыз тилинде" in reply
    (summary,) = await group.say(MEMBER, "/summary")
    assert "1. Жолдор — 4 (80%)" in summary
    sender = SummarySender(group.store, group.world, Texts(strict=True), group.channel.out)
    assert [(c.chat_id, c.lang) for c in await sender.chats("karakol")] == [(GROUP, "ky")]
    (reply,) = await group.say(MEMBER, "/unbind")
    assert "администратор" in reply and (await group.store.load_group(GROUP)).binding
    (reply,) = await group.say(ADMIN, "/unbind")
    assert (await group.store.load_group(GROUP)).binding is None


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
    assert (await group.store.load_group(GROUP)).binding is None
    assert (await group.store.load_group(supergroup)).binding == GroupBinding("karakol", "ru")
    (summary,) = await group.say(MEMBER, "/summary", chat=supergroup)
    assert "Дороги" in summary


async def test_a_redelivered_group_command_runs_once(group: Group) -> None:
    """Telegram delivers an update again when it did not get the webhook's answer: /export
    must not be built and sent twice, nor a binding applied twice."""
    await group.say(ADMIN, "/bind karakol")
    assert await group.redeliver() == []
    await group.say(REVIEWER, "/export")
    documents = group.api.count("sendDocument")
    assert documents == 1
    await group.redeliver()
    assert group.api.count("sendDocument") == documents, "the export went out twice"


async def test_members_cannot_export_or_review_free_text(group: Group) -> None:
    await group.say(ADMIN, "/bind karakol")
    for command in ("/export", "/review"):
        (reply,) = await group.say(MEMBER, command)
        assert "рецензенты" in reply
    assert group.api.count("sendDocument") == 0


async def test_another_citys_admin_cannot_take_a_bound_group(tmp_path: Path, world: World) -> None:
    mine = _world(world)
    manas = mine.cities["manas"].model_copy(update={"admins": Admins(telegram_user_ids=(999,))})
    g = Group(tmp_path, World.build([mine.cities["karakol"], manas]), exact=True)
    await g.store.open()
    await g.app.initialize()
    try:
        await g.say(ADMIN, "/bind karakol")
        (reply,) = await g.say(999, "/bind manas")
        assert "рабочая группа города Каракол" in reply and "только администратор" in reply
        assert (await g.store.load_group(GROUP)).binding == GroupBinding("karakol", "ru")
    finally:
        await g.app.shutdown()
        await g.store.close()
