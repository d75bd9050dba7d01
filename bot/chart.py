"""The ranking chart: a horizontal bar chart of the top problems as a PNG (matplotlib, Agg)."""

from __future__ import annotations

import io
import logging
import textwrap
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.i18n import Texts, html_to_plain
from flows.catalogue import Lang
from flows.session import Msg

if TYPE_CHECKING:
    from flows.summary import CityRanking
    from flows.world import World

log = logging.getLogger(__name__)

TOP = 10
_warm_lock = threading.Lock()
_warmed = False


def ranking_png(
    title: str, labels: Sequence[str], shares: Sequence[float], note: str = ""
) -> bytes:
    """Bars of `shares` (0..1) with `labels`, best first at the top. matplotlib is imported
    here, not at start: it costs ~0.3 s and most processes never draw."""
    import matplotlib

    matplotlib.use("Agg")  # no display; must come before pyplot
    from matplotlib.figure import Figure  # the OO API: no global pyplot state, thread-safe

    labels = [textwrap.shorten(label, 40, placeholder="…") for label in labels[:TOP]]
    shares = list(shares[:TOP])
    figure = Figure(figsize=(8, 0.5 * max(len(labels), 3) + 1.2), dpi=100)
    axes = figure.add_subplot()
    positions = range(len(labels))
    bars = axes.barh(positions, [s * 100 for s in shares], color="#2f6db5")
    axes.set_yticks(list(positions), labels)  # DejaVu Sans covers Kyrgyz ө ү ң
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.xaxis.set_major_formatter("{x:.0f}%")
    axes.bar_label(bars, labels=[f"{s * 100:.0f}%" for s in shares], padding=3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(title, loc="left", fontsize=12)
    if note:
        figure.text(0.01, 0.01, note, fontsize=8, color="#555555")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def summary_chart(world: World, texts: Texts, ranking: CityRanking, lang: Lang) -> bytes:
    """The PNG of a ranking's top problems, with the city's labels in the chat's language."""
    shown = world.shown[ranking.city]
    rows = ranking.overall.rows[:TOP]
    city = world.cities[ranking.city].name(lang)
    title = texts.format(lang, Msg("chart-title", {"city": city}), escape=str)
    note = texts.format(
        lang, Msg("chart-note", {"respondents": ranking.overall.respondents}), escape=str
    )
    return ranking_png(
        html_to_plain(title),
        [shown.label(r.category, lang) for r in rows],
        [r.share for r in rows],
        html_to_plain(note),
    )


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
            ranking_png("Караколдогу көйгөйлөр", ["Жолдор", "Суу үңкүрү"], [0.6, 0.3], "ө ү ң")
        except Exception:
            log.warning("warming the chart up failed", exc_info=True)
        _warmed = True


def warm_in_background() -> threading.Thread:
    """`warm()` in a daemon thread (it never keeps the process from exiting); started."""
    thread = threading.Thread(target=warm, name="chart-warm-up", daemon=True)
    thread.start()
    return thread
