"""Telegram over real HTTP: `citybot run` (pinned to one core) vs a stock PTB echo bot."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.http_fake import LeanBotAPI
from storage.base import ResidentRef
from storage.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:TEST-not-a-real-token-http-bench"
SECRET = "bench-http-webhook-secret"
TICKS = os.sysconf("SC_CLK_TCK")
# One resident's survey (12 updates): taps name their button by the callback data's
# "<kind>:<argument>" on the latest keyboard (optional ones only when shown), typed text.
SURVEY: list[tuple[str, str]] = [
    ("text", "/start"),
    ("tap?", "c:karakol"),
    ("tap", "d:mtu1"),
    ("tap", "p:roads"),
    ("text", "школы"),
    ("tap", "x:others"),
    ("tap", "g:utilities"),
    ("tap", "p:drinking_water"),
    ("text", "бродячие собаки"),
    ("text", "нет освещения на улицах"),
    ("tap", "x:ok"),
    ("tap", "S:1"),
]
ECHO = [("text", f"echo {n}") for n in range(len(SURVEY))]
REPLY_WITHIN = 60.0  # seconds a resident waits for a reply before the run counts a loss


@dataclass
class Run:
    name: str
    updates: int = 0
    lost: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu: float = 0.0
    rss_mib: float = 0.0
    durable: int | None = None

    @property
    def rate(self) -> float:
        return self.updates / self.elapsed if self.elapsed else 0.0

    def line(self) -> str:
        q = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0] * 99
        cpu_ms = self.cpu / self.updates * 1000 if self.updates else 0.0
        durable = "" if self.durable is None else f"; durable answers {self.durable}"
        return (
            f"{self.name:<24} {self.updates:>6} updates in {self.elapsed:6.2f}s ="
            f" {self.rate:6.0f} updates/s  p50 {q[49] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms"
            f"  CPU {cpu_ms:5.2f} ms/update  peak RSS {self.rss_mib:4.0f} MiB"
            f"  lost {self.lost}{durable}"
        )


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Driver:
    """Residents in a closed loop: each next update only after the bot's reply arrived."""

    def __init__(self, api: LeanBotAPI) -> None:
        self.api = api
        self.ids = itertools.count(1)

    def update(self, uid: int, kind: str, value: str) -> dict[str, Any] | None:
        user = {"id": uid, "is_bot": False, "first_name": "R", "language_code": "ru"}
        chat = {"id": uid, "type": "private"}
        n = next(self.ids)
        if kind == "text":
            message: dict[str, Any] = {"message_id": n, "date": 0, "chat": chat, "text": value}
            message["from"] = user
            if value.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(value)}]
            return {"update_id": n, "message": message}
        shown = self.api.chats[uid]
        data = next((b["callback_data"] for b in shown.buttons if b.get("callback_data", "")
                     .endswith("." + value)), None)  # fmt: skip
        if data is None:
            return None
        message = {"message_id": shown.message_id, "date": 0, "chat": chat, "text": "."}
        query = {"id": str(n), "from": user, "chat_instance": "c", "data": data}
        query["message"] = message
        return {"update_id": n, "callback_query": query}

    async def resident(self, uid: int, script: list[tuple[str, str]], run: Run) -> None:
        chat = self.api.chats[uid]
        loop = asyncio.get_running_loop()
        for kind, value in script:
            found = self.update(uid, kind, value)
            if found is None:
                if kind != "tap?":
                    run.lost += 1
                continue
            chat.waiter = loop.create_future()
            t0 = time.perf_counter()
            self.api.send(found)
            try:
                await asyncio.wait_for(chat.waiter, REPLY_WITHIN)
            except TimeoutError:
                run.lost += 1
                continue
            run.latencies.append(time.perf_counter() - t0)
            run.updates += 1

    async def drive(self, first: int, residents: int, script: list[tuple[str, str]], run: Run):
        start = time.perf_counter()
        await asyncio.gather(*(self.resident(first + i, script, run) for i in range(residents)))
        run.elapsed += time.perf_counter() - start


