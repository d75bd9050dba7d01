"""The desk's charts as inline SVG, drawn here (no JavaScript, no chart library): presentation
attributes only, so the Content-Security-Policy needs no inline styles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PALETTE = ("#1f6fb2", "#d9822b", "#2e8b57", "#a23b72", "#6b5b95", "#8c564b")


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    share: float  # 0..1
    low: float
    high: float
    note: str  # what is written at the end of the bar ("42% (17)")


def _axis_top(value: float) -> float:
    """The smallest tidy axis end (10%, 20%, 25%, 40%, 50%, ... 100%) above `value`."""
    for top in (0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.8, 1.0):
        if value <= top + 1e-9:
            return top
    return 1.0


def _t(text: str) -> str:
    return escape(text, quote=True)


def ranking_bars(bars: Sequence[Bar], title: str, label_width: int = 230) -> Markup:
    """Horizontal bars (share of respondents) with the 95% interval drawn as a whisker."""
    row, top_pad, width = 26, 42, 760
    plot = width - label_width - 110
    height = top_pad + row * len(bars) + 28
    top = _axis_top(max((b.high for b in bars), default=0.1))
    x0 = label_width

    def x(v: float) -> float:
        return x0 + plot * min(v, top) / top

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{_t(title)}">',
        f"<title>{_t(title)}</title>",
        f'<text x="4" y="18" font-size="15" font-weight="bold" fill="#222">{_t(title)}</text>',
    ]
    steps = 5
    for i in range(steps + 1):
        v = top * i / steps
        gx = x(v)
        out.append(
            f'<line x1="{gx:.1f}" y1="{top_pad - 6}" x2="{gx:.1f}" y2="{height - 24}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{gx:.1f}" y="{height - 8}" font-size="11" fill="#555" '
            f'text-anchor="middle">{round(v * 100)}%</text>'
        )
    for i, bar in enumerate(bars):
        y = top_pad + i * row
        out.append(
            f'<text x="{x0 - 8}" y="{y + 15}" font-size="12" fill="#222" '
            f'text-anchor="end">{_t(bar.label[:38])}</text>'
            f'<rect x="{x0}" y="{y + 4}" width="{x(bar.share) - x0:.1f}" height="{row - 10}" '
            f'fill="{PALETTE[0]}"/>'
            f'<line x1="{x(bar.low):.1f}" y1="{y + row / 2:.1f}" x2="{x(bar.high):.1f}" '
            f'y2="{y + row / 2:.1f}" stroke="#111" stroke-width="1.5"/>'
            f'<line x1="{x(bar.low):.1f}" y1="{y + 6}" x2="{x(bar.low):.1f}" y2="{y + row - 6}" '
            'stroke="#111" stroke-width="1.5"/>'
            f'<line x1="{x(bar.high):.1f}" y1="{y + 6}" x2="{x(bar.high):.1f}" '
            f'y2="{y + row - 6}" stroke="#111" stroke-width="1.5"/>'
            f'<text x="{x(bar.high) + 6:.1f}" y="{y + 15}" font-size="12" '
            f'fill="#222">{_t(bar.note)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: Sequence[float]  # one per day, 0..1


def trend_lines(
    days: Sequence[str], series: Sequence[Series], title: str, counts: Sequence[int] = ()
) -> Markup:
    """Lines across days (cumulative shares), with the day's new answers as grey bars."""
    width, height, left, right, top_pad, bottom = 760, 300, 48, 180, 40, 46
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    n = len(days)
    top = _axis_top(max((v for s in series for v in s.values), default=0.1))
    most = max(counts, default=0) or 1

    def x(i: int) -> float:
        return left + (plot_w * (i / (n - 1)) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top_pad + plot_h * (1 - min(v, top) / top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{_t(title)}">',
        f"<title>{_t(title)}</title>",
        f'<text x="4" y="18" font-size="15" font-weight="bold" fill="#222">{_t(title)}</text>',
    ]
    for i in range(5):
        v = top * i / 4
        out.append(
            f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + plot_w}" y2="{y(v):.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" fill="#555" '
            f'text-anchor="end">{round(v * 100)}%</text>'
        )
    bar_w = max(2.0, min(24.0, plot_w / max(n, 1) * 0.6))
    for i, c in enumerate(counts):
        h = plot_h * 0.35 * c / most
        out.append(
            f'<rect x="{x(i) - bar_w / 2:.1f}" y="{top_pad + plot_h - h:.1f}" '
            f'width="{bar_w:.1f}" height="{h:.1f}" fill="#c8c8c8"><title>{c}</title></rect>'
        )
    label_every = max(1, math.ceil(n / 8))
    for i, day in enumerate(days):
        if i % label_every == 0 or i == n - 1:
            out.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" font-size="11" fill="#555" '
                f'text-anchor="middle">{_t(day[5:])}</text>'
            )
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        if n == 1:
            out.append(f'<circle cx="{x(0):.1f}" cy="{y(s.values[0]):.1f}" r="4" fill="{colour}"/>')
        else:
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        ly = top_pad + 8 + k * 18
        out.append(
            f'<rect x="{left + plot_w + 12}" y="{ly - 9}" width="12" height="12" '
            f'fill="{colour}"/><text x="{left + plot_w + 28}" y="{ly + 1}" font-size="12" '
            f'fill="#222">{_t(s.label[:22])}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def progress_bar(done: int, total: int, label: str) -> Markup:
    """A delivery's progress: the delivered part of a bar."""
    share = done / total if total else 0.0
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="progress" viewBox="0 0 200 14" '
        f'width="200" height="14" role="img" aria-label="{_t(label)}">'
        '<rect x="0" y="0" width="200" height="14" fill="#e3e3e3"/>'
        f'<rect x="0" y="0" width="{200 * share:.1f}" height="14" fill="{PALETTE[2]}"/></svg>'
    )
