"""Broadcast throughput: N subscribers against a local fake Bot API that enforces a rate limit
with 429 + retry_after; prints delivered/s (and its share of the limit), 429s, duplicates and
losses."""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot

from bench.machine import pin_and_describe
from bot.broadcast import BroadcastEngine
from bot.i18n import Texts
from flows.session import Answer, Conversation, Item, SaveAnswer, SetSubscribed
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import RateLimitedBotAPI
from tests.helpers import announce
from tests.outbounds import telegram_out
from tests.test_broadcast import CONTENT


async def run(subscribers: int, limit: float, rate: float, latency: float, db: Path) -> None:
    api = RateLimitedBotAPI(limit, latency=latency)
    async with SqliteStore(db) as store:
        answer = Answer(version=1, city="karakol", district="mtu1", items=[Item(category="roads")])
        await asyncio.gather(
            *(
                store.commit(
                    ResidentRef("tg", str(100_000 + n)),
                    Conversation(),
                    [SaveAnswer(answer), SetSubscribed(True)],
                )
                for n in range(subscribers)
            )
        )
        aid = await announce(store, "karakol", CONTENT, store._clock(), "bench")
        async with Bot("1:BENCH", base_url="http://x/bot", request=api) as bot:
            engine = BroadcastEngine(
                store, Texts(), telegram=telegram_out(bot, rate), paid_broadcast=rate > 30
            )
            began = time.perf_counter()
            counts = await engine.run(aid, "bench")
            elapsed = time.perf_counter() - began
    delivered = sum(api.delivered.values())
    duplicates = sum(n - 1 for n in api.delivered.values() if n > 1)
    losses = subscribers - len(api.delivered)
    speed = delivered / elapsed
    print(
        f"limit {limit:>6.0f}/s, engine {rate:>6.1f}/s, latency {latency * 1000:.0f} ms: "
        f"{delivered} delivered in {elapsed:6.1f} s = {speed:7.1f}/s ({speed / limit:6.1%} of "
        f"the limit); 429s {api.too_many}; duplicates {duplicates}; losses {losses}; "
        f"store says sent {counts.sent}, failed {counts.failed}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--limit", type=float, default=30.0, help="the fake API's limit (/s)")
    parser.add_argument("--rate", type=float, help="the engine's rate (default: the limit)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per API call")
    parser.add_argument("--cores", type=int, default=1)
    args = parser.parse_args()
    print(pin_and_describe(args.cores))
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(
            run(
                args.subscribers,
                args.limit,
                args.rate or args.limit,
                args.latency,
                Path(tmp) / "bench.sqlite3",
            )
        )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
