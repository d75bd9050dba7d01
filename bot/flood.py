"""The per-actor flood limit on inbound messages: a token bucket per actor, in a bounded map.

Every inbound event of a resident or a working-group member (a typed message, a tap, a
command, a photo: all alike) takes a token; tokens come back at RATE a second up to BURST.
An event without a token is acknowledged and not decided (bot/pipeline.py): the first one
of a flood gets one "please slow down" answer, the rest nothing, until the bucket is full
again. Measured against what a fast human does (tests/test_flood.py): a whole survey is 10-25
events; a person taps at most about three times a second on a screen that changes under the
finger and types a short line in two seconds or more, and a Telegram album arrives as up to
ten messages at once (one event each). BURST 30 with RATE 1/s lets all of that through,
even a survey at five taps a second followed by an album, and stops a script after 30
messages, then lets it through at one a second (Telegram's own pace per chat). BURST 20 was
tried first: the test's fast survey plus an album hit it.
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

BURST = 30  # events at once: the longest survey by taps (~21) and an album of ten fit
RATE = 1.0  # events a second, sustained: nobody types or reads faster for long
# A reviewer tapping through /review ("skip", "skip", "place") keeps up two taps a second for
# minutes (measured by the hostile test: limited at tap 64 with the residents' limits); a
# working-group member gets twice the burst and three a second.
GROUP_BURST = 60
GROUP_RATE = 3.0
# Actors remembered at once. An entry untouched for BURST / RATE seconds has a full bucket,
# the same as no entry, so it is dropped as soon as it reaches the front: the map holds the
# actors of the last 30 s (a core serves ~450 events/s, so ~13,500 at most). The cap only
# matters under a flood of distinct actors (~400 bytes each, measured: 20 MB at the cap), and
# a forgotten actor just starts with a full bucket again.
MAX_ACTORS = 50_000


class Verdict(enum.Enum):
    PASS = "pass"  # decide it as usual
    WARN = "warn"  # over the limit: acknowledge, answer "slow down" once
    DROP = "drop"  # over the limit, already told: acknowledge only


class FloodLimiter:
    """Token buckets per actor key; `clock` in seconds (monotonic; tests pass their own)."""

    def __init__(
        self,
        burst: int = BURST,
        rate: float = RATE,
        capacity: int = MAX_ACTORS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst, self.rate, self.capacity, self.clock = burst, rate, capacity, clock
        self._idle = burst / rate  # seconds after which a bucket is full again
        # key -> [tokens, last seen, told to slow down]; least recently seen first
        self._buckets: OrderedDict[Hashable, list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, key: Hashable) -> Verdict:
        """Take a token for one event of `key`'s."""
        now = self.clock()
        self._forget_idle(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = [float(self.burst), now, 0.0]
        else:
            self._buckets.move_to_end(key)
            bucket[0] = min(float(self.burst), bucket[0] + (now - bucket[1]) * self.rate)
            bucket[1] = now
            if bucket[0] >= self.burst:
                bucket[2] = 0.0  # calm again: a later flood is told again
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            return Verdict.PASS
        if bucket[2]:
            return Verdict.DROP
        bucket[2] = 1.0
        return Verdict.WARN

    def _forget_idle(self, now: float) -> None:
        """Drop entries from the least recently seen end while they are full again (idle long
        enough) or the map is over capacity: amortised O(1) per event."""
        buckets = self._buckets
        while buckets:
            key, (_, last, _) = next(iter(buckets.items()))
            if now - last < self._idle and len(buckets) < self.capacity:
                return
            del buckets[key]
