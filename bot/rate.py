"""A pace shared by every sender of one channel: so many sends a second, paused by a 429."""

from __future__ import annotations

import asyncio
import collections
import math
import time

# A platform counts sends in a rolling second. Ours are spaced by 1/rate, but a worker woken
# late (a busy event loop) sends together with the next ones, and those arrive within one
# second of their predecessors plus network jitter. So no more than `rate` sends in any
# window of `window_for(rate)` seconds, widened by WIDEN after each 429 (up to MAX_WINDOW).
# The margin is for jitter, which is absolute (milliseconds): at 25/s (sends 40 ms apart) 1%
# is ample and costs 1% of the rate; at a paid 1,000/s (1 ms apart) a few tens of ms of
# arrival jitter put that many sends too many into one second, and each 429 pauses everyone
# for retry_after. 3% there (97% of the rate through the running bot when no 429 comes,
# bench/broadcast_http.py), 2% more after each 429, up to 15%.
WINDOW = 1.01
FAST = 100.0  # sends a second from which FAST_WINDOW applies
FAST_WINDOW = 1.03
WIDEN = 0.02
MAX_WINDOW = 1.15


def window_for(rate: float) -> float:
    return FAST_WINDOW if rate >= FAST else WINDOW


# Sleeps end on a grid of this many seconds: the sends of one tick wake together, in one turn
# of the event loop (one wake-up per tick, not one per message: at 1,000/s those wake-ups
# cost more CPU than the sends' own bookkeeping). A slot is never started early.
TICK = 0.004


class RateLimiter:
    """At most `rate` sends a second across every worker of a channel, and a 429 pauses all
    of them (the platform's limit is the bot's, not a worker's). Slots are spaced by 1/rate
    and never more than `rate` fall in any `window` seconds; a send that starts late (its slot
    passed while the loop was busy) waits for room in the window of the real start times, so
    lateness never turns into a burst the platform answers with 429 (and a pause for all)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._paused_until = 0.0
        self.window = window_for(rate)
        quota = max(1, int(rate))
        self._slots: collections.deque[float] = collections.deque(maxlen=quota)  # handed out
        self._sent: collections.deque[float] = collections.deque(maxlen=quota)  # started

    async def acquire(self) -> None:
        while True:
            now = time.monotonic()
            start = max(now, self._next, self._paused_until)
            slots = self._slots
            if len(slots) == slots.maxlen:
                start = max(start, slots[0] + self.window)
            slots.append(start)
            self._next = start + self.interval  # taken before sleeping: no two share a slot
            if start > now:
                await asyncio.sleep(math.ceil(start / TICK) * TICK - now)
            sent = self._sent
            now = time.monotonic()
            # Started on the tick after its slot at the latest: WINDOW - TICK (> 1 s) apart.
            while len(sent) == sent.maxlen and (free := sent[0] + self.window - TICK) > now:
                await asyncio.sleep(free - now)  # only after a late start: wait for room
                now = time.monotonic()
            if now >= self._paused_until:
                sent.append(now)  # the oldest drops out (maxlen)
                return
            # A 429 arrived while we slept: back in line.

    def pause(self, seconds: float) -> None:
        """A 429: nobody sends for `seconds`; the first of a pause also widens the window."""
        if time.monotonic() >= self._paused_until:
            self.window = min(self.window + WIDEN, MAX_WINDOW)
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        self._next = max(self._next, self._paused_until)
