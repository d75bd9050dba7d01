"""The dispatcher: sends due announcements and reminders from the database (so they survive
restarts and are shared by every process), and tells the admin who created one how it goes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.broadcast import BroadcastEngine, Progress, ProgressFn
from bot.i18n import Texts
from bot.scheduler import every
from flows.catalogue import LANGS
from flows.session import Msg
from storage.base import Announcements, ResidentRef, Residents

if TYPE_CHECKING:
    from bot.telegram_out import TelegramOutbound

log = logging.getLogger(__name__)

# How often the database is asked what is due: an announcement created by the CLI (another
# process) starts within this, and a dead process's leases are taken over within a lease
# plus this. The query is one indexed lookup.
CHECK_EVERY = timedelta(seconds=1)


class DispatcherStore(Announcements, Residents, Protocol):
    """What the dispatcher reads: announcements, and the admin's language."""


class Dispatcher:
    """Every second: send what is due (scheduled announcements and reminders, and any left
    half-sent by a crash). One broadcast at a time per process; the store's leases keep two
    processes from sending anyone the same thing twice."""

    def __init__(
        self,
        store: DispatcherStore,
        engine: BroadcastEngine,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        texts: Texts | None = None,
        telegram: TelegramOutbound | None = None,
        leading: Callable[[], bool] = lambda: True,
    ) -> None:
        self.store, self.engine, self.clock = store, engine, clock
        self.leading = leading  # bot/leader.py: only the leading instance dispatches
        self.texts = texts or Texts()
        self.telegram = telegram if telegram is not None else engine.telegram
        self.scheduler: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()
        self._running: asyncio.Task[object] | None = None
        self._stopping = False

    def start(self) -> None:
        # At start too: resume what a crash left. A tick during a broadcast returns at once.
        self.scheduler = every(self.tick, CHECK_EVERY, overlap=True)

    async def stop(self) -> None:
        """No new ticks; a broadcast in progress stops where it is (its claims are leases:
        whoever runs next resumes them), before the store closes under it."""
        self._stopping = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        running = self._running
        if running is not None and not running.done():
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)

    async def tick(self) -> int:
        """Send everything due now; returns how many announcements were handled."""
        if self._lock.locked() or self._stopping or not self.leading():
            return 0
        self._running = asyncio.current_task()
        try:
            return await self._tick()
        except asyncio.CancelledError:
            if self._stopping:  # stopped on purpose: not an error of the job's
                log.info("stopped while sending; the rest resumes at the next start")
                return 0
            raise
        finally:
            self._running = None

    async def _tick(self) -> int:
        async with self._lock:
            handled = 0
            for announcement_id in await self.store.due_announcements(self.clock()):
                try:
                    report = await self._progress_for(announcement_id)
                    counts = await self.engine.run(announcement_id, "scheduler", report)
                    log.info(
                        "announcement %d: sent %d, failed %d, skipped %d, pending %d",
                        announcement_id,
                        counts.sent,
                        counts.failed,
                        counts.skipped,
                        counts.pending,
                    )
                    handled += 1
                except Exception:
                    log.exception("announcement %d could not be sent", announcement_id)
            return handled

    async def _progress_for(self, announcement_id: int) -> ProgressFn | None:
        """One message in the Telegram chat of the admin who created it, edited as it goes."""
        out = self.telegram
        log_rows = await self.store.announcement_log(announcement_id)
        creator = next((actor for action, actor in log_rows if action == "created"), "")
        if out is None or not creator.startswith("tg:") or not creator[3:].isdigit():
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
            msg = Msg("broadcast-done" if final else "broadcast-progress", args)
            text = self.texts.format(lang, msg)  # type: ignore[arg-type]
            message_id = await out.progress(chat_id, message_id, text)

        return progress
