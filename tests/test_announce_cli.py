"""`citybot announce` / `citybot broadcasts`, and the dispatcher that sends what is due."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Bot

from bot.announcements import Dispatcher
from bot.broadcast import BroadcastEngine
from bot.i18n import Texts
from flows.effects import CancelAnnouncement
from storage.sqlite import SqliteStore
from tests.fake_telegram import RateLimitedBotAPI
from tests.helpers import announce
from tests.outbounds import telegram_out
from tests.storage_helpers import FakeClock
from tests.test_broadcast import _residents
from tests.test_cli_and_config import run

ARGS = [
    "announce", "--city", "karakol",
    "--title-ru", "Бюджет 2027", "--title-ky", "2027-жылдын бюджети",
    "--place-ru", "Мэрия", "--place-ky", "Мэрия",
    "--agenda-ru", "Проект", "--agenda-ky", "Долбоор",
]  # fmt: skip


async def test_announce_previews_counts_and_schedules(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    async with SqliteStore(db) as store:
        await _residents(store, range(1, 4))
    result = run(
        [*ARGS, "--when", "05.12.2099 15:00", "--reminder", "04.12.2099 10:00", "--yes"],
        CITYBOT_DATABASE=str(db),
    )
    assert result.returncode == 0, result.stderr
    assert "--- ru ---" in result.stdout and "Общественные слушания: Бюджет 2027" in result.stdout
    assert "Коомдук угуу: 2027-жылдын бюджети" in result.stdout
    assert "05.12.2099, 15:00" in result.stdout
    assert "recipients now: Telegram 3, WhatsApp 0" in result.stdout
    listing = run(["broadcasts", "--city", "karakol"], CITYBOT_DATABASE=str(db))
    assert "reminder" in listing.stdout and "announcement" in listing.stdout
    assert listing.stdout.count("scheduled") == 1 + 1  # the header has no such word
    cancelled = run(["broadcasts", "--cancel", "1"], CITYBOT_DATABASE=str(db))
    assert cancelled.returncode == 0 and cancelled.stdout.count("cancelled") == 1 + 2
    again = run(["broadcasts", "--cancel", "1"], CITYBOT_DATABASE=str(db))
    assert again.returncode == 1 and "not scheduled" in again.stderr


def test_announce_refuses_bad_and_past_times_and_missing_texts(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    bad = run([*ARGS, "--when", "31.02.2099 15:00", "--yes"], CITYBOT_DATABASE=db)
    assert bad.returncode == 2 and "dd.mm.yyyy hh:mm" in bad.stderr
    past = run([*ARGS, "--when", "01.01.2020 10:00", "--yes"], CITYBOT_DATABASE=db)
    assert past.returncode == 2 and "not in the future" in past.stderr
    order = run(
        [*ARGS, "--when", "05.12.2099 15:00", "--reminder", "06.12.2099 10:00", "--yes"],
        CITYBOT_DATABASE=db,
    )
    assert order.returncode == 2 and "before the hearing" in order.stderr
    missing = run(
        ["announce", "--city", "karakol", "--title-ru", "X", "--when", "05.12.2099 15:00", "--yes"],
        CITYBOT_DATABASE=db,
    )
    assert missing.returncode == 2 and "--place-ru" in missing.stderr and "--only" in missing.stderr


async def test_the_dispatcher_sends_what_is_due_and_never_a_cancelled_one(tmp_path: Path) -> None:
    clock = FakeClock()
    api = RateLimitedBotAPI(limit=1000)
    async with SqliteStore(tmp_path / "db.sqlite3", clock=clock) as store:
        await _residents(store, range(1, 6))
        now = clock.now
        due = await announce(store, "karakol", {"title": {"ru": "A"}}, now, "tg:999")
        later = await announce(
            store, "karakol", {"title": {"ru": "B"}}, now + timedelta(hours=2), "cli:test"
        )
        cancelled = await announce(store, "karakol", {"title": {"ru": "C"}}, now, "tg:1")
        assert await store.commit_operator("tg:1", [CancelAnnouncement(cancelled)]) == [True]
        async with Bot("1:T", base_url="http://x/bot", request=api) as bot:
            engine = BroadcastEngine(store, Texts(), telegram=telegram_out(bot))
            dispatcher = Dispatcher(store, engine, clock=lambda: clock.now)
            assert await dispatcher.tick() == 1
            assert sum(n for chat, n in api.delivered.items() if chat != 999) == 5
            (report,) = [p["text"] for p in api.sent(999)]
            assert "Рассылка завершена: отправлено 5" in report, "the admin who created it"
            assert await dispatcher.tick() == 0, "nothing twice"
            clock.advance(hours=3)
            assert await dispatcher.tick() == 1
        assert sum(n for chat, n in api.delivered.items() if chat != 999) == 10
        assert (await store.announcement(due)).state == "done"  # type: ignore[union-attr]
        assert (await store.announcement(later)).state == "done"  # type: ignore[union-attr]
        assert (await store.announcement(cancelled)).state == "cancelled"  # type: ignore[union-attr]
        texts = [p["text"] for p in api.sent()]
        assert not any("C</b>" in t for t in texts)


async def test_an_announcement_made_with_the_cli_starts_within_two_seconds(tmp_path: Path) -> None:
    """The running bot (a real `citybot run`, long polling) and the CLI (another process):
    what the CLI makes due now goes out within 2 s, not at the next 20-second check."""
    from tests.fake_telegram import BotAPIServer
    from tests.test_startup_failures import TOKEN, BotProcess

    db = tmp_path / "citybot.sqlite3"
    async with SqliteStore(db) as store:
        await _residents(store, range(10, 15))
    async with BotAPIServer(TOKEN) as server, BotProcess(tmp_path, server.base_url) as bot:
        await bot.wait_until(lambda: server.api.count("getUpdates") > 0, 30, "polling")
        args = [*ARGS, "--when", "05.12.2099 15:00", "--yes"]
        made = await asyncio.to_thread(run, args, CITYBOT_DATABASE=str(db))
        assert made.returncode == 0, made.stderr
        created = time.monotonic()
        residents = set(range(10, 15))

        def delivered() -> bool:
            return residents <= {int(p["chat_id"]) for p in server.api.sent()}

        await bot.wait_until(delivered, 10, "the broadcast")
        took = time.monotonic() - created
        await bot.stop()
    assert took < 2.0, f"the broadcast started {took:.1f} s after the CLI made it"


async def test_times_are_the_citys_and_wait_shows_delivery_to_the_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A clerk reads Karakol's clock, not UTC; `--wait` stays until the running bot has sent
    it, with a progress bar, and says what came of it."""
    from datetime import UTC, datetime

    from bot.cli_city import city_time, wait_for_delivery

    db = tmp_path / "db.sqlite3"
    async with SqliteStore(db) as store:
        await _residents(store, range(1, 4))
    result = run(
        [*ARGS, "--when", "05.12.2099 15:00", "--at", "04.12.2099 18:30", "--yes"],
        CITYBOT_DATABASE=str(db),
    )
    assert result.returncode == 0, result.stderr
    assert "scheduled for 2099-12-04 18:30 Asia/Bishkek (12:30 UTC)" in result.stdout
    listing = run(["broadcasts", "--city", "karakol"], CITYBOT_DATABASE=str(db))
    assert "send at (city time)" in listing.stdout and "2099-12-04 18:30" in listing.stdout
    assert city_time(datetime(2026, 1, 1, 14, 0, tzinfo=UTC), "Asia/Bishkek") == (
        "2026-01-01 20:00 Asia/Bishkek (14:00 UTC)"
    )

    async with SqliteStore(db) as store:
        (made,) = [a.id for a in await store.announcements("karakol") if a.kind == "announcement"]

        async def the_bot() -> None:  # what the dispatcher does, slowly
            await asyncio.sleep(0.3)
            assert await store.start_broadcast(made, "scheduler")
            for recipient in await store.claim_recipients(made, 10, "bot", timedelta(seconds=20)):
                await asyncio.sleep(0.1)
                await store.finish_deliveries(made, [(recipient.resident_id, "sent", None)])
            assert await store.finish_broadcast(made, "scheduler")

        waited, _ = await asyncio.gather(wait_for_delivery(store, made, every=0.05), the_bot())
    assert waited == 0
    out = capsys.readouterr()
    assert f"announcement {made} done: sent 3, failed 0, skipped 0" in out.out
    assert "3/3" in out.err, "the bar (tqdm writes to stderr)"
