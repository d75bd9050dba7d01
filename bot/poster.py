"""The printable poster: A4 portrait, Russian and Kyrgyz, with a QR code per channel (Telegram
deep link, WhatsApp click-to-chat link) for one city district (`citybot poster`).

QR codes come from segno (error correction M or better, 4-module quiet zone) and are drawn as
vector squares, so the PDF stays sharp at any print size. matplotlib (Agg, OO API) is imported
inside the functions, as in bot/chart.py: it costs ~0.3 s and most processes never draw.
Every sentence comes from locales/*/poster.ftl; names come from the city configuration."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flows.catalogue import Lang
from flows.session import Msg

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from bot.i18n import Texts

FORMATS = ("pdf", "png")
PAGE_MM = (210.0, 297.0)  # A4 portrait
MARGIN_MM = 14.0
PNG_DPI = 200
QR_BORDER = 4  # modules of quiet zone, as the standard asks
FONT = "DejaVu Sans"  # covers Cyrillic and Kyrgyz ө ү ң
INK = "#1a1a1a"
ACCENT = "#1f4e8c"
MUTED = "#555555"
CHANNEL_COLOURS = {"telegram": "#1b7fbf", "whatsapp": "#128c4a"}
LANG_ORDER: tuple[Lang, ...] = ("ru", "ky")


@dataclass(frozen=True, slots=True)
class Code:
    """One channel on the poster: its QR link and what people type when they cannot scan."""

    channel: str  # "telegram" | "whatsapp"
    url: str
    handle: str  # "@karakol_bot" or "+996 555 123 456"


@dataclass(frozen=True, slots=True)
class PosterSpec:
    city_ru: str
    city_ky: str
    district_ru: str
    district_ky: str
    payload: str
    codes: tuple[Code, ...]


def poster_format(path: Path) -> str:
    """ "pdf" or "png" from the file name; ValueError for anything else."""
    fmt = path.suffix.lower().removeprefix(".")
    if fmt not in FORMATS:
        raise ValueError(f"--out {path}: the file name must end in .pdf or .png")
    return fmt


def qr_modules(url: str) -> list[list[bool]]:
    """The QR code of `url` as rows of dark (True) / light modules, quiet zone included."""
    import segno

    qr = segno.make(url, error="m", micro=False, boost_error=True)
    return [[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=QR_BORDER)]


def _plain(text: str) -> str:
    return text  # the poster is not HTML: arguments are printed as they are


def poster_texts(texts: Texts, spec: PosterSpec) -> dict[str, dict[Lang, str]]:
    """Every sentence of the poster, by message id and language."""
    args: dict[str, dict[str, str]] = {
        "poster-headline": {},
        "poster-purpose": {},
        "poster-scan": {},
        "poster-footer": {},
    }
    for code in spec.codes:
        key = "username" if code.channel == "telegram" else "number"
        args[f"poster-{code.channel}-manual"] = {key: code.handle}
    return {
        msg_id: {lang: texts.format(lang, Msg(msg_id, dict(a)), _plain) for lang in LANG_ORDER}
        for msg_id, a in args.items()
    }


def _pair(ru: str, ky: str) -> str:
    return ru if ru == ky else f"{ru} / {ky}"


class _Page:
    """Places text on an A4 figure from the top down, in millimetres, wrapping and shrinking
    each block until it fits the printable width."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.renderer = figure.canvas.get_renderer()
        self.px_per_mm = figure.dpi / 25.4
        self.y = MARGIN_MM
        self.width_mm = PAGE_MM[0] - 2 * MARGIN_MM

    def fx(self, x_mm: float) -> float:
        return x_mm / PAGE_MM[0]

    def fy(self, y_mm: float) -> float:
        return 1.0 - y_mm / PAGE_MM[1]

    def _width_mm(self, artist: Text) -> float:
        return artist.get_window_extent(self.renderer).width / self.px_per_mm

    def _wrap(self, artist: Text, words: list[str], width: float) -> list[str]:
        lines: list[str] = []
        current = ""
        for word in words:
            candidate = f"{current} {word}".strip()
            artist.set_text(candidate)
            if current and self._width_mm(artist) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
        return lines

    def text(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: str = INK,
        x_mm: float | None = None,
        width_mm: float | None = None,
        max_lines: int = 2,
        gap_mm: float = 2.0,
        y_mm: float | None = None,
    ) -> Text:
        """A centred block at the cursor (or at y_mm); the cursor moves below it."""
        width = width_mm or self.width_mm
        x = PAGE_MM[0] / 2 if x_mm is None else x_mm
        top = self.y if y_mm is None else y_mm
        artist = self.figure.text(
            self.fx(x),
            self.fy(top),
            text,
            fontsize=size,
            fontfamily=FONT,
            fontweight="bold" if bold else "normal",
            color=colour,
            ha="center",
            va="top",
            multialignment="center",
            linespacing=1.3,
        )
        words = text.split()
        while True:
            lines = self._wrap(artist, words, width)
            artist.set_text("\n".join(lines))
            fits = len(lines) <= max_lines and self._width_mm(artist) <= width
            if fits or artist.get_fontsize() < 6:
                break
            artist.set_fontsize(artist.get_fontsize() * 0.93)
        height = artist.get_window_extent(self.renderer).height / self.px_per_mm
        if y_mm is None:
            self.y = top + height + gap_mm
        return artist

    def rule(self, gap_mm: float = 4.0) -> None:
        from matplotlib.lines import Line2D

        y = self.fy(self.y)
        line = Line2D(
            [self.fx(MARGIN_MM), self.fx(PAGE_MM[0] - MARGIN_MM)],
            [y, y],
            transform=self.figure.transFigure,
            color=ACCENT,
            linewidth=1.2,
        )
        self.figure.add_artist(line)
        self.y += gap_mm

    def qr(
        self, url: str, modules: list[list[bool]], x_mm: float, top_mm: float, size_mm: float
    ) -> None:
        """A code with its quiet zone, `size_mm` wide, centred on x_mm, top at top_mm."""
        from matplotlib.patches import PathPatch
        from matplotlib.path import Path as MplPath

        n = len(modules)
        vertices: list[tuple[float, float]] = []
        codes: list[int] = []
        for row, cells in enumerate(modules):
            col = 0
            while col < n:  # one rectangle per run of dark modules in a row
                if not cells[col]:
                    col += 1
                    continue
                start = col
                while col < n and cells[col]:
                    col += 1
                vertices += [(start, row), (col, row), (col, row + 1), (start, row + 1), (0, 0)]
                codes += [MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.LINETO]
                codes.append(MplPath.CLOSEPOLY)
        height = size_mm / PAGE_MM[1]
        axes = self.figure.add_axes(
            (self.fx(x_mm - size_mm / 2), self.fy(top_mm) - height, size_mm / PAGE_MM[0], height)
        )
        axes.add_patch(
            PathPatch(MplPath(vertices, codes), facecolor="black", edgecolor="none", lw=0)
        )
        axes.set_xlim(0, n)
        axes.set_ylim(n, 0)
        axes.set_aspect("equal")
        axes.set_axis_off()
        axes.set_gid(f"qr:{url}")


