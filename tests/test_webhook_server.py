"""`citybot run` with CITYBOT_PUBLIC_URL: the real process, uvicorn, a fake Twilio on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import free_port
from tests.fake_twilio import FakeTwilioAPI
from tests.test_cli_and_config import run

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = "https://bot.karakol.example.kg"
SID = "AC" + "2" * 32
AUTH = "auth-token-of-the-subprocess"
SENDER = "whatsapp:+996312000000"


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "CITYBOT_", "TWILIO_"))
    }


async def _start(tmp_path: Path, port: int, twilio: FakeTwilioAPI) -> asyncio.subprocess.Process:
    """`citybot run` serving WhatsApp on 127.0.0.1:`port`, the fake Twilio behind it."""
    env = {
        **_clean_env(),
        "PYTHONPATH": str(ROOT),
        "CITYBOT_DATABASE": str(tmp_path / "citybot.sqlite3"),
        "CITYBOT_PUBLIC_URL": PUBLIC + "/",
        "CITYBOT_PORT": str(port),
        "CITYBOT_CITY": "karakol",
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": AUTH,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_API_BASE_URL": twilio.base_url,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


# Seconds for `citybot run` to answer /healthz: its start (imports, migrations) took over 10 s
# on 2 cores shared with the rest of the suite (PostgreSQL, a browser, other processes).
START_WITHIN = 60.0


async def _health(http: httpx.AsyncClient) -> httpx.Response:
    """/healthz as soon as the server answers (START_WITHIN s at most)."""
    deadline = time.monotonic() + START_WITHIN
    while True:
        try:
            return await http.get("/healthz")
        except httpx.TransportError:
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not come up within {START_WITHIN:.0f} s")
            await asyncio.sleep(0.05)


async def test_the_webhook_server_takes_a_whatsapp_message_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    port = free_port()
    db = tmp_path / "citybot.sqlite3"
    async with FakeTwilioAPI(SID, AUTH) as twilio:
        proc = await _start(tmp_path, port, twilio)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                health = await _health(http)
                assert health.status_code == 200
                assert health.json() == {
                    "status": "ok",
                    "database": True,
                    "telegram": False,
                    "whatsapp": True,
                }
                form = {
                    "MessageSid": "SM" + "9" * 32,
                    "From": "whatsapp:+996700111222",
                    "To": SENDER,
                    "Body": "кыргызча",
                    "WaId": "996700111222",
                    "NumMedia": "0",
                }
                url = f"{PUBLIC}/twilio/whatsapp"
                signature = RequestValidator(AUTH).compute_signature(url, form)
                response = await http.post(
                    "/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": signature}
                )
                assert response.status_code == 200
                for _ in range(200):
                    if twilio.sent():
                        break
                    await asyncio.sleep(0.05)
                (sent,) = twilio.sent()
                assert sent["To"] == "whatsapp:+996700111222" and sent["From"] == SENDER
                # Kyrgyz chosen, Karakol fixed: the districts, as a WhatsApp list picker.
                variables = json.loads(sent["ContentVariables"])
                assert "Районуңуздун" in variables["1"] and "1. №1 МАБ" in variables.values()
                (content,) = twilio.contents
                assert content["sid"] == sent["ContentSid"]
                assert "twilio/list-picker" in content["types"]
                assert sent["StatusCallback"] == f"{PUBLIC}/twilio/status"
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, err.decode()
        assert AUTH not in (out + err).decode(), "the auth token is never logged"
    store = SqliteStore(db)
    await store.open()
    try:
        record = await store.resident(ResidentRef("wa", "996700111222"))
        assert record is not None and record.lang == "ky" and record.step == "district"
    finally:
        await store.close()


async def test_strangers_cannot_fill_the_log_of_the_running_server(tmp_path: Path) -> None:
    """The real process under a flood before authentication: 100 clients dropping mid-body,
    forged signatures, garbage. stderr gains a few lines, no traceback; it keeps serving."""
    port = free_port()
    async with FakeTwilioAPI(SID, AUTH) as twilio:
        proc = await _start(tmp_path, port, twilio)
        assert proc.stderr is not None
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                assert (await _health(http)).status_code == 200

                async def drop() -> None:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.write(
                        b"POST /twilio/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Length: 9999\r\n"
                        b"Content-Type: application/x-www-form-urlencoded\r\n\r\nBody=hi"
                    )
                    await writer.drain()
                    await asyncio.sleep(0.05)
                    writer.transport.abort()

                async def garbage() -> None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.write(b"GARBAGE\r\n\r\n")
                    await asyncio.wait_for(reader.read(), 5)
                    writer.close()

                forged = {"X-Twilio-Signature": "forged"}
                form = {"Body": "hi", "From": "whatsapp:+996700000000"}
                for _ in range(4):
                    await asyncio.gather(*(drop() for _ in range(25)))
                    await asyncio.gather(*(garbage() for _ in range(10)))
                    for _ in range(10):
                        refused = await http.post("/twilio/whatsapp", data=form, headers=forged)
                        assert refused.status_code == 403
                assert (await _health(http)).status_code == 200, "still serving"
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    text = err.decode()
    assert "Traceback" not in text and "ClientDisconnect" not in text
    said = [line.split(": ", 1)[1] for line in text.splitlines() if " WARNING " in line]
    assert sorted(said) == [
        "Invalid HTTP request received.",
        "Twilio webhook with a bad signature refused (/twilio/whatsapp)",
    ], "the first of each kind; the rest of the minute is counted"
    assert " ERROR " not in text
    assert "POST /twilio" not in text, "no access log"
    assert len(text.splitlines()) < 30, text


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"CITYBOT_PUBLIC_URL": "http://plain.example.org", "TELEGRAM_BOT_TOKEN": "1:x"},
            "must be an https:// URL",
        ),
        ({"CITYBOT_PUBLIC_URL": PUBLIC}, "no channel"),
        ({"CITYBOT_PUBLIC_URL": PUBLIC, "TELEGRAM_BOT_TOKEN": "1:x"}, "TELEGRAM_WEBHOOK_SECRET"),
        (
            {
                "CITYBOT_PUBLIC_URL": PUBLIC,
                "TWILIO_ACCOUNT_SID": SID,
                "TWILIO_AUTH_TOKEN": AUTH,
                "TWILIO_WHATSAPP_FROM": "+996312000000",
            },
            "TWILIO_WHATSAPP_FROM must look like",
        ),
    ],
)
def test_the_webhook_server_refuses_an_unsafe_configuration(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = run(["run"], CITYBOT_DATABASE=str(tmp_path / "x.sqlite3"), **env)
    assert result.returncode == 2 and message in result.stderr
    assert AUTH not in result.stderr


def _signed(form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    url = f"{PUBLIC}/twilio/whatsapp"
    return form, {"X-Twilio-Signature": RequestValidator(AUTH).compute_signature(url, form)}


def _message(n: int, body: str) -> dict[str, str]:
    return {
        "MessageSid": f"SM{n:032d}",
        "From": "whatsapp:+996700111333",
        "To": SENDER,
        "Body": body,
        "WaId": "996700111333",
        "NumMedia": "0",
    }


def _read_only(on: bool, *paths: Path) -> None:
    """Make the files unwritable, as an operator's mistake would: `chattr +i` as root (the
    immutable flag stops root too), `chmod a-w` otherwise; undone with on=False."""
    import subprocess

    found = [p for p in paths if p.exists()]
    if os.geteuid() == 0:
        flag = "+i" if on else "-i"
        result = subprocess.run(["chattr", flag, *map(str, found)], capture_output=True)
        assert result.returncode == 0, f"chattr {flag} failed here: {result.stderr!r}"
        return
    for path in found:
        path.chmod(0o444 if on else 0o644)


async def test_health_means_an_answer_could_be_stored_now(tmp_path: Path) -> None:
    """The database file deleted under the running bot: /healthz says 503 (a read would still
    work: the unlinked file stays open), and a resident's message is not confirmed (Twilio
    gets 500 and delivers it again later) instead of being "saved" into a file that is gone."""
    port = free_port()
    db = tmp_path / "citybot.sqlite3"
    async with FakeTwilioAPI(SID, AUTH) as twilio:
        proc = await _start(tmp_path, port, twilio)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                assert (await _health(http)).status_code == 200
                data, headers = _signed(_message(1, "русский"))
                assert (await http.post("/twilio/whatsapp", data=data, headers=headers)).is_success
                for name in ("citybot.sqlite3", "citybot.sqlite3-wal", "citybot.sqlite3-shm"):
                    (tmp_path / name).rename(tmp_path / f"moved-{name}")
                await asyncio.sleep(1.1)  # the probe runs at most once a second
                health = await http.get("/healthz")
                assert health.status_code == 503 and health.json()["database"] is False
                data, headers = _signed(_message(2, "/my"))
                sent = len(twilio.sent())
                response = await http.post("/twilio/whatsapp", data=data, headers=headers)
                assert response.status_code == 500, "not acknowledged: Twilio will retry"
                await asyncio.sleep(0.3)
                assert len(twilio.sent()) == sent, "nothing confirmed"
                assert proc.returncode is None
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 20)
        assert "996700111333" not in err.decode(), "no phone number in the log"
        assert not db.exists()


async def test_immutable_database_files_are_unhealthy_not_fatal(tmp_path: Path) -> None:
    """`chattr +i` on the database files: writing the -shm through mmap would kill the
    process with SIGBUS. It must stay up, say 503, and confirm nothing."""
    port = free_port()
    files = [
        tmp_path / n for n in ("citybot.sqlite3", "citybot.sqlite3-wal", "citybot.sqlite3-shm")
    ]
    async with FakeTwilioAPI(SID, AUTH) as twilio:
        proc = await _start(tmp_path, port, twilio)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                assert (await _health(http)).status_code == 200
                data, headers = _signed(_message(3, "русский"))
                assert (await http.post("/twilio/whatsapp", data=data, headers=headers)).is_success
                _read_only(True, *files)
                try:
                    await asyncio.sleep(1.1)
                    assert (await http.get("/healthz")).status_code == 503
                    data, headers = _signed(_message(4, "/my"))
                    response = await http.post("/twilio/whatsapp", data=data, headers=headers)
                    assert response.status_code == 500
                    assert proc.returncode is None, "the process died"
                finally:
                    _read_only(False, *files)
                await asyncio.sleep(1.1)
                assert (await http.get("/healthz")).status_code == 200, "healthy again"
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, err.decode()
