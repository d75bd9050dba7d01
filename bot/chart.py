"""The ranking chart: a horizontal bar chart of the top problems as a PNG (matplotlib, Agg)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.i18n import Texts, html_to_plain
from flows.catalogue import Lang
from flows.session import Msg

if TYPE_CHECKING:
    from flows.summary import CityRanking
    from flows.world import World

TOP = 10


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
