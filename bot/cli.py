"""The `citybot` command: run the bot, chat locally, classify text, check the configuration."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.config import ConfigError, load_world
from bot.settings import Settings

log = logging.getLogger("citybot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citybot",
        description="Survey bot for city problems (Telegram, local chat). Settings come from "
        "environment variables or a .env file: TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, "
        "CITYBOT_DATABASE, CITYBOT_CONFIG, CITYBOT_CITY.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    sub.add_parser("run", help="run the Telegram bot (long polling); needs TELEGRAM_BOT_TOKEN")
    chat = sub.add_parser("chat", help="take the survey in this terminal (same database)")
    chat.add_argument("--city", help="city id (default: CITYBOT_CITY, else ask)")
    chat.add_argument("--lang", choices=["ru", "ky"], help="preselect the language")
    chat.add_argument(
        "--as",
        dest="resident",
        default="terminal",
        help="local resident id, to try several residents (default: terminal)",
    )
    classify = sub.add_parser(
        "classify",
        help="read problem statements (one per line) on stdin, print <category>\\t<score>",
    )
    classify.add_argument("--city", help="only this city's categories (default: all)")
    sub.add_parser("check", help="validate the city configuration and print a summary")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and Telegram URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        if args.command == "run":
            return _run(settings)
        if args.command == "chat":
            return _chat(settings, args.city, args.lang, args.resident)
        if args.command == "classify":
            return _classify(settings, args.city)
        return _check(settings)
    except ConfigError as exc:
        print(f"citybot: configuration error\n{exc}", file=sys.stderr)
        return 2


def _run(settings: Settings) -> int:
    token = settings.token
    if token is None:
        print(
            "citybot: TELEGRAM_BOT_TOKEN is not set.\n"
            "Get a token from @BotFather and export TELEGRAM_BOT_TOKEN=..., or put it in .env.\n"
            "To try the survey without Telegram: citybot chat",
            file=sys.stderr,
        )
        return 2
    from bot.app import run_polling

    world = load_world(settings.config, settings.city)
    run_polling(settings, world, token)
    return 0


def _chat(settings: Settings, city: str | None, lang: str | None, resident: str) -> int:
    from bot.app import open_conversations
    from bot.i18n import Texts
    from bot.local_chat import chat

    world = load_world(settings.config, city or settings.city)

    async def go() -> None:
        conversations, store = await open_conversations(settings, world)
        try:
            await chat(conversations, Texts(), resident=resident, lang=lang)
        finally:
            await store.close()

    print(f"(answers are stored in {settings.database})", file=sys.stderr)
    asyncio.run(go())
    return 0


def _classify(settings: Settings, city: str | None) -> int:
    from flows.catalogue import OTHER
    from flows.matcher import Matcher

    world = load_world(settings.config, city)
    if city:
        matcher = world.matchers[city]
    else:
        # Every category any configured city shows, its own additions included.
        union = {c.id: c for shown in world.shown.values() for c in shown.categories}
        matcher = Matcher.for_categories([c for c in union.values() if c.id != OTHER])
    out = sys.stdout
    for line in sys.stdin:
        text = line.rstrip("\n")
        match = matcher.classify(text) if text.strip() else None
        category, score = (match.category, match.score) if match else (OTHER, 0.0)
        out.write(f"{category}\t{score:.2f}\n")
    out.flush()
    return 0


def _check(settings: Settings) -> int:
    world = load_world(settings.config, settings.city)
    for city in world.cities.values():
        shown = world.shown[city.id]
        print(
            f"{city.id}: {city.ru} / {city.ky}, {len(city.districts)} districts, "
            f"{len(shown.ids)} categories, time zone {city.timezone}"
        )
    print(f"serving: {world.fixed_city or 'all cities (residents choose)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
