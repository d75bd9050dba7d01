"""Broadcast through the running bot: `citybot run` (core 0) against a fake Bot API over HTTP
(core 1), an announcement made with `citybot announce`; deliveries/s, duplicates, losses, CPU."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import pin_and_describe
from flows.session import Answer, Conversation, Item, SaveAnswer, SetSubscribed
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import BotAPIServer, RateLimitedBotAPI, free_port

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:TEST-not-a-real-token-broadcast-bench"
CITYBOT = str(ROOT / ".venv" / "bin" / "citybot")
FIRST_CHAT = 100_000
ANNOUNCE = [
    "announce", "--city", "karakol", "--when", "05.12.2099 15:00", "--yes",
    "--title-ru", "Бюджет 2027", "--title-ky", "2027-жылдын бюджети",
    "--place-ru", "Мэрия", "--place-ky", "Мэрия",
    "--agenda-ru", "Проект", "--agenda-ky", "Долбоор",
]  # fmt: skip
MODES = {  # fake API limit (/s), bot env
    "paid": (1000.0, {"TELEGRAM_PAID_BROADCAST": "1", "TELEGRAM_BROADCAST_RATE": "1000"}),
    "free": (30.0, {"TELEGRAM_BROADCAST_RATE": "25"}),
}


class TimedBotAPI(RateLimitedBotAPI):
    """The rate-limited fake, also noting when each delivery to a subscriber arrived."""

    def __init__(self, limit: float, latency: float) -> None:
        super().__init__(limit, latency=latency)
        self.times: list[float] = []
        self.arrivals: list[tuple[float, bool]] = []  # every sendMessage: when, accepted
        self.faults["sendMessage"] = self._timed

    def _timed(self, params: dict[str, Any]) -> tuple[int, dict] | None:
        refused = self._gate(params)
        self.arrivals.append((time.monotonic(), refused is None))
        if refused is None and int(params["chat_id"]) >= FIRST_CHAT:
            self.times.append(time.monotonic())
        return refused

    def subscribers(self) -> dict[int, int]:
        return {chat: n for chat, n in self.delivered.items() if chat >= FIRST_CHAT}


@dataclass
class Figures:
    rate: float  # deliveries/s, first to last
    delivered: int
    duplicates: int
    losses: int
    too_many: int
    cpu: float  # the bot's CPU share (1.0 = one core) over the broadcast
    fake_cpu: float  # this process's (the fake API's) share
    cpu_per_message: float  # the bot's CPU seconds per delivery
    waited: float  # share of the time the bot was runnable but another process had core 0
    seconds: float


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_delay(pid: int) -> float:
    """Seconds a process's threads waited for a CPU while runnable (/proc/<pid>/schedstat of
    each task): high means other processes took the core, not that we were slow."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a thread that just ended
    return total / 1e9


async def seed(db: Path, subscribers: int) -> None:
    answer = Answer(version=1, city="karakol", district="mtu1", items=[Item(category="roads")])
    async with SqliteStore(db) as store:
        await asyncio.gather(
            *(
                store.commit(
                    ResidentRef("tg", str(FIRST_CHAT + n)),
                    Conversation(),
                    [SaveAnswer(answer), SetSubscribed(True)],
                )
                for n in range(subscribers)
            )
        )


