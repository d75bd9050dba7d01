"""Ranking speed: a city ranking and summary from the counters vs a naive recount of answers,
on a database of N respondents (5 problems each) across the three pilot cities."""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import pin_and_describe
from bot import summaries
from bot.config import load_world
from bot.i18n import Texts
from bot.summaries import summary_chart
from flows.summary import summary_parts
from flows.world import World
from storage import migrations
from storage.sqlite import SqliteStore


def build(db_path: Path, world: World, respondents: int, seed: int = 7) -> float:
    """Fill a database directly (bulk SQL, not the turn path) and the counters by the same
    statements the migration uses. Returns seconds taken."""
    began = time.perf_counter()
    rng = random.Random(seed)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")  # only while building the benchmark database
    migrations.migrate(db)
    (counters,) = [m for m in migrations.MIGRATIONS if m.name == "ranking counters"]
    cities = list(world.cities.values())
    weights = [c.population or 1 for c in cities]
    now = datetime.now(UTC).isoformat()
    db.execute("BEGIN")
    batch_residents, batch_answers, batch_items = [], [], []
    for n in range(1, respondents + 1):
        city = rng.choices(cities, weights)[0]
        district = rng.choice(city.districts).id if rng.random() > 0.1 else None
        ids = world.shown[city.id].ids
        # Residents agree on some problems more than others: a skewed pick.
        picked: list[str] = []
        while len(picked) < 5:
            cid = ids[min(int(rng.expovariate(0.15)), len(ids) - 1)]
            if cid not in picked:
                picked.append(cid)
        batch_residents.append((n, "wa", str(n), "ru", city.id, district, now, now))
        batch_answers.append((n, n, city.id, district, now))
        batch_items.extend((n, rank, cid) for rank, cid in enumerate(picked, 1))
        if len(batch_residents) >= 50_000 or n == respondents:
            db.executemany(
                "INSERT INTO residents (id, channel, external_id, lang, city, district,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                batch_residents,
            )
            db.executemany(
                "INSERT INTO answers (id, resident_id, version, is_current, city, district,"
                " created_at) VALUES (?, ?, 1, 1, ?, ?, ?)",
                batch_answers,
            )
            db.executemany(
                "INSERT INTO answer_items (answer_id, rank, category) VALUES (?, ?, ?)",
                batch_items,
            )
            batch_residents, batch_answers, batch_items = [], [], []
    # The counters, filled by the same statements the migration backfills them with.
    for statement in counters.statements:
        if statement.strip().startswith("INSERT"):
            db.execute(statement)
    db.execute("COMMIT")
    db.close()
    return time.perf_counter() - began


def timed(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"median {statistics.median(ms):8.2f} ms   max {ms[-1]:8.2f} ms"


async def measure(db_path: Path, world: World, repeat: int) -> None:
    texts = Texts()
    t0 = time.perf_counter()
    summary_chart(world, texts, summaries.city_ranking(world, "karakol", {}), "ru")
    print(f"first chart of the process (imports matplotlib): {time.perf_counter() - t0:.2f} s")
    async with SqliteStore(db_path) as store:
        for city in world.cities:
            rank_times, summary_times, chart_times, recount_times = [], [], [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                ranking = await summaries.compute(store, world, city)
                t1 = time.perf_counter()
                for lang in ("ru", "ky"):
                    summaries.render(texts, lang, summary_parts(world, ranking, lang))
                t2 = time.perf_counter()
                summary_chart(world, texts, ranking, "ky")
                t3 = time.perf_counter()
                rank_times.append(t1 - t0)
                summary_times.append(t1 - t0 + (t2 - t1) / 2)
                chart_times.append(t1 - t0 + (t2 - t1) / 2 + (t3 - t2))
            for _ in range(max(1, repeat // 5)):
                t0 = time.perf_counter()
                recounted = await store.tallies(city, recount=True)
                recount_times.append(time.perf_counter() - t0)
            assert recounted == await store.tallies(city), "counters differ from a recount"
            print(f"{city:<11} respondents {ranking.overall.respondents:>9,}")
            print(f"  ranking from counters        {timed(rank_times)}")
            print(f"  ranking + summary text       {timed(summary_times)}")
            print(f"  full summary with chart      {timed(chart_times)}")
            print(f"  naive recount of answers     {timed(recount_times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", type=Path, help="reuse (or create) this database file")
    parser.add_argument("--cores", type=int, default=1, help="pin the process to N cores")
    args = parser.parse_args()
    print(pin_and_describe(args.cores))
    world = load_world()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "rankings.sqlite3"
        if not db_path.exists():
            seconds = build(db_path, world, args.respondents)
            print(f"built {args.respondents:,} respondents (5 problems each) in {seconds:.1f} s")
        asyncio.run(measure(db_path, world, args.repeat))


if __name__ == "__main__":
    main()
