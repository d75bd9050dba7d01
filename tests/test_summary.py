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
            # Kyrgyz numbers: the fixture is a city nobody farms (tests below add signals).
            who = ResidentRef("wa", f"99655500000{n}")
            await store.commit(who, Conversation(), [SaveAnswer(answer)])


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


# --- vote-farming signals in the summary ------------------------------------------------------


async def _farmed(db: Path, foreign: int = 4) -> None:
    """18 residents with Kyrgyz numbers (10 put water first, 8 roads), then `foreign` numbers
    from abroad who all put roads first: with them roads lead, without them water does."""
    async with SqliteStore(db) as store:
        plan = [("99670000%04d", "drinking_water")] * 10 + [("99671000%04d", "roads")] * 8
        plan += [("7916000%04d", "roads")] * foreign
        for n, (number, first) in enumerate(plan):
            answer = Answer(
                version=1, city="karakol", district="mtu1", items=[Item(category=first)]
            )
            await store.commit(ResidentRef("wa", number % n), Conversation(), [SaveAnswer(answer)])


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ru",
            [
                "1. Дороги — 12 (55%)",
                "Признаки накрутки.",
                "⚠️ номера WhatsApp не из Кыргызстана (не +996): 4 из 22 (18%)."
                " Без них: 1. Питьевая вода — 10, 2. Дороги — 8",
            ],
        ),
        (
            "ky",
            [
                "1. Жолдор — 12 (55%)",
                "Добуштарды жасалма көбөйтүүнүн белгилери.",
                "⚠️ Кыргызстандыкы эмес WhatsApp номерлери (+996 эмес): жооп берген 22 тургундан"
                " 4 (18%). Аларсыз: 1. Ичүүчү суу — 10, 2. Жолдор — 8",
            ],
        ),
    ],
)
async def test_a_noticeable_signal_is_a_note_beside_the_plain_ranking(
    tmp_path: Path, world: World, lang: str, expected: list[str]
) -> None:
    db = tmp_path / "citybot.sqlite3"
    await _farmed(db)
    async with SqliteStore(db) as store:
        plain = await summaries.compute(store, world, "karakol")
        ranking = await summaries.compute(store, world, "karakol", signals=True)
    assert plain.signals is None and ranking.overall == plain.overall, "never filtered"
    (message,) = summaries.render(Texts(strict=True), lang, summary_parts(world, ranking, lang))
    text = html_to_plain(message)
    for line in expected:
        assert line in text, (line, text)
    assert text.index(expected[0]) < text.index(expected[1]), "the headline comes first"
    assert "7916" not in text


async def test_below_five_percent_there_is_no_note(tmp_path: Path, world: World) -> None:
    db = tmp_path / "citybot.sqlite3"
    await _farmed(db, foreign=0)
    async with SqliteStore(db) as store:  # one number from abroad among 19: 5.3% -> a note
        answer = Answer(version=1, city="karakol", district=None, items=[Item(category="roads")])
        await store.commit(ResidentRef("wa", "491700000"), Conversation(), [SaveAnswer(answer)])
        noted = await summaries.compute(store, world, "karakol", signals=True)
        for n in range(2):  # two more residents at home: 1 of 21 is 4.8% -> none
            await store.commit(
                ResidentRef("wa", f"99677700{n}"), Conversation(), [SaveAnswer(answer)]
            )
        quiet = await summaries.compute(store, world, "karakol", signals=True)
    for lang in ("ru", "ky"):
        assert any(p.id == "signal-note" for p in summary_parts(world, noted, lang))
        assert not any(p.id.startswith("signal-") for p in summary_parts(world, quiet, lang))
    assert quiet.signals is not None and quiet.signals.respondents == 21


async def test_cli_summary_json_has_the_signals(tmp_path: Path) -> None:
    db = tmp_path / "citybot.sqlite3"
    await _farmed(db)
    result = run(["summary", "--city", "karakol", "--json"], CITYBOT_DATABASE=str(db))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["categories"]["roads"]["count"] == 12, "the headline counts everyone"
    found = data["signals"]["signals"]
    assert set(found) == {"same_words", "foreign_whatsapp", "new_telegram", "any"}
    foreign = found["foreign_whatsapp"]
    assert (foreign["flagged"], foreign["share"], foreign["respondents_without"]) == (4, 0.1818, 18)
    assert foreign["without"][:2] == [
        {"category": "drinking_water", "position": 1, "count": 10},
        {"category": "roads", "position": 2, "count": 8},
    ]
    assert found["same_words"]["flagged"] == 0 and found["any"]["flagged"] == 4
    assert "7916" not in result.stdout and "99670000" not in result.stdout
    result = run(["summary", "--city", "karakol"], CITYBOT_DATABASE=str(db))
    assert "4 из 22 (18%)" in result.stdout
