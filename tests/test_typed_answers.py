"""Typing instead of tapping: every rendered label selects its option; negations never flip."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from flows.session import Forget, Inbound, SaveAnswer, SetSubscribed
from flows.survey import step
from flows.world import World
from tests.driver import FlowResident

# Leading emoji and symbols on a button ("✅ Да, «Дороги»") are not something anyone types.
_DECORATION = re.compile(r"^[^\w№«]+")


def typed(label: str) -> str:
    return _DECORATION.sub("", label).strip()


def at_language(r: FlowResident) -> None:
    r.command("start")
    r.command("language")


def at_city(r: FlowResident) -> None:
    r.command("start")
    r.press("L:" + r.lang_hint) if r.step == "language" else None


def at_district(r: FlowResident) -> None:
    at_city(r)
    r.press("c:karakol")


def at_problems(r: FlowResident) -> None:
    at_district(r)
    r.press("d:mtu2")
    r.press("g:roads")
    r.press("p:roads")


def at_group(r: FlowResident) -> None:
    at_problems(r)
    r.press("g:utilities")


def at_suggest_one(r: FlowResident) -> None:
    at_problems(r)
    r.send("во дворе нет детской площадки")


def at_suggest_two(r: FlowResident) -> None:
    at_district(r)
    r.press("d:mtu2")
    r.send("нет воды и мусор не вывозят")


def at_suggest_none(r: FlowResident) -> None:
    at_problems(r)
    r.send("мэр не отвечает на письма")


def at_review(r: FlowResident) -> None:
    at_problems(r)
    r.press("x:done")


def at_subscribe(r: FlowResident) -> None:
    at_review(r)
    r.press("r:ok")


def at_done(r: FlowResident) -> None:
    at_subscribe(r)
    r.press("S:0")
    r.command("my")


def at_forget(r: FlowResident) -> None:
    at_problems(r)
    r.command("forget")


SCREENS: dict[str, Callable[[FlowResident], None]] = {
    "language": at_language,
    "city": at_city,
    "district": at_district,
    "problems": at_problems,
    "group": at_group,
    "suggest-one": at_suggest_one,
    "suggest-two": at_suggest_two,
    "suggest-none": at_suggest_none,
    "review": at_review,
    "subscribe": at_subscribe,
    "done": at_done,
    "forget": at_forget,
}


@pytest.mark.parametrize("lang", ["ru", "ky"])
@pytest.mark.parametrize("screen", SCREENS)
def test_typing_a_rendered_label_is_the_same_as_tapping_it(
    world: World, screen: str, lang: str
) -> None:
    """What WhatsApp residents will do: read the label and type it back (without the emoji)."""
    r = FlowResident(world, lang_hint=lang)
    SCREENS[screen](r)
    assert r.step == screen.split("-")[0], r.text
    options = r.options
    assert options, f"{screen} shows no options"
    for option in options:
        label = typed(r.label(option))
        by_tap = step(r.session, Inbound("choice", choice=option.code, lang_hint=lang), world)
        by_text = step(r.session, Inbound("text", text=label, lang_hint=lang), world)
        assert by_text.session == by_tap.session, f"{screen}/{lang}: {label!r} != {option.code}"
        assert by_text.effects == by_tap.effects
        # ... and by its number, as the numbered lists on WhatsApp show it
        number = str(options.index(option) + 1)
        by_number = step(r.session, Inbound("text", text=number, lang_hint=lang), world)
        assert by_number.session == by_tap.session, f"{screen}/{lang}: {number} != {option.code}"


@pytest.mark.parametrize(
    ("lang", "line", "both", "expected"),
    [
        ("ru", "ямы на дорогах и нет освещения на улицах", "обе", ["roads", "street_lighting"]),
        ("ky", "жолдор начар, иттер коп", "экөө тең", ["stray_dogs", "roads"]),
    ],
)
def test_two_problems_in_one_line_can_be_added_at_once(
    karakol: World, lang: str, line: str, both: str, expected: list[str]
) -> None:
    r = FlowResident(karakol, lang_hint=lang)
    r.command("start")
    r.press("d:mtu1")
    text = r.send(line)
    assert r.step == "suggest"
    codes = [o.code for o in r.options]
    assert codes[:3] == [f"p:{expected[0]}", f"p:{expected[1]}", "x:all"]
    assert ("две проблемы" if lang == "ru" else "эки көйгөй") in text
    r.send(both)
    assert r.step == "problems"
    assert len(r.session.conv.items) == 2
    assert [i.category for i in r.session.conv.items] == expected
    assert all(i.text == line for i in r.session.conv.items), "the resident's words are kept"


def test_add_both_is_not_offered_when_only_one_place_is_left(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.press("d:mtu1")
    for cid in ("schools", "greening", "heating", "kindergartens"):
        r.press("g:" + _group_of(karakol, cid))
        r.press("p:" + cid)
    assert len(r.session.conv.items) == 4
    r.send("ямы на дорогах и нет освещения на улицах")
    assert "x:all" not in [o.code for o in r.options]


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_a_sixth_problem_is_refused_and_the_five_are_kept(karakol: World, lang: str) -> None:
    r = FlowResident(karakol, lang_hint=lang)
    r.command("start")
    r.press("d:mtu1")
    for code in ("p:roads", "p:schools", "p:greening", "p:heating", "p:stray_dogs"):
        r.press("g:" + _group_of(karakol, code[2:]))
        r.press(code)
    assert r.step == "review" and len(r.session.conv.items) == 5
    five = list(r.session.conv.items)
    assert "r:add" not in [o.code for o in r.options], "no 'add more' with five problems"
    text = r.send("нет освещения на улицах")
    assert r.session.conv.items == five
    assert r.step == "review"
    full = {"ru": "В списке уже 5 проблем — это максимум", "ky": "Тизмеде 5 көйгөй бар"}[lang]
    assert full in text, "told why, in their language"
    r.press("p:street_lighting")  # a forged tap of a category button
    assert r.session.conv.items == five


def _group_of(world: World, category: str) -> str:
    (found,) = [c.group for c in world.shown["karakol"].categories if c.id == category]
    return found


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ru", ["не подтверждаю", "не сохранять", "не верно", "неверно"]),
        ("ky", ["туура эмес", "сактоо эмес", "ырастабайм"]),
    ],
)
def test_a_negated_confirm_does_not_save(karakol: World, lang: str, words: list[str]) -> None:
    for said in words:
        r = FlowResident(karakol, lang_hint=lang)
        at_review(r)
        items = list(r.session.conv.items)
        r.send(said)
        assert not any(isinstance(e, SaveAnswer) for e in r.effects), said
        assert r.session.conv.items == items, said
        if said != "ырастабайм":  # Kyrgyz verb negation is not recognised: nothing happens
            assert r.step == "review", said
            assert ("не делаю" if lang == "ru" else "жасабайм") in r.text, said


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ru", ["не удалять", "не надо удалять", "нет"]),
        ("ky", ["жок", "өчүрбө", "өчүрүү керек эмес"]),
    ],
)
def test_a_negated_forget_deletes_nothing(karakol: World, lang: str, words: list[str]) -> None:
    for said in words:
        r = FlowResident(karakol, lang_hint=lang)
        at_forget(r)
        r.send(said)
        assert not any(isinstance(e, Forget) for e in r.effects), said
        assert [i.category for i in r.session.conv.items] == ["roads"], said


@pytest.mark.parametrize(
    ("lang", "words"),
    [("ru", ["не присылать", "не надо", "нет, спасибо"]), ("ky", ["жок", "керек эмес"])],
)
def test_declining_the_subscription_never_subscribes(
    karakol: World, lang: str, words: list[str]
) -> None:
    for said in words:
        r = FlowResident(karakol, lang_hint=lang)
        at_subscribe(r)
        r.send(said)
        assert SetSubscribed(True) not in r.effects, said
        assert SetSubscribed(False) in r.effects, said


def test_unsubscribe_typed_when_unsubscribed_does_not_subscribe(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    at_done(r)
    for said in ("отписаться", "не подписываться", "не присылать"):
        r.send(said)
        assert SetSubscribed(True) not in r.effects, said


@pytest.mark.parametrize(
    ("stop", "start", "help_word", "lang"),
    [
        ("STOP", "START", "HELP", "ru"),
        ("СТОП", "СТАРТ", "ПОМОЩЬ", "ru"),
        ("Токтот", "башта", "ЖАРДАМ", "ky"),
    ],
)
def test_stop_start_help_keywords_work_at_any_step(
    karakol: World, stop: str, start: str, help_word: str, lang: str
) -> None:
    r = FlowResident(karakol, lang_hint=lang)
    at_group(r)
    conv = r.session.conv.model_copy(deep=True)
    text = r.send(stop)
    assert r.effects[-1] == SetSubscribed(False)
    assert ("больше присылать не будем" in text) == (lang == "ru")
    assert r.session.conv == conv, "the survey continues where it was"
    assert r.labels, "and its current question is shown again"
    r.send(start)
    assert r.effects[-1] == SetSubscribed(True) and r.session.conv == conv
    text = r.send(help_word)
    assert "/forget" in text and r.session.conv == conv


def test_stop_before_any_language_is_answered_in_the_keywords_language(world: World) -> None:
    for word, expected in (("ТОКТОТ", "ky"), ("stop", "ru")):
        r = FlowResident(world)
        r.send(word)
        assert r.effects == [SetSubscribed(False)]
        assert r.turn is not None and r.turn.lang == expected
    r = FlowResident(world)
    r.send("start")
    assert r.step == "language" and SetSubscribed(True) not in r.effects


def test_keywords_inside_a_sentence_are_just_words(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    at_problems(r)
    r.send("стоп-сигналы не работают на перекрёстке")
    assert SetSubscribed(False) not in r.effects
