"""Telegram channel (PTB 22): updates in, rendered replies out; no conversation logic here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.i18n import Texts
from bot.lifecycle import Lifecycle
from bot.pipeline import Pipeline
from bot.telegram_files import Files
from bot.telegram_http import AiohttpRequest
from bot.telegram_in import in_group, to_group_event, to_inbound
from bot.telegram_out import TelegramOutbound
from bot.telegram_updates import SafeBot
from flows.session import Turn
from flows.survey import COMMANDS
from flows.workgroup import GroupTurn
from storage.base import ResidentRef

log = logging.getLogger(__name__)

# Telegram remembers allowed_updates between calls: always say exactly what we want.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


class TelegramChannel:
    """Owns the PTB Application: every update is translated (bot/telegram_in.py), goes
    through the pipeline, and its turn goes out through the outbound (bot/telegram_out.py)."""

    def __init__(self, pipeline: Pipeline, texts: Texts, broadcast_rate: float = 25.0) -> None:
        self.pipeline = pipeline
        self.texts = texts
        self.broadcast_rate = broadcast_rate

    def build(
        self,
        token: str,
        base_url: str = "https://api.telegram.org/bot",
        request: BaseRequest | None = None,
        concurrency: int = 256,
        on_start: Callable[[], Awaitable[None]] | None = None,
        on_stop: Callable[[], Awaitable[None]] | None = None,
        lifecycle: Lifecycle | None = None,
    ) -> Application:
        """The PTB Application; on_start/on_stop run inside its event loop (open the store).
        With a `lifecycle`, a token Telegram refuses (any call, any time) ends the process and
        the command menus are set in the background (see `_post_init`)."""
        self._on_start, self._on_stop, self._lifecycle = on_start, on_stop, lifecycle
        bot = SafeBot(
            token,
            base_url=base_url,
            # aiohttp: httpx's pool bookkeeping cost more CPU than the bot's own work (#10).
            request=request or AiohttpRequest(connection_pool_size=concurrency),
            # One connection for the long poll; its read timeout is extended by the poll's
            # own timeout in Bot.get_updates, as with PTB's default HTTPXRequest.
            get_updates_request=request or AiohttpRequest(connection_pool_size=1),
            on_token_refused=lifecycle.token_refused if lifecycle is not None else None,
        )
        builder = (
            ApplicationBuilder()
            .bot(bot)
            # Different residents run concurrently; one resident's updates are serialised by
            # the pipeline's per-actor lock, not by PTB.
            .concurrent_updates(concurrency)
            .post_init(self._post_init)
            .post_shutdown(self._post_shutdown)
        )
        app = builder.build()
        app.add_handler(TypeHandler(Update, self.on_update))
        app.add_error_handler(self._on_error)
        self.out = TelegramOutbound(
            app.bot, self.texts, COMMANDS, self.pipeline.base_world, self.broadcast_rate
        )
        # Charts and exports with the world as of the latest turn (accepted categories by
        # name); the export streamed from the store as `citybot export` writes it.
        self.out.files = Files(self.texts, lambda: self.pipeline.world, self.pipeline.store)
        return app

    async def _post_init(self, app: Application) -> None:
        if self._on_start:
            await self._on_start()
        life = self._lifecycle
        if life is None:
            await self.set_commands(app)
            return
        # A refusal (429 at start, anything else) never stops the start: set in the background.
        menus = life.eventually("setMyCommands", lambda: self.set_commands(app))
        life.spawn(menus, "command menus")

    async def _post_shutdown(self, app: Application) -> None:
        if self._on_stop:
            await self._on_stop()

    async def set_commands(self, app: Application) -> None:
        """The command menu in each language (Russian also for everyone else); raises what
        Telegram answered, so the caller may try again later."""
        await self.out.set_commands()

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.process(update, context.bot)

    async def process(self, update: Update, bot: Bot, webhook: bool = False) -> None:
        """One update, from polling (via PTB) or straight from the webhook route.

        Raises only when nothing was committed (the store is unreachable), so a webhook can
        answer 500 and Telegram's redelivery is safe: it is deduplicated on update_id. From
        polling (taken already) the resident is asked to send it again instead.
        """
        query = update.callback_query
        answered = False
        dedup = f"tg:{update.update_id}"
        try:
            if in_group(update):
                found = to_group_event(update, bot.username)
                if found is None:
                    return
                chat_id = found.chat_id

                async def deliver_group(turn: GroupTurn) -> None:
                    nonlocal answered
                    answered = True  # the outbound stops the spinner first, with the notice
                    await self.out.deliver_group(chat_id, turn, query)

                await self.pipeline.group(chat_id, found.event, deliver_group, dedup)
                return
            translated = to_inbound(update)
            if translated is None:
                return
            who, event = translated

            async def deliver(turn: Turn) -> None:
                nonlocal answered
                answered = True  # the outbound stops the spinner first, with the notice
                await self.out.deliver(int(who.external_id), turn, query)

            await self.pipeline.resident(who, event, deliver, dedup, redelivered=webhook)
        finally:
            if query is not None and not answered:
                # Always stop the button's spinner: duplicates, failures, forged taps too.
                await self.out.answer_callback(query)

    async def deliver_to(self, who: ResidentRef, turn: Turn) -> None:
        """A turn that is not an answer to an update (a reminder): new messages only."""
        await self.out.deliver(int(who.external_id), turn)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
