"""WhatsApp throughput: residents take the survey through the real webhook server (uvicorn),
signed Twilio posts in, replies through the bot's outbound to a local fake Twilio API.

Layout (`--layout`): `split` (the default with 2+ cores) runs the bot (uvicorn, pipeline,
store, outbound) in this process pinned to one core, and the load (signed posts, the fake
Twilio API that records the replies) in a child process pinned to another, so the figure is
the bot's and not the load generator's; `shared` runs everything in one process on one core."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import resource
import socket
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# The repository root instead of bench/ (a module here must not shadow the standard library's).
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import uvicorn
from twilio.request_validator import RequestValidator

from bench.machine import pin_and_describe
from bot.config import load_world
from bot.i18n import Texts
from bot.lifecycle import UVICORN_SETTINGS
from bot.pipeline import Pipeline
from bot.web import build_web
from bot.whatsapp import WhatsAppChannel
from bot.whatsapp_out import WhatsAppOutbound
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_twilio import FakeTwilioAPI

PUBLIC = "https://citybot.example.org"
SID = "AC" + "3" * 32
AUTH = "bench-auth-token"
SENDER = "whatsapp:+996312000000"

# One resident's survey as WhatsApp residents answer: numbers and words, no buttons.
SCRIPT = [
    "Здравствуйте",
    "2",  # Русский
    "каракол",
    "1",  # МТУ №1
    "дороги",
    "школы",
    "бродячие собаки",
    "нет освещения на улицах",
    "да",
    "готово",
    "всё верно",
    "да",  # subscribe
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wa_id(n: int) -> str:
    return f"99670{n:07d}"


class Load:
    """The residents' side: the fake Twilio API (where replies arrive) and the signed posts."""

    def __init__(self, residents: int) -> None:
        self.residents = residents
        self.twilio = FakeTwilioAPI(SID, AUTH)
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.twilio.on_message = self._on_message

    def _on_message(self, form: dict[str, str]) -> None:
        future = self.waiting.pop(form["To"], None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    async def run(self, port: int) -> tuple[float, list[float]]:
        """(seconds, latencies): every resident's whole survey, one message at a time."""
        sids = itertools.count()
        validator = RequestValidator(AUTH)
        latencies: list[float] = []
        # aiohttp as the client: httpx's connection pool costs O(connections) per request and
        # became the bottleneck of this benchmark, not the server under test.
        # Idle connections closed before the server's keep-alive (5 s) would: no reset races.
        connector = aiohttp.TCPConnector(limit=self.residents, keepalive_timeout=4)
        async with aiohttp.ClientSession(
            base_url=f"http://127.0.0.1:{port}", connector=connector
        ) as http:

            async def resident(n: int) -> None:
                address = f"whatsapp:+{wa_id(n)}"
                for body in SCRIPT:
                    form = {
                        "MessageSid": f"SM{next(sids):032d}",
                        "From": address,
                        "To": SENDER,
                        "Body": body,
                        "WaId": wa_id(n),
                        "NumMedia": "0",
                    }
                    signature = validator.compute_signature(f"{PUBLIC}/twilio/whatsapp", form)
                    reply = asyncio.get_running_loop().create_future()
                    self.waiting[address] = reply
                    started = time.perf_counter()
                    async with http.post(
                        "/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": signature}
                    ) as response:
                        response.raise_for_status()
                        await response.read()
                    latencies.append(await asyncio.wait_for(reply, 60) - started)

            began = time.perf_counter()
            await asyncio.gather(*(resident(n) for n in range(self.residents)))
            return time.perf_counter() - began, latencies


async def _load_child(residents: int, conn: Connection) -> None:
    load = Load(residents)
    loop = asyncio.get_running_loop()
    async with load.twilio:
        conn.send(load.twilio.base_url)
        port = await loop.run_in_executor(None, conn.recv)
        elapsed, latencies = await load.run(port)
        conn.send((elapsed, latencies, len(load.twilio.messages)))
        await loop.run_in_executor(None, conn.recv)  # the bot has stopped: close the fake


