"""Telegram outbound for conversations: send or edit, split long texts, 429s, blocks, menus."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.i18n import Texts, html_to_plain, pack_lines
from bot.keyboards import keyboard
from bot.telegram_retry import retry_seconds
from flows.catalogue import Lang
from flows.session import Msg, SetLanguage, Turn

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 3
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
TOAST_LIMIT = 200  # answerCallbackQuery text


class TelegramOutbound:
    """Renders a turn and delivers it: the tapped message is edited when the turn replaces
    it, a text over 4096 characters is split at line ends, the chat's command menu follows
    the resident's language. Failures after the commit are logged, never raised: the answer
    is stored, and the resident's next message shows the current step."""

    def __init__(self, bot: Bot, texts: Texts, commands: tuple[str, ...]) -> None:
        self.bot, self.texts, self.commands = bot, texts, commands

    async def deliver(
        self,
        chat_id: int,
        turn: Turn,
        query: CallbackQuery | None = None,
    ) -> None:
        if query is not None:
            await self.answer_callback(query, turn.lang, turn.notice)
        message_id = query.message.message_id if query is not None and query.message else None
        for index, reply in enumerate(turn.replies):
            html = self.texts.reply_html(turn.lang, reply)
            markup = keyboard(self.texts, turn.lang, reply)
            chunks = pack_lines(html.split("\n"), TEXT_LIMIT) or [html]
            first = 0
            if index == 0 and turn.edit and message_id is not None:
                last = len(chunks) == 1
                if await self.edit(chat_id, message_id, chunks[0], markup if last else None):
                    first = 1
            for n, chunk in enumerate(chunks[first:], first):
                await self.send(chat_id, chunk, markup if n == len(chunks) - 1 else None)
        for effect in turn.effects:
            if isinstance(effect, SetLanguage):
                await self.set_menu(chat_id, effect.lang)

    async def answer_callback(
        self, query: CallbackQuery, lang: Lang = "ru", notice: Msg | None = None
    ) -> None:
        """Stop the button's spinner (always, also for stale or forged taps), with a toast."""
        text = html_to_plain(self.texts.format(lang, notice))[:TOAST_LIMIT] if notice else None
        try:
            await query.answer(text)
        except TelegramError as exc:
            log.info("answerCallbackQuery failed: %s", type(exc).__name__)

    async def edit(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Replace the tapped message; False when it cannot be edited (then it is sent)."""
        sent = await self._call(
            self.bot.edit_message_text,
            text,
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=markup,
        )
        return sent is not False

    async def send(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        return await self._call(self.bot.send_message, chat_id, text, reply_markup=markup) is True

    async def _call(
        self, method: Callable[..., Awaitable[object]], *args: object, **kwargs: object
    ) -> bool | None:
        """True: shown; None: the resident blocked the bot (nothing to do); False: refused or
        failed. 429s are waited out; after the commit nothing is raised: the answer is stored,
        and the resident's next message shows the current step."""
        name = method.__name__
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await method(
                    *args,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    **kwargs,
                )
                return True
            except RetryAfter as exc:
                await self._wait(exc, attempt)
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return True  # the same screen again: it is already on the phone
                # An edit of a message too old (48 h) or deleted: a new message instead.
                log.info("%s refused: %s", name, exc)
                return False
            except Forbidden:
                log.info("a resident blocked the bot; %s dropped", name)
                return None
            except TelegramError as exc:
                log.warning("%s failed: %s", name, exc)
                return False
        return False

    async def set_menu(self, chat_id: int, lang: Lang) -> None:
        """The command menu of this chat in the resident's language: Telegram apps have no
        Kyrgyz interface, so the per-language menus alone would show Kyrgyz speakers Russian."""
        commands = [BotCommand(c, self.texts.format(lang, Msg(f"cmd-{c}"))) for c in self.commands]
        try:
            await self.bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
        except TelegramError as exc:
            log.info("setMyCommands for a chat failed: %s", type(exc).__name__)

    @staticmethod
    async def _wait(exc: RetryAfter, attempt: int) -> None:
        # The only correct reaction to 429: wait as long as Telegram says.
        seconds = retry_seconds(exc)
        log.warning("Telegram 429, retrying in %.1fs (attempt %d)", seconds, attempt)
        await asyncio.sleep(seconds)
