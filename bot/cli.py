"""The `citybot` command: run the bot, chat locally, classify text, check the configuration."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
    summary = sub.add_parser("summary", help="print a city's problem ranking (from the database)")
    summary.add_argument("--city", required=True, help="city id")
    summary.add_argument("--district", help="one district id (default: citywide)")
    summary.add_argument("--lang", choices=["ru", "ky"], default="ru")
    summary.add_argument("--json", action="store_true", help="machine-readable output")
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
        if args.command == "announce":
            return _announce(settings, args)
        if args.command == "broadcasts":
            return _broadcasts(settings, args.city, args.cancel)
        if args.command == "export":
            return _export(settings, args)
        if args.command == "summary":
            return _summary(settings, args)
        if args.command == "links":
            return _links(settings, args)
        if args.command == "poster":
            return _poster(settings, args)
        if args.command == "preview":
            return _preview(args)
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


def _open_city(settings: Settings, city: str) -> Any:
    """The world, if the city and the database exist (else a message and None)."""
    world = load_world(settings.config)
    if city not in world.cities:
        print(f"citybot: unknown city {city!r} (known: {', '.join(world.cities)})", file=sys.stderr)
        return None
    if not settings.database.exists():
        print(f"citybot: no database at {settings.database} (CITYBOT_DATABASE)", file=sys.stderr)
        return None
    return world


def _announce(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot import announcements
    from bot.i18n import Texts, html_to_plain
    from flows.announce import make_content
    from storage.sqlite import SqliteStore

    world = load_world(settings.config)
    if args.city not in world.cities:
        print(f"citybot: unknown city {args.city!r}", file=sys.stderr)
        return 2
    city = world.cities[args.city]
    now = datetime.now(UTC)
    langs = [args.only] if args.only else ["ru", "ky"]
    missing = [
        f"--{field}-{lang}"
        for field in ("title", "place", "agenda")
        for lang in langs
        if not getattr(args, f"{field}_{lang}").strip()
    ]
    if missing:
        print(f"citybot: missing {', '.join(missing)} (or use --only ru|ky)", file=sys.stderr)
        return 2
    try:
        when = announcements.parse_future(args.when, city, now)
        send_at = announcements.parse_future(args.at, city, now) if args.at else now
        reminder = announcements.parse_future(args.reminder, city, now) if args.reminder else None
    except announcements.BadTime as exc:
        print(f"citybot: {exc}", file=sys.stderr)
        return 2
    if send_at >= when or (reminder is not None and not send_at < reminder < when):
        print("citybot: send before the reminder, and both before the hearing", file=sys.stderr)
        return 2
    per_lang = {
        field: {lang: getattr(args, f"{field}_{lang}").strip() for lang in langs}
        for field in ("title", "place", "agenda")
    }
    data = make_content(city, when, **per_lang, only=args.only)
    texts = Texts()
    for lang, text in announcements.preview(texts, data).items():
        print(f"--- {lang} ---\n{html_to_plain(text)}\n")

    async def go() -> int:
        async with SqliteStore(settings.database) as store:
            counts = await store.subscriber_counts(city.id)
            print(f"recipients now: Telegram {counts.get('tg', 0)}, WhatsApp {counts.get('wa', 0)}")
            if not args.yes:
                answer = await asyncio.to_thread(input, "Schedule it? [y/N] ")
                if answer.strip().lower() not in ("y", "yes", "д", "да", "ооба"):
                    print("cancelled")
                    return 1
            actor = f"cli:{os.environ.get('USER', 'operator')}"
            aid = await store.create_announcement(city.id, data, send_at, actor)
            if reminder is not None:
                await store.create_announcement(
                    city.id, data, reminder, actor, kind="reminder", parent_id=aid
                )
            print(
                f"announcement {aid} scheduled for {send_at:%Y-%m-%d %H:%M} UTC"
                + (f", reminder {reminder:%Y-%m-%d %H:%M} UTC" if reminder else "")
                + "; the running bot sends it (citybot run)"
            )
            return 0

    return asyncio.run(go())


def _broadcasts(settings: Settings, city: str | None, cancel: int | None = None) -> int:
    from storage.sqlite import SqliteStore

    if not settings.database.exists():
        print(f"citybot: no database at {settings.database}", file=sys.stderr)
        return 2

    async def go() -> int:
        async with SqliteStore(settings.database) as store:
            if cancel is not None:
                actor = f"cli:{os.environ.get('USER', 'operator')}"
                if not await store.cancel_announcement(cancel, actor):
                    print(f"citybot: announcement {cancel} is not scheduled", file=sys.stderr)
                    return 1
                print(f"announcement {cancel} cancelled")
            rows = await store.announcements(city)
            print(
                f"{'id':>4}  {'city':<11}{'kind':<13}{'state':<10}{'send at (UTC)':<18}"
                f"{'sent':>6}{'failed':>7}{'skipped':>8}{'pending':>8}  title"
            )
            for a in rows:
                c = await store.broadcast_counts(a.id)
                title = next(iter(v for v in (a.content.get("title") or {}).values() if v), "")
                print(
                    f"{a.id:>4}  {a.city:<11}{a.kind:<13}{a.state:<10}"
                    f"{a.send_at:%Y-%m-%d %H:%M}  {c.sent:>6}{c.failed:>7}{c.skipped:>8}"
                    f"{c.pending:>8}  {title}"
                )
        return 0

    return asyncio.run(go())


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot import summaries
    from bot.export import Exporter
    from bot.i18n import Texts
    from storage.sqlite import SqliteStore

    world = _open_city(settings, args.city)
    if world is None:
        return 2

    async def go() -> int:
        async with SqliteStore(settings.database) as store:
            ranking = await summaries.compute(store, world, args.city)
            rows = await store.export_rows(args.city)
        exporter = Exporter(world, Texts())
        if args.format == "csv":
            args.out.write_text(exporter.csv(args.city, rows, args.lang), encoding="utf-8")
        else:
            args.out.write_bytes(exporter.xlsx(ranking, rows, args.lang))
        print(f"{len(rows)} answer items of {args.city} written to {args.out}", file=sys.stderr)
        return 0

    return asyncio.run(go())


def _summary(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from bot import summaries
    from bot.i18n import Texts, html_to_plain
    from bot.review import ReviewDesk
    from flows.summary import summary_parts
    from storage.sqlite import SqliteStore

    city, district, lang = args.city, args.district, args.lang
    world = _open_city(settings, city)
    if world is None:
        return 2
    districts = {d.id for d in world.cities[city].districts}
    if district is not None and district not in districts:
        known = ", ".join(sorted(districts))
        print(f"citybot: unknown district {district!r} of {city} (known: {known})", file=sys.stderr)
        return 2
    if args.send and settings.token is None:
        print("citybot: --send needs TELEGRAM_BOT_TOKEN", file=sys.stderr)
        return 2
    texts = Texts()

    async def go() -> int:
        store = SqliteStore(settings.database)
        await store.open()
        try:
            ranking = await summaries.compute(store, world, city, district)
            if args.send:
                return await _send_summary(settings, store, world, texts, city)
            waiting = await ReviewDesk(store, world, texts).queue(city)
        finally:
            await store.close()
        # Operators (not the working-group chat) also see the most frequent own words.
        wordings = [{"text": w.sample, "count": len(w.items)} for w in waiting[:20]]
        if args.json:
            data = {**summaries.as_json(ranking), "unplaced_wordings": wordings}
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for message in summaries.render(texts, lang, summary_parts(world, ranking, lang)):
                print(html_to_plain(message))
            for wording in wordings:
                print(f"  {wording['count']:>4}  {wording['text']}")
        if args.chart:
            args.chart.write_bytes(summaries.summary_chart(world, texts, ranking, lang))
            print(f"chart written to {args.chart}", file=sys.stderr)
        return 0

    return asyncio.run(go())


async def _send_summary(settings: Settings, store: Any, world: Any, texts: Any, city: str) -> int:
    """The scheduler's own code path, now: today's summary in the city's time zone."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from telegram import Bot

    from bot.summaries import SummarySender

    day = datetime.now(UTC).astimezone(ZoneInfo(world.cities[city].timezone)).date().isoformat()
    async with Bot(settings.token or "", base_url=settings.telegram_api_base_url) as bot:
        sent = await SummarySender(store, world, texts, bot).send_city(city, day, force=True)
    chats = len(world.cities[city].working_groups)
    print(f"summary of {city} for {day} sent to {sent} of {chats} working-group chat(s)")
    return 0 if sent == chats else 1


