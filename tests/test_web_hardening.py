"""The webhook server against strangers, with real sockets on 127.0.0.1 and a real uvicorn
(the settings `citybot run` uses): clients that drop mid-body are quiet, a body that trickles
is cut off, refusals are throttled in the log, and valid requests go on meanwhile."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
import uvicorn

from bot.lifecycle import UVICORN_SETTINGS, server_class
from bot.logs import Throttle, mask
from bot.metrics import Reachability
from bot.web import BODY_DEADLINE, TelegramWebhook, build_web
from tests.fake_telegram import free_port

PUBLIC = "https://bot.karakol.example.kg"
SECRET = "webhook-secret-of-the-hardening-tests"
AUTH = "twilio-auth-token-of-the-hardening-tests"
DEADLINE = 1.0  # the body deadline of the server under test (production: BODY_DEADLINE)


class Store:
    """The health the routes ask for: always fine here (the routes are under test)."""

    async def ping(self) -> bool:
        return True

    async def writable(self) -> bool:
        return True


class Channel:
    """Stands in for TelegramChannel: records the updates the route hands over."""

    def __init__(self) -> None:
        self.processed: list[int] = []
        self.out = SimpleNamespace(health=Reachability())  # what /healthz reads of Telegram

    async def process(self, update: Any, bot: Any, webhook: bool = False) -> None:
        assert webhook, "the route says the update came by webhook (unacknowledged: again)"
        self.processed.append(update.update_id)


class Server:
    def __init__(self, port: int, channel: Channel) -> None:
        self.port, self.channel = port, channel


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    for name in ("bot.web", "uvicorn.error"):  # a fresh minute for every test
        for f in logging.getLogger(name).filters:
            if isinstance(f, Throttle):
                f.reset()
    channel = Channel()
    web = build_web(
        Store(),  # type: ignore[arg-type]
        PUBLIC,
        telegram=TelegramWebhook(channel, None, SECRET),  # type: ignore[arg-type]
        whatsapp=object(),  # type: ignore[arg-type]  # refused before it is used
        twilio_auth_token=AUTH,
        body_deadline=DEADLINE,
    )
    port = free_port()
    config = uvicorn.Config(web, host="127.0.0.1", port=port, log_config=None, **UVICORN_SETTINGS)
    running = server_class(uvicorn)(config)
    task = asyncio.create_task(running.serve())
    for _ in range(200):
        if running.started:
            break
        await asyncio.sleep(0.02)
    assert running.started
    try:
        yield Server(port, channel)
    finally:
        running.should_exit = True
        await asyncio.wait_for(task, 20)


def _head(path: str, length: int, **headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What reached the log. pytest also hooks the loggers that do not propagate, so it sees
    uvicorn's access log, which `citybot run` turns off (no handler, not propagated)."""
    assert logging.getLogger("uvicorn.access").propagate is False
    return [r for r in caplog.records if r.name != "uvicorn.access"]


TELEGRAM = {"X_Telegram_Bot_Api_Secret_Token": SECRET, "Content_Type": "application/json"}
FORM = {"Content_Type": "application/x-www-form-urlencoded"}


