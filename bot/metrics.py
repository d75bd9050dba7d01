"""The process's Prometheus metrics: one registry, one-line hooks, bounded labels only."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import accumulate
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, Gauge, ProcessCollector
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.registry import Collector

from flows.session import SaveAnswer

if TYPE_CHECKING:
    from flows.world import World
    from storage.base import ResidentRef

# Labels are never a resident, a chat, a phone or a text: channel ("tg", "wa", "local",
# "group"), the inbound kind (a handful, flows.session.Inbound), a city id, an error kind
# below, a Twilio error code. So every series is bounded by the code and the catalogue.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what every Prometheus version scrapes
TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
# While getUpdates fails, PTB asks again at least every 30 s: a failure younger than this
# with no success after it means Telegram is out of reach now.
TELEGRAM_FAILING_FOR = 60.0


class Reachability:
    """Is Telegram reachable, as far as this process knows (no call of its own): the last
    Bot API outcome, and a failure counts only for TELEGRAM_FAILING_FOR seconds."""

    __slots__ = ("failed_at", "ok_at")

    def __init__(self) -> None:
        self.ok_at = 0.0
        self.failed_at: float | None = None

    def ok(self) -> None:
        self.ok_at = time.monotonic()

    def failed(self) -> None:
        self.failed_at = time.monotonic()

    @property
    def reachable(self) -> bool:
        failed = self.failed_at
        if failed is None or self.ok_at >= failed:
            return True
        return time.monotonic() - failed > TELEGRAM_FAILING_FOR


class _AnsweredToday(Collector):
    """`citybot_residents_answered_today{city,channel}`: distinct residents who saved an
    answer today (the city's day), counted by this process as answers are committed."""

    def __init__(self) -> None:
        # (city, channel) -> (the city's day, its zone, hashes of the residents who answered)
        self.days: dict[tuple[str, str], tuple[str, ZoneInfo, set[int]]] = {}
        self._zones: dict[str, ZoneInfo] = {}

    def add(self, who: ResidentRef, city: str, now: datetime, world: World) -> None:
        known = world.cities.get(city)
        zone_name = known.timezone if known is not None else "Asia/Bishkek"
        zone = self._zones.get(zone_name) or self._zones.setdefault(zone_name, ZoneInfo(zone_name))
        day = now.astimezone(zone).date().isoformat()
        key = (city, who.channel)
        entry = self.days.get(key)
        if entry is None or entry[0] != day:
            entry = self.days[key] = (day, zone, set())
        entry[2].add(hash(who))  # a number for counting; never exported

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "citybot_residents_answered_today",
            "Residents who saved an answer today (city's day), counted by this process",
            labels=("city", "channel"),
        )
        now = datetime.now().astimezone()
        for (city, channel), (day, zone, who) in sorted(self.days.items()):
            today = now.astimezone(zone).date().isoformat()
            family.add_metric((city, channel), len(who) if day == today else 0)
        yield family


class Counts(Collector):
    """A counter family as plain numbers in a dict: the hooks run on the event loop's thread
    only, so an increment needs no lock (prometheus_client's take one per call: measured 3-10x
    slower); the family is built when scraped."""

    def __init__(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.doc, self.labels = name, doc, labels
        self.values: dict[tuple[str, ...], float] = {} if labels else {(): 0.0}

    def inc(self, *labels: str) -> None:
        self.values[labels] = self.values.get(labels, 0.0) + 1

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self.name, self.doc, labels=self.labels)
        for labels, count in sorted(self.values.items()):
            family.add_metric(labels, count)
        yield family


class Timings(Collector):
    """A histogram family with one label, kept as per-bucket counts (cumulated when scraped):
    an observation is a bisect and two additions."""

    def __init__(self, name: str, doc: str, label: str, buckets: tuple[float, ...]) -> None:
        self.name, self.doc, self.label, self.bounds = name, doc, label, buckets
        # label value -> [count in each bucket..., count above the last, sum]
        self.series: dict[str, list[float]] = {}

    def observe(self, label: str, seconds: float) -> None:
        series = self.series.get(label)
        if series is None:
            series = self.series[label] = [0.0] * (len(self.bounds) + 2)
        series[bisect_left(self.bounds, seconds)] += 1  # the first bucket with le >= seconds
        series[-1] += seconds

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(self.name, self.doc, labels=(self.label,))
        les = [*map(str, self.bounds), "+Inf"]
        for label, series in sorted(self.series.items()):
            buckets = list(zip(les, accumulate(series[:-1]), strict=True))
            family.add_metric((label,), buckets, sum_value=series[-1])
        yield family


