"""Daily summaries on each city's own clock: APScheduler cron jobs, and a catch-up at start."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot import metrics
from bot.summaries import SummarySender
from flows.catalogue import City
from flows.world import World
from storage.base import StoreUnavailable

log = logging.getLogger(__name__)

# A summary late by hours (the bot was down, the machine slept) is still worth sending the
# same day; APScheduler's default grace of 1 second would silently drop it.
MISFIRE_GRACE = timedelta(hours=6)
# While leading, what is due today and still unsent is looked at again this often: a chat
# whose summary a dead process had claimed gets it once the claim has gone stale (10 min),
# not tomorrow (one claim query per bound chat: nothing when all were sent).
RETRY_EVERY = timedelta(minutes=1)


def _quiet_while_unavailable(job: Callable[[], object]) -> Callable[[], Awaitable[object]]:
    """The job, except that a store that cannot be used now is not an error of the job's:
    the store logged it once when it began (APScheduler would log a traceback every tick)."""

    async def run() -> object:
        try:
            result = job()
            return await result if inspect.isawaitable(result) else result
        except StoreUnavailable:
            metrics.METRICS.error("store_unavailable")
            return None

    return run


def every(
    job: Callable[[], object],
    interval: timedelta,
    first: timedelta = timedelta(0),
    overlap: bool = False,
) -> AsyncIOScheduler:
    """A started scheduler running `job` every `interval` (the first run after `first`), one
    run at a time, a late run not dropped (a busy loop or a suspended machine).

    `overlap`: the job returns at once while a run of it is in progress (its own lock), so a
    second run may start: APScheduler would otherwise log a WARNING for every skipped tick
    (once a second through a whole broadcast)."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        _quiet_while_unavailable(job),
        "interval",
        seconds=interval.total_seconds(),
        next_run_time=datetime.now(UTC) + first,
        max_instances=2 if overlap else 1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    scheduler.start()
    return scheduler


def summary_time(city: City) -> time:
    hours, minutes = city.summary_time.split(":")
    return time(int(hours), int(minutes))


def trigger(city: City) -> CronTrigger:
    at = summary_time(city)
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=ZoneInfo(city.timezone))


def due_day(city: City, now: datetime) -> str | None:
    """The local day whose summary is due at `now` (its time has passed), else None."""
    local = now.astimezone(ZoneInfo(city.timezone))
    return local.date().isoformat() if local.time() >= summary_time(city) else None


class DailySummaries:
    def __init__(
        self,
        sender: SummarySender,
        world: World,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        leading: Callable[[], bool] = lambda: True,
    ) -> None:
        self.sender, self.world, self.clock = sender, world, clock
        self.leading = leading  # bot/leader.py: only the leading instance sends summaries
        self.scheduler: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Schedule every city (inside the running loop) and send what was missed today."""
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        for city in self.world.cities.values():
            # Every city: a group bound with /bind later is served without a restart.
            self.scheduler.add_job(
                _quiet_while_unavailable(functools.partial(self.run_city, city.id)),
                trigger(city),
                id=f"summary:{city.id}",
                misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
                coalesce=True,
                max_instances=1,
            )
        self.scheduler.add_job(
            _quiet_while_unavailable(self.catch_up),
            "interval",
            seconds=RETRY_EVERY.total_seconds(),
            id="summary:retry",
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.start()
        task = asyncio.create_task(self.catch_up())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)

    async def run_city(self, city: str, quiet: bool = False) -> int:
        """The job: today's summary (in the city's time zone) to chats that lack it.
        `quiet`: log only when something was sent (the catch-up runs every minute)."""
        if not self.leading():
            return 0  # another instance leads and sends it (claimed per chat and day anyway)
        day = due_day(self.world.cities[city], self.clock())
        if day is None:
            return 0  # fired early (clock skew): the catch-up or tomorrow's run covers it
        sent = await self.sender.send_city(city, day)
        if sent or not quiet:
            log.info("daily summary for %s (%s): %d chat(s)", city, day, sent)
        return sent

    async def catch_up(self) -> int:
        """At start, on taking the leadership and every minute: a summary whose time passed
        today while the bot was down (or whose sender died) goes out now."""
        sent = 0
        for city in self.world.cities.values():
            if due_day(city, self.clock()) is not None:
                try:
                    sent += await self.run_city(city.id, quiet=True)
                except Exception:
                    log.exception("catching up the summary of %s failed", city.id)
        return sent
