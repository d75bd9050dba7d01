"""Daily summaries to working-group chats: once per chat and day, on the city's clock,
through a real PTB Bot over the fake Bot API and a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot

from bot.chart import ranking_png
from bot.i18n import Texts, html_to_plain
from bot.pipeline import Pipeline, PlatformReports
from bot.scheduler import MISFIRE_GRACE, RETRY_EVERY, DailySummaries, due_day, trigger
from bot.summaries import SummarySender
from flows.catalogue import WorkingGroupChat
from flows.session import Answer, Conversation, Item, SaveAnswer
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import FakeBotAPI
from tests.outbounds import telegram_out
from tests.storage_helpers import FakeClock
from tests.test_summary import _farmed, _fill

GROUP = -100123
SUPERGROUP = -1009876543


def _world(world: World, lang: str = "ky") -> World:
    city = world.cities["karakol"]
    chat = WorkingGroupChat(telegram_chat_id=GROUP, language=lang)
    return World.build([city.model_copy(update={"working_groups": (chat,)})], "karakol")


class Setup:
    def __init__(self, db: Path, world: World, clock: FakeClock | None = None) -> None:
        self.db, self.world, self.clock = db, world, clock
        self.api = FakeBotAPI()

    async def __aenter__(self) -> Setup:
        self.store = SqliteStore(self.db, clock=self.clock)
        await self.store.open()
        self.bot = Bot("123:TEST", base_url="http://127.0.0.1:9/bot", request=self.api)
        await self.bot.initialize()
        out = telegram_out(self.bot, texts=Texts(strict=True), world=self.world)
        # What the outbound learns (a group became a supergroup) goes through the pipeline.
        self.reports = PlatformReports(Pipeline(self.store, self.world))
        self.reports.attach(out)
        self.sender = SummarySender(self.store, self.world, Texts(strict=True), out)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.reports.drain()
        await self.bot.shutdown()
        await self.store.close()

    def texts(self, chat_id: int = GROUP) -> list[str]:
        return [html_to_plain(m["text"]) for m in self.api.sent(chat_id)]


@pytest.fixture
async def db(tmp_path: Path) -> Path:
    path = tmp_path / "citybot.sqlite3"
    await _fill(path)
    return path


async def test_the_summary_goes_once_per_chat_and_day_even_across_restarts(
    db: Path, world: World
) -> None:
    async with Setup(db, _world(world)) as s:
        assert await s.sender.send_city("karakol", "2026-05-01") == 1
        (text,) = s.texts()
        assert "Каракол: шаардын көйгөйлөрүнүн рейтинги" in text and "1. Жолдор — 4 (80%)" in text
        (photo,) = s.api.photos(GROUP)
        assert "2026-05-01" in photo["caption"]
        assert await s.sender.send_city("karakol", "2026-05-01") == 0
    async with Setup(db, _world(world)) as s:  # a restart: a new process, the same file
        assert await s.sender.send_city("karakol", "2026-05-01") == 0
        assert s.api.sent() == []
        assert await s.sender.send_city("karakol", "2026-05-02") == 1


async def test_the_next_day_shows_movement_and_changed_answers(db: Path, world: World) -> None:
    async with Setup(db, _world(world, "ru")) as s:
        await s.sender.send_city("karakol", "2026-05-01")
        for n in range(3):  # three new residents put heating first
            answer = Answer(
                version=1, city="karakol", district="mtu3", items=[Item(category="heating")]
            )
            who = ResidentRef("tg", str(500 + n))
            await s.store.commit(who, Conversation(), [SaveAnswer(answer)])
        await s.sender.send_city("karakol", "2026-05-02")
        text = s.texts()[-1]
        assert "Новых или изменённых ответов с прошлой сводки: 3." in text
        # heating: 4th -> 1st (its 3 new first places outweigh roads' score); roads 1st -> 2nd
        assert "1. Отопление — 4 (50%) ▲3 (+3)" in text
        assert "2. Дороги — 4 (50%) ▼1\n" in text, "no count change: no delta"


async def test_a_group_upgraded_to_a_supergroup_keeps_getting_it(db: Path, world: World) -> None:
    async with Setup(db, _world(world)) as s:

        def migrated(params: dict[str, Any]) -> tuple[int, dict] | None:
            if int(params["chat_id"]) != GROUP:
                return None
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": SUPERGROUP},
            }

        s.api.faults["sendMessage"] = migrated
        s.api.faults["sendPhoto"] = migrated
        assert await s.sender.send_city("karakol", "2026-05-01") == 1
        assert len(s.texts(SUPERGROUP)) == 1 and len(s.api.photos(SUPERGROUP)) == 1
        await s.reports.drain()
        assert await s.store.current_chat_id(GROUP) == SUPERGROUP
        assert await s.sender.send_city("karakol", "2026-05-01") == 0, "still once that day"
        await s.sender.send_city("karakol", "2026-05-02")
        assert len(s.texts(SUPERGROUP)) == 2
        assert len(s.texts(GROUP)) == 1, "only the attempt that told us about the upgrade"


async def test_a_failed_send_can_be_retried(db: Path, world: World) -> None:
    async with Setup(db, _world(world)) as s:
        s.api.faults["sendMessage"] = lambda params: (
            403,
            {"ok": False, "error_code": 403, "description": "Forbidden: bot was kicked"},
        )
        assert await s.sender.send_city("karakol", "2026-05-01") == 0
        s.api.faults.clear()
        assert await s.sender.send_city("karakol", "2026-05-01") == 1


def test_fires_at_the_citys_local_time(world: World) -> None:
    karakol = world.cities["karakol"]  # 20:00 Asia/Bishkek = 14:00 UTC
    fire = trigger(karakol).get_next_fire_time(None, datetime(2026, 5, 1, 10, 0, tzinfo=UTC))
    assert fire.astimezone(UTC) == datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
    assert due_day(karakol, datetime(2026, 5, 1, 13, 59, tzinfo=UTC)) is None
    assert due_day(karakol, datetime(2026, 5, 1, 14, 0, tzinfo=UTC)) == "2026-05-01"
    # After local midnight (18:00 UTC) it is the next local day, not yet due.
    assert due_day(karakol, datetime(2026, 5, 1, 18, 30, tzinfo=UTC)) is None


async def test_a_missed_summary_is_sent_at_start_and_only_once(db: Path, world: World) -> None:
    w = _world(world)
    now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)  # 15:00 in Karakol: not yet due
    async with Setup(db, w) as s:
        daily = DailySummaries(s.sender, w, clock=lambda: now)
        assert await daily.catch_up() == 0
        now = datetime(2026, 5, 1, 16, 30, tzinfo=UTC)  # 22:30: the bot was down at 20:00
        assert await daily.catch_up() == 1
        daily.start()  # in the running loop: jobs with hours of misfire grace
        job = daily.scheduler.get_job("summary:karakol")  # type: ignore[union-attr]
        assert job.misfire_grace_time == MISFIRE_GRACE.total_seconds() and job.coalesce
        assert job.next_run_time.astimezone(UTC) > datetime.now(UTC)
        await daily.stop()
    async with Setup(db, w) as s:
        restarted = DailySummaries(s.sender, w, clock=lambda: now)
        assert await restarted.catch_up() == 0 and s.api.sent() == []


def test_the_chart_is_a_png_with_kyrgyz_labels() -> None:
    png = ranking_png(
        "Каракол: негизги көйгөйлөр",
        ["Жолдор", "Ичүүчү суу", "Үй-жай ң ө ү"],
        [0.8, 0.4, 0.2],
        "Жооп бергендер: 5",
    )
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


async def test_a_summary_claimed_by_a_dead_process_goes_out_once_the_claim_is_stale(
    db: Path, world: World
) -> None:
    """A leader killed between claiming a chat's summary and sending it: the chat is not left
    without a summary for the day; the minutely catch-up sends it when the claim is stale."""
    w = _world(world)
    now = datetime(2026, 5, 1, 16, 30, tzinfo=UTC)  # 22:30 in Karakol: due
    clock = FakeClock(now)
    async with Setup(db, w, clock) as s:
        day = due_day(w.cities["karakol"], now)
        assert day is not None
        assert await s.store.claim_summary("karakol", GROUP, day)  # the dead leader's claim
        daily = DailySummaries(s.sender, w, clock=clock)
        assert await daily.catch_up() == 0, "a fresh claim may still be sending"
        clock.advance(minutes=11)
        assert await daily.catch_up() == 1
        assert await daily.catch_up() == 0
        assert len(s.texts()) == 1
        daily.start()
        retry = daily.scheduler.get_job("summary:retry")  # type: ignore[union-attr]
        assert retry is not None and retry.trigger.interval == RETRY_EVERY
        await daily.stop()


@pytest.mark.parametrize("lang", ["ru", "ky"])
async def test_the_daily_summary_notes_a_signal_with_the_ranking_without_it(
    tmp_path: Path, world: World, lang: str
) -> None:
    db = tmp_path / "citybot.sqlite3"
    await _farmed(db)
    async with Setup(db, _world(world, lang)) as s:
        assert await s.sender.send_city("karakol", "2026-05-01") == 1
        (text,) = s.texts()
    headline, note, without = {
        "ru": ("1. Дороги — 12 (55%)", "4 из 22 (18%)", "Без них: 1. Питьевая вода — 10"),
        "ky": ("1. Жолдор — 12 (55%)", "22 тургундан 4 (18%)", "Аларсыз: 1. Ичүүчү суу — 10"),
    }[lang]
    assert headline in text and note in text and without in text
    assert text.index(headline) < text.index(note), "the plain ranking stays the headline"
    assert "7916" not in text and "9967" not in text, "no number in the working group's chat"


async def test_a_new_round_starts_the_summary_afresh_and_names_it(db: Path, world: World) -> None:
    from datetime import timedelta

    from flows.rounds import OpenRound

    clock = FakeClock()
    async with Setup(db, _world(world, "ru"), clock) as s:
        await s.sender.send_city("karakol", "2026-05-01")
        assert "Этап" not in s.texts()[-1]
        clock.advance(hours=2)
        made = OpenRound(
            "karakol", "Бюджет 2027", "2027-жылдын бюджети", "2026-05-01", "2026-06-30",
            clock.now - timedelta(minutes=30),
        )  # fmt: skip
        (round_id,) = await s.store.commit_operator("cli:op", [made])
        for n in range(2):
            answer = Answer(
                version=1, city="karakol", district="mtu3", round=round_id,
                items=[Item(category="heating")],
            )  # fmt: skip
            await s.store.commit(
                ResidentRef("tg", str(700 + n)), Conversation(), [SaveAnswer(answer)]
            )
        clock.advance(days=1)
        await s.sender.send_city("karakol", "2026-05-02")
        text = s.texts()[-1]
        assert "Этап «Бюджет 2027», 01.05.2026 — 30.06.2026" in text
        assert "1. Отопление — 2 (100%)\n" in text, "the round's own figures, no arrows"
        assert "▲" not in text and "▼" not in text
        assert "с прошлой сводки" not in text
