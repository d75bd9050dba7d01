"""Two real `citybot run` processes on one database file: one resident's two messages handled
at the same moment by different processes are both stored and both confirmed."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import httpx

from flows.session import Item
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import BotAPIServer, free_port
from tests.test_startup_failures import SECRET, TOKEN, BotProcess

RESIDENTS = 90
_ids = itertools.count(1)


def _update(user: int, text: str) -> dict[str, object]:
    message: dict[str, object] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": user, "type": "private", "first_name": "Resident"},
        "from": {"id": user, "is_bot": False, "first_name": "Resident", "language_code": "ru"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": next(_ids), "message": message}


async def _post(http: httpx.AsyncClient, port: int, user: int, text: str) -> None:
    response = await http.post(
        f"http://127.0.0.1:{port}/telegram/webhook",
        json=_update(user, text),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 200, response.text


async def _ready(http: httpx.AsyncClient, process: BotProcess, port: int) -> None:
    async def answers() -> bool:
        try:
            return (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    deadline = time.monotonic() + 30
    while not await answers():
        assert process.proc is not None and process.proc.returncode is None, process.stderr
        assert time.monotonic() < deadline, f"no /healthz within 30 s:\n{process.stderr}"
        await asyncio.sleep(0.1)


async def test_two_processes_on_one_database_lose_no_answer(tmp_path: Path) -> None:
    ports = free_port(), free_port()
    async with BotAPIServer(TOKEN) as api:
        first = BotProcess(tmp_path, api.base_url, **BotProcess.webhook_env(ports[0]))
        second = BotProcess(tmp_path, api.base_url, **BotProcess.webhook_env(ports[1]))
        async with first, second, httpx.AsyncClient(timeout=30) as http:
            await _ready(http, first, ports[0])
            await _ready(http, second, ports[1])
            users = range(7_000_001, 7_000_001 + RESIDENTS)
            # Language (Telegram's), then the district: everyone is at the problems now.
            await asyncio.gather(*(_post(http, ports[u % 2], u, "/start") for u in users))
            await asyncio.gather(*(_post(http, ports[u % 2], u, "1") for u in users))
            before = len(api.api.calls)
            # Each resident's two problems at the same moment, one to each process.
            await asyncio.gather(
                *(
                    task
                    for u in users
                    for task in (
                        _post(http, ports[0], u, "ямы на дорогах"),
                        _post(http, ports[1], u, "нет питьевой воды"),
                    )
                )
            )
            confirmed = [
                p
                for name, p in api.api.calls[before:]
                if name in ("sendMessage", "editMessageText") and "Добавлено" in str(p["text"])
            ]
            errors = [p for _, p in api.api.calls[before:] if "что-то пошло не так" in str(p)]
    assert errors == [], "a race ended in an error for a resident"
    async with SqliteStore(tmp_path / "citybot.sqlite3") as store:
        lost = []
        for u in users:
            loaded = await store.load(ResidentRef("tg", str(u)))
            answer = loaded.session.answer
            items = answer.items if answer else []
            if {i.category for i in items} != {"roads", "drinking_water"}:
                lost.append((u, [Item.model_dump(i) for i in items]))
    assert lost == [], f"{len(lost)} of {RESIDENTS} residents lost a confirmed answer"
    assert len(confirmed) == 2 * RESIDENTS, "every message was confirmed"
