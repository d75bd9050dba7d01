"""Announcement delivery: every frozen recipient once, at the platforms' pace, crash-safe.

Recipients are claimed from the store as leases renewed while this process works, so a
process killed mid-broadcast leaves nothing that waits longer than a lease: a restarted or
second process takes the rest over. Sending is the channels' outbounds' business.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot import metrics
from bot.i18n import Texts, html_to_plain
from flows.announce import announcement_msg
from storage.base import Announcement, Announcements, BroadcastCounts, Recipient

if TYPE_CHECKING:
    from bot.telegram_out import TelegramOutbound
    from bot.whatsapp_out import WhatsAppOutbound

log = logging.getLogger(__name__)

CLAIM = 50  # recipients claimed at a time: also the bound on repeats after a hard kill
LEASE = timedelta(seconds=20)  # a claim not renewed for this long was a dead process's
RENEW_EVERY = 5.0  # seconds between renewals of this process's leases
FLUSH_EVERY = 0.5  # seconds between writes of finished deliveries (batched)
WINDOW = timedelta(hours=24)  # WhatsApp free-form window after the resident's last message
# The approved WhatsApp template's variables {{1}}..{{4}}, in this order.
TEMPLATE_FIELDS = ("title", "date", "time", "place")


def announcement_text(
    texts: Texts, content: Mapping[str, object], lang: str, kind: str = "announcement"
) -> str:
    """An announcement as a resident sees it, in their language (or the one chosen)."""
    shown, msg = announcement_msg(content, lang, kind)
    return texts.format(shown, msg)


def process_owner() -> str:
    """Who holds a lease: this host and process, and a nonce (a reused pid is not us)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class Progress:
    counts: BroadcastCounts
    rate: float  # sends a second so far
    seconds_left: float | None


ProgressFn = Callable[[Progress], Awaitable[None]]
Outcome = tuple[int, str, str | None]  # (resident id, state, error)


