"""`citybot round open|close|list`: a city's survey rounds (one per budget cycle)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.cli_messages import no_database, unknown_city
from bot.settings import Settings
from flows.rounds import RoundAlreadyOpen, RoundView, display_date
from flows.session import Msg

if TYPE_CHECKING:
    from flows.world import World

# What an operator reads when the round rules (flows/rounds.py:open_round) refuse.
_PROBLEMS = {
    "operator-unknown-city": "unknown city {city!r}",
    "round-missing-title": "missing the title in {langs} ({names}): give {flags}",
    "round-title-too-long": "--title-{lang} is longer than {limit} characters",
    "round-bad-date": "--{field}: expected DD.MM.YYYY, got {text!r}",
    "round-bad-order": "--ends is before --starts",
    "round-over": "the round would be over already (--ends {ends} has passed in the city)",
}


def add_parsers(sub: Any) -> None:
    """Register `round` with its `open`, `close` and `list` subcommands."""
    rounds = sub.add_parser(
        "round",
        help="survey rounds: open one per budget cycle, close it, list them",
        description="Answers belong to the round they were given in; rankings, summaries and "
        "exports show the current round (the open one, else the latest closed). A city that "
        "never opened a round takes answers as before (round 0).",
    )
    actions = rounds.add_subparsers(dest="round_command", required=True, metavar="ACTION")
    opening = actions.add_parser(
        "open",
        help="open a round (one open round per city at a time)",
        description="Residents answer from --starts to --ends (the city's calendar days); "
        "before --starts they are told when it opens.",
    )
    opening.add_argument("--city", required=True, help="city id")
    opening.add_argument("--title-ru", required=True, metavar="TEXT", help='e.g. "Бюджет 2027"')
    opening.add_argument("--title-ky", required=True, metavar="TEXT", help='e.g. "Бюджет 2027"')
    opening.add_argument("--starts", required=True, metavar="DD.MM.YYYY", help="first day")
    opening.add_argument("--ends", required=True, metavar="DD.MM.YYYY", help="last day")
    closing = actions.add_parser("close", help="close the city's open round")
    closing.add_argument("--city", required=True, help="city id")
    listing = actions.add_parser("list", help="every round, newest first")
    listing.add_argument("--city", help="one city id (default: every city)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    comparing = actions.add_parser(
        "compare",
        help="what rose and what fell between two rounds (shares of respondents, citywide)",
    )
    comparing.add_argument("--city", required=True, help="city id")
    comparing.add_argument(
        "--from",
        dest="before",
        type=int,
        metavar="ID",
        help="earlier round (default: the one before --to; 0 = answers before rounds)",
    )
    comparing.add_argument(
        "--to", dest="after", type=int, metavar="ID", help="later round (default: the current)"
    )
    comparing.add_argument("--json", action="store_true", help="machine-readable output")


def run(settings: Settings, args: argparse.Namespace) -> int | None:
    """The exit code, or None when `args.command` is not one of this module's."""
    if args.command != "round":
        return None
    if args.round_command == "list":
        return list_rounds(settings, args.city, args.json)
    if args.round_command == "compare":
        return compare(settings, args.city, args.before, args.after, args.json)
    from flows.operator import RoundClose, RoundOpen

    if args.round_command == "open":
        request: RoundOpen | RoundClose = RoundOpen(
            args.city, args.title_ru, args.title_ky, args.starts, args.ends
        )
    else:
        request = RoundClose(args.city)
    return operate(settings, request)


def _actor() -> str:
    return f"cli:{os.environ.get('USER', 'operator')}"


_LANGUAGES = {"ru": "Russian", "ky": "Kyrgyz"}


def _problem(problem: Msg) -> str:
    args = dict(problem.args)
    if problem.id == "round-missing-title":  # "ky ru" -> ru and ky (Russian and Kyrgyz)
        langs = [lang for lang in _LANGUAGES if lang in str(args.get("langs", "")).split()]
        args["langs"] = " and ".join(langs)
        args["names"] = " and ".join(_LANGUAGES[lang] for lang in langs)
        args["flags"] = " and ".join(f"--title-{lang}" for lang in langs)
    return _PROBLEMS.get(problem.id, problem.id).format(**args)


def local_time(stored: str | None, zone: str) -> str:
    """A stored UTC time in the city's zone, to the minute ("" when there is none)."""
    if not stored:
        return ""
    return datetime.fromisoformat(stored).astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")


def operate(settings: Settings, request: Any) -> int:
    """Open or close through the operator's pipeline: decided in flows/operator.py, committed
    by the store (which refuses a second open round in the same transaction)."""
    from bot.config import load_world
    from bot.pipeline import Pipeline
    from flows.operator import RoundOpen
    from storage.locate import make_store

    world = load_world(settings.config)
    if request.city not in world.cities:
        print(unknown_city(request.city, world), file=sys.stderr)
        return 2
    city = world.cities[request.city]

    async def go() -> int:
        async with make_store(settings.database) as store:
            try:
                turn, made = await Pipeline(store, world).operator(_actor(), request)
            except RoundAlreadyOpen as exc:
                print(
                    f"citybot: {city.id} already has an open round ({exc.title!r}): close it"
                    f" first with `citybot round close --city {city.id}`",
                    file=sys.stderr,
                )
                return 1
            if turn.problem is not None:
                print(f"citybot: {_problem(turn.problem)}", file=sys.stderr)
                return 2
            if not isinstance(request, RoundOpen):
                if not made or made[0] is False:
                    print(f"citybot: {city.id} has no open round to close", file=sys.stderr)
                    return 1
                closed = (await store.rounds(city.id))[0]  # one open at a time: the newest
                print(
                    f"round {closed.id} of {city.id} ({closed.title_ru!r}) closed at"
                    f" {local_time(closed.closed_at, city.timezone)} ({city.timezone}); reports"
                    " show it until the next round opens"
                )
                return 0
            opened = (await store.rounds(city.id))[0]
            assert opened.id == made[0]
            print(
                f"round {opened.id} of {city.id} opened: {opened.title_ru!r} / "
                f"{opened.title_ky!r}, {display_date(opened.starts_on)} - "
                f"{display_date(opened.ends_on)} ({city.timezone})"
            )
            return 0

    return asyncio.run(go())


