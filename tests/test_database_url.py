"""CITYBOT_DATABASE: a path, sqlite:///FILE or postgresql://..., never echoing a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from storage.locate import Database, make_store, parse_database
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ("citybot.sqlite3", Path("citybot.sqlite3")),
        ("./data/x.db", Path("data/x.db")),
        ("/var/lib/citybot/x.db", Path("/var/lib/citybot/x.db")),
        ("sqlite:///relative.db", Path("relative.db")),
        ("sqlite:////absolute/x.db", Path("/absolute/x.db")),
        ("SQLITE:///caps.db", Path("caps.db")),
    ],
)
def test_sqlite_spellings(value: str, path: Path) -> None:
    db = parse_database(value)
    assert db == Database("sqlite", path=path)
    assert isinstance(make_store(db), SqliteStore)


@pytest.mark.parametrize(
    "value",
    [
        "postgresql://citybot:pw@db.example:5432/citybot",
        "postgres://citybot@localhost/citybot",
        "postgresql:///citybot?host=/run/postgresql",
    ],
)
def test_postgresql_urls(value: str) -> None:
    db = parse_database(value)
    assert db.kind == "postgres" and db.dsn == value and db.path is None
    assert "pw" not in str(db)
    assert isinstance(make_store(db), PostgresStore)


def test_the_password_is_never_shown() -> None:
    db = parse_database("postgresql://citybot:s3cret@db.example:5432/citybot")
    assert str(db) == "postgresql://citybot@db.example:5432/citybot"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("mysql://u:p@h/d", "unknown scheme 'mysql'"),
        ("sqlite://", "needs a file path"),
        ("sqlite:///:memory:", "needs a file path"),
        ("postgresql://", "needs a host or a database name"),
        ("postgresql://u:p@h:port/d", "port of the postgresql:// URL is not a number"),
        ("   ", "empty"),
    ],
)
def test_bad_values_are_one_clear_line(
    value: str,
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ValueError, match=says):
        parse_database(value)
    monkeypatch.setenv("CITYBOT_DATABASE", value)
    assert main(["check"]) == 1  # `check` exits 1 on every error it reports (issue 12)
    err = capsys.readouterr().err
    assert err.startswith("citybot: CITYBOT_DATABASE: ") and says in err
    assert len(err.strip().splitlines()) == 1
    assert ":p@" not in err