def _links(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from bot import links

    world = load_world(settings.config, settings.city)
    try:
        rows = links.build_rows(world, args.city, args.district, args.source)
        channels = links.resolve_channels(settings)
    except links.LinkError as exc:
        print(f"citybot: {exc}", file=sys.stderr)
        return 2
    for note in channels.notes:
        print(f"citybot: {note}", file=sys.stderr)
    rows = links.build_rows(
        world,
        args.city,
        args.district,
        args.source,
        channels.telegram_username,
        channels.whatsapp_number,
    )
    if args.json:
        print(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
    else:
        print(links.render_table(rows))
    return 0


def _poster(settings: Settings, args: argparse.Namespace) -> int:
    from bot import links, poster
    from bot.i18n import Texts

    try:
        fmt = poster.poster_format(args.out)
        world = load_world(settings.config, settings.city)
        # Checked before the Bot API is asked: a typo answers at once.
        links.build_rows(world, args.city, args.district, args.source)
        channels = links.resolve_channels(settings)
    except (links.LinkError, ValueError) as exc:
        print(f"citybot: {exc}", file=sys.stderr)
        return 2
    for note in channels.notes:
        print(f"citybot: {note}", file=sys.stderr)
    (row,) = links.build_rows(
        world,
        args.city,
        args.district,
        args.source,
        channels.telegram_username,
        channels.whatsapp_number,
    )
    codes = []
    if row.telegram and channels.telegram_username:
        codes.append(poster.Code("telegram", row.telegram, f"@{channels.telegram_username}"))
    if row.whatsapp and channels.whatsapp_number:
        number = links.display_number(channels.whatsapp_number)
        codes.append(poster.Code("whatsapp", row.whatsapp, number))
    if not codes:
        print(
            "citybot: neither Telegram nor WhatsApp is configured: no QR code to print",
            file=sys.stderr,
        )
        return 2
    if len(codes) == 1:
        name = "Telegram" if codes[0].channel == "telegram" else "WhatsApp"
        print(f"citybot: the poster has only the {name} QR code", file=sys.stderr)
    spec = poster.PosterSpec(
        row.city_ru, row.city_ky, row.district_ru, row.district_ky, row.payload, tuple(codes)
    )
    data = poster.render(Texts(), spec, fmt)
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        print(f"citybot: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"poster for {row.payload} ({fmt}, A4) written to {args.out}", file=sys.stderr)
    return 0


def _preview(args: argparse.Namespace) -> int:
    from bot import preview

    page = preview.build(args.lang)
    try:
        args.out.write_text(page.html(), encoding="utf-8")
    except OSError as exc:
        print(f"citybot: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    covered = len(set(page.messages) & page.shown)
    print(
        f"{page.screens} screens, {covered} of {len(page.messages)} message ids "
        f"({args.lang}) written to {args.out}",
        file=sys.stderr,
    )
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
    from bot.config import config_warnings

    warnings = config_warnings(world)
    for line in warnings:
        print(f"warning: {line}")
    if warnings:
        print(f"{len(warnings)} warning(s): the bot runs, but see above", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
