"""A pace shared by every sender of one channel: so many sends a second, paused by a 429."""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    """At most `rate` sends a second across every worker of a channel, and a 429 pauses all
    of them (the platform's limit is the bot's, not a worker's)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._paused_until = 0.0

    async def acquire(self) -> None:
        while True:
            now = time.monotonic()
            start = max(now, self._next, self._paused_until)
            self._next = start + self.interval  # taken before sleeping: no two share a slot
            if start > now:
                await asyncio.sleep(start - now)
            if time.monotonic() >= self._paused_until:
                return  # a 429 that arrived while we slept sends us back in line

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        self._next = max(self._next, self._paused_until)