def _row(view: RoundView, zone: str) -> dict[str, Any]:
    return {
        "id": view.id,
        "city": view.city,
        "state": view.state,
        "title_ru": view.title_ru,
        "title_ky": view.title_ky,
        "starts": display_date(view.starts_on),
        "ends": display_date(view.ends_on),
        "opened": local_time(view.opened_at, zone),
        "closed": local_time(view.closed_at, zone) or None,
        "timezone": zone,
    }


def _world_and_store(settings: Settings, city: str | None) -> World | None:
    """The configured World, or None (told on stderr) for an unknown city or no database."""
    from bot.config import load_world

    world = load_world(settings.config)
    if city is not None and city not in world.cities:
        print(unknown_city(city, world), file=sys.stderr)
        return None
    if not settings.database.exists():
        print(no_database(settings), file=sys.stderr)
        return None
    return world


def list_rounds(settings: Settings, city: str | None, as_json: bool) -> int:
    from storage.locate import make_store

    world = _world_and_store(settings, city)
    if world is None:
        return 2

    async def go() -> list[RoundView]:
        async with make_store(settings.database) as store:
            return await store.rounds(city)

    views = asyncio.run(go())
    zones = {c.id: c.timezone for c in world.cities.values()}
    rows = [_row(v, zones.get(v.city, "UTC")) for v in views]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no survey rounds yet" + (f" in {city}" if city else ""))
        return 0
    for r in rows:
        closed = f", closed {r['closed']}" if r["closed"] else ""
        print(
            f"{r['id']:>4}  {r['city']:<12} {r['state']:<7} {r['starts']} - {r['ends']}  "
            f"{r['title_ru']} / {r['title_ky']}  (opened {r['opened']}{closed}, {r['timezone']})"
        )
    return 0


def _pick(ids: list[int], before: int | None, after: int | None) -> tuple[int, int] | str:
    """The two rounds to compare (ids: the city's rounds that have begun, oldest first, 0
    first of all), or what is wrong."""
    later = ids[-1] if after is None else after
    if later not in ids:
        return f"--to {later}: not a round of this city that has begun ({ids})"
    if before is None:
        position = ids.index(later)
        if position == 0:
            return "nothing before round 0 to compare with: give --from"
        return ids[position - 1], later
    if before not in ids:
        return f"--from {before}: not a round of this city that has begun ({ids})"
    if ids.index(before) >= ids.index(later):
        return f"--from {before} must be a round that began before --to {later}"
    return before, later


def compare(
    settings: Settings, city_id: str, before: int | None, after: int | None, as_json: bool
) -> int:
    from flows.ranking import compare_rounds
    from flows.summary import combine
    from storage.locate import make_store
    from storage.sqlite.sql import iso

    world = _world_and_store(settings, city_id)
    if world is None:
        return 2

    async def go() -> tuple[Any, Any, Any] | str:
        async with make_store(settings.database) as store:
            now = iso(datetime.now(UTC))
            begun = [v.id for v in reversed(await store.rounds(city_id)) if v.starts_at <= now]
            picked = _pick([0, *begun], before, after)
            if isinstance(picked, str):
                return picked
            first, second = picked
            tallies = [await store.tallies(city_id, round_id=r) for r in picked]
            return first, second, compare_rounds(*(combine(t) for t in tallies))

    outcome = asyncio.run(go())
    if isinstance(outcome, str):
        print(f"citybot: {outcome}", file=sys.stderr)
        return 2
    first, second, result = outcome
    shown = world.shown[city_id]

    def row(change: Any) -> dict[str, Any]:
        return {
            "category": change.category,
            "label": shown.label(change.category, "ru"),
            "before": {"count": change.before_count, "share": round(change.before_share, 4)},
            "after": {"count": change.after_count, "share": round(change.after_share, 4)},
            "points": round(change.change * 100, 1),
            "significant": change.significant,
        }

    # A round nobody answered yet: nothing rose or fell (every share would "fall" to 0).
    empty = [
        r
        for r, n in ((first, result.before_respondents), (second, result.after_respondents))
        if not n
    ]
    report = {
        "city": city_id,
        "from": {"round": first, "respondents": result.before_respondents},
        "to": {"round": second, "respondents": result.after_respondents},
        "rose": [] if empty else [row(c) for c in result.rose],
        "fell": [] if empty else [row(c) for c in result.fell],
    }
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{city_id}: round {first} ({result.before_respondents} respondents) -> round {second}"
        f" ({result.after_respondents} respondents); shares of respondents, * = beyond chance"
    )
    if empty:
        print(f"round {empty[0]} has no answers yet: nothing to compare")
        return 0
    for title, rows in (("rose", report["rose"]), ("fell", report["fell"])):
        print(f"{title}:" if rows else f"{title}: nothing")
        for r in rows:
            mark = "*" if r["significant"] else " "
            print(
                f" {mark} {r['points']:+6.1f}  {r['label']}: {r['before']['share']:.0%}"
                f" -> {r['after']['share']:.0%}"
            )
    return 0
