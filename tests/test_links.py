"""`citybot links`: per-district Telegram deep links and WhatsApp click-to-chat links, from the
real CLI (in process and as a subprocess), against the payload contract in flows/links.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from bot import links as botlinks
from bot.cli import main
from bot.settings import Settings
from flows import links
from flows.world import World
from tests.fake_telegram import BOT_USER, FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]
CITYBOT = Path(sys.executable).with_name("citybot")
TOKEN = "123456:TEST-token_for_links"
START = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SENDER = "whatsapp:+996555123456"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No settings from the developer's environment or .env: each test sets what it needs."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith(("TELEGRAM_", "TWILIO_", "CITYBOT_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("CITYBOT_DATABASE", str(tmp_path / "unused.sqlite3"))
    return monkeypatch


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def check_row(row: dict[str, Any], world: World, username: str, digits: str) -> None:
    """The JSON contract of one row: payload, both links, names."""
    payload = row["payload"]
    assert START.match(payload)
    preset = links.decode(payload, world)
    assert preset == links.Preset(row["city"], row["district"], row["source"])
    tg = urlsplit(row["telegram"])
    assert (tg.scheme, tg.netloc, tg.path) == ("https", "t.me", f"/{username}")
    assert parse_qs(tg.query, strict_parsing=True) == {"start": [payload]}
    wa = urlsplit(row["whatsapp"])
    assert (wa.scheme, wa.netloc, wa.path) == ("https", "wa.me", f"/{digits}")
    assert wa.query.startswith("text=") and "&" not in wa.query
    text = unquote(wa.query.removeprefix("text="))
    assert text == links.whatsapp_text(payload)
    assert links.find_tagged(text) == payload
    assert parse_qs(wa.query)["text"] == [text]
    city = world.cities[row["city"]]
    district = city.district(row["district"])
    assert district is not None
    assert (row["city_ru"], row["city_ky"]) == (city.ru, city.ky)
    assert (row["district_ru"], row["district_ky"]) == (district.ru, district.ky)


@pytest.mark.parametrize("city", ["karakol", "manas", "kara_balta"])
@pytest.mark.parametrize("source", [None, "poster", "flyer_2026"])
def test_json_lists_every_district_once_with_links_that_decode(
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    world: World,
    city: str,
    source: str | None,
) -> None:
    env.setenv("TELEGRAM_BOT_USERNAME", "@karakol_city_bot")
    env.setenv("TWILIO_WHATSAPP_FROM", SENDER)
    args = ["links", "--city", city, "--json"] + (["--source", source] if source else [])
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    assert err == ""
    rows = json.loads(out)
    assert [r["district"] for r in rows] == [d.id for d in world.cities[city].districts]
    for row in rows:
        assert row["city"] == city and row["source"] == source
        check_row(row, world, "karakol_city_bot", "996555123456")
    assert len({r["payload"] for r in rows}) == len(rows)


def test_one_district_and_a_username_without_at(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], world: World
) -> None:
    env.setenv("TELEGRAM_BOT_USERNAME", "manas_city_bot")
    env.setenv("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886")
    code, out, err = cli(capsys, "links", "--city", "manas", "--district", "dostuk", "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert row["payload"] == "manas-dostuk"
    assert row["telegram"] == "https://t.me/manas_city_bot?start=manas-dostuk"
    check_row(row, world, "manas_city_bot", "14155238886")


def test_human_output_names_each_district_in_both_languages(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], world: World
) -> None:
    env.setenv("TELEGRAM_BOT_USERNAME", "@karakol_city_bot")
    env.setenv("TWILIO_WHATSAPP_FROM", SENDER)
    code, out, err = cli(capsys, "links", "--city", "manas", "--source", "poster")
    assert code == 0, err
    for district in world.cities["manas"].districts:
        payload = f"manas-{district.id}-poster"
        assert f"{district.ru} / {district.ky}" in out
        assert f"https://t.me/karakol_city_bot?start={payload}\n" in out
        assert botlinks.whatsapp_link("996555123456", payload) in out


def test_missing_channels_are_null_and_stderr_says_what_to_set(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "links", "--city", "karakol", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 8
    assert all(r["telegram"] is None and r["whatsapp"] is None for r in rows)
    assert all(START.match(r["payload"]) for r in rows)
    assert "TELEGRAM_BOT_USERNAME" in err and "TWILIO_WHATSAPP_FROM" in err

    env.setenv("TWILIO_WHATSAPP_FROM", SENDER)
    code, out, err = cli(capsys, "links", "--city", "karakol", "--json")
    assert code == 0
    assert all(r["telegram"] is None and r["whatsapp"] for r in json.loads(out))
    assert "TELEGRAM_BOT_USERNAME" in err and "TWILIO_WHATSAPP_FROM" not in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--city", "bishkek"], ["bishkek", "karakol", "manas", "kara_balta"]),
        (["--city", "karakol", "--district", "mtu9"], ["mtu9", "mtu1", "mtu8"]),
        (["--city", "karakol", "--source", "Poster"], ["a-z 0-9 _"]),
        (["--city", "karakol", "--source", "poster-2"], ["a-z 0-9 _"]),
        (["--city", "karakol", "--source", "x" * 25], ["1-24"]),
        (["--city", "karakol", "--source", ""], ["a-z 0-9 _"]),
    ],
)
def test_unknown_city_district_or_bad_source_exits_2(
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    expected: list[str],
) -> None:
    env.setenv("TELEGRAM_BOT_USERNAME", "karakol_city_bot")
    code, out, err = cli(capsys, "links", *args, "--json")
    assert code == 2
    assert out == ""
    for word in expected:
        assert word in err


def test_a_payload_over_64_characters_is_refused_clearly(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    city_id, district_id = "c" * 30, "d" * 25  # 56 characters with the "-" and the next "-"
    (tmp_path / "long.toml").write_text(
        f'id = "{city_id}"\nru = "Город"\nky = "Шаар"\n\n'
        f'[[districts]]\nid = "{district_id}"\nru = "Район"\nky = "Район"\n',
        encoding="utf-8",
    )
    env.setenv("CITYBOT_CONFIG", str(tmp_path / "long.toml"))
    env.setenv("TELEGRAM_BOT_USERNAME", "karakol_city_bot")
    code, out, err = cli(capsys, "links", "--city", city_id, "--source", "poster_2026")
    assert code == 2
    assert "64" in err and "at most 7 characters" in err
    code, out, err = cli(capsys, "links", "--city", city_id, "--source", "poster", "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert len(row["payload"]) == 63


def test_a_single_city_bot_refuses_links_for_another_city(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("CITYBOT_CITY", "karakol")
    env.setenv("TELEGRAM_BOT_USERNAME", "karakol_city_bot")
    code, _, err = cli(capsys, "links", "--city", "manas")
    assert code == 2 and "CITYBOT_CITY" in err
    code, out, _ = cli(capsys, "links", "--city", "karakol", "--district", "mtu2", "--json")
    assert code == 0 and json.loads(out)[0]["payload"] == "karakol-mtu2"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_USERNAME", "karakol bot"),
        ("TELEGRAM_BOT_USERNAME", "@ab"),
        ("TWILIO_WHATSAPP_FROM", "whatsapp:karakol"),
        ("TWILIO_WHATSAPP_FROM", "+0996555"),
    ],
)
def test_malformed_channel_settings_exit_2(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    env.setenv(name, value)
    code, out, err = cli(capsys, "links", "--city", "karakol")
    assert code == 2 and out == ""
    assert name in err


def test_settings_accept_the_username_with_or_without_at(env: pytest.MonkeyPatch) -> None:
    for value in ("@karakol_city_bot", "karakol_city_bot", "  @karakol_city_bot "):
        env.setenv("TELEGRAM_BOT_USERNAME", value)
        assert Settings().telegram_bot_username == "karakol_city_bot"
    env.setenv("TELEGRAM_BOT_USERNAME", "")
    assert Settings().telegram_bot_username is None
    assert botlinks.username("https://t.me/karakol_city_bot") == "karakol_city_bot"
    assert botlinks.whatsapp_number("whatsapp:+996 555 123-456") == "996555123456"
    assert botlinks.display_number("996555123456") == "+996 555 123 456"


# The Bot API's getMe, when only the token is set -----------------------------------------


class FakeBotServer(ThreadingHTTPServer):
    """A tiny Bot API on 127.0.0.1 answering getMe (ok, 401, or never)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "ok"
        self.paths: list[str] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/bot"


