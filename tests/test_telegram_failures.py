"""Telegram failures a city cannot live with: updates the library cannot read (polling and
webhook), without stalling anyone or logging what residents wrote; a token Telegram refuses
(reported once, to the Lifecycle that ends the process)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.error import InvalidToken

from bot.lifecycle import EXIT_CONFIG, EXIT_FATAL, Fatal, Lifecycle, token_line
from bot.telegram_updates import SafeBot
from flows.world import World
from storage.base import ResidentRef
from tests.fake_telegram import FakeBotAPI, refuse
from tests.test_telegram import TOKEN, Harness

ANA = {"id": 501, "is_bot": False, "first_name": "Айгүл", "language_code": "ru"}
SECRET_WORDS = "мой телефон +996555123456"


def _message(update_id: int, text: str) -> dict:
    chat = {"id": ANA["id"], "type": "private"}
    message = {"message_id": update_id, "date": 1, "chat": chat, "from": ANA, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


# A tap without chat_instance (a field PTB requires): PTB cannot build the Update from it.
BROKEN = {
    "update_id": 900,
    "callback_query": {"id": "1", "from": ANA, "data": "x", "message": _message(1, SECRET_WORDS)},
}


@pytest.fixture
async def bot(tmp_path: Path, world: World) -> AsyncIterator[Harness]:
    async with Harness(tmp_path / "citybot.sqlite3", world) as h:
        yield h


async def test_get_updates_skips_what_it_cannot_read_and_keeps_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = FakeBotAPI()
    api.updates = [BROKEN, _message(901, "/start")]
    bot = SafeBot(TOKEN, base_url="http://127.0.0.1:9/bot", request=api, get_updates_request=api)
    await bot.initialize()
    with caplog.at_level(logging.DEBUG):
        updates = await bot.get_updates(offset=0, timeout=0)
    assert [u.update_id for u in updates] == [900, 901]
    assert updates[0].callback_query is None, "the unreadable one is skipped, by its id"
    assert updates[1].message is not None and updates[1].message.text == "/start"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "skipped update 900" in logged
    for private in ("Айгүл", "+996555123456", "телефон", str(ANA["id"])):
        assert private not in logged, f"{private!r} logged"


async def test_long_polling_serves_the_next_resident_after_an_unreadable_update(
    bot: Harness,
) -> None:
    bot.api.updates = [BROKEN, _message(901, "/start")]
    await bot.app.start()
    await bot.app.updater.start_polling(poll_interval=0.01, timeout=0)  # type: ignore[union-attr]
    try:
        for _ in range(200):
            if bot.api.sent(ANA["id"]):
                break
            await asyncio.sleep(0.01)
    finally:
        await bot.app.updater.stop()  # type: ignore[union-attr]
        await bot.app.stop()
    assert bot.api.sent(ANA["id"]), "answered"
    assert max(bot.api.offsets) >= 902, "both confirmed: the bad one is not fetched again"
    assert len(bot.api.offsets) < 50, "no loop asking for the same batch again and again"


async def test_a_webhook_acknowledges_an_unreadable_update(tmp_path: Path, world: World) -> None:
    from tests.fake_twilio import FakeTwilioAPI
    from tests.test_whatsapp import AUTH, SID, TG_SECRET
    from tests.test_whatsapp import Harness as WebHarness

    async with FakeTwilioAPI(SID, AUTH) as twilio, WebHarness(tmp_path, world, twilio) as h:
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        response = await h.http.post(
            "/telegram/webhook", content=json.dumps(BROKEN), headers=headers
        )
        assert response.status_code == 200, "Telegram must not deliver it again"
        response = await h.http.post(
            "/telegram/webhook", content=json.dumps(_message(902, "/start")), headers=headers
        )
        assert response.status_code == 200
        assert await h.store.resident(ResidentRef("tg", str(ANA["id"]))) is not None
        not_an_update = await h.http.post("/telegram/webhook", content=b"[1]", headers=headers)
        assert not_an_update.status_code == 400


async def test_a_refused_token_is_reported_once_and_not_asked_again() -> None:
    """Whatever call meets the 401 (a send, getUpdates), the Lifecycle hears of it once; the
    process is ending, so later calls fail at once and the updater's last getUpdates is empty
    (PTB would log it with a traceback)."""
    api = FakeBotAPI()
    refuse(api, "sendMessage", 401)
    refused: list[Exception] = []
    bot = SafeBot(
        TOKEN,
        base_url="http://127.0.0.1:9/bot",
        request=api,
        get_updates_request=api,
        on_token_refused=refused.append,
    )
    await bot.initialize()
    with pytest.raises(InvalidToken):
        await bot.send_message(ANA["id"], "x")
    with pytest.raises(InvalidToken):
        await bot.send_message(ANA["id"], "y")
    assert len(refused) == 1 and api.count("sendMessage") == 1
    assert token_line(refused[0]) == (
        "Telegram refused the bot token (401 Unauthorized); check TELEGRAM_BOT_TOKEN"
    )
    assert await bot.get_updates(offset=1, timeout=0) == ()
    assert api.count("getUpdates") == 0
    assert TOKEN not in str(refused[0])


def test_lifecycle_fatal_ends_the_run_with_the_first_reason() -> None:
    """The API the outbound and others call while serving: fatal() from anywhere stops what
    was registered, cancels background jobs, and `run` raises Fatal with the line."""
    life = Lifecycle()
    stopped: list[str] = []
    jobs: list[asyncio.Task[None]] = []

    async def main(life: Lifecycle) -> None:
        life.on_stop(lambda: stopped.append("server"))
        jobs.append(life.spawn(asyncio.sleep(3600), "a background job"))
        loop = asyncio.get_running_loop()
        loop.call_later(0.01, life.fatal, "the database disk is gone")
        loop.call_later(0.02, life.token_refused)  # later: not the reason
        await life.wait()
        await asyncio.sleep(0.05)

    with pytest.raises(Fatal) as caught:
        life.run(main)
    assert (caught.value.line, caught.value.code) == ("the database disk is gone", EXIT_FATAL)
    assert stopped == ["server"]
    assert jobs[0].cancelled()
    other = Lifecycle()

    async def refused(life: Lifecycle) -> None:
        life.token_refused()

    with pytest.raises(Fatal) as caught:
        other.run(refused)
    assert caught.value.code == EXIT_CONFIG == 2
