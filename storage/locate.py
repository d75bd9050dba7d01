"""Which database CITYBOT_DATABASE names (a SQLite file or a PostgreSQL URL), and its store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from storage.base import Store

POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True, slots=True)
class Database:
    """A parsed CITYBOT_DATABASE: `path` for SQLite, `dsn` for PostgreSQL."""

    kind: str  # "sqlite" | "postgres"
    path: Path | None = None
    dsn: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"

    @property
    def password(self) -> str | None:
        """The URL's password (masked in every log line), if any."""
        return urlsplit(self.dsn).password if self.dsn else None

    def exists(self) -> bool:
        """Whether there may be data to read: the SQLite file exists; a server is assumed."""
        return self.path.exists() if self.path is not None else True

    def __str__(self) -> str:
        """What messages and logs name: the file, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        return safe_dsn(self.dsn or "")


def safe_dsn(dsn: str) -> str:
    """The URL without its password (and query), for logs and messages."""
    parts = urlsplit(dsn)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def parse_database(value: str | Path) -> Database:
    """A file path, `sqlite:///relative`, `sqlite:////absolute`, or `postgresql://…`."""
    text = str(value).strip()
    if not text:
        raise ValueError("empty: give a file path or a postgresql:// URL")
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in POSTGRES_SCHEMES:
        parts = urlsplit(text)
        if not parts.path.strip("/") and not parts.hostname:
            raise ValueError("a postgresql:// URL needs a host or a database name")
        try:
            parts.port  # noqa: B018  (raises on a port that is not a number)
        except ValueError:
            raise ValueError("the port of the postgresql:// URL is not a number") from None
        if "@" in parts.path or parts.netloc.count("@") > 1:
            # urlsplit and the driver would read such a URL differently (and the part after a
            # "/" in a password would be shown as the path): percent-encode it.
            raise ValueError(
                'a "/", "@" or "?" in the user name or password must be percent-encoded'
                " (%2F, %40, %3F)"
            )
        return Database("postgres", dsn=text)
    if scheme == "sqlite":
        # SQLAlchemy's spelling: three slashes then the path (a fourth makes it absolute).
        path = unquote(text[len("sqlite:///") :]) if text.lower().startswith("sqlite:///") else ""
        if not path or path == ":memory:":
            raise ValueError("sqlite:/// needs a file path (e.g. sqlite:///citybot.sqlite3)")
        return Database("sqlite", path=Path(path))
    if scheme:
        raise ValueError(
            f"unknown scheme {scheme!r}: use a file path, sqlite:///FILE"
            " or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    return Database("sqlite", path=Path(text))


def make_store(
    database: Database | str | Path, clock: Callable[[], datetime] | None = None
) -> Store:
    """An unopened store for the database (the PostgreSQL driver is imported only if used)."""
    db = database if isinstance(database, Database) else parse_database(database)
    if db.path is not None:
        from storage.sqlite import SqliteStore

        return SqliteStore(db.path, clock=clock)
    from storage.postgres import PostgresStore

    assert db.dsn is not None
    return PostgresStore(db.dsn, clock=clock)
