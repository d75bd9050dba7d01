"""/review in a working-group chat: residents' own words, one wording at a time, placed into
a category with a tap; counters move, the reviewer is recorded, the matcher learns."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.i18n import Texts
from flows.catalogue import OTHER, Lang
from flows.session import Msg
from flows.text import normalise
from flows.world import World
from storage.base import Store

PAGE = 10  # categories per page of "all categories"
PREFIX = "rv"


@dataclass(frozen=True, slots=True)
class Wording:
    """Unplaced answers that say the same thing (the same normalised words)."""

    key: str
    sample: str  # one resident's words as written, shown to the reviewer
    items: tuple[tuple[int, int], ...]  # (answer id, rank)

    @property
    def tag(self) -> str:
        """Short and ASCII, for callback data (at most 64 bytes)."""
        return hashlib.sha1(self.key.encode()).hexdigest()[:10]


class ReviewDesk:
    def __init__(self, store: Store, world: World, texts: Texts) -> None:
        self.store, self.world, self.texts = store, world, texts

    async def queue(self, city: str) -> list[Wording]:
        """Wordings waiting for review, the most frequent first; those a reviewer chose to keep
        as own words are not asked again."""
        learned = (await self.store.learned()).get(city, {})
        groups: dict[str, list] = {}
        for item in await self.store.unplaced(city):
            key = normalise(item.text)
            if key and learned.get(key) != OTHER:
                groups.setdefault(key, []).append(item)
        ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        return [
            Wording(key, items[0].text, tuple((i.answer_id, i.rank) for i in items))
            for key, items in ordered
        ]

    async def show(
        self, bot: Bot, chat_id: int, city: str, lang: Lang, after: str | None = None
    ) -> None:
        """The next wording (after the one tagged `after`, for "skip") with its buttons."""
        queue = await self.queue(city)
        if after is not None:
            tags = [w.tag for w in queue]
            if after in tags:
                queue = queue[tags.index(after) + 1 :] + queue[: tags.index(after)]
        if not queue:
            await self._say(bot, chat_id, lang, Msg("review-empty"))
            return
        wording = queue[0]
        shown = self.world.shown[city]
        candidates = [
            m.category for m in self.world.matchers[city].candidates(wording.sample, limit=3)
        ]
        buttons = [[_button(shown.label(cid, lang), "c", wording, cid)] for cid in candidates]
        buttons.append([_button(self._label(lang, "btn-review-all"), "a", wording, "0")])
        buttons.append(self._tail(wording, lang))
        await self._ask(bot, chat_id, lang, wording, len(queue), buttons)

    async def on_button(
        self, bot: Bot, chat_id: int, city: str, lang: Lang, reviewer: int, data: str
    ) -> None:
        parts = data.split(":", 3)
        if len(parts) != 4 or parts[0] != PREFIX:
            return
        _, kind, tag, value = parts
        wording = next((w for w in await self.queue(city) if w.tag == tag), None)
        if kind == "s":
            await self.show(bot, chat_id, city, lang, after=tag)
            return
        if wording is None:
            await self._say(bot, chat_id, lang, Msg("review-gone"))
            await self.show(bot, chat_id, city, lang)
            return
        shown = self.world.shown[city]
        if kind == "a":
            await self._page(
                bot, chat_id, city, lang, wording, int(value) if value.isdigit() else 0
            )
            return
        if kind == "k":
            await self.store.review(city, wording.key, OTHER, reviewer, wording.items)
            await self._learn(city)
            await self._say(bot, chat_id, lang, Msg("review-kept"))
        elif kind == "c" and value in shown.ids:
            moved = await self.store.review(city, wording.key, value, reviewer, wording.items)
            await self._learn(city)
            label = shown.label(value, lang)
            await self._say(
                bot, chat_id, lang, Msg("review-done", {"count": moved, "label": label})
            )
        else:
            return  # forged data: nothing happens
        await self.show(bot, chat_id, city, lang)

    async def _page(
        self, bot: Bot, chat_id: int, city: str, lang: Lang, wording: Wording, page: int
    ) -> None:
        shown = self.world.shown[city]
        ids = shown.ids
        start = max(0, min(page, (len(ids) - 1) // PAGE)) * PAGE
        rows = [
            [_button(shown.label(cid, lang), "c", wording, cid)]
            for cid in ids[start : start + PAGE]
        ]
        if start + PAGE < len(ids):
            more = self._label(lang, "btn-more")
            rows.append([_button(more, "a", wording, str(start // PAGE + 1))])
        rows.append(self._tail(wording, lang))
        await self._ask(bot, chat_id, lang, wording, 1, rows)

    async def _ask(
        self,
        bot: Bot,
        chat_id: int,
        lang: Lang,
        wording: Wording,
        left: int,
        rows: list[list[InlineKeyboardButton]],
    ) -> None:
        args = {"text": wording.sample, "count": len(wording.items), "left": left}
        text = self.texts.format(lang, Msg("review-item", args))
        markup = InlineKeyboardMarkup(rows)
        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)

    async def _learn(self, city: str) -> None:
        self.world.teach({city: (await self.store.learned()).get(city, {})})

    def _tail(self, wording: Wording, lang: Lang) -> list[InlineKeyboardButton]:
        return [
            _button(self._label(lang, "btn-review-keep"), "k", wording, "-"),
            _button(self._label(lang, "btn-review-skip"), "s", wording, "-"),
        ]

    def _label(self, lang: Lang, msg_id: str) -> str:
        return self.texts.format(lang, Msg(msg_id), escape=str)

    async def _say(self, bot: Bot, chat_id: int, lang: Lang, msg: Msg) -> None:
        await bot.send_message(chat_id, self.texts.format(lang, msg), parse_mode=ParseMode.HTML)


def _button(label: str, kind: str, wording: Wording, value: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"{PREFIX}:{kind}:{wording.tag}:{value}")
