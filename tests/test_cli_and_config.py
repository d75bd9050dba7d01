"""The `citybot` command, city configuration errors, and the terminal chat."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_cities, load_world
from bot.i18n import Texts
from bot.local_chat import chat
from bot.pipeline import Pipeline
from storage.base import ResidentRef
from storage.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[1]
CITYBOT = [sys.executable, "-m", "bot.cli"]


def run(args: list[str], stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "CITYBOT_", "TWILIO_"))
    }
    return subprocess.run(
        [*CITYBOT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        timeout=60,
    )


def test_help_lists_every_command() -> None:
    out = run(["--help"]).stdout
    for command in ("run", "chat", "classify", "check"):
        assert command in out


def test_run_without_token_exits_with_a_clear_message(tmp_path: Path) -> None:
    result = run(["run"], CITYBOT_DATABASE=str(tmp_path / "x.sqlite3"))
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr and "citybot chat" in result.stderr


def test_classify_prints_one_line_per_input() -> None:
    lines = ["ямы на дороге", "жолдор начар", "", "asdfgh qwerty", "бродячие собаки кусают"]
    result = run(["classify", "--city", "karakol"], stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    assert [c for c, _ in out] == ["roads", "roads", "other", "other", "stray_dogs"]
    assert all(0.0 <= float(s) <= 1.0 for _, s in out)


def test_check_summarises_the_bundled_cities() -> None:
    result = run(["check"])
    assert result.returncode == 0
    assert "manas: Манас / Манас, 5 districts" in result.stdout
    assert "karakol" in result.stdout and "kara_balta" in result.stdout


def test_a_bad_city_file_names_file_field_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'id = "Bad City"\nru = "Х"\nky = "Х"\ntimezone = "Mars/Olympus"\n'
        '[[districts]]\nid = "d1"\nru = "Д"\nky = "Д"\n',
        encoding="utf-8",
    )
    result = run(["check"], CITYBOT_CONFIG=str(bad))
    assert result.returncode == 1  # `citybot check`: errors exit 1 (README, issue 12)
    assert str(bad) in result.stderr
    assert "field id" in result.stderr and "field timezone" in result.stderr
    assert "Mars/Olympus" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id = [", "not valid TOML"),
        ('id = "x"\nru = "X"\nky = "X"\ndistricts = []\n', "field districts"),
        (
            'id = "x"\nru = "X"\nky = "X"\nhide_categories = ["potholes"]\n'
            '[[districts]]\nid = "a"\nru = "A"\nky = "A"\n',
            "unknown category id 'potholes'",
        ),
        (
            'id = "x"\nru = "X"\nky = "X"\n[[districts]]\nid = "a"\nru = "A"\nky = "A"\n'
            '[[districts]]\nid = "a"\nru = "B"\nky = "B"\n',
            "duplicate district id",
        ),
        (
            'id = "x"\nru = "X"\nky = "X"\ncolour = "red"\n'
            '[[districts]]\nid = "a"\nru = "A"\nky = "A"\n',
            "field colour: Extra inputs are not permitted",
        ),
    ],
)
def test_config_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "city.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_cities(path)
    assert message in str(exc.value) and str(path) in str(exc.value)


def test_fixed_city_must_exist() -> None:
    with pytest.raises(ConfigError, match="CITYBOT_CITY='bishkek'"):
        load_world(fixed_city="bishkek")


def test_manas_is_found_by_its_old_names() -> None:
    manas = next(c for c in load_cities() if c.id == "manas")
    assert {"Джалал-Абад", "Жалал-Абад"} <= set(manas.aliases)


async def test_local_chat_takes_the_whole_survey(tmp_path: Path, world) -> None:
    store = SqliteStore(tmp_path / "local.sqlite3")
    await store.open()
    typed = iter(["2", "кара-балта", "1", "питьевая вода", "собаки", "готово", "да", "да", "/my"])
    screen: list[str] = []

    def read() -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    try:
        await chat(Pipeline(store, world), Texts(strict=True), read=read, write=screen.append)
    finally:
        history = await store.answer_history(ResidentRef("local", "terminal"))
        await store.close()
    out = "\n".join(screen)
    assert "1. Кыргызча\n2. Русский" in out
    assert "1. Верхняя зона" in out
    assert history and history[-1].city == "kara_balta" and history[-1].district == "upper"
    assert [i.category for i in history[-1].items] == ["drinking_water", "stray_dogs"]
    assert "Вы подписаны на приглашения" in out
    assert "<b>" not in out, "no HTML in the terminal"
    assert "кнопк" not in out.casefold(), "no buttons in the terminal: no talk of tapping them"
