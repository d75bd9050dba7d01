"""Typing instead of tapping: every rendered label selects its option; negations never flip."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from flows.buttons import (
    Action,
    Do,
    OpenGroup,
    PickCategory,
    PickCity,
    PickDistrict,
    PickItem,
    Subscribe,
)
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


def at_district(r: FlowResident) -> None:
    at_city(r)
    r.act(PickCity("karakol"))


def at_problems(r: FlowResident) -> None:
    at_district(r)
    r.act(PickDistrict("mtu2"))
    r.act(PickCategory("roads"))


def at_groups(r: FlowResident) -> None:
    at_problems(r)
    r.act(Do(Action.OTHERS))


def at_group(r: FlowResident) -> None:
    at_groups(r)
    r.act(OpenGroup("utilities"))


def at_suggest_one(r: FlowResident) -> None:
    at_problems(r)
    r.send("плохо убирают")  # own words, one topic that may fit


def at_suggest_many(r: FlowResident) -> None:
    at_problems(r)
    r.send("во дворе грязно")


def at_suggest_also(r: FlowResident) -> None:
    at_district(r)
    r.act(PickDistrict("mtu2"))
    r.send("нет воды и мусор не вывозят")  # two problems: one added, the other offered


def at_suggest_none(r: FlowResident) -> None:
    at_problems(r)
    r.send("мэр не отвечает на письма")


def at_suggest_retag(r: FlowResident) -> None:
    at_problems(r)
    r.send("нет остановок для маршруток")
    r.act(Do(Action.RETAG))


def at_review(r: FlowResident) -> None:
    at_problems(r)
    r.act(PickCategory("waste"))
    r.act(Do(Action.DONE))


def at_item(r: FlowResident) -> None:
    at_review(r)
    r.act(PickItem(1))


def at_subscribe(r: FlowResident) -> None:
    at_review(r)
    r.act(Do(Action.CONFIRM))


def at_done(r: FlowResident) -> None:
    at_subscribe(r)
    r.act(Subscribe(False))
    r.command("my")


def at_forget(r: FlowResident) -> None:
    at_problems(r)
    r.command("forget")


SCREENS: dict[str, Callable[[FlowResident], None]] = {
    "language": at_language,
    "city": at_city,
    "district": at_district,
    "problems": at_problems,
    "groups": at_groups,
    "group": at_group,
    "suggest-one": at_suggest_one,
    "suggest-many": at_suggest_many,
    "suggest-also": at_suggest_also,
    "suggest-none": at_suggest_none,
    "suggest-retag": at_suggest_retag,
    "review": at_review,
    "item": at_item,
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
        if r.label(option).startswith("✓"):
            continue  # a listed one: a tap takes it off (a check box), typing it only says so
        same = {"conv": {"lead"}}  # what the screen says first may differ, the state may not
        tap = by_tap.session.model_dump(exclude=same)
        assert by_text.session.model_dump(exclude=same) == tap, f"{screen}/{lang}: {label!r}"
        assert by_text.effects == by_tap.effects
        # ... and by its number, as the numbered lists on WhatsApp show it
        number = str(options.index(option) + 1)
        by_number = step(r.session, Inbound("text", text=number, lang_hint=lang), world)
        assert by_number.session.model_dump(exclude=same) == tap, f"{screen}/{lang}: {number}"


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
        items, saves = list(r.items), len([e for e in r.effects if isinstance(e, SaveAnswer)])
        r.send(said)
        assert len([e for e in r.effects if isinstance(e, SaveAnswer)]) == saves, said
        assert r.items == items, said
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
        assert [c for c, _ in r.items] == ["roads"], said


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
    where = (r.step, r.session.conv.group, r.items)
    text = r.send(stop)
    assert r.effects[-1] == SetSubscribed(False)
    assert ("больше присылать не будем" in text) == (lang == "ru")
    assert (r.step, r.session.conv.group, r.items) == where, "the survey continues"
    assert r.labels, "and its current question is shown again"
    r.send(start)
    assert r.effects[-1] == SetSubscribed(True)
    assert (r.step, r.session.conv.group, r.items) == where
    text = r.send(help_word)
    assert "/forget" in text and (r.step, r.session.conv.group, r.items) == where


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
