"""Telegram channel (PTB 22): updates in, rendered replies out; no conversation logic here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.i18n import Texts
from bot.keyboards import keyboard
from bot.service import Conversations
from bot.telegram_retry import retry_seconds
from bot.workgroups import WorkGroups
from flows.catalogue import LANGS
from flows.session import Inbound, Msg, Turn
from flows.survey import COMMANDS
from storage.base import ResidentRef

log = logging.getLogger(__name__)

# Telegram remembers allowed_updates between calls: always say exactly what we want.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
CHANNEL = "tg"
SEND_ATTEMPTS = 3
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

# Message attributes checked in order to name what a resident sent instead of text.
_MEDIA = (
    ("sticker", "sticker"),
    ("photo", "photo"),
    ("voice", "voice"),
    ("audio", "voice"),
    ("video_note", "video"),
    ("video", "video"),
    ("animation", "video"),
    ("location", "location"),
    ("venue", "location"),
    ("contact", "contact"),
    ("document", "document"),
)


def media_kind(message: Message) -> str:
    for attr, kind in _MEDIA:
        if getattr(message, attr, None):
            return kind
    return "other"


def to_inbound(update: Update) -> tuple[ResidentRef, Inbound] | None:
    """Translate an update into a resident event; None for what residents' flows ignore."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return None  # groups belong to working groups (later), channels to nobody
    who = ResidentRef(CHANNEL, str(user.id))
    hint = (user.language_code or "").split("-")[0].lower() or None
    if update.callback_query is not None:
        return who, Inbound("choice", choice=update.callback_query.data or "", lang_hint=hint)
    message = update.message  # edited messages are deliberately ignored
    if message is None:
        return None
    if message.text is not None:
        text = message.text
        if text.startswith("/") and len(text) > 1:
            head, _, rest = text[1:].partition(" ")
            command = head.split("@", 1)[0].casefold()
            return who, Inbound("command", command=command, text=rest, lang_hint=hint)
        return who, Inbound("text", text=text, lang_hint=hint)
    return who, Inbound("media", media=media_kind(message), lang_hint=hint)


class TelegramChannel:
    """Owns the PTB Application; every update goes through Conversations."""

    def __init__(
        self, conversations: Conversations, texts: Texts, workgroups: WorkGroups | None = None
    ) -> None:
        self.conversations = conversations
        self.texts = texts
        self.workgroups = workgroups

    def build(
        self,
        token: str,
        base_url: str = "https://api.telegram.org/bot",
        request: BaseRequest | None = None,
        concurrency: int = 256,
        on_start: Callable[[], Awaitable[None]] | None = None,
        on_stop: Callable[[], Awaitable[None]] | None = None,
    ) -> Application:
        """The PTB Application; on_start/on_stop run inside its event loop (open the store)."""
        self._on_start, self._on_stop = on_start, on_stop
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(base_url)
            # Different residents run concurrently; one resident's updates are serialised by
            # Conversations' per-resident lock, not by PTB.
            .concurrent_updates(concurrency)
            .post_init(self._post_init)
            .post_shutdown(self._post_shutdown)
        )
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        app = builder.build()
        app.add_handler(TypeHandler(Update, self.on_update))
        app.add_error_handler(self._on_error)
        return app

    async def _post_init(self, app: Application) -> None:
        if self._on_start:
            await self._on_start()
        await self.set_commands(app)

    async def _post_shutdown(self, app: Application) -> None:
        if self._on_stop:
            await self._on_stop()

    async def set_commands(self, app: Application) -> None:
        """The command menu in each language (Russian also for everyone else)."""
        for lang in LANGS:
            commands = self._commands(lang)
            await app.bot.set_my_commands(commands, language_code=lang)
        await app.bot.set_my_commands(self._commands("ru"))

    def _commands(self, lang: str) -> Sequence[BotCommand]:
        return [
            BotCommand(c, self.texts.format(lang, Msg(f"cmd-{c}")))  # type: ignore[arg-type]
            for c in COMMANDS
        ]

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.process(update, context.bot)

    async def process(self, update: Update, bot: Bot) -> None:
        """One update, from polling (via PTB) or straight from the webhook route.

        Raises only when nothing was committed (the store is unreachable), so a webhook can
        answer 500 and Telegram's redelivery is safe: it is deduplicated on update_id.
        """
        if self.workgroups is not None and await self.workgroups.process(update, bot):
            if update.callback_query is not None:
                await self._stop_spinner(update)
            return
        member = update.my_chat_member
        if member is not None and member.chat.type == ChatType.PRIVATE:
            # The resident blocked (or unblocked) the bot: nothing can reach them now, so
            # announcements stop; unblocking does not subscribe anyone again by itself.
            if member.new_chat_member.status == ChatMemberStatus.BANNED:
                who = ResidentRef(CHANNEL, str(member.chat.id))
                if await self.conversations.store.set_subscribed(who, False):
                    log.info("a resident blocked the bot: unsubscribed")
            return
        translated = to_inbound(update)
        if translated is None:
            if update.callback_query is not None:
                await self._stop_spinner(update)  # a tap in a group: nothing to do but that
            return
        who, event = translated
        query = update.callback_query
        try:
            await self.conversations.handle(
                who,
                event,
                lambda turn: self.deliver(bot, int(who.external_id), turn),
                dedup_key=f"tg:{update.update_id}",
            )
        finally:
            if query is not None:
                # Always stop the button's spinner, also for stale, forged or repeated taps.
                await self._stop_spinner(update)

    @staticmethod
    async def _stop_spinner(update: Update) -> None:
        try:
            await update.callback_query.answer()  # type: ignore[union-attr]
        except TelegramError as exc:
            log.info("answerCallbackQuery failed: %s", exc)

    async def deliver(self, bot: Bot, chat_id: int, turn: Turn) -> None:
        for reply in turn.replies:
            text = self.texts.reply_html(turn.lang, reply)
            markup = keyboard(self.texts, turn.lang, reply)
            await self._send(bot, chat_id, text, markup)

    async def _send(
        self, bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=NO_PREVIEW,
                )
                return
            except RetryAfter as exc:
                # The only correct reaction to 429: wait as long as Telegram says.
                seconds = retry_seconds(exc)
                log.warning("Telegram 429, retrying in %.1fs (attempt %d)", seconds, attempt)
                await asyncio.sleep(float(seconds))
            except Forbidden:
                log.info("a resident blocked the bot; reply dropped")
                return
            except TelegramError as exc:
                # The answer is already committed; the next message shows the current step.
                log.warning("sendMessage failed: %s", exc)
                return

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
