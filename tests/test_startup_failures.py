"""`citybot run` as a real process against a fake Bot API on 127.0.0.1: a token Telegram
refuses (at start or later) ends it with one line and exit code 2, a network that is down at
start is waited for, a 429 on the command menus does not stop the start, SIGTERM always ends
it with 0, a fatal signal leaves a traceback; the token never shows in any output."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.fake_telegram import BotAPIServer, free_port, refuse, too_many

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:TEST-not-a-real-token-process-tests"
SECRET = "webhook-secret-of-the-process-tests"
PUBLIC = "https://bot.karakol.example.kg"
REFUSED = "citybot: Telegram refused the bot token (401 Unauthorized); check TELEGRAM_BOT_TOKEN"
NOT_FOUND = (
    "citybot: Telegram does not know the bot token (404 Not Found); check TELEGRAM_BOT_TOKEN"
    " (and TELEGRAM_API_BASE_URL)"
)
UNREACHABLE = "Telegram: getMe failed (NetworkError"


def clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "CITYBOT_", "TWILIO_"))
    }


class BotProcess:
    """`citybot run` as a real process; what it writes is collected as it comes."""

    def __init__(self, tmp_path: Path, base_url: str, **env: str) -> None:
        self.cwd = tmp_path
        self.env = {
            **clean_env(),
            "PYTHONPATH": str(ROOT),
            "CITYBOT_DATABASE": str(tmp_path / "citybot.sqlite3"),
            "CITYBOT_CITY": "karakol",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
            # Every mode has an HTTP server (/healthz, /metrics): never the default 8080.
            "CITYBOT_PORT": str(free_port()),
            **env,
        }
        self.out = bytearray()
        self.err = bytearray()
        self.proc: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []

    @staticmethod
    def webhook_env(port: int) -> dict[str, str]:
        return {
            "CITYBOT_PUBLIC_URL": PUBLIC,
            "CITYBOT_PORT": str(port),
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }

    async def __aenter__(self) -> BotProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(self.proc.stdout, self.out)),
            asyncio.create_task(self._read(self.proc.stderr, self.err)),
        ]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        await asyncio.gather(*self._readers, return_exceptions=True)

    @staticmethod
    async def _read(stream: asyncio.StreamReader, into: bytearray) -> None:
        while chunk := await stream.read(65536):
            into.extend(chunk)

    @property
    def stderr(self) -> str:
        return self.err.decode(errors="replace")

    @property
    def lines(self) -> list[str]:
        return self.stderr.strip().splitlines()

    async def wait_until(self, condition: Callable[[], bool], within: float, what: str) -> None:
        deadline = time.monotonic() + within
        while not condition():
            assert self.proc is not None
            if self.proc.returncode is not None:
                pytest.fail(f"ended ({self.proc.returncode}) before {what}:\n{self.stderr}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {within} s:\n{self.stderr}")
            await asyncio.sleep(0.05)

    async def ended(self, within: float) -> int:
        assert self.proc is not None
        try:
            code = await asyncio.wait_for(self.proc.wait(), within)
        except TimeoutError:
            pytest.fail(f"still running after {within} s:\n{self.stderr}")
        await asyncio.gather(*self._readers)
        return code

    async def stop(self, within: float = 10.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await self.ended(within)

    def assert_clean(self) -> None:
        """No traceback, never the token (nor a Bot API URL, which carries it)."""
        text = self.stderr + self.out.decode(errors="replace")
        assert "Traceback" not in text, text
        assert TOKEN not in text and TOKEN.split(":")[1] not in text, "the token was printed"
        assert "/bot" + TOKEN.split(":")[0] not in text, "a Bot API URL was printed"


# --- a token Telegram refuses ---------------------------------------------------------------


async def test_a_token_revoked_while_polling_ends_the_process_with_one_line(
    tmp_path: Path,
) -> None:
    """getUpdates answers 401 after three calls (the token was revoked in @BotFather): the
    process used to log PTB's traceback and live on, answering nobody."""
    async with BotAPIServer(TOKEN) as server:
        refuse(server.api, "getUpdates", 401, after=3)
        async with BotProcess(tmp_path, server.base_url, CITYBOT_LOG_LEVEL="DEBUG") as bot:
            code = await bot.ended(within=30)
    assert code == 2
    assert bot.lines[-1] == REFUSED
    assert [line for line in bot.lines if line.startswith("citybot:")] == [REFUSED]
    assert server.api.count("getUpdates") == 4, "polled, then the refusal was not asked again"
    bot.assert_clean()  # at DEBUG too


