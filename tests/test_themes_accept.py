"""`citybot themes`: a growing theme proposed as a new category of the city, and an admin
accepting it (`--accept THEME --id ID --ru .. --ky ..`), through the real CLI on a SQLite file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli_themes import PROPOSE_MIN, proposal_size
from bot.pipeline import Pipeline
from flows.session import Conversation, SaveAnswer
from flows.themes import theme_id
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.storage_helpers import own_words

CITY = "karakol"
# Twelve answers about traffic jams (one of them already names roads), three about noise.
JAMS = ["пробки"] * 6 + ["пробки в центре"] * 3 + ["огромные пробки по утрам"] * 3
NOISE = ["шум по ночам", "шумно ночью", "ночной шум"]
JAM_THEME = theme_id("пробки")


@pytest.fixture
def env(cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean environment with CITYBOT_DATABASE on a file seeded through the store."""
    db = tmp_path / "citybot.sqlite3"
    asyncio.run(_seed(db))
    return db


async def _seed(db: Path) -> None:
    async with SqliteStore(db) as store:
        for n, text in enumerate([*JAMS, *NOISE]):
            named = ("roads",) if n == 0 else ()
            answer = own_words(1, CITY, text, *named)
            await store.commit(
                ResidentRef("tg", str(7000 + n)), Conversation(), [SaveAnswer(answer)]
            )


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _accept(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return _run(capsys, "themes", "--city", CITY, "--accept", JAM_THEME, *extra)


def test_the_proposal_threshold() -> None:
    assert proposal_size(0) == PROPOSE_MIN == proposal_size(500)
    assert proposal_size(501) == 11 and proposal_size(10_000) == 200


def test_a_growing_theme_is_proposed(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "themes", "--city", CITY, "--json")
    assert code == 0, err
    themes = {t["id"]: t for t in json.loads(out)}
    assert themes[JAM_THEME]["size"] == 12 and themes[JAM_THEME]["proposed"] is True
    assert [t["proposed"] for t in themes.values() if t["id"] != JAM_THEME] == [False]
    code, out, err = _run(capsys, "themes", "--city", CITY)
    assert code == 0, err
    assert out.count("может стать новой категорией") == 1
    assert f"citybot themes --city {CITY} --accept {JAM_THEME} --id NEW_ID" in out
    code, out, _ = _run(capsys, "themes", "--city", CITY, "--lang", "ky")
    assert out.count("жаңы категориясы боло алат") == 1


def test_accepting_moves_the_answers_and_every_instance_learns_it(
    env: Path, capsys: pytest.CaptureFixture[str], world: World
) -> None:
    code, out, err = _accept(capsys, "--id", "traffic_jams", "--ru", "Пробки", "--ky", "Тыгындар")
    assert code == 0, err
    assert (
        out.strip()
        == "Категория «traffic_jams» добавлена. Перенесено 12 ответов в новую категорию."
    )

    async def check() -> None:
        async with SqliteStore(env) as store:
            kept = await store.tallies(CITY)
            assert kept == await store.tallies(CITY, recount=True), "counters equal a recount"
            counts: dict[str, int] = {}
            for tally in kept.values():
                for category, n in tally.counts.items():
                    counts[category] = counts.get(category, 0) + n
            assert counts["traffic_jams"] == 12 and counts["other"] == 3 and counts["roads"] == 1
            # An instance started before the accept rebuilds its World on the next turn.
            pipeline = Pipeline(store, world)
            later = await pipeline.world_at(await store.learned_version())
            assert "traffic_jams" in later.shown[CITY].ids
            assert later.shown[CITY].label("traffic_jams", "ky") == "Тыгындар"
            assert later.matchers[CITY].classify("огромные пробки по утрам").category == (
                "traffic_jams"
            ), "a later resident typing the same words"

    asyncio.run(check())
    code, out, err = _run(capsys, "themes", "--city", CITY, "--json")
    assert code == 0, err
    (left,) = json.loads(out)
    assert set(left["wordings"]) == set(NOISE), "only the noise theme still waits"
    code, out, err = _run(capsys, "summary", "--city", CITY, "--json")
    assert code == 0, err
    assert "traffic_jams" in out, "the ranking names the new category"

    # Twice: the theme is gone (its answers moved); a taken id is refused for another theme.
    code, out, err = _accept(capsys, "--id", "traffic_jams", "--ru", "Пробки", "--ky", "Тыгындар")
    assert code == 2 and out == ""
    assert f"Темы {JAM_THEME} сейчас нет" in err and "citybot themes --city karakol" in err
    noise = left["id"]
    code, out, err = _run(
        capsys, "themes", "--city", CITY, "--accept", noise, "--id", "traffic_jams",
        "--ru", "Шум", "--ky", "Ызы-чуу",
    )  # fmt: skip
    assert code == 2 and "уже есть: выберите другой id" in err


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (("--id", "Jams", "--ru", "Пробки", "--ky", "Тыгын"), "не подходит: латинские"),
        (("--id", "roads", "--ru", "Пробки", "--ky", "Тыгын"), "«roads» уже есть"),
        (("--id", "jams", "--ru", "", "--ky", "Тыгын"), "исправьте --ru"),
        (("--id", "jams", "--ru", "Пробки", "--ky", "ы" * 61), "исправьте --ky"),
        (("--id", "jams", "--ru", "Пробки"), "Не хватает --ky"),
    ],
)
def test_bad_input_is_refused_with_what_to_do(
    env: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], said: str
) -> None:
    code, out, err = _accept(capsys, *extra)
    assert code == 2 and out == "" and said in err, err
    assert len(err.strip().splitlines()) == 1

    async def nothing_moved() -> None:
        async with SqliteStore(env) as store:
            assert await store.city_categories() == {}
            assert len(await store.unplaced(CITY)) == len(JAMS) + len(NOISE)

    asyncio.run(nothing_moved())


