"""Wires settings, storage, flows and channels together for `citybot run` and `citybot chat`."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from starlette.routing import BaseRoute

from bot.announcements import Dispatcher
from bot.broadcast import BroadcastEngine
from bot.i18n import Texts
from bot.leader import Leader
from bot.lifecycle import UVICORN_SETTINGS, Lifecycle, poll, serve_web, stop_application
from bot.nudges import DeliverTo, Nudger
from bot.pipeline import Pipeline, PlatformReports
from bot.scheduler import DailySummaries
from bot.settings import Settings
from bot.summaries import SummarySender
from bot.telegram import ALLOWED_UPDATES, TelegramChannel
from bot.telegram_out import TelegramOutbound
from bot.web import STATUS_PATH, TELEGRAM_PATH, TelegramWebhook, build_web, listen
from bot.whatsapp import WhatsAppChannel
from bot.whatsapp_out import WhatsAppOutbound
from flows.nudge import parse_quiet_hours
from flows.world import World
from storage.base import Store
from storage.locate import make_store

log = logging.getLogger(__name__)


async def open_pipeline(settings: Settings, world: World) -> tuple[Pipeline, Store]:
    store = make_store(settings.database)
    await store.open()
    return Pipeline(store, world), store


def broadcast_engine(
    settings: Settings,
    store: Store,
    texts: Texts,
    telegram: TelegramOutbound | None,
    whatsapp: WhatsAppOutbound | None,
) -> BroadcastEngine:
    """The engine sends through the channels' own outbounds (one pace per channel)."""
    return BroadcastEngine(
        store,
        texts,
        telegram=telegram,
        whatsapp=whatsapp,
        paid_broadcast=settings.telegram_paid_broadcast,
        template_sid=settings.twilio_announcement_content_sid,
    )


def nudger(
    settings: Settings, pipeline: Pipeline, deliver: dict[str, DeliverTo], leader: Leader
) -> Nudger:
    return Nudger(
        pipeline,
        deliver,
        after=timedelta(hours=settings.nudge_after_hours),
        quiet=parse_quiet_hours(settings.nudge_quiet_hours),
        leading=leader.leading,
    )


def daily_summaries(sender: SummarySender, world: World, leader: Leader) -> DailySummaries:
    """The daily summaries, sent by the leading instance; a new leader catches up at once on
    what a dead one left (each chat's summary is claimed per day: never twice)."""
    daily = DailySummaries(sender, world, leading=leader.leading)
    leader.on_gain.append(daily.catch_up)
    return daily


def freeze_startup_objects() -> None:
    """Move everything loaded at start (the library modules, the world, the locales, PTB) out
    of the garbage collector's sight: a full collection then walks only what serving made,
    instead of pausing the event loop for tens of milliseconds now and then — long enough
    for a paid broadcast to bunch its sends into one second and earn a 429 (measured in
    bench/broadcast_http.py)."""
    gc.collect()
    gc.freeze()


async def warm_charts(store: Store, world: World) -> None:
    """Where a working group is bound, this process will draw charts: load matplotlib now, in
    a thread, so the first summary or /summary does not wait seconds for it (bot/chart.py)."""
    for city in world.cities:
        if await store.groups(city):
            from bot.chart import warm_in_background

            warm_in_background()
            return


def metrics_token(settings: Settings) -> str | None:
    value = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    return value.strip() or None


def build_desk(
    settings: Settings,
    store: Store,
    world: World,
    texts: Texts,
    bot: Any,
    username: Callable[[], str | None],
) -> list[BaseRoute]:
    """The working group's desk routes (bot/desk), served with a bot token only: sign-in is
    Telegram's Login Widget, checked with the token. Working-group membership is asked with
    getChatMember through the outbound's Bot (a read, cached for minutes)."""
    token, secret = settings.token, settings.desk_secret
    if token is None or secret is None:
        return []
    from bot.desk import Desk
    from bot.desk.access import bot_member_check

    desk = Desk(
        store,
        world,
        texts,
        token,
        secret,
        username,
        public_base=settings.public_base,
        member_check=bot_member_check(bot),
    )
    return desk.routes


