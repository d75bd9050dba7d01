"""The council's export of a big city: `citybot export` (XLSX and CSV) on N answers seeded
straight into a SQLite file; wall time, CPU time and peak RSS of each run."""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import load_world
from storage.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[1]
CITY = "karakol"
WORDS = (
    "пробки на Ахунбаева",
    "шум по ночам",
    "нет газа в доме",
    "көчөдө жарык жок",
    "=HYPERLINK(1)",
    "жолдо чуңкур көп",
    "мало парковок у школы",
)


async def _schema(db_path: Path) -> None:
    async with SqliteStore(db_path):  # every migration, exactly as the bot would run them
        pass


def seed(db_path: Path, answers: int, seed_value: int = 13) -> tuple[int, float]:
    """N residents' current answers of 1 to 5 problems (3 on average, some in own words),
    inserted with executemany in one transaction: not the turn path (that would take hours
    for a million), so the counters are filled by SQL from the answers at the end, the same
    aggregate `tallies(recount=True)` computes. Returns (answer items, seconds)."""
    import asyncio

    began = time.perf_counter()
    asyncio.run(_schema(db_path))
    world = load_world()
    city = world.cities[CITY]
    ids = [c for c in world.shown[CITY].ids if c != "other"]
    districts = [d.id for d in city.districts]
    rng = random.Random(seed_value)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")  # only while seeding the benchmark database
    rounds = "round_id" in {row[1] for row in db.execute("PRAGMA table_info(tally_respondents)")}
    db.execute("BEGIN")
    residents, rows, items, total = [], [], [], 0
    for n in range(1, answers + 1):
        # Over 90 days, in order; a tenth give no district.
        at = (start + timedelta(seconds=n * 90 * 86400 // answers)).isoformat(
            timespec="microseconds"
        )
        district = rng.choice(districts) if rng.random() > 0.1 else None
        picked = rng.sample(ids, rng.choice((1, 2, 3, 3, 4, 5)))
        residents.append((n, str(n), CITY, district, at, at))
        rows.append((n, n, CITY, district, at))
        for rank, category in enumerate(picked, 1):
            words = None
            if rng.random() < 0.15:
                category, words = "other", f"{rng.choice(WORDS)} {n % 997}"
            items.append((n, rank, category, words))
        if len(residents) >= 50_000 or n == answers:
            db.executemany(
                "INSERT INTO residents (id, channel, external_id, lang, city, district,"
                " created_at, updated_at) VALUES (?, 'wa', ?, 'ru', ?, ?, ?, ?)",
                residents,
            )
            db.executemany(
                "INSERT INTO answers (id, resident_id, version, is_current, city, district,"
                " created_at) VALUES (?, ?, 1, 1, ?, ?, ?)",
                rows,
            )
            db.executemany(
                "INSERT OR IGNORE INTO answer_items (answer_id, rank, category, text)"
                " VALUES (?, ?, ?, ?)",
                items,
            )
            total += len(items)
            residents, rows, items = [], [], []
    key = "round_id, " if rounds else ""
    zero = "0, " if rounds else ""
    db.execute(
        f"INSERT INTO tally_respondents ({key}city, district, respondents)"
        f" SELECT {zero}city, coalesce(district, ''), count(*) FROM answers"
        " GROUP BY city, coalesce(district, '')"
    )
    db.execute(
        f"INSERT INTO tally_categories ({key}city, district, category, count, score)"
        f" SELECT {zero}a.city, coalesce(a.district, ''), i.category, count(*), sum(6 - i.rank)"
        " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
        " GROUP BY a.city, coalesce(a.district, ''), i.category"
    )
    db.execute("COMMIT")
    db.close()
    return total, time.perf_counter() - began


def one_run(db_path: Path, fmt: str, out: Path) -> tuple[float, float, float]:
    """The real CLI in a child process: (wall s, CPU s, peak RSS MiB) from wait4."""
    env = {**os.environ, "CITYBOT_DATABASE": str(db_path), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "bot.cli", "export", "--city", CITY, "--format", fmt]
    began = time.perf_counter()
    child = subprocess.Popen(
        [*command, "--out", str(out)], cwd=ROOT, env=env, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"export failed ({child.returncode}): {error}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # KiB on Linux


def spread(values: list[float], unit: str) -> str:
    return f"{min(values):8.1f} / {statistics.median(values):8.1f} / {max(values):8.1f} {unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=1_000_000, help="residents' answers")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--db", type=Path, help="reuse (or keep) the seeded database here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "export.sqlite3"
        if not db_path.exists():
            items, took = seed(db_path, args.answers)
            print(f"seeded {args.answers:,} answers ({items:,} items) in {took:.0f} s")
        mib = db_path.stat().st_size / 2**20
        print(f"database {mib:.0f} MiB; {args.runs} runs each, min / median / max")
        for fmt in args.formats.split(","):
            out = Path(tmp) / f"export.{fmt}"
            walls, cpus, peaks = [], [], []
            for _ in range(args.runs):
                wall, cpu, peak = one_run(db_path, fmt, out)
                walls.append(wall)
                cpus.append(cpu)
                peaks.append(peak)
            size = out.stat().st_size / 2**20
            print(f"{fmt:5} file {size:6.0f} MiB")
            print(f"      wall {spread(walls, 's')}   CPU {spread(cpus, 's')}")
            print(f"      peak RSS {spread(peaks, 'MiB')}")


if __name__ == "__main__":
    main()