@pytest.mark.parametrize(
    ("mode", "refusal", "line"),
    [
        ("polling", "wrong token", REFUSED),
        ("polling", "getMe 404", NOT_FOUND),
        ("webhook", "wrong token", REFUSED),
        ("webhook", "setWebhook 401", REFUSED),
    ],
)
async def test_a_refused_token_at_start_is_one_line_and_exit_code_2(
    tmp_path: Path, mode: str, refusal: str, line: str
) -> None:
    async with BotAPIServer(TOKEN if refusal != "wrong token" else "1:another") as server:
        if refusal == "getMe 404":
            refuse(server.api, "getMe", 404)
        if refusal == "setWebhook 401":
            refuse(server.api, "setWebhook", 401)
        env = BotProcess.webhook_env(free_port()) if mode == "webhook" else {}
        async with BotProcess(tmp_path, server.base_url, CITYBOT_LOG_LEVEL="WARNING", **env) as bot:
            code = await bot.ended(within=30)
    assert code == 2
    assert bot.lines == [line], "exactly one line on stderr"
    assert bot.out == b""
    bot.assert_clean()


async def test_a_send_refused_while_serving_webhooks_ends_the_process(tmp_path: Path) -> None:
    """The token is revoked while the webhook server runs: the first reply refused with 401
    ends the process (SafeBot reports it to the Lifecycle), after answering the webhook."""
    port = free_port()
    async with BotAPIServer(TOKEN) as server:
        refuse(server.api, "sendMessage", 401)
        async with BotProcess(tmp_path, server.base_url, **BotProcess.webhook_env(port)) as bot:
            await bot.wait_until(lambda: server.api.count("setWebhook") == 1, 30, "setWebhook")
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 1,
                    "chat": {"id": 42, "type": "private"},
                    "from": {"id": 42, "is_bot": False, "first_name": "A", "language_code": "ru"},
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                for _ in range(200):
                    try:
                        response = await http.post(
                            "/telegram/webhook",
                            content=json.dumps(update),
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        )
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
                else:
                    pytest.fail("the server did not come up")
            code = await bot.ended(within=30)
    assert response.status_code == 200, "committed, so acknowledged"
    assert code == 2
    assert bot.lines[-1] == REFUSED
    assert server.api.count("sendMessage") == 1
    assert TOKEN not in bot.stderr


# --- a network that is down at start --------------------------------------------------------


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_network_down_at_start_is_waited_for(tmp_path: Path, mode: str) -> None:
    """Nothing listens on the Bot API's port for the first attempts: one WARNING per attempt
    (no URL, no traceback), then the bot starts as soon as it is back."""
    server = BotAPIServer(TOKEN, port=free_port())
    web_port = free_port()
    env = BotProcess.webhook_env(web_port) if mode == "webhook" else {}
    try:
        async with BotProcess(tmp_path, server.base_url, **env) as bot:
            await bot.wait_until(lambda: bot.stderr.count(UNREACHABLE) >= 2, 20, "two warnings")
            await server.start()  # the network is back
            started = "setWebhook" if mode == "webhook" else "getUpdates"
            await bot.wait_until(lambda: server.api.count(started) >= 1, 30, started)
            if mode == "webhook":
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web_port}") as http:
                    for _ in range(200):
                        try:
                            health = await http.get("/healthz")
                            break
                        except httpx.TransportError:
                            await asyncio.sleep(0.05)
                    else:
                        pytest.fail("the server did not come up")
                assert health.json()["telegram"] is True
                (params,) = [p for api, p in server.api.calls if api == "setWebhook"]
                assert params["url"] == f"{PUBLIC}/telegram/webhook"
            code = await bot.stop()
    finally:
        await server.stop()
    assert code == 0
    warnings = [line for line in bot.lines if UNREACHABLE in line]
    assert 2 <= len(warnings) <= 4
    assert all(" WARNING " in line for line in warnings)
    assert "retrying in 1." in warnings[0] or "retrying in 0." in warnings[0]
    assert "retrying in 2." in warnings[1] or "retrying in 1." in warnings[1], "it doubles"
    bot.assert_clean()
    assert f"127.0.0.1:{server.port}" not in bot.stderr


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sigterm_while_waiting_for_the_network_exits_0_at_once(
    tmp_path: Path, mode: str
) -> None:
    port = free_port()  # nothing ever listens there
    env = BotProcess.webhook_env(free_port()) if mode == "webhook" else {}
    async with BotProcess(tmp_path, f"http://127.0.0.1:{port}/bot", **env) as bot:
        await bot.wait_until(lambda: bot.stderr.count(UNREACHABLE) >= 2, 20, "two warnings")
        started = time.monotonic()
        code = await bot.stop(within=10)
    assert code == 0
    assert time.monotonic() - started < 3, "not after the next attempt"
    bot.assert_clean()


