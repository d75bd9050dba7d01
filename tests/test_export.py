"""Exports for the council: XLSX and CSV from the CLI and /export, with no identifiers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook

from flows.session import Answer, Conversation, Item, SaveAnswer
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.test_cli_and_config import run
from tests.test_summary import _fill
from tests.test_workgroups import ADMIN, GROUP, MEMBER, Group


async def _db(tmp_path: Path) -> Path:
    db = tmp_path / "citybot.sqlite3"
    await _fill(db)
    async with SqliteStore(db) as store:  # a resident trying to plant a spreadsheet formula
        items = [Item(category="other", text='=HYPERLINK("http://x","click")')]
        answer = Answer(version=1, city="karakol", district="mtu4", items=items)
        await store.commit(ResidentRef("tg", "424242"), Conversation(), [SaveAnswer(answer)])
    return db


async def test_xlsx_has_ranking_answers_and_chart_without_identifiers(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    out = tmp_path / "karakol.xlsx"
    result = run(
        ["export", "--city", "karakol", "--format", "xlsx", "--out", str(out)],
        CITYBOT_DATABASE=str(db),
    )
    assert result.returncode == 0, result.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["Рейтинг", "Ответы", "График"]
    ranking = [[c.value for c in row] for row in book["Рейтинг"].iter_rows()]
    assert ranking[0][:3] == ["Где", "Место", "Проблема"]
    assert ranking[1][:7] == ["Весь город", 1, "Дороги", "roads", 4, 0.6667, 19]
    assert any(row[0] == "МТУ №1" for row in ranking)
    answers = [[c.value for c in row] for row in book["Ответы"].iter_rows()]
    assert len(answers) == 1 + 12  # header + every item of the current answers (11 + 1)
    planted = [row for row in answers if row[3] == "other" and "HYPERLINK" in str(row[4])]
    assert planted and str(planted[0][4]).startswith("'="), "never a live formula"
    assert len(book["График"]._images) == 1
    every_cell = " ".join(
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
    )
    assert "424242" not in every_cell, "no chat id or number anywhere"
    assert answers[0] == [
        "Район",
        "Место в списке жителя",
        "Проблема",
        "Код",
        "Своими словами",
        "Дата",
    ], "exactly these columns: nothing that identifies a resident"


async def test_csv_in_kyrgyz(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    out = tmp_path / "karakol.csv"
    result = run(
        ["export", "--city", "karakol", "--format", "csv", "--lang", "ky", "--out", str(out)],
        CITYBOT_DATABASE=str(db),
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Район",
        "Тургундун тизмесиндеги орду",
        "Көйгөй",
        "Код",
        "Өз сөзү менен",
        "Күнү",
    ]
    assert ["№1 МАБ", "1", "Жолдор", "roads", "", rows[1][5]] in rows


async def test_export_in_a_bound_group(tmp_path: Path, world) -> None:  # type: ignore[no-untyped-def]
    g = Group(tmp_path, world)
    await g.store.open()
    await g.app.initialize()
    try:
        assert await g.say(MEMBER, "/export") != [], "an unbound chat is refused"
        assert g.api.uploads == []
        await g.say(ADMIN, "/bind karakol")
        await g.say(MEMBER, "/export")
        ((method, chat, filename, content),) = g.api.uploads
        assert (method, chat) == ("sendDocument", GROUP) and filename.endswith(".xlsx")
        assert load_workbook(io.BytesIO(content)).sheetnames[0] == "Рейтинг"
    finally:
        await g.app.shutdown()
        await g.store.close()
