"""Summaries: the ranking from stored answers, rendered in both languages, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import summaries
from bot.i18n import Texts, html_to_plain
from flows.session import Answer, Conversation, Item, Msg, SaveAnswer
from flows.summary import summary_parts
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.test_cli_and_config import run

ANSWERS = [
    # district, categories in order of importance
    ("mtu1", ["roads", "drinking_water", "stray_dogs"]),
    ("mtu1", ["roads", "stray_dogs"]),
    ("mtu2", ["drinking_water", "roads"]),
    ("mtu2", ["heating", "other"]),
    (None, ["roads", "other"]),
]


async def _fill(db: Path) -> None:
    async with SqliteStore(db) as store:
        for n, (district, categories) in enumerate(ANSWERS):
            items = [
                Item(category=c, text="<b>мэр</b> & депутаты" if c == "other" else None)
                for c in categories
            ]
            answer = Answer(version=1, city="karakol", district=district, items=items)
            await store.commit(ResidentRef("wa", str(n)), Conversation(), [SaveAnswer(answer)])


@pytest.fixture
async def db(tmp_path: Path) -> Path:
    path = tmp_path / "citybot.sqlite3"
    await _fill(path)
    return path


async def test_the_ranking_from_stored_answers(db: Path, world: World) -> None:
    async with SqliteStore(db) as store:
        ranking = await summaries.compute(store, world, "karakol")
    rows = {r.category: r for r in ranking.overall.rows}
    assert ranking.overall.respondents == 5
    assert [(r.category, r.count, r.score) for r in ranking.overall.rows] == [
        ("roads", 4, 5 + 5 + 4 + 5),
        ("drinking_water", 2, 4 + 5),
        ("stray_dogs", 2, 3 + 4),
        ("heating", 1, 5),
    ]
    assert "other" not in rows and ranking.unplaced == 2
    assert rows["roads"].share == 0.8
    assert ranking.districts["mtu1"].respondents == 2
    # drinking water and heating tie (1 resident, named 1st): same place, catalogue order
    assert [(r.category, r.position) for r in ranking.districts["mtu2"].rows] == [
        ("drinking_water", 1),
        ("heating", 1),
        ("roads", 3),
    ]
    assert ranking.districts[""].respondents == 1, "district not given"
    assert not ranking.overall.weighted, "no district populations in the bundled config"


def _with_populations(world: World, **population: int) -> World:
    city = world.cities["karakol"]
    districts = tuple(
        d.model_copy(update={"population": population.get(d.id)}) for d in city.districts
    )
    return World.build([city.model_copy(update={"districts": districts})], "karakol")


async def test_weighting_by_district_population(db: Path, world: World) -> None:
    weighted_world = _with_populations(world, mtu1=10_000, mtu2=30_000)
    async with SqliteStore(db) as store:
        ranking = await summaries.compute(store, weighted_world, "karakol")
    rows = {r.category: r for r in ranking.overall.rows}
    # mtu1 (1/4 of the weight): roads 2/2, water 1/2; mtu2 (3/4): roads 1/2, water 1/2.
    assert rows["roads"].weighted_share == pytest.approx(0.25 * 1 + 0.75 * 0.5)
    assert rows["drinking_water"].weighted_share == pytest.approx(0.25 * 0.5 + 0.75 * 0.5)
    parts = summary_parts(weighted_world, ranking, "ru")
    (message,) = summaries.render(Texts(strict=True), "ru", parts)
    assert "1. Дороги — 4 (80%, с учётом населения районов 62%)" in html_to_plain(message)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ru",
            [
                "Каракол: рейтинг проблем города",
                "Ответили: 5 жителей.",
                "1. Дороги — 4 (80%)",
                "2. Питьевая вода — 2 (40%",
                "МТУ №1 (2)",
                "Район не указан (1)",
                "Ответов своими словами ждут разбора: 2",
            ],
        ),
        (
            "ky",
            [
                "Каракол: шаардын көйгөйлөрүнүн рейтинги",
                "Жооп бергендер: 5 тургун.",
                "1. Жолдор — 4 (80%",
                "№1 МАБ (2)",
                "Району көрсөтүлгөн эмес (1)",
                "талдоону күтүп жаткан жооптор: 2",
            ],
        ),
    ],
)
async def test_the_summary_text_in_both_languages(
    db: Path, world: World, lang: str, expected: list[str]
) -> None:
    async with SqliteStore(db) as store:
        ranking = await summaries.compute(store, world, "karakol")
    (message,) = summaries.render(Texts(strict=True), lang, summary_parts(world, ranking, lang))
    text = html_to_plain(message)
    for line in expected:
        assert line in text, line
    assert "<b>мэр</b>" not in message and "мэр" not in text, "no resident's words in a summary"
    assert len(message) <= 4096


async def test_one_district(db: Path, world: World) -> None:
    async with SqliteStore(db) as store:
        ranking = await summaries.compute(store, world, "karakol", "mtu2")
    assert ranking.overall.respondents == 2 and ranking.unplaced == 1
    (message,) = summaries.render(Texts(strict=True), "ru", summary_parts(world, ranking, "ru"))
    assert "Каракол, МТУ №2: рейтинг проблем" in message
    assert "1. Питьевая вода — 1 (50%)" in html_to_plain(message)


def test_long_summaries_are_split_between_lines() -> None:
    parts = [
        Msg("summary-district-row", {"position": n, "label": "Ж" * 40, "count": n})
        for n in range(1, 400)
    ]
    messages = summaries.render(Texts(strict=True), "ky", parts, limit=1000)
    assert len(messages) > 1 and all(len(m) <= 1000 for m in messages)
    lines = "\n".join(messages).split("\n")
    assert len(lines) == 399 and lines[-1].startswith("399.")


async def test_cli_summary_json_and_text(db: Path) -> None:
    result = run(["summary", "--city", "karakol", "--json"], CITYBOT_DATABASE=str(db))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["respondents"] == 5 and data["unplaced"] == 2
    assert data["unplaced_wordings"] == [{"text": "<b>мэр</b> & депутаты", "count": 2}]
    roads = data["categories"]["roads"]
    assert (roads["count"], roads["share"], roads["score"], roads["position"]) == (4, 0.8, 19, 1)
    low, high = roads["interval"]
    assert 0.37 < low < 0.38 and 0.96 < high < 0.97  # Wilson 4/5
    result = run(
        ["summary", "--city", "karakol", "--lang", "ky", "--district", "mtu1"],
        CITYBOT_DATABASE=str(db),
    )
    assert result.returncode == 0 and "1. Жолдор — 2 (100%)" in result.stdout
    chart = db.parent / "chart.png"
    result = run(
        ["summary", "--city", "karakol", "--lang", "ky", "--chart", str(chart)],
        CITYBOT_DATABASE=str(db),
    )
    assert result.returncode == 0 and chart.read_bytes().startswith(b"\x89PNG")
    result = run(["summary", "--city", "karakol", "--send"], CITYBOT_DATABASE=str(db))
    assert result.returncode == 2 and "TELEGRAM_BOT_TOKEN" in result.stderr
    result = run(["summary", "--city", "bishkek"], CITYBOT_DATABASE=str(db))
    assert result.returncode == 2 and "unknown city" in result.stderr
    result = run(["summary", "--city", "karakol"], CITYBOT_DATABASE=str(db.parent / "no.db"))
    assert result.returncode == 2 and "no database" in result.stderr
