"""Exports for the city council: XLSX (ranking, answers, chart) or CSV, with no identifiers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from bot.i18n import Texts
from bot.summaries import summary_chart
from flows.catalogue import Lang
from flows.ranking import Ranking
from flows.session import Msg
from flows.summary import NO_DISTRICT, CityRanking
from flows.text import drop_controls, mask_phones
from flows.world import World
from storage.base import ExportRow

# A cell starting with one of these is a formula to Excel/LibreOffice: a resident's words
# must never run as one ("=HYPERLINK(...)"), so such text gets a leading apostrophe.
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def safe_cell(value: str | None) -> str:
    """A string as a cell: without the characters an XLSX file cannot hold (one control
    character in one resident's words must not break the city's export), never a formula."""
    text = drop_controls(value or "")
    return "'" + text if _FORMULA.match(text) else text


def safe_row(row: Sequence[object]) -> list[object]:
    """Every string of a row made a safe cell (numbers stay numbers)."""
    return [safe_cell(v) if isinstance(v, str) else v for v in row]


class Exporter:
    def __init__(self, world: World, texts: Texts) -> None:
        self.world, self.texts = world, texts

    def _t(self, lang: Lang, msg_id: str) -> str:
        return self.texts.format(lang, Msg(msg_id), escape=str)

    def ranking_rows(self, ranking: CityRanking, lang: Lang) -> list[list[object]]:
        shown = self.world.shown[ranking.city]
        names = {d.id: d.name(lang) for d in self.world.cities[ranking.city].districts}
        names[NO_DISTRICT] = self._t(lang, "export-no-district")
        rows: list[list[object]] = []

        def add(place: str, table: Ranking) -> None:
            for r in table.rows:
                rows.append(
                    [
                        place,
                        r.position,
                        shown.label(r.category, lang),
                        r.category,
                        r.count,
                        round(r.share, 4),
                        r.score,
                        round(r.interval[0], 4),
                        round(r.interval[1], 4),
                    ]
                )

        add(self._t(lang, "export-citywide"), ranking.overall)
        for district in [d.id for d in self.world.cities[ranking.city].districts] + [NO_DISTRICT]:
            if district in ranking.districts:
                add(names[district], ranking.districts[district])
        return rows

    def answer_rows(self, city: str, rows: Sequence[ExportRow], lang: Lang) -> list[list[object]]:
        shown = self.world.shown[city]
        names = {d.id: d.name(lang) for d in self.world.cities[city].districts}
        none = self._t(lang, "export-no-district")
        return [
            [
                names.get(r.district or "", r.district) if r.district else none,
                r.rank,
                shown.label(r.category, lang),
                r.category,
                safe_cell(mask_phones(drop_controls(r.text or ""))),  # no phone numbers
                r.answered_on,
            ]
            for r in rows
        ]

    def _headers(self, lang: Lang) -> tuple[list[str], list[str]]:
        ranking = [
            "export-col-place",
            "export-col-position",
            "export-col-category",
            "export-col-category-id",
            "export-col-count",
            "export-col-share",
            "export-col-score",
            "export-col-low",
            "export-col-high",
        ]
        answers = [
            "export-col-district",
            "export-col-rank",
            "export-col-category",
            "export-col-category-id",
            "export-col-words",
            "export-col-date",
        ]
        return [self._t(lang, h) for h in ranking], [self._t(lang, h) for h in answers]

    def xlsx(self, ranking: CityRanking, rows: Sequence[ExportRow], lang: Lang) -> bytes:
        from openpyxl import Workbook  # only exports need it
        from openpyxl.drawing.image import Image
        from openpyxl.styles import Font

        ranking_head, answers_head = self._headers(lang)
        book = Workbook()
        sheet = book.active
        sheet.title = self._t(lang, "export-sheet-ranking")
        sheet.append(safe_row(ranking_head))
        for row in self.ranking_rows(ranking, lang):
            sheet.append(safe_row(row))
        for cell in sheet["F"][1:]:
            cell.number_format = "0.0%"
        answers = book.create_sheet(self._t(lang, "export-sheet-answers"))
        answers.append(safe_row(answers_head))
        for row in self.answer_rows(ranking.city, rows, lang):
            answers.append(safe_row(row))
        for ws in (sheet, answers):
            for cell in ws[1]:
                cell.font = Font(bold=True)
            ws.freeze_panes = "A2"
            for column in ws.columns:
                width = max((len(str(c.value or "")) for c in column[:200]), default=8)
                ws.column_dimensions[column[0].column_letter].width = min(max(width, 8), 60)
        if ranking.sources:
            # How many residents came by each poster's or campaign's link.
            sources = book.create_sheet(self._t(lang, "export-sheet-sources"))
            head = [self._t(lang, "export-col-source"), self._t(lang, "export-col-residents")]
            sources.append(safe_row(head))
            for tag, count in ranking.sources.items():
                sources.append(safe_row([tag, count]))
            for cell in sources[1]:
                cell.font = Font(bold=True)
        if ranking.overall.rows:
            chart = book.create_sheet(self._t(lang, "export-sheet-chart"))
            png = summary_chart(self.world, self.texts, ranking, lang)
            chart.add_image(Image(io.BytesIO(png)), "A1")
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def csv(self, city: str, rows: Sequence[ExportRow], lang: Lang) -> str:
        """The answers sheet as CSV (UTF-8 with BOM, so Excel reads Cyrillic right)."""
        _, head = self._headers(lang)
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(safe_row(head))
        writer.writerows(safe_row(row) for row in self.answer_rows(city, rows, lang))
        return out.getvalue()