async def one_run(
    mode: str, subscribers: int, latency: float, tmp: Path, profile: Path | None
) -> Figures:
    limit, extra = MODES[mode]
    db = tmp / "bench.sqlite3"
    await seed(db, subscribers)
    api = TimedBotAPI(limit, latency)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CITYBOT_"))},
        "PYTHONPATH": str(ROOT),
        "CITYBOT_DATABASE": str(db),
        "CITYBOT_CITY": "karakol",
        "CITYBOT_PORT": str(free_port()),  # every mode serves /healthz and /metrics
        "CITYBOT_LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        **extra,
    }
    if profile is not None:
        command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "bot.cli", "run"]
    else:
        command = [CITYBOT, "run"]
    log = (tmp / "bot.log").open("wb")
    # The fake is a measuring instrument: its own collector pauses (tens of ms with the
    # seeded store's objects around) bunched its reading of requests into 429s of its own.
    gc.collect()
    gc.freeze()
    async with BotAPIServer(TOKEN, api) as server:
        env["TELEGRAM_API_BASE_URL"] = server.base_url
        bot = await asyncio.create_subprocess_exec(
            "taskset", "-c", "0", *command, cwd=tmp, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while api.count("getUpdates") == 0:  # polling: the bot is up
                if bot.returncode is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the bot did not start: {(tmp / 'bot.log').read_text()}")
                await asyncio.sleep(0.05)
            made = await asyncio.create_subprocess_exec(
                CITYBOT, *ANNOUNCE, cwd=tmp, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            if await made.wait() != 0:
                raise SystemExit(f"citybot announce failed: {await _stderr(made)}")
            rate = float(extra["TELEGRAM_BROADCAST_RATE"])
            deadline = time.monotonic() + subscribers / min(limit, rate) * 2 + 60
            # (time, deliveries, bot CPU, bot's wait for a core, fake's CPU) when deliveries
            # were first seen and when last: the figures cover the broadcast, not the idle.
            samples: list[tuple[float, int, float, float, float]] = []
            seen = 0
            while time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                if len(api.times) != seen:
                    seen = len(api.times)
                    sample = (
                        time.monotonic(),
                        seen,
                        cpu_seconds(bot.pid),
                        run_delay(bot.pid),
                        cpu_seconds(os.getpid()),
                    )
                    samples[1:] = [sample] if samples else []
                    if not samples:
                        samples.append(sample)
                quiet = not samples or time.monotonic() - samples[-1][0] > 1
                if len(api.subscribers()) >= subscribers and quiet:
                    break  # everyone has it, and a second without anything more (duplicates)
            first, last = samples[0], samples[-1]
            wall = max(last[0] - first[0], 1e-9)
            cpu = (last[2] - first[2]) / wall
            cpu_per_message = (last[2] - first[2]) / max(last[1] - first[1], 1)
            waited = (last[3] - first[3]) / wall
            fake_cpu = (last[4] - first[4]) / wall
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(bot.wait(), 20)
                except TimeoutError:
                    bot.kill()
                    await bot.wait()
            log.close()
            errors = (tmp / "bot.log").read_text(errors="replace").splitlines()
            if errors:
                print(f"  the bot logged {len(errors)} lines; last: {errors[-3:]}")
    delivered = api.subscribers()
    times = api.times
    if os.environ.get("BENCH_ARRIVALS"):
        _explain_refusals(api.arrivals)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    return Figures(
        rate=(len(times) - 1) / span if len(times) > 1 else 0.0,
        delivered=sum(delivered.values()),
        duplicates=sum(n - 1 for n in delivered.values() if n > 1),
        losses=subscribers - len(delivered),
        too_many=api.too_many,
        cpu=cpu,
        fake_cpu=fake_cpu,
        cpu_per_message=cpu_per_message,
        waited=waited,
        seconds=span,
    )


def _explain_refusals(arrivals: list[tuple[float, bool]]) -> None:
    """Where 429s came from: before each first refusal of a burst, how the accepted arrivals
    of the previous second were spread (the longest gap, and how many came just after it)."""
    import bisect
    import itertools

    at = [t for t, _ok in arrivals]
    last_burst = -10.0
    for i, (t, ok) in enumerate(arrivals):
        if ok or t - last_burst < 1.0:
            continue
        last_burst = t
        lo = bisect.bisect_left(at, t - 1.0)
        window = at[lo:i]
        gaps = [(b - a, j) for j, (a, b) in enumerate(itertools.pairwise(window))]
        gap, j = max(gaps) if gaps else (0.0, 0)
        after = sum(1 for x in window[j + 1 :] if x - window[j + 1] < 0.05) if gaps else 0
        print(
            f"  429 at +{t - at[0]:.3f} s: {len(window)} in the second before; longest gap"
            f" {gap * 1000:.0f} ms at -{(t - window[j]) * 1000:.0f} ms, then {after} in 50 ms"
        )


async def _stderr(proc: asyncio.subprocess.Process) -> str:
    assert proc.stderr is not None
    return (await proc.stderr.read()).decode(errors="replace")[-2000:]


def spread(values: list[float], fmt: str) -> str:
    return " / ".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=sorted(MODES), default="paid")
    parser.add_argument("--subscribers", type=int, help="default: 5000 paid, 500 free")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per API call")
    parser.add_argument("--profile", type=Path, help="cProfile the bot into this file (1 run)")
    args = parser.parse_args()
    subscribers = args.subscribers or (5000 if args.mode == "paid" else 500)
    limit, extra = MODES[args.mode]
    rate = float(extra["TELEGRAM_BROADCAST_RATE"])
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[1]})  # the bot gets core 0
    print(pin_and_describe(0) + "; bot on core 0 (taskset), bench + fake API on core 1")
    wiring = (ROOT / "bot" / "telegram.py").read_text()
    if "AiohttpRequest(" in wiring:
        print("transport: bot/telegram_http.py AiohttpRequest (aiohttp)")
    else:
        print("transport: PTB HTTPXRequest (httpx)")
    print(
        f"mode {args.mode}: {subscribers} subscribers, fake limit {limit:.0f}/s, latency "
        f"{args.latency * 1000:.0f} ms, bot env {extra}"
    )
    runs: list[Figures] = []
    for n in range(1 if args.profile else args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            f = asyncio.run(one_run(args.mode, subscribers, args.latency, Path(tmp), args.profile))
        runs.append(f)
        print(
            f"run {n + 1}: {f.delivered} delivered in {f.seconds:.1f} s = {f.rate:.1f}/s "
            f"({f.rate / rate:.1%} of the rate); duplicates {f.duplicates}; losses {f.losses}; "
            f"429s {f.too_many}; bot CPU {f.cpu:.0%} of a core, "
            f"{f.cpu_per_message * 1000:.2f} ms a message, waited for the core {f.waited:.0%}; "
            f"fake API CPU {f.fake_cpu:.0%}"
        )
    rates = [f.rate for f in runs]
    print(
        f"deliveries/s min/median/max: {spread(rates, '.1f')} "
        f"({spread([r / rate for r in rates], '.1%')} of the bot's {rate:.0f}/s); "
        f"bot CPU {spread([f.cpu for f in runs], '.0%')}, "
        f"ms a message {spread([f.cpu_per_message * 1000 for f in runs], '.2f')}; "
        f"duplicates {sum(f.duplicates for f in runs)}, losses {sum(f.losses for f in runs)}"
    )


if __name__ == "__main__":
    main()