def web_config(uvicorn: Any, web: Any, settings: Settings) -> Any:
    return uvicorn.Config(
        web,
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        log_config=None,
        **UVICORN_SETTINGS,  # no access log, connection limits: see bot/lifecycle.py
    )


def server_ended(life: Lifecycle) -> None:
    """The HTTP server ends only when the run stops; before that, the run ends with it."""
    if not life.stopping:
        life.fatal("the HTTP server stopped unexpectedly")


def run_polling(settings: Settings, world: World, token: str) -> None:
    """Long polling until Ctrl+C, with the HTTP server (/healthz, /metrics) beside it in the
    same event loop; the store opens inside PTB's event loop and closes with it."""
    import uvicorn

    sock = listen(settings.host, settings.port)  # first: a taken port is one line (Fatal)
    world = replace(world, public_base=settings.public_base)  # /results links the public page
    store = make_store(settings.database)
    texts = Texts()
    pipeline = Pipeline(store, world)
    reports = PlatformReports(pipeline)
    channel = TelegramChannel(pipeline, texts, settings.telegram_broadcast_rate)
    daily: DailySummaries | None = None
    dispatcher: Dispatcher | None = None
    leader = Leader(store)
    reminders = nudger(settings, pipeline, {"tg": channel.deliver_to}, leader)

    async def start() -> None:
        nonlocal daily, dispatcher
        await store.open()
        reports.attach(channel.out)  # blocked residents, migrated groups: back to the pipeline
        await leader.start()
        daily = daily_summaries(SummarySender(store, world, texts, channel.out), world, leader)
        daily.start()
        await warm_charts(store, world)
        engine = broadcast_engine(settings, store, texts, channel.out, None)
        dispatcher = Dispatcher(store, engine, texts=texts, leading=leader.leading)
        dispatcher.start()
        reminders.start()
        freeze_startup_objects()

    async def stop() -> None:
        await leader.stop()
        await reminders.stop()
        if dispatcher is not None:
            await dispatcher.stop()
        if daily is not None:
            await daily.stop()
        await reports.drain()
        await store.close()

    life = Lifecycle()
    app = channel.build(
        token, settings.telegram_api_base_url, on_start=start, on_stop=stop, lifecycle=life
    )
    # The bot's @username for the login widget: configured, else known once getMe ran.
    desk = build_desk(
        settings,
        store,
        world,
        texts,
        app.bot,
        lambda: settings.telegram_bot_username or app.bot.username,
    )
    web = build_web(
        store,
        None,
        telegram_health=channel.out.health,
        metrics_token=metrics_token(settings),
        desk=desk,
    )
    config = web_config(uvicorn, web, settings)
    log.info("long polling; database %s; cities %s", settings.database, ", ".join(world.cities))
    log.info("/healthz and /metrics on %s:%d", settings.host, settings.port)
    if desk:
        log.info("the working group's desk: /login on %s:%d", settings.host, settings.port)

    async def main(life: Lifecycle) -> None:
        serving = asyncio.ensure_future(serve_web(uvicorn, config, life, sock))
        serving.add_done_callback(lambda _: server_ended(life))
        try:
            await poll(app, life, ALLOWED_UPDATES, on_error=channel.out.health.failed)
        finally:
            if not life.stopping:  # polling ended some other way: the server ends with it
                life.stop()
            await serving

    life.run(main)  # raises Fatal (bot.lifecycle)


def run_web(settings: Settings, world: World) -> None:
    """The webhook server: Telegram (if a token is set) and WhatsApp (if Twilio is set)."""
    import uvicorn

    sock = listen(settings.host, settings.port)  # before setWebhook: a taken port is one line
    world = replace(world, public_base=settings.public_base)  # /results links the public page
    Lifecycle().run(lambda life: _serve(settings, world, uvicorn, life, sock))  # raises Fatal


