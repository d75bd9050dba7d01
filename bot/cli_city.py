"""`citybot` commands on a city's data: announce, broadcasts, export, summary."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli_messages import cannot_write, no_database, unknown_city
from bot.config import load_world
from bot.fresh_world import FreshWorld
from bot.settings import Settings
from flows.session import CreateAnnouncement, Msg


def open_city(settings: Settings, city: str) -> Any:
    """The world, if the city and the database exist (else a message and None)."""
    world = load_world(settings.config)
    if city not in world.cities:
        print(unknown_city(city, world), file=sys.stderr)
        return None
    if not settings.database.exists():
        print(no_database(settings), file=sys.stderr)
        return None
    return world


# What an operator reads when the shared announcement rules (flows/announce.py) refuse.
_PROBLEMS = {
    "operator-unknown-city": "unknown city {city!r}",
    "announce-bad-time": "--{field}: expected dd.mm.yyyy hh:mm, got {text!r}",
    "announce-past-time": "the hearing (--when) is not in the future",
    "announce-bad-order": "times out of order: send (--at, default now) before the reminder, "
    "and both before the hearing, all in the future",
    "announce-missing-text": "missing {flags} (or use --only ru|ky)",
    "announce-too-long": "--{field} is longer than {limit} characters",
}


def _problem(problem: Msg) -> str:
    args = dict(problem.args)
    fields = str(args.get("fields", ""))
    args["flags"] = ", ".join(f"--{f}" for f in fields.split())
    return _PROBLEMS.get(problem.id, problem.id).format(**args)


def _actor() -> str:
    return f"cli:{os.environ.get('USER', 'operator')}"


def announce(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import Texts, html_to_plain
    from bot.pipeline import Pipeline
    from flows.operator import Announce
    from storage.locate import make_store

    world = load_world(settings.config)
    texts = {
        field: {lang: getattr(args, f"{field}_{lang}") for lang in ("ru", "ky")}
        for field in ("title", "place", "agenda")
    }
    request = Announce(args.city, texts, args.when, args.at, args.reminder, args.only)

    async def go() -> int:
        async with make_store(settings.database) as store:
            # The chat's rules, decided by the same flow: preview first, then confirmed.
            pipeline = Pipeline(store, world)
            turn, _ = await pipeline.operator(_actor(), request)
            if turn.problem is not None:
                print(f"citybot: {_problem(turn.problem)}", file=sys.stderr)
                return 2
            rendering = Texts()
            for lang, msg in turn.preview.items():
                text = html_to_plain(rendering.format(lang, msg))  # type: ignore[arg-type]
                print(f"--- {lang} ---\n{text}\n")
            counts = turn.recipients
            print(f"recipients now: Telegram {counts.get('tg', 0)}, WhatsApp {counts.get('wa', 0)}")
            if not args.yes:
                answer = await asyncio.to_thread(input, "Schedule it? [y/N] ")
                if answer.strip().lower() not in ("y", "yes", "д", "да", "ооба"):
                    print("cancelled")
                    return 1
            # Decided again when confirmed: time has passed while the operator read.
            confirmed = replace(request, confirmed=True)
            turn, made = await pipeline.operator(_actor(), confirmed)
            if turn.problem is not None or not made:
                print(
                    f"citybot: {_problem(turn.problem or Msg('announce-bad-order'))}",
                    file=sys.stderr,
                )
                return 2
            effect = turn.effects[0]
            assert isinstance(effect, CreateAnnouncement)
            reminder = effect.reminder_at
            zone = world.cities[args.city].timezone
            print(
                f"announcement {made[0]} scheduled for {city_time(effect.send_at, zone)}"
                + (f", reminder {city_time(reminder, zone)}" if reminder else "")
                + "; the running bot sends it (citybot run)"
            )
            if getattr(args, "wait", False):
                return await wait_for_delivery(store, int(made[0]), database=settings.database)
            return 0

    return asyncio.run(go())


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def city_time(moment: datetime, zone: str) -> str:
    """A stored (UTC) time as the city's clerk reads it, UTC beside it for the logs."""
    return f"{_local(moment, zone):%Y-%m-%d %H:%M} {zone} ({moment.astimezone(UTC):%H:%M} UTC)"