# --- the command menus ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_429_on_the_command_menus_does_not_stop_the_start(
    tmp_path: Path, mode: str
) -> None:
    """setMyCommands answers 429 (retry after 2 s) at start: the bot serves at once and sets
    the menus in the background once the wait is over."""
    port = free_port()
    env = BotProcess.webhook_env(port) if mode == "webhook" else {}
    async with BotAPIServer(TOKEN) as server:
        too_many(server.api, "setMyCommands", retry_after=2, times=1)
        async with BotProcess(tmp_path, server.base_url, **env) as bot:
            started = "setWebhook" if mode == "webhook" else "getUpdates"
            await bot.wait_until(lambda: server.api.count(started) >= 1, 30, started)
            assert server.api.count("setMyCommands") == 1, "serving before the menus are set"
            await bot.wait_until(
                lambda: server.api.count("setMyCommands") == 4, 15, "the menus set after 2 s"
            )
            code = await bot.stop()
    assert code == 0
    menus = [p for api, p in server.api.calls if api == "setMyCommands"][1:]
    assert sorted(str(p.get("language_code")) for p in menus) == ["None", "ky", "ru"]
    bot.assert_clean()


async def test_a_refused_command_menu_is_one_warning_and_the_bot_runs(tmp_path: Path) -> None:
    async with BotAPIServer(TOKEN) as server:
        refuse(server.api, "setMyCommands", 400)
        async with BotProcess(tmp_path, server.base_url) as bot:
            await bot.wait_until(lambda: "setMyCommands failed" in bot.stderr, 30, "a warning")
            await bot.wait_until(lambda: server.api.count("getUpdates") >= 2, 30, "polling")
            code = await bot.stop()
    assert code == 0
    assert server.api.count("setMyCommands") == 1, "a 400 is not asked again"
    assert sum("setMyCommands" in line for line in bot.lines) == 1
    bot.assert_clean()


# --- a fatal signal -------------------------------------------------------------------------


async def test_a_fatal_signal_leaves_a_traceback(tmp_path: Path) -> None:
    async with BotAPIServer(TOKEN) as server, BotProcess(tmp_path, server.base_url) as bot:
        await bot.wait_until(lambda: server.api.count("getUpdates") >= 1, 30, "polling")
        assert bot.proc is not None
        bot.proc.send_signal(signal.SIGBUS)
        code = await bot.ended(within=10)
    assert code == -signal.SIGBUS
    assert "Fatal Python error: Bus error" in bot.stderr
    assert 'File "' in bot.stderr, "where each thread was"
    assert TOKEN not in bot.stderr


# --- a database that is not there --------------------------------------------------------------


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_an_unreachable_database_is_one_line_without_the_password(
    tmp_path: Path, mode: str
) -> None:
    """PostgreSQL down (nothing listens): exit 1 and one line naming the server, never the
    password of the URL."""
    dead = free_port()
    url = f"postgresql://citybot:pg-secret-of-the-test@127.0.0.1:{dead}/citybot"
    async with BotAPIServer(TOKEN) as server:
        env = BotProcess.webhook_env(free_port()) if mode == "webhook" else {}
        async with BotProcess(
            tmp_path, server.base_url, CITYBOT_DATABASE=url, CITYBOT_LOG_LEVEL="WARNING", **env
        ) as bot:
            code = await bot.ended(within=40)
    assert code == 1, bot.stderr
    assert len(bot.lines) == 1, bot.stderr
    line = bot.lines[0]
    assert line.startswith(
        f"citybot: cannot connect to PostgreSQL at postgresql://citybot@127.0.0.1:{dead}/citybot"
    )
    assert line.endswith("check CITYBOT_DATABASE")
    assert "pg-secret-of-the-test" not in bot.stderr + bot.out.decode()
    bot.assert_clean()
