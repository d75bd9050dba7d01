"""/healthz and /metrics: the real `citybot run` in long-polling mode (one HTTP server in
every mode), the token on /metrics, a port already taken, and the webhook app in-process."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.pipeline import Pipeline
from bot.web import STATUS_PATH, TELEGRAM_PATH, WHATSAPP_PATH, build_web
from flows.session import Inbound, Turn
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import BotAPIServer, FakeBotAPI, free_port
from tests.test_startup_failures import TOKEN, BotProcess

RESIDENT = 555000111  # must never show in /metrics
METRICS_TOKEN = "scrape-token-of-the-metrics-tests"
_ids = itertools.count(1)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition: (name, labels) -> value."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str):
    return found.get((name, frozenset(labels.items())), 0.0)


class PolledResident:
    """A resident whose updates the bot fetches with getUpdates from the fake Bot API."""

    def __init__(self, api: FakeBotAPI, chat_id: int) -> None:
        self.api, self.chat_id = api, chat_id
        self.user = {"id": chat_id, "is_bot": False, "first_name": "R", "language_code": "ru"}

    def _answers(self) -> int:
        return sum(
            1
            for api, p in self.api.calls
            if api in ("sendMessage", "editMessageText") and int(p["chat_id"]) == self.chat_id
        )

    async def _update(self, **fields: Any) -> None:
        before = self._answers()
        self.api.updates.append({"update_id": next(_ids), **fields})
        deadline = time.monotonic() + 15
        while self._answers() == before:
            assert time.monotonic() < deadline, "the bot did not answer"
            await asyncio.sleep(0.05)

    def _message(self, **fields: Any) -> dict[str, Any]:
        chat = {"id": self.chat_id, "type": "private"}
        return {"message_id": next(_ids), "date": int(time.time()), "chat": chat, **fields}

    async def command(self, text: str) -> None:
        entity = {"type": "bot_command", "offset": 0, "length": len(text)}
        await self._update(
            message=self._message(**{"from": self.user}, text=text, entities=[entity])
        )

    @property
    def buttons(self) -> tuple[int, list[dict[str, Any]]]:
        for message_id, shown in reversed(self.api.screens(self.chat_id)):
            markup = shown.get("reply_markup")
            if markup:
                return message_id, [b for row in markup["inline_keyboard"] for b in row]
        return 0, []

    async def press(self, data: str) -> None:
        message_id = self.buttons[0]
        message = {
            **self._message(**{"from": self.user}, text="(buttons)"),
            "message_id": message_id,
        }
        query = {
            "id": str(next(_ids)),
            "from": self.user,
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
        await self._update(callback_query=query)

    async def tap(self, label: str) -> None:
        (button,) = [b for b in self.buttons[1] if label in b["text"]]
        await self.press(button["callback_data"])


async def healthy(http: httpx.AsyncClient, within: float = 30.0) -> httpx.Response:
    """/healthz once it answers 200 (the store opens after getMe)."""
    deadline = time.monotonic() + within
    while True:
        try:
            got = await http.get("/healthz")
            if got.status_code == 200:
                return got
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("no healthy /healthz")
        await asyncio.sleep(0.05)


# --- long polling: the real process ---------------------------------------------------------


async def test_polling_serves_healthz_and_metrics_that_move(tmp_path: Path) -> None:
    port = free_port()
    env = {"CITYBOT_PORT": str(port)}
    async with BotAPIServer(TOKEN) as server, BotProcess(tmp_path, server.base_url, **env) as bot:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            health = await healthy(http)
            assert health.json() == {
                "status": "ok",
                "database": True,
                "telegram": True,
                "whatsapp": False,
            }
            assert (await http.post(TELEGRAM_PATH, content=b"{}")).status_code == 404, (
                "no webhook routes without CITYBOT_PUBLIC_URL"
            )
            r = PolledResident(server.api, RESIDENT)
            await r.command("/start")
            if any("Каракол" in b["text"] for b in r.buttons[1]):
                await r.tap("Каракол")
            await r.tap("МТУ №1")
            featured = next(b for b in r.buttons[1] if not b["text"].startswith("✓"))
            await r.press(featured["callback_data"])  # a featured problem: saved at once
            scraped = await http.get("/metrics")
        code = await bot.stop()
    assert code == 0
    bot.assert_clean()
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert str(RESIDENT) not in text, "no resident identifier in the metrics"
    found = samples(text)
    assert value(found, "citybot_updates_total", channel="tg", kind="command") == 1
    assert value(found, "citybot_updates_total", channel="tg", kind="choice") >= 2
    turns = value(found, "citybot_turn_seconds_count", channel="tg")
    assert turns >= 3
    assert value(found, "citybot_commit_seconds_count", actor="resident") == turns
    assert value(found, "citybot_residents_answered_today", city="karakol", channel="tg") == 1
    assert value(found, "citybot_telegram_429_total") == 0
    assert value(found, "citybot_process_resident_memory_bytes") > 0
    assert all(
        family.name.startswith("citybot_") for family in text_string_to_metric_families(text)
    )


async def test_metrics_token_is_required_when_set(tmp_path: Path) -> None:
    port = free_port()
    env = {"CITYBOT_PORT": str(port), "CITYBOT_METRICS_TOKEN": METRICS_TOKEN}
    async with BotAPIServer(TOKEN) as server, BotProcess(tmp_path, server.base_url, **env) as bot:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            await healthy(http)  # /healthz stays public
            bare = await http.get("/metrics")
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
            right = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        code = await bot.stop()
    assert (bare.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert "citybot_updates" in right.text
    assert code == 0
    assert METRICS_TOKEN not in bot.stderr


async def test_a_port_already_taken_is_one_line_and_a_nonzero_exit(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"CITYBOT_PORT": str(port)}
        async with (
            BotAPIServer(TOKEN) as server,
            BotProcess(tmp_path, server.base_url, **env) as bot,
        ):
            code = await bot.ended(within=30)
    assert code == 1
    assert bot.lines == [
        f"citybot: cannot listen on 127.0.0.1:{port} (address already in use);"
        " set CITYBOT_HOST / CITYBOT_PORT"
    ]
    assert server.api.count("getMe") == 0, "checked before anything else starts"
    bot.assert_clean()


# --- the webhook app, in-process ------------------------------------------------------------


async def test_webhook_app_metrics_in_process(tmp_path: Path, world: World) -> None:
    fresh = metrics.reset()  # the hooks report here from now on: counts start at zero
    store = SqliteStore(tmp_path / "citybot.sqlite3")
    await store.open()
    try:
        pipeline = Pipeline(store, world)
        heard: list[Turn] = []

        async def deliver(turn: Turn) -> None:
            heard.append(turn)

        who = ResidentRef("local", str(RESIDENT))
        await pipeline.resident(who, Inbound("command", command="start"), deliver, "l:1")
        await pipeline.resident(who, Inbound("command", command="start"), deliver, "l:1")  # dup
        app = build_web(store, "https://bot.example.kg", metrics=fresh, metrics_token=METRICS_TOKEN)
        paths = {getattr(route, "path", "") for route in app.routes}
        assert {TELEGRAM_PATH, WHATSAPP_PATH, STATUS_PATH, "/healthz", "/metrics"} <= paths
        polling = build_web(store, None, metrics=fresh)
        assert {getattr(route, "path", "") for route in polling.routes} == {"/healthz", "/metrics"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.5") as http:
            refused = await http.get("/metrics")
            got = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            health = await http.get("/healthz")
    finally:
        await store.close()
    assert refused.status_code == 401
    assert got.status_code == 200 and str(RESIDENT) not in got.text
    found = samples(got.text)
    assert value(found, "citybot_updates_total", channel="local", kind="command") == 2
    assert value(found, "citybot_turn_seconds_count", channel="local") == 2
    assert value(found, "citybot_commit_seconds_count", actor="resident") == 1, "dup: no commit"
    assert health.json() == {"status": "ok", "database": True, "telegram": False, "whatsapp": False}
    assert len(heard) == 1