def test_an_accepted_category_is_shown_by_its_name_in_the_summary_and_the_export(
    env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    code, _, err = _accept(capsys, "--id", "traffic_jams", "--ru", "Пробки", "--ky", "Тыгындар")
    assert code == 0, err
    for lang, title in (("ru", "Пробки"), ("ky", "Тыгындар")):
        code, out, err = _run(capsys, "summary", "--city", CITY, "--lang", lang)
        assert code == 0, err
        assert f"1. {title} — " in out, out
        assert "traffic_jams" not in out
    out = tmp_path / "karakol.xlsx"
    code, _, err = _run(capsys, "export", "--city", CITY, "--out", str(out))
    assert code == 0, err
    ranking, _, answers, *_ = load_workbook(out).worksheets
    for sheet in (ranking, answers):  # the label beside the id (ids are the contract)
        assert "Пробки" in {c for row in sheet.iter_rows(values_only=True) for c in row}


async def test_the_daily_summary_and_the_desk_name_an_accepted_category(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_daily_summary import Setup, _world
    from tests.test_desk import REVIEWER, Env, desk_world, text_of

    world = desk_world()

    code, _, err = await asyncio.to_thread(
        _accept, capsys, "--id", "traffic_jams", "--ru", "Пробки", "--ky", "Тыгындар"
    )
    assert code == 0, err
    async with Setup(env, _world(world, "ky")) as s:  # type: ignore[arg-type]
        assert await s.sender.send_city(CITY, "2026-05-01") == 1
        assert "1. Тыгындар — " in s.texts()[-1]
        desk = Env(s.store, world)  # type: ignore[arg-type]
        client = await desk.signed_in(REVIEWER)
        page = text_of((await client.get(f"/cities/{CITY}", params={"lang": "ru"})).text)
        assert "Пробки" in page and "traffic_jams" not in page
