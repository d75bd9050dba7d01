"""The `citybot` command: run the bot, chat locally, classify text, check the configuration."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
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
        "CITYBOT_DATABASE, CITYBOT_CONFIG, CITYBOT_CITY; for webhooks CITYBOT_PUBLIC_URL, "
        "CITYBOT_HOST, CITYBOT_PORT, TELEGRAM_WEBHOOK_SECRET, TWILIO_ACCOUNT_SID, "
        "TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM, TWILIO_API_BASE_URL.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    sub.add_parser(
        "run",
        help="run the bot: Telegram long polling, or with CITYBOT_PUBLIC_URL the webhook server "
        "for Telegram and WhatsApp (Twilio)",
    )
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
    # twilio's HTTP client logs request details at INFO; keep it to problems only.
    logging.getLogger("twilio").setLevel(logging.WARNING)
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
    if settings.public_base is not None:
        return _run_web(settings)
    if settings.whatsapp_enabled:
        log.warning("Twilio is configured but CITYBOT_PUBLIC_URL is not: WhatsApp stays off")
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


def _run_web(settings: Settings) -> int:
    public = settings.public_base or ""
    problems = []
    if not public.startswith("https://"):
        problems.append(f"CITYBOT_PUBLIC_URL must be an https:// URL (got {public!r})")
    if settings.token is None and not settings.whatsapp_enabled:
        problems.append(
            "no channel: set TELEGRAM_BOT_TOKEN and/or TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,"
            " TWILIO_WHATSAPP_FROM"
        )
    if settings.token is not None and settings.webhook_secret is None:
        problems.append(
            "TELEGRAM_WEBHOOK_SECRET is not set: without it anyone could post fake updates."
            " Use 1-256 characters of A-Z a-z 0-9 _ -"
        )
    secret = settings.webhook_secret or ""
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        problems.append("TELEGRAM_WEBHOOK_SECRET may only use A-Z a-z 0-9 _ - (1-256 characters)")
    sender = settings.twilio_whatsapp_from or ""
    if settings.whatsapp_enabled and not sender.startswith("whatsapp:+"):
        problems.append(
            f"TWILIO_WHATSAPP_FROM must look like whatsapp:+14155238886 (got {sender!r})"
        )
    if problems:
        print("citybot: cannot start the webhook server:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    from bot.app import run_web

    world = load_world(settings.config, settings.city)
    run_web(settings, world)
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
