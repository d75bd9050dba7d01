"""Operators' mistakes a hostile tester found, each run through the real `citybot` process: one
`citybot: ...` line on stderr saying what to do, the documented exit code, never a traceback,
and the data untouched."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_telegram import free_port

ROOT = Path(__file__).resolve().parents[1]
CITYBOT = [sys.executable, "-m", "bot.cli"]
SURVEY = "2\nкара-балта\n1\nпитьевая вода\nсобаки\nготово\nда\nда\n"  # the terminal chat


def clean_env(**env: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "CITYBOT_", "TWILIO_"))
    }
    return {**keep, "PYTHONPATH": str(ROOT), **env}


def cli(
    args: list[str], cwd: Path, stdin: str = "", timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CITYBOT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(**env),
        timeout=timeout,
    )


def one_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The single stderr line of a refused command (exit `code`)."""
    err = result.stderr
    assert "Traceback" not in err and "this is a bug" not in err, err
    assert result.returncode == code, (result.returncode, err)
    assert len(err.splitlines()) == 1 and err.startswith("citybot: "), err
    return err


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """A database with answers in it (from the terminal chat)."""
    db = tmp_path / "citybot.sqlite3"
    done = cli(["chat"], tmp_path, stdin=SURVEY, CITYBOT_DATABASE=str(db))
    assert done.returncode == 0, done.stderr
    assert rows(db)["answers"] > 0
    return db


def rows(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("answers",)}


@pytest.fixture
def not_sqlite(tmp_path: Path) -> Path:
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("meeting notes, not a database " * 10, encoding="utf-8")
    return bad


@pytest.fixture
def frozen() -> Iterator[list[Path]]:
    """Paths `freeze` made read-only, made writable again afterwards (tmp_path is removed)."""
    paths: list[Path] = []
    yield paths
    for path in reversed(paths):
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        path.chmod(0o755 if path.is_dir() else 0o644)


