"""Wires settings, storage, flows and channels together for `citybot run` and `citybot chat`."""

from __future__ import annotations

import logging

from bot.i18n import Texts
from bot.service import Conversations
from bot.settings import Settings
from bot.telegram import ALLOWED_UPDATES, TelegramChannel
from flows.world import World
from storage.sqlite import SqliteStore

log = logging.getLogger(__name__)


async def open_conversations(settings: Settings, world: World) -> tuple[Conversations, SqliteStore]:
    store = SqliteStore(settings.database)
    await store.open()
    return Conversations(store, world), store


def run_polling(settings: Settings, world: World, token: str) -> None:
    """Long polling until Ctrl+C; the store opens inside PTB's event loop and closes with it."""
    store = SqliteStore(settings.database)
    channel = TelegramChannel(Conversations(store, world), Texts())
    app = channel.build(
        token, settings.telegram_api_base_url, on_start=store.open, on_stop=store.close
    )
    log.info("long polling; database %s; cities %s", settings.database, ", ".join(world.cities))
    app.run_polling(allowed_updates=ALLOWED_UPDATES)
