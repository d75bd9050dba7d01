"""`citybot themes`: own-words answers grouped into themes."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from typing import Any

from bot.fresh_world import FreshWorld
from bot.settings import Settings

SHOWN = 5  # wordings per theme in the text output
_INDENT = "   "
# A theme is proposed as a new category of the city when it holds at least this many answers
# and PROPOSE_SHARE of the city's respondents: ten is enough to be more than a few residents'
# phrasing (and for the ranking to show it with a usable interval); in a large city 2% is
# what the smallest catalogue categories usually gather, so a theme below that can wait.
PROPOSE_MIN = 10
PROPOSE_SHARE = 0.02
ACTOR = "cli:themes"


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
    themes.add_argument(
        "--accept",
        metavar="THEME_ID",
        help="make this theme a new category of the city (with --id, --ru, --ky): its answers move",
    )
    themes.add_argument("--id", dest="category_id", help="the new category's id, e.g. traffic_jams")
    themes.add_argument("--ru", help="the new category's name in Russian")
    themes.add_argument("--ky", help="the new category's name in Kyrgyz")


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
        # The matcher with what review taught and the categories accepted from themes:
        # suggestions follow the working group's choices.
        world = await FreshWorld(store, world).get()
        tallies = await store.tallies(city, round_id=args.round_id)
        themes = group(items, world.matchers[city])
        if args.accept is not None:
            return await _accept(store, world, themes, args)
    finally:
        await store.close()
    least = proposal_size(sum(t.respondents for t in tallies.values()))
    if args.json:
        print(json.dumps([_as_json(t, least) for t in themes], ensure_ascii=False, indent=2))
    else:
        print(_as_text(world, city, themes, args.lang, least))
    return 0


def proposal_size(respondents: int) -> int:
    """The size from which a theme is proposed as a new category of the city."""
    return max(PROPOSE_MIN, math.ceil(PROPOSE_SHARE * respondents))


async def _accept(store: Any, world: Any, themes: list[Any], args: argparse.Namespace) -> int:
    """`--accept THEME --id ID --ru .. --ky ..`: through Pipeline.operator, one line back."""
    from bot.pipeline import Pipeline
    from flows.operator import ThemeAccept
    from flows.session import Msg

    def fail(msg_id: str, **kw: Any) -> int:
        print(f"citybot: {_say(args.lang, msg_id, kw)}", file=sys.stderr)
        return 2

    missing = [f"--{n}" for n in ("id", "ru", "ky") if getattr(args, _FLAG[n]) is None]
    if missing:
        return fail("themes-accept-missing", flags=" ".join(missing))
    theme = next((t for t in themes if t.id == args.accept), None)
    if theme is None:
        return fail("themes-accept-unknown", id=args.accept, city=args.city)
    request = ThemeAccept(args.city, args.category_id, args.ru, args.ky, tuple(theme.wordings))
    turn, made = await Pipeline(store, world).operator(ACTOR, request)
    problem: Msg | None = turn.problem
    if problem is None and made and made[0] is False:
        problem = Msg("themes-accept-taken", {"id": args.category_id})
    if problem is not None:
        return fail(problem.id, **problem.args)
    print(_say(args.lang, "themes-accept-done", {"id": args.category_id, "count": made[0]}))
    return 0


_FLAG = {"id": "category_id", "ru": "ru", "ky": "ky"}


def _say(lang: Any, msg_id: str, args: dict[str, Any]) -> str:
    from bot.i18n import Texts, html_to_plain
    from flows.session import Msg

    return html_to_plain(Texts().format(lang, Msg(msg_id, args)))


def _as_json(theme: Any, least: int = PROPOSE_MIN) -> dict[str, Any]:
    return {
        "id": theme.id,
        "size": theme.size,
        "wordings": list(theme.wordings),
        "counts": [len(found) for _, found in theme.items],
        "samples": list(theme.samples),
        "suggested_category": theme.suggested,
        "proposed": theme.size >= least,
    }


def _as_text(world: Any, city: str, themes: list[Any], lang: Any, least: int = PROPOSE_MIN) -> str:
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
        if theme.size >= least:
            command = (
                f'citybot themes --city {city} --accept {theme.id} --id NEW_ID --ru "…" --ky "…"'
            )
            lines.append(_INDENT + say("themes-cli-proposed", command=command))
        for wording, found in theme.items[:SHOWN]:
            lines.append(_INDENT + say("themes-cli-wording", text=wording, count=len(found)))
        if len(theme.items) > SHOWN:
            lines.append(_INDENT + say("themes-cli-more", count=len(theme.items) - SHOWN))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
