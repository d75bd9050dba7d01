"""What the desk's pages show, computed from the store's existing reads (no SQL of its own)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from bot.desk.rounds import round_dates
from bot.desk.svg import Bar, Series, progress_bar, ranking_bars, trend_lines
from bot.i18n import Texts, html_to_plain
from bot.web import read_limited
from flows.announce import localized
from flows.catalogue import OTHER, Lang
from flows.ranking import Ranking
from flows.results import MIN_DISTRICT
from flows.summary import NO_DISTRICT, CityRanking, city_ranking
from flows.world import World
from storage.base import Store

SMALL_SAMPLE = 30  # fewer respondents than this: intervals are wide, say so
TREND_LINES = 5  # categories drawn across days
PUBLIC_MIN = MIN_DISTRICT  # as /results: no ranking from fewer respondents


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


@dataclass(frozen=True, slots=True)
class TableRow:
    position: int
    label: str
    count: int
    share: str
    low: str
    high: str


@dataclass(frozen=True, slots=True)
class Place:
    """One ranking on the page: citywide or a district's."""

    name: str
    respondents: int
    rows: tuple[TableRow, ...]
    chart: str
    small: bool  # fewer than SMALL_SAMPLE respondents


@dataclass(frozen=True, slots=True)
class Grid:
    """District × category: counts and shares of the district's respondents."""

    districts: tuple[tuple[str, int], ...]  # (name, respondents)
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (category label, cells)


