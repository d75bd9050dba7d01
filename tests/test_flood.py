"""The per-resident flood limit (bot/flood.py in bot/pipeline.py): through the real Telegram
path (PTB, the fake Bot API, SQLite), WhatsApp's pipeline entry and working-group chats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import metrics
from bot.flood import BURST, GROUP_BURST, GROUP_RATE, FloodLimiter, Verdict
from bot.i18n import Texts, html_to_plain
from flows.session import Inbound, Msg, Turn
from flows.world import World
from storage.base import ResidentRef
from tests.fake_telegram import TelegramResident
from tests.test_telegram import Harness
from tests.test_workgroups import ADMIN, Group

SLOW = {lang: html_to_plain(Texts().format(lang, Msg("flood-slow-down"))) for lang in ("ru", "ky")}


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def bot(tmp_path: Path, world: World) -> AsyncIterator[tuple[Harness, Ticks]]:
    ticks = Ticks()
    metrics.reset()
    async with Harness(tmp_path / "citybot.sqlite3", world) as h:
        h.channel.pipeline.flood = FloodLimiter(clock=ticks)
        yield h, ticks


def _limited() -> dict[tuple[str, ...], float]:
    return dict(metrics.METRICS.flood_limited.values)


# --- the limiter itself ----------------------------------------------------------------------


def test_a_burst_passes_the_next_is_told_once_and_it_resets_by_itself() -> None:
    ticks = Ticks()
    limiter = FloodLimiter(burst=5, rate=1.0, clock=ticks)
    assert [limiter.check("a") for _ in range(5)] == [Verdict.PASS] * 5
    assert [limiter.check("a") for _ in range(3)] == [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert limiter.check("b") is Verdict.PASS, "one actor's flood is nobody else's"
    ticks.now += 1.0
    assert limiter.check("a") is Verdict.PASS, "a token came back"
    assert limiter.check("a") is Verdict.DROP, "still the same flood: not told again"
    ticks.now += 5.0  # the bucket is full again: a new flood is told again
    assert [limiter.check("a") for _ in range(6)][-1] is Verdict.WARN


def test_a_reviewer_tapping_twice_a_second_for_minutes_is_never_limited() -> None:
    ticks = Ticks()
    limiter = FloodLimiter(burst=GROUP_BURST, rate=GROUP_RATE, clock=ticks)
    for _ in range(2 * 300):  # five minutes of /review at two taps a second
        assert limiter.check(("group", -100, 7)) is Verdict.PASS
        ticks.now += 0.5
    resident = FloodLimiter(clock=ticks)  # what a resident gets: that pace is a flood
    verdicts = []
    for _ in range(120):
        verdicts.append(resident.check("r"))
        ticks.now += 0.5
    assert Verdict.WARN in verdicts


def test_memory_is_bounded() -> None:
    ticks = Ticks()
    limiter = FloodLimiter(burst=20, rate=1.0, capacity=1000, clock=ticks)
    for n in range(5000):  # many actors at once: the cap holds
        limiter.check(n)
    assert len(limiter) == 1000
    ticks.now += 20.0  # idle long enough to be full again: forgotten as soon as seen
    limiter.check("late")
    assert len(limiter) == 1


# --- Telegram, end to end ---------------------------------------------------------------------

START = {"ru": ("Кара-Балта", "Не знаю"), "ky": ("Кара-Балта", "Билбейм")}
HELLO = {"ru": "привет", "ky": "салам"}
FIRST_TOPIC = {"ru": "Дороги", "ky": "Жолдор"}


@pytest.mark.parametrize("lang", ["ru", "ky"])
async def test_a_flood_gets_one_slow_down_and_the_survey_continues(
    bot: tuple[Harness, Ticks], lang: str
) -> None:
    h, ticks = bot
    who = ResidentRef("tg", "301")
    r = h.resident(301, lang)
    await r.send("/start")
    for label in START[lang]:
        await r.tap(label)
    # A script (or a stuck key) sends lines in the same instant: the first BURST - 3 are
    # decided (3 events went into the start), each answered; the rest are acknowledged only.
    for _ in range(BURST - 3):
        assert await r.send(HELLO[lang])
    version = (await h.store.load(who)).version
    excess: list[str] = []
    for _ in range(23):
        excess += [html_to_plain(t) for t in await r.send(HELLO[lang])]
    assert excess == [SLOW[lang]], "told once, in the resident's language; then silence"
    assert (await h.store.load(who)).version == version, "the state is untouched"
    assert _limited() == {("tg", "warn"): 1.0, ("tg", "drop"): 22.0}
    ticks.now += 30  # the limit resets by itself
    assert await r.redeliver() == [], "a flooded update is deduplicated like any other"
    await r.tap(FIRST_TOPIC[lang])
    await r.tap("✅")  # done
    thanks = [html_to_plain(t) for t in await r.tap("✅")]  # all correct
    assert ("Спасибо" if lang == "ru" else "Рахмат") in thanks[0]
    answer = (await h.store.answer_history(who))[-1]
    assert [i.category for i in answer.items] == ["roads"]
    assert _limited() == {("tg", "warn"): 1.0, ("tg", "drop"): 22.0}, "not limited again"


async def test_taps_count_like_text_and_the_spinner_always_stops(
    bot: tuple[Harness, Ticks],
) -> None:
    h, _ = bot
    r = h.resident(302, "ru")
    await r.send("/start")
    await r.tap("Кара-Балта")
    await r.tap("Не знаю")
    before = h.api.count("answerCallbackQuery")
    for _ in range(BURST + 5):  # toggling one topic on and off, far faster than a person
        await r.tap("Бродячие собаки")
    assert h.api.count("answerCallbackQuery") - before == BURST + 5, "no spinner left turning"
    assert _limited() == {("tg", "warn"): 1.0, ("tg", "drop"): 7.0}
    assert SLOW["ru"] in [html_to_plain(m["text"]) for m in h.api.sent(302)]


# What a fast human does, as the limit's measure: a whole survey is at most ~20 events (the
# longest path: every problem through "other topics", 3 taps each); a tap on a screen that
# changes under the finger takes a person at least ~0.3 s (a choice reaction), and typing a
# short line on a phone takes seconds (the fastest typists reach ~80 words a minute: a
# five-word line in ~4 s). These tests go faster than that: 0.2 s a tap, 1 s a line.
TAP_SECONDS = 0.2
LINE_SECONDS = 1.0


async def _longest_survey_by_taps(r: TelegramResident, ticks: Ticks, lang: str) -> int:
    events = 0

    async def tap(label: str | int) -> None:
        nonlocal events
        ticks.now += TAP_SECONDS
        events += 1
        await r.tap(r.labels[label] if isinstance(label, int) else label)

    ticks.now += TAP_SECONDS
    events += 1
    await r.send("/start")
    await tap("Кыргызча" if lang == "ky" else "Каракол")  # ky: one more tap, the language
    if lang == "ky":
        await tap("Каракол")
    await tap(0)  # the first district
    for group in range(5):  # every problem the long way: other topics -> group -> category
        await tap("📂")
        await tap(group)
        await tap(next(i for i, label in enumerate(r.labels) if "✓" not in label))
    await tap("✅")  # all correct
    await tap(0)  # yes, send me announcements
    return events


@pytest.mark.parametrize("lang", ["ru", "ky"])
async def test_a_fast_human_is_never_limited(bot: tuple[Harness, Ticks], lang: str) -> None:
    h, ticks = bot
    r = h.resident(303 if lang == "ru" else 304, "ru")
    events = await _longest_survey_by_taps(r, ticks, lang)
    assert events >= 20
    answer = (await h.store.answer_history(ResidentRef("tg", str(r.user_id))))[-1]
    assert len(answer.items) == 5
    record = await h.store.resident(ResidentRef("tg", str(r.user_id)))
    assert record is not None and record.subscribed is True and record.lang == lang
    assert _limited() == {}, "not one event limited"
    # Then a Telegram album of ten photos arrives at once, and a typed survey at 1 s a line.
    for _ in range(10):
        await r.send_media("photo")
    typed = r if lang == "ru" else h.resident(305, "ky")
    lines = ["/start", "Каракол", "3", "дороги", "вода", "мусор", "собаки", "школы", "да", "да"]
    for line in lines:
        ticks.now += LINE_SECONDS
        await typed.send(line)
    assert _limited() == {}
    sent = [html_to_plain(m["text"]) for m in h.api.sent(r.user_id)]
    assert SLOW["ru"] not in sent and SLOW["ky"] not in sent


async def test_reminders_are_never_limited(bot: tuple[Harness, Ticks]) -> None:
    h, _ = bot
    who = ResidentRef("tg", "306")
    turns: list[Turn] = []

    async def keep(turn: Turn) -> None:
        turns.append(turn)

    for _ in range(BURST):
        await h.channel.pipeline.resident(who, Inbound("text", text="привет"), keep)
    for _ in range(3):  # system events are ours, not the resident's
        await h.channel.pipeline.resident(who, Inbound("system", command="reminder"), keep)
    assert _limited() == {}


# --- WhatsApp and working groups, through the same pipeline -----------------------------------


async def test_whatsapp_residents_are_limited_alike(bot: tuple[Harness, Ticks]) -> None:
    h, ticks = bot
    who = ResidentRef("wa", "996700123456")
    turns: list[Turn] = []

    async def keep(turn: Turn) -> None:
        turns.append(turn)

    pipeline = h.channel.pipeline
    await pipeline.resident(who, Inbound("command", command="start"), keep, "wa:SM0")
    await pipeline.resident(who, Inbound("text", text="кыргызча"), keep, "wa:SM1")
    for n in range(2, BURST + 10):
        await pipeline.resident(who, Inbound("text", text="салам"), keep, f"wa:SM{n}")
    told = [t for t in turns if t.replies and t.replies[0].parts[0] == Msg("flood-slow-down")]
    assert len(told) == 1 and told[0].lang == "ky"
    assert len(turns) == BURST + 1
    assert _limited() == {("wa", "warn"): 1.0, ("wa", "drop"): 9.0}
    ticks.now += 60
    again = await pipeline.resident(who, Inbound("text", text="салам"), keep, f"wa:SM{BURST + 5}")
    assert again is None, "a flooded MessageSid redelivered is a duplicate"
    assert await pipeline.resident(who, Inbound("text", text="салам"), keep, "wa:SM99")


async def test_a_working_group_member_is_limited_alone(tmp_path: Path, world: World) -> None:
    ticks = Ticks()
    metrics.reset()
    g = Group(tmp_path, world)
    g.pipeline.group_flood = FloodLimiter(burst=GROUP_BURST, rate=GROUP_RATE, clock=ticks)
    await g.store.open()
    await g.app.initialize()
    try:
        await g.say(ADMIN, "/bind karakol")
        answered = []
        for _ in range(GROUP_BURST + 4):
            answered += await g.say(ADMIN, "/help")
        assert sum(1 for text in answered if text == SLOW["ru"]) == 1
        assert len(answered) == GROUP_BURST, "GROUP_BURST - 1 answers, a slow-down, silence"
        assert _limited() == {("group", "warn"): 1.0, ("group", "drop"): 4.0}
        assert await g.say(ADMIN + 1, "/help"), "another member of the chat is not limited"
        ticks.now += 30
        assert SLOW["ru"] not in await g.say(ADMIN, "/help")
    finally:
        await g.app.shutdown()
        await g.store.close()