async def round_exists(store: Any, city: str, round_id: int | None) -> bool:
    """True for no --round, round 0 (before rounds) and the city's rounds; else one line."""
    if round_id is None:
        return True
    known = {0} | {r.id for r in await store.rounds(city)}
    if round_id in known:
        return True
    listed = ", ".join(str(i) for i in sorted(known))
    print(
        f"citybot: {city} has no round {round_id}: use one of {listed} (0: answers from before"
        " rounds; `citybot round list` shows them)",
        file=sys.stderr,
    )
    return False


# Seconds an announcement may stay unstarted after its send time before --wait asks whether
# a bot serves this database (tests set it lower).
STILL_WAITING_AFTER = 10.0
STILL_WAITING = (
    "citybot: still waiting: is `citybot run` running for this database ({database})?"
    " (Ctrl-C stops waiting; the announcement stays scheduled)"
)


async def wait_for_delivery(
    store: Any, announcement_id: int, every: float = 0.5, database: object = "CITYBOT_DATABASE"
) -> int:
    """A progress bar until the announcement is delivered (0) or cancelled (1). Ctrl+C only
    stops the waiting: the running bot goes on sending. Due for STILL_WAITING_AFTER seconds
    and not started: one line asks whether a bot is running (once), and the waiting goes on."""
    from tqdm import tqdm

    bar = None
    told = False
    try:
        while True:
            found = await store.announcement(announcement_id)
            if found is None:
                print(
                    f"citybot: announcement {announcement_id} is gone (was the database replaced?):"
                    " `citybot broadcasts` lists the announcements",
                    file=sys.stderr,
                )
                return 1
            counts = await store.broadcast_counts(announcement_id)
            done = counts.sent + counts.failed + counts.skipped
            total = done + counts.pending
            if found.state == "scheduled":  # not due yet, or no bot serves the database
                late = (datetime.now(UTC) - found.send_at).total_seconds()
                if late >= STILL_WAITING_AFTER and not told:
                    told = True
                    print(STILL_WAITING.format(database=database), file=sys.stderr, flush=True)
            elif bar is None:
                bar = tqdm(total=total, unit="msg", desc=f"announcement {announcement_id}")
            if bar is not None:
                bar.total = total
                bar.n = done
                bar.set_postfix(failed=counts.failed, skipped=counts.skipped, refresh=False)
                bar.refresh()
            if found.state in ("done", "cancelled"):
                if bar is not None:
                    bar.close()
                print(
                    f"announcement {announcement_id} {found.state}: sent {counts.sent},"
                    f" failed {counts.failed}, skipped {counts.skipped}"
                )
                return 0 if found.state == "done" else 1
            await asyncio.sleep(every)
    except (KeyboardInterrupt, asyncio.CancelledError):
        if bar is not None:
            bar.close()
        print("stopped waiting; the running bot goes on (citybot broadcasts shows progress)")
        return 0


def broadcasts(settings: Settings, city: str | None, cancel: int | None = None) -> int:
    from bot.pipeline import Pipeline
    from flows.operator import Cancel
    from storage.locate import make_store

    if not settings.database.exists():
        print(no_database(settings), file=sys.stderr)
        return 2

    async def go() -> int:
        async with make_store(settings.database) as store:
            if cancel is not None:
                world = load_world(settings.config)
                _, made = await Pipeline(store, world).operator(_actor(), Cancel(cancel))
                if not made or not made[0]:
                    print(
                        f"citybot: announcement {cancel} is not scheduled (already sent, cancelled"
                        " or unknown): `citybot broadcasts` lists the ones that can be cancelled",
                        file=sys.stderr,
                    )
                    return 1
                print(f"announcement {cancel} cancelled")
            rows = await store.announcements(city)
            zones = {c.id: c.timezone for c in load_world(settings.config).cities.values()}
            print(
                f"{'id':>4}  {'city':<11}{'kind':<13}{'state':<10}{'send at (city time)':<20}"
                f"{'sent':>6}{'failed':>7}{'skipped':>8}{'pending':>8}  title"
            )
            for a in rows:
                c = await store.broadcast_counts(a.id)
                title = next(iter(v for v in (a.content.get("title") or {}).values() if v), "")
                local = _local(a.send_at, zones.get(a.city, "UTC"))
                print(
                    f"{a.id:>4}  {a.city:<11}{a.kind:<13}{a.state:<10}"
                    f"{local:%Y-%m-%d %H:%M}    {c.sent:>6}{c.failed:>7}{c.skipped:>8}"
                    f"{c.pending:>8}  {title}"
                )
        return 0

    return asyncio.run(go())


