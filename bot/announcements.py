"""Announcements outside the chat: parse and validate times, preview, and the dispatcher that
sends due announcements and reminders from the database (so they survive restarts)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.error import TelegramError

from bot.broadcast import BroadcastEngine, Progress, ProgressFn, announcement_text
from bot.i18n import Texts
from bot.scheduler import every
from flows.announce import parse_local
from flows.catalogue import LANGS, City
from flows.session import Msg
from storage.base import ResidentRef, Store

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(seconds=20)


class BadTime(ValueError):
    """A date/time that is not dd.mm.yyyy hh:mm, or not in the future."""


def parse_future(text: str, city: City, now: datetime) -> datetime:
    """`dd.mm.yyyy hh:mm` in the city's time zone (the chat flow's rule), in the future."""
    moment = parse_local(text, city)
    if moment is None:
        raise BadTime(f"expected dd.mm.yyyy hh:mm, got {text!r}")
    if moment <= now:
        raise BadTime(f"{text} is not in the future")
    return moment


def preview(texts: Texts, data: Mapping[str, object]) -> dict[str, str]:
    """The text each language's residents will see."""
    only = data.get("only")
    langs = [only] if isinstance(only, str) else list(LANGS)
    return {lang: announcement_text(texts, data, lang) for lang in langs}


class Dispatcher:
    """Every few seconds: send what is due (scheduled announcements and reminders, and any
    left half-sent by a crash). One broadcast at a time per process; the store's claims keep
    two processes from sending anyone the same thing twice."""

    def __init__(
        self,
        store: Store,
        engine: BroadcastEngine,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        texts: Texts | None = None,
    ) -> None:
        self.store, self.engine, self.clock = store, engine, clock
        self.texts = texts or Texts()
        self.scheduler: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        self.scheduler = every(self.tick, CHECK_EVERY)  # at start too: resume what a crash left

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def tick(self) -> int:
        """Send everything due now; returns how many announcements were handled."""
        if self._lock.locked():
            return 0
        async with self._lock:
            handled = 0
            for announcement_id in await self.store.due_announcements(self.clock()):
                try:
                    report = await self._progress_for(announcement_id)
                    counts = await self.engine.run(announcement_id, "scheduler", report)
                    log.info(
                        "announcement %d: sent %d, failed %d, skipped %d",
                        announcement_id,
                        counts.sent,
                        counts.failed,
                        counts.skipped,
                    )
                    handled += 1
                except Exception:
                    log.exception("announcement %d could not be sent", announcement_id)
            return handled

    async def _progress_for(self, announcement_id: int) -> ProgressFn | None:
        """One message in the Telegram chat of the admin who created it, edited as it goes."""
        bot = self.engine.bot
        log_rows = await self.store.announcement_log(announcement_id)
        creator = next((actor for action, actor in log_rows if action == "created"), "")
        if bot is None or not creator.startswith("tg:") or not creator[3:].isdigit():
            return None
        chat_id = int(creator[3:])
        record = await self.store.resident(ResidentRef("tg", creator[3:]))
        lang = record.lang if record and record.lang in LANGS else "ru"
        message_id: int | None = None

        async def progress(p: Progress) -> None:
            nonlocal message_id
            final = p.counts.pending == 0
            args = {
                "sent": p.counts.sent,
                "failed": p.counts.failed,
                "skipped": p.counts.skipped,
                "left": p.counts.pending,
                "rate": f"{p.rate:.1f}",
                "minutes": round((p.seconds_left or 0) / 60),
            }
            text = self.texts.format(
                lang, Msg("broadcast-done" if final else "broadcast-progress", args)
            )  # type: ignore[arg-type]
            try:
                if message_id is None:
                    message_id = (
                        await bot.send_message(chat_id, text, parse_mode="HTML")
                    ).message_id
                else:
                    await bot.edit_message_text(text, chat_id, message_id, parse_mode="HTML")
            except TelegramError as exc:
                log.info("progress message not updated: %s", exc)

        return progress
