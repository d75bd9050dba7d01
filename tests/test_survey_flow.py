"""The pure survey flow, driven like a resident would: no network, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_world
from flows.buttons import Action, Do, PickCategory, PickCity, PickDistrict, PickItem, Subscribe
from flows.catalogue import OTHER
from flows.ranking import Tally
from flows.session import (
    MAX_PROBLEMS,
    MAX_TEXT,
    Conversation,
    Forget,
    Inbound,
    Item,
    Nudged,
    SaveAnswer,
    Session,
    SetLanguage,
    SetSource,
    SetSubscribed,
    Step,
)
from flows.survey import step
from flows.world import World
from tests.driver import FlowResident

OZERNY = Path(__file__).parent / "data" / "cities"


def saved(r: FlowResident) -> list[SaveAnswer]:
    return [e for e in r.effects if isinstance(e, SaveAnswer)]


def categories(r: FlowResident) -> list[str]:
    return [c for c, _ in r.items]


def test_full_survey_in_russian_by_taps_in_nine_taps_and_one_message(world: World) -> None:
    r = FlowResident(world, lang_hint="ru")
    text = r.command("start")
    assert "пять самых важных проблем" in text and "Выберите ваш город" in text
    assert r.labels == ["Кара-Балта", "Каракол", "Манас", "Кыргызча"]
    r.tap("Каракол")
    assert r.turn is not None and r.turn.edit, "the tapped message is replaced, not repeated"
    assert "МТУ №3" in r.labels and "Не знаю" in r.labels
    text = r.tap("МТУ №3")
    assert "Проблема 1" in text and "Дороги" in r.labels and "📂 Другие темы" in r.labels
    for label in ("Дороги", "Питьевая вода", "Вывоз мусора", "Освещение улиц"):
        text = r.tap(label)
        assert r.step == "problems"
    assert "Ваш список (4 из 5)" in text and "4. Уличное освещение" in text
    text = r.tap("Детские сады")
    assert r.step == "review", "the fifth problem leads straight to the review"
    assert "уже учтён в рейтинге" in text and "Район: МТУ №3" in text
    assert r.labels[:5] == [
        "1. Дороги",
        "2. Питьевая вода",
        "3. Вывоз мусора",
        "4. Освещение улиц",
        "5. Детские сады",
    ]
    assert "➕ Добавить ещё" not in r.labels, "with five problems there is nothing to add"
    text = r.tap("Всё верно")
    assert "ваши ответы сохранены" in text and r.step == "subscribe"
    text = r.tap("Да, присылать")
    assert "подписаны" in text and r.step == "done" and "📊 Результаты" in r.labels
    assert r.turns - 1 == 9, "nine taps after /start"
    # Saved with every change: one version per problem added, nothing at the confirmation.
    versions = saved(r)
    assert [len(v.answer.items) for v in versions] == [1, 2, 3, 4, 5]
    assert [v.answer.version for v in versions] == [1, 2, 3, 4, 5]
    last = versions[-1].answer
    assert (last.city, last.district) == ("karakol", "mtu3")
    assert categories(r) == [
        "roads",
        "drinking_water",
        "waste",
        "street_lighting",
        "kindergartens",
    ]
    assert SetSubscribed(True) in r.effects and SetLanguage("ru") in r.effects


def test_full_survey_in_kyrgyz_typed(world: World) -> None:
    r = FlowResident(world, lang_hint="ky", buttons=False)
    text = r.command("start")
    assert "беш көйгөйүн" in text and "Шаарыңыздын номерин же атын жазыңыз" in text
    text = r.send("жалал-абад")  # the old name, typed without capitals
    assert "Шаар: Манас" in text
    r.send("курманбэк")  # a typo of Курманбек
    assert r.session.conv.district == "kurmanbek"
    r.send("жолдор")  # a category named exactly: added at once
    assert categories(r) == ["roads"]
    text = r.send("таштанды коп, эч ким чыгарбайт")  # typed without ө: confident, added
    assert categories(r) == ["roads", "waste"] and "Кошулду: Таштанды чыгаруу" in text
    assert r.items[1][1] == "таштанды коп, эч ким чыгарбайт", "the resident's words are kept"
    text = r.send("даяр")
    assert r.step == "review" and "Тизмеңиз сакталды" in text
    assert "1. Жолдор" in text and "2. Таштанды" in text
    text = r.send("туура")
    assert "Рахмат, жоопторуңуз сакталды" in text
    r.send("жок")
    assert SetSubscribed(False) in r.effects and r.step == "done"
    assert saved(r)[-1].answer.district == "kurmanbek"


# --- the five ways answers used to be lost ----------------------------------------------------


@pytest.mark.parametrize(("lang", "full"), [("ru", "В списке уже 5 проблем"), ("ky", "Тизмеде 5")])
def test_a_list_of_five_never_grows_to_six(karakol: World, lang: str, full: str) -> None:
    r = FlowResident(karakol, lang_hint=lang)
    r.command("start")
    r.act(PickDistrict("mtu1"))
    for cid in ("roads", "schools", "greening", "heating", "stray_dogs"):
        if cid in karakol.shown["karakol"].featured:
            r.act(PickCategory(cid))
        else:
            r.act(Do(Action.OTHERS))
            group = karakol.catalogue.category(cid).group  # type: ignore[union-attr]
            r.tap(next(g.short(lang) for g in karakol.catalogue.groups if g.id == group))
            r.act(PickCategory(cid))
    assert r.step == "review" and len(r.items) == 5
    five = list(r.items)
    # Every way a sixth could come in: typed, a featured tap forged onto the screen, /edit.
    text = r.send("нет освещения на улицах")
    assert full in text and r.items == five
    r.press(f"{r.session.conv.screen}.p:street_lighting")
    assert r.items == five
    r.command("edit")
    assert "➕" not in " ".join(r.labels)
    r.act(PickItem(0))
    r.act(Do(Action.REPLACE))
    r.act(Do(Action.OTHERS))
    assert r.items == five
    assert all(len(e.answer.items) <= MAX_PROBLEMS for e in saved(r))


@pytest.mark.parametrize(
    ("lang", "lines", "kept"),
    [
        (
            "ru",
            ["ямы на дорогах", "нет воды вечером", "мусор не вывозят", "мэр не отвечает", "собаки"],
            "Сохранено своими словами: «мэр не отвечает»",
        ),
        (
            "ky",
            ["жолдор начар", "суу жок", "таштанды чыгарылбайт", "мэр жооп бербейт", "иттер көп"],
            "Өз сөзүңүз менен сакталды: «мэр жооп бербейт»",
        ),
    ],
)
def test_typed_problems_one_per_message_are_all_kept(
    karakol: World, lang: str, lines: list[str], kept: str
) -> None:
    r = FlowResident(karakol, lang_hint=lang, buttons=False)
    r.command("start")
    r.send("1")
    texts = [r.send(line) for line in lines]
    assert len(r.items) == 5, r.items
    assert [t for _, t in r.items] == lines, "in the resident's order, in their words"
    assert any(kept in t for t in texts), "the reply says how each line was kept"
    assert "1." in r.command("my") or r.step == "review"
    assert saved(r)[-1].answer.items == [Item(category=c, text=t) for c, t in r.items]


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_typed_words_are_on_the_list_at_once_whatever_the_resident_does_next(
    karakol: World, lang: str
) -> None:
    words = "мэр не отвечает на письма жителей"
    for move_on in ("/my", "/edit", "/start", "/stop", "nudge", "other topics", "drop"):
        r = FlowResident(karakol, lang_hint=lang)
        r.command("start")
        r.act(PickDistrict("mtu1"))
        r.send(words)
        assert r.step == "suggest" and r.items == [(OTHER, words)], "saved before any answer"
        if move_on == "other topics":
            r.act(Do(Action.OTHERS))  # a topic for them from all topics: the words go with it
            r.tap(next(g.short(lang) for g in karakol.catalogue.groups if g.id == "roads"))
            r.act(PickCategory("parking"))
            assert r.items == [("parking", words)]
            continue
        if move_on == "drop":
            r.act(Do(Action.DROP))  # "this is not a problem"
            assert r.items == [] and r.step == "problems"
            continue
        if move_on == "nudge":
            r.system("nudge")
        else:
            r.send(move_on)
        assert r.items == [(OTHER, words)], move_on


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_the_list_counts_as_it_stands_without_the_final_confirmation(
    karakol: World, lang: str
) -> None:
    """Someone who names problems and leaves is in the ranking: every change is saved."""
    r = FlowResident(karakol, lang_hint=lang)
    r.command("start")
    r.act(PickDistrict("mtu4"))
    r.act(PickCategory("roads"))
    r.act(PickCategory("waste"))
    assert saved(r)[-1].answer.items == [Item(category="roads"), Item(category="waste")]
    r.act(PickCategory("waste"))  # tapped again: taken off
    assert saved(r)[-1].answer.items == [Item(category="roads")]
    assert r.step == "problems", "never confirmed, yet saved"


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_every_button_acts_at_most_once(karakol: World, lang: str) -> None:
    r = FlowResident(karakol, lang_hint=lang)
    r.command("start")
    r.act(PickDistrict("mtu1"))
    r.act(PickCategory("roads"))
    waste = next(o.code for o in r.options if "Вывоз" in r.label(o) or "Таштанды" in r.label(o))
    r.press(waste)
    assert categories(r) == ["roads", "waste"]
    shown = r.text
    again = r.press(waste)  # the same button again: a double tap (not "take it off")
    assert categories(r) == ["roads", "waste"], "added once, and not taken off"
    assert r.notice and r.turn is not None and r.turn.edit, "a note on the tap, and ..."
    assert again == shown, "... the message drawn again as it was (a lost edit is repaired)"
    # Delete everything, twice.
    r.command("forget")
    yes = next(o.code for o in r.options if "🗑" in r.label(o))
    r.press(yes)
    assert isinstance(r.effects[-1], Forget) and r.session == Session()
    before = len(r.effects)
    r.press(yes)
    assert len(r.effects) == before and r.session == Session(), "nobody is recreated"
    assert r.turn is not None and not r.turn.effects


@pytest.mark.parametrize(
    ("lang", "line", "both", "expected"),
    [
        ("ru", "нет освещения на улицах и ямы на дорогах", "обе", ["street_lighting", "roads"]),
        ("ru", "ямы на дорогах и нет освещения на улицах", "обе", ["roads", "street_lighting"]),
        ("ky", "иттер көп, жолдор начар", "экөө тең", ["stray_dogs", "roads"]),
    ],
)
def test_add_both_keeps_the_residents_order(
    karakol: World, lang: str, line: str, both: str, expected: list[str]
) -> None:
    r = FlowResident(karakol, lang_hint=lang)
    r.command("start")
    r.act(PickDistrict("mtu1"))
    r.send(line)
    assert r.step == "suggest"
    r.send(both)
    assert categories(r) == expected and all(t == line for _, t in r.items)


# --- fewer taps, less scrolling -------------------------------------------------------------


def test_typed_answers_get_a_short_reply_not_the_whole_list(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru", buttons=False)
    r.command("start")
    r.send("1")
    r.send("дороги")
    text = r.send("нет воды")
    assert "Добавлено: Питьевая вода — «нет воды» (2 из 5)" in text
    assert "1. Дороги" not in text, "the list is not repeated in every new message"
    assert "Чем больше проблем" not in text, "said once, after the first problem"


def test_help_stop_and_unknown_commands_do_not_repeat_the_answers(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.act(PickDistrict("mtu1"))
    r.act(PickCategory("roads"))
    r.act(Do(Action.DONE))
    r.act(Do(Action.CONFIRM))
    r.act(Subscribe(True))
    for command in ("help", "stop", "foo"):
        text = r.command(command)
        assert "Район:" not in text and "1. Дороги" not in text, command
    assert "1. Дороги" in r.command("my")


def test_edit_moves_replaces_and_removes_and_keeps_the_order(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.act(PickDistrict("mtu5"))
    for cid in ("roads", "waste", "sidewalks"):
        r.act(PickCategory(cid))
    r.act(Do(Action.DONE))
    r.act(Do(Action.CONFIRM))
    r.act(Subscribe(False))
    r.command("edit")
    assert r.step == "review" and r.labels[:3] == ["1. Дороги", "2. Вывоз мусора", "3. Тротуары"]
    r.tap("3. Тротуары")
    assert r.step == "item" and "⬇️ Ниже" not in r.labels, "the last cannot go lower"
    text = r.tap("Выше")
    assert categories(r) == ["roads", "sidewalks", "waste"] and "на месте 2" in text
    r.tap("Выше")
    assert categories(r) == ["sidewalks", "roads", "waste"]
    r.tap("Назад")
    r.tap("2. Дороги")
    r.tap("Заменить")
    assert "Чем заменить «Дороги»" in r.text and "Дороги" not in r.labels
    r.send("нет остановок для маршруток")  # typed: a confident category replaces it
    assert categories(r) == ["sidewalks", "public_transport", "waste"]
    assert r.step == "review" and "Заменено" in r.text
    r.tap("3. Вывоз мусора")
    r.tap("Убрать")
    assert categories(r) == ["sidewalks", "public_transport"]
    assert [len(e.answer.items) for e in saved(r)][-4:] == [3, 3, 3, 2]


def test_a_wrongly_placed_typed_problem_can_get_another_topic(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.act(PickDistrict("mtu2"))
    r.send("на нашей улице везде ямы, асфальт разбит")
    assert categories(r) == ["roads"] and "🔁 Другая тема" in r.labels
    r.tap("Другая тема")
    assert r.step == "suggest"
    r.act(Do(Action.OWN))
    assert r.items == [(OTHER, "на нашей улице везде ямы, асфальт разбит")]


def test_unplaceable_text_is_asked_about_not_kept_and_greetings_are_not_problems(
    karakol: World,
) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.act(PickDistrict("mtu2"))
    r.send("привет")
    assert r.items == [] and "Здравствуйте" in r.text
    r.send("42")
    assert r.items == [] and r.step == "problems"
    r.send("мэр не отвечает на письма жителей")
    assert r.step == "suggest" and r.items == [(OTHER, "мэр не отвечает на письма жителей")]
    r.tap("Это не проблема")
    assert r.items == [] and r.step == "problems", "the resident takes them off the list"


def test_too_long_text_is_answered_and_the_step_shown_again(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.act(PickDistrict("mtu1"))
    before = r.session.answer
    text = r.send("яма " * 100)
    assert "сократите до 300" in text and len("яма " * 100) > MAX_TEXT
    assert "Проблема 1" in text and r.labels, "and the current question again"
    assert r.session.answer == before and not r.turn.effects  # type: ignore[union-attr]


@pytest.mark.parametrize(("lang", "said"), [("ru", "Бишкек"), ("ky", "бишкек"), ("ru", "Ош")])
def test_a_city_the_bot_does_not_serve_gets_the_list(world: World, lang: str, said: str) -> None:
    r = FlowResident(world, lang_hint=lang)
    r.command("start")
    text = r.send(said)
    assert "Каракол" in text and "Манас" in text and "Кара-Балта" in text
    assert said in text and r.step == "city"


def test_kara_kul_is_not_mistaken_for_karakol(world: World) -> None:
    r = FlowResident(world, lang_hint="ru")
    r.command("start")
    r.send("Кара-Куль")
    assert r.step == "city" and r.session.conv.city is None


# --- links, streets, locations ---------------------------------------------------------------


def test_a_deep_link_skips_the_questions_it_answers(world: World) -> None:
    r = FlowResident(world, lang_hint="ky")
    text = r.command("start", "manas-kurmanbek-poster")
    assert r.step == "problems" and "Курманбек" in text
    assert SetSource("poster") in r.effects
    r.act(PickCategory("roads"))
    assert saved(r)[-1].answer.district == "kurmanbek"


@pytest.mark.parametrize("payload", ["", "atlantis-x", "karakol-nowhere", "DROP TABLE", "x" * 80])
def test_bad_payloads_are_ignored_politely(world: World, payload: str) -> None:
    r = FlowResident(world, lang_hint="ru")
    r.command("start", payload)
    assert r.step in ("city", "district") and not any(isinstance(e, SetSource) for e in r.effects)
    if payload == "karakol-nowhere":
        assert r.step == "district" and r.session.conv.city == "karakol"


def test_a_prefilled_whatsapp_text_presets_city_and_district(world: World) -> None:
    r = FlowResident(world, sender="wa:996700000001", buttons=False)
    text = r.send("Саламатсызбы! Здравствуйте! #kara_balta-lower-qr")
    assert "Тилди тандаңыз" in text
    text = r.send("2")
    assert r.step == "problems" and "Нижняя зона" in text
    assert SetSource("qr") in r.effects


@pytest.fixture(scope="module")
def ozerny() -> World:
    return load_world(OZERNY)


def test_a_typed_street_selects_the_district(ozerny: World) -> None:
    r = FlowResident(ozerny, lang_hint="ru")
    r.command("start")
    r.send("ул. Гагарина 12")
    assert r.session.conv.district == "east" and r.step == "problems"


def test_a_street_in_two_districts_asks_which(ozerny: World) -> None:
    r = FlowResident(ozerny, lang_hint="ru")
    r.command("start")
    text = r.send("Ленина")
    assert r.step == "district" and "в нескольких районах" in text
    assert r.labels[:2] == ["МТУ №1", "МТУ №2"]
    r.tap("МТУ №2")
    assert r.session.conv.district == "south"


def test_a_shared_location_selects_the_district(ozerny: World) -> None:
    r = FlowResident(ozerny, lang_hint="ru")
    text = r.command("start")
    assert "геопозицию" in text
    text = r.media("location", (42.51, 78.39))
    assert r.session.conv.district == "north" and "Ваш район: МТУ №1" in text
    r2 = FlowResident(ozerny, lang_hint="ru")
    r2.command("start")
    text = r2.media("location", (40.0, 70.0))
    assert r2.step == "district" and "не входит ни в один район" in text


# --- results, reminders ---------------------------------------------------------------------


def test_results_show_the_city_and_a_big_enough_district(karakol: World) -> None:
    tallies = {
        "karakol": {
            "mtu1": Tally(7, {"roads": 5, "waste": 3}, {"roads": 20, "waste": 9}),
            "mtu2": Tally(6, {"roads": 1, "schools": 2}, {"roads": 5, "schools": 8}),
        }
    }
    r = FlowResident(karakol, lang_hint="ru", tallies=tallies)
    r.command("start")
    r.act(PickDistrict("mtu1"))
    r.act(PickCategory("roads"))
    r.act(Do(Action.DONE))
    r.act(Do(Action.CONFIRM))
    text = r.act(Subscribe(False))
    assert "📊 Результаты" in r.labels
    text = r.tap("Результаты")
    assert "Ответили: 13 жителей" in text and "1. Дороги — 46%" in text
    assert "МТУ №1" in text and "(ответили: 7)" in text
    r.command("edit")
    r.act(Do(Action.CHANGE_DISTRICT))
    r.act(PickDistrict("mtu3"))
    text = r.command("results")
    assert "покажем, когда" in text, "a district with no answers of its own shows none"


@pytest.mark.parametrize(
    ("districts", "shown"),
    [
        ({"mtu1": 2}, "меньше 5 жителей"),  # a city of two: nothing to read anyone's answer from
        ({"mtu1": 5, "mtu2": 1}, "покажем, когда"),  # the other one could be subtracted
        ({"mtu1": 5, "mtu2": 5, "mtu3": 1}, "покажем, когда"),  # ... also from two districts
        ({"mtu1": 5}, "(ответили: 5)"),  # the district is the whole city: nothing more to learn
    ],
)
def test_results_never_let_one_answer_be_read_off(
    karakol: World, districts: dict[str, int], shown: str
) -> None:
    tallies = {
        "karakol": {d: Tally(n, {"roads": n}, {"roads": 5 * n}) for d, n in districts.items()}
    }
    r = FlowResident(karakol, lang_hint="ru", tallies=tallies)
    r.command("start")
    r.act(PickDistrict("mtu1"))
    assert shown in r.command("results")


def test_the_reminder_shows_where_the_resident_stopped_once(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.act(PickDistrict("mtu1"))
    r.send("мэр не отвечает на письма")
    text = r.system("nudge")
    assert "не закончили" in text and Nudged() in r.turn.effects  # type: ignore[union-attr]
    assert r.items == [(OTHER, "мэр не отвечает на письма")], "what they typed counts"
    done = FlowResident(karakol, lang_hint="ru")
    done.command("start")
    done.act(PickDistrict("mtu1"))
    for cid in ("roads", "waste", "sidewalks", "kindergartens", "playgrounds"):
        done.act(PickCategory(cid))
    assert done.system("nudge") == "", "five named: nothing to remind about"


# --- robustness -----------------------------------------------------------------------------


def test_stale_and_forged_buttons_show_the_current_step(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru", buttons=False)
    r.command("start")
    before = r.session.model_copy(deep=True)
    for data in ["p:roads", "0.g:utilities", "zzz", "", "99.x:ok", "1.c:karakol", "x" * 64]:
        text = r.press(data)
        assert "кнопка уже не действует" in text
        assert r.session.answer == before.answer
        assert r.session.conv.step == before.conv.step
        assert "МТУ №1" in r.labels


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "video", "contact"])
def test_media_gets_a_friendly_answer_and_the_step_again(karakol: World, kind: str) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.act(PickDistrict("mtu7"))
    text = r.media(kind)
    assert "кнопкой или текстом" in text and r.step == "problems"
    assert "Дороги" in r.labels


def test_media_in_kyrgyz_and_on_whatsapp(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ky")
    r.command("start")
    assert "Сураныч, баскыч же текст менен" in r.media("sticker")
    wa = FlowResident(karakol, lang_hint="ky", buttons=False)
    wa.command("start")
    text = wa.media("sticker")
    assert "номер же текст менен" in text and "баскыч" not in text


def test_language_switch_mid_survey_returns_to_the_same_step(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.act(PickDistrict("mtu1"))
    r.send("дороги")
    r.command("language")
    assert r.step == "language"
    text = r.tap("Кыргызча")
    assert r.step == "problems" and "Көйгөй 2/5" in text
    r.send("русский")  # a typed language name switches at any step
    assert "Проблема 2 из 5" in r.text and r.session.profile.lang == "ru"


def test_no_language_hint_asks_bilingually_and_ignores_chatter(world: World) -> None:
    r = FlowResident(world, lang_hint="en")
    r.send("hello")
    assert r.step == "language" and "Тилди тандаңыз / Выберите язык" in r.text
    r.send("2")
    assert r.session.profile.lang == "ru" and r.step == "city"


def test_fixed_city_skips_the_city_question(karakol: World) -> None:
    r = FlowResident(karakol)
    r.command("start")
    r.tap("Кыргызча")
    assert r.step == "district" and r.session.conv.city == "karakol"


def test_every_category_is_at_most_three_taps_away_and_no_screen_has_over_12_buttons(
    world: World,
) -> None:
    for city_id, shown in world.shown.items():
        r = FlowResident(World.build(list(world.cities.values()), city_id), lang_hint="ru")
        r.command("start")
        r.press(r.options[0].code)  # the first district
        reachable = {o for o in shown.featured}
        assert len(r.options) <= 12
        r.act(Do(Action.OTHERS))
        for n in range(len(r.options) - 1):  # every group (the last button is "back")
            r.press(r.options[n].code)  # the codes carry the screen: read them anew each time
            assert len(r.options) <= 12
            reachable |= {o.code.split(":", 1)[1] for o in r.options if ".p:" in o.code}
            r.act(Do(Action.BACK))
        assert reachable == set(shown.ids), city_id
        if city_id != "karakol":
            assert "lake_shore" not in reachable


def test_a_state_from_an_older_configuration_is_repaired(karakol: World) -> None:
    stale = Session(
        conv=Conversation(step=Step.PROBLEMS, city="atlantis", district="x", district_chosen=True)
    )
    stale.profile.lang = "ru"
    turn = step(stale, Inbound("text", text="дороги"), karakol)
    assert turn.session.conv.city == "karakol"
    assert turn.session.conv.step == Step.DISTRICT


def test_a_list_kept_by_the_previous_version_becomes_the_answer(karakol: World) -> None:
    """Version 1 kept the unconfirmed list in the conversation: nothing of it is lost."""
    old = Session.model_validate(
        {
            "profile": {"lang": "ru"},
            "conv": {
                "v": 1,
                "step": "problems",
                "city": "karakol",
                "district": "mtu2",
                "district_chosen": True,
                "items": [{"category": "roads"}, {"category": "other", "text": "мост"}],
            },
        }
    )
    turn = step(old, Inbound("command", command="my"), karakol)
    (save,) = [e for e in turn.effects if isinstance(e, SaveAnswer)]
    assert save.answer.items == [Item(category="roads"), Item(category="other", text="мост")]
    assert save.answer.district == "mtu2"


def test_stop_unsubscribes_and_my_offers_to_subscribe_again(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.command("stop")
    assert SetSubscribed(False) in r.effects and "больше присылать не будем" in r.text
    r.act(PickDistrict("mtu1"))
    r.send("дороги")
    r.send("готово")
    r.tap("Всё верно")
    assert r.step == "done", "someone who said /stop is not asked again"
    r.command("my")
    r.tap("Подписаться")
    assert r.effects[-1] == SetSubscribed(True)


def test_forget_asks_first_and_can_be_cancelled(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.act(PickDistrict("mtu1"))
    r.send("дороги")
    r.command("forget")
    assert "нельзя отменить" in r.text
    r.tap("Нет, оставить")
    assert r.step == "problems" and not any(isinstance(e, Forget) for e in r.effects)
    assert categories(r) == ["roads"]
    r.command("forget")
    text = r.tap("Да, удалить")
    assert "данные удалены" in text and isinstance(r.effects[-1], Forget)
    assert r.session == Session()


def test_the_flow_is_pure(karakol: World) -> None:
    """The same session and event always give the same turn; the input is not mutated."""
    session = Session()
    session.profile.lang = "ru"
    event = Inbound("text", text="1")
    first = step(session, Inbound("command", command="start"), karakol).session
    snapshot = first.model_copy(deep=True)
    a = step(first, event, karakol)
    b = step(first, event, karakol)
    assert a == b and first == snapshot


def test_city_buttons_carry_their_screen(world: World) -> None:
    r = FlowResident(world, lang_hint="ru")
    r.command("start")
    assert all(o.code.startswith(f"{r.session.conv.screen}.") for o in r.options)
    r.act(PickCity("manas"))
    assert r.session.conv.city == "manas"


@pytest.mark.parametrize("lang_hint", ["ru", "ky"])
def test_whoami_tells_anyone_their_id_for_the_city_file(world: World, lang_hint: str) -> None:
    """Before anything else (a new admin need not take the survey), in their language, with
    the current question after it; nothing is stored about who asked."""
    r = FlowResident(world, lang_hint=lang_hint, sender="tg:424242")
    text = r.command("whoami")
    assert "424242" in text and r.step == "city"
    assert [type(e).__name__ for e in r.effects] == ["SetLanguage"], "only the app's language"
    assert ("Ваш номер (id): 424242" in text) == (lang_hint == "ru")
    assert ("Сиздин номериңиз (id): 424242" in text) == (lang_hint == "ky")
    r.tap("Каракол")
    text = r.command("whoami")
    assert "424242" in text and r.step == "district", "the question it interrupted follows"
