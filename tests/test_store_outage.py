"""While the database cannot be used (a full disk, a file made read-only) residents are told
to send their message again (in their language) instead of silence, the scheduled jobs do
not log a traceback a second, the errors are counted; and everything works again after."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot import metrics
from bot.i18n import Texts, html_to_plain
from bot.pipeline import Pipeline
from bot.scheduler import every
from flows.session import Inbound, Turn
from flows.world import World
from storage.base import ResidentRef, StoreUnavailable
from storage.sqlite import SqliteStore

TEXTS = Texts(strict=True)


async def _say(pipeline: Pipeline, who: ResidentRef, event: Inbound) -> str:
    turns: list[Turn] = []

    async def deliver(turn: Turn) -> None:
        turns.append(turn)

    await pipeline.resident(who, event, deliver)
    (turn,) = turns
    return "\n".join(html_to_plain(TEXTS.reply_html(turn.lang, r, None)) for r in turn.replies)


async def _never(turn: Turn) -> None:
    raise AssertionError(f"nothing is said to a webhook's resident: {turn}")


async def test_residents_are_asked_to_send_again_and_nothing_half_stored(
    tmp_path: Path, world: World
) -> None:
    async with SqliteStore(tmp_path / "citybot.db") as store:
        pipeline = Pipeline(store, world)
        ana, bek = ResidentRef("tg", "8101"), ResidentRef("tg", "8102")
        before = metrics.METRICS.errors.values.get(("store_unavailable",), 0)
        store.guard.problem = lambda: "citybot.db is missing or not writable"  # type: ignore[method-assign]
        said = await _say(pipeline, ana, Inbound("command", command="start", lang_hint="ru"))
        assert "Извините, что-то пошло не так" in said and "попробуйте ещё раз" in said
        said = await _say(pipeline, bek, Inbound("command", command="start", lang_hint="ky"))
        assert "Кечиресиз" in said, said
        # From a webhook the platform sends it again unless acknowledged: no apology, an error
        # for the webhook to answer 500 (tests/test_webhook_server.py, through real HTTP).
        with pytest.raises(StoreUnavailable):
            await pipeline.resident(ana, Inbound("text", text="ямы"), _never, redelivered=True)
        assert metrics.METRICS.errors.values.get(("store_unavailable",), 0) == before + 3

        del store.guard.problem  # the disk has room again
        said = await _say(pipeline, ana, Inbound("command", command="start", lang_hint="ru"))
        assert "Извините" not in said
        assert (await store.load(ana)).version is not None, "stored now"


async def test_scheduled_jobs_stay_quiet_while_the_store_is_unavailable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        raise StoreUnavailable("citybot.db is missing or not writable")

    with caplog.at_level(logging.INFO):
        scheduler = every(job, timedelta(seconds=0.05))
        try:
            for _ in range(200):
                if runs >= 3:
                    break
                await asyncio.sleep(0.02)
        finally:
            scheduler.shutdown(wait=False)
    assert runs >= 3
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback a tick"


async def test_our_own_events_and_a_flood_get_no_apology(tmp_path: Path, world: World) -> None:
    async with SqliteStore(tmp_path / "citybot.db") as store:
        pipeline = Pipeline(store, world)
        who = ResidentRef("tg", "8201")
        store.guard.problem = lambda: "citybot.db is missing or not writable"  # type: ignore[method-assign]
        turns: list[Turn] = []

        async def deliver(turn: Turn) -> None:
            turns.append(turn)

        for command in ("nudge", "blocked"):  # a reminder, a block: nobody to apologise to
            await pipeline.resident(who, Inbound("system", command=command), deliver)
        assert turns == []
        for n in range(45):
            await pipeline.resident(who, Inbound("text", text=f"ямы {n}"), deliver)
        assert 30 <= len(turns) < 45, "the flood limit holds during an outage too"