def freeze(frozen: list[Path], path: Path) -> None:
    """Make `path` read-only for this user: chmod, or as root (whom chmod does not stop) the
    immutable flag; skipped where neither is possible."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("root without chattr: nothing is read-only")
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("chattr +i is not permitted here")
    else:
        path.chmod(0o555 if path.is_dir() else 0o444)
    frozen.append(path)
    if os.access(path, os.W_OK):
        pytest.skip("cannot make a read-only file here")


# 1. `backup --out` the live database (any spelling, or its -wal/-shm) is refused, --force too.


@pytest.mark.parametrize(
    "spelling",
    ["same", "relative", "dotted", "symlink", "hardlink", "wal", "shm"],
)
def test_backup_never_overwrites_the_live_database(live: Path, spelling: str) -> None:
    folder = live.parent
    before = rows(live)
    out = {
        "same": str(live),
        "relative": live.name,
        "dotted": f"../{folder.name}/./{live.name}",
        "symlink": "link.sqlite3",
        "hardlink": "hard.sqlite3",
        "wal": f"{live}-wal",
        "shm": f"{live.name}-shm",
    }[spelling]
    if spelling == "symlink":
        (folder / out).symlink_to(live)
    if spelling == "hardlink":
        os.link(live, folder / out)
    result = cli(["backup", "--out", out, "--force"], folder, CITYBOT_DATABASE=str(live))
    err = one_line(result, 2)
    assert "live database" in err and "choose another FILE" in err
    assert rows(live) == before  # the answers are still there, integrity_check ok


def test_backup_elsewhere_still_works(live: Path) -> None:
    out = live.parent / "copy.sqlite3"
    result = cli(["backup", "--out", str(out)], live.parent, CITYBOT_DATABASE=str(live))
    assert result.returncode == 0, result.stderr
    assert rows(out) == rows(live)


# 2. `citybot run` with a database it cannot use, or a port out of range: one line.


def run_bot(tmp_path: Path, database: str, **env: str) -> subprocess.CompletedProcess[str]:
    settings = {
        "CITYBOT_DATABASE": database,
        "CITYBOT_CITY": "karakol",
        "TELEGRAM_BOT_TOKEN": "123456:TEST-not-a-real-token",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",  # nothing listens: never reached
        "CITYBOT_PORT": str(free_port()),
        **env,
    }
    return cli(["run"], tmp_path, timeout=30, **settings)


WEBHOOK = {"CITYBOT_PUBLIC_URL": "https://bot.example.kg", "TELEGRAM_WEBHOOK_SECRET": "s3cret"}


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_run_with_a_database_in_a_missing_folder(tmp_path: Path, mode: str) -> None:
    env = WEBHOOK if mode == "webhook" else {}
    err = one_line(run_bot(tmp_path, "/nonexistent/dir/x.sqlite3", **env), 1)
    assert "/nonexistent/dir" in err and "does not exist" in err


def test_run_with_a_folder_as_the_database(tmp_path: Path) -> None:
    err = one_line(run_bot(tmp_path, str(tmp_path)), 1)
    assert "is a folder" in err and "citybot.sqlite3" in err


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_run_with_a_file_that_is_not_sqlite(tmp_path: Path, not_sqlite: Path, mode: str) -> None:
    env = WEBHOOK if mode == "webhook" else {}
    err = one_line(run_bot(tmp_path, str(not_sqlite), **env), 1)
    assert str(not_sqlite) in err and "not a SQLite database" in err
    assert not_sqlite.read_text(encoding="utf-8").startswith("meeting notes")


def test_run_with_a_read_only_database(live: Path, frozen: list[Path]) -> None:
    freeze(frozen, live)
    err = one_line(run_bot(live.parent, str(live)), 1)
    assert str(live) in err and "read-only" in err


def test_run_with_the_database_in_a_read_only_folder(tmp_path: Path, frozen: list[Path]) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    freeze(frozen, folder)
    err = one_line(run_bot(tmp_path, str(folder / "citybot.sqlite3")), 1)
    assert str(folder) in err and "read-only" in err


@pytest.mark.parametrize("port", ["99999", "-1", "0", "65536"])
def test_a_port_out_of_range_is_a_setting_error(tmp_path: Path, port: str) -> None:
    db = str(tmp_path / "citybot.sqlite3")
    err = one_line(run_bot(tmp_path, db, CITYBOT_PORT=port), 2)
    assert "CITYBOT_PORT" in err and "1 to 65535" in err
    checked = one_line(cli(["check"], tmp_path, CITYBOT_PORT=port), 1)
    assert "CITYBOT_PORT" in checked


# 3. Read-only commands on a file that is not SQLite, or a database they may not write.

READERS = [
    ["stats"],
    ["stats", "--json"],
    ["summary", "--city", "karakol"],
    ["themes", "--city", "karakol"],
    ["round", "list"],
    ["export", "--city", "karakol", "--out", "x.xlsx"],
    ["broadcasts"],
]


@pytest.mark.parametrize("argv", READERS, ids=" ".join)
def test_a_reader_on_a_file_that_is_not_sqlite(
    tmp_path: Path, not_sqlite: Path, argv: list[str]
) -> None:
    err = one_line(cli(argv, tmp_path, CITYBOT_DATABASE=str(not_sqlite)), 2)
    assert str(not_sqlite) in err and "not a SQLite database" in err


@pytest.mark.parametrize("argv", [["stats", "--json"], ["themes", "--city", "karakol"]])
def test_a_reader_on_a_read_only_database(live: Path, frozen: list[Path], argv: list[str]) -> None:
    before = rows(live)
    freeze(frozen, live)
    err = one_line(cli(argv, live.parent, CITYBOT_DATABASE=str(live)), 2)
    assert str(live) in err and "read-only" in err
    assert rows(live) == before


# 4. A city file that is not UTF-8 is a configuration error like bad TOML (check: exit 1).


def test_a_city_file_that_is_not_utf8(tmp_path: Path) -> None:
    city = tmp_path / "y.toml"
    city.write_bytes(b"\xff\xfe")
    result = cli(["check"], tmp_path, CITYBOT_CONFIG=str(city))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "configuration error" in result.stderr and "not valid UTF-8" in result.stderr
    assert "UnicodeDecodeError" not in result.stderr


# 5. `citybot check` exits 1 on every error it reports; other commands keep 2.


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"CITYBOT_CONFIG": "missing.toml"}, "no such file"),
        ({"CITYBOT_CONFIG": "bad.toml"}, "not valid TOML"),
        ({"CITYBOT_PORT": "eighty"}, "CITYBOT_PORT"),
        ({"CITYBOT_CITY": "nope"}, "CITYBOT_CITY"),
    ],
)
def test_check_exits_1_on_errors(tmp_path: Path, env: dict[str, str], says: str) -> None:
    (tmp_path / "bad.toml").write_text("id = [\n", encoding="utf-8")
    result = cli(["check"], tmp_path, **env)
    assert result.returncode == 1 and says in result.stderr and "Traceback" not in result.stderr
    other = cli(["links", "--city", "karakol"], tmp_path, **env)
    assert other.returncode == 2


# 6. export/summary into a missing folder or onto a folder: the cannot-write line.


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "--city", "karakol", "--format", "csv", "--out", "/nonexistent/x.csv"],
        ["export", "--city", "karakol", "--out", "."],
        ["summary", "--city", "karakol", "--chart", "/nonexistent/c.png"],
    ],
)
def test_writing_where_it_cannot(live: Path, argv: list[str]) -> None:
    err = one_line(cli(argv, live.parent, CITYBOT_DATABASE=str(live)), 1)
    assert "cannot write" in err
    assert not list(live.parent.glob("*.part"))


def test_export_still_replaces_its_own_file(live: Path) -> None:
    out = live.parent / "x.csv"
    for _ in range(2):
        args = ["export", "--city", "kara_balta", "--format", "csv", "--out", str(out)]
        result = cli(args, live.parent, CITYBOT_DATABASE=str(live))
        assert result.returncode == 0, result.stderr


# 7. A reader that goes away (`| head -1`): quiet, exit 1, no BrokenPipeError.


@pytest.mark.parametrize("argv", [["backup", "--out", "b.sqlite3", "--force"], ["check"]])
def test_a_closed_stdout_pipe_is_quiet(live: Path, argv: list[str]) -> None:
    proc = subprocess.Popen(
        [*CITYBOT, *argv],
        cwd=live.parent,
        env=clean_env(CITYBOT_DATABASE=str(live)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before it writes anything (it is still importing)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert err == "", err


# 8. `announce --wait` with no bot serving the database says so once, and keeps waiting.

WAIT = (
    "import sys, bot.cli_city as c; c.STILL_WAITING_AFTER = 0.3; from bot.cli import main;"
    " sys.exit(main())"
)
ANNOUNCE = [
    "announce", "--city", "karakol", "--title-ru", "Бюджет", "--title-ky", "Бюджет",
    "--place-ru", "Мэрия", "--place-ky", "Мэрия", "--agenda-ru", "Проект",
    "--agenda-ky", "Долбоор", "--when", "05.12.2099 15:00", "--yes", "--wait",
]  # fmt: skip


def test_announce_wait_without_a_bot_says_so_once(live: Path) -> None:
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-c", WAIT, *ANNOUNCE],
        cwd=live.parent,
        env=clean_env(CITYBOT_DATABASE=str(live)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    try:
        line = proc.stderr.readline()  # blocks until the hint (or the end)
        assert line.startswith("citybot: still waiting: is `citybot run` running"), line
        assert str(live) in line and "stays scheduled" in line
        time.sleep(1.5)  # several polls later: still waiting, nothing more said
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        out, rest = proc.communicate(timeout=30)
    assert "Traceback" not in rest and "still waiting" not in rest
    assert proc.returncode == 0 and "stopped waiting" in out
    listing = cli(["broadcasts"], live.parent, CITYBOT_DATABASE=str(live))
    assert "scheduled" in listing.stdout  # the announcement stays scheduled


# 9. CITYBOT_LOG_LEVEL is checked like every other setting.


def test_a_bad_log_level_is_a_setting_error(tmp_path: Path) -> None:
    err = one_line(cli(["check"], tmp_path, CITYBOT_LOG_LEVEL="verbose"), 1)
    assert "CITYBOT_LOG_LEVEL" in err and "DEBUG" in err and "verbose" not in err
    db = str(tmp_path / "citybot.sqlite3")
    one_line(run_bot(tmp_path, db, CITYBOT_LOG_LEVEL="verbose"), 2)
    assert cli(["check"], tmp_path, CITYBOT_LOG_LEVEL="warning").returncode == 0


# 10. Messages that name the real problem.


def test_an_unknown_citybot_city_blames_the_setting(tmp_path: Path) -> None:
    err = one_line(cli(["check"], tmp_path, CITYBOT_CITY="nope"), 1)
    assert "CITYBOT_CITY='nope'" in err and "kara_balta, karakol, manas" in err
    assert "city file" not in err


def test_round_open_without_titles_reads_naturally(live: Path) -> None:
    args = ["round", "open", "--city", "karakol", "--title-ru", "", "--title-ky", " "]
    args += ["--starts", "01.01.2099", "--ends", "01.02.2099"]
    err = one_line(cli(args, live.parent, CITYBOT_DATABASE=str(live)), 2)
    assert "Russian and Kyrgyz" in err and "--title-ru and --title-ky" in err
