"""The export's big sheets as raw SpreadsheetML rows in temporary files, spliced into the
workbook openpyxl wrote: its per-cell writer cost ~30 µs a cell, 15 minutes for a million
answers; a row here is one string."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date
from typing import IO
from xml.sax.saxutils import escape

EPOCH = date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)
COLUMNS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Styles:
    """The workbook's style ids (indexes in styles.xml) the raw rows refer to."""

    def __init__(self, day: int, text: int) -> None:
        self.day, self.text = day, text  # a date cell; a string cell with quotePrefix


class SheetRows:
    """One sheet's data rows, after a header row openpyxl writes, appended to a temporary
    file (nothing kept in memory). Values: str (inline string), `Text` (a string that looks
    like a formula: quotePrefix style), int, date, None (no cell)."""

    def __init__(self, styles: Styles, cached: str = "ABCDF") -> None:
        self.styles = styles
        # Closed by close() once spliced (it outlives any `with` here).
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.rows = 1  # the header
        # Columns whose values repeat (districts, labels, days): their cells' XML is built
        # once per value. The residents' words are not kept (they would fill the memory).
        self._cached = {COLUMNS.index(c) for c in cached}
        self._cells: dict[tuple[int, object], str] = {}

    def _cell(self, value: object) -> str:
        """A cell's XML after its reference: attributes and value."""
        if isinstance(value, Text):
            words = escape(value.value)
            style = self.styles.text
            return f'" s="{style}" t="inlineStr"><is><t xml:space="preserve">{words}</t></is></c>'
        if isinstance(value, str):
            return f'" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
        if isinstance(value, date):
            return f'" s="{self.styles.day}"><v>{(value - EPOCH).days}</v></c>'
        return f'" t="n"><v>{int(value)}</v></c>'  # type: ignore[call-overload]

    def add(self, values: Sequence[object]) -> None:
        self.rows += 1
        n = self.rows
        cells = []
        for column, value in enumerate(values):
            if value is None:
                continue
            if column in self._cached:
                key = (column, value)
                xml = self._cells.get(key)
                if xml is None:
                    xml = self._cells[key] = self._cell(value)
            else:
                xml = self._cell(value)
            cells.append(f'<c r="{COLUMNS[column]}{n}{xml}')
        self.file.write(f'<row r="{n}">{"".join(cells)}</row>'.encode())

    def close(self) -> None:
        self.file.close()


class Text:
    """A resident's words that a spreadsheet would read as a formula or an error: written as
    a string cell with quotePrefix (shown as written, never evaluated)."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value


def splice(workbook: IO[bytes], out: str | IO[bytes], sheets: dict[str, SheetRows]) -> None:
    """Copy the zip openpyxl wrote into `out`, with each sheet in `sheets` (its path in the
    zip -> its rows) getting the rows after its header, before `</sheetData>`."""
    with (
        zipfile.ZipFile(workbook) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            rows = sheets.get(info.filename)
            if rows is None:
                target.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>", 1)  # the header row is always there
            with target.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                rows.file.seek(0)
                shutil.copyfileobj(rows.file, sheet, 1 << 20)
                sheet.write(b"</sheetData>" + tail)
