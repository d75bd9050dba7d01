"""Announcement delivery: every frozen recipient once, at the platforms' pace, crash-safe."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.i18n import Texts, html_to_plain
from bot.telegram_retry import retry_seconds
from bot.whatsapp import WhatsAppChannel
from flows.announce import announcement_msg
from storage.base import Announcement, BroadcastCounts, Recipient, Store

log = logging.getLogger(__name__)

CLAIM = 50  # recipients claimed at a time: also the bound on repeats after a hard kill
RETRIES = 3  # other errors: attempts per recipient before it counts as failed
WINDOW = timedelta(hours=24)  # WhatsApp free-form window after the resident's last message
STALE_CLAIM = timedelta(minutes=5)  # older claims are a crashed process's: sent again
# The approved WhatsApp template's variables {{1}}..{{4}}, in this order.
TEMPLATE_FIELDS = ("title", "date", "time", "place")


class RateLimiter:
    """A global pace shared by every worker of a channel: at most `rate` sends a second, and a
    429 pauses all of them (the platform's limit is global, not per worker)."""

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


def announcement_text(
    texts: Texts, content: Mapping[str, object], lang: str, kind: str = "announcement"
) -> str:
    """An announcement as a resident sees it, in their language (or the one chosen)."""
    shown, msg = announcement_msg(content, lang, kind)
    return texts.format(shown, msg)


@dataclass
class Progress:
    counts: BroadcastCounts
    rate: float  # sends a second so far
    seconds_left: float | None


ProgressFn = Callable[[Progress], Awaitable[None]]


class BroadcastEngine:
    """Claims recipients from the store, sends through per-channel workers under one global
    rate limit each, and records every outcome; run() again after a crash resumes."""

    def __init__(
        self,
        store: Store,
        texts: Texts,
        *,
        bot: Bot | None = None,
        whatsapp: WhatsAppChannel | None = None,
        telegram_rate: float = 25.0,
        whatsapp_rate: float = 20.0,
        paid_broadcast: bool = False,
        template_sid: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress_every: float = 3.0,
    ) -> None:
        self.store, self.texts, self.bot, self.whatsapp = store, texts, bot, whatsapp
        self.limits = {"tg": RateLimiter(telegram_rate), "wa": RateLimiter(whatsapp_rate)}
        # Enough requests in flight to fill the rate when each takes ~0.2-0.5 s.
        self.workers = {
            "tg": max(4, min(512, int(telegram_rate))),
            "wa": max(2, min(128, int(whatsapp_rate))),
        }
        self.paid = paid_broadcast
        self.template_sid = template_sid
        self.clock = clock
        self.progress_every = progress_every
        self.rate_limited = 0  # 429s seen (for the report and the benchmark)
        # Claims older than this are taken to be a crashed process's, and sent again; a live
        # process (another instance) finishes its claims well within it.
        self.stale_after = STALE_CLAIM

    async def run(self, announcement_id: int, actor: str, progress: ProgressFn | None = None):
        """Send (or resume) one announcement; returns the final counts."""
        if not await self.store.start_broadcast(announcement_id, actor, self.stale_after):
            return await self.store.broadcast_counts(announcement_id)
        announcement = await self.store.announcement(announcement_id)
        assert announcement is not None
        queues: dict[str, asyncio.Queue[Recipient | None]] = {
            "tg": asyncio.Queue(maxsize=CLAIM),
            "wa": asyncio.Queue(maxsize=CLAIM),
        }
        started = time.monotonic()
        before = await self.store.broadcast_counts(announcement_id)
        done_here = 0

        async def worker(channel: str) -> None:
            nonlocal done_here
            queue = queues[channel]
            while (recipient := await queue.get()) is not None:
                try:
                    state, error = await self._deliver(announcement, recipient)
                except Exception as exc:
                    # Never let one recipient (or a revoked token) kill a worker: a dead
                    # worker would leave the claim loop blocked on a full queue forever.
                    log.exception("sending an announcement failed unexpectedly")
                    state, error = "failed", f"{type(exc).__name__}"[:200]
                try:
                    await self.store.finish_delivery(
                        announcement_id, recipient.resident_id, state, error
                    )
                except Exception:
                    # Left 'sending': a later run sends it again once the claim is stale.
                    log.exception("recording a delivery failed")
                done_here += 1

        tasks = [
            asyncio.create_task(worker(channel))
            for channel, n in self.workers.items()
            for _ in range(n)
        ]
        reporter = asyncio.create_task(
            self._report(announcement_id, progress, started, lambda: done_here, before.pending)
        )
        try:
            while claimed := await self.store.claim_recipients(announcement_id, CLAIM):
                for recipient in claimed:
                    channel = recipient.ref.channel if recipient.ref.channel in queues else None
                    if channel is None:  # a local-chat resident: nothing to send to
                        await self.store.finish_delivery(
                            announcement_id, recipient.resident_id, "skipped", "no channel"
                        )
                        continue
                    await queues[channel].put(recipient)
            for channel, n in self.workers.items():
                for _ in range(n):
                    await queues[channel].put(None)
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            reporter.cancel()
        await self.store.finish_broadcast(announcement_id, "engine")
        counts = await self.store.broadcast_counts(announcement_id)
        if progress is not None:
            rate = done_here / max(time.monotonic() - started, 1e-9)
            try:
                await progress(Progress(counts, rate, 0))
            except Exception:
                log.warning("final progress report failed", exc_info=True)
        return counts

    async def _report(
        self,
        announcement_id: int,
        progress: ProgressFn | None,
        started: float,
        done: Callable[[], int],
        total: int,
    ) -> None:
        """Progress at most every few seconds (Telegram allows ~1 edit a second per chat)."""
        if progress is None:
            return
        while True:
            await asyncio.sleep(self.progress_every)
            try:
                counts = await self.store.broadcast_counts(announcement_id)
                elapsed = time.monotonic() - started
                rate = done() / elapsed if elapsed else 0.0
                left = counts.pending / rate if rate else None
                await progress(Progress(counts, rate, left))
            except Exception:
                log.warning("progress report failed", exc_info=True)

    async def _deliver(self, announcement: Announcement, r: Recipient) -> tuple[str, str | None]:
        if r.ref.channel == "tg":
            return await self._telegram(announcement, r)
        return await self._whatsapp(announcement, r)

    async def _telegram(self, announcement: Announcement, r: Recipient) -> tuple[str, str | None]:
        if self.bot is None:
            return "skipped", "telegram not configured"
        text = announcement_text(self.texts, announcement.content, r.lang, announcement.kind)
        limiter = self.limits["tg"]
        error = "unknown"
        attempt = 0
        while attempt < RETRIES:
            await limiter.acquire()
            try:
                await self.bot.send_message(
                    int(r.ref.external_id),
                    text,
                    parse_mode=ParseMode.HTML,
                    allow_paid_broadcast=self.paid or None,
                )
                return "sent", None
            except RetryAfter as exc:
                # Not the resident's fault and not an attempt: the whole engine slows down.
                self.rate_limited += 1
                seconds = retry_seconds(exc)
                limiter.pause(float(seconds))
                continue
            except Forbidden:
                await self.store.set_subscribed(r.ref, False)
                return "failed", "blocked the bot"
            except BadRequest as exc:
                return "failed", str(exc)[:200]
            except TimedOut:
                # It may have been delivered: a duplicate is worse than one missed message.
                return "failed", "timed out (may have been delivered)"
            except NetworkError as exc:
                error = type(exc).__name__
                attempt += 1
                if attempt < RETRIES:
                    await asyncio.sleep(0.5 * 2**attempt * (0.5 + random.random()))
        return "failed", error

    async def _whatsapp(self, announcement: Announcement, r: Recipient) -> tuple[str, str | None]:
        if self.whatsapp is None:
            return "skipped", "whatsapp not configured"
        inside = r.last_inbound_at is not None and self.clock() - r.last_inbound_at < WINDOW
        template = None
        body: str | None = None
        if inside:
            body = announcement_text(self.texts, announcement.content, r.lang, announcement.kind)
        elif self.template_sid:
            args = announcement_msg(announcement.content, r.lang)[1].args
            variables = {str(n): str(args[k]) for n, k in enumerate(TEMPLATE_FIELDS, 1)}
            template = (self.template_sid, variables)
        else:
            return "skipped", "outside the 24-hour window and no template configured"
        await self.limits["wa"].acquire()
        if body is not None:
            body = html_to_plain(body, bold="*")  # WhatsApp shows *bold*, not HTML
        sent = await self.whatsapp.send(r.ref, body, template)
        return ("sent", None) if sent else ("failed", "twilio refused (see deliveries)")
