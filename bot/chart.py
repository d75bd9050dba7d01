"""The ranking chart: the top problems with their 95% intervals as a PNG (matplotlib, Agg)."""

from __future__ import annotations

import io
import logging
import math
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.i18n import Texts, html_to_plain
from flows.catalogue import Lang
from flows.session import Msg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from flows.summary import CityRanking
    from flows.world import World

log = logging.getLogger(__name__)

TOP = 10
FEW = 30  # respondents below which a share is too uncertain to read alone
FONT = {"font.family": "DejaVu Sans"}  # covers Kyrgyz ө ү ң and Cyrillic
BAR, WARN, GREY = "#2f6db5", "#b3261e", "#555555"
_warm_lock = threading.Lock()
_warmed = False


@dataclass(frozen=True, slots=True)
class ChartData:
    """What one chart shows, already in the reader's language."""

    title: str
    labels: Sequence[str]
    shares: Sequence[float]  # 0..1, best first
    intervals: Sequence[tuple[float, float]] = ()  # 95% (low, high) per bar, 0..1
    note: str = ""  # grey, under the chart
    warning: str = ""  # red, under the title: too few respondents
    empty: str = ""  # no bars: this text fills the picture instead
    hint: str = ""  # under `empty`


def axis_limit(highs: Sequence[float]) -> float:
    """The x axis's end in percent: the longest bar or interval plus room for its label,
    rounded up to a multiple of 10 (5 below 20%), never past 100."""
    top = max(highs, default=0.0) * 100
    step = 5 if top < 20 else 10
    return float(min(100, max(step, math.ceil(top * 1.18 / step) * step)))


def build_figure(data: ChartData) -> Figure:
    """The chart as a matplotlib Figure (tests read its texts). matplotlib is imported here,
    not at start: it costs ~0.3 s and most processes never draw."""
    import matplotlib

    matplotlib.use("Agg")  # no display; must come before pyplot
    from matplotlib.figure import Figure  # the OO API: no global pyplot state, thread-safe

    with matplotlib.rc_context(FONT):
        if not data.labels:
            return _empty_figure(Figure, data)
        labels = [textwrap.shorten(label, 40, placeholder="…") for label in data.labels[:TOP]]
        shares = [s * 100 for s in data.shares[:TOP]]
        intervals = [(lo * 100, hi * 100) for lo, hi in data.intervals[:TOP]]
        figure = Figure(figsize=(8, 0.5 * max(len(labels), 3) + 1.9), dpi=100)
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        axes.barh(positions, shares, color=BAR)
        ends = shares
        if intervals:
            # Error bars from the share to each end of its 95% Wilson interval.
            errors = [
                [s - lo for s, (lo, _) in zip(shares, intervals, strict=True)],
                [hi - s for s, (_, hi) in zip(shares, intervals, strict=True)],
            ]
            axes.errorbar(
                shares, positions, xerr=errors, fmt="none", ecolor="#222222", capsize=4, lw=1
            )
            ends = [hi for _, hi in intervals]
        limit = axis_limit([e / 100 for e in ends])
        for y, share, end in zip(positions, shares, ends, strict=True):
            axes.text(end + limit * 0.01, y, f"{share:.0f}%", va="center", fontsize=9)
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        axes.set_xlim(0, limit)
        axes.xaxis.set_major_formatter("{x:.0f}%")
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_title(data.title, loc="left", fontsize=12)
        # Under the chart, from the bottom up: the warning (red), the note (grey, wrapped).
        line = 0.16 / figure.get_figheight()  # one 8-9 pt line, as a fraction of the height
        bottom = 0.01
        if data.warning:
            figure.text(0.01, bottom, data.warning, fontsize=9, color=WARN, weight="bold")
            bottom += 1.4 * line
        if data.note:
            note = textwrap.fill(data.note, 112)
            figure.text(0.01, bottom, note, fontsize=8, color=GREY, va="bottom")
            bottom += line * (note.count("\n") + 1.6)
        figure.tight_layout(rect=(0, bottom, 1, 1))
        return figure


