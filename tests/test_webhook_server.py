"""`citybot run` with CITYBOT_PUBLIC_URL: the real process, uvicorn, a fake Twilio on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_twilio import FakeTwilioAPI
from tests.test_cli_and_config import run

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = "https://bot.karakol.example.kg"
SID = "AC" + "2" * 32
AUTH = "auth-token-of-the-subprocess"
SENDER = "whatsapp:+996312000000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "CITYBOT_", "TWILIO_"))
    }


async def test_the_webhook_server_takes_a_whatsapp_message_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    port = _free_port()
    db = tmp_path / "citybot.sqlite3"
    async with FakeTwilioAPI(SID, AUTH) as twilio:
        env = {
            **_clean_env(),
            "PYTHONPATH": str(ROOT),
            "CITYBOT_DATABASE": str(db),
            "CITYBOT_PUBLIC_URL": PUBLIC + "/",
            "CITYBOT_PORT": str(port),
            "CITYBOT_CITY": "karakol",
            "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_AUTH_TOKEN": AUTH,
            "TWILIO_WHATSAPP_FROM": SENDER,
            "TWILIO_API_BASE_URL": twilio.base_url,
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                for _ in range(200):
                    try:
                        health = await http.get("/healthz")
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
                else:
                    pytest.fail("the server did not come up")
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
