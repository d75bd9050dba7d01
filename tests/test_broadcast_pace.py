"""Broadcast at speed: batched claims exactly once, expired leases swept, no bursts, warm charts."""

from __future__ import annotations

import asyncio
import threading
import time
import warnings
from datetime import timedelta
from pathlib import Path

import pytest

import bot.chart as chart
from bot.rate import FAST_WINDOW, MAX_WINDOW, WIDEN, WINDOW, RateLimiter
from flows.session import Conversation, CreateAnnouncement, SaveAnswer, SetSubscribed
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from storage.sqlite.announcements import SWEEP_EVERY
from tests.storage_helpers import FakeClock, answer

LEASE = timedelta(seconds=20)


async def _sending(store: SqliteStore, clock: FakeClock, people: int) -> int:
    for i in range(people):
        effects = [SaveAnswer(answer(1, city="karakol")), SetSubscribed(True)]
        await store.commit(ResidentRef("tg", str(9000 + i)), Conversation(), effects)
    (aid,) = await store.commit_operator("cli:op", [CreateAnnouncement("karakol", {}, clock.now)])
    assert isinstance(aid, int) and await store.start_broadcast(aid, "scheduler")
    return aid


async def test_big_claims_at_once_from_two_owners_take_everyone_exactly_once(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with SqliteStore(tmp_path / "db.sqlite3", clock=clock) as store:
        aid = await _sending(store, clock, 700)
        for i in range(0, 700, 7):  # every 7th unsubscribed after the list was frozen
            await store.commit(
                ResidentRef("tg", str(9000 + i)), Conversation(), [SetSubscribed(False)]
            )
        seen: dict[str, list[int]] = {"a": [], "b": []}
        while True:
            # Both owners' claims in the same write batches (group commit), 250 at a time.
            got = await asyncio.gather(
                *(store.claim_recipients(aid, 250, owner, LEASE) for owner in "ab")
            )
            if not any(got):
                break
            for owner, claimed in zip("ab", got, strict=True):
                seen[owner] += [r.resident_id for r in claimed]
                assert all(r.ref.channel == "tg" and r.lang == "ru" for r in claimed)
                if claimed:  # the last one of each claim failed, the rest were sent
                    outcomes = [(r.resident_id, "sent", None) for r in claimed[:-1]]
                    outcomes.append((claimed[-1].resident_id, "failed", "x"))
                    await store.finish_deliveries(aid, outcomes)
        everyone = seen["a"] + seen["b"]
        assert seen["a"] and seen["b"], "both worked"
        assert len(everyone) == len(set(everyone)) == 600, "nobody twice, nobody left out"
        counts = await store.broadcast_counts(aid)
        assert counts.skipped == 100 and counts.pending == 0
        assert counts.sent + counts.failed == 600 and counts.failed > 0


async def test_expired_leases_are_swept_within_a_second_of_expiring(tmp_path: Path) -> None:
    clock = FakeClock()
    async with SqliteStore(tmp_path / "db.sqlite3", clock=clock) as store:
        aid = await _sending(store, clock, 300)
        dead = {r.resident_id for r in await store.claim_recipients(aid, 50, "dead", LEASE)}
        clock.advance(seconds=LEASE.total_seconds() - 0.5)
        live = await store.claim_recipients(aid, 10, "live", LEASE)  # a sweep: none expired yet
        assert dead.isdisjoint(r.resident_id for r in live)
        clock.advance(seconds=0.6)  # the dead owner's lease ran out, but the last sweep is recent
        between = await store.claim_recipients(aid, 10, "live", LEASE)
        assert dead.isdisjoint(r.resident_id for r in between), "pending ones, by index"
        clock.advance(seconds=SWEEP_EVERY.total_seconds())
        back = await store.claim_recipients(aid, 100, "live", LEASE)
        assert dead <= {r.resident_id for r in back}, "taken over at the next sweep"
        assert await store.renew_claims(aid, "dead", LEASE) == 0


async def test_a_late_event_loop_never_bursts_over_the_rate() -> None:
    rate = 200.0
    pace = RateLimiter(rate)
    sent: list[float] = []

    async def worker() -> None:
        while len(sent) < 2 * rate:
            await pace.acquire()
            sent.append(time.monotonic())

    async def stall() -> None:
        await asyncio.sleep(0.3)
        # A busy loop: every worker due meanwhile wakes late, all at once.
        time.sleep(0.2)  # noqa: ASYNC251 - blocking the loop is the point

    await asyncio.gather(stall(), *(worker() for _ in range(64)))
    sent.sort()
    most = max(sum(1 for t in sent[i:] if t - start < 1.0) for i, start in enumerate(sent))
    assert most <= rate, f"{most} sends within one second"  # what the platform counts
    assert len(sent) / (sent[-1] - sent[0]) > 0.8 * rate, "and still near the rate"


def test_each_429_pause_widens_the_window_once_up_to_a_bound() -> None:
    assert RateLimiter(25).window == WINDOW, "sends 40 ms apart: 1% of margin is ample"
    pace = RateLimiter(1000)
    assert pace.window == FAST_WINDOW, "a paid broadcast: sends 1 ms apart, jitter counts"
    pace.pause(30)
    pace.pause(30)  # the same burst of 429s (all in flight at once): one pause
    assert pace.window == pytest.approx(FAST_WINDOW + WIDEN)
    pace._paused_until = 0.0  # the pause is over; more 429s later
    for _ in range(20):
        pace.pause(0)
    assert pace.window == pytest.approx(MAX_WINDOW)


def test_warm_is_idempotent_and_thread_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    real = chart.ranking_png

    def counting(title: str, *args: object, **kwargs: object) -> bytes:
        drawn.append(title)
        return real(title, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(chart, "ranking_png", counting)
    monkeypatch.setattr(chart, "_warmed", False)
    threads = [threading.Thread(target=chart.warm) for _ in range(4)]
    for thread in threads:
        thread.start()
    background = chart.warm_in_background()
    for thread in (*threads, background):
        thread.join(60)
    assert len(drawn) == 1, "drawn once, however many callers"
    began = time.perf_counter()
    chart.warm()
    assert time.perf_counter() - began < 0.05 and len(drawn) == 1


def test_the_chart_after_warm_up_draws_every_kyrgyz_letter() -> None:
    chart.warm()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a warning
        png = chart.ranking_png("Көйгөйлөр", ["Жолдор ңөү", "ҢӨҮ"], [0.6, 0.2], "ң ө ү")
    assert png.startswith(b"\x89PNG")


async def test_charts_are_warmed_only_where_a_working_group_will_get_them(
    tmp_path: Path, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2-3 s of CPU at start pays off only in a process that will draw charts."""
    from bot.app import warm_charts
    from flows.effects import BindGroup

    started: list[bool] = []
    monkeypatch.setattr(chart, "warm_in_background", lambda: started.append(True))
    async with SqliteStore(tmp_path / "warm.sqlite3") as store:
        await warm_charts(store, world)
        assert started == [], "no working group: no chart will be drawn"
        await store.commit_group(-100_777, [BindGroup("manas", "ru")], "tg:1")
        await warm_charts(store, world)
        assert started == [True]


async def test_stopping_mid_broadcast_is_quiet_and_waits_for_the_tick(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SIGTERM while an announcement is going out: the tick ends before the store closes, and
    nothing is logged as a failed job (the claims are leases: the next start resumes them)."""
    import logging

    from bot.announcements import Dispatcher

    sending = asyncio.Event()

    class Store:
        async def due_announcements(self, now: object) -> list[int]:
            return [1]

        async def announcement_log(self, announcement_id: int) -> list[tuple[str, str]]:
            return [("created", "cli")]

    class Engine:
        telegram = None

        async def run(self, *args: object) -> object:
            sending.set()
            await asyncio.Event().wait()  # a long broadcast
            raise AssertionError("unreachable")

    caplog.set_level(logging.INFO)
    dispatcher = Dispatcher(Store(), Engine(), texts=object())  # type: ignore[arg-type]
    dispatcher.start()
    await asyncio.wait_for(sending.wait(), 5)
    await asyncio.wait_for(dispatcher.stop(), 5)
    assert dispatcher._running is None, "the tick has ended"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert await dispatcher.tick() == 0, "no tick after stop"


async def test_a_message_refused_with_429_waits_for_the_pace_again() -> None:
    """Messages refused together by one 429 must not all go again at the same instant when
    the pause ends (straight into the next 429): every attempt takes a slot of the pace."""
    from telegram import Bot

    from tests.fake_telegram import FakeBotAPI, too_many
    from tests.outbounds import telegram_out

    api = FakeBotAPI()
    too_many(api, "sendMessage", retry_after=0, times=3)
    async with Bot("1:PACE", base_url="http://x/bot", request=api) as bot:
        out = telegram_out(bot, rate=1000)
        slots = 0
        real = out.pace.acquire

        async def counted() -> None:
            nonlocal slots
            slots += 1
            await real()

        out.pace.acquire = counted  # type: ignore[method-assign]
        results = await asyncio.gather(
            *(out.broadcast(5000 + n, "<b>Слушания</b>") for n in range(3))
        )
    assert [r.sent.value for r in results] == ["sent"] * 3
    assert slots == 6, "three first attempts and three retries, each paced"


async def test_a_long_broadcast_logs_no_skipped_tick_every_second(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """APScheduler warned "maximum number of running instances reached" once a second for
    the whole of a broadcast; the dispatcher's own lock makes a second tick return at once."""
    import logging

    from bot.announcements import CHECK_EVERY, Dispatcher

    sending = asyncio.Event()
    runs = 0

    class Store:
        async def due_announcements(self, now: object) -> list[int]:
            return [1]

        async def announcement_log(self, announcement_id: int) -> list[tuple[str, str]]:
            return [("created", "cli")]

    class Engine:
        telegram = None

        async def run(self, *args: object) -> object:
            nonlocal runs
            runs += 1
            sending.set()
            await asyncio.Event().wait()  # a long broadcast
            raise AssertionError("unreachable")

    caplog.set_level(logging.INFO)
    dispatcher = Dispatcher(Store(), Engine(), texts=object())  # type: ignore[arg-type]
    dispatcher.start()
    try:
        await asyncio.wait_for(sending.wait(), 5)
        await asyncio.sleep(CHECK_EVERY.total_seconds() * 2.5)  # two more ticks fire
    finally:
        await asyncio.wait_for(dispatcher.stop(), 5)
    assert runs == 1, "one broadcast at a time"
    skipped = [r for r in caplog.records if "maximum number of running instances" in r.message]
    assert not skipped, caplog.text


def test_start_up_objects_are_frozen_out_of_the_collectors_sight() -> None:
    """A full collection walked every module, locale and PTB object each time it ran: pauses
    of tens of ms that bunched a paid broadcast's sends into 429s."""
    import gc

    from bot.app import freeze_startup_objects

    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
