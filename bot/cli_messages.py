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
    return (
        f"citybot: cannot write {path}: {exc.strerror or exc}; check that the folder exists and"
        " that this user may write there"
    )


UNEXPECTED = (
    "citybot: unexpected error ({kind}): this is a bug. Run the same command with "
    "CITYBOT_LOG_LEVEL=DEBUG to see where, and report it with that output"
)