async def _serve(
    settings: Settings, world: World, uvicorn: Any, life: Lifecycle, sock: socket.socket
) -> None:
    public = settings.public_base
    assert public is not None
    store = make_store(settings.database)
    await store.open()
    pipeline = Pipeline(store, world)
    reports = PlatformReports(pipeline)
    texts = Texts()
    telegram_app = None
    telegram = None
    telegram_out: TelegramOutbound | None = None
    whatsapp = None
    daily: DailySummaries | None = None
    dispatcher: Dispatcher | None = None
    deliver: dict[str, DeliverTo] = {}
    leader = Leader(store)
    reminders = nudger(settings, pipeline, deliver, leader)
    try:
        await leader.start()
        token = settings.token
        if token is not None:
            secret = settings.webhook_secret
            assert secret is not None  # checked by the CLI
            channel = TelegramChannel(pipeline, texts, settings.telegram_broadcast_rate)
            telegram_app = tg = channel.build(token, settings.telegram_api_base_url, lifecycle=life)
            reports.attach(channel.out)
            telegram_out = channel.out
            await life.retry("getMe", tg.initialize)  # while the network is down; or Stopped
            menus = life.eventually("setMyCommands", lambda: channel.set_commands(tg))
            life.spawn(menus, "command menus")
            await life.retry(
                "setWebhook",
                lambda: tg.bot.set_webhook(
                    url=f"{public}{TELEGRAM_PATH}",
                    allowed_updates=ALLOWED_UPDATES,  # sticky on Telegram's side: explicit
                    secret_token=secret,
                ),
            )
            await telegram_app.start()
            telegram = TelegramWebhook(channel, telegram_app.bot, secret)
            deliver["tg"] = channel.deliver_to
            sender = SummarySender(store, world, texts, channel.out)
            daily = daily_summaries(sender, world, leader)
            daily.start()
            await warm_charts(store, world)
        if settings.whatsapp_enabled:
            wa_outbound = WhatsAppOutbound(
                texts,
                store,
                account_sid=settings.twilio_account_sid or "",
                auth_token=settings.twilio_token or "",
                sender=settings.twilio_whatsapp_from or "",
                api_base_url=settings.twilio_api_base_url,
                content_base_url=settings.content_base_url,
                interactive=settings.whatsapp_interactive,
                status_callback=f"{public}{STATUS_PATH}",
                broadcast_rate=settings.whatsapp_broadcast_rate,
            )
            whatsapp = WhatsAppChannel(pipeline, wa_outbound, reports)
            await whatsapp.start()
            deliver["wa"] = whatsapp.deliver_to
        wa_out = whatsapp.out if whatsapp is not None else None
        engine = broadcast_engine(settings, store, texts, telegram_out, wa_out)
        dispatcher = Dispatcher(store, engine, texts=texts, leading=leader.leading)
        dispatcher.start()
        reminders.start()
        desk: list[BaseRoute] = []
        if telegram_app is not None:
            bot = telegram_app.bot
            desk = build_desk(
                settings,
                store,
                world,
                texts,
                bot,
                lambda: settings.telegram_bot_username or bot.username,
            )
        freeze_startup_objects()
        web = build_web(
            store,
            public,
            telegram=telegram,
            whatsapp=whatsapp,
            twilio_auth_token=settings.twilio_token,
            metrics_token=metrics_token(settings),
            desk=desk,
        )
        log.info(
            "webhooks at %s (telegram: %s, whatsapp: %s); listening on %s:%d",
            public,
            "on" if telegram else "off",
            "on" if whatsapp else "off",
            settings.host,
            settings.port,
        )
        config = web_config(uvicorn, web, settings)
        await serve_web(uvicorn, config, life, sock)  # until SIGTERM/SIGINT or Lifecycle.fatal
    finally:
        await leader.stop()
        await reminders.stop()
        if dispatcher is not None:
            await dispatcher.stop()
        if daily is not None:
            await daily.stop()
        if whatsapp is not None:
            await whatsapp.stop()
        if telegram_app is not None:
            await stop_application(telegram_app)
        await reports.drain()
        await store.close()
