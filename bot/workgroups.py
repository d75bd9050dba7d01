"""Working-group chats on Telegram: /bind, /unbind, /language, /summary in groups."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from telegram import Bot, Update
from telegram.constants import ChatType, ParseMode

from bot.export import Exporter
from bot.i18n import Texts
from bot.review import ReviewDesk
from bot.summaries import SummarySender, compute
from flows.catalogue import Lang
from flows.session import Msg
from flows.workgroup import (
    Bind,
    GroupContext,
    SendExport,
    SendSummary,
    SetGroupLanguage,
    StartReview,
    Unbind,
    decide,
)
from flows.world import World
from storage.base import Store

log = logging.getLogger(__name__)

GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)


class WorkGroups:
    """Runs what flows.workgroup decides; residents' data never reaches a group except as the
    aggregated ranking."""

    def __init__(self, store: Store, world: World, texts: Texts) -> None:
        self.store, self.world, self.texts = store, world, texts
        self.desk = ReviewDesk(store, world, texts)

    async def _button(self, update: Update, bot: Bot) -> None:
        """A tap in a group: only review buttons, only in a bound working-group chat."""
        query, chat, user = update.callback_query, update.effective_chat, update.effective_user
        assert query is not None and chat is not None
        bound = await self.store.group(chat.id)
        if bound is None or user is None or not (query.data or "").startswith("rv:"):
            return
        city, lang = bound
        await self.desk.on_button(bot, chat.id, city, lang, user.id, query.data or "")  # type: ignore[arg-type]

    async def process(self, update: Update, bot: Bot) -> bool:
        """Handle a group update; False when it is not a group's (the resident path takes it)."""
        chat, message, user = update.effective_chat, update.message, update.effective_user
        if chat is None or chat.type not in GROUP_TYPES:
            return False
        query = update.callback_query
        if query is not None:
            await self._button(update, bot)
            return True
        if message is not None and message.migrate_to_chat_id:
            # The group became a supergroup: its binding and summaries follow the new id.
            await self.store.record_chat_migration(chat.id, message.migrate_to_chat_id)
            return True
        text = message.text if message is not None else None
        if user is None or user.is_bot or not text or not text.startswith("/"):
            return True  # a working group's own conversation is none of our business
        head, _, args = text[1:].partition(" ")
        command, _, addressed = head.partition("@")
        if addressed and addressed.casefold() != (bot.username or "").casefold():
            return True  # a command for another bot in the group
        bound = await self.store.group(chat.id)
        lang = bound[1] if bound and bound[1] in ("ru", "ky") else "ru"
        ctx = GroupContext(user.id, bound[0] if bound else None, lang)  # type: ignore[arg-type]
        decision = decide(self.world, ctx, command.casefold(), args)
        if decision is None:
            return True
        action = decision.action
        if isinstance(action, Bind):
            await self.store.bind_group(chat.id, action.city, decision.lang)
        elif isinstance(action, Unbind):
            await self.store.unbind_group(chat.id)
        elif isinstance(action, SetGroupLanguage):
            await self.store.set_group_language(chat.id, action.lang)
        if decision.reply is not None:
            text = self.texts.format(decision.lang, decision.reply)
            await bot.send_message(chat.id, text, parse_mode=ParseMode.HTML)
        if isinstance(action, StartReview):
            await self.desk.show(bot, chat.id, action.city, decision.lang)
        if isinstance(action, SendExport):
            await self._export(bot, chat.id, action.city, decision.lang)
        if isinstance(action, SendSummary):
            sender = SummarySender(self.store, self.world, self.texts, bot)
            await sender.send_now(action.city, chat.id, decision.lang, action.district)
        log.info("working-group command /%s handled", command)
        return True

    async def _export(self, bot: Bot, chat_id: int, city: str, lang: Lang) -> None:
        exporter = Exporter(self.world, self.texts)
        ranking = await compute(self.store, self.world, city)
        rows = await self.store.export_rows(city)
        data = await asyncio.to_thread(exporter.xlsx, ranking, rows, lang)
        day = datetime.now(UTC).date().isoformat()
        caption = self.texts.format(
            lang, Msg("export-caption", {"city": self.world.cities[city].name(lang)})
        )
        await bot.send_document(
            chat_id, data, filename=f"citybot-{city}-{day}.xlsx", caption=caption
        )
