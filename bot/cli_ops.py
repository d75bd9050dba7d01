"""Operations commands: `citybot backup` (a verified copy of the live database) and `stats`."""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli_messages import no_database, unknown_city
from bot.settings import Settings

ERRORS_WINDOW = timedelta(hours=24)


def add_parsers(sub: Any) -> None:
    """Register `backup` and `stats` on the `citybot` subparsers."""
    backup = sub.add_parser(
        "backup",
        help="write a consistent, verified copy of the SQLite database (the bot may keep running)",
        description="Copy CITYBOT_DATABASE into FILE while the bot runs (one read snapshot: "
        "answers keep being stored), check the copy (integrity_check, row counts) and move it "
        "into place. Never `cp` the live file: recent answers are in its -wal file. For "
        "PostgreSQL it prints the pg_dump command to use.",
    )
    backup.add_argument("--out", type=Path, required=True, metavar="FILE")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    stats = sub.add_parser(
        "stats",
        help="answers today / this week / in all, residents mid-survey, subscribers, "
        "broadcasts and delivery errors, per city and channel",
    )
    stats.add_argument("--city", help="one city id (default: every configured city)")
    stats.add_argument("--json", action="store_true", help="machine-readable output")


def run(settings: Settings, args: argparse.Namespace) -> int | None:
    """The command's exit code, or None when `args.command` is not one of these."""
    if args.command == "backup":
        return backup(settings, args.out, args.force)
    if args.command == "stats":
        return stats(settings, args.city, args.json)
    return None


def backup(settings: Settings, out: Path, force: bool) -> int:
    """0: copied and verified; 1: failed or refused (nothing at FILE); 2: PostgreSQL, or FILE
    is the database itself."""
    from storage.backup import BackupError, backup_file, is_database_file
    from storage.locate import safe_dsn

    database = settings.database
    if database.path is None:
        command = shlex.join(
            ["pg_dump", "--format=custom", f"--file={out}", safe_dsn(database.dsn or "")]
        )
        print(
            "citybot: backup copies SQLite files; for PostgreSQL use pg_dump (the password from "
            "PGPASSWORD or ~/.pgpass), and pg_restore to restore:",
            file=sys.stderr,
        )
        print(command)
        return 2
    if is_database_file(database.path, out):
        print(
            f"citybot: backup: --out {out} is the live database {database.path} (or its -wal/-shm"
            " file); not replacing it, even with --force: choose another FILE, e.g. in /backups",
            file=sys.stderr,
        )
        return 2
    try:
        report = backup_file(database.path, out, force=force)
    except (BackupError, OSError) as exc:
        print(f"citybot: backup: {exc}", file=sys.stderr)
        return 1
    print(
        f"{database.path} -> {report.path}: {report.size} bytes, schema version "
        f"{report.schema_version}, integrity_check ok"
    )
    for table, n in report.rows.items():
        print(f"  {table:<24}{n:>10}")
    return 0


def stats(settings: Settings, city: str | None, as_json: bool) -> int:
    from bot.config import load_world
    from storage.locate import make_store

    world = load_world(settings.config)
    if city is not None and city not in world.cities:
        print(unknown_city(city, world), file=sys.stderr)
        return 2
    if not settings.database.exists():
        print(no_database(settings), file=sys.stderr)
        return 2
    cities = [world.cities[city]] if city else list(world.cities.values())
    now = datetime.now(UTC)

    async def go() -> dict[str, Any]:
        report: dict[str, Any] = {}
        async with make_store(settings.database) as store:
            for c in cities:
                day, week = _day_and_week(now, c.timezone)
                figures = await store.city_stats(c.id, day, week, now - ERRORS_WINDOW)
                broadcasts = []
                for a in await store.announcements(c.id):
                    counts = await store.broadcast_counts(a.id)
                    broadcasts.append(
                        {
                            "id": a.id,
                            "kind": a.kind,
                            "state": a.state,
                            "sent": counts.sent,
                            "failed": counts.failed,
                            "pending": counts.pending,
                            "send_at": a.send_at.isoformat(),
                        }
                    )
                report[c.id] = {
                    "answers": {
                        "today": figures.answers_today,
                        "week": figures.answers_week,
                        "total": figures.answers_total,
                    },
                    "mid_survey": figures.mid_survey,
                    "subscribers": figures.subscribers,
                    "broadcasts": broadcasts,
                    "delivery_errors_24h": figures.delivery_errors,
                }
        return report

    report = asyncio.run(go())
    if as_json:
        out = {"generated_at": now.isoformat(timespec="seconds"), "cities": report}
        print(json.dumps(out, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        _print_table(now, report)
    return 0


def _day_and_week(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The start of today and of this week (Monday) in the city's time zone, as aware times."""
    local = now.astimezone(ZoneInfo(timezone))
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    # Midnight is found by the calendar date, so a DST change in between costs nothing.
    monday = day.date() - timedelta(days=day.weekday())
    week = datetime(monday.year, monday.month, monday.day, tzinfo=local.tzinfo)
    return day, week


def _print_table(now: datetime, report: dict[str, Any]) -> None:
    print(f"citybot stats at {now:%Y-%m-%d %H:%M} UTC (today and week in each city's time zone)")
    for city, figures in report.items():
        answers = figures["answers"]
        rows = {
            "answers today": answers["today"],
            "answers this week": answers["week"],
            "answers in all": answers["total"],
            "mid-survey": figures["mid_survey"],
            "subscribers": figures["subscribers"],
        }
        channels = sorted({ch for counts in rows.values() for ch in counts}) or ["tg", "wa"]
        print(f"\n{city}")
        print(f"  {'':<20}" + "".join(f"{ch:>8}" for ch in channels) + f"{'all':>8}")
        for label, counts in rows.items():
            cells = "".join(f"{counts.get(ch, 0):>8}" for ch in channels)
            print(f"  {label:<20}{cells}{sum(counts.values()):>8}")
        if figures["broadcasts"]:
            print(f"  broadcasts {'id':>4}  {'state':<10}{'send at (UTC)':<18}sent/failed/pending")
            for b in figures["broadcasts"]:
                send_at = b["send_at"][:16].replace("T", " ")
                print(
                    f"  {'':<10} {b['id']:>4}  {b['state']:<10}{send_at:<18}"
                    f"{b['sent']}/{b['failed']}/{b['pending']}"
                )
        else:
            print("  broadcasts: none")
        # The store keeps no error log: what it has are the providers' error codes on
        # outbound messages (WhatsApp), so that is what "recent errors" shows.
        errors = figures["delivery_errors_24h"]
        listed = ", ".join(f"{code}: {n}" for code, n in sorted(errors.items())) or "none"
        print(f"  delivery errors in the last 24 h (outbound messages, by error code): {listed}")


def check(settings: Settings) -> int:
    """`citybot check`: the configured cities, then the warnings (exit 0; errors raise)."""
    from bot.config import config_warnings, load_world

    world = load_world(settings.config, settings.city)
    for city in world.cities.values():
        shown = world.shown[city.id]
        print(
            f"{city.id}: {city.ru} / {city.ky}, {len(city.districts)} districts, "
            f"{len(shown.ids)} categories, time zone {city.timezone}"
        )
    print(f"serving: {world.fixed_city or 'all cities (residents choose)'}")
    warnings = config_warnings(world)
    for line in warnings:
        print(f"warning: {line}")
    if warnings:
        print(f"{len(warnings)} warning(s): the bot runs, but see above", file=sys.stderr)
    return 0
