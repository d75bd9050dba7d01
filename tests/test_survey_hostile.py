"""What a hostile tester found on the resident side, each pinned by a test (pure flow)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows.buttons import Action, Do, PickCategory, PickCity, PickDistrict, PickItem, Subscribe
from flows.catalogue import OTHER
from flows.ranking import Tally
from flows.world import World
from tests.driver import FlowResident


def at_problems(world: World, lang: str = "ru", buttons: bool = True, **kw) -> FlowResident:
    r = FlowResident(world, lang_hint=lang, buttons=buttons, **kw)
    r.command("start")
    if world.fixed_city is None:
        r.act(PickCity("karakol"))
    r.act(PickDistrict("mtu1"))
    return r


@pytest.mark.parametrize("said", ["выше", "вверх", "изменить", "отменить всё", "готово"])
def test_words_that_work_screens_are_never_problems(karakol: World, said: str) -> None:
    r = at_problems(karakol)
    for cid in ("roads", "waste", "sidewalks"):
        r.act(PickCategory(cid))
    r.act(Do(Action.DONE))
    r.act(PickItem(0))  # the first problem: "up" is not on screen ("down", "remove" are)
    r.send(said)
    r.command("my")  # moving on keeps nothing, there was nothing to keep
    assert [c for c, _ in r.items] == ["roads", "waste", "sidewalks"], said
    r.command("edit")
    r.send(said)  # at the review
    r.send("ещё один")  # and moving on
    assert all(t != said for _, t in r.items), said


@pytest.mark.parametrize(
    "said", ["1 3 5", "Саламатсызбы! Здравствуйте! #karakol-mtu5-poster", "обе", "ырастабайм"]
)
def test_numbers_greetings_and_answers_are_never_problems(karakol: World, said: str) -> None:
    r = at_problems(karakol, buttons=False)
    r.act(PickCategory("roads"))
    r.act(Do(Action.DONE))
    r.act(Do(Action.CONFIRM))
    r.act(Subscribe(False))
    r.command("edit")
    r.act(Do(Action.ADD))
    r.send(said)
    assert all(c != OTHER for c, _ in r.items), (said, r.items)


def test_several_numbers_in_one_message_pick_several_problems(karakol: World) -> None:
    r = at_problems(karakol, buttons=False)
    text = r.send("1 3 5")
    assert [c for c, _ in r.items] == ["roads", "waste", "sidewalks"]
    assert "Добавлено: Дороги, Вывоз мусора (ТБО), Тротуары (3 из 5)" in text


def test_typed_numbers_keep_meaning_what_the_resident_saw(karakol: World) -> None:
    """WhatsApp: "1" then "3" sent before the second menu arrived still mean the first menu's
    1 and 3, because a listed topic keeps its place (✓) instead of the list renumbering."""
    r = at_problems(karakol, buttons=False)
    r.send("1")
    r.send("3")
    assert [c for c, _ in r.items] == ["roads", "waste"]
    r.send("1")  # the same number again: it is listed, so it stays listed
    assert [c for c, _ in r.items] == ["roads", "waste"] and "уже есть" in r.text


def test_a_typed_topic_already_listed_is_said_to_be_listed(karakol: World) -> None:
    r = at_problems(karakol)
    r.act(PickCategory("roads"))
    text = r.send("ямы на дорогах")
    assert "«Дороги» уже есть в вашем списке" in text and [c for c, _ in r.items] == ["roads"]


def test_a_tap_from_before_forget_does_not_act_on_the_new_conversation(karakol: World) -> None:
    r = at_problems(karakol)
    old = next(o.code for o in r.options if r.label(o) == "Дороги")
    r.command("forget")
    r.act(Do(Action.FORGET))
    r.now += timedelta(minutes=1)
    r.command("start")
    r.act(PickDistrict("mtu1"))
    text = r.press(old)
    assert r.items == [] and "уже не действует" in text


def test_language_during_the_deletion_question_returns_to_the_survey(karakol: World) -> None:
    r = at_problems(karakol)
    r.send("мэр не отвечает на письма")
    r.command("forget")
    r.command("language")
    r.tap("Русский")
    assert r.step == "suggest", "back where the resident was, not at the end"


def test_moving_to_another_city_says_which_topics_it_does_not_have(world: World) -> None:
    r = at_problems(world)
    r.act(PickCategory("roads"))
    r.act(Do(Action.OTHERS))
    r.tap("Дворы, парки")
    r.act(PickCategory("lake_shore"))
    r.act(Do(Action.DONE))
    r.act(Do(Action.CHANGE_CITY))
    r.act(PickCity("manas"))
    text = r.act(PickDistrict("sputnik"))
    assert "нет тем: Пляж и берег озера" in text and [c for c, _ in r.items] == ["roads"]


def test_results_typed_or_by_number_at_the_end(karakol: World) -> None:
    tallies = {"karakol": {"mtu1": Tally(6, {"roads": 6}, {"roads": 30})}}
    for said in ("результаты", "1", "жыйынтыктар"):
        r = at_problems(karakol, buttons=False, tallies=tallies)
        r.act(PickCategory("roads"))
        r.act(Do(Action.DONE))
        r.act(Do(Action.CONFIRM))
        r.act(Subscribe(False))
        assert "Ответили: 6 жителей" in r.send(said), said


def test_minus_one_is_not_option_one(karakol: World) -> None:
    r = at_problems(karakol, buttons=False)
    r.send("-1")
    assert r.items == []


def test_only_own_words_so_far_is_not_called_nobody_answered(karakol: World) -> None:
    tallies = {"karakol": {"mtu1": Tally(6, {OTHER: 6}, {OTHER: 30})}}
    r = at_problems(karakol, tallies=tallies)
    text = r.command("results")
    assert "Пока никто не ответил" not in text and "своими словами" in text


def test_a_tap_after_a_double_tap_still_acts(karakol: World) -> None:
    r = at_problems(karakol)
    roads = next(o.code for o in r.options if r.label(o) == "Дороги")
    r.press(roads)
    water = next(o.code for o in r.options if r.label(o) == "Питьевая вода")
    r.press(roads)  # the double tap: the message is drawn again, its buttons still valid
    r.press(water)
    assert [c for c, _ in r.items] == ["roads", "drinking_water"]


def test_a_line_with_a_listed_topic_and_a_new_one_adds_the_new_one(karakol: World) -> None:
    r = at_problems(karakol)
    r.act(PickCategory("roads"))
    text = r.send("ямы на дорогах и нет освещения на улицах")
    assert [c for c, _ in r.items] == ["roads", "street_lighting"]
    assert "«Дороги» уже есть" in text


def test_a_stray_word_about_typed_words_keeps_their_screen(karakol: World) -> None:
    r = at_problems(karakol)
    r.act(PickCategory("roads"))
    r.send("коррупция в мэрии")
    for said in ("привет", "назад"):
        text = r.send(said)
        assert r.step == "suggest" and "коррупция в мэрии" in text, said


def test_a_stray_word_at_the_review_keeps_the_review(karakol: World) -> None:
    r = at_problems(karakol)
    r.act(PickCategory("roads"))
    r.act(Do(Action.DONE))
    for said in ("удалить", "спасибо"):
        r.send(said)
        assert r.step == "review", said
    r.send("всё верно")
    assert r.step == "subscribe"


def test_numbers_on_the_replace_screen_do_not_append(karakol: World) -> None:
    r = at_problems(karakol, buttons=False)
    for cid in ("roads", "waste"):
        r.act(PickCategory(cid))
    r.act(Do(Action.DONE))
    r.act(PickItem(0))
    r.act(Do(Action.REPLACE))
    r.send("3 5")
    assert [c for c, _ in r.items] == ["roads", "waste"]


def test_the_same_topic_on_the_replace_screen_changes_nothing(karakol: World) -> None:
    r = at_problems(karakol)
    r.send("ямы на дорогах")
    r.act(Do(Action.DONE))
    r.act(PickItem(0))
    r.act(Do(Action.REPLACE))
    r.act(PickCategory("roads"))  # its own ✓
    assert r.items == [("roads", "ямы на дорогах")] and r.step == "review"


def test_keep_as_it_is_after_a_typed_replacement_says_replaced(karakol: World) -> None:
    r = at_problems(karakol)
    r.act(PickCategory("roads"))
    r.act(Do(Action.DONE))
    r.act(PickItem(0))
    r.act(Do(Action.REPLACE))
    r.send("мэр не отвечает на письма")
    text = r.act(Do(Action.KEEP))
    assert "Заменено" in text and r.step == "review"


def test_numbers_say_what_they_could_not_add(karakol: World) -> None:
    r = at_problems(karakol, buttons=False)
    r.send("1")
    assert "уже есть" in r.send("1 1 1")
    assert "максимум" in r.send("8 7 6 5 4 3 2")
    assert len(r.items) == 5


def test_thanks_are_answered_in_kind(karakol: World) -> None:
    r = at_problems(karakol)
    assert "Вам спасибо" in r.send("Спасибо") and r.items == []
