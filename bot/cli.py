"""The `citybot` command: run the bot, chat locally, classify text, check the configuration."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.cli_messages import UNEXPECTED, config_error, database_error
from bot.config import ConfigError, load_world
from bot.logs import configure as configure_logs
from bot.settings import Settings
from storage.base import StoreUnavailable
from storage.migrations import SchemaTooNew

log = logging.getLogger("citybot")


def _version() -> str:
    """The installed package's version (pyproject.toml), and the schema it writes."""
    from importlib.metadata import PackageNotFoundError, version

    from storage.migrations import MIGRATIONS

    try:
        installed = version("citybot")
    except PackageNotFoundError:  # run from a checkout without `make install`
        installed = "unknown"
    return f"{installed} (database schema {len(MIGRATIONS)})"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citybot",
        description="Survey bot for city problems (Telegram, local chat). Settings come from "
        "environment variables or a .env file: TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, "
        "CITYBOT_DATABASE, CITYBOT_CONFIG, CITYBOT_CITY; for webhooks CITYBOT_PUBLIC_URL, "
        "CITYBOT_HOST, CITYBOT_PORT, TELEGRAM_WEBHOOK_SECRET, TWILIO_ACCOUNT_SID, "
        "TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM, TWILIO_API_BASE_URL (every one: .env.example).",
    )
    parser.add_argument("--version", action="version", version=f"citybot {_version()}")
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
    announce = sub.add_parser(
        "announce", help="schedule a public-hearing announcement (sent by the running bot)"
    )
    announce.add_argument("--city", required=True)
    for field in ("title", "place", "agenda"):
        for lang in ("ru", "ky"):
            announce.add_argument(f"--{field}-{lang}", default="")
    announce.add_argument("--when", required=True, help='the hearing: "dd.mm.yyyy hh:mm" (local)')
    announce.add_argument("--at", help='send at "dd.mm.yyyy hh:mm" (default: now)')
    announce.add_argument("--reminder", help='a reminder at "dd.mm.yyyy hh:mm"')
    announce.add_argument("--only", choices=["ru", "ky"], help="one language for everyone")
    announce.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    announce.add_argument(
        "--wait",
        action="store_true",
        help="stay until the running bot has delivered it, with a progress bar (Ctrl+C stops "
        "waiting, not the delivery)",
    )
    broadcasts = sub.add_parser("broadcasts", help="list announcements with delivery counts")
    broadcasts.add_argument("--city")
    broadcasts.add_argument(
        "--cancel", type=int, metavar="ID", help="cancel a scheduled announcement (and reminder)"
    )
    export = sub.add_parser("export", help="export a city's ranking and answers for the council")
    export.add_argument("--city", required=True, help="city id")
    export.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    export.add_argument("--out", type=Path, required=True, metavar="FILE")
    export.add_argument("--lang", choices=["ru", "ky"], default="ru")
    export.add_argument(
        "--round", type=int, metavar="ID", help="one survey round (default: the current one)"
    )
    summary = sub.add_parser("summary", help="print a city's problem ranking (from the database)")
    summary.add_argument("--city", required=True, help="city id")
    summary.add_argument("--district", help="one district id (default: citywide)")
    summary.add_argument("--lang", choices=["ru", "ky"], default="ru")
    summary.add_argument("--json", action="store_true", help="machine-readable output")
    summary.add_argument(
        "--round", type=int, metavar="ID", help="one survey round (default: the current one)"
    )
    summary.add_argument("--chart", type=Path, metavar="FILE", help="also write the chart (PNG)")
    summary.add_argument(
        "--send",
        action="store_true",
        help="push today's summary to the city's working-group chats now (needs the token)",
    )
    links = sub.add_parser(
        "links",
        help="print each district's Telegram and WhatsApp links (city and district preset); "
        "needs TELEGRAM_BOT_USERNAME (or TELEGRAM_BOT_TOKEN) and/or TWILIO_WHATSAPP_FROM",
    )
    links.add_argument("--city", required=True, help="city id")
    links.add_argument("--district", help="only this district id (default: every district)")
    links.add_argument(
        "--source", metavar="TAG", help="where the link is published, e.g. poster (a-z 0-9 _)"
    )
    links.add_argument("--json", action="store_true", help="machine-readable output")
    poster = sub.add_parser(
        "poster",
        help="draw a printable A4 poster (ru + ky) with the district's Telegram and WhatsApp "
        "QR codes",
    )
    poster.add_argument("--city", required=True, help="city id")
    poster.add_argument("--district", required=True, help="district id")
    poster.add_argument(
        "--source", metavar="TAG", help="where the link is published (default: none)"
    )
    poster.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="FILE.pdf or FILE.png"
    )
    preview = sub.add_parser(
        "preview",
        help="write one HTML page with every screen of every flow in one language, as "
        "Telegram and WhatsApp show it, for a native speaker's review (no database needed)",
    )
    preview.add_argument("--lang", required=True, choices=["ky", "ru"])
    preview.add_argument("--out", type=Path, required=True, metavar="FILE", help="FILE.html")
    from bot import cli_db

    cli_db.add_parser(sub)
    for module in _command_modules():
        module.add_parsers(sub)
    return parser


