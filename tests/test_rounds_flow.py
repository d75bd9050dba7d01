"""Residents and survey rounds, through the real pipeline and both stores: a new round offers
the earlier list, outside a round the bot says when the next one opens (ru and ky)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    clock_fixture,
    migrated_dsn_fixture,
    store_fixture,
)

from bot.i18n import Texts, html_to_plain
from bot.pipeline import Pipeline
from flows import rounds
from flows.rounds import CloseRound, OpenRound
from flows.session import (
    Answer,
    Conversation,
    Inbound,
    Item,
    SaveAnswer,
    SetLanguage,
    SetSubscribed,
    Step,
    Turn,
)
from flows.world import World
from storage.base import ResidentRef, Store

TEXTS = Texts(strict=True)
CITY = "karakol"
TITLES = {"ru": "Бюджет 2028", "ky": "2028-жылдын бюджети"}


class Resident:
    """Someone writing to the bot: every event through Pipeline.resident, replies rendered."""

    def __init__(self, pipeline: Pipeline, who: ResidentRef) -> None:
        self.pipeline, self.who = pipeline, who
        self.turn: Turn | None = None

    async def _do(self, event: Inbound) -> str:
        turns: list[Turn] = []

        async def deliver(turn: Turn) -> None:
            turns.append(turn)

        await self.pipeline.resident(self.who, event, deliver)
        (self.turn,) = turns
        return self.text

    async def send(self, text: str) -> str:
        return await self._do(Inbound("text", text=text))

    async def command(self, name: str) -> str:
        return await self._do(Inbound("command", command=name))

    async def tap(self, label: str) -> str:
        assert self.turn is not None
        options = [o for r in self.turn.replies for o in r.options]
        found = [o for o in options if label in TEXTS.option_label(self.turn.lang, o, None)]
        assert len(found) == 1, (
            label,
            [TEXTS.option_label(self.turn.lang, o, None) for o in options],
        )
        return await self._do(Inbound("choice", choice=found[0].code, editable=True))

    @property
    def text(self) -> str:
        assert self.turn is not None
        return "\n\n".join(
            html_to_plain(TEXTS.reply_html(self.turn.lang, r, None)) for r in self.turn.replies
        )

    @property
    def labels(self) -> list[str]:
        assert self.turn is not None
        return [
            TEXTS.option_label(self.turn.lang, o, None)
            for r in self.turn.replies
            for o in r.options
        ]


async def answered_before(store: Store, who: ResidentRef, lang: str, *categories: str) -> None:
    """A resident who took the survey before rounds, as their turns stored it."""
    done = Conversation(step=Step.DONE, city=CITY, district="mtu1", district_chosen=True)
    items = [Item(category=c) for c in categories]
    saved = Answer(version=1, city=CITY, district="mtu1", items=items)
    await store.commit(who, done, [SetLanguage(lang), SetSubscribed(True), SaveAnswer(saved)])  # type: ignore[arg-type]


async def open_round(store: Store, clock: FakeClock, starts: int = 0, days: int = 30) -> int:
    first = clock.now.date() + timedelta(days=starts)
    last = first + timedelta(days=days)
    begins = datetime.combine(first, time(0), ZoneInfo("Asia/Bishkek")).astimezone(UTC)
    days_ = (first.isoformat(), last.isoformat())
    made = OpenRound(CITY, "Бюджет 2027", "2027-жылдын бюджети", *days_, begins)
    (round_id,) = await store.commit_operator("cli:op", [made])
    return int(round_id)


async def test_a_new_round_offers_the_earlier_list_to_keep_with_one_tap(
    store: Store, clock: FakeClock, world: World
) -> None:
    ana, bek = ResidentRef("tg", "4001"), ResidentRef("tg", "4002")
    await answered_before(store, ana, "ru", "roads", "drinking_water")
    await answered_before(store, bek, "ky", "roads", "waste")
    round_id = await open_round(store, clock)
    pipeline = Pipeline(store, world, clock)

    resident = Resident(pipeline, ana)
    text = await resident.command("start")
    assert "Начался новый этап опроса «Бюджет 2027» (до 31.05.2026)" in text
    assert "1. Дороги" in text and "Оставить этот список для нового этапа" in text
    assert resident.labels == ["✅ Оставить список", "✏️ Изменить"]
    text = await resident.tap("Оставить список")
    assert "Спасибо, ваши ответы сохранены." in text
    history = await store.answer_history(ana)
    assert [(a.version, a.round) for a in history] == [(1, 0), (2, round_id)]
    assert history[-1].items == history[0].items

    kyrgyz = Resident(pipeline, bek)
    text = await kyrgyz.command("start")
    assert "Сурамжылоонун жаңы этабы башталды: «2027-жылдын бюджети» (31.05.2026 чейин)" in text
    assert kyrgyz.labels == ["✅ Тизмени калтыруу", "✏️ Өзгөртүү"]
    text = await kyrgyz.tap("Өзгөртүү")  # the same list, to change on the review
    assert "Тизмеңиз сакталды" in text
    await kyrgyz.tap("Баары туура")

    # Counted apart: round 0 keeps the answers before rounds, the new round has its own.
    now = await store.tallies(CITY)
    assert now == await store.tallies(CITY, round_id=round_id)
    assert now == await store.tallies(CITY, recount=True)
    assert now["mtu1"].respondents == 2 and now["mtu1"].counts == {
        "roads": 2, "drinking_water": 1, "waste": 1
    }  # fmt: skip
    assert (await store.tallies(CITY, round_id=0))["mtu1"].respondents == 2


async def test_typing_a_problem_in_a_new_round_begins_a_new_list(
    store: Store, clock: FakeClock, world: World
) -> None:
    ana = ResidentRef("tg", "4003")
    await answered_before(store, ana, "ru", "roads", "drinking_water")
    round_id = await open_round(store, clock)
    resident = Resident(Pipeline(store, world, clock), ana)
    await resident.command("start")
    await resident.send("бродячие собаки")
    (loaded := (await store.load(ana)).session)
    assert loaded.answer is not None and loaded.answer.round == round_id
    assert [i.category for i in loaded.answer.items] == ["stray_dogs"]


async def test_outside_a_round_the_bot_says_when_the_next_opens_and_takes_nothing(
    store: Store, clock: FakeClock, world: World
) -> None:
    ana, bek = ResidentRef("tg", "4011"), ResidentRef("tg", "4012")
    await answered_before(store, ana, "ru", "roads")
    await answered_before(store, bek, "ky", "roads")
    await open_round(store, clock, starts=10)  # scheduled: opens in ten days
    pipeline = Pipeline(store, world, clock)

    resident = Resident(pipeline, ana)
    text = await resident.command("edit")
    assert (
        "Опрос в городе Каракол сейчас не идёт. Следующий этап «Бюджет 2027» начнётся"
        " 11.05.2026 и продлится до 10.06.2026" in text
    )
    assert await resident.send("ямы на дорогах") == text, "typed problems are not taken"
    results = await resident.tap("Результаты")
    # /results still works: round 0's ranking (the scheduled round has not begun).
    assert results.startswith("Каракол: главные проблемы по мнению жителей")
    assert "Пока ответили меньше 5 жителей" in results
    assert "Опрос в городе Каракол сейчас не идёт" in await resident.command("start")
    assert [a.version for a in await store.answer_history(ana)] == [1], "nothing stored"

    kyrgyz = Resident(pipeline, bek)
    text = await kyrgyz.command("edit")
    assert "Каракол шаарында сурамжылоо азыр жүрбөй жатат." in text
    assert "Кийинки этап «2027-жылдын бюджети» 11.05.2026 башталып, 10.06.2026 чейин" in text

    # The day comes: the round takes answers, the earlier list is offered.
    clock.advance(days=10)
    assert "Начался новый этап опроса" in await resident.command("start")


async def test_a_closed_round_takes_no_answers_and_new_residents_are_told(
    store: Store, clock: FakeClock, world: World
) -> None:
    ana = ResidentRef("tg", "4021")
    await answered_before(store, ana, "ru", "roads")
    await open_round(store, clock)
    await store.commit_operator("cli:op", [CloseRound(CITY)])
    pipeline = Pipeline(store, world, clock)
    text = await Resident(pipeline, ana).command("edit")
    assert "Опрос в городе Каракол сейчас не идёт: этап «Бюджет 2027» завершён." in text

    newcomer = Resident(pipeline, ResidentRef("tg", "4022"))
    await newcomer._do(Inbound("command", command="start", lang_hint="ky"))
    text = await newcomer.tap("Каракол")
    assert "Каракол шаарында сурамжылоо азыр жүрбөй жатат: «2027-жылдын бюджети» этабы" in text
    assert (await store.load(newcomer.who)).session.answer is None


async def test_a_city_without_rounds_is_always_open(
    store: Store, clock: FakeClock, world: World
) -> None:
    """Rounds of one city change nothing for another."""
    await open_round(store, clock)
    await store.commit_operator("cli:op", [CloseRound(CITY)])
    ana = ResidentRef("tg", "4031")
    done = Conversation(step=Step.DONE, city="manas", district=None, district_chosen=True)
    saved = Answer(version=1, city="manas", district=None, items=[Item(category="roads")])
    await store.commit(ana, done, [SetLanguage("ru"), SetSubscribed(False), SaveAnswer(saved)])
    resident = Resident(Pipeline(store, world, clock), ana)
    assert "Опрос в городе" not in await resident.command("edit")
    await resident.tap("Добавить")
    await resident.send("вода")
    history = await store.answer_history(ana)
    assert [(a.version, a.round) for a in history] == [(1, 0), (2, 0)]


async def test_between_rounds_a_newcomer_asks_to_be_told_and_is_invited(
    store: Store, clock: FakeClock, world: World
) -> None:
    """A resident who never answered taps "tell me when it begins" on the paused screen: they
    are subscribed in the city, the screen says so, and the next round's invitation reaches
    them (ru and ky). WhatsApp, which may write only inside 24 hours, asks to look in instead."""
    await open_round(store, clock)
    await store.commit_operator("cli:op", [CloseRound(CITY)])
    pipeline = Pipeline(store, world, clock)

    ana = Resident(pipeline, ResidentRef("tg", "4041"))
    await ana._do(Inbound("command", command="start", lang_hint="ru"))
    text = await ana.tap("Каракол")
    assert "Нажмите «Сообщить о начале» — мы напишем, когда откроется следующий этап." in text
    assert ana.labels[0] == "🔔 Сообщить о начале"
    text = await ana.tap("Сообщить о начале")
    assert "Вы подписаны: мы напишем, когда начнётся следующий этап. Отписаться — /stop." in text
    assert "Сообщить о начале" not in " ".join(ana.labels)
    assert (await store.load(ana.who)).session.profile.subscribed is True

    bek = Resident(pipeline, ResidentRef("tg", "4042"))
    await bek._do(Inbound("command", command="start", lang_hint="ky"))
    await bek.tap("Каракол")
    text = await bek.tap("Кабар берүү")
    assert "Сиз жазылгансыз: кийинки этап башталганда сизге жазабыз." in text

    dana = Resident(pipeline, ResidentRef("wa", "+996555000141"))
    await dana._do(Inbound("command", command="start", lang_hint="ru"))
    text = await dana.tap("Каракол")
    assert "В WhatsApp бот может написать вам только в течение суток" in text
    assert all("Сообщить" not in label for label in dana.labels)

    # A round scheduled: the offer names its first day, and the invitation comes that day.
    made = rounds.open_round(world.cities[CITY], TITLES, "06.05.2026", "30.06.2026", clock.now)
    assert isinstance(made, OpenRound)
    (next_id,) = await store.commit_operator("cli:op", [made])
    emil = Resident(pipeline, ResidentRef("tg", "4043"))
    await emil._do(Inbound("command", command="start", lang_hint="ru"))
    text = await emil.tap("Каракол")
    assert "мы напишем вам 06.05.2026, в первый день этапа." in text
    (invitation,) = [a for a in await store.announcements(CITY) if a.state == "scheduled"]
    assert invitation.content["round_id"] == next_id
    assert await store.start_broadcast(invitation.id, "scheduler")
    claimed = await store.claim_recipients(invitation.id, 50, "engine", timedelta(seconds=30))
    assert {r.ref for r in claimed} == {ana.who, bek.who}, "those who asked; not emil"


async def test_the_subscription_of_someone_who_never_answered_follows_their_city(
    store: Store, clock: FakeClock, world: World
) -> None:
    """Ana asks to be told in Karakol, then moves to Manas before answering: the screen there
    says she is subscribed, so Manas's next round must reach her (and Karakol's no more)."""
    await open_round(store, clock)
    await store.commit_operator("cli:op", [CloseRound(CITY)])
    pipeline = Pipeline(store, world, clock)
    ana = Resident(pipeline, ResidentRef("tg", "4051"))
    await ana._do(Inbound("command", command="start", lang_hint="ru"))
    await ana.tap("Каракол")
    await ana.tap("Сообщить о начале")
    await ana.tap("Другой город")
    await ana.tap("Манас")
    for city in ("manas", CITY):
        made = rounds.open_round(world.cities[city], TITLES, "06.05.2026", "30.06.2026", clock.now)
        assert isinstance(made, OpenRound)
        (round_id,) = await store.commit_operator("cli:op", [made])
        (invitation,) = [
            a for a in await store.announcements(city) if a.content.get("round_id") == round_id
        ]
        assert await store.start_broadcast(invitation.id, "scheduler")
        claimed = await store.claim_recipients(invitation.id, 50, "engine", timedelta(seconds=30))
        expected = {ana.who} if city == "manas" else set()
        assert {r.ref for r in claimed} == expected, city