async def wait_for(condition: Any, within: float, what: str, proc: Any) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if proc.returncode is not None:
            raise SystemExit(f"the bot ended ({proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise SystemExit(f"no {what} within {within} s")
        await asyncio.sleep(0.05)


async def bench_one(
    name: str, command: list[str], env: dict[str, str], mode: str, residents: int, db: Path | None
) -> Run:
    """Start the bot pinned to core 0, warm it up, drive the residents, stop it."""
    api = LeanBotAPI(TOKEN)
    await api.start()
    # Every mode serves HTTP (/healthz, /metrics): a free port, not 8080.
    with contextlib.closing(__import__("socket").socket()) as s:
        s.bind(("127.0.0.1", 0))
        web_port = s.getsockname()[1]
    env = {**env, "CITYBOT_PORT": str(web_port)}
    if mode == "webhook":
        api.webhook, api.secret = f"http://127.0.0.1:{web_port}/telegram/webhook", SECRET
        env = {**env, "CITYBOT_PUBLIC_URL": "https://bot.bench.example.kg"}
        env |= {"TELEGRAM_WEBHOOK_SECRET": SECRET}
    env = {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url}
    proc = await asyncio.create_subprocess_exec(
        "taskset", "-c", "0", *command, env=env, cwd=str(ROOT),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    run = Run(name)
    try:
        ready = "setWebhook" if mode == "webhook" else "getUpdates"
        await wait_for(lambda: api.calls[ready] > 0, 60, ready, proc)
        driver = Driver(api)
        script = SURVEY if db is not None else ECHO
        warm = Run("warm-up")
        if mode == "webhook":  # the server may answer only a moment after setWebhook
            await asyncio.sleep(1.0)
        await driver.drive(10_000_000, 5, script, warm)  # imports, first connections
        cpu0 = cpu_seconds(proc.pid)
        await driver.drive(1_000_000, residents, script, run)
        run.cpu = cpu_seconds(proc.pid) - cpu0
        run.rss_mib = peak_rss_mib(proc.pid)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        err = await proc.stderr.read() if proc.stderr else b""
        await api.stop()
    if "Traceback" in err.decode(errors="replace"):
        print(err.decode(errors="replace")[-3000:])
    if mode == "polling":
        print(
            f"  getUpdates: {api.calls['getUpdates']} calls, {api.polled} updates handed out,"
            f" {api.polling_wait:.1f} s waited with none"
        )
    if api.webhook_errors:
        print(f"  webhook answers other than 200: {api.webhook_errors}")
    if db is not None:
        run.durable = await durable(db, residents)
    return run


async def durable(db: Path, residents: int) -> int:
    """Residents whose confirmed list of five is in the database file."""
    store = SqliteStore(db)
    await store.open()
    try:
        found = 0
        for i in range(residents):
            history = await store.answer_history(ResidentRef("tg", str(1_000_000 + i)))
            found += bool(history and len(history[-1].items) == 5)
        return found
    finally:
        await store.close()


def base_env(tmp: Path, db: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CITYBOT_"))}
    return {**keep, "PYTHONPATH": str(ROOT), "CITYBOT_DATABASE": str(db),
            "CITYBOT_LOG_LEVEL": "WARNING", "HOME": str(tmp)}  # fmt: skip


async def main_async(args: argparse.Namespace) -> None:
    python = sys.executable
    modes = ["polling", "webhook"] if args.mode == "both" else [args.mode]
    transports = ["aiohttp", "httpx"] if args.transport == "both" else [args.transport]
    with tempfile.TemporaryDirectory() as tmp:
        echo_db = Path(tmp) / "echo.sqlite3"
        echo_cmd = [python, str(ROOT / "bench" / "http_echo.py")]
        echo = await bench_one(
            "echo (stock PTB, polling)", echo_cmd, base_env(Path(tmp), echo_db), "polling",
            args.residents, None,
        )  # fmt: skip
        print(echo.line(), flush=True)
        for mode, transport in itertools.product(modes, transports):
            db = Path(tmp) / f"{mode}-{transport}.sqlite3"
            env = base_env(Path(tmp), db) | {"BENCH_TRANSPORT": transport}
            command = [python, str(ROOT / "bench" / "http_bot.py")]
            if args.profile:
                out = Path(args.profile) / f"citybot-{mode}-{transport}.prof"
                command = [python, "-m", "cProfile", "-o", str(out), command[1]]
            survey = await bench_one(
                f"survey {mode} {transport}", command, env, mode, args.residents, db
            )
            print(f"{survey.line()}  survey/echo {survey.rate / echo.rate:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--mode", choices=["polling", "webhook", "both"], default="both")
    parser.add_argument("--transport", choices=["aiohttp", "httpx", "both"], default="both")
    parser.add_argument("--profile", metavar="DIR", help="cProfile the bot into DIR/*.prof")
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) >= 2:
        os.sched_setaffinity(0, {cpus[1]})  # the bot gets core 0 (taskset), we core 1
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cpus; bot pinned to core 0, fake Bot"
        f" API + residents on core {cpus[1] if len(cpus) >= 2 else cpus[0]}; Python"
        f" {platform.python_version()}; {platform.platform()}"
    )
    print(f"residents: {args.residents} at once, {len(SURVEY)} updates each, closed loop")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