def build_figure(texts: Texts, spec: PosterSpec, dpi: int = PNG_DPI) -> Figure:
    """The poster as a matplotlib Figure (A4 portrait)."""
    if not spec.codes:
        raise ValueError("a poster needs at least one channel (Telegram or WhatsApp)")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(PAGE_MM[0] / 25.4, PAGE_MM[1] / 25.4), dpi=dpi)
    FigureCanvasAgg(figure)  # a renderer to measure text with
    page = _Page(figure)
    lines = poster_texts(texts, spec)

    # Where: the city and the district, in both languages.
    page.text(_pair(spec.city_ru, spec.city_ky), 30, bold=True, colour=ACCENT, max_lines=1)
    page.text(_pair(spec.district_ru, spec.district_ky), 18, colour=ACCENT, gap_mm=5)
    page.rule(gap_mm=6)
    # What: the question, and what the answers are for.
    for lang in LANG_ORDER:
        page.text(lines["poster-headline"][lang], 19, bold=True, gap_mm=2.5)
    page.y += 2
    for lang in LANG_ORDER:
        page.text(lines["poster-purpose"][lang], 11, colour=INK, gap_mm=1.8)
    page.y += 6

    # How: one QR code per channel, side by side (one, larger, when only one is configured).
    # The dark part of every code is equally wide; the quiet zone comes on top of it.
    two = len(spec.codes) == 2
    visible = 64.0 if two else 90.0
    centres = (PAGE_MM[0] / 2 - 47, PAGE_MM[0] / 2 + 47) if two else (PAGE_MM[0] / 2,)
    matrices = [qr_modules(code.url) for code in spec.codes]
    sizes = [visible * len(m) / (len(m) - 2 * QR_BORDER) for m in matrices]
    for code, x in zip(spec.codes, centres, strict=False):
        colour = CHANNEL_COLOURS[code.channel]
        name = "Telegram" if code.channel == "telegram" else "WhatsApp"
        page.text(name, 20, bold=True, colour=colour, x_mm=x, y_mm=page.y)
    qr_top = page.y + 8
    slot = max(sizes)
    for code, matrix, x, size in zip(spec.codes, matrices, centres, sizes, strict=False):
        page.qr(code.url, matrix, x, qr_top + (slot - size) / 2, size)
    handle_top = qr_top + slot / 2 + visible / 2 + 5  # below the dark part of the codes
    for code, x in zip(spec.codes, centres, strict=False):
        page.text(code.handle, 15, bold=True, x_mm=x, width_mm=92, y_mm=handle_top)
    page.y = handle_top + 12

    for lang in LANG_ORDER:
        page.text(lines["poster-scan"][lang], 15, bold=True, colour=ACCENT, gap_mm=2)
    page.y += 3
    for code in spec.codes:
        for lang in LANG_ORDER:
            page.text(lines[f"poster-{code.channel}-manual"][lang], 10.5, gap_mm=1.5)

    # Footer, from the bottom up: anonymity and languages; the payload for the operator.
    bottom = PAGE_MM[1] - MARGIN_MM
    footer = [page.text(lines["poster-footer"][lang], 9, colour=MUTED) for lang in LANG_ORDER]
    spacing = 1.5
    for artist in reversed(footer):
        height = artist.get_window_extent(page.renderer).height / page.px_per_mm
        bottom -= height
        artist.set_y(page.fy(bottom))
        bottom -= spacing
    figure.text(
        page.fx(PAGE_MM[0] - 6),
        page.fy(PAGE_MM[1] - 5),
        spec.payload,
        fontsize=6,
        fontfamily=FONT,
        color="#999999",
        ha="right",
        va="bottom",
    )
    return figure


def render(texts: Texts, spec: PosterSpec, fmt: str, dpi: int = PNG_DPI) -> bytes:
    """The poster as PDF or PNG bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown poster format {fmt!r} (use pdf or png)")
    figure = build_figure(texts, spec, dpi)
    buffer = io.BytesIO()
    title = f"{_pair(spec.city_ru, spec.city_ky)}: {_pair(spec.district_ru, spec.district_ky)}"
    metadata = (
        {"Title": title, "Creator": "citybot", "CreationDate": None}
        if fmt == "pdf"
        else {"Title": title, "Software": "citybot"}
    )
    figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()