class BroadcastEngine:
    """Claims recipients, sends through each channel's outbound (which keeps the pace and
    handles the platform's answers), and records every outcome; run() again resumes."""

    def __init__(
        self,
        store: Announcements,
        texts: Texts,
        *,
        telegram: TelegramOutbound | None = None,
        whatsapp: WhatsAppOutbound | None = None,
        paid_broadcast: bool = False,
        template_sid: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress_every: float = 3.0,
        owner: str | None = None,
    ) -> None:
        self.store, self.texts = store, texts
        self.telegram, self.whatsapp = telegram, whatsapp
        # Enough requests in flight to fill each outbound's pace when a send takes ~1 s.
        tg_rate = 1 / telegram.pace.interval if telegram is not None else 0
        wa_rate = 1 / whatsapp.pace.interval if whatsapp is not None else 0
        self.workers = {
            "tg": max(4, min(512, int(tg_rate))),
            "wa": max(2, min(128, int(wa_rate))),
        }
        self.paid = paid_broadcast
        self.template_sid = template_sid
        self.clock = clock
        self.progress_every = progress_every
        self.owner = owner or process_owner()
        self.lease = LEASE
        self._rendered: dict[tuple[int, str, str], str] = {}

    @property
    def rate_limited(self) -> int:
        """429s Telegram answered during broadcasts (and replies) so far."""
        return self.telegram.rate_limited if self.telegram is not None else 0

    async def run(
        self, announcement_id: int, actor: str, progress: ProgressFn | None = None
    ) -> BroadcastCounts:
        """Send (or join, or resume) one announcement; returns the counts when none is left
        for this process to send."""
        if not await self.store.start_broadcast(announcement_id, actor):
            return await self.store.broadcast_counts(announcement_id)
        with metrics.METRICS.broadcasts_running.track_inprogress():
            return await self._send(announcement_id, progress)

    async def _send(self, announcement_id: int, progress: ProgressFn | None) -> BroadcastCounts:
        """`run` once the broadcast is started (or joined): claim, send, record."""
        announcement = await self.store.announcement(announcement_id)
        assert announcement is not None
        # Room for two claims: the next claim is made while the last one's recipients are
        # still queued (a queued recipient is not sent: it never repeats after a kill).
        queues: dict[str, asyncio.Queue[Recipient | None]] = {
            channel: asyncio.Queue(maxsize=2 * CLAIM) for channel in self.workers
        }
        done: list[Outcome] = []
        finished = 0
        started = time.monotonic()
        before = await self.store.broadcast_counts(announcement_id)

        async def worker(channel: str) -> None:
            nonlocal finished
            queue = queues[channel]
            while (recipient := await queue.get()) is not None:
                try:
                    state, error = await self._deliver(announcement, recipient)
                except Exception as exc:
                    # Never let one recipient kill a worker: the claim loop would block on
                    # a full queue forever.
                    log.exception("sending an announcement failed unexpectedly")
                    state, error = "failed", type(exc).__name__[:200]
                metrics.METRICS.broadcast(channel, state)
                done.append((recipient.resident_id, state, error))
                finished += 1

        async def flush() -> None:
            if done:
                batch = done[:]
                del done[: len(batch)]
                await self.store.finish_deliveries(announcement_id, batch)

        async def flusher() -> None:
            while True:
                await asyncio.sleep(FLUSH_EVERY)
                try:
                    await flush()
                except Exception:
                    # Left claimed: their lease runs out and they are sent again (the bound).
                    log.exception("recording deliveries failed")

        async def renewer() -> None:
            while True:
                await asyncio.sleep(RENEW_EVERY)
                try:
                    await self.store.renew_claims(announcement_id, self.owner, self.lease)
                except Exception:
                    log.exception("renewing the broadcast's leases failed")

        tasks = [
            asyncio.create_task(worker(channel))
            for channel, n in self.workers.items()
            for _ in range(n)
        ]
        helpers = [
            asyncio.create_task(flusher()),
            asyncio.create_task(renewer()),
            asyncio.create_task(
                self._report(announcement_id, progress, started, lambda: finished, before)
            ),
        ]
        try:
            while claimed := await self.store.claim_recipients(
                announcement_id, CLAIM, self.owner, self.lease
            ):
                for recipient in claimed:
                    channel = recipient.ref.channel
                    if channel not in queues:  # a local-chat resident: nothing to send to
                        done.append((recipient.resident_id, "skipped", "no channel"))
                        continue
                    await queues[channel].put(recipient)
            for channel, n in self.workers.items():
                for _ in range(n):
                    await queues[channel].put(None)
            await asyncio.gather(*tasks)
        finally:
            for task in (*tasks, *helpers):
                task.cancel()
            await asyncio.gather(*tasks, *helpers, return_exceptions=True)
        await flush()
        await self.store.finish_broadcast(announcement_id, "engine")
        counts = await self.store.broadcast_counts(announcement_id)
        if progress is not None and counts.pending == 0:
            rate = finished / max(time.monotonic() - started, 1e-9)
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
        finished: Callable[[], int],
        before: BroadcastCounts,
    ) -> None:
        """Progress at most every few seconds (Telegram allows ~1 edit a second per chat)."""
        if progress is None:
            return
        while True:
            await asyncio.sleep(self.progress_every)
            try:
                counts = await self.store.broadcast_counts(announcement_id)
                elapsed = time.monotonic() - started
                rate = finished() / elapsed if elapsed else 0.0
                left = counts.pending / rate if rate else None
                await progress(Progress(counts, rate, left))
            except Exception:
                log.warning("progress report failed", exc_info=True)

    def _text(self, announcement: Announcement, lang: str) -> str:
        """The announcement in `lang`, rendered once per announcement and language."""
        key = (announcement.id, announcement.kind, lang)
        text = self._rendered.get(key)
        if text is None:
            if len(self._rendered) >= 64:
                self._rendered.clear()
            text = announcement_text(self.texts, announcement.content, lang, announcement.kind)
            self._rendered[key] = text
        return text

    async def _deliver(self, announcement: Announcement, r: Recipient) -> tuple[str, str | None]:
        if r.ref.channel == "tg":
            return await self._telegram(announcement, r)
        return await self._whatsapp(announcement, r)

    async def _telegram(self, announcement: Announcement, r: Recipient) -> tuple[str, str | None]:
        if self.telegram is None:
            return "skipped", "telegram not configured"
        from bot.telegram_out import Sent  # the outbound imports PTB: only when it is used

        text = self._text(announcement, r.lang)
        result = await self.telegram.broadcast(int(r.ref.external_id), text, self.paid)
        if result.sent is Sent.OK:
            return "sent", None
        return "failed", result.reason or result.sent.value

    async def _whatsapp(self, announcement: Announcement, r: Recipient) -> tuple[str, str | None]:
        if self.whatsapp is None:
            return "skipped", "whatsapp not configured"
        inside = r.last_inbound_at is not None and self.clock() - r.last_inbound_at < WINDOW
        template = None
        body: str | None = None
        if inside:
            html = self._text(announcement, r.lang)
            body = html_to_plain(html, bold="*")  # WhatsApp shows *bold*, not HTML
        elif self.template_sid and announcement.content.get("round_id") is None:
            # (a survey round's invitation fits no approved template: inside the window only)
            args = announcement_msg(announcement.content, r.lang)[1].args
            variables = {str(n): str(args[k]) for n, k in enumerate(TEMPLATE_FIELDS, 1)}
            template = (self.template_sid, variables)
        else:
            return "skipped", "outside the 24-hour window and no template configured"
        sent = await self.whatsapp.broadcast(r.ref, body, template)
        return ("sent", None) if sent else ("failed", "twilio refused (see deliveries)")
