"""The survey over HTTP against 1-3 `citybot run` webhook instances on PostgreSQL, 1 on SQLite."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from aiohttp import ClientConnectionError, ClientSession

from bench.http_fake import LeanBotAPI
from bench.http_transport import REPLY_WITHIN, SURVEY, TICKS, TOKEN, Driver
from tests.postgres_server import PostgresServer, create_database, drop_database, start_postgres

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-instances-webhook-secret"
PUBLIC = "https://bot.bench.example.kg"
START_WITHIN = 90.0  # seconds for every instance to answer /healthz (they start at once)
WARM_UP = 5  # residents taking one survey before the measured window
# PostgreSQL durability: tests/postgres_server.py runs with fsync off; "normal" is fsync on
# with synchronous_commit off (close to SQLite's WAL + synchronous=NORMAL, which the bot
# uses: a crash of the process loses nothing, one of the machine may lose the last moment);
# "full" waits for the WAL flush at every commit.
DURABILITY = {
    "test": {},
    "normal": {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "off"},
    "full": {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on"},
}


class RoundRobinBotAPI(LeanBotAPI):
    """The lean fake Bot API, posting each update to the next instance in turn (as a load
    balancer in front of them would); a failed post goes to the next one."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.webhooks: list[str] = []
        self._turn: Iterator[int] = itertools.count()

    def next_webhook(self) -> str:
        return self.webhooks[next(self._turn) % len(self.webhooks)]


