"""Exports for the city council: a streamed XLSX (ranking, N per district, answers, chart)
or CSV, with no identifiers."""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import re
import tempfile
from collections.abc import AsyncIterable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.chart import FEW, summary_chart
from bot.export_rows import SheetRows, Styles, Text, splice
from bot.i18n import Texts
from flows.catalogue import Lang
from flows.ranking import Ranking
from flows.session import Msg
from flows.summary import NO_DISTRICT, CityRanking
from flows.text import drop_controls, mask_phones
from flows.world import World
from storage.base import ExportItem, ExportRow

if TYPE_CHECKING:
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Row = ExportRow | ExportItem
EXCEL_ROWS = 1_048_576  # rows of one sheet in Excel (and LibreOffice), the header included
PERCENT = "0.0%"
DAY = "yyyy-mm-dd"
MOMENT = "yyyy-mm-dd hh:mm"
# A cell starting with one of these is a formula to Excel/LibreOffice/Sheets (OWASP's "CSV
# injection" list; NUL and other controls are dropped before): a resident's words must never
# run as one ("=HYPERLINK(...)").
_FORMULA = re.compile(r"^[=+\-@\t\r]")
# What openpyxl would store as an error cell instead of text ("#N/A" typed by a resident).
_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
_ANSWER_WIDTHS = (24, 12, 32, 16, 70, 12)
_RANKING_WIDTHS = (24, 12, 9, 32, 16, 10, 10, 12, 14, 14)


def safe_cell(value: str | None) -> str:
    """A string as a CSV cell, by OWASP's CSV-injection rule: without control characters
    (one in one resident's words must not break the city's file), and a leading apostrophe
    when it starts with = + - @ tab or CR, so no spreadsheet runs it as a formula (the csv
    module quotes the rest: separators, quotes, line breaks)."""
    text = drop_controls(value or "")
    return "'" + text if _FORMULA.match(text) else text


def safe_row(row: Sequence[object]) -> list[object]:
    """Every string of a row made a safe CSV cell (numbers stay numbers)."""
    return [safe_cell(v) if isinstance(v, str) else v for v in row]


@functools.lru_cache(maxsize=1 << 15)
def _words(text: str) -> str:
    """A resident's words as exported: no control characters, no phone numbers. Cached:
    the same few wordings come back thousands of times in a big city."""
    return mask_phones(drop_controls(text))


def _risky(text: str) -> bool:
    return bool(_FORMULA.match(text)) or text in _ERRORS