@dataclass(frozen=True, slots=True)
class CityPage:
    overall: Place
    districts: tuple[Place, ...]
    grid: Grid
    trend: str | None  # the SVG, None without answers
    days: int
    unplaced: int
    channels: tuple[tuple[str, int, int, int], ...]  # channel, today, week, all
    sources: tuple[tuple[str, int], ...]
    generated: str
    rounds: tuple[RoundRow, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RoundRow:
    """One survey round in the comparison table (id 0: answers given before rounds)."""

    id: int
    title: str
    dates: str
    state: str  # open | closed | before
    respondents: int
    leading: str  # the three most named problems with their shares
    chosen: bool


async def round_rows(
    store: Store, world: World, city: str, lang: Lang, asked: int | None, before: str
) -> tuple[tuple[RoundRow, ...], int | None]:
    """The city's rounds, newest first, each with its respondents and leading problems, and
    the round the page shows (`asked` if it is one of them, else the current one)."""
    rounds = list(await store.rounds(city))
    if not rounds:
        return (), None
    ids = {r.id for r in rounds} | {0}
    if asked in ids:
        chosen: int = asked  # type: ignore[assignment]
    else:
        # As every report reads: the latest round begun, else the answers from before rounds
        # (a round scheduled for later has nothing yet; the daily summary shows round 0 too).
        current = await store.current_round(city)
        chosen = current.id if current is not None else 0
    shown = world.shown[city]
    rows = []
    listed = [(r.id, r.title(lang), round_dates(r), r.state) for r in rounds]
    for rid, title, dates, state in [*listed[:8], (0, before, "", "before")]:
        ranking = city_ranking(world, city, await store.tallies(city, round_id=rid))
        if rid == 0 and not ranking.overall.respondents:
            continue  # no answers from before rounds
        leading = ", ".join(
            f"{shown.label(r.category, lang)} {pct(r.share)}" for r in ranking.overall.rows[:3]
        )
        rows.append(
            RoundRow(rid, title, dates, state, ranking.overall.respondents, leading, rid == chosen)
        )
    return tuple(rows), chosen


FORM_LIMIT = 4096  # bytes: the desk's forms carry a token, nothing more


async def small_form(request: Request) -> dict[str, str] | Response:
    """A small url-encoded form, read with a hard limit (bot.web.read_limited), never a
    stranger's megabytes; the refusal when it is too big; {} when it cannot be parsed."""
    body = await read_limited(request, limit=FORM_LIMIT)
    if isinstance(body, Response):
        return body
    try:
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return {}


def city_now(world: World, city: str) -> datetime:
    """Now on the city's clock: file names and "generated" dates are the city's day."""
    return datetime.now(UTC).astimezone(ZoneInfo(world.cities[city].timezone))


def district_names(world: World, city: str, lang: Lang, none: str) -> dict[str, str]:
    names = {d.id: d.name(lang) for d in world.cities[city].districts}
    names[NO_DISTRICT] = none
    return names


def place(
    world: World, city: str, ranking: Ranking, name: str, lang: Lang, title: str, top: int = 15
) -> Place:
    shown = world.shown[city]
    rows = tuple(
        TableRow(
            r.position,
            shown.label(r.category, lang),
            r.count,
            pct(r.share),
            pct(r.interval[0]),
            pct(r.interval[1]),
        )
        for r in ranking.rows
    )
    bars = [
        Bar(shown.label(r.category, lang), r.share, *r.interval, f"{pct(r.share)} ({r.count})")
        for r in ranking.rows[:top]
    ]
    chart = ranking_bars(bars, title) if bars else ""
    return Place(name, ranking.respondents, rows, chart, ranking.respondents < SMALL_SAMPLE)


def grid(
    world: World, city: str, ranking: CityRanking, names: Mapping[str, str], lang: Lang
) -> Grid:
    order = [d.id for d in world.cities[city].districts] + [NO_DISTRICT]
    used = [d for d in order if d in ranking.districts and ranking.districts[d].respondents]
    counts = {d: {r.category: r.count for r in ranking.districts[d].rows} for d in used}
    shown = world.shown[city]
    rows = []
    for r in ranking.overall.rows:
        cells = []
        for d in used:
            n, people = counts[d].get(r.category, 0), ranking.districts[d].respondents
            cells.append(f"{n} · {pct(n / people)}" if n else "—")
        rows.append((shown.label(r.category, lang), tuple(cells)))
    heads = tuple((names[d], ranking.districts[d].respondents) for d in used)
    return Grid(heads, tuple(rows))


@dataclass(frozen=True, slots=True)
class Days:
    """Answers per day (an answer counted once, by its first item) and, per category, how
    many answers of each day name it. Days are ISO dates."""

    answers: Counter[str]
    named: dict[str, Counter[str]]


async def day_counts(store: Store, city: str, of: Mapping[str, Any], zone: ZoneInfo) -> Days:
    """Counted by the database per UTC hour and category (a page costs as many rows as hours
    × categories, not as answers), then put on the city's days. Exact for zones a whole
    number of hours from UTC, as every city here is (Asia/Bishkek, UTC+6)."""
    answers: Counter[str] = Counter()
    named: dict[str, Counter[str]] = {}
    for row in await store.answer_hours(city, **of):
        day = row.hour.astimezone(zone).date().isoformat()
        answers[day] += row.first
        named.setdefault(row.category, Counter())[day] += row.items
    return Days(answers, named)


def trend(
    world: World, city: str, days_seen: Days, categories: Sequence[str], lang: Lang, title: str
) -> tuple[str | None, int]:
    """Cumulative shares of the leading categories by answer day, and each day's new answers
    as bars; None without answers."""
    per_day = days_seen.answers
    if not per_day:
        return None, 0
    first, last = min(per_day), max(per_day)
    start = datetime.strptime(first, "%Y-%m-%d").date()
    span = (datetime.strptime(last, "%Y-%m-%d").date() - start).days
    days = [(start + timedelta(days=i)).isoformat() for i in range(span + 1)]
    shown = world.shown[city]
    series = []
    for c in categories:
        named = days_seen.named.get(c, Counter())
        total = seen = 0
        values = []
        for day in days:
            total += per_day.get(day, 0)
            seen += named.get(day, 0)
            values.append(seen / total if total else 0.0)
        series.append(Series(shown.label(c, lang), values))
    counts = [per_day.get(day, 0) for day in days]
    return trend_lines(days, series, title, counts), len(days)


async def city_page(
    store: Store, world: World, city: str, lang: Lang, t: Any, now: datetime, asked: int | None
) -> CityPage:
    """Everything `GET /cities/{city}` shows (of the round `asked`, else the current one);
    `t(msg_id, **args)` renders a sentence."""
    rounds, chosen = await round_rows(store, world, city, lang, asked, str(t("desk-round-before")))
    of: dict[str, Any] = {} if chosen is None else {"round_id": chosen}
    tallies = await store.tallies(city, **of)
    sources = await store.source_counts(city, **of)
    ranking = city_ranking(world, city, tallies, sources=sources)
    names = district_names(world, city, lang, str(t("desk-no-district")))
    zone = ZoneInfo(world.cities[city].timezone)
    local = now.astimezone(zone)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - timedelta(days=day.weekday())
    stats = await store.city_stats(city, day, week, now - timedelta(days=1), **of)
    date = local.strftime("%d.%m.%Y")
    overall = place(
        world,
        city,
        ranking.overall,
        str(world.cities[city].name(lang)),
        lang,
        str(t("desk-chart-title", city=world.cities[city].name(lang), date=date)),
    )
    districts = []
    for d in [d.id for d in world.cities[city].districts] + [NO_DISTRICT]:
        local_ranking = ranking.districts.get(d)
        if local_ranking is None or not local_ranking.respondents:
            continue
        title = str(t("desk-chart-title-district", district=names[d], date=date))
        districts.append(place(world, city, local_ranking, names[d], lang, title, top=8))
    seen = await day_counts(store, city, of, zone)
    leading = [r.category for r in ranking.overall.rows[:TREND_LINES] if r.category != OTHER]
    chart, days = trend(world, city, seen, leading, lang, str(t("desk-trend-title", date=date)))
    channels = tuple(
        (ch, stats.answers_today.get(ch, 0), stats.answers_week.get(ch, 0), n)
        for ch, n in sorted(stats.answers_total.items())
    )
    return CityPage(
        overall=overall,
        districts=tuple(districts),
        grid=grid(world, city, ranking, names, lang),
        trend=chart,
        days=days,
        unplaced=ranking.unplaced,
        channels=channels,
        sources=tuple(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
        generated=local.strftime("%d.%m.%Y %H:%M"),
        rounds=rounds,
    )


async def signal_notes(
    store: Store, world: World, texts: Texts, city: str, round_id: int | None, lang: Lang
) -> list[str]:
    """The vote-farming notes of the daily summary (flows/signals.py), as plain lines: a
    share and the top without them, never a filter on the ranking above."""
    from flows import signals as farming
    from flows.summary import signal_parts

    rows = await store.signal_rows(city, round_id=round_id)
    report = farming.signals(rows, order=world.shown[city].ids)
    parts = signal_parts(world, city, report, lang)
    return [html_to_plain(texts.format(lang, part)) for part in parts]


@dataclass(frozen=True, slots=True)
class AnnouncementView:
    title: str
    kind: str
    state: str
    send_at: str
    sent: int
    failed: int
    skipped: int
    pending: int
    total: int
    bar: str


async def announcements(
    store: Store, world: World, city: str, lang: Lang
) -> list[AnnouncementView]:
    zone = ZoneInfo(world.cities[city].timezone)
    out = []
    for a in await store.announcements(city):
        c = await store.broadcast_counts(a.id)
        done = c.sent + c.failed + c.skipped
        out.append(
            AnnouncementView(
                title=localized(a.content, "title", lang),
                kind=a.kind,
                state=a.state,
                send_at=a.send_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
                sent=c.sent,
                failed=c.failed,
                skipped=c.skipped,
                pending=c.pending,
                total=c.total,
                bar=progress_bar(done, c.total, f"{done}/{c.total}"),
            )
        )
    return out


def public_rows(world: World, city: str, ranking: CityRanking, lang: Lang) -> list[TableRow]:
    """The citywide ranking only: categories, counts, shares, intervals (no words, no places
    smaller than the city, nothing from fewer than PUBLIC_MIN respondents)."""
    if ranking.overall.respondents < PUBLIC_MIN:
        return []
    return list(place(world, city, ranking.overall, "", lang, "").rows)


async def themes_of(store: Store, world: World, city: str) -> list[tuple[int, list[str]]]:
    """The unplaced answers grouped by similarity (flows/themes.py): each theme's size and
    its wordings as residents wrote them (phone numbers masked), largest first."""
    from flows.review import THEMED_WORDINGS
    from flows.text import mask_phones, normalise
    from flows.themes import group  # scikit-learn: imported when the page is asked for

    items = await store.unplaced(city)
    # As in the chat: the most frequent wordings only, grouped in a thread, so a city with
    # thousands of own words never stalls the bot's event loop (residents' turns, /healthz).
    key = {id(i): normalise(mask_phones(i.text)) for i in items}
    kept = {k for k, _ in Counter(key.values()).most_common(THEMED_WORDINGS)}
    items = [i for i in items if key[id(i)] in kept]
    found = await asyncio.to_thread(group, items, world.matchers.get(city))
    return [(theme.size, [mask_phones(s) for s in theme.samples]) for theme in found]
