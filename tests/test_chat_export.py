"""A working group's /export through the real PTB Application: the file `citybot export`
writes (its round named, accepted categories by name), streamed from the store; a file over
Telegram's upload limit is not tried, the chat is told where to get it (ru and ky)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from flows.effects import AcceptTheme
from flows.rounds import OpenRound
from flows.session import Answer, Conversation, Item, SaveAnswer
from flows.text import normalise
from flows.world import World
from storage.base import ResidentRef
from tests.test_workgroups import ADMIN, GROUP, REVIEWER, Group

JAMS = "пробки на Токтогула"


async def _group(tmp_path: Path, world: World) -> Group:
    g = Group(tmp_path, world)
    await g.store.open()
    await g.app.initialize()
    await g.say(ADMIN, "/bind karakol")
    return g


async def _close(g: Group) -> None:
    await g.app.shutdown()
    await g.store.close()


def _cells(content: bytes) -> list[set[object]]:
    book = load_workbook(io.BytesIO(content))
    return [{c for row in ws.iter_rows(values_only=True) for c in row} for ws in book.worksheets]


async def test_the_chat_gets_the_round_and_the_citys_own_categories_by_name(
    tmp_path: Path, world: World
) -> None:
    g = await _group(tmp_path, world)
    try:
        begun = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)  # 1 January 2026 in Karakol
        opened = OpenRound("karakol", "Бюджет 2027", "2027-жыл", "2026-01-01", "2099-12-31", begun)
        (round_id,) = await g.store.commit_operator("cli:op", [opened])
        for n in range(3):
            items = [Item(category="roads"), Item(category="other", text=JAMS)]
            saved = Answer(version=1, city="karakol", district="mtu1", items=items, round=round_id)
            await g.store.commit(ResidentRef("tg", f"6100{n}"), Conversation(), [SaveAnswer(saved)])
        accepted = AcceptTheme("karakol", "traffic_jams", "Пробки", "Тыгындар", (normalise(JAMS),))
        await g.store.commit_operator("cli:op", [accepted])

        await g.say(REVIEWER, "/export")
        ((method, chat, filename, content),) = g.api.uploads
        assert (method, chat) == ("sendDocument", GROUP) and filename.endswith(".xlsx")
        ranking, _, answers, *_ = _cells(content)
        assert "Этап опроса" in ranking and "Бюджет 2027 (01.01.2026 — 31.12.2099)" in ranking
        assert "Пробки" in ranking and "Пробки" in answers, "by name, as the CLI's file"
        assert "traffic_jams" in answers, "the id beside the label (ids are the contract)"
    finally:
        await _close(g)


async def test_a_file_over_the_upload_limit_is_not_tried(tmp_path: Path, world: World) -> None:
    g = await _group(tmp_path, world)
    try:
        saved = Answer(version=1, city="karakol", district="mtu1", items=[Item(category="roads")])
        await g.store.commit(ResidentRef("tg", "62001"), Conversation(), [SaveAnswer(saved)])
        g.channel.out.files.limit = 1000  # bytes: any workbook is bigger
        said = await g.say(REVIEWER, "/export")
        assert g.api.uploads == []
        assert any("Файл с ответами получился больше 50 МБ" in s for s in said), said
        assert any("citybot export" in s for s in said)
        await g.say(ADMIN, "/language ky")
        said = await g.say(REVIEWER, "/export")
        assert any("Жооптор файлы 50 МБдан чоң болуп калды" in s for s in said), said
    finally:
        await _close(g)


async def test_an_export_that_fails_midway_tells_the_chat(
    tmp_path: Path, world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from storage.base import StoreUnavailable

    g = await _group(tmp_path, world)
    try:

        async def broken(city: str, round_id: int | None = None):  # type: ignore[no-untyped-def]
            raise StoreUnavailable("citybot.sqlite3 is missing or not writable")
            yield []  # an async generator, as the store's

        monkeypatch.setattr(g.store, "export_stream", broken)
        said = await g.say(REVIEWER, "/export")
        assert g.api.uploads == []
        assert any("Извините, что-то пошло не так" in s for s in said), said
    finally:
        await _close(g)
