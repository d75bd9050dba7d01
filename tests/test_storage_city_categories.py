"""A theme accepted as a city's new category in the store, both engines: the category is
stored, the theme's answers move (counters equal a recount), the wordings are learned, and a
World built with the stored categories shows, ranks and classifies it."""

from __future__ import annotations

import pytest
from storage_helpers import (  # noqa: F401  (fixtures)
    clock_fixture,
    migrated_dsn_fixture,
    own_words,
    store_fixture,
)

from flows.effects import AcceptTheme
from flows.facts import Facts
from flows.operator import ThemeAccept, step
from flows.session import Conversation, SaveAnswer
from flows.world import World
from storage.base import ResidentRef, Store

CITY = "karakol"
JAMS = ("пробки", "пробки в центре")


async def seed(store: Store) -> None:
    said = [
        ("пробки", ()),
        ("Пробки!", ()),
        ("пробки в центре", ("roads",)),
        ("пробки", ("water",)),
        ("нет бассейна", ()),
    ]
    for n, (text, named) in enumerate(said):
        answer = own_words(1, CITY, text, *named)
        await store.commit(ResidentRef("tg", str(8000 + n)), Conversation(), [SaveAnswer(answer)])
    # The same words in another city stay there.
    answer = own_words(1, "manas", "пробки", "roads")
    await store.commit(ResidentRef("tg", "8999"), Conversation(), [SaveAnswer(answer)])


async def citywide(store: Store, city: str = CITY) -> dict[str, int]:
    kept = await store.tallies(city)
    assert kept == await store.tallies(city, recount=True), "counters equal a recount"
    total: dict[str, int] = {}
    for tally in kept.values():
        for category, count in tally.counts.items():
            total[category] = total.get(category, 0) + count
    return {c: n for c, n in total.items() if n}


async def test_accepting_a_theme_moves_its_answers_and_teaches_the_city(
    store: Store, world: World
) -> None:
    await seed(store)
    assert await store.city_categories() == {}
    before = await store.learned_version()
    effect = AcceptTheme(CITY, "traffic_jams", "Пробки", "Тыгындар", JAMS)
    assert await store.commit_operator("cli:themes", [effect]) == [4]
    assert await store.city_categories() == {CITY: [("traffic_jams", "Пробки", "Тыгындар")]}
    assert await store.learned_version() > before
    assert (await store.learned())[CITY] == {w: "traffic_jams" for w in JAMS}
    counts = await citywide(store)
    assert counts["traffic_jams"] == 4 and counts["other"] == 1, "the pool one stays own words"
    assert counts["roads"] == 1 and counts["water"] == 1
    assert await citywide(store, "manas") == {"roads": 1, "other": 1}, "another city untouched"
    assert [i.text for i in await store.unplaced(CITY)] == ["нет бассейна"]

    # Every instance rebuilds its World from the store: the category is shown and classified.
    later = world.with_learned(await store.learned(), await store.city_categories())
    assert later.shown[CITY].label("traffic_jams", "ky") == "Тыгындар"
    assert "traffic_jams" in later.shown[CITY].ids
    assert later.matchers[CITY].classify("пробки в центре").category == "traffic_jams"
    assert later.matchers[CITY].classify("тыгындар").category == "traffic_jams", "its title"
    assert "traffic_jams" not in later.shown["manas"].ids, "another city does not show it"


async def test_an_answer_already_naming_the_category_keeps_its_own_words(store: Store) -> None:
    await store.commit_operator(
        "cli:themes", [AcceptTheme(CITY, "noise", "Шум", "Ызы-чуу", ("x",))]
    )
    answer = own_words(1, CITY, "шум ночью", "noise")
    await store.commit(ResidentRef("tg", "8100"), Conversation(), [SaveAnswer(answer)])
    again = AcceptTheme(CITY, "night_noise", "Ночной шум", "Түнкү ызы-чуу", ("шум ночью",))
    assert await store.commit_operator("cli:themes", [again]) == [1]
    assert (await citywide(store))["night_noise"] == 1
    # A taken id: the store refuses (nothing moves), the decision refuses before it.
    taken = AcceptTheme(CITY, "noise", "Шум 2", "Ызы-чуу 2", ("шум ночью",))
    assert await store.commit_operator("cli:themes", [taken]) == [False]
    assert len((await store.city_categories())[CITY]) == 2


def test_the_decision_validates_the_request(world: World) -> None:
    stored = world.with_learned({}, {CITY: [("traffic_jams", "Пробки", "Тыгындар")]})

    def problem(**kw: object) -> str | None:
        args = {"city": CITY, "category_id": "jams", "ru": "Пробки", "ky": "Тыгын"}
        request = ThemeAccept(**(args | {"wordings": JAMS} | kw))  # type: ignore[arg-type]
        turn = step(request, stored, Facts(), None)  # type: ignore[arg-type]
        return turn.problem.id if turn.problem else None

    assert problem() is None
    for bad in ("J", "jams!", "1jams", "x", "a" * 33):
        assert problem(category_id=bad) == "themes-accept-bad-id", bad
    assert problem(category_id="roads") == "themes-accept-taken", "a catalogue id"
    assert problem(category_id="traffic_jams") == "themes-accept-taken", "a stored one"
    assert problem(ru="  ") == "themes-accept-bad-title"
    assert problem(ky="ы" * 61) == "themes-accept-bad-title"
    assert problem(wordings=()) == "themes-accept-empty"
    assert problem(city="nowhere") == "operator-unknown-city"


@pytest.mark.parametrize("rows", [[("roads", "Дороги 2", "Жолдор 2")], []])
def test_a_stored_id_taken_by_the_city_file_is_skipped(world: World, rows: list) -> None:  # type: ignore[type-arg]
    later = world.with_learned({}, {CITY: rows})
    assert later.shown[CITY].label("roads", "ru") == world.shown[CITY].label("roads", "ru")
