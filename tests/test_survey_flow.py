"""The pure survey flow, driven like a resident would: no network, no database."""

from __future__ import annotations

import pytest

from flows.catalogue import OTHER
from flows.session import (
    MAX_TEXT,
    Conversation,
    Forget,
    Inbound,
    SaveAnswer,
    Session,
    SetLanguage,
    SetSubscribed,
    Step,
)
from flows.survey import step
from flows.world import World
from tests.driver import FlowResident


def saved(r: FlowResident) -> list[SaveAnswer]:
    return [e for e in r.effects if isinstance(e, SaveAnswer)]


def test_full_survey_in_russian_by_taps(world: World) -> None:
    r = FlowResident(world)
    text = r.command("start")
    assert "Выберите язык" in text and "Тилди тандаңыз" in text
    assert r.labels == ["Кыргызча", "Русский"]
    text = r.tap("Русский")
    assert "пять самых важных проблем" in text
    assert r.labels == ["Кара-Балта", "Каракол", "Манас"]
    text = r.tap("Каракол")
    assert "Каракол: выберите ваш район" in text
    assert "МТУ №3" in r.labels and "Не знаю" in r.labels
    r.tap("МТУ №3")
    assert r.step == "problems"
    for group, category in [
        ("Дороги и транспорт", "Дороги"),
        ("Вода, тепло", "Питьевая вода"),
        ("Порядок", "Бродячие собаки"),
        ("Дворы, парки", "Пляж и берег озера"),
    ]:
        r.tap(group)
        assert r.step == "group"
        text = r.tap(category)
        assert f"Добавлено: {category}" in text
    assert "Проблема 5" not in r.text and "Ваш список (4 из 5)" in r.text
    r.tap("Дети, здоровье")
    text = r.tap("Детские сады")
    assert r.step == "review", "the fifth problem leads straight to the review"
    assert "1. Дороги" in text and "5. Детские сады" in text and "Район: МТУ №3" in text
    text = r.tap("Всё верно")
    assert "ваши ответы сохранены" in text
    (effect,) = saved(r)
    assert effect.answer.city == "karakol" and effect.answer.district == "mtu3"
    assert [i.category for i in effect.answer.items] == [
        "roads",
        "drinking_water",
        "stray_dogs",
        "lake_shore",
        "kindergartens",
    ]
    assert effect.answer.version == 1
    assert r.step == "subscribe"
    text = r.tap("Да, присылать")
    assert "подписаны" in text and "/edit" in text
    assert SetSubscribed(True) in r.effects and SetLanguage("ru") in r.effects
    assert r.step == "done"


def test_full_survey_in_kyrgyz_typed(world: World) -> None:
    r = FlowResident(world, lang_hint="ky")
    text = r.command("start")
    assert "беш көйгөйүн" in text, "language preselected from Telegram's language_code"
    assert SetLanguage("ky") in r.effects
    assert "Шаарыңызды тандаңыз" in text
    text = r.send("жалал-абад")  # the old name, typed without capitals
    assert "Шаар: Манас" in text
    r.send("курманбэк")  # a typo of Курманбек
    assert r.session.conv.district == "kurmanbek"
    r.send("жолдор")  # a category named exactly: added at once
    assert [i.category for i in r.session.conv.items] == ["roads"]
    text = r.send("таштанды коп, эч ким чыгарбайт")  # typed without ө
    assert r.step == "suggest" and "Таштанды чыгаруу" in text
    r.send("ооба")
    assert [i.category for i in r.session.conv.items] == ["roads", "waste"]
    assert r.session.conv.items[1].text == "таштанды коп, эч ким чыгарбайт"
    text = r.send("даяр")
    assert r.step == "review" and "Жоопторуңузду текшериңиз" in text
    assert "1. Жолдор" in text and "2. Таштанды чыгаруу" in text
    text = r.send("туура")
    assert "Рахмат, жоопторуңуз сакталды" in text
    r.send("жок")
    assert SetSubscribed(False) in r.effects
    assert r.step == "done"
    assert saved(r)[0].answer.district == "kurmanbek"


