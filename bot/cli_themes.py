"""`citybot themes`: own-words answers grouped into themes."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from bot.settings import Settings

SHOWN = 5  # wordings per theme in the text output
_INDENT = "   "


def add_parsers(sub: Any) -> None:
    """Register `themes`."""
    themes = sub.add_parser(
        "themes",
        help="own-words answers no category fits, grouped into themes by similarity",
    )
    themes.add_argument("--city", required=True)
    themes.add_argument(
        "--round",
        dest="round_id",
        type=int,
        metavar="ID",
        help="only this survey round's answers (default: every round's, as they wait for review)",
    )
    themes.add_argument("--json", action="store_true", help="a JSON list of themes")
    themes.add_argument("--lang", choices=["ru", "ky"], default="ru", help="text output language")


def run(settings: Settings, args: argparse.Namespace) -> int | None:
    """The exit code, or None when `args.command` is not one of this module's."""
    if args.command != "themes":
        return None
    from bot.cli_city import open_city

    world = open_city(settings, args.city)
    if world is None:
        return 2
    return asyncio.run(_themes(settings, world, args))


async def _themes(settings: Settings, world: Any, args: argparse.Namespace) -> int:
    from bot.cli_city import round_exists
    from flows.themes import group
    from storage.locate import make_store

    city = args.city
    store = make_store(settings.database)
    await store.open()
    try:
        if not await round_exists(store, city, args.round_id):
            return 2
        items = await store.unplaced(city, args.round_id)
        # The matcher with what review taught: suggestions follow the working group's choices.
        world = world.with_learned(await store.learned())
    finally:
        await store.close()
    themes = group(items, world.matchers[city])
    if args.json:
        print(json.dumps([_as_json(t) for t in themes], ensure_ascii=False, indent=2))
    else:
        print(_as_text(world, city, themes, args.lang))
    return 0


def _as_json(theme: Any) -> dict[str, Any]:
    return {
        "id": theme.id,
        "size": theme.size,
        "wordings": list(theme.wordings),
        "counts": [len(found) for _, found in theme.items],
        "samples": list(theme.samples),
        "suggested_category": theme.suggested,
    }


def _as_text(world: Any, city: str, themes: list[Any], lang: Any) -> str:
    """One block per theme for a clerk: its size, its most frequent wordings, a suggestion."""
    from bot.i18n import Texts, html_to_plain
    from flows.session import Msg

    texts = Texts()

    def say(msg_id: str, **args: Any) -> str:
        return html_to_plain(texts.format(lang, Msg(msg_id, args)))

    name = world.cities[city].name(lang)
    if not themes:
        return say("themes-cli-none", city=name)
    answers = sum(t.size for t in themes)
    blocks = [say("themes-cli-head", city=name, themes=len(themes), answers=answers)]
    shown = world.shown[city]
    for n, theme in enumerate(themes, start=1):
        lines = [
            say(
                "themes-cli-theme",
                position=n,
                count=theme.size,
                wordings=len(theme.wordings),
                id=theme.id,
            )
        ]
        if theme.suggested is not None:
            label = shown.label(theme.suggested, lang)
            lines.append(_INDENT + say("themes-cli-suggested", label=label))
        for wording, found in theme.items[:SHOWN]:
            lines.append(_INDENT + say("themes-cli-wording", text=wording, count=len(found)))
        if len(theme.items) > SHOWN:
            lines.append(_INDENT + say("themes-cli-more", count=len(theme.items) - SHOWN))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