class _Handler(BaseHTTPRequestHandler):
    server: FakeBotServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.paths.append(self.path)
        if self.server.mode == "hang":
            time.sleep(3)
            return
        if not self.path.endswith(f"/bot{TOKEN}/getMe"):
            status, body = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        elif self.server.mode == "401":
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            status, body = 200, {"ok": True, "result": BOT_USER}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST


@pytest.fixture
def bot_server() -> Iterator[FakeBotServer]:
    server = FakeBotServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_the_username_comes_from_getme_when_only_the_token_is_set(
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bot_server: FakeBotServer,
    world: World,
) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("TELEGRAM_API_BASE_URL", bot_server.base_url)
    env.setenv("TWILIO_WHATSAPP_FROM", SENDER)
    code, out, err = cli(capsys, "links", "--city", "kara_balta", "--source", "radio", "--json")
    assert code == 0, err
    assert bot_server.paths == [f"/bot{TOKEN}/getMe"]
    rows = json.loads(out)
    assert len(rows) == 2
    for row in rows:
        check_row(row, world, BOT_USER["username"], "996555123456")


def test_a_configured_username_wins_over_getme(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], bot_server: FakeBotServer
) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("TELEGRAM_API_BASE_URL", bot_server.base_url)
    env.setenv("TELEGRAM_BOT_USERNAME", "@karakol_city_bot")
    code, out, _ = cli(capsys, "links", "--city", "karakol", "--district", "mtu1", "--json")
    assert code == 0
    assert json.loads(out)[0]["telegram"].startswith("https://t.me/karakol_city_bot?")
    assert bot_server.paths == []


