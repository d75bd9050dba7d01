"""Which instance runs the scheduled work: asked of the store every few seconds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduler import every
from storage.base import Leadership

log = logging.getLogger(__name__)

# A dead leader's work resumes within this plus a broadcast lease (20 s): under 30 s.
CHECK_EVERY = timedelta(seconds=5)


class Leader:
    """True (`leading()`) while this process holds the store's leadership. Summaries,
    reminders and the announcement dispatcher each check it when their timer fires, so with
    several instances on one PostgreSQL database exactly one of them does that work; on
    SQLite the store always says yes. `on_gain` runs each time leadership is taken (the daily
    summaries catch up on what a dead leader left)."""

    def __init__(self, store: Leadership, interval: timedelta = CHECK_EVERY) -> None:
        self.store = store
        self.interval = interval
        self.is_leader = False
        self.on_gain: list[Callable[[], Awaitable[object]]] = []
        self._scheduler: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Task[object]] = set()
        self._checking = False

    def leading(self) -> bool:
        return self.is_leader

    async def start(self) -> None:
        """Ask once now (a single instance leads from its first second), then every interval."""
        await self.check()
        # A check may take longer than the interval (a server that stops answering: the store
        # bounds it at ~15 s); the next one then returns at once instead of APScheduler
        # warning about a skipped run every 5 s.
        self._scheduler = every(self.check, self.interval, first=self.interval, overlap=True)

    async def check(self) -> bool:
        if self._checking:
            return self.is_leader
        self._checking = True
        try:
            now = await self.store.lead()
        except Exception:
            log.exception("could not ask for the leadership; not leading until it answers")
            now = False
        finally:
            self._checking = False
        if now and not self.is_leader:
            log.info("this instance runs the scheduled work (summaries, reminders, broadcasts)")
            for callback in self.on_gain:
                task: asyncio.Task[object] = asyncio.create_task(callback())  # type: ignore[arg-type]
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        elif self.is_leader and not now:
            log.warning("this instance no longer leads; another one runs the scheduled work")
        self.is_leader = now
        return now

    async def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        self.is_leader = False
        try:
            await self.store.resign()
        except Exception:
            log.warning("resigning the leadership failed; it ends with the connection")
