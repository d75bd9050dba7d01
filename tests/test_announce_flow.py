"""Composing an announcement in the chat (pure flow), in both languages; admins only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.catalogue import Admins
from flows.session import CreateAnnouncement, Draft, Session
from flows.world import World
from tests.driver import FlowResident

ADMIN = 777


def _world(world: World, **admins: tuple[int, ...]) -> World:
    cities = [
        c.model_copy(update={"admins": Admins(telegram_user_ids=admins.get(c.id, ()))})
        for c in world.cities.values()
    ]
    return World.build(cities)


def _admin(world: World, lang: str = "ru", **admins: tuple[int, ...]) -> FlowResident:
    r = FlowResident(_world(world, **(admins or {"karakol": (ADMIN,)})), lang, sender=f"tg:{ADMIN}")
    r.command("start")
    return r


def created(r: FlowResident) -> list[CreateAnnouncement]:
    return [e for e in r.effects if isinstance(e, CreateAnnouncement)]


def test_compose_in_both_languages_preview_reminder_and_send(world: World) -> None:
    r = _admin(world)
    text = r.command("announce")
    assert "На каких языках" in text and r.labels[0] == "На русском и кыргызском"
    text = r.tap("На русском и кыргызском")
    assert "Название слушаний (Русский)" in text
    assert "(Кыргызча)" in r.send("Бюджет 2027")
    assert "дд.мм.гггг чч:мм" in r.send("2027-жылдын бюджети")
    r.send("05.12.2026 15:00")
    r.send("Мэрия, зал 2")
    r.send("Мэрия, 2-зал")
    r.send("Проект бюджета")
    text = r.send("Бюджеттин долбоору")
    assert "Так объявление увидят жители" in text
    assert "Общественные слушания: Бюджет 2027" in text, "the Russian text, as residents see it"
    assert "Коомдук угуу: 2027-жылдын бюджети" in text, "the Kyrgyz text too"
    assert "05.12.2026, 15:00" in text
    assert r.labels[0] == "✅ Отправить сейчас"
    r.tap("Добавить напоминание")
    text = r.send("04.12.2026 18:00")
    assert "Напоминание: 04.12.2026 18:00" in text
    assert created(r) == []
    text = r.tap("Отправить сейчас")
    assert "объявление отправляется" in text
    (effect,) = created(r)
    assert effect.city == "karakol" and effect.send_at == r.now
    assert effect.reminder_at == datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # 18:00 in Bishkek
    assert effect.content["title"] == {"ru": "Бюджет 2027", "ky": "2027-жылдын бюджети"}
    assert (effect.content["date"], effect.content["time"]) == ("05.12.2026", "15:00")
    assert r.session.conv.draft is None


def test_one_language_scheduled_later_in_kyrgyz(world: World) -> None:
    r = _admin(world, "ky")
    r.command("announce")
    text = r.tap("Бир гана тилде: Кыргызча")
    assert "Угуунун аталышы (Кыргызча)" in text
    r.send("Шаардын өнүгүү программасы")
    r.send("10.12.2026 10:00")
    r.send("Маданият үйү")
    text = r.send("Программанын долбоору")
    assert "Коомдук угуу:" in text and "Общественные слушания" not in text
    r.tap("Кийинчерээк жөнөтүү")
    text = r.send("01.12.2026 09:00")
    assert "Жөнөтүү: 01.12.2026 09:00" in text
    r.tap("Ырастоо")
    (effect,) = created(r)
    assert effect.content["only"] == "ky" and effect.send_at == datetime(
        2026, 12, 1, 3, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("31.02.2026 10:00", "Не понял дату"),
        ("завтра в пять", "Не понял дату"),
        ("01.01.2020 10:00", "уже прошло"),
        ("24.11.2026 17:59", "уже прошло"),  # 11:59 UTC: one minute before "now"
    ],
)
def test_invalid_and_past_dates_are_asked_again(world: World, typed: str, answer: str) -> None:
    r = _admin(world)
    r.command("announce")
    r.tap("Только: Русский")
    r.send("Бюджет")
    text = r.send(typed)
    assert answer in text and "дд.мм.гггг чч:мм" in text
    assert r.session.conv.draft is not None and r.session.conv.draft.stage == "when"


def test_a_reminder_after_the_hearing_is_refused(world: World) -> None:
    r = _admin(world)
    r.command("announce")
    r.tap("Только: Русский")
    for text in ("Бюджет", "05.12.2026 15:00", "Мэрия", "Проект"):
        r.send(text)
    r.tap("Добавить напоминание")
    assert "раньше самих слушаний" in r.send("06.12.2026 10:00")


def test_cancel_and_edit(world: World) -> None:
    r = _admin(world)
    r.command("announce")
    r.tap("Только: Русский")
    r.send("Бюджет")
    text = r.send("отмена")
    assert "Объявление отменено" in text and r.session.conv.draft is None
    r.command("announce")
    r.tap("Только: Русский")
    for text in ("Бюджет", "05.12.2026 15:00", "Мэрия", "Проект"):
        r.send(text)
    r.tap("Изменить текст")
    assert "Название слушаний" in r.text
    r.send("Бюджет города 2027")
    r.send("06.12.2026 15:00")
    r.send("Мэрия")
    text = r.send("Проект")
    assert "Бюджет города 2027" in text and "06.12.2026, 15:00" in text
    assert created(r) == []


def test_an_admin_of_two_cities_chooses(world: World) -> None:
    r = _admin(world, karakol=(ADMIN,), manas=(ADMIN,))
    text = r.command("announce")
    assert "Для какого города" in text and set(r.labels) == {"Каракол", "Манас"}
    r.tap("Манас")
    assert r.session.conv.draft is not None and r.session.conv.draft.city == "manas"


def test_non_admins_are_refused_everywhere(world: World) -> None:
    w = _world(world, karakol=(ADMIN,))
    r = FlowResident(w, "ru", sender="tg:12345")
    r.command("start")
    assert "только администраторы города" in r.command("announce")
    assert r.session.conv.draft is None
    r.press("1.a:send")  # a forged button: no draft, nothing happens
    assert created(r) == [] and "кнопка уже не действует" in r.text
    # A draft in the state (a role removed meanwhile, or forged state): refused on the step.
    r.session = Session.model_validate(
        {
            **r.session.model_dump(),
            "conv": {
                **r.session.conv.model_dump(),
                "draft": Draft(
                    stage="preview",
                    city="karakol",
                    only="ru",
                    when="05.12.2026 15:00",
                    title={"ru": "x"},
                    place={"ru": "x"},
                    agenda={"ru": "x"},
                ).model_dump(),
            },
        }
    )
    text = r.press("1.a:send")
    assert "только администраторы" in text and created(r) == []
    assert r.session.conv.draft is None


def test_whatsapp_admins_by_number(world: World) -> None:
    city = world.cities["karakol"].model_copy(
        update={"admins": Admins(whatsapp_numbers=("+996700111222",))}
    )
    r = FlowResident(World.build([city]), "ru", sender="wa:996700111222")
    r.command("start")
    assert "На каких языках" in r.command("announce")


async def test_an_admin_announces_through_telegram_and_residents_receive_it(
    tmp_path,
    world: World,  # type: ignore[no-untyped-def]
) -> None:
    from telegram import Bot

    from bot.broadcast import BroadcastEngine
    from bot.i18n import Texts
    from tests.fake_telegram import RateLimitedBotAPI
    from tests.outbounds import telegram_out
    from tests.test_telegram import Harness

    w = _world(world, karakol=(ADMIN,))
    async with Harness(tmp_path / "db.sqlite3", w) as h:
        residents = [h.resident(100 + n, "ky" if n % 2 else "ru") for n in range(4)]
        for r in residents:
            await r.send("/start")
            await r.tap("Каракол")
            await r.send("1")
            await r.send("дороги")
            await r.send("даяр" if r.user.get("language_code") == "ky" else "готово")
            await r.tap("✅")  # the list is right
            await r.send("1")  # yes, subscribe
        admin = h.resident(ADMIN, "ru")
        await admin.send("/start")
        await admin.tap("Каракол")
        await admin.send("/announce")
        await admin.tap("На русском и кыргызском")
        for text in (
            "Бюджет 2027",
            "2027-жылдын бюджети",
            "05.12.2099 15:00",
            "Мэрия",
            "Мэрия",
            "Проект",
            "Долбоор",
        ):
            texts = await admin.send(text)
        assert any("Получателей сейчас: Telegram — 4, WhatsApp — 0" in t for t in texts)
        await admin.tap("Отправить сейчас")
        (announcement,) = await h.store.announcements("karakol")
        assert await h.store.announcement_log(announcement.id) == [("created", f"tg:{ADMIN}")]
        api = RateLimitedBotAPI(limit=1000)
        async with Bot("1:T", base_url="http://x/bot", request=api) as bot:
            engine = BroadcastEngine(h.store, Texts(), telegram=telegram_out(bot))
            await engine.run(announcement.id, "scheduler")
        assert sorted(api.delivered) == [100, 101, 102, 103]
        by_chat = {int(p["chat_id"]): p["text"] for p in api.sent()}
        assert "Общественные слушания" in by_chat[100] and "Коомдук угуу:" in by_chat[101]
        texts = await residents[0].send("/announcements")
        assert "Бюджет 2027" in texts[0] and "05.12.2099" in texts[0]
        stranger = h.resident(999, "ru")
        await stranger.send("/start")
        assert "только администраторы" in (await stranger.send("/announce"))[0]


def test_times_must_run_send_then_reminder_then_hearing(world: World) -> None:
    r = _admin(world)
    r.command("announce")
    r.tap("Только: Русский")
    for text in ("Бюджет", "05.12.2026 15:00", "Мэрия", "Проект"):
        r.send(text)
    r.tap("Отправить позже")
    r.send("03.12.2026 10:00")
    r.tap("Добавить напоминание")
    assert "Время не сходится" in r.send("01.12.2026 10:00"), "a reminder before the sending"
    r.send("04.12.2026 10:00")
    # An edit moves the hearing before the sending: refused at confirmation, times reset.
    r.tap("Изменить текст")
    for text in ("Бюджет", "02.12.2026 15:00", "Мэрия", "Проект"):
        r.send(text)
    text = r.tap("Подтвердить")
    assert "Время не сходится" in text and created(r) == []
    assert r.session.conv.draft is not None and r.session.conv.draft.at is None
    r.tap("Отправить сейчас")
    (effect,) = created(r)
    assert effect.reminder_at is None and effect.send_at == r.now
