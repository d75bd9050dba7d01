"""The announcement delivery engine: exactly once at the platform's limit, crash-safe."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from telegram import Bot

from bot.broadcast import CLAIM, BroadcastEngine, announcement_text
from bot.i18n import Texts
from bot.pipeline import Pipeline, PlatformReports
from bot.whatsapp import WhatsAppChannel
from bot.whatsapp_out import WhatsAppOutbound
from flows.session import Answer, Conversation, Item, SaveAnswer, SetLanguage, SetSubscribed
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import RateLimitedBotAPI
from tests.fake_twilio import FakeTwilioAPI
from tests.helpers import announce
from tests.outbounds import telegram_out
from tests.storage_helpers import FakeClock

ROOT = Path(__file__).resolve().parents[1]
CONTENT = {
    "title": {"ru": "Бюджет 2027", "ky": "2027-жылдын бюджети"},
    "place": {"ru": "Мэрия, зал 2", "ky": "Мэрия, 2-зал"},
    "agenda": {"ru": "Проект бюджета", "ky": "Бюджеттин долбоору"},
    "date": "05.12.2026",
    "time": "15:00",
}


async def _residents(
    store: SqliteStore,
    ids: range,
    channel: str = "tg",
    city: str = "karakol",
    subscribed: bool = True,
    lang: str = "ru",
) -> list[ResidentRef]:
    people = []
    for n in ids:
        who = ResidentRef(channel, str(n))
        answer = Answer(version=1, city=city, district="mtu1", items=[Item(category="roads")])
        effects = [SetLanguage(lang), SaveAnswer(answer), SetSubscribed(subscribed)]
        await store.commit(who, Conversation(), effects)
        people.append(who)
    return people


def _whatsapp(store: SqliteStore, world: World, twilio: FakeTwilioAPI) -> WhatsAppChannel:
    out = WhatsAppOutbound(
        Texts(),
        store,
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token,
        sender="whatsapp:+1",
        api_base_url=twilio.base_url,
        backoff=0.01,
    )
    return WhatsAppChannel(Pipeline(store, world), out)


async def test_everyone_once_at_the_limit_blocked_ones_unsubscribed(
    tmp_path: Path, world: World
) -> None:
    blocked = frozenset({1003, 1017, 1042})
    api = RateLimitedBotAPI(limit=20, blocked=blocked)
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        subscribers = await _residents(store, range(1000, 1060))
        await _residents(store, range(2000, 2005), subscribed=False)
        await _residents(store, range(3000, 3004), city="manas")
        aid = await announce(store, "karakol", CONTENT, store._clock(), "tg:777")
        async with Bot("1:T", base_url="http://x/bot", request=api) as bot:
            # The engine is told 25/s; the platform allows 20/s: it must adapt to the 429s.
            out = telegram_out(bot, 25, Texts(strict=True))
            # Blocked residents are reported by the outbound and unsubscribed by the pipeline.
            platform = PlatformReports(Pipeline(store, world))
            platform.attach(out)
            engine = BroadcastEngine(store, Texts(strict=True), telegram=out)
            reports = []

            async def progress(p):  # type: ignore[no-untyped-def]
                reports.append(p)

            engine.progress_every = 0.5
            counts = await engine.run(aid, "tg:777", progress)
            await platform.drain()
        expected = {int(w.external_id) for w in subscribers} - blocked
        assert set(api.delivered) == expected
        assert set(api.delivered.values()) == {1}, "nobody twice"
        assert (counts.sent, counts.failed, counts.pending) == (57, 3, 0)
        assert api.too_many > 0 and engine.rate_limited == api.too_many
        for chat in blocked:
            record = await store.resident(ResidentRef("tg", str(chat)))
            assert record is not None and record.subscribed is False
        assert (await store.announcement(aid)).state == "done"  # type: ignore[union-attr]
        assert len(reports) >= 2 and reports[-1].counts.pending == 0
        assert [a for a, _ in await store.announcement_log(aid)] == ["created", "sending", "sent"]
        # Run again: nothing is sent twice.
        async with Bot("1:T", base_url="http://x/bot", request=api) as bot:
            await BroadcastEngine(store, Texts(), telegram=telegram_out(bot)).run(aid, "again")
        assert set(api.delivered.values()) == {1}


async def test_each_resident_reads_it_in_their_language(tmp_path: Path) -> None:
    api = RateLimitedBotAPI(limit=1000)
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        await _residents(store, range(1, 3), lang="ru")
        await _residents(store, range(3, 5), lang="ky")
        aid = await announce(store, "karakol", CONTENT, store._clock(), "tg:777")
        async with Bot("1:T", base_url="http://x/bot", request=api) as bot:
            engine = BroadcastEngine(store, Texts(strict=True), telegram=telegram_out(bot))
            await engine.run(aid, "tg:777")
    texts = {int(p["chat_id"]): p["text"] for p in api.sent()}
    assert "Бюджет 2027" in texts[1] and "Повестка: Проект бюджета" in texts[2]
    assert "2027-жылдын бюджети" in texts[3] and "Күн тартиби" in texts[4]
    assert "05.12.2026, 15:00" in texts[4]


def test_one_language_for_everyone_and_escaping() -> None:
    content = {**CONTENT, "only": "ky", "title": {"ky": "<script>x</script>"}}
    text = announcement_text(Texts(strict=True), content, "ru")
    assert "Коомдук угуу:" in text and "&lt;script&gt;" in text
    reminder = announcement_text(Texts(strict=True), CONTENT, "ru", "reminder")
    assert "Напоминание" in reminder and "Повестка" not in reminder


async def test_whatsapp_free_form_inside_the_window_template_outside(
    tmp_path: Path, world: World
) -> None:
    clock = FakeClock()
    sid, token = "AC" + "5" * 32, "token"
    async with (
        FakeTwilioAPI(sid, token) as twilio,
        SqliteStore(tmp_path / "db.sqlite3", clock=clock) as store,
    ):
        (old,) = await _residents(store, range(996700000001, 996700000002), channel="wa")
        clock.advance(hours=30)
        (recent,) = await _residents(
            store, range(996700000002, 996700000003), channel="wa", lang="ky"
        )
        clock.advance(hours=1)
        channel = _whatsapp(store, world, twilio)
        await channel.start()
        try:
            aid = await announce(store, "karakol", CONTENT, clock.now, "wa:1")
            engine = BroadcastEngine(
                store,
                Texts(strict=True),
                whatsapp=channel.out,
                template_sid="HX" + "a" * 32,
                clock=lambda: clock.now,
            )
            counts = await engine.run(aid, "wa:1")
            assert counts.sent == 2
            by_to = {m["To"]: m for m in twilio.sent()}
            free = by_to[f"whatsapp:+{recent.external_id}"]
            assert "2027-жылдын бюджети" in free["Body"] and "ContentSid" not in free
            templated = by_to[f"whatsapp:+{old.external_id}"]
            assert templated["ContentSid"] == "HX" + "a" * 32 and "Body" not in templated
            assert json.loads(templated["ContentVariables"]) == {
                "1": "Бюджет 2027",
                "2": "05.12.2026",
                "3": "15:00",
                "4": "Мэрия, зал 2",
            }
            # Without a template, those outside the window are skipped and counted.
            aid2 = await announce(store, "karakol", CONTENT, clock.now, "wa:1")
            counts = await BroadcastEngine(
                store, Texts(), whatsapp=channel.out, clock=lambda: clock.now
            ).run(aid2, "wa:1")
            assert (counts.sent, counts.skipped) == (1, 1)
        finally:
            await channel.stop()


def _child(db: Path, log: Path, aid: int, rate: int, lease: float = 20) -> list[str]:
    """The command that runs the engine in its own process (tests/broadcast_child.py), its
    claims leased for `lease` seconds."""
    script = ROOT / "tests" / "broadcast_child.py"
    return [sys.executable, str(script), str(db), str(log), str(aid), str(rate), str(lease)]


def test_a_killed_engine_resumes_without_skipping_anyone(tmp_path: Path) -> None:
    """A real SIGKILL mid-run, then a restart: everyone delivered, repeats only in flight,
    and the dead process's claims are taken over within 30 s (their lease, not 5 minutes)."""
    db, log = tmp_path / "db.sqlite3", tmp_path / "delivered.log"

    async def setup() -> tuple[list[ResidentRef], int]:
        async with SqliteStore(db) as store:
            people = await _residents(store, range(5000, 5300))
            aid = await announce(store, "karakol", CONTENT, store._clock(), "tg:777")
            return people, aid

    people, aid = asyncio.run(setup())
    child = subprocess.Popen(
        _child(db, log, aid, rate=100),  # the default lease
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "started"
        for _ in range(200):  # let it deliver some, then kill it hard
            time.sleep(0.05)
            if log.exists() and len(log.read_text().split()) >= 80:
                break
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    first = len(log.read_text().split())
    assert 0 < first < len(people), "killed mid-run"
    restarted = subprocess.Popen(
        _child(db, log, aid, rate=1000),  # takes the dead one's claims once their lease ends
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert restarted.stdout is not None and restarted.stdout.readline().strip() == "started"
        # Timed from its engine's start: the new process's own start (imports, 5-10 s on a
        # loaded 2-core machine) is no part of the takeover, and the lease runs meanwhile.
        started = time.monotonic()
        _, err = restarted.communicate(timeout=120)
    finally:
        if restarted.poll() is None:
            restarted.kill()
    assert restarted.returncode == 0, err
    took = time.monotonic() - started
    assert took < 30, f"the dead process's deliveries waited {took:.0f} s"
    delivered = collections.Counter(int(x) for x in log.read_text().split())
    assert set(delivered) == {int(w.external_id) for w in people}, "nobody skipped"
    repeats = sum(n - 1 for n in delivered.values())
    # In flight at the kill: at most the claimed batch and what sat in the workers' queue.
    assert repeats <= 2 * CLAIM, f"only what was in flight may repeat ({repeats})"

    async def counts() -> tuple[int, int]:
        async with SqliteStore(db) as store:
            c = await store.broadcast_counts(aid)
            return c.sent, c.pending

    assert asyncio.run(counts()) == (len(people), 0)


async def test_two_processes_sending_at_once_never_duplicate(tmp_path: Path) -> None:
    """Two engines (two bot instances) on the same announcement share the work."""
    api = RateLimitedBotAPI(limit=10_000, latency=0.002)
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        people = await _residents(store, range(1, 201))
        aid = await announce(store, "karakol", CONTENT, store._clock(), "tg:777")
        async with Bot("1:T", base_url="http://x/bot", request=api) as bot:
            engines = [
                BroadcastEngine(store, Texts(), telegram=telegram_out(bot, 500)) for _ in "ab"
            ]
            await asyncio.gather(*(e.run(aid, "x") for e in engines))
        assert set(api.delivered) == {int(w.external_id) for w in people}
        assert set(api.delivered.values()) == {1}
        assert (await store.broadcast_counts(aid)).sent == 200


async def test_an_unexpected_error_fails_that_recipient_not_the_run(tmp_path: Path) -> None:
    api = RateLimitedBotAPI(limit=10_000)
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        await _residents(store, range(1, 121))
        aid = await announce(store, "karakol", CONTENT, store._clock(), "tg:777")
        async with Bot("1:T", base_url="http://x/bot", request=api) as bot:
            engine = BroadcastEngine(store, Texts(), telegram=telegram_out(bot, 1000))
            real = engine._telegram

            async def sometimes(announcement, r):  # type: ignore[no-untyped-def]
                if int(r.ref.external_id) % 10 == 0:
                    raise RuntimeError("something nobody expected")
                return await real(announcement, r)

            engine._telegram = sometimes  # type: ignore[method-assign]
            counts = await asyncio.wait_for(engine.run(aid, "x"), 30)
        assert (counts.sent, counts.failed, counts.pending) == (108, 12, 0)
        assert (await store.announcement(aid)).state == "done"  # type: ignore[union-attr]


async def test_whatsapp_gets_plain_text_with_its_own_bold(tmp_path: Path, world: World) -> None:
    sid, token = "AC" + "6" * 32, "token"
    async with FakeTwilioAPI(sid, token) as twilio, SqliteStore(tmp_path / "db.sqlite3") as store:
        await _residents(store, range(996700000009, 996700000010), channel="wa")
        channel = _whatsapp(store, world, twilio)
        await channel.start()
        try:
            content = {**CONTENT, "title": {"ru": "A & B", "ky": "A & B"}}
            aid = await announce(store, "karakol", content, store._clock(), "x")
            await BroadcastEngine(store, Texts(), whatsapp=channel.out).run(aid, "x")
        finally:
            await channel.stop()
        (message,) = twilio.sent()
        assert "*Общественные слушания: A & B*" in message["Body"] and "<b>" not in message["Body"]