class _Sheets:
    """Cells for one write-only workbook: typed text, percentages, bold headers."""

    def __init__(self, book: Workbook) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self.book, self._cell, self._bold = book, WriteOnlyCell, Font(bold=True)

    def sheet(self, title: str, widths: Sequence[int], freeze: str | None) -> WriteOnlyWorksheet:
        # Widths and frozen panes are written before the rows: set them first.
        ws = self.book.create_sheet(title[:31])
        for n, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + n)].width = width
        if freeze:
            ws.freeze_panes = freeze
        return ws

    def text(self, ws: WriteOnlyWorksheet, value: str) -> Any:
        """A string cell with the exact words, never a formula or an error: the cell's type
        is "string" (an inline string in the file) and quotePrefix set, so Excel and
        LibreOffice show "=HYPERLINK(...)" as written, without an apostrophe, and keep it
        text when someone edits the cell."""
        if not _risky(value):
            return value
        cell = self._cell(ws, value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    def styled(self, ws: WriteOnlyWorksheet, value: object, fmt: str, font: Any = None) -> Any:
        cell = self._cell(ws, value)
        cell.number_format = fmt
        if font is not None:
            cell.font = font
        return cell

    def head(self, ws: WriteOnlyWorksheet, titles: Sequence[str]) -> None:
        ws.append([self.styled(ws, title, "General", self._bold) for title in titles])


class XlsxBook:
    """One streamed workbook (openpyxl write_only for the small sheets, raw rows in temporary
    files for the answers: nothing is kept per row): the ranking with the file's date and
    round, N per district, the answers fed in batches (a new sheet at `row_limit`), sources
    and the chart. Every table has an autofilter."""

    def __init__(
        self,
        exporter: Exporter,
        ranking: CityRanking,
        lang: Lang,
        generated: datetime,
        round_title: str | None,
        row_limit: int,
    ) -> None:
        from openpyxl import Workbook

        if row_limit < 2:
            raise ValueError("a sheet needs room for its header and one row")
        self.x, self.ranking, self.lang, self.row_limit = exporter, ranking, lang, row_limit
        self.generated, self.round_title = generated, round_title
        self.book = Workbook(write_only=True)
        self.cells = _Sheets(self.book)
        self.zone = ZoneInfo(exporter.world.cities[ranking.city].timezone)
        self.count = 0  # answer items written
        self._parts: list[SheetRows] = []  # the answers sheets' rows
        self._write_ranking()
        self._write_districts()

    def _t(self, msg_id: str, **args: object) -> str:
        return self.x.t(self.lang, msg_id, **args)

    def _write_ranking(self) -> None:
        # Title, round, date and N above the table; its header row is `top`.
        top = 6 if self.round_title else 5
        ws = self.cells.sheet(self._t("export-sheet-ranking"), _RANKING_WIDTHS, f"A{top + 1}")
        city = self.x.world.cities[self.ranking.city].name(self.lang)
        ws.append([self.cells.text(ws, self._t("export-title", city=city))])
        if self.round_title:
            ws.append([self._t("export-round"), self.cells.text(ws, self.round_title)])
        local = self.generated.astimezone(self.zone).replace(tzinfo=None)  # Excel has no zones
        ws.append(
            [self._t("export-generated"), self.cells.styled(ws, local, MOMENT), self.zone.key]
        )
        ws.append([self._t("export-respondents"), self.ranking.overall.respondents])
        ws.append([])
        self.cells.head(ws, self.x._headers(self.lang)[0])
        rows = self.x.ranking_rows(self.ranking, self.lang)
        for row in rows:  # share and the interval's ends: numbers shown as percentages
            pct = self.cells.styled
            ws.append([pct(ws, v, PERCENT) if n in (6, 8, 9) else v for n, v in enumerate(row)])
        ws.auto_filter.ref = f"A{top}:J{top + len(rows)}"
        # The style ids the raw answer rows use: a date, a string kept text (quotePrefix).
        day, text = self.cells.styled(ws, date.today(), DAY), self.cells.text(ws, "=")
        self._styles = Styles(day.style_id, text.style_id)

    def _write_districts(self) -> None:
        ws = self.cells.sheet(self._t("export-sheet-districts"), (28, 16, 48), "A2")
        heads = ("export-col-district", "export-col-n", "export-col-note")
        self.cells.head(ws, [self._t(m) for m in heads])
        rows = self.x.district_counts(self.ranking, self.lang)
        for name, n in rows:
            ws.append([name, n, self._t("export-few", min=FEW) if 0 < n < FEW else None])
        ws.auto_filter.ref = f"A1:C{1 + len(rows)}"

    def add(self, rows: Iterable[Row]) -> None:
        """Answer items, in order: a new sheet whenever the current one is full."""
        names, none = self.x.district_names(self.ranking.city, self.lang), self.x.none(self.lang)
        shown = self.x.world.shown[self.ranking.city]
        labels: dict[str, str] = {}
        for r in rows:
            if not self._parts or self._parts[-1].rows >= self.row_limit:
                self._parts.append(SheetRows(self._styles))
            label = labels.get(r.category)
            if label is None:
                label = labels[r.category] = shown.label(r.category, self.lang)
            words = _words(r.text) if r.text else None
            self._parts[-1].add(
                (
                    names.get(r.district, r.district) if r.district else none,
                    r.rank,
                    label,
                    r.category,
                    Text(words) if words and _risky(words) else words,
                    self._day(r),
                )
            )
            self.count += 1

    def _day(self, row: Row) -> date:
        """The answer's day where the city lives: a real date cell (yyyy-mm-dd)."""
        if isinstance(row, ExportItem):
            return row.answered_at.astimezone(self.zone).date()
        return date.fromisoformat(row.answered_on)  # a UTC day: the list read by /export

    def save(self, out: str | IO[bytes]) -> int:
        """The workbook into a path or a binary file (the answers sheets' rows spliced in
        after openpyxl wrote their headers); the items written."""
        from openpyxl.drawing.image import Image

        title = self._t("export-sheet-answers")
        spliced: dict[str, SheetRows] = {}
        for n, part in enumerate(self._parts or [SheetRows(self._styles)]):
            ws = self.cells.sheet(title if n == 0 else f"{title} ({n + 1})", _ANSWER_WIDTHS, "A2")
            self.cells.head(ws, self.x._headers(self.lang)[1])
            ws.auto_filter.ref = f"A1:F{part.rows}"
            spliced[f"xl/worksheets/sheet{3 + n}.xml"] = part  # after ranking and districts
        if self.ranking.sources:
            # How many residents came by each poster's or campaign's link.
            ws = self.cells.sheet(self._t("export-sheet-sources"), (32, 20), "A2")
            self.cells.head(ws, [self._t("export-col-source"), self._t("export-col-residents")])
            for tag, count in self.ranking.sources.items():
                ws.append([self.cells.text(ws, drop_controls(tag)), count])
            ws.auto_filter.ref = f"A1:B{1 + len(self.ranking.sources)}"
        if self.ranking.overall.rows:
            ws = self.cells.sheet(self._t("export-sheet-chart"), (), None)
            day = self.generated.astimezone(self.zone).date()
            png = summary_chart(self.x.world, self.x.texts, self.ranking, self.lang, day=day)
            ws.add_image(Image(io.BytesIO(png)), "A1")
        with tempfile.TemporaryFile() as workbook:
            self.book.save(workbook)
            splice(workbook, out, spliced)
        for part in spliced.values():
            part.close()
        return self.count


class Exporter:
    """What the council gets, in the chat's or operator's language."""

    def __init__(self, world: World, texts: Texts, row_limit: int = EXCEL_ROWS) -> None:
        self.world, self.texts, self.row_limit = world, texts, row_limit

    def t(self, lang: Lang, msg_id: str, **args: object) -> str:
        return self.texts.format(lang, Msg(msg_id, args), escape=str)

    def none(self, lang: Lang) -> str:
        return self.t(lang, "export-no-district")

    def district_names(self, city: str, lang: Lang) -> dict[str, str]:
        return {d.id: d.name(lang) for d in self.world.cities[city].districts}

    def district_counts(self, ranking: CityRanking, lang: Lang) -> list[tuple[str, int]]:
        """(district, respondents) for every district of the city, then "not given"."""
        names = self.district_names(ranking.city, lang)
        names[NO_DISTRICT] = self.none(lang)
        found = {d: r.respondents for d, r in ranking.districts.items()}
        return [(name, found.get(d, 0)) for d, name in names.items() if d or d in found]

    def _headers(self, lang: Lang) -> tuple[list[str], list[str]]:
        """The ranking's and the answers' column titles (the preview reads them here too)."""
        ids = ("place", "n", "position", "category", "category-id", "count", "share", "score")
        answers = ("district", "rank", "category", "category-id", "words", "date")
        return [self.t(lang, f"export-col-{m}") for m in (*ids, "low", "high")], [
            self.t(lang, f"export-col-{m}") for m in answers
        ]

    def ranking_rows(self, ranking: CityRanking, lang: Lang) -> list[list[Any]]:
        """Per place (citywide, then each district): N, position, category, count, share,
        score and the 95% Wilson interval, as fractions (0..1, shown as percentages)."""
        shown = self.world.shown[ranking.city]
        names = self.district_names(ranking.city, lang)
        names[NO_DISTRICT] = self.none(lang)
        rows: list[list[Any]] = []

        def add(place: str, table: Ranking) -> None:
            for r in table.rows:
                label = shown.label(r.category, lang)
                low, high = r.interval
                head = (place, table.respondents, r.position, label, r.category, r.count)
                rows.append([*head, r.share, r.score, low, high])

        add(self.t(lang, "export-citywide"), ranking.overall)
        for district in [*names]:
            if district in ranking.districts:
                add(names[district], ranking.districts[district])
        return rows

    def book(
        self,
        ranking: CityRanking,
        lang: Lang,
        *,
        generated: datetime | None = None,
        round_title: str | None = None,
    ) -> XlsxBook:
        """A workbook to feed answer batches into (`add`), then `save`."""
        when = generated or datetime.now(UTC)
        return XlsxBook(self, ranking, lang, when, round_title, self.row_limit)

    def xlsx(self, ranking: CityRanking, rows: Iterable[Row], lang: Lang, **options: Any) -> bytes:
        """The whole workbook as bytes (a chat's /export: the file is sent from memory)."""
        book = self.book(ranking, lang, **options)
        book.add(rows)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    async def write_xlsx(
        self,
        out: str | IO[bytes],
        ranking: CityRanking,
        batches: AsyncIterable[Sequence[Row]],
        lang: Lang,
        **options: Any,
    ) -> int:
        """Stream a store's batches into a workbook at `out`; the answer items written. Each
        batch is written in a thread (~0.1 s of CPU per 5,000 items): a big export running in
        the bot (the desk, a chat's /export) never stalls residents' turns."""
        book = self.book(ranking, lang, **options)
        async for batch in batches:
            await asyncio.to_thread(book.add, batch)
        return await asyncio.to_thread(book.save, out)

    def answer_cells(self, city: str, rows: Iterable[Row], lang: Lang) -> Iterable[list[object]]:
        """The answers as CSV rows: safe cells, the day in the city's time zone (ISO)."""
        names, none = self.district_names(city, lang), self.none(lang)
        shown, zone = self.world.shown[city], ZoneInfo(self.world.cities[city].timezone)
        for r in rows:
            if isinstance(r, ExportItem):
                day = r.answered_at.astimezone(zone).date().isoformat()
            else:
                day = r.answered_on
            words = safe_cell(_words(r.text)) if r.text else ""
            district = names.get(r.district, r.district) if r.district else none
            label = shown.label(r.category, lang)
            yield [safe_cell(district), r.rank, label, r.category, words, day]

    def answer_rows(self, city: str, rows: Iterable[Row], lang: Lang) -> list[list[object]]:
        return list(self.answer_cells(city, rows, lang))

    def csv(self, city: str, rows: Iterable[Row], lang: Lang) -> str:
        """The answers sheet as CSV (UTF-8 with BOM, so Excel reads Cyrillic right)."""
        out = io.StringIO()
        self._csv_head(out, lang)
        self._csv_rows(out, city, rows, lang)
        return out.getvalue()

    async def write_csv(
        self, out: IO[str], city: str, batches: AsyncIterable[Sequence[Row]], lang: Lang
    ) -> int:
        """Stream a store's batches into CSV; the answer items written."""
        self._csv_head(out, lang)
        count = 0
        async for batch in batches:  # in a thread, as write_xlsx's
            count += await asyncio.to_thread(self._csv_rows, out, city, batch, lang)
        return count

    def _csv_head(self, out: IO[str], lang: Lang) -> None:
        out.write("\ufeff")
        csv.writer(out, quoting=csv.QUOTE_ALL).writerow(safe_row(self._headers(lang)[1]))

    def _csv_rows(self, out: IO[str], city: str, rows: Iterable[Row], lang: Lang) -> int:
        # Every field quoted (OWASP: a quoted field cannot start a new one).
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        count = 0
        for row in self.answer_cells(city, rows, lang):
            writer.writerow(row)
            count += 1
        return count
