"""Telegram channel (PTB 22): updates in, rendered replies out; no conversation logic here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, BotCommand, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest

from bot.i18n import Texts
from bot.service import Conversations
from bot.telegram_out import TelegramOutbound
from bot.telegram_updates import SafeBot
from bot.workgroups import WorkGroups
from flows.catalogue import LANGS
from flows.session import Inbound, Msg, Turn
from flows.survey import COMMANDS
from storage.base import ResidentRef

log = logging.getLogger(__name__)

# Telegram remembers allowed_updates between calls: always say exactly what we want.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
CHANNEL = "tg"

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
    query = update.callback_query
    if query is not None:
        # A tap on a message we can still reach can replace it (edit) instead of a new one.
        editable = query.message is not None and query.inline_message_id is None
        return who, Inbound("choice", choice=query.data or "", lang_hint=hint, editable=editable)
    message = update.message  # edited messages are deliberately ignored
    if message is None:
        return None
    # A caption typed with a photo is still what the resident said (as on WhatsApp).
    if message.text is not None or message.caption:
        text = message.text if message.text is not None else message.caption or ""
        if text.startswith("/") and len(text) > 1:
            head, _, rest = text[1:].partition(" ")
            command = head.split("@", 1)[0].casefold()
            return who, Inbound("command", command=command, text=rest, lang_hint=hint)
        return who, Inbound("text", text=text, lang_hint=hint)
    where = message.location or (message.venue.location if message.venue else None)
    location = (where.latitude, where.longitude) if where is not None else None
    return who, Inbound("media", media=media_kind(message), location=location, lang_hint=hint)


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
        bot = SafeBot(
            token,
            base_url=base_url,
            request=request or HTTPXRequest(connection_pool_size=concurrency),
            get_updates_request=request or HTTPXRequest(),
        )
        builder = (
            ApplicationBuilder()
            .bot(bot)
            # Different residents run concurrently; one resident's updates are serialised by
            # Conversations' per-resident lock, not by PTB.
            .concurrent_updates(concurrency)
            .post_init(self._post_init)
            .post_shutdown(self._post_shutdown)
        )
        app = builder.build()
        app.add_handler(TypeHandler(Update, self.on_update))
        app.add_error_handler(self._on_error)
        self.out = TelegramOutbound(app.bot, self.texts, COMMANDS)
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
                await self.out.answer_callback(update.callback_query)
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
        query = update.callback_query
        if translated is None:
            if query is not None:
                await self.out.answer_callback(query)  # a tap in a group: nothing else to do
            return
        who, event = translated
        answered = False

        async def deliver(turn: Turn) -> None:
            nonlocal answered
            answered = True  # the outbound stops the spinner first, with the turn's notice
            await self.out.deliver(int(who.external_id), turn, query)

        try:
            await self.conversations.handle(who, event, deliver, dedup_key=f"tg:{update.update_id}")
        finally:
            if query is not None and not answered:
                # Always stop the button's spinner: duplicates, failures, forged taps too.
                await self.out.answer_callback(query)

    async def deliver_to(self, who: ResidentRef, turn: Turn) -> None:
        """A turn that is not an answer to an update (a reminder): new messages only."""
        await self.out.deliver(int(who.external_id), turn)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
