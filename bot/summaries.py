"""Render and compute working-group summaries: the city ranking as Telegram HTML messages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot import metrics
from bot.chart import summary_chart
from bot.fresh_world import FreshWorld
from bot.i18n import Texts, pack_lines
from flows import signals as farming
from flows.catalogue import Lang
from flows.rounds import RoundView
from flows.session import Msg
from flows.summary import CityRanking, city_ranking, summary_parts
from flows.world import World
from storage.base import Reports, Reviews, Signals, WorkingGroups
from storage.rounds import Rounds

if TYPE_CHECKING:
    from bot.telegram_out import TelegramOutbound

log = logging.getLogger(__name__)

__all__ = ["SummarySender", "as_json", "compute", "render", "summary_chart"]


class SummaryStore(Reports, Signals, WorkingGroups, Rounds, Reviews, Protocol):
    """What summaries read and record: the counters, the signals' rows, the chats, the
    summaries sent, the round, and what review taught (category names)."""


class RankingReads(Reports, Signals, Rounds, Protocol):
    """What `compute` reads: the counters, the round they belong to, and the signals' rows
    when asked for."""


TELEGRAM_LIMIT = 4096


def render(texts: Texts, lang: Lang, parts: list[Msg], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """HTML messages of at most `limit` characters, split between lines (every part is a
    line of balanced HTML, so a split never falls inside a tag)."""
    return pack_lines((texts.format(lang, part).rstrip() for part in parts), limit)


async def compute(
    store: RankingReads,
    world: World,
    city: str,
    district: str | None = None,
    previous: Mapping[str, tuple[int, int]] | None = None,
    changed: int | None = None,
    signals: bool = False,
    round_id: int | None = None,
) -> CityRanking:
    """The ranking from the counters, with how many came by each link (citywide only), and
    with `signals` the vote-farming signals (citywide only: they read every current answer
    of the city once, so only the daily summary and the operator's summary ask for them)."""
    # The round the counters read (by default the latest one begun), named in the summary.
    if round_id is None:
        current = await store.current_round(city)
    else:  # 0: the answers from before rounds, which have no title
        current = next((r for r in await store.rounds(city) if r.id == round_id), None)
    tallies = await store.tallies(city, round_id=round_id)
    sources = await store.source_counts(city, round_id=round_id) if district is None else None
    report = None
    if signals and district is None:
        rows = await store.signal_rows(city, round_id=round_id)
        report = farming.signals(rows, order=world.shown[city].ids)
    return city_ranking(world, city, tallies, district, previous, changed, sources, report, current)


def as_json(ranking: CityRanking) -> dict[str, Any]:
    """Machine-readable ranking: respondents and, per category id, its figures."""
    overall = ranking.overall
    return {
        "city": ranking.city,
        "district": ranking.district,
        "respondents": overall.respondents,
        "weighted": overall.weighted,
        "unplaced": ranking.unplaced,
        "round": _round_json(ranking.round),
        "sources": dict(ranking.sources),
        "categories": {
            row.category: {
                "position": row.position,
                "count": row.count,
                "share": round(row.share, 4),
                "score": row.score,
                "interval": [round(row.interval[0], 4), round(row.interval[1], 4)],
                **(
                    {"weighted_share": round(row.weighted_share, 4)}
                    if row.weighted_share is not None
                    else {}
                ),
            }
            for row in overall.rows
        },
        **({"signals": farming.as_json(ranking.signals)} if ranking.signals is not None else {}),
    }


def _round_json(view: RoundView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {
        "id": view.id,
        "title_ru": view.title_ru,
        "title_ky": view.title_ky,
        "starts_on": view.starts_on,
        "ends_on": view.ends_on,
        "state": view.state,
    }


@dataclass(frozen=True, slots=True)
class Chat:
    """A working-group chat and the language its summary is written in."""

    chat_id: int
    lang: Lang


class SummarySender:
    """Sends a city's daily summary (text + chart) to its working-group chats, once per chat
    and local day: the store's claim makes restarts and a second process harmless. The
    messages go out through the Telegram outbound (429s, supergroups followed)."""

    def __init__(
        self, store: SummaryStore, world: World, texts: Texts, out: TelegramOutbound
    ) -> None:
        self.store, self.world, self.texts, self.out = store, world, texts, out
        # Categories accepted from themes (and what review taught) as of the store, by name.
        self.worlds = FreshWorld(store, world)

    async def chats(self, city: str) -> list[Chat]:
        """The configured working-group chats and those bound with /bind, each once (by its
        current id: a configured group may since have become a supergroup)."""
        found: dict[int, Chat] = {}
        for configured in self.world.cities[city].working_groups:
            chat_id = await self.store.current_chat_id(configured.telegram_chat_id)
            found.setdefault(chat_id, Chat(chat_id, configured.language))
        for chat_id, lang in await self.store.groups(city):
            found[chat_id] = Chat(chat_id, lang)  # type: ignore[arg-type]  # /language wins
        return list(found.values())

    async def send_city(self, city: str, day: str, force: bool = False) -> int:
        """Send `day`'s summary to every chat of the city that has not had it; returns how
        many chats got it. `force` sends again (the `--send` of an operator)."""
        sent = 0
        for chat in await self.chats(city):
            chat_id = chat.chat_id
            if not await self.store.claim_summary(city, chat_id, day) and not force:
                continue
            try:
                ranking, chat_id = await self._send(city, day, chat_id, chat.lang)
            except Exception:
                await self.store.release_summary(city, chat_id, day)
                log.exception("summary for %s to a working-group chat failed", city)
                metrics.METRICS.error("summary")
                continue
            snapshot = {r.category: (r.position, r.count) for r in ranking.overall.rows}
            respondents = ranking.overall.respondents
            # A group that became a supergroup while we sent: its claim moves to the new id
            # in the background (the outbound reported it), so it is finished under both.
            for claimed in {chat.chat_id, chat_id}:
                await self.store.finish_summary(city, claimed, day, respondents, snapshot)
            sent += 1
            metrics.METRICS.summary_sent(city)
        return sent

    async def _send(self, city: str, day: str, chat_id: int, lang: Lang) -> tuple[CityRanking, int]:
        previous = await self.store.previous_summary(city, chat_id, day)
        current = await self.store.current_round(city)
        began = datetime.fromisoformat(current.starts_at) if current and current.starts_at else None
        if previous and began and previous.sent_at < began:
            # A new round began since: its figures start from nothing, not "down" from the
            # last round's, so no arrows and no "changed since".
            previous = None
        changed = await self.store.changed_since(city, previous.sent_at) if previous else None
        snapshot = previous.snapshot if previous else None
        world = await self.worlds.get()
        ranking = await compute(self.store, world, city, None, snapshot, changed, True)
        texts = render(self.texts, lang, summary_parts(world, ranking, lang))
        png = None
        caption = ""
        if ranking.overall.rows:
            png = await asyncio.to_thread(summary_chart, world, self.texts, ranking, lang)
            name = world.cities[city].name(lang)
            caption = self.texts.format(lang, Msg("chart-caption", {"city": name, "day": day}))
        chat_id = await self.out.summary(chat_id, texts, png, caption)
        return ranking, chat_id
