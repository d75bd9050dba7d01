"""The one reminder to residents who stopped mid-survey, sent through the conversation path."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.pipeline import Pipeline
from bot.scheduler import every
from flows.nudge import is_quiet
from flows.session import Inbound, Turn
from flows.survey import SURVEY_STEPS
from storage.base import ResidentRef

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(minutes=5)
# Someone who stopped longer ago than this (the bot was down, the feature is new) is left be.
NOT_AFTER = timedelta(hours=48)
# WhatsApp allows free-form messages only within 24 h of the resident's last message.
WHATSAPP_WINDOW = timedelta(hours=23, minutes=30)

DeliverTo = Callable[[ResidentRef, Turn], Awaitable[None]]


class Nudger:
    """Every few minutes: residents silent for `after` at an unfinished step get one reminder
    (the store records it, so restarts and a second process do not repeat it). Not after
    /stop, not in the quiet hours of their city, not outside WhatsApp's window."""

    def __init__(
        self,
        pipeline: Pipeline,
        deliver: Mapping[str, DeliverTo],
        after: timedelta,
        quiet: tuple[time, time],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        leading: Callable[[], bool] = lambda: True,
    ) -> None:
        self.pipeline, self.deliver = pipeline, deliver
        self.leading = leading  # bot/leader.py: only the leading instance reminds
        self.after, self.quiet, self.clock = after, quiet, clock
        self.scheduler: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        if self.after <= timedelta(0):
            log.info("reminders to finish the survey are off")
            return
        self.scheduler = every(self.tick, CHECK_EVERY, first=timedelta(seconds=30))

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def tick(self) -> int:
        """Remind everyone due now; returns how many were reminded."""
        if self._lock.locked() or not self.leading():
            return 0
        async with self._lock:
            try:
                return await self._remind()
            except Exception:
                log.exception("reminders could not be sent")
                return 0

    async def _remind(self) -> int:
        now = self.clock()
        world = self.pipeline.world
        due = await self.pipeline.store.due_nudges(
            [s.value for s in SURVEY_STEPS],
            quiet_since=now - self.after,
            not_before=now - NOT_AFTER,
            window_start=now - WHATSAPP_WINDOW,
        )
        reminded = 0
        for who, city in due:
            deliver = self.deliver.get(who.channel)
            if deliver is None:
                continue  # the terminal chat: nobody to reach
            place = world.cities.get(city or world.fixed_city or "")
            zone = ZoneInfo(place.timezone if place else "Asia/Bishkek")
            if is_quiet(now.astimezone(zone), self.quiet):
                continue  # the next check after the quiet hours finds them again

            async def send(
                turn: Turn, who: ResidentRef = who, deliver: DeliverTo = deliver
            ) -> None:
                await deliver(who, turn)

            turn = await self.pipeline.resident(who, Inbound("system", command="nudge"), send)
            if turn is not None and turn.replies:
                reminded += 1
        if reminded:
            log.info("reminded %d residents to finish the survey", reminded)
        return reminded
