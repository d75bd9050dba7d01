"""Own words grouped into themes: the pure grouping, and `citybot themes` on a real SQLite file
seeded through the real store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from flows.facts import UnplacedItem
from flows.session import Conversation, SaveAnswer
from flows.themes import group, theme_id
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.storage_helpers import own_words

JAMS = ["пробки", "Пробки!", "пробки в центре", "огромные пробки по утрам", "тыгын", "тыгындар"]
NOISE = ["шум по ночам", "шумно ночью", "ночной шум"]
MIXED = [*JAMS, *NOISE, "мечеть", "тарифы на газ высокие звоните +996 555 123 456"]


def _items(texts: list[str]) -> list[UnplacedItem]:
    return [UnplacedItem(n, 1 + n % 5, text) for n, text in enumerate(texts, start=1)]


def _members(themes: list) -> list[set[str]]:  # type: ignore[type-arg]
    return [set(t.wordings) for t in themes]


def test_similar_wordings_form_themes_the_largest_first() -> None:
    themes = group(_items(MIXED))
    assert _members(themes)[:2] == [
        {"пробки", "пробки в центре", "огромные пробки по утрам"},
        {"шум по ночам", "шумно ночью", "ночной шум"},
    ]
    jams = themes[0]
    # Identical wordings are one (with both answers): the most frequent first.
    assert jams.size == 4 and jams.wordings[0] == "пробки"
    assert [len(found) for _, found in jams.items] == [2, 1, 1]
    assert jams.samples == ("пробки", "огромные пробки по утрам", "пробки в центре")
    assert jams.id == theme_id("пробки") and len(jams.id) == 10
    assert {"тыгын", "тыгындар"} in _members(themes), "Kyrgyz forms meet at their stem"
    assert sum(t.size for t in themes) == len(MIXED), "every answer in exactly one theme"


def test_phone_numbers_are_masked_and_never_split_a_wording() -> None:
    texts = ["газ дорогой, звоните 0555 123 456", "газ дорогой, звоните 0777 654 321"]
    (theme,) = group(_items(texts))
    assert theme.size == 2 and theme.wordings == ("газ дорогой звоните",)
    assert theme.samples == ("газ дорогой, звоните **** *** ***",)


def test_themes_are_deterministic_and_their_id_survives_growth() -> None:
    first = group(_items(MIXED))
    again = group(list(reversed(_items(MIXED))))
    assert [(t.id, t.wordings, t.size) for t in first] == [
        (t.id, t.wordings, t.size) for t in again
    ]
    # Its most frequent wording stays the most frequent: the id stays (it would change, and the
    # theme look new, only if another wording of it overtook that one).
    grown = group(_items([*MIXED, "пробки каждый день", "пробки", "ночной шум"]))
    ids = {t.id: t for t in grown}
    assert ids[first[0].id].size == first[0].size + 2, "the same theme, grown, same id"
    assert ids[first[1].id].size == first[1].size + 1
    assert group([]) == [] and group(_items(["..."])) == [], "nothing to group"


def test_a_theme_suggests_the_category_most_of_it_resembles(world: World) -> None:
    matcher = world.matchers["karakol"]
    texts = ["ямы во дворе опять", "ямы во дворе", "ямы во дворах", "мечеть", "мечети нет"]
    themes = {w: t for t in group(_items(texts), matcher) for w in t.wordings}
    assert themes["ямы во дворе"].suggested == "roads" and themes["ямы во дворе"].size == 3
    assert themes["мечеть"].suggested is None, "nothing close: no suggestion"


# --- `citybot themes` -----------------------------------------------------------------------


@pytest.fixture
def env(cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean environment with CITYBOT_DATABASE on a file seeded through the store."""
    db = tmp_path / "citybot.sqlite3"
    asyncio.run(_seed(db))
    return db


async def _seed(db: Path) -> None:
    async with SqliteStore(db) as store:
        for n, text in enumerate(MIXED):
            answer = own_words(1, "karakol", text, "roads")
            await store.commit(
                ResidentRef("tg", str(7000 + n)), Conversation(), [SaveAnswer(answer)]
            )
        # Another city's own words never show in Karakol's themes.
        answer = own_words(1, "manas", "пробки у аэропорта", "roads")
        await store.commit(ResidentRef("tg", "7999"), Conversation(), [SaveAnswer(answer)])


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_themes_json(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "themes", "--city", "karakol", "--json")
    assert code == 0, err
    themes = json.loads(out)
    assert sum(t["size"] for t in themes) == len(MIXED)
    first = themes[0]
    assert set(first) >= {"id", "size", "wordings", "samples", "suggested_category"}
    assert first["size"] == 4 and first["wordings"][0] == "пробки"
    assert set(first["wordings"]) == {"пробки", "пробки в центре", "огромные пробки по утрам"}
    assert first["counts"] == [2, 1, 1] and first["id"] == theme_id("пробки")
    assert "пробки у аэропорта" not in out, "another city's answers"
    assert "555" not in out and "+*** *** *** ***" in out, "phone numbers masked"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ru",
            [
                "Каракол: ответы своими словами, сгруппированные по сходству.",
                "1. Ответов: 4, формулировок: 3 (id ",
                "   «пробки» — 2",
                "   «огромные пробки по утрам» — 1",
            ],
        ),
        (
            "ky",
            [
                "Каракол: өз сөзү менен жазылган жооптор окшоштугу боюнча топтоштурулду.",
                "1. Жооптор: 4, жазуулар: 3 (id ",
                "   «пробки» — 2",
            ],
        ),
    ],
)
def test_cli_themes_text_for_a_clerk(
    env: Path, capsys: pytest.CaptureFixture[str], lang: str, expected: list[str]
) -> None:
    code, out, err = _run(capsys, "themes", "--city", "karakol", "--lang", lang)
    assert code == 0, err
    for line in expected:
        assert line in out
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 1 + len(
        json.loads(_run(capsys, "themes", "--city", "karakol", "--json")[1])
    )


def test_cli_themes_empty_city_and_unknown_city(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "themes", "--city", "kara_balta")
    assert code == 0 and "Кара-Балта: ответов своими словами, ждущих разбора, нет." in out
    code, out, _ = _run(capsys, "themes", "--city", "kara_balta", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, err = _run(capsys, "themes", "--city", "atlantis")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unknown city 'atlantis'" in err
    assert all(city in err for city in ("karakol", "manas", "kara_balta"))


def test_cli_themes_round(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    everything = json.loads(_run(capsys, "themes", "--city", "karakol", "--json")[1])
    assert everything
    # The seeded answers were given before any round: round 0.
    code, out, err = _run(capsys, "themes", "--city", "karakol", "--round", "0", "--json")
    assert code == 0, err
    assert json.loads(out) == everything
    code, out, err = _run(capsys, "themes", "--city", "karakol", "--round", "7", "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "has no round 7: use one of 0" in err
    # A round opened now has no own words yet; every round's are still waiting for review.
    opened = _run(
        capsys, "round", "open", "--city", "karakol", "--title-ru", "Бюджет 2027",
        "--title-ky", "Бюджет 2027", "--starts", "01.01.2026", "--ends", "31.12.2030",
    )  # fmt: skip
    assert opened[0] == 0, opened[2]
    code, out, err = _run(capsys, "themes", "--city", "karakol", "--round", "1", "--json")
    assert code == 0, err
    assert json.loads(out) == []
    assert json.loads(_run(capsys, "themes", "--city", "karakol", "--json")[1]) == everything
