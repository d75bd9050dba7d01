"""/review in a working-group chat: residents' own words, one wording at a time, placed into
a category with a tap; counters move, the reviewer is recorded, the matcher learns. The
screens are built in flows/review.py; this runs them against the store and Telegram."""

from __future__ import annotations

from telegram import Bot
from telegram.constants import ParseMode

from bot.i18n import Texts
from bot.keyboards import keyboard
from flows import review
from flows.catalogue import OTHER, Lang
from flows.review import Wording
from flows.session import Msg, Reply
from flows.text import normalise
from flows.world import World
from storage.base import Store


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
        tags = [w.tag for w in queue]
        if after in tags:
            at = tags.index(after)
            queue = queue[at + 1 :] + queue[:at]
        if not queue:
            await self._send(bot, chat_id, lang, Reply((Msg("review-empty"),)))
            return
        wording = queue[0]
        guesses = self.world.matchers[city].candidates(wording.sample, limit=3)
        screen = review.first_screen(
            self.world.shown[city], wording, len(queue), [m.category for m in guesses], lang
        )
        await self._send(bot, chat_id, lang, screen)

    async def on_button(
        self, bot: Bot, chat_id: int, city: str, lang: Lang, reviewer: int, data: str
    ) -> None:
        tap = review.parse(data)
        if tap is None:
            return
        if tap.kind == "s":
            await self.show(bot, chat_id, city, lang, after=tap.tag)
            return
        wording = next((w for w in await self.queue(city) if w.tag == tap.tag), None)
        if wording is None:
            await self._send(bot, chat_id, lang, Reply((Msg("review-gone"),)))
            await self.show(bot, chat_id, city, lang)
            return
        shown = self.world.shown[city]
        if tap.kind == "a":
            page = int(tap.value) if tap.value.isdigit() else 0
            await self._send(bot, chat_id, lang, review.category_page(shown, wording, page, lang))
            return
        if tap.kind == "k":
            await self.store.review(city, wording.key, OTHER, reviewer, wording.items)
            done = Msg("review-kept")
        elif tap.value in shown.ids:
            moved = await self.store.review(city, wording.key, tap.value, reviewer, wording.items)
            done = Msg("review-done", {"count": moved, "label": shown.label(tap.value, lang)})
        else:
            return  # forged data: nothing happens
        self.world.teach({city: (await self.store.learned()).get(city, {})})
        await self._send(bot, chat_id, lang, Reply((done,)))
        await self.show(bot, chat_id, city, lang)

    async def _send(self, bot: Bot, chat_id: int, lang: Lang, reply: Reply) -> None:
        await bot.send_message(
            chat_id,
            self.texts.reply_html(lang, reply),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(self.texts, lang, reply),
        )