@pytest.mark.parametrize("mode", ["401", "hang"])
def test_a_failing_getme_leaves_telegram_null_and_never_prints_the_token(
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bot_server: FakeBotServer,
    mode: str,
) -> None:
    bot_server.mode = mode
    env.setattr(botlinks, "GETME_TIMEOUT", 0.5)
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("TELEGRAM_API_BASE_URL", bot_server.base_url)
    env.setenv("TWILIO_WHATSAPP_FROM", SENDER)
    started = time.monotonic()
    code, out, err = cli(capsys, "links", "--city", "karakol", "--json")
    assert time.monotonic() - started < 2.5
    assert code == 0
    rows = json.loads(out)
    assert all(r["telegram"] is None and r["whatsapp"] for r in rows)
    assert "TELEGRAM_BOT_USERNAME" in err
    assert TOKEN not in err and TOKEN not in out


async def test_fetch_username_through_the_in_process_fake_bot_api() -> None:
    api = FakeBotAPI()
    name = await botlinks.fetch_username(TOKEN, "https://api.telegram.org/bot", request=api)
    assert name == BOT_USER["username"]
    assert [call for call, _ in api.calls] == ["getMe"]


def test_the_installed_command_prints_the_json_contract(
    bot_server: FakeBotServer, tmp_path: Path, world: World
) -> None:
    """`.venv/bin/citybot links ... --json` as a real process, the username from getMe."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "CITYBOT_", "TWILIO_"))
    }
    result = subprocess.run(
        [str(CITYBOT), "links", "--city", "manas", "--source", "poster", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **clean,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": bot_server.base_url,
            "TWILIO_WHATSAPP_FROM": SENDER,
        },
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert sorted(r["district"] for r in rows) == sorted(
        d.id for d in world.cities["manas"].districts
    )
    for row in rows:
        assert row["source"] == "poster"
        check_row(row, world, BOT_USER["username"], "996555123456")
    assert TOKEN not in result.stderr

    bad = subprocess.run(
        [str(CITYBOT), "links", "--city", "osh", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean,
        timeout=60,
    )
    assert bad.returncode == 2 and "karakol" in bad.stderr and bad.stdout == ""
