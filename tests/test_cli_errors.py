"""Every error an operator meets at the command line says what to do next, in one line or
two, with a non-zero exit code and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def env(cli_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    return cli_env


def fails(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code != 0, err
    assert "Traceback" not in err
    assert err.startswith("citybot: "), err
    return code, err


# (command line, what the message must point to)
NEXT_STEPS = [
    (("stats", "--city", "atlantis"), "use one of kara_balta, karakol, manas"),
    (("stats",), "set CITYBOT_DATABASE"),
    (("summary", "--city", "atlantis"), "`citybot check` lists them"),
    (("summary", "--city", "karakol"), "start the bot once"),
    (("broadcasts", "--cancel", "7"), "set CITYBOT_DATABASE"),
    (("export", "--city", "karakol", "--out", "x.xlsx"), "set CITYBOT_DATABASE"),
]


@pytest.mark.parametrize(("argv", "hint"), NEXT_STEPS)
def test_a_mistake_names_the_next_step(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], hint: str
) -> None:
    _, err = fails(capsys, *argv)
    assert hint in err


def test_a_bad_setting_points_to_env_example(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("CITYBOT_PORT", "eighty")
    code, err = fails(capsys, "check")
    assert code == 1  # `citybot check`: every error exits 1 (README, issue 12)
    assert "CITYBOT_PORT" in err and ".env.example" in err
    assert "eighty" not in err  # values are never echoed (a URL may hold a password)


def test_a_broken_city_file_names_the_file_and_the_check(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "cities"
    folder.mkdir()
    (folder / "broken.toml").write_text('id = "broken"\nru = [\n')
    env.setenv("CITYBOT_CONFIG", str(folder))
    code, err = fails(capsys, "check")
    assert code == 1  # `citybot check`: every error exits 1 (README, issue 12)
    assert "broken.toml" in err and "`citybot check`" in err


def test_the_summary_send_without_a_token_says_how(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "citybot.sqlite3").touch()
    _, err = fails(capsys, "summary", "--city", "karakol", "--send")
    assert "TELEGRAM_BOT_TOKEN" in err and "without --send" in err


def test_a_poster_into_a_missing_folder_says_to_check_the_folder(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env.setenv("TELEGRAM_BOT_USERNAME", "karakol_city_bot")
    out = tmp_path / "no" / "such" / "folder" / "poster.pdf"
    _, err = fails(capsys, "poster", "--city", "karakol", "--district", "mtu1", "--out", str(out))
    assert "check that the folder exists" in err


def test_an_unexpected_error_is_one_line_with_what_to_do(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.cli_ops

    def broken(*args: object, **kwargs: object) -> int:
        raise ZeroDivisionError("a bug")

    env.setattr(bot.cli_ops, "stats", broken)
    code, err = fails(capsys, "stats")
    assert code == 1
    assert err.count("\n") == 1
    assert "ZeroDivisionError" in err and "CITYBOT_LOG_LEVEL=DEBUG" in err
