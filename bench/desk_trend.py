"""The desk's trend read on a round of N answers (SQLite): every item streamed into Python, as
it was, against the database's counts per UTC hour and category (store.answer_hours), as it
is. Prints min / median / max milliseconds of each.

    .venv/bin/python bench/desk_trend.py [--answers 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.desk.pages import day_counts  # noqa: E402
from flows.session import Answer, Conversation, Item, SaveAnswer  # noqa: E402
from storage.base import ResidentRef, Store  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402

CATEGORIES = ["roads", "drinking_water", "air_pollution", "waste", "stray_dogs", "lighting"]
ZONE = ZoneInfo("Asia/Bishkek")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def streamed(store: Store) -> Counter[str]:
    """The trend's read before answer_hours: every item of the round through Python."""
    answers: Counter[str] = Counter()
    named: dict[str, Counter[str]] = {}
    async for batch in store.export_stream("karakol"):
        for item in batch:
            day = item.answered_at.astimezone(ZONE).date().isoformat()
            answers[day] += item.rank == 1
            named.setdefault(item.category, Counter())[day] += 1
    return answers


async def counted(store: Store) -> Counter[str]:
    return (await day_counts(store, "karakol", {}, ZONE)).answers


async def main(answers: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock()
        store = SqliteStore(Path(folder) / "citybot.db", clock=clock)
        await store.open()
        try:
            for n in range(answers):  # three minutes apart: 20,000 answers span six weeks
                clock.now += timedelta(minutes=3)
                items = [Item(category=CATEGORIES[(n + k) % 6]) for k in range(5)]
                saved = Answer(version=1, city="karakol", district="mtu1", items=items)
                await store.commit(
                    ResidentRef("tg", str(10_000 + n)), Conversation(), [SaveAnswer(saved)]
                )
            assert await streamed(store) == await counted(store), "both read the same days"
            for name, read in (("streamed", streamed), ("per hour", counted)):
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    await read(store)
                    times.append((time.perf_counter() - started) * 1000)
                times.sort()
                print(
                    f"{answers} answers, {name}: {times[0]:.0f} / {times[len(times) // 2]:.0f}"
                    f" / {times[-1]:.0f} ms (min / median / max of {runs})"
                )
        finally:
            await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.answers, options.runs))
