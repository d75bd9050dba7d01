"""The only code that sends to Telegram: replies, edits, files, broadcasts, progress, menus.

One call path (`_call`) owns Telegram's rules for every message: 429 / retry_after waited out
(and the broadcast pace paused), a group that became a supergroup followed, a resident who
blocked the bot reported (the pipeline unsubscribes them), network errors retried a bounded
number of times, a timeout never retried (it may have been delivered), a revoked token ends
the process. Texts over 4096 characters are split at line ends.
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot, CallbackQuery
from telegram.constants import MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot import metrics
from bot.i18n import Texts, html_to_plain, pack_lines
from bot.keyboards import keyboard
from bot.metrics import Reachability
from bot.rate import RateLimiter
from bot.telegram_files import UPLOAD_LIMIT, Files, TooBig
from bot.telegram_retry import retry_seconds
from flows.catalogue import LANGS, Lang
from flows.session import Msg, Reply, SetLanguage, Turn
from flows.workgroup import GroupTurn
from flows.world import World
from storage.base import ResidentRef

log = logging.getLogger(__name__)

ATTEMPTS = 3  # network errors: tries per message before it counts as failed
MAX_WAITS = 6  # 429s waited out per message (each as long as Telegram asks)
NO_PREVIEW = {"is_disabled": True}  # link_preview_options, as JSON (see RAW)
TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)  # 1024
TOAST_LIMIT = 200  # answerCallbackQuery text

# In webhook mode the route may answer Telegram's POST with one Bot API call (the Bot API
# executes it, without telling us the result). The route sets an empty list here; the tap's
# answerCallbackQuery goes into it instead of costing a request of its own. Only that call:
# losing it costs nothing (the spinner stops by itself), a lost message would.
# The calls made most (every reply, every broadcast message) are posted as raw Bot API
# methods: PTB would build a Message object from each answer that nobody reads (a third of a
# broadcast's CPU, profiled). Errors arrive as the same exceptions either way.
RAW = {
    "send_message": "sendMessage",
    "edit_message_text": "editMessageText",
    "answer_callback_query": "answerCallbackQuery",
    "set_my_commands": "setMyCommands",
}

webhook_reply: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "webhook_reply", default=None
)


class Sent(enum.Enum):
    OK = "sent"
    BLOCKED = "blocked"  # the resident blocked the bot (or the bot left the group)
    REFUSED = "refused"  # Telegram refused this message (bad request, message too old)
    FAILED = "failed"  # network or server trouble that outlasted the retries
    UNSURE = "timed out"  # no answer in time: it may have been delivered, not sent again


@dataclass(frozen=True, slots=True)
class Result:
    sent: Sent
    chat_id: int  # the chat's id now (a group that became a supergroup has a new one)
    message_id: int | None = None
    reason: str = ""


def _nothing(*_: Any) -> None:
    return None


class TelegramOutbound:
    """Renders turns and delivers them; reports what the platform says about residents and
    chats through callbacks the application wires to the pipeline (adapters never write
    policy to the store themselves)."""

    def __init__(
        self,
        bot: Bot,
        texts: Texts,
        commands: tuple[str, ...],
        world: World | None = None,
        broadcast_rate: float = 25.0,
    ) -> None:
        self.bot, self.texts, self.commands, self.world = bot, texts, commands, world
        # The chart and the export; the bot's wiring gives it the store and the world as of
        # the latest turn (bot/telegram.py), a bare outbound draws charts only.
        self.files = Files(texts, lambda: self.world)
        self.pace = RateLimiter(broadcast_rate)  # broadcasts; any 429 pauses it too
        self.rate_limited = 0  # 429s seen (for reports and the benchmark)
        self.health = Reachability()  # the last outcomes, for /healthz (no call of its own)
        # Called, never awaited: a report is handled later, through the pipeline (this
        # delivery runs while the pipeline holds the resident's or the chat's lock).
        self.on_blocked: Callable[[ResidentRef], None] = _nothing
        self.on_migrated: Callable[[int, int], None] = _nothing
        self.on_fatal: Callable[[BaseException], None] = _nothing
        self._menus: dict[Lang, list[dict[str, str]]] = {}

    # --- the one call path -----------------------------------------------------------------

    async def _call(
        self, name: str, chat_id: int | None, paced: bool = False, **kwargs: Any
    ) -> Result:
        """`paced`: every attempt waits for the broadcast pace, retries too (after a 429 the
        messages refused together would otherwise all go again at the same instant, into
        the next 429)."""
        raw = RAW.get(name)
        method = getattr(self.bot, name)
        attempt = waits = 0
        current = chat_id or 0
        while True:
            if paced:
                await self.pace.acquire()
            try:
                if raw is not None:
                    data = kwargs if chat_id is None else {"chat_id": current, **kwargs}
                    # PTB's own post (defaults, None dropped, objects serialised, errors
                    # raised as usual), pinned with python-telegram-bot==22.8.
                    answer = await self.bot._post(raw, dict(data))
                    message_id = answer.get("message_id") if isinstance(answer, dict) else None
                    self.health.ok()
                    return Result(Sent.OK, current, message_id)
                if chat_id is None:
                    answer = await method(**kwargs)
                else:
                    answer = await method(chat_id=current, **kwargs)
                self.health.ok()
                return Result(Sent.OK, current, getattr(answer, "message_id", None))
            except RetryAfter as exc:
                # The only correct reaction to 429: wait as long as Telegram says (and slow
                # every broadcast down with it: the limit is the bot's).
                seconds = retry_seconds(exc)
                self.rate_limited += 1
                metrics.METRICS.telegram_429.inc()  # the bot's limit: watch it
                self.pace.pause(seconds)
                waits += 1
                if waits > MAX_WAITS:
                    return Result(Sent.FAILED, current, reason="rate limited")
                log.warning("Telegram 429 on %s: waiting %.1fs", name, seconds)
                await asyncio.sleep(seconds)
            except ChatMigrated as exc:
                # A group became a supergroup: its binding follows, and so does this message.
                log.info("a working-group chat became a supergroup; following it")
                self.on_migrated(current, exc.new_chat_id)
                if chat_id is None or current == exc.new_chat_id:
                    return Result(Sent.REFUSED, current, reason="chat migrated")
                current = exc.new_chat_id
            except Forbidden:
                if current > 0:
                    self.on_blocked(ResidentRef("tg", str(current)))
                log.info("%s: the bot was blocked or removed from the chat", name)
                return Result(Sent.BLOCKED, current, reason="blocked the bot")
            except InvalidToken as exc:
                self.on_fatal(exc)
                return Result(Sent.FAILED, current, reason="invalid token")
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return Result(Sent.OK, current)  # the same screen: it is on the phone
                log.info("%s refused: %s", name, exc)
                return Result(Sent.REFUSED, current, reason=str(exc)[:200])
            except TimedOut:
                # It may have been delivered: a duplicate is worse than one missed message.
                log.warning("%s timed out; not repeated (it may have been delivered)", name)
                metrics.METRICS.error("telegram_timeout")
                return Result(Sent.UNSURE, current, reason="timed out (may have been delivered)")
            except NetworkError as exc:
                attempt += 1
                if attempt >= ATTEMPTS:
                    log.warning("%s failed: %s", name, type(exc).__name__)
                    self.health.failed()
                    metrics.METRICS.error("telegram_send")
                    return Result(Sent.FAILED, current, reason=type(exc).__name__)
                await asyncio.sleep(0.5 * 2**attempt * (0.5 + random.random()))
            except TelegramError as exc:
                log.warning("%s failed: %s", name, exc)
                metrics.METRICS.error("telegram_send")
                return Result(Sent.FAILED, current, reason=str(exc)[:200])

    async def _text(
        self,
        chat_id: int,
        html: str,
        markup: dict[str, Any] | None = None,
        edit_id: int | None = None,
    ) -> Result:
        """One message (split past 4096 characters, the keyboard under the last part); with
        `edit_id` the first part replaces that message, or is sent when it cannot."""
        chunks = pack_lines(html.split("\n"), TEXT_LIMIT) or [html]
        result = Result(Sent.OK, chat_id)
        for n, chunk in enumerate(chunks):
            markup_here = markup if n == len(chunks) - 1 else None
            options = {"parse_mode": "HTML", "link_preview_options": NO_PREVIEW}
            if n == 0 and edit_id is not None:
                result = await self._call(
                    "edit_message_text",
                    chat_id,
                    message_id=edit_id,
                    text=chunk,
                    reply_markup=markup_here,
                    **options,
                )
                if result.sent is Sent.OK:
                    continue
                if result.sent is not Sent.REFUSED:
                    return result
            result = await self._call(
                "send_message", result.chat_id, text=chunk, reply_markup=markup_here, **options
            )
            if result.sent is not Sent.OK:
                return result  # the rest would arrive without its beginning
        return result

    # --- residents -------------------------------------------------------------------------

    async def deliver(self, chat_id: int, turn: Turn, query: CallbackQuery | None = None) -> None:
        """A resident's turn: the tapped message is edited when the turn replaces it. Failures
        after the commit are logged, never raised: the answer is stored, and the resident's
        next message shows the current step."""
        await self._turn(chat_id, turn, query)
        for effect in turn.effects:
            if isinstance(effect, SetLanguage):
                await self.set_menu(chat_id, effect.lang)

    async def _turn(
        self, chat_id: int, turn: Turn | GroupTurn, query: CallbackQuery | None
    ) -> None:
        """A turn's replies in order: the spinner stopped first (with the turn's notice), the
        tapped message replaced when the turn says so; the rest dropped after a failure (it
        would arrive without its beginning)."""
        answering = None
        if query is not None:
            # Stopping the spinner and drawing the screen are independent calls: in flight
            # together, the resident waits for one round trip, not two.
            answering = asyncio.ensure_future(self.answer_callback(query, turn.lang, turn.notice))
        try:
            tapped = query.message.message_id if query is not None and query.message else None
            for index, reply in enumerate(turn.replies):
                edit = tapped if index == 0 and turn.edit else None
                result = await self._reply(chat_id, turn.lang, reply, edit)
                chat_id = result.chat_id
                if result.sent is not Sent.OK:
                    break
        finally:
            if answering is not None:
                await answering

    async def _reply(self, chat_id: int, lang: Lang, reply: Reply, edit: int | None) -> Result:
        html = self.texts.reply_html(reply.lang or lang, reply)
        markup = keyboard(self.texts, reply.lang or lang, reply)
        if reply.attachment is None:
            return await self._text(chat_id, html, markup, edit)
        try:
            kind, name, data = await self.files.render(reply.attachment, reply.lang or lang)
        except TooBig:
            mb = UPLOAD_LIMIT // (1024 * 1024)
            told = Reply((Msg("export-too-big", {"limit": mb}),))
            return await self._text(chat_id, self.texts.reply_html(reply.lang or lang, told))
        except Exception:  # the store failed mid-export: the chat is told, not left waiting
            log.exception("a file for a chat could not be made")
            metrics.METRICS.error("file")
            told = Reply((Msg("error-internal"),))
            return await self._text(chat_id, self.texts.reply_html(reply.lang or lang, told))
        caption = html if len(html_to_plain(html)) <= CAPTION_LIMIT else None
        if html and caption is None:
            sent = await self._text(chat_id, html)  # too long for a caption: text first
            chat_id = sent.chat_id
        extra: dict[str, Any] = {"caption": caption, "parse_mode": ParseMode.HTML}
        if kind == "photo":
            return await self._call("send_photo", chat_id, photo=data, **extra)
        return await self._call("send_document", chat_id, document=data, filename=name, **extra)

    async def answer_callback(
        self, query: CallbackQuery, lang: Lang = "ru", notice: Msg | None = None
    ) -> None:
        """Stop the button's spinner (always, also for stale or forged taps), with a toast."""
        text = html_to_plain(self.texts.format(lang, notice))[:TOAST_LIMIT] if notice else None
        slot = webhook_reply.get()
        if slot is not None and not slot:
            call: dict[str, Any] = {"method": "answerCallbackQuery", "callback_query_id": query.id}
            if text:
                call["text"] = text
            slot.append(call)
            return
        await self._call("answer_callback_query", None, callback_query_id=query.id, text=text)

    # --- working-group chats ---------------------------------------------------------------

    async def deliver_group(
        self, chat_id: int, turn: GroupTurn, query: CallbackQuery | None = None
    ) -> None:
        """A working-group turn: texts, the chart and the export file; a review tap edits the
        review message in place."""
        await self._turn(chat_id, turn, query)

    async def summary(self, chat_id: int, texts: list[str], png: bytes | None, caption: str) -> int:
        """The daily summary: its messages, then the chart. Returns the chat's id now; raises
        when it could not be delivered (the caller releases its claim to try again)."""
        for text in texts:
            result = await self._text(chat_id, text)
            chat_id = result.chat_id
            if result.sent is not Sent.OK:
                raise RuntimeError(f"summary not delivered: {result.sent.value}")
        if png is not None:
            result = await self._call(
                "send_photo", chat_id, photo=png, caption=caption, parse_mode=ParseMode.HTML
            )
            if result.sent is not Sent.OK:
                raise RuntimeError(f"summary chart not delivered: {result.sent.value}")
            chat_id = result.chat_id
        return chat_id

    # --- broadcasts and their progress -----------------------------------------------------

    async def broadcast(self, chat_id: int, html: str, paid: bool = False) -> Result:
        """One announcement to one resident at the broadcast pace (paid broadcasts may go
        faster, at Telegram's price)."""
        return await self._call(
            "send_message",
            chat_id,
            paced=True,
            text=html,
            parse_mode="HTML",
            link_preview_options=NO_PREVIEW,
            allow_paid_broadcast=paid or None,
        )

    async def progress(self, chat_id: int, message_id: int | None, html: str) -> int | None:
        """The admin's progress message: sent once, then edited. Returns its id."""
        if message_id is not None:
            result = await self._text(chat_id, html, edit_id=message_id)
        else:
            result = await self._text(chat_id, html)
        return result.message_id or message_id

    # --- command menus ---------------------------------------------------------------------

    def _menu(self, lang: Lang) -> list[dict[str, str]]:
        """The command menu in one language, as the Bot API takes it (built once)."""
        menu = self._menus.get(lang)
        if menu is None:
            menu = [
                {"command": c, "description": self.texts.format(lang, Msg(f"cmd-{c}"))}
                for c in self.commands
            ]
            self._menus[lang] = menu
        return menu

    async def set_commands(self) -> None:
        """The bot's command menu in each language (Russian also for everyone else). Raises
        what Telegram answered: the caller (at start, in the background) tries again later."""
        for lang in LANGS:
            menu = {"commands": self._menu(lang), "language_code": lang}
            await self.bot._post("setMyCommands", menu)
        await self.bot._post("setMyCommands", {"commands": self._menu("ru")})

    async def set_menu(self, chat_id: int, lang: Lang) -> None:
        """The command menu of this chat in the resident's language: Telegram apps have no
        Kyrgyz interface, so the per-language menus alone would show Kyrgyz speakers Russian."""
        scope = {"type": "chat", "chat_id": chat_id}
        await self._call("set_my_commands", None, commands=self._menu(lang), scope=scope)
