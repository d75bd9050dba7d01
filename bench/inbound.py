"""Inbound throughput: residents take the survey through PTB + our adapter + SQLite, vs echo."""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest, RequestData

from bench.machine import pin_and_describe
from bot.config import load_world
from bot.i18n import Texts
from bot.pipeline import Pipeline
from bot.telegram import TelegramChannel
from storage.base import ResidentRef
from storage.sqlite import SqliteStore

TOKEN = "123456:bench-token"
BOT = {"id": 1, "is_bot": True, "first_name": "bench", "username": "bench_bot"}

# One resident's survey: a mix of taps (by label, on the latest keyboard: buttons carry their
# screen's number) and typed answers, Karakol, five problems, subscribe.
SCRIPT: list[tuple[str, str]] = [
    ("text", "/start"),
    ("tap", "Каракол"),
    ("tap", "МТУ №1"),
    ("tap", "Дороги"),
    ("text", "школы"),
    ("tap", "Другие темы"),
    ("tap", "Вода, тепло"),
    ("tap", "Питьевая вода"),
    ("text", "бродячие собаки"),
    ("text", "нет освещения на улицах"),
    ("tap", "Всё верно"),
    ("tap", "Да, присылать"),
]


class NullBotAPI(BaseRequest):
    """Answers in-process with minimal work, so the figure measures PTB and our code."""

    def __init__(self) -> None:
        self.sent = 0
        self._mid = 0
        self.calls: collections.Counter[str] = collections.Counter()
        # chat -> (the message with the latest buttons, those buttons)
        self.keyboards: dict[int, tuple[int, list[dict[str, str]]]] = {}

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]
        self.calls[api] += 1
        if api in ("sendMessage", "editMessageText"):
            self.sent += 1
            p = request_data.parameters if request_data else {}
            if api == "sendMessage":
                self._mid += 1
            mid = int(p["message_id"]) if api == "editMessageText" else self._mid
            markup = p.get("reply_markup")
            if markup:
                markup = json.loads(markup) if isinstance(markup, str) else markup
                rows = markup["inline_keyboard"]
                self.keyboards[int(p["chat_id"])] = (mid, [b for row in rows for b in row])
            result: Any = {
                "message_id": mid,
                "date": 0,
                "chat": {"id": int(p["chat_id"]), "type": "private"},
                "text": "x",
            }
        elif api == "getMe":
            result = BOT
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


def update(uid: int, n: int, kind: str, value: str) -> dict[str, Any]:
    user = {"id": uid, "is_bot": False, "first_name": "R", "language_code": "ru"}
    chat = {"id": uid, "type": "private"}
    message = {"message_id": n, "date": 0, "chat": chat, "from": user, "text": value}
    if kind == "text":
        if value.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(value)}]
        return {"update_id": n, "message": message}
    query = {"id": str(n), "from": user, "chat_instance": "c", "data": value, "message": message}
    return {"update_id": n, "callback_query": query}


async def drive(
    app: Application, residents: int, script: list[tuple[str, str]], api: NullBotAPI
) -> tuple[float, list[float]]:
    """Every resident sends the script, each update after the previous one was answered."""
    latencies: list[float] = []
    counter = iter(range(1, 10**9))

    def data(uid: int, label: str) -> str:
        """The latest keyboard's button with this label (an echo bot shows none: any data)."""
        _, buttons = api.keyboards.get(uid, (0, []))
        return next((b["callback_data"] for b in buttons if label in b["text"]), label)

    async def resident(uid: int) -> None:
        for kind, value in script:
            value = data(uid, value) if kind == "tap" else value
            u = Update.de_json(update(uid, next(counter), kind, value), app.bot)
            t0 = time.perf_counter()
            await app.process_update(u)
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(resident(1_000_000 + i) for i in range(residents)))
    return time.perf_counter() - start, latencies


def report(name: str, updates: int, elapsed: float, latencies: list[float]) -> float:
    q = statistics.quantiles(latencies, n=100)
    rate = updates / elapsed
    print(
        f"{name:<8} {updates:>7} updates in {elapsed:6.2f}s = {rate:8.0f} updates/s   "
        f"p50 {q[49] * 1000:6.2f} ms   p99 {q[98] * 1000:6.2f} ms"
    )
    return rate


async def survey_run(residents: int, db: Path, name: str = "survey") -> tuple[float, int]:
    world = load_world()
    store = SqliteStore(db)
    await store.open()
    channel = TelegramChannel(Pipeline(store, world), Texts())
    api = NullBotAPI()
    app = channel.build(TOKEN, "http://127.0.0.1:9/bot", request=api)
    await app.initialize()
    try:
        elapsed, lat = await drive(app, residents, SCRIPT, api)
        rate = report(name, residents * len(SCRIPT), elapsed, lat)
        # Durability check: every resident's confirmed answer is in the database.
        durable = 0
        for i in range(residents):
            history = await store.answer_history(ResidentRef("tg", str(1_000_000 + i)))
            durable += bool(history and len(history[-1].items) == 5)
        print(f"         replies sent: {api.sent}; durable answers: {durable}/{residents}")
    finally:
        await app.shutdown()
        await store.close()
    return rate, durable


async def echo_run(residents: int) -> float:
    api = NullBotAPI()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is not None:
            if update.callback_query:
                await update.callback_query.answer()
            await context.bot.send_message(chat.id, "echo")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url("http://127.0.0.1:9/bot")
        .request(api)
        .get_updates_request(api)
        .concurrent_updates(256)
        .build()
    )
    app.add_handler(TypeHandler(Update, echo))
    await app.initialize()
    try:
        elapsed, lat = await drive(app, residents, SCRIPT, api)
        return report("echo", residents * len(SCRIPT), elapsed, lat)
    finally:
        await app.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--light", type=int, default=10, help="residents in the light run")
    parser.add_argument("--cores", type=int, default=1, help="pin the process to N cores")
    args = parser.parse_args()
    print(pin_and_describe(args.cores))
    print(f"residents: {args.residents}, {len(SCRIPT)} updates each (taps and typed text)")
    with tempfile.TemporaryDirectory() as tmp:
        survey, durable = asyncio.run(survey_run(args.residents, Path(tmp) / "bench.sqlite3"))
        # Under full load latency is mostly queueing (Little's law); a light load shows the
        # cost of one update end to end.
        asyncio.run(survey_run(args.light, Path(tmp) / "light.sqlite3", name="light"))
    echo = asyncio.run(echo_run(args.residents))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"survey / echo = {survey / echo:.2f}; peak RSS {peak:.0f} MiB")
    if durable != args.residents:
        raise SystemExit("some confirmed answers are missing")


if __name__ == "__main__":
    main()