@dataclass
class Figures:
    """One measured window."""

    updates: int = 0
    lost: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    bot_cpu: float = 0.0  # seconds, every instance together
    bot_system: float = 0.0  # of it, in the kernel (loopback TCP to the fake and PostgreSQL)
    pg_cpu: float | None = None  # seconds, the PostgreSQL server's processes
    commits: int | None = None  # pg_stat_database.xact_commit over the window
    writes: int | None = None  # transaction ids assigned (write transactions)
    finished: list[int] = field(default_factory=list)  # users who took the whole survey
    durable: int = 0  # of those, whose five problems are stored
    errors: int = 0  # webhook posts answered other than 200 (then posted again)

    def quantile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return 0.0
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000

    @property
    def rate(self) -> float:
        return self.updates / self.elapsed if self.elapsed else 0.0

    def measures(self) -> dict[str, float | None]:
        per = max(self.updates, 1)
        return {
            "updates/s": self.rate,
            "p50 ms": self.quantile(50),
            "p99 ms": self.quantile(99),
            "bot CPU ms/update": self.bot_cpu / per * 1000,
            "of it kernel %": self.bot_system / self.bot_cpu * 100 if self.bot_cpu else None,
            "PG CPU ms/update": None if self.pg_cpu is None else self.pg_cpu / per * 1000,
            "commits/s": None if self.commits is None else self.commits / self.elapsed,
            "commits/update": None if self.commits is None else self.commits / per,
            "writes/update": None if self.writes is None else self.writes / per,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    """`pid` and the processes it started (a PostgreSQL server's backends)."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rpartition(")")[2].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def cpu_of(pids: list[int]) -> dict[int, tuple[float, float]]:
    """(user, system) CPU seconds of each process still there."""
    out = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            out[pid] = (int(fields[11]) / TICKS, int(fields[12]) / TICKS)
    return out


def spent(
    before: dict[int, tuple[float, float]], after: dict[int, tuple[float, float]]
) -> tuple[float, float]:
    """(user, system) seconds between two readings (a process that started between: all)."""
    user = sum(u - before.get(p, (0.0, 0.0))[0] for p, (u, _) in after.items())
    system = sum(s - before.get(p, (0.0, 0.0))[1] for p, (_, s) in after.items())
    return user, system


def postmaster(server: PostgresServer) -> int:
    return int((server.data_dir / "postmaster.pid").read_text().split()[0])


async def configure(server: PostgresServer, durability: str) -> None:
    settings = DURABILITY[durability]
    if not settings:
        return
    con = await asyncpg.connect(server.dsn())
    try:
        for name, value in settings.items():
            await con.execute(f"ALTER SYSTEM SET {name} = '{value}'")
        await con.execute("SELECT pg_reload_conf()")
    finally:
        await con.close()


async def pg_counters(dsn: str) -> tuple[int, int]:
    """(xact_commit of the database, the next transaction id of the cluster)."""
    con = await asyncpg.connect(dsn)
    try:
        commits = await con.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        xmax = await con.fetchval("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
        return int(commits), int(xmax)
    finally:
        await con.close()


async def durable_answers(database: str, users: list[int]) -> int:
    """Of these Telegram users, those whose current answer names five problems."""
    if not users:
        return 0
    ids = ", ".join(f"'{u}'" for u in users)  # our own integers
    query = (
        "SELECT count(*) FROM residents AS r JOIN answers AS a ON a.resident_id = r.id"
        f" AND a.is_current = 1 WHERE r.channel = 'tg' AND r.external_id IN ({ids})"
        " AND (SELECT count(*) FROM answer_items AS i WHERE i.answer_id = a.id) = 5"
    )
    if database.startswith("postgresql://"):
        con = await asyncpg.connect(database)
        try:
            return int(await con.fetchval(query))
        finally:
            await con.close()
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as db:
        return int(db.execute(query).fetchone()[0])


class Load:
    """Residents in a closed loop for a while: each takes the survey as a new Telegram user,
    again and again; the next update only once the bot's reply to the last one arrived."""

    def __init__(self, api: RoundRobinBotAPI, first_user: int) -> None:
        self.api, self.driver = api, Driver(api)
        self.users = itertools.count(first_user)

    async def resident(self, until: float, figures: Figures, once: bool = False) -> None:
        loop = asyncio.get_running_loop()
        while time.perf_counter() < until:
            uid = next(self.users)
            for kind, value in SURVEY:
                if time.perf_counter() >= until:
                    return
                update = self.driver.update(uid, kind, value)
                if update is None:
                    if kind != "tap?":
                        figures.lost += 1
                        break  # the rest of this survey cannot follow
                    continue
                chat = self.api.chats[uid]
                chat.waiter = loop.create_future()
                started = time.perf_counter()
                self.api.send(update)
                try:
                    await asyncio.wait_for(chat.waiter, REPLY_WITHIN)
                except TimeoutError:
                    figures.lost += 1
                    break
                figures.latencies.append(time.perf_counter() - started)
                figures.updates += 1
            else:
                figures.finished.append(uid)
            self.api.chats.pop(uid, None)  # done with this user: keep the fake's memory flat
            if once:
                return


async def run_once(
    kind: str,
    instances: int,
    args: argparse.Namespace,
    server: PostgresServer | None,
    tmp: Path,
    run: int,
) -> Figures:
    """Start the instances on a fresh database, warm up, measure `args.seconds`, stop."""
    dsn: str | None = None
    if kind == "postgres":
        assert server is not None
        dsn = await create_database(server)
        database = dsn
    else:
        database = str(tmp / f"bench-{run}.sqlite3")
    api = RoundRobinBotAPI(TOKEN)
    await api.start()
    api.secret = SECRET
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CITYBOT_"))}
    env |= {
        # The repository first; an existing PYTHONPATH after it (a profiler, an experiment).
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "HOME": str(tmp),
        "CITYBOT_DATABASE": database,
        "CITYBOT_LOG_LEVEL": "WARNING",
        "CITYBOT_PUBLIC_URL": PUBLIC,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
    }
    ports = [free_port() for _ in range(instances)]
    api.webhooks = [f"http://127.0.0.1:{p}/telegram/webhook" for p in ports]
    api.webhook = api.webhooks[0]  # webhook mode (LeanBotAPI.send); _post picks the instance
    procs: list[asyncio.subprocess.Process] = []
    logs = [tmp / f"{kind}-{instances}-{run}-{n}.log" for n in range(instances)]
    figures = Figures()
    try:
        for port, log in zip(ports, logs, strict=True):
            with log.open("wb") as err:  # a file, not a pipe nobody reads while it runs
                procs.append(
                    await asyncio.create_subprocess_exec(
                        *args.taskset,
                        sys.executable,
                        "-m",
                        "bot.cli",
                        "run",
                        env={**env, "CITYBOT_PORT": str(port)},
                        cwd=str(tmp),
                        stdout=asyncio.subprocess.DEVNULL,
                        stderr=err,
                    )
                )
        await healthy(ports, procs, logs)
        load = Load(api, first_user=(run + 1) * 10_000_000)
        warm = Figures()
        await asyncio.gather(
            *(load.resident(float("inf"), warm, once=True) for _ in range(WARM_UP))
        )  # imports, connections, the first charts of nothing
        if warm.lost:
            tail = "\n".join(log.read_text(errors="replace")[-2000:] for log in logs)
            raise SystemExit(f"the warm-up lost {warm.lost} updates:\n{tail}")
        pids = [p.pid for p in procs]
        pg_pids = children(postmaster(server)) if server is not None and dsn else []
        bot0, pg0 = cpu_of(pids), cpu_of(pg_pids)
        # Backends publish their statistics at most once a second (idle ones after 10 s):
        # a few warm-up commits may land in the window (tens, against thousands).
        counters0 = await pg_counters(dsn) if dsn else None
        errors0 = api.webhook_errors
        started = time.perf_counter()
        until = started + args.seconds
        await asyncio.gather(*(load.resident(until, figures) for _ in range(args.residents)))
        figures.elapsed = time.perf_counter() - started
        user, system = spent(bot0, cpu_of(pids))
        figures.bot_cpu, figures.bot_system = user + system, system
        if dsn and server is not None:
            figures.pg_cpu = sum(spent(pg0, cpu_of(children(postmaster(server)))))
        figures.errors = api.webhook_errors - errors0
    finally:
        await stop(procs, logs)
        await api.stop()
    if dsn and counters0 is not None:
        # After the instances stopped: every backend flushed its statistics as it ended.
        commits, xmax = await pg_counters(dsn)
        figures.commits, figures.writes = commits - counters0[0], xmax - counters0[1]
    figures.durable = await durable_answers(database, figures.finished)
    if dsn and server is not None:
        await drop_database(server, dsn.rsplit("/", 1)[1])
    return figures


async def healthy(
    ports: list[int], procs: list[asyncio.subprocess.Process], logs: list[Path]
) -> None:
    deadline = time.monotonic() + START_WITHIN
    async with ClientSession() as http:
        for port, proc, log in zip(ports, procs, logs, strict=True):
            while True:
                if proc.returncode is not None:
                    err = log.read_text(errors="replace")[-3000:]
                    raise SystemExit(f"an instance ended ({proc.returncode}):\n{err}")
                with contextlib.suppress(ClientConnectionError):
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as got:
                        if got.status == 200:
                            break
                if time.monotonic() > deadline:
                    raise SystemExit(f"no healthy instance on port {port} in {START_WITHIN} s")
                await asyncio.sleep(0.1)


async def stop(procs: list[asyncio.subprocess.Process], logs: list[Path]) -> None:
    for proc in procs:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    for proc, log in zip(procs, logs, strict=False):
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        err = log.read_text(errors="replace")
        if "Traceback" in err:
            print(err[-3000:], file=sys.stderr)


def spread(values: list[float | None], digits: int) -> str:
    """min / median / max (or the one value) of a measure over the runs."""
    got = [v for v in values if v is not None]
    if not got:
        return "—"
    if len(got) == 1:
        return f"{got[0]:,.{digits}f}"
    return " / ".join(f"{v:,.{digits}f}" for v in (min(got), statistics.median(got), max(got)))


COLUMNS = [  # measure, digits
    ("updates/s", 0),
    ("p50 ms", 0),
    ("p99 ms", 0),
    ("bot CPU ms/update", 2),
    ("of it kernel %", 0),
    ("PG CPU ms/update", 2),
    ("commits/s", 0),
    ("commits/update", 2),
    ("writes/update", 2),
]


async def main_async(args: argparse.Namespace) -> None:
    setups = [("postgres", n) for n in args.instances] + ([("sqlite", 1)] if args.sqlite else [])
    server: PostgresServer | None = None
    if any(kind == "postgres" for kind, _ in setups):
        server = start_postgres()
        print(f"PostgreSQL: {server.version}; durability {args.durability}", flush=True)
        await configure(server, args.durability)
        if args.taskset:
            # The server's processes (and the backends it forks from now on) share the bots'
            # cores, so the load generator keeps its own.
            for pid in children(postmaster(server)):
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(pid, args.bot_cpus)
    try:
        with tempfile.TemporaryDirectory(prefix="citybot-bench-") as tmp:
            for kind, n in setups:
                runs = []
                for run in range(args.runs):
                    figures = await run_once(kind, n, args, server, Path(tmp), run)
                    runs.append(figures)
                    print(
                        f"  {kind} x{n} run {run + 1}: {figures.updates} updates in"
                        f" {figures.elapsed:.1f} s, lost {figures.lost}, webhook errors"
                        f" {figures.errors}, surveys finished {len(figures.finished)},"
                        f" stored {figures.durable}",
                        flush=True,
                    )
                name = f"{n} instance{'s' if n > 1 else ''} on {kind}"
                cells = [
                    f"{label} {spread([r.measures()[label] for r in runs], digits)}"
                    for label, digits in COLUMNS
                ]
                print(f"{name:<26} " + "; ".join(cells), flush=True)
    finally:
        if server is not None:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=200, help="at once, closed loop")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window per run")
    parser.add_argument("--runs", type=int, default=1, help="runs per setup (min/median/max)")
    parser.add_argument(
        "--instances", type=int, nargs="+", default=[1, 2, 3], help="PostgreSQL setups"
    )
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false")
    parser.add_argument("--durability", choices=sorted(DURABILITY), default="normal")
    parser.add_argument(
        "--pin",
        action="store_true",
        help="the load and the fake Bot API on the last CPU, the bots and PostgreSQL on the rest",
    )
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    args.taskset, args.bot_cpus = [], set(cpus)
    if args.pin and len(cpus) >= 2:
        args.bot_cpus = set(cpus[:-1])
        args.taskset = ["taskset", "-c", ",".join(map(str, cpus[:-1]))]
        os.sched_setaffinity(0, {cpus[-1]})
    layout = (
        f"bots + PostgreSQL on CPUs {sorted(args.bot_cpus)}, load + fake Bot API on {cpus[-1]}"
        if args.taskset
        else "no pinning (bots, PostgreSQL, load and fake Bot API share every CPU)"
    )
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cpus; {layout}; Python"
        f" {platform.python_version()}; {platform.platform()}"
    )
    print(
        f"residents: {args.residents} at once, closed loop, {len(SURVEY)} updates per survey"
        f" (webhook, round-robin over the instances), {args.seconds:.0f} s measured per run,"
        f" {args.runs} run(s) per setup"
    )
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