def load_process(residents: int, cpu: int | None, conn: Connection) -> None:
    """The child of the split layout: load generator and fake Twilio on their own core."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    asyncio.run(_load_child(residents, conn))


async def serve_bot(db: Path, twilio_url: str, port: int) -> tuple[Any, Any, Any]:
    """The bot as `citybot run` builds it for WhatsApp: store, channel, uvicorn."""
    store = SqliteStore(db)
    await store.open()
    out = WhatsAppOutbound(
        Texts(),
        store,
        account_sid=SID,
        auth_token=AUTH,
        sender=SENDER,
        api_base_url=twilio_url,
        content_base_url=twilio_url,  # quick replies and lists, as in production
        status_callback=f"{PUBLIC}/twilio/status",
    )
    channel = WhatsAppChannel(Pipeline(store, load_world()), out)
    await channel.start()
    app = build_web(store, PUBLIC, whatsapp=channel, twilio_auth_token=AUTH)
    settings = {**UVICORN_SETTINGS, "limit_concurrency": None}  # the bench's own load
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", log_config=None, **settings
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event for this)
        await asyncio.sleep(0.01)
    return store, channel, (server, serving)


async def stop_bot(store: SqliteStore, channel: WhatsAppChannel, served: Any, n: int) -> int:
    """Stop everything; how many of the `n` residents' answers are durable."""
    await channel.stop()
    server, serving = served
    server.should_exit = True
    await serving
    durable = 0
    for k in range(n):
        if await store.answer_history(ResidentRef("wa", wa_id(k))):
            durable += 1
    await store.close()
    return durable


async def run_split(residents: int, db: Path, cpus: tuple[int, int] | None) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(
        target=load_process, args=(residents, cpus[1] if cpus else None, theirs)
    )
    child.start()
    theirs.close()  # so that a child that dies is an EOFError here, not a wait forever
    loop = asyncio.get_running_loop()
    try:
        twilio_url = await loop.run_in_executor(None, ours.recv)
        port = _free_port()
        store, channel, served = await serve_bot(db, twilio_url, port)
        ours.send(port)
        cpu = time.process_time()
        elapsed, latencies, outbound = await loop.run_in_executor(None, ours.recv)
        cpu = time.process_time() - cpu
        durable = await stop_bot(store, channel, served, residents)
        ours.send("stop")
    finally:
        await loop.run_in_executor(None, child.join, 30)
        if child.is_alive():
            child.kill()
    return {
        "elapsed": elapsed,
        "latencies": latencies,
        "outbound": outbound,
        "durable": durable,
        "cpu": cpu,
    }


async def run_shared(residents: int, db: Path) -> dict[str, Any]:
    load = Load(residents)
    async with load.twilio:
        port = _free_port()
        store, channel, served = await serve_bot(db, load.twilio.base_url, port)
        cpu = time.process_time()
        elapsed, latencies = await load.run(port)
        cpu = time.process_time() - cpu
        durable = await stop_bot(store, channel, served, residents)
    outbound = len(load.twilio.messages)
    return {
        "elapsed": elapsed,
        "latencies": latencies,
        "outbound": outbound,
        "durable": durable,
        "cpu": cpu,  # bot and load together in this layout
    }


def report(residents: int, result: dict[str, Any]) -> None:
    messages = residents * len(SCRIPT)
    ms = sorted(x * 1000 for x in result["latencies"])
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{residents} residents x {len(SCRIPT)} messages = {messages} inbound, "
        f"{result['outbound']} outbound REST calls"
    )
    print(
        f"throughput {messages / result['elapsed']:8.0f} inbound messages/s   "
        f"inbound POST -> outbound REST: p50 {statistics.median(ms):.1f} ms  p99 {p99:.1f} ms"
    )
    print(
        f"CPU of this process {result['cpu'] / messages * 1000:.2f} ms per inbound message "
        "(less noisy than throughput on a shared machine)"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"durable answers {result['durable']}/{residents}; bot's peak RSS {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=200)
    available = sorted(os.sched_getaffinity(0))
    parser.add_argument(
        "--layout",
        choices=("split", "shared"),
        default="split" if len(available) >= 2 else "shared",
        help="split: bot on one core, load + fake Twilio on another; shared: one core for all",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        if args.layout == "split":
            cpus = (available[0], available[1]) if len(available) >= 2 else None
            print(pin_and_describe(1) + " (the bot; load and fake Twilio on another core)")
            result = asyncio.run(run_split(args.residents, db, cpus))
        else:
            print(pin_and_describe(1) + " (bot, fake Twilio and load share it)")
            result = asyncio.run(run_shared(args.residents, db))
    report(args.residents, result)


if __name__ == "__main__":
    main()
