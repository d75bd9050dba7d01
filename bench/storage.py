"""Storage benchmark per engine: turns/s and commit latency, sequential vs. concurrent."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

# Running `python bench/storage.py` puts bench/ first on sys.path, where this very file would
# shadow the `storage` package: put the repository root in front of it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.session import (
    Answer,
    Conversation,
    Effect,
    Item,
    SaveAnswer,
    SetLanguage,
    SetSubscribed,
    Step,
)
from storage.base import ResidentRef, Store
from storage.sqlite import SqliteStore

CATEGORIES = ("roads", "water", "air", "transport", "dogs")


def turn(t: int, turns: int, version: int) -> tuple[Conversation, list[Effect]]:
    """A survey-shaped turn: language first, a growing draft, a saved answer at the end."""
    items = [
        Item(category=c, text="своими словами" if i % 2 else None)
        for i, c in enumerate(CATEGORIES[: t % 6])
    ]
    conv = Conversation(
        step=Step.PROBLEMS, city="bishkek", district="leninsky", items=items, page=t
    )
    effects: list[Effect] = []
    if t == 0:
        effects.append(SetLanguage("ky"))
    if t == turns - 1:
        effects.append(
            SaveAnswer(Answer(version=version, city="bishkek", district="leninsky", items=items))
        )
        effects.append(SetSubscribed(True))
    return conv, effects


class Recorder:
    """Latencies in milliseconds and the number of completed turns."""

    def __init__(self) -> None:
        self.commit_ms: list[float] = []
        self.load_ms: list[float] = []
        self.turns = 0


async def resident_turns(
    store: Store, who: ResidentRef, turns: int, rec: Recorder, deadline: float
) -> None:
    for t in range(turns):
        if time.perf_counter() > deadline:
            return
        start = time.perf_counter()
        loaded = await store.load(who, f"{who.external_id}:{t}")
        rec.load_ms.append((time.perf_counter() - start) * 1000)
        version = loaded.session.answer.version + 1 if loaded.session.answer else 1
        conv, effects = turn(t, turns, version)  # stands in for the step function
        start = time.perf_counter()
        # Version-checked, as the service commits (two processes may share the database).
        await store.commit(who, conv, effects, f"{who.external_id}:{t}", expected=loaded.version)
        rec.commit_ms.append((time.perf_counter() - start) * 1000)
        rec.turns += 1


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


async def phase(
    name: str, store: Store, residents: int, turns: int, concurrent: bool, limit: float
) -> float:
    rec = Recorder()
    async with store:
        whos = [ResidentRef("tg", f"{name}-{n}") for n in range(residents)]
        deadline = time.perf_counter() + limit
        start = time.perf_counter()
        if concurrent:
            await asyncio.gather(*(resident_turns(store, w, turns, rec, deadline) for w in whos))
        else:
            for who in whos:
                await resident_turns(store, who, turns, rec, deadline)
        elapsed = time.perf_counter() - start
    cut = " (time limit hit)" if rec.turns < residents * turns else ""
    commit = f"commit p50 {pct(rec.commit_ms, 50):7.2f} ms  p99 {pct(rec.commit_ms, 99):7.2f} ms"
    load = f"load p50 {pct(rec.load_ms, 50):6.2f} ms  p99 {pct(rec.load_ms, 99):6.2f} ms"
    rate = rec.turns / elapsed
    print(f"{name:<34} {rec.turns:>6} turns in {elapsed:6.2f} s = {rate:8.0f} turns/s{cut}")
    print(f"{'':<34} {commit} | {load}")
    stats = getattr(store, "stats", None)  # SQLite's group commit
    if stats is not None:
        per_batch = stats.turns / max(stats.batches, 1)
        print(
            f"{'':<34} {stats.batches} write transactions, {per_batch:.1f} turns each on"
            f" average, largest {stats.largest_batch}"
        )
    return rate


async def engine_runs(
    engine: str, make: Callable[[str], Awaitable[Store]], args: argparse.Namespace
) -> None:
    seq = args.sequential_residents or args.residents
    rates: list[float] = []
    for run in range(1, args.runs + 1):
        await phase(
            f"{engine} (a) sequential, run {run}",
            await make(f"a{run}"),
            seq,
            args.turns,
            False,
            args.limit,
        )
        rates.append(
            await phase(
                f"{engine} (b) {args.residents} concurrent, run {run}",
                await make(f"b{run}"),
                args.residents,
                args.turns,
                True,
                args.limit,
            )
        )
    rates.sort()
    print(
        f"{engine}: (b) turns/s over {len(rates)} run(s): min {rates[0]:.0f}"
        f" / median {statistics.median(rates):.0f} / max {rates[-1]:.0f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=500, help="concurrent residents in (b)")
    parser.add_argument("--turns", type=int, default=10, help="turns per resident")
    parser.add_argument(
        "--sequential-residents", type=int, default=None, help="residents in (a), default as (b)"
    )
    parser.add_argument("--limit", type=float, default=25.0, help="seconds per phase at most")
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go")
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-durability", choices=["full", "normal"], default="full")
    parser.add_argument(
        "--runs", type=int, default=1, help="repeat each figure (3: min/median/max)"
    )
    args = parser.parse_args()

    cpu = platform.processor() or platform.machine()
    print(f"machine: {platform.platform()}, {cpu}, cpus={os.cpu_count()}")
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        if "sqlite" in engines:
            print(f"SQLite files in {tmp} (WAL, synchronous=NORMAL)")

            async def sqlite_store(name: str) -> Store:
                return SqliteStore(Path(tmp) / f"{name}.db")

            await engine_runs("sqlite", sqlite_store, args)
        if "postgres" in engines:
            from tests.postgres_server import DURABLE, create_database, start_postgres

            # "full": every commit waits for its WAL fsync; "normal": fsync on, commits do not
            # wait for it (synchronous_commit off: a server crash loses nothing, an OS crash
            # the last fraction of a second), which is SQLite's WAL + synchronous=NORMAL.
            settings = dict(DURABLE)
            if args.pg_durability == "normal":
                settings["synchronous_commit"] = "off"
            server = start_postgres(overrides=settings)
            print(
                f"{server.version} on 127.0.0.1:{server.port}, durability {args.pg_durability}"
                f" ({settings})"
            )
            try:
                from storage.postgres import PostgresStore

                async def postgres_store(name: str) -> Store:
                    return PostgresStore(await create_database(server, f"bench_{name}"))

                await engine_runs("postgres", postgres_store, args)
            finally:
                server.stop()


if __name__ == "__main__":
    asyncio.run(main())