async def _request(port: int, data: bytes) -> bytes:
    """Send `data` on a fresh connection and read until the server closes it (or 5 s)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        return head
    finally:
        writer.close()


async def _update(port: int, update_id: int) -> int:
    body = json.dumps({"update_id": update_id, "message": None}).encode()
    answer = await _request(port, _head("/telegram/webhook", len(body), **TELEGRAM) + body)
    return int(answer.split()[1])


async def _health(port: int) -> int:
    data = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    return int((await _request(port, data)).split()[1])


async def _drop_mid_body(port: int, path: str, headers: dict[str, str]) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_head(path, 10_000, **headers) + b"x" * 500)
    await writer.drain()
    await asyncio.sleep(0.05)  # the route is reading the body now
    writer.transport.abort()  # gone, mid-body (a reset, as a dropped phone does)


async def test_clients_that_drop_mid_body_are_quiet_and_valid_requests_go_on(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    """200 clients leave halfway through their body (Telegram route with the secret, and
    Twilio's, which reads the form before checking the signature): each used to leave a
    ClientDisconnect traceback in the log."""
    caplog.set_level(logging.INFO)
    for batch in range(4):
        drops = [
            _drop_mid_body(
                server.port,
                "/telegram/webhook" if i % 2 else "/twilio/whatsapp",
                TELEGRAM if i % 2 else FORM,
            )
            for i in range(50)
        ]
        valid = [_update(server.port, batch * 10 + i) for i in range(3)]
        results = await asyncio.gather(*drops, *valid, _health(server.port))
        assert results[50:] == [200, 200, 200, 200], "valid requests are answered meanwhile"
    await asyncio.sleep(0.3)  # the last dropped ones finish on the server
    assert sorted(server.channel.processed) == sorted(
        b * 10 + i for b in range(4) for i in range(3)
    )
    noisy = [r for r in _logged(caplog) if r.levelno >= logging.INFO]
    assert len(noisy) <= 3, [r.getMessage() for r in noisy]
    assert not [r for r in caplog.records if r.exc_info], "no traceback"
    assert "ClientDisconnect" not in caplog.text


async def test_a_body_that_trickles_is_cut_off_at_the_deadline(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    """Headers, then one byte every 0.2 s: 408 and the connection closed after the deadline,
    while others are served."""
    assert BODY_DEADLINE == 10.0, "production: ten seconds for a few KiB"
    caplog.set_level(logging.INFO)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    started = time.monotonic()
    writer.write(_head("/twilio/whatsapp", 1000, **FORM))
    await writer.drain()

    async def trickle() -> None:
        for _ in range(50):
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.2)

    trickling = asyncio.create_task(trickle())
    answer = b""
    try:
        assert await _health(server.port) == 200, "served while one trickles"
        try:
            while chunk := await asyncio.wait_for(reader.read(65536), 5):
                answer += chunk  # until the server closes it
        except ConnectionResetError:
            # Closed while our bytes were still arriving: the kernel may reset the connection
            # and drop the 408 on its way; the server's access log says what it answered.
            pass
        elapsed = time.monotonic() - started
    finally:
        trickling.cancel()
        await asyncio.gather(trickling, return_exceptions=True)
        writer.close()
    answered = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert answer.startswith(b"HTTP/1.1 408") or any(
        '/twilio/whatsapp HTTP/1.1" 408' in line for line in answered
    ), (answer, answered)
    assert DEADLINE <= elapsed < DEADLINE + 2
    (line,) = [r.getMessage() for r in _logged(caplog) if r.levelno >= logging.WARNING]
    assert line == "request body not received within 1 s: closed (/twilio/whatsapp)"


async def test_refusals_are_throttled_in_the_log(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    """Wrong secrets, bad signatures, oversize bodies and garbage: the first of each kind is
    a WARNING, the rest of the minute is counted, not written."""
    caplog.set_level(logging.INFO)
    wrong = {**TELEGRAM, "X_Telegram_Bot_Api_Secret_Token": "guess"}
    form = b"From=whatsapp%3A%2B1&Body=hi"
    signed = {**FORM, "X_Twilio_Signature": "forged"}
    for _ in range(30):
        statuses = await asyncio.gather(
            _request(server.port, _head("/telegram/webhook", 2, **wrong) + b"{}"),
            _request(server.port, _head("/twilio/whatsapp", len(form), **signed) + form),
            _request(server.port, _head("/twilio/status", 10_000_000, **FORM)),
            _request(server.port, b"NOT HTTP AT ALL\r\n\r\n"),
        )
        assert [int(s.split()[1]) for s in statuses] == [403, 403, 413, 400]
    lines = [r.getMessage() for r in _logged(caplog) if r.levelno >= logging.WARNING]
    assert sorted(lines) == [
        "Invalid HTTP request received.",
        "Telegram webhook with a wrong secret token refused",
        "Twilio webhook with a bad signature refused (/twilio/whatsapp)",
        "request body over 256 KiB refused (/twilio/status)",
    ]
    assert await _health(server.port) == 200


def test_a_throttle_says_how_many_it_held_back() -> None:
    now = [0.0]
    throttle = Throttle(every=60, only={"refused (%s)"}, clock=lambda: now[0])
    logger = logging.getLogger("tests.throttle")

    def record(msg: str, *args: object) -> logging.LogRecord:
        return logger.makeRecord(logger.name, logging.WARNING, __file__, 1, msg, args, None)

    first = record("refused (%s)", "/a")
    assert throttle.filter(first) and first.getMessage() == "refused (/a)"
    for second in range(1, 60):
        now[0] = second
        assert not throttle.filter(record("refused (%s)", "/b"))
    assert throttle.filter(record("something else"))  # not throttled
    now[0] = 75.0
    summary = record("refused (%s)", "/c")
    assert throttle.filter(summary)
    assert summary.getMessage() == "refused (/c) (and 59 more like it in the last 75 s)"
    now[0] = 80.0
    assert not throttle.filter(record("refused (%s)", "/d")), "a new minute began at 75 s"


def test_secrets_are_masked_in_log_lines() -> None:
    token = "123456:TEST-secret-not-real"
    line = f"POST https://api.telegram.org/bot{token}/getMe and {token} and /bot123:abc-_x/x"
    masked = mask(line, [token])
    assert token not in masked and "abc-_x" not in masked
    assert (
        masked == "POST https://api.telegram.org/bot[secret]/getMe and [secret] and /bot[secret]/x"
    )
