"""`citybot` commands for reaching residents and reviewers: links, poster, preview."""

from __future__ import annotations

import argparse
import sys

from bot.cli_messages import cannot_write
from bot.config import load_world
from bot.settings import Settings


def links(settings: Settings, args: argparse.Namespace) -> int:
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


def poster(settings: Settings, args: argparse.Namespace) -> int:
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
        print(cannot_write(args.out, exc), file=sys.stderr)
        return 1
    print(f"poster for {row.payload} ({fmt}, A4) written to {args.out}", file=sys.stderr)
    return 0


def preview(args: argparse.Namespace) -> int:
    from bot import preview

    page = preview.build(args.lang)
    try:
        args.out.write_text(page.html(), encoding="utf-8")
    except OSError as exc:
        print(cannot_write(args.out, exc), file=sys.stderr)
        return 2
    covered = len(set(page.messages) & page.shown)
    print(
        f"{page.screens} screens, {covered} of {len(page.messages)} message ids "
        f"({args.lang}) written to {args.out}",
        file=sys.stderr,
    )
    return 0