def _empty_figure(figure_class: type[Figure], data: ChartData) -> Figure:
    figure = figure_class(figsize=(8, 3.2), dpi=100)
    figure.text(0.02, 0.9, data.title, fontsize=12, va="top")
    figure.text(0.5, 0.52, data.empty, fontsize=22, ha="center", va="center", color=GREY)
    if data.hint:
        figure.text(0.5, 0.3, data.hint, fontsize=10, ha="center", va="center", color=GREY)
    return figure


def render(figure: Figure) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(FONT):
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def ranking_png(
    title: str,
    labels: Sequence[str],
    shares: Sequence[float],
    note: str = "",
    intervals: Sequence[tuple[float, float]] = (),
) -> bytes:
    """Bars of `shares` (0..1) with `labels`, best first at the top, as a PNG."""
    return render(build_figure(ChartData(title, labels, shares, intervals, note)))


def chart_data(
    world: World, texts: Texts, ranking: CityRanking, lang: Lang, day: date | None = None
) -> ChartData:
    """A ranking as the chart shows it: dated title (the district's name when filtered), the
    top problems with their intervals, a warning under 30 respondents, or "no answers yet".
    `day`: the date in the title (default: today in the city's time zone)."""
    city = world.cities[ranking.city]
    shown = world.shown[ranking.city]
    when = day or datetime.now(UTC).astimezone(ZoneInfo(city.timezone)).date()

    def t(msg_id: str, **args: object) -> str:
        return html_to_plain(texts.format(lang, Msg(msg_id, args), escape=str))

    names = {d.id: d.name(lang) for d in city.districts}
    args = {"city": city.name(lang), "day": when.isoformat()}
    if ranking.district is None:
        title = t("chart-title-dated", **args)
    else:
        district = names.get(ranking.district, ranking.district)
        title = t("chart-title-district", district=district, **args)
    overall = ranking.overall
    if not overall.rows:
        hint = "chart-empty-hint" if not overall.respondents else "chart-empty-own-words"
        return ChartData(title, (), (), empty=t("chart-empty"), hint=t(hint))
    rows = overall.rows[:TOP]
    warning = ""
    if overall.respondents < FEW:
        warning = t("chart-few", respondents=overall.respondents, min=FEW)
    elif ranking.district is None:
        small = [
            f"{names[d]} ({r.respondents})"
            for d in names
            if (r := ranking.districts.get(d)) is not None and 0 < r.respondents < FEW
        ]
        if small:
            warning = t("chart-few-districts", min=FEW, list=", ".join(small))
    return ChartData(
        title,
        [shown.label(r.category, lang) for r in rows],
        [r.share for r in rows],
        [r.interval for r in rows],
        note=t("chart-note-intervals", respondents=overall.respondents),
        warning=textwrap.shorten(warning, 150, placeholder="…"),
    )


def chart_figure(
    world: World, texts: Texts, ranking: CityRanking, lang: Lang, day: date | None = None
) -> Figure:
    """The summary chart's Figure (what `summary_chart` renders)."""
    return build_figure(chart_data(world, texts, ranking, lang, day))


def summary_chart(
    world: World, texts: Texts, ranking: CityRanking, lang: Lang, *, day: date | None = None
) -> bytes:
    """The PNG of a ranking's top problems, with the city's labels in the chat's language
    (a clear "no answers yet" picture when nothing is ranked)."""
    return render(chart_figure(world, texts, ranking, lang, day))


def warm() -> None:
    """Import matplotlib, load its font cache and the fonts, and draw one small chart with
    Kyrgyz letters, so this process's first real chart costs what any later one does, not
    seconds more (matplotlib's import and fonts: 1.5-4 s on a busy machine).
    Thread-safe and idempotent: meant for a thread at start; a second call returns at once
    (or waits for the first). Never raises: a failure is logged, the real chart reports its
    own."""
    global _warmed
    with _warm_lock:
        if _warmed:
            return
        try:
            ranking_png(
                "Караколдогу көйгөйлөр",
                ["Жолдор", "Суу үңкүрү"],
                [0.6, 0.3],
                "ө ү ң",
                [(0.5, 0.7), (0.2, 0.4)],
            )
        except Exception:
            log.warning("warming the chart up failed", exc_info=True)
        _warmed = True


def warm_in_background() -> threading.Thread:
    """`warm()` in a daemon thread (it never keeps the process from exiting); started."""
    thread = threading.Thread(target=warm, name="chart-warm-up", daemon=True)
    thread.start()
    return thread
