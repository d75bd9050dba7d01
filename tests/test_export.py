"""Exports for the council: XLSX and CSV from the CLI and /export, with no identifiers."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.export import Exporter
from bot.export_file import export_city
from bot.i18n import Texts
from flows.ranking import wilson
from flows.session import Answer, Conversation, Item, SaveAnswer, SetSource
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.storage_helpers import FakeClock
from tests.test_cli_and_config import run
from tests.test_summary import _fill
from tests.test_workgroups import ADMIN, GROUP, MEMBER, REVIEWER, Group

PLANTED = '=HYPERLINK("http://x","click")'
BISHKEK = ZoneInfo("Asia/Bishkek")


async def _db(tmp_path: Path) -> Path:
    db = tmp_path / "citybot.sqlite3"
    await _fill(db)
    async with SqliteStore(db) as store:  # a resident trying to plant a spreadsheet formula
        items = [Item(category="other", text=PLANTED)]
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
    assert not out.with_name(out.name + ".part").exists()


def _values(ws: Worksheet) -> list[list[object]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def _today_in_bishkek() -> set[date]:
    """Today where Karakol lives (both days if the test straddles its midnight)."""
    now = datetime.now(UTC)
    return {(now + timedelta(minutes=m)).astimezone(BISHKEK).date() for m in (-5, 0)}


async def test_xlsx_types_filters_n_per_district_and_no_identifiers(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    out = tmp_path / "karakol.xlsx"
    _export(db, out)
    book = load_workbook(out)
    assert book.sheetnames == ["Рейтинг", "Районы", "Ответы", "График"]

    sheet = book["Рейтинг"]
    ranking = _values(sheet)
    assert ranking[0][0] == "Каракол: рейтинг проблем"
    label, generated, zone = ranking[1][:3]
    assert (label, zone) == ("Файл сформирован", "Asia/Bishkek")
    assert isinstance(generated, datetime) and generated.date() in _today_in_bishkek()
    assert sheet["B2"].is_date and "yyyy" in sheet["B2"].number_format, "a real date and time"
    assert ranking[2][:2] == ["Ответили всего (N)", 6]
    assert ranking[4][:4] == ["Где", "Ответили (N)", "Место", "Проблема"]
    first = ranking[5]
    assert first[:6] == ["Весь город", 6, 1, "Дороги", "roads", 4]
    assert first[6] == pytest.approx(4 / 6) and first[7] == 19
    assert (first[8], first[9]) == pytest.approx(wilson(4, 6)), "the 95% Wilson interval"
    for column in "GIJ":  # share, low, high: numbers shown as percentages
        cell = sheet[f"{column}6"]
        assert cell.data_type == "n" and cell.number_format == "0.0%"
    assert ["МТУ №1", 2, 1, "Дороги", "roads", 2] in [row[:6] for row in ranking]
    assert sheet.auto_filter.ref == f"A5:J{len(ranking)}"
    assert sheet.freeze_panes == "A6"

    districts = _values(book["Районы"])
    assert districts[0] == ["Район", "Ответили (N)", "Примечание"]
    by_name = {row[0]: row[1:] for row in districts[1:]}
    assert by_name["МТУ №1"] == [2, "Меньше 30 ответивших: доли неточны, смотрите на границы 95%"]
    assert by_name["МТУ №4"][0] == 1 and by_name["Район не указан"][0] == 1
    assert by_name["МТУ №8"] == [0, None], "every district, even without answers"
    assert book["Районы"].auto_filter.ref == f"A1:C{len(districts)}"

    answers_sheet = book["Ответы"]
    answers = _values(answers_sheet)
    head = ["Район", "Место в списке жителя", "Проблема", "Код", "Своими словами", "Дата"]
    assert answers[0] == head, "exactly these columns: nothing that identifies a resident"
    assert len(answers) == 1 + 12  # header + every item of the current answers (11 + 1)
    assert answers_sheet.auto_filter.ref == "A1:F13"
    for row in answers_sheet.iter_rows(min_row=2):
        assert row[5].is_date and row[5].number_format == "yyyy-mm-dd"
        assert row[5].value.date() in _today_in_bishkek(), "the day in the city's time zone"
    (planted,) = [row for row in answers_sheet.iter_rows(min_row=2) if row[4].value == PLANTED]
    assert planted[4].data_type == "s", "the resident's exact words, as a string cell"
    assert planted[4].quotePrefix, "kept text when someone edits the cell"
    with zipfile.ZipFile(out) as files:
        xml = {n: files.read(n).decode() for n in files.namelist() if n.endswith(".xml")}
    assert not any("<f>" in text or "<f " in text for text in xml.values()), "no formula"
    assert "HYPERLINK" in xml["xl/worksheets/sheet3.xml"]
    assert len(book["График"]._images) == 1
    every = " ".join(str(v) for ws in book.worksheets for row in _values(ws) for v in row)
    assert "424242" not in every, "no chat id or number anywhere"


async def test_xlsx_in_kyrgyz(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    out = tmp_path / "karakol.xlsx"
    _export(db, out, "ky")
    book = load_workbook(out)
    assert book.sheetnames == ["Рейтинг", "Райондор", "Жооптор", "График"]
    ranking = _values(book["Рейтинг"])
    assert ranking[0][0] == "Каракол: көйгөйлөрдүн рейтинги"
    assert ranking[1][0] == "Файл түзүлгөн убакыт"
    assert ranking[2][:2] == ["Бардыгы жооп бергендер (N)", 6]
    assert ranking[5][:6] == ["Бүт шаар", 6, 1, "Жолдор", "roads", 4]
    districts = _values(book["Райондор"])
    assert districts[0] == ["Район", "Жооп бергендер (N)", "Эскертүү"]
    assert ["№1 МАБ", 2] in [row[:2] for row in districts]
    assert "95% чектерин караңыз" in str(districts[1][2])
    assert _values(book["Жооптор"])[0][-2:] == ["Өз сөзү менен", "Күнү"]


async def test_answers_split_across_sheets_at_the_row_limit(tmp_path: Path, world: World) -> None:
    db = await _db(tmp_path)
    whole, split = tmp_path / "whole.xlsx", tmp_path / "split.xlsx"
    async with SqliteStore(db) as store:
        texts = Texts()
        assert await export_city(store, Exporter(world, texts), "karakol", "xlsx", whole, "ru")
        # 5 rows a sheet, the header included: 12 items need three sheets (4 + 4 + 4).
        small = Exporter(world, texts, row_limit=5)
        assert await export_city(store, small, "karakol", "xlsx", split, "ru") == 12
    book = load_workbook(split)
    sheets = ["Ответы", "Ответы (2)", "Ответы (3)"]
    assert book.sheetnames == ["Рейтинг", "Районы", *sheets, "График"]
    parts = [_values(book[name]) for name in ("Ответы", "Ответы (2)", "Ответы (3)")]
    assert [len(p) for p in parts] == [5, 5, 5]
    head = parts[0][0]
    assert all(p[0] == head for p in parts), "every sheet has the header"
    for name in ("Ответы", "Ответы (2)", "Ответы (3)"):
        assert book[name].auto_filter.ref == "A1:F5" and book[name].freeze_panes == "A2"
    rows = [row for p in parts for row in p[1:]]
    assert rows == _values(load_workbook(whole)["Ответы"])[1:], "the same rows, in order"


async def test_round_and_the_local_day(tmp_path: Path, world: World) -> None:
    """The round's title is shown when given; an answer at 20:00 UTC is the next day in
    Karakol (UTC+6), in both formats."""
    db = tmp_path / "citybot.sqlite3"
    clock = FakeClock(datetime(2026, 5, 1, 20, 0, tzinfo=UTC))
    async with SqliteStore(db, clock=clock) as store:
        answer = Answer(version=1, city="karakol", district="mtu1", items=[Item(category="roads")])
        await store.commit(ResidentRef("tg", "7"), Conversation(), [SaveAnswer(answer)])
        exporter = Exporter(world, Texts())
        generated = datetime(2026, 5, 2, 3, 30, tzinfo=UTC)
        out, table = tmp_path / "round.xlsx", tmp_path / "round.csv"
        options = {"round_title": "Бюджет 2027", "generated": generated}
        await export_city(store, exporter, "karakol", "xlsx", out, "ru", **options)
        await export_city(store, exporter, "karakol", "csv", table, "ky")
    ranking = _values(load_workbook(out)["Рейтинг"])
    assert ranking[1][:2] == ["Этап опроса", "Бюджет 2027"]
    assert ranking[2][:3] == ["Файл сформирован", datetime(2026, 5, 2, 9, 30), "Asia/Bishkek"]
    assert ranking[5][0] == "Где", "the table starts one row lower"
    assert _values(load_workbook(out)["Ответы"])[1][5] == datetime(2026, 5, 2)
    rows = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    assert rows[1] == ["№1 МАБ", "1", "Жолдор", "roads", "", "2026-05-02"]


async def test_a_city_without_answers(tmp_path: Path, world: World) -> None:
    db = tmp_path / "citybot.sqlite3"
    async with SqliteStore(db):
        pass
    out = tmp_path / "empty.xlsx"
    _export(db, out)
    book = load_workbook(out)
    assert book.sheetnames == ["Рейтинг", "Районы", "Ответы"], "no chart of nothing"
    assert _values(book["Рейтинг"])[2][:2] == ["Ответили всего (N)", 0]
    assert len(_values(book["Ответы"])) == 1 and book["Ответы"].auto_filter.ref == "A1:F1"


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
    assert date.fromisoformat(rows[1][5]) in _today_in_bishkek()
    assert text.splitlines()[1].startswith('"№1 МАБ","1",'), "every field quoted"


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
        book = load_workbook(io.BytesIO(content))
        assert book.sheetnames[:3] == ["Рейтинг", "Районы", "Ответы"]
        assert book["Ответы"].auto_filter.ref == "A1:F1"
    finally:
        await g.app.shutdown()
        await g.store.close()


# Stored before input was cleaned: control characters of every kind, a formula behind a NUL.
JUNK = "ямы\x00 на\x07 дороге\x0b\x0c\x1b[31m\x7f\x85\x9f\ufffe\ufdd0 ңөү 🚧"
HIDDEN_FORMULA = "\x00" + PLANTED
# Every start OWASP lists, and what openpyxl would otherwise store as an error cell.
FORMULAS = ("+7 дней", "-5 градусов", "@мэрия", "\tтаб", "#N/A")
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


async def test_control_characters_and_formulas_in_stored_words_xlsx(tmp_path: Path) -> None:
    db = await _db_with(tmp_path, JUNK, HIDDEN_FORMULA, *FORMULAS, source="=radio\x07\x00")
    out = tmp_path / "karakol.xlsx"
    _export(db, out)
    book = load_workbook(out)
    assert book.sheetnames == ["Рейтинг", "Районы", "Ответы", "Источники", "График"]
    sheet = book["Ответы"]
    words = _words(_values(sheet))
    assert "ямы на дороге[31m ңөү 🚧" in words, "the words kept, the control characters gone"
    assert PLANTED in words, "a NUL before = hides no formula; no apostrophe shown"
    for text in FORMULAS:
        (cell,) = [row[4] for row in sheet.iter_rows(min_row=2) if row[4].value == text]
        assert cell.data_type == "s" and cell.quotePrefix, text
    sources = book["Источники"]
    assert _values(sources)[1:] == [["=radio", 7]] and sources["A2"].data_type == "s"
    assert sources.auto_filter.ref == "A1:B2"


async def test_control_characters_and_formulas_in_stored_words_csv(tmp_path: Path) -> None:
    """OWASP's rule for CSV: an apostrophe before = + - @ tab CR, every field quoted."""
    db = await _db_with(tmp_path, JUNK, HIDDEN_FORMULA, *FORMULAS)
    out = tmp_path / "karakol.csv"
    _export(db, out)
    text = out.read_text(encoding="utf-8-sig")
    assert "\x00" not in text and "\x07" not in text and "\x9f" not in text
    words = _words(list(csv.reader(io.StringIO(text))))
    assert "ямы на дороге[31m ңөү 🚧" in words
    assert "'" + PLANTED in words
    assert {"'+7 дней", "'-5 градусов", "'@мэрия", "'\tтаб", "#N/A"} <= set(words)


async def test_phone_numbers_in_residents_words_are_masked(tmp_path: Path) -> None:
    db = await _db_with(tmp_path, PHONES, NUMBERS, PHONES_KY)
    xlsx, table = tmp_path / "karakol.xlsx", tmp_path / "karakol.csv"
    _export(db, xlsx)
    _export(db, table, "ky")
    book = load_workbook(xlsx)
    from_xlsx = _words(_values(book["Ответы"]))
    from_csv = _words(list(csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig")))))
    for words in (from_xlsx, from_csv):
        assert "звоните +*** *** *** *** или * (***) **-**-**, в Москве +* *** ***-**-**" in words
        assert NUMBERS in words, "years, houses, dates, money and districts stay"
        assert "Телефонум **********, 2024-жылы 3-үйдүн жанында" in words
        every = " ".join(words)
        for digits in ("555", "123", "456", "912", "0700"):
            assert digits not in every
