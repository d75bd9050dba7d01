"""Taps and bot messages for a five-problem survey by buttons, through the real PTB app.

    .venv/bin/python bench/taps.py

A resident starts the bot and names five problems only by tapping (the 2018 pilots' most
named ones), then confirms and answers the subscription question. Counted: the resident's
taps after /start, the messages the bot sent (sendMessage) and the messages it replaced in
place (editMessageText). Runs in process against a recording Bot API; no network.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from inbound import NullBotAPI
from telegram import Update

from bot.config import load_world
from bot.i18n import Texts
from bot.pipeline import Pipeline
from bot.telegram import TelegramChannel
from flows import bundled
from storage.base import ResidentRef
from storage.sqlite import SqliteStore

BOT = {"id": 1, "is_bot": True, "first_name": "citybot", "username": "citybot_bench_bot"}
WANTED = ["roads", "drinking_water", "waste", "sidewalks", "kindergartens"]
OTHERS = {"ru": "📂 Другие темы", "ky": "📂 Башка темалар"}
DONE = {"ru": ["Готово", "Всё верно"], "ky": ["Даяр", "Баары туура"]}
SUBSCRIBE = {"ru": "Да, присылать", "ky": "Ооба, жөнөтүңүз"}
CITY = {"ru": ("Каракол", "МТУ №3"), "ky": ("Каракол", "№3 МАБ")}


def _names(item: object, lang: str) -> list[str]:
    """A category's or group's button labels in the code under test (full and short)."""
    names = [item.ky if lang == "ky" else item.ru]  # type: ignore[attr-defined]
    short = getattr(item, f"{lang}_short", None)
    return [*names, short] if short else names


async def survey(lang: str, fixed_city: str | None) -> tuple[int, int, int]:
    world = load_world(fixed_city=fixed_city)
    api = NullBotAPI()
    ids = itertools.count(1000)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "taps.sqlite3")
        await store.open()
        channel = TelegramChannel(Pipeline(store, world), Texts())
        app = channel.build("1:bench", "http://127.0.0.1:9/bot", request=api)
        await app.initialize()
        user = {"id": 77, "is_bot": False, "first_name": "R", "language_code": lang}
        chat = {"id": 77, "type": "private"}
        taps = 0

        async def send(data: dict[str, Any]) -> None:
            await app.process_update(Update.de_json({"update_id": next(ids), **data}, app.bot))

        async def tap(*labels: str, exact: bool = False) -> bool:
            nonlocal taps
            mid, buttons = api.keyboards.get(77, (0, []))
            for label in labels:
                found = [
                    b for b in buttons if (b["text"] == label if exact else label in b["text"])
                ]
                if found:
                    taps += 1
                    message = {"message_id": mid, "date": 0, "chat": chat, "text": "."}
                    query = {
                        "id": str(next(ids)),
                        "from": user,
                        "chat_instance": "c",
                        "data": found[0]["callback_data"],
                        "message": message,
                    }
                    await send({"callback_query": query})
                    return True
            return False

        text = {
            "message_id": 1,
            "date": 0,
            "chat": chat,
            "from": user,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }
        await send({"message": text})
        city, district = CITY[lang]
        if fixed_city is None:
            await tap(city)
        await tap(district)
        catalogue = bundled.catalogue()
        for cid in WANTED:
            category = catalogue.category(cid)
            group = next(g for g in catalogue.groups if g.id == category.group)  # type: ignore[union-attr]
            while not await tap(*_names(category, lang), exact=True):
                # Not on screen: "other topics", then its group.
                assert await tap(OTHERS[lang], *_names(group, lang), exact=True), (lang, cid)
        for word in DONE[lang]:
            await tap(word)
        await tap(SUBSCRIBE[lang])
        answers = await store.answer_history(ResidentRef("tg", "77"))
        assert answers and len(answers[-1].items) == 5, answers
        await app.shutdown()
        await store.close()
    return taps, api.calls["sendMessage"], api.calls["editMessageText"]


async def main() -> None:
    print(f"{'language':<9}{'cities':<13}{'taps':>5}{'messages':>10}{'edits':>7}")
    for lang in ("ru", "ky"):
        for fixed in (None, "karakol"):
            taps, sent, edited = await survey(lang, fixed)
            where = "one (fixed)" if fixed else "three"
            print(f"{lang:<9}{where:<13}{taps:>5}{sent:>10}{edited:>7}")


if __name__ == "__main__":
    asyncio.run(main())
