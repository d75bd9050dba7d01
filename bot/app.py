"""Wires settings, storage, flows and channels together for `citybot run` and `citybot chat`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from telegram import Bot

from bot.announcements import Dispatcher
from bot.broadcast import BroadcastEngine
from bot.i18n import Texts
from bot.nudges import DeliverTo, Nudger
from bot.scheduler import DailySummaries
from bot.service import Conversations
from bot.settings import Settings
from bot.summaries import SummarySender
from bot.telegram import ALLOWED_UPDATES, TelegramChannel
from bot.web import STATUS_PATH, TELEGRAM_PATH, TelegramWebhook, build_web
from bot.whatsapp import WhatsAppChannel
from bot.workgroups import WorkGroups
from flows.nudge import parse_quiet_hours
from flows.world import World
from storage.sqlite import SqliteStore

log = logging.getLogger(__name__)


async def open_conversations(settings: Settings, world: World) -> tuple[Conversations, SqliteStore]:
    store = SqliteStore(settings.database)
    await store.open()
    return Conversations(store, world), store


def broadcast_engine(
    settings: Settings,
    store: SqliteStore,
    texts: Texts,
    bot: Bot | None,
    whatsapp: WhatsAppChannel | None,
) -> BroadcastEngine:
    return BroadcastEngine(
        store,
        texts,
        bot=bot,
        whatsapp=whatsapp,
        telegram_rate=settings.telegram_broadcast_rate,
        whatsapp_rate=settings.whatsapp_broadcast_rate,
        paid_broadcast=settings.telegram_paid_broadcast,
        template_sid=settings.twilio_announcement_content_sid,
    )


def nudger(
    settings: Settings, conversations: Conversations, deliver: dict[str, DeliverTo]
) -> Nudger:
    return Nudger(
        conversations,
        deliver,
        after=timedelta(hours=settings.nudge_after_hours),
        quiet=parse_quiet_hours(settings.nudge_quiet_hours),
    )


def run_polling(settings: Settings, world: World, token: str) -> None:
    """Long polling until Ctrl+C; the store opens inside PTB's event loop and closes with it."""
    store = SqliteStore(settings.database)
    texts = Texts()
    conversations = Conversations(store, world)
    channel = TelegramChannel(conversations, texts, WorkGroups(store, world, texts))
    daily: DailySummaries | None = None
    dispatcher: Dispatcher | None = None
    reminders = nudger(settings, conversations, {"tg": channel.deliver_to})

    async def start() -> None:
        nonlocal daily, dispatcher
        await store.open()
        world.teach(await store.learned())  # wordings placed by working-group review
        daily = DailySummaries(SummarySender(store, world, texts, app.bot), world)
        daily.start()
        dispatcher = Dispatcher(store, broadcast_engine(settings, store, texts, app.bot, None))
        dispatcher.start()
        reminders.start()

    async def stop() -> None:
        await reminders.stop()
        if dispatcher is not None:
            await dispatcher.stop()
        if daily is not None:
            await daily.stop()
        await store.close()

    app = channel.build(token, settings.telegram_api_base_url, on_start=start, on_stop=stop)
    log.info("long polling; database %s; cities %s", settings.database, ", ".join(world.cities))
    app.run_polling(allowed_updates=ALLOWED_UPDATES)


def run_web(settings: Settings, world: World) -> None:
    """The webhook server: Telegram (if a token is set) and WhatsApp (if Twilio is set)."""
    import asyncio

    import uvicorn

    asyncio.run(_serve(settings, world, uvicorn))


def _server_class(uvicorn: Any) -> Any:
    class Server(uvicorn.Server):  # type: ignore[misc, name-defined]
        """uvicorn re-raises SIGTERM/SIGINT once serve() returns, killing the process before
        our shutdown (queued WhatsApp replies, PTB, the store) could run: exit normally."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                try:
                    yield
                finally:
                    self._captured_signals.clear()

    return Server


async def _serve(settings: Settings, world: World, uvicorn: Any) -> None:
    public = settings.public_base
    assert public is not None
    store = SqliteStore(settings.database)
    await store.open()
    world.teach(await store.learned())  # wordings placed by working-group review
    conversations = Conversations(store, world)
    texts = Texts()
    telegram_app = None
    telegram = None
    whatsapp = None
    daily: DailySummaries | None = None
    dispatcher: Dispatcher | None = None
    deliver: dict[str, DeliverTo] = {}
    reminders = nudger(settings, conversations, deliver)
    try:
        token = settings.token
        if token is not None:
            secret = settings.webhook_secret
            assert secret is not None  # checked by the CLI
            channel = TelegramChannel(conversations, texts, WorkGroups(store, world, texts))
            telegram_app = channel.build(token, settings.telegram_api_base_url)
            await telegram_app.initialize()
            await channel.set_commands(telegram_app)
            await telegram_app.bot.set_webhook(
                url=f"{public}{TELEGRAM_PATH}",
                allowed_updates=ALLOWED_UPDATES,  # sticky on Telegram's side: always explicit
                secret_token=secret,
            )
            await telegram_app.start()
            telegram = TelegramWebhook(channel, telegram_app.bot, secret)
            deliver["tg"] = channel.deliver_to
            daily = DailySummaries(SummarySender(store, world, texts, telegram_app.bot), world)
            daily.start()
        if settings.whatsapp_enabled:
            whatsapp = WhatsAppChannel(
                conversations,
                texts,
                account_sid=settings.twilio_account_sid or "",
                auth_token=settings.twilio_token or "",
                sender=settings.twilio_whatsapp_from or "",
                api_base_url=settings.twilio_api_base_url,
                content_base_url=settings.content_base_url,
                interactive=settings.whatsapp_interactive,
                status_callback=f"{public}{STATUS_PATH}",
            )
            await whatsapp.start()
            deliver["wa"] = whatsapp.deliver_to
        bot = telegram_app.bot if telegram_app is not None else None
        dispatcher = Dispatcher(store, broadcast_engine(settings, store, texts, bot, whatsapp))
        dispatcher.start()
        reminders.start()
        web = build_web(
            store,
            public,
            telegram=telegram,
            whatsapp=whatsapp,
            twilio_auth_token=settings.twilio_token,
        )
        log.info(
            "webhooks at %s (telegram: %s, whatsapp: %s); listening on %s:%d",
            public,
            "on" if telegram else "off",
            "on" if whatsapp else "off",
            settings.host,
            settings.port,
        )
        config = uvicorn.Config(
            web,
            host=settings.host,
            port=settings.port,
            access_log=False,  # URLs carry nothing secret, but residents' numbers would show
            proxy_headers=True,
            log_config=None,
        )
        await _server_class(uvicorn)(config).serve()
    finally:
        await reminders.stop()
        if dispatcher is not None:
            await dispatcher.stop()
        if daily is not None:
            await daily.stop()
        if whatsapp is not None:
            await whatsapp.stop()
        if telegram_app is not None:
            if telegram_app.running:
                await telegram_app.stop()
            await telegram_app.shutdown()
        await store.close()