def test_own_words_kept_as_other_when_nothing_matches(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("МТУ №1")
    text = r.send("мэр не отвечает на письма жителей")
    assert r.step == "suggest"
    r.tap("Оставить моими словами")
    item = r.session.conv.items[0]
    assert (item.category, item.text) == (OTHER, "мэр не отвечает на письма жителей")
    assert "своими словами" in r.text
    assert text


def test_accepting_a_suggestion_keeps_the_words_with_the_category(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("МТУ №2")
    text = r.send("на нашей улице везде ямы, асфальт разбит")
    assert "Дороги" in text and r.step == "suggest"
    r.tap("Да")
    item = r.session.conv.items[0]
    assert item.category == "roads" and "ямы" in (item.text or "")


def test_junk_and_numbers_are_not_problems(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("МТУ №2")
    r.send("ok")
    assert r.session.conv.items == [] and "Не понял" in r.text
    r.send("42")
    assert r.session.conv.items == [] and r.step == "problems"
    r.send("привет")
    assert r.step == "suggest", "unplaceable text is only kept after the resident says so"
    r.tap("Отмена")
    assert r.session.conv.items == [] and r.step == "problems"


def test_no_duplicates_remove_last_and_start_over(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("МТУ №4")
    r.send("дороги")
    r.send("Дороги")
    assert "уже есть в вашем списке" in r.text
    r.tap("Дороги и транспорт")
    assert "Дороги" not in r.labels, "a chosen category is not offered again"
    r.tap("Тротуары")
    r.send("школы")
    assert [i.category for i in r.session.conv.items] == ["roads", "sidewalks", "schools"]
    text = r.tap("Убрать последнюю")
    assert "Убрано: Школы" in text
    assert [i.category for i in r.session.conv.items] == ["roads", "sidewalks"]
    r.tap("Начать список заново")
    assert r.session.conv.items == []
    assert "Готово" not in " ".join(r.labels), "done needs at least one problem"


def test_done_after_one_problem_encourages_more(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("Не знаю")
    r.send("бродячие собаки")
    text = r.tap("Готово")
    assert "Вы назвали 1 проблему из 5" in text and "Район: не указан" in text
    r.tap("Добавить ещё")
    r.send("школы")
    r.send("отопление")
    text = r.send("готово")
    assert "Вы назвали 3 проблемы из 5" in text
    r.tap("Всё верно")
    assert saved(r)[0].answer.district is None


def test_edit_makes_a_new_version_and_unchanged_confirm_makes_none(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("МТУ №5")
    r.send("дороги")
    r.send("готово")
    r.tap("Всё верно")
    r.tap("Нет, спасибо")
    text = r.command("my")
    assert "Ваши ответы" in text and "1. Дороги" in text and "Приглашения на слушания: нет" in text
    r.command("edit")
    assert r.step == "review"
    r.tap("Всё верно")
    assert len(saved(r)) == 1, "confirming an unchanged answer adds no version"
    r.command("edit")
    r.tap("Изменить район")
    r.tap("МТУ №6")
    assert r.step == "review", "changing the district returns to the review"
    r.tap("Изменить проблемы")
    r.send("школы")
    r.send("готово")
    r.tap("Всё верно")
    _, second = saved(r)
    assert second.answer.version == 2 and second.answer.district == "mtu6"
    assert [i.category for i in second.answer.items] == ["roads", "schools"]
    assert r.step == "done", "the subscription question is asked only once"


def test_forget_asks_first_and_can_be_cancelled(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("МТУ №1")
    r.send("дороги")
    r.command("forget")
    assert "нельзя отменить" in r.text
    r.tap("Нет, оставить")
    assert r.step == "problems" and not any(isinstance(e, Forget) for e in r.effects)
    assert [i.category for i in r.session.conv.items] == ["roads"]
    r.command("forget")
    text = r.tap("Да, удалить")
    assert "данные удалены" in text
    assert isinstance(r.effects[-1], Forget)
    assert r.session == Session()


def test_stale_and_forged_buttons_show_the_current_step(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    before = r.session.model_copy(deep=True)
    for data in ["p:roads", "g:utilities", "zzz", "", "r:ok", "c:karakol", "f:yes", "x" * 64]:
        text = r.press(data)
        assert "кнопка уже не действует" in text
        assert r.session.conv == before.conv
        assert "МТУ №1" in r.labels


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "video", "location", "contact"])
def test_media_gets_a_friendly_answer_and_the_step_again(karakol: World, kind: str) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("МТУ №7")
    text = r.media(kind)
    assert "кнопкой или текстом" in text and r.step == "problems"
    assert "Дороги и транспорт" in r.labels


def test_media_in_kyrgyz(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ky")
    r.command("start")
    assert "Сураныч, баскыч же текст менен" in r.media("sticker")


def test_too_long_text_is_refused_and_nothing_stored(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("МТУ №1")
    before = r.session.model_copy(deep=True)
    text = r.send("яма " * 100)
    assert "сократите до 300" in text and len("яма " * 100) > MAX_TEXT
    assert r.session == before and not r.turn.effects


def test_unknown_command_and_help(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ky")
    r.command("start")
    text = r.command("foo")
    assert "/foo буйругу белгисиз" in text and "/forget" in text


def test_language_switch_mid_survey_returns_to_the_same_step(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("МТУ №1")
    r.send("дороги")
    r.command("language")
    assert r.step == "language"
    text = r.tap("Кыргызча")
    assert r.step == "problems" and "Сиздин тизме" in text and "1. Жолдор" in text
    r.send("русский")  # typed language name switches at any step
    assert "Ваш список" in r.text and r.session.profile.lang == "ru"


def test_preselected_language_offers_the_other_in_one_tap(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    text = r.command("start")
    assert r.turn is not None
    intro = r.turn.replies[0]
    assert [o.code for o in intro.options] == ["L:ky"]
    assert "выберите ваш район" in text
    r.press("L:ky")
    assert "Районуңузду (МАБ) тандаңыз" in r.text and r.step == "district"


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


def test_every_screen_has_at_most_12_buttons_and_any_category_is_2_taps_away(
    world: World,
) -> None:
    for city_id, shown in world.shown.items():
        r = FlowResident(World.build(list(world.cities.values()), city_id), lang_hint="ru")
        r.command("start")
        r.press(r.options[0].code)  # first district
        reachable: set[str] = set()
        menu = r.options
        assert len(menu) <= 12
        for group in [o for o in menu if o.code.startswith("g:")]:
            r.press(group.code)
            assert len(r.options) <= 12
            reachable |= {o.code[2:] for o in r.options if o.code.startswith("p:")}
            r.press("x:back")
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


def test_stop_unsubscribes_and_my_offers_to_subscribe_again(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.command("stop")
    assert SetSubscribed(False) in r.effects and "больше присылать не будем" in r.text
    r.tap("МТУ №1")
    r.send("дороги")
    r.send("готово")
    r.tap("Всё верно")
    assert r.step == "done", "someone who said /stop is not asked again"
    r.command("my")
    r.tap("Подписаться")
    assert r.effects[-1] == SetSubscribed(True)


def test_two_problems_in_one_line_offers_both(karakol: World) -> None:
    r = FlowResident(karakol, lang_hint="ru")
    r.command("start")
    r.tap("МТУ №1")
    r.send("ямы на дорогах и нет освещения на улицах")
    assert r.step == "suggest"
    codes = [o.code for o in r.options]
    assert codes[:3] == ["p:roads", "p:street_lighting", "x:all"]


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
