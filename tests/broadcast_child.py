"""Runs the broadcast engine in its own process (for the kill test): the fake Bot API appends
every delivered chat id to a file, so deliveries survive the process being killed."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot

from bot.broadcast import BroadcastEngine
from bot.i18n import Texts
from storage.sqlite import SqliteStore
from tests.fake_telegram import RateLimitedBotAPI
from tests.outbounds import telegram_out


class RecordingAPI(RateLimitedBotAPI):
    def __init__(self, log: Path, limit: float) -> None:
        super().__init__(limit)
        self.log = log.open("a", buffering=1)  # line-buffered: each delivery hits the file

    async def do_request(self, url, method, request_data=None, *a, **k):  # type: ignore[no-untyped-def]
        before = sum(self.delivered.values())
        result = await super().do_request(url, method, request_data, *a, **k)
        if sum(self.delivered.values()) > before:
            params = dict(request_data.parameters) if request_data else {}
            self.log.write(f"{params['chat_id']}\n")
        return result


async def main(db: str, log: str, announcement: int, rate: float, lease: float) -> None:
    api = RecordingAPI(Path(log), rate)
    async with SqliteStore(db) as store, Bot("1:T", base_url="http://x/bot", request=api) as bot:
        engine = BroadcastEngine(store, Texts(), telegram=telegram_out(bot, rate))
        engine.lease = timedelta(seconds=lease)
        print("started", flush=True)
        # Until everyone is sent: a dead process's claims come back when their lease ends.
        while (await engine.run(announcement, "child")).pending:  # noqa: ASYNC110 - the store
            await asyncio.sleep(0.2)
    print("finished", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(args[0], args[1], int(args[2]), float(args[3]), float(args[4])))
