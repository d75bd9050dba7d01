"""Exports for the council: XLSX and CSV from the CLI and /export, with no identifiers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook

from flows.session import Answer, Conversation, Item, SaveAnswer, SetSource
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.test_cli_and_config import run
from tests.test_summary import _fill
from tests.test_workgroups import ADMIN, GROUP, MEMBER, REVIEWER, Group


async def _db(tmp_path: Path) -> Path:
    db = tmp_path / "citybot.sqlite3"
    await _fill(db)
    async with SqliteStore(db) as store:  # a resident trying to plant a spreadsheet formula
        items = [Item(category="other", text='=HYPERLINK("http://x","click")')]
        answer = Answer(version=1, city="karakol", district="mtu4", items=items)
        await store.commit(ResidentRef("tg", "424242"), Conversation(), [SaveAnswer(answer)])
    return db


def _export(db: Path, out: Path, lang: str = "ru") -> None:
    """`citybot export` of Karakol into `out` (its suffix names the format)."""
    fmt = out.suffix.lstrip(".")
    result = run(
        ["export", "--city", "karakol", "--format", fmt, "--lang", lang, "--out", str(out)],
        CITYBOT_DATABASE=str(db),
    )
    assert result.returncode == 0, result.stderr


async def test_xlsx_has_ranking_answers_and_chart_without_identifiers(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    out = tmp_path / "karakol.xlsx"
    _export(db, out)
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
    _export(db, out, "ky")
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
        assert g.api.uploads == [], "a member may not take residents' words out"
        await g.say(REVIEWER, "/export")
        ((method, chat, filename, content),) = g.api.uploads
        assert (method, chat) == ("sendDocument", GROUP) and filename.endswith(".xlsx")
        assert load_workbook(io.BytesIO(content)).sheetnames[0] == "Рейтинг"
    finally:
        await g.app.shutdown()
        await g.store.close()


# Stored before input was cleaned: control characters of every kind, a formula behind a NUL.
JUNK = "ямы\x00 на\x07 дороге\x0b\x0c\x1b[31m\x7f\x85\x9f\ufffe\ufdd0 ңөү 🚧"
HIDDEN_FORMULA = '\x00=HYPERLINK("http://x","click")'
# A resident's words with phone numbers and with numbers that are none.
PHONES = "звоните +996 555 123 456 или 0 (555) 12-34-56, в Москве +7 912 345-67-89"
NUMBERS = "с 2019 года, дом 15, 12.05.2024, 500 сом, МТУ №3, 5 лет"
PHONES_KY = "Телефонум 0700123456, 2024-жылы 3-үйдүн жанында"


async def _db_with(tmp_path: Path, *texts: str, source: str | None = None) -> Path:
    db = await _db(tmp_path)
    async with SqliteStore(db) as store:
        for n, text in enumerate(texts):
            answer = Answer(
                version=1,
                city="karakol",
                district="mtu1",
                items=[Item(category="other", text=text)],
            )
            effects = [SetSource(source)] if source else []
            who = ResidentRef("wa", f"77{n}")
            await store.commit(who, Conversation(), [*effects, SaveAnswer(answer)])
    return db


def _words(rows: list[list[object]]) -> list[str]:
    return [str(row[4]) for row in rows[1:] if row[3] == "other" and row[4]]


async def test_control_characters_in_stored_words_do_not_break_the_xlsx(tmp_path: Path) -> None:
    db = await _db_with(tmp_path, JUNK, HIDDEN_FORMULA, source="radio\x07\x00")
    out = tmp_path / "karakol.xlsx"
    _export(db, out)
    book = load_workbook(out)
    assert book.sheetnames == ["Рейтинг", "Ответы", "Источники", "График"]
    words = _words([[c.value for c in row] for row in book["Ответы"].iter_rows()])
    assert "ямы на дороге[31m ңөү 🚧" in words, "the words kept, the control characters gone"
    assert '\'=HYPERLINK("http://x","click")' in words, "a NUL before = hides no formula"
    sources = [[c.value for c in row] for row in book["Источники"].iter_rows()]
    assert sources[1:] == [["radio", 2]]


async def test_control_characters_in_stored_words_do_not_break_the_csv(tmp_path: Path) -> None:
    db = await _db_with(tmp_path, JUNK, HIDDEN_FORMULA)
    out = tmp_path / "karakol.csv"
    _export(db, out)
    text = out.read_text(encoding="utf-8-sig")
    assert "\x00" not in text and "\x07" not in text and "\x9f" not in text
    words = _words(list(csv.reader(io.StringIO(text))))
    assert "ямы на дороге[31m ңөү 🚧" in words
    assert '\'=HYPERLINK("http://x","click")' in words


async def test_phone_numbers_in_residents_words_are_masked(tmp_path: Path) -> None:
    db = await _db_with(tmp_path, PHONES, NUMBERS, PHONES_KY)
    xlsx, table = tmp_path / "karakol.xlsx", tmp_path / "karakol.csv"
    _export(db, xlsx)
    _export(db, table, "ky")
    book = load_workbook(xlsx)
    from_xlsx = _words([[c.value for c in row] for row in book["Ответы"].iter_rows()])
    from_csv = _words(list(csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig")))))
    for words in (from_xlsx, from_csv):
        assert "звоните +*** *** *** *** или * (***) **-**-**, в Москве +* *** ***-**-**" in words
        assert NUMBERS in words, "years, houses, dates, money and districts stay"
        assert "Телефонум **********, 2024-жылы 3-үйдүн жанында" in words
        every = " ".join(words)
        for digits in ("555", "123", "456", "912", "0700"):
            assert digits not in every