def export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.export import Exporter
    from bot.export_file import export_city
    from bot.i18n import Texts
    from storage.locate import make_store

    world = open_city(settings, args.city)
    if world is None:
        return 2
    if args.out.is_dir():  # "." too, which has no name to put a ".part" beside
        print(cannot_write(args.out, IsADirectoryError(args.out)), file=sys.stderr)
        return 1

    async def go() -> int:
        async with make_store(settings.database) as store:
            if not await round_exists(store, args.city, args.round):
                return 2
            fresh = await FreshWorld(store, world).get()  # accepted categories by name
            # Streamed from the store into the file: one round's (by default the current one).
            try:
                count = await export_city(
                    store, Exporter(fresh, Texts()), args.city, args.format, args.out,
                    args.lang, round_id=args.round,
                )  # fmt: skip
            except OSError as exc:  # a missing folder, a folder, no permission: nothing left
                print(cannot_write(args.out, exc), file=sys.stderr)
                return 1
        print(f"{count} answer items of {args.city} written to {args.out}", file=sys.stderr)
        return 0

    return asyncio.run(go())


def summary(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from bot import summaries
    from bot.chart import summary_chart
    from bot.i18n import Texts, html_to_plain
    from flows.review import queue
    from flows.summary import summary_parts
    from flows.text import mask_phones
    from storage.locate import make_store

    city, district, lang = args.city, args.district, args.lang
    world = open_city(settings, city)
    if world is None:
        return 2
    districts = {d.id for d in world.cities[city].districts}
    if district is not None and district not in districts:
        known = ", ".join(sorted(districts))
        print(
            f"citybot: unknown district {district!r} of {city}: use one of {known}",
            file=sys.stderr,
        )
        return 2
    if args.send and settings.token is None:
        print(
            "citybot: --send needs TELEGRAM_BOT_TOKEN (set it as for `citybot run`); without"
            " --send the summary is printed here",
            file=sys.stderr,
        )
        return 2
    texts = Texts()

    async def go() -> int:
        store = make_store(settings.database)
        await store.open()
        try:
            if not await round_exists(store, city, args.round):
                return 2
            shown = await FreshWorld(store, world).get()  # accepted categories by name
            ranking = await summaries.compute(
                store, shown, city, district, signals=True, round_id=args.round
            )
            if args.send:
                return await send_summary(settings, store, world, texts, city)
            learned = (await store.learned()).get(city, {})
            # The own words of the round shown (its `unplaced` count), as the ranking's.
            of_round = ranking.round.id if ranking.round else (args.round or 0)
            waiting = queue(await store.unplaced(city, of_round), learned)
        finally:
            await store.close()
        # Operators (not the working-group chat) also see the most frequent own words.
        wordings = [{"text": mask_phones(w.sample), "count": len(w.items)} for w in waiting[:20]]
        if args.json:
            data = {**summaries.as_json(ranking), "unplaced_wordings": wordings}
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for message in summaries.render(texts, lang, summary_parts(shown, ranking, lang)):
                print(html_to_plain(message))
            for wording in wordings:
                print(f"  {wording['count']:>4}  {wording['text']}")
        if args.chart:
            try:
                args.chart.write_bytes(summary_chart(shown, texts, ranking, lang))
            except OSError as exc:
                print(cannot_write(args.chart, exc), file=sys.stderr)
                return 1
            print(f"chart written to {args.chart}", file=sys.stderr)
        return 0

    return asyncio.run(go())


async def send_summary(settings: Settings, store: Any, world: Any, texts: Any, city: str) -> int:
    """The scheduler's own code path, now: today's summary in the city's time zone."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from telegram import Bot

    from bot.pipeline import Pipeline, PlatformReports
    from bot.summaries import SummarySender
    from bot.telegram_out import TelegramOutbound
    from flows.survey import COMMANDS

    day = datetime.now(UTC).astimezone(ZoneInfo(world.cities[city].timezone)).date().isoformat()
    reports = PlatformReports(Pipeline(store, world))
    async with Bot(settings.token or "", base_url=settings.telegram_api_base_url) as bot:
        out = TelegramOutbound(bot, texts, COMMANDS, world)
        out.on_migrated = reports.migrated  # a group that became a supergroup is followed
        sent = await SummarySender(store, world, texts, out).send_city(city, day, force=True)
    await reports.drain()
    chats = len(world.cities[city].working_groups)
    print(f"summary of {city} for {day} sent to {sent} of {chats} working-group chat(s)")
    return 0 if sent == chats else 1
