"""`citybot` commands on a city's data: announce, broadcasts, export, summary."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from bot.config import load_world
from bot.settings import Settings


def open_city(settings: Settings, city: str) -> Any:
    """The world, if the city and the database exist (else a message and None)."""
    world = load_world(settings.config)
    if city not in world.cities:
        print(f"citybot: unknown city {city!r} (known: {', '.join(world.cities)})", file=sys.stderr)
        return None
    if not settings.database.exists():
        print(f"citybot: no database at {settings.database} (CITYBOT_DATABASE)", file=sys.stderr)
        return None
    return world


def announce(settings: Settings, args: argparse.Namespace) -> int:
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


def broadcasts(settings: Settings, city: str | None, cancel: int | None = None) -> int:
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


def export(settings: Settings, args: argparse.Namespace) -> int:
    from bot import summaries
    from bot.export import Exporter
    from bot.i18n import Texts
    from storage.sqlite import SqliteStore

    world = open_city(settings, args.city)
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


def summary(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from bot import summaries
    from bot.i18n import Texts, html_to_plain
    from bot.review import ReviewDesk
    from flows.summary import summary_parts
    from storage.sqlite import SqliteStore

    city, district, lang = args.city, args.district, args.lang
    world = open_city(settings, city)
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
                return await send_summary(settings, store, world, texts, city)
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


async def send_summary(settings: Settings, store: Any, world: Any, texts: Any, city: str) -> int:
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