# Command modules that add their own subcommands: `add_parsers(sub)` registers them and
# `run(settings, args)` returns an exit code, or None when the command is not theirs.
_COMMAND_MODULES = ("bot.cli_ops", "bot.cli_themes", "bot.cli_rounds")


def _command_modules() -> list[Any]:
    from importlib import import_module

    return [import_module(name) for name in _COMMAND_MODULES]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # `citybot check` exits 1 on every error it reports (issue 12, README); others use 2.
    config_code = 1 if args.command == "check" else 2
    try:
        settings = Settings()
    except ValidationError as exc:
        # One line per setting, never the value itself (a database URL holds a password).
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "settings"
            message = error["msg"].removeprefix("Value error, ")
            # One line each, with where every setting is explained.
            print(f"citybot: {name}: {message} (see .env.example)", file=sys.stderr)
        return config_code
    # The secrets are masked in every log line, whatever library writes it.
    configure_logs(
        settings.log_level,
        (
            settings.token,
            settings.twilio_token,
            settings.webhook_secret,
            settings.database.password,
            settings.metrics_token.get_secret_value() if settings.metrics_token else None,
        ),
        settings.log_format,
    )
    try:
        code = _command(settings, args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except ConfigError as exc:
        print(config_error(exc), file=sys.stderr)
        return config_code
    except (StoreUnavailable, SchemaTooNew) as exc:
        # The database cannot be opened (not there, not writable, newer than this code):
        # one line saying what, never a traceback or a password.
        print(f"citybot: {exc}; check CITYBOT_DATABASE", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): quietly, as the Python docs (signal, SIGPIPE) do.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        # A file SQLite cannot use (not SQLite, read-only, missing folder): one line naming
        # it; exit 1 for `run` (like its other fatal start errors), 2 for the other commands.
        line = database_error(settings.database, exc) if isinstance(exc, sqlite3.Error) else None
        if line is not None:
            log.debug("database error", exc_info=True)
            print(line, file=sys.stderr)
            return 1 if args.command == "run" else 2
        # One line for the operator; the traceback goes to the log at DEBUG (never personal
        # data: the log filters mask secrets and residents are pseudonyms).
        # `run` crashing after hours: the traceback belongs in its journal at once.
        level = logging.ERROR if args.command == "run" else logging.DEBUG
        log.log(level, "unexpected error", exc_info=True)
        print(UNEXPECTED.format(kind=type(exc).__name__), file=sys.stderr)
        return 1


def _command(settings: Settings, args: argparse.Namespace) -> int:
    from bot import cli_city, cli_db, cli_reach  # the command modules import lazily

    if args.command == "run":
        return _run(settings)
    if args.command == "chat":
        return _chat(settings, args.city, args.lang, args.resident)
    if args.command == "classify":
        return _classify(settings, args.city)
    if args.command == "announce":
        return cli_city.announce(settings, args)
    if args.command == "broadcasts":
        return cli_city.broadcasts(settings, args.city, args.cancel)
    if args.command == "export":
        return cli_city.export(settings, args)
    if args.command == "summary":
        return cli_city.summary(settings, args)
    if args.command == "links":
        return cli_reach.links(settings, args)
    if args.command == "poster":
        return cli_reach.poster(settings, args)
    if args.command == "preview":
        return cli_reach.preview(args)
    if args.command == "db":
        return cli_db.run(settings, args)
    for module in _command_modules():
        if (code := module.run(settings, args)) is not None:
            return code
    from bot.cli_ops import check

    return check(settings)


def _run(settings: Settings) -> int:
    """0 when stopped by SIGTERM/SIGINT; 2 for configuration errors, a refused bot token
    included; 1 for another fatal reason (one `citybot: ...` line, no traceback)."""
    import faulthandler

    from bot.lifecycle import EXIT_FATAL, Fatal

    faulthandler.enable()  # a fatal signal (SIGSEGV, SIGBUS, ...) leaves a traceback on stderr
    from bot.cli_db import sqlite_problem

    path = settings.database.path
    if path is not None and (problem := sqlite_problem(path)) is not None:
        print(problem, file=sys.stderr)  # before Telegram or the port: one line, exit 1
        return EXIT_FATAL
    try:
        return _run_until_stopped(settings)
    except Fatal as exc:
        print(f"citybot: {exc.line}", file=sys.stderr)
        return exc.code
    except StoreUnavailable as exc:  # a server that refuses, a file that cannot be written
        print(f"citybot: {exc}; check CITYBOT_DATABASE", file=sys.stderr)
        return 1


def _run_until_stopped(settings: Settings) -> int:
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
    from bot.app import open_pipeline
    from bot.i18n import Texts
    from bot.local_chat import chat

    world = load_world(settings.config, city or settings.city)

    async def go() -> None:
        pipeline, store = await open_pipeline(settings, world)
        try:
            await chat(pipeline, Texts(), resident=resident, lang=lang)
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


if __name__ == "__main__":
    raise SystemExit(main())
