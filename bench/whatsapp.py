"""WhatsApp throughput: residents take the survey through the real webhook server (uvicorn),
signed Twilio posts in, replies through the real twilio client to a local fake Twilio API."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import resource
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import uvicorn
from twilio.request_validator import RequestValidator

from bench.machine import pin_and_describe
from bot.config import load_world
from bot.i18n import Texts
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


async def run(residents: int, db: Path) -> None:
    world = load_world()
    store = SqliteStore(db)
    await store.open()
    sids = itertools.count()
    waiting: dict[str, asyncio.Future[float]] = {}

    def on_message(form: dict[str, str]) -> None:
        future = waiting.pop(form["To"], None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    async with FakeTwilioAPI(SID, AUTH) as twilio:
        twilio.on_message = on_message
        out = WhatsAppOutbound(
            Texts(),
            store,
            account_sid=SID,
            auth_token=AUTH,
            sender=SENDER,
            api_base_url=twilio.base_url,
            content_base_url=twilio.base_url,  # quick replies and lists, as in production
            status_callback=f"{PUBLIC}/twilio/status",
        )
        channel = WhatsAppChannel(Pipeline(store, world), out)
        await channel.start()
        app = build_web(store, PUBLIC, whatsapp=channel, twilio_auth_token=AUTH)
        port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event for this)
            await asyncio.sleep(0.01)
        validator = RequestValidator(AUTH)
        latencies: list[float] = []
        # aiohttp as the client: httpx's connection pool costs O(connections) per request and
        # became the bottleneck of this benchmark, not the server under test.
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(
            base_url=f"http://127.0.0.1:{port}", connector=connector
        ) as http:

            async def resident(n: int) -> None:
                wa_id = f"99670{n:07d}"
                address = f"whatsapp:+{wa_id}"
                for body in SCRIPT:
                    form = {
                        "MessageSid": f"SM{next(sids):032d}",
                        "From": address,
                        "To": SENDER,
                        "Body": body,
                        "WaId": wa_id,
                        "NumMedia": "0",
                    }
                    signature = validator.compute_signature(f"{PUBLIC}/twilio/whatsapp", form)
                    reply = asyncio.get_running_loop().create_future()
                    waiting[address] = reply
                    started = time.perf_counter()
                    async with http.post(
                        "/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": signature}
                    ) as response:
                        response.raise_for_status()
                        await response.read()
                    latencies.append(await asyncio.wait_for(reply, 60) - started)

            began = time.perf_counter()
            await asyncio.gather(*(resident(n) for n in range(residents)))
            elapsed = time.perf_counter() - began
        await channel.stop()
        server.should_exit = True
        await serving
        messages = residents * len(SCRIPT)
        durable = 0
        for n in range(residents):
            if await store.answer_history(ResidentRef("wa", f"99670{n:07d}")):
                durable += 1
    await store.close()
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{residents} residents x {len(SCRIPT)} messages = {messages} inbound, "
        f"{len(twilio.messages)} outbound REST calls"
    )
    print(
        f"throughput {messages / elapsed:8.0f} inbound messages/s   "
        f"inbound POST -> outbound REST: p50 {statistics.median(ms):.1f} ms  p99 {p99:.1f} ms"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"durable answers {durable}/{residents}; peak RSS {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--cores", type=int, default=1, help="pin the process to N cores")
    args = parser.parse_args()
    print(pin_and_describe(args.cores) + " (server, fake Twilio and clients share it)")
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.residents, Path(tmp) / "bench.sqlite3"))


if __name__ == "__main__":
    main()