class Metrics:
    """Everything `/metrics` shows. The hooks below cost a dict lookup and an addition each:
    never a lock, a label parse or a store query (the bot handles ~450 updates/s a core)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = self.registry = registry if registry is not None else CollectorRegistry()
        ProcessCollector(namespace="citybot", registry=r)  # CPU, memory, file descriptors
        self.updates = Counts("citybot_updates", "Inbound events", ("channel", "kind"))
        self.turn_seconds = Timings(
            "citybot_turn_seconds",
            "One event through the pipeline: lock, load, decide, commit, deliver (WhatsApp: queue)",
            "channel",
            TURN_BUCKETS,
        )
        self.commit_seconds = Timings(
            "citybot_commit_seconds", "One transaction of the pipeline", "actor", COMMIT_BUCKETS
        )
        self.errors = Counts("citybot_errors", "Errors by kind", ("kind",))
        self.telegram_429 = Counts("citybot_telegram_429", "Telegram 429 (Too Many Requests)")
        self.twilio_errors = Counts("citybot_twilio_errors", "Twilio refusals", ("code",))
        self.broadcast_sent = Counts("citybot_broadcast_sent", "Announcements sent", ("channel",))
        self.broadcast_failed = Counts(
            "citybot_broadcast_failed", "Announcements not delivered", ("channel",)
        )
        self.summaries_sent = Counts("citybot_summaries_sent", "Daily summaries sent", ("city",))
        self.answered_today = _AnsweredToday()
        # verdict: "warn" (told to slow down once) or "drop" (acknowledged silently)
        self.flood_limited = Counts(
            "citybot_flood_limited",
            "Inbound events over the per-actor flood limit, acknowledged but not decided",
            ("channel", "verdict"),
        )
        for collector in (
            self.updates,
            self.turn_seconds,
            self.commit_seconds,
            self.errors,
            self.telegram_429,
            self.twilio_errors,
            self.broadcast_sent,
            self.broadcast_failed,
            self.summaries_sent,
            self.answered_today,
            self.flood_limited,
        ):
            r.register(collector)
        # Gauges change rarely (a broadcast starts) or are read at scrape time (the outbox).
        self.whatsapp_outbox = Gauge(
            "citybot_whatsapp_outbox_depth",
            "WhatsApp sends queued or in flight (per-resident outbox)",
            registry=r,
        )
        self.broadcasts_running = Gauge(
            "citybot_broadcasts_in_progress", "Broadcasts this process is sending", registry=r
        )

    # --- the hooks (one call each) ---------------------------------------------------------

    def update(self, channel: str, kind: str) -> None:
        self.updates.inc(channel, kind)

    def turn(self, channel: str, started: float) -> None:
        """`started`: time.perf_counter() when the event entered the pipeline."""
        self.turn_seconds.observe(channel, time.perf_counter() - started)

    def commit(self, actor: str, started: float) -> None:
        self.commit_seconds.observe(actor, time.perf_counter() - started)

    def error(self, kind: str) -> None:
        self.errors.inc(kind)

    def twilio_error(self, code: object) -> None:
        self.twilio_errors.inc(str(code) if isinstance(code, int) else "other")

    def broadcast(self, channel: str, state: str) -> None:
        if state == "sent":
            self.broadcast_sent.inc(channel)
        elif state == "failed":
            self.broadcast_failed.inc(channel)

    def flooded(self, channel: str, verdict: str) -> None:
        self.flood_limited.inc(channel, verdict)

    def summary_sent(self, city: str) -> None:
        self.summaries_sent.inc(city)

    def answered(
        self, who: ResidentRef, effects: Iterable[object], now: datetime, world: World
    ) -> None:
        """After a committed turn: its saved answers count their resident for today."""
        for effect in effects:
            if isinstance(effect, SaveAnswer):
                self.answered_today.add(who, effect.answer.city, now, world)

    def watch_outbox(self, depth: Callable[[], float]) -> None:
        """The WhatsApp outbox's depth, read at scrape time."""
        self.whatsapp_outbox.set_function(depth)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


METRICS = Metrics()  # the process's; tests call reset() for a clean one


def reset(registry: CollectorRegistry | None = None) -> Metrics:
    """A fresh Metrics (its own registry) for the hooks to report to from now on."""
    global METRICS
    METRICS = Metrics(registry)
    return METRICS
