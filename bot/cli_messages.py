"""The operator's common error lines: each says what is wrong and what to do next."""

from __future__ import annotations

from typing import Any

from bot.settings import Settings


def unknown_city(city: str, world: Any) -> str:
    known = ", ".join(world.cities) or "none configured"
    return f"citybot: unknown city {city!r}: use one of {known} (`citybot check` lists them)"


def no_database(settings: Settings) -> str:
    return (
        f"citybot: no database at {settings.database}: set CITYBOT_DATABASE to the bot's database"
        " (the one `citybot run` uses), or start the bot once to create it"
    )


def cannot_write(path: object, exc: OSError) -> str:
    if isinstance(exc, IsADirectoryError):
        return f"citybot: cannot write {path}: it is a folder; name a file (inside it or beside)"
    return (
        f"citybot: cannot write {path}: {exc.strerror or exc}; check that the folder exists and"
        " that this user may write there"
    )


UNEXPECTED = (
    "citybot: unexpected error ({kind}): this is a bug. Run the same command with "
    "CITYBOT_LOG_LEVEL=DEBUG to see where, and report it with that output"
)


# What SQLite says about a file it cannot use -> the likely cause and what to do (the
# database's own words stay in the line). Any other sqlite3 error is a bug (UNEXPECTED).
_DATABASE_CAUSES = (
    ("not a database", "is not a SQLite database: set CITYBOT_DATABASE to the bot's database"
     " file (the one `citybot run` uses), or restore it from a backup"),
    ("malformed", "is damaged: stop the bot and restore the latest backup (README, Backups)"),
    ("readonly", "is read-only for this user: every citybot command opens it for writing"
     " (with its -wal and -shm files beside it), so make the file and its folder writable"),
    ("unable to open", "cannot be opened: check that its folder exists, that it is a file and"
     " not a folder, and that this user may read and write both (or set CITYBOT_DATABASE)"),
    ("locked", "is locked by another program: stop what holds it (not `citybot run`, which"
     " shares it) and try again"),
    ("disk i/o", "cannot be read or written (disk I/O error): check the disk and the folder"),
    ("full", "cannot grow: the disk is full, free some space"),
)  # fmt: skip


def database_error(database: object, exc: BaseException) -> str | None:
    """One line for a SQLite file SQLite refuses (naming the file and the likely cause), or
    None when the error is none of these (then it is a bug)."""
    said = str(exc) or type(exc).__name__
    for words, cause in _DATABASE_CAUSES:
        if words in said.lower():
            return f"citybot: the database {database} {cause} (SQLite: {said})"
    return None


def config_error(exc: Exception) -> str:
    """What `citybot` prints for a ConfigError: a setting's one line, or the city file's
    problem and the step after fixing it."""
    if getattr(exc, "setting", None):
        return f"citybot: {exc}"
    return (
        f"citybot: configuration error\n{exc}\n"
        "citybot: fix the city file named above (CITYBOT_CONFIG), then `citybot check`"
    )
