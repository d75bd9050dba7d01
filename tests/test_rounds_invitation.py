"""A round's invitation: one announcement, to subscribers with no list in the round yet (those
of earlier rounds, and those who asked between rounds to be told), WhatsApp only inside the
24-hour window, at 10:00 on the first day, through the broadcast machinery; both engines."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    clock_fixture,
    migrated_dsn_fixture,
    store_fixture,
)

from bot.broadcast import announcement_text
from bot.i18n import Texts, html_to_plain
from flows.rounds import CloseRound, OpenRound, open_round
from flows.session import (
    Answer,
    Conversation,
    Item,
    SaveAnswer,
    SetSubscribed,
    Step,
)
from flows.world import World
from storage.base import ResidentRef, Store

CITY = "karakol"
LEASE = timedelta(seconds=30)


async def resident(
    store: Store, who: ResidentRef, subscribed: bool, answered: bool, city: str = CITY
) -> None:
    effects: list = [SetSubscribed(subscribed)]
    if answered:
        items = [Item(category="roads")]
        effects.append(SaveAnswer(Answer(version=1, city=city, district=None, items=items)))
    await store.commit(who, Conversation(step=Step.DONE, city=city), effects)


def opening(world: World, clock: FakeClock, starts: str = "01.05.2026") -> OpenRound:
    made = open_round(
        world.cities[CITY],
        {"ru": "Бюджет 2027", "ky": "2027-жылдын бюджети"},
        starts,
        "30.06.2026",
        clock.now,
    )
    assert isinstance(made, OpenRound)
    return made


async def test_the_invitation_goes_to_subscribers_with_no_list_in_the_round(
    store: Store, clock: FakeClock, world: World
) -> None:
    ana, cholpon, dana = (
        ResidentRef("tg", "5101"),
        ResidentRef("tg", "5103"),
        ResidentRef("tg", "5104"),
    )
    bek, emil = ResidentRef("wa", "+996555000101"), ResidentRef("wa", "+996555000105")
    await resident(store, bek, subscribed=True, answered=True)  # wrote two days ago
    clock.advance(days=2)
    await resident(store, ana, subscribed=True, answered=True)
    await resident(store, emil, subscribed=True, answered=True)  # inside the window
    await resident(store, cholpon, subscribed=False, answered=True)  # said no to messages
    await resident(store, dana, subscribed=True, answered=False)  # asked to be told
    await resident(store, ResidentRef("tg", "5106"), True, True, city="manas")

    (round_id,) = await store.commit_operator("cli:op", [opening(world, clock)])
    (invitation,) = await store.announcements(CITY)
    assert invitation.content["round_id"] == round_id and invitation.send_at == clock.now
    assert await store.due_announcements(clock.now) == [invitation.id]
    assert await store.start_broadcast(invitation.id, "scheduler")
    claimed = await store.claim_recipients(invitation.id, 50, "engine", LEASE)
    assert {r.ref for r in claimed} == {ana, emil, dana}
    counts = await store.broadcast_counts(invitation.id)
    assert counts.total == 3, "one invitation each, nobody else"

    text = html_to_plain(announcement_text(Texts(strict=True), invitation.content, "ru"))
    assert text.startswith(
        "Новый этап опроса в городе Каракол: «Бюджет 2027» (01.05.2026 — 30.06.2026)"
    )
    assert "Напишите боту /start и назовите пять главных проблем города" in text
    assert "прежний список можно оставить одним нажатием" in text
    text = html_to_plain(announcement_text(Texts(strict=True), invitation.content, "ky"))
    assert text.startswith("Каракол шаарында сурамжылоонун жаңы этабы: «2027-жылдын бюджети»")


async def test_a_scheduled_invitation_waits_for_the_first_day_and_dies_with_its_round(
    store: Store, clock: FakeClock, world: World
) -> None:
    await resident(store, ResidentRef("tg", "5201"), subscribed=True, answered=True)
    await store.commit_operator("cli:op", [opening(world, clock, starts="10.05.2026")])
    (invitation,) = await store.announcements(CITY)
    # 10:00 on 10 May in Karakol (UTC+6), not midnight (18:00 UTC on 9 May): it wakes nobody.
    assert invitation.send_at.isoformat() == "2026-05-10T04:00:00+00:00"
    assert await store.due_announcements(clock.now) == []
    assert await store.commit_operator("cli:op", [CloseRound(CITY)]) == [True]
    (cancelled,) = await store.announcements(CITY)
    assert cancelled.state == "cancelled"
    assert await store.due_announcements(clock.now + timedelta(days=30)) == []


async def test_answering_in_the_new_round_means_no_invitation(
    store: Store, clock: FakeClock, world: World
) -> None:
    ana, bek = ResidentRef("tg", "5301"), ResidentRef("tg", "5302")
    await resident(store, ana, subscribed=True, answered=True)
    await resident(store, bek, subscribed=True, answered=True)
    made = opening(world, clock, starts="02.05.2026")
    (round_id,) = await store.commit_operator("cli:op", [made])
    clock.advance(days=1)  # the first day: Ana answers before the invitation is sent
    new = Answer(
        version=2, city=CITY, district=None, items=[Item(category="waste")], round=round_id
    )
    await store.commit(ana, Conversation(step=Step.DONE, city=CITY), [SaveAnswer(new)])
    (invitation,) = await store.announcements(CITY)
    assert await store.start_broadcast(invitation.id, "scheduler")
    claimed = await store.claim_recipients(invitation.id, 50, "engine", LEASE)
    assert [r.ref for r in claimed] == [bek]


async def test_a_round_reopened_within_a_week_invites_nobody_twice(
    store: Store, clock: FakeClock, world: World
) -> None:
    """An admin who closes a round and opens it again (wrong dates) must not message every
    subscriber twice: whoever got a round's invitation in the last 7 days is skipped."""
    ana, bek = ResidentRef("tg", "5401"), ResidentRef("tg", "5402")
    await resident(store, ana, subscribed=True, answered=True)

    async def invite(starts: str) -> list[ResidentRef]:
        (round_id,) = await store.commit_operator("cli:op", [opening(world, clock, starts)])
        (invitation,) = [
            a for a in await store.announcements(CITY) if a.content["round_id"] == round_id
        ]
        assert await store.start_broadcast(invitation.id, "scheduler")
        claimed = await store.claim_recipients(invitation.id, 50, "engine", LEASE)
        await store.finish_deliveries(
            invitation.id, [(r.resident_id, "sent", None) for r in claimed]
        )
        assert await store.commit_operator("cli:op", [CloseRound(CITY)]) == [True]
        return [r.ref for r in claimed]

    assert await invite("01.05.2026") == [ana]
    await resident(store, bek, subscribed=True, answered=False)  # subscribed meanwhile
    clock.advance(hours=2)
    assert await invite("01.05.2026") == [bek], "Ana was invited two hours ago"
    clock.advance(days=8)
    assert sorted(await invite("09.05.2026"), key=str) == [ana, bek], "a week on: both again"


def test_opening_refuses_what_cannot_be_a_round(world: World, clock: FakeClock) -> None:
    city = world.cities[CITY]
    titles = {"ru": "Бюджет", "ky": "Бюджет"}
    cases = {
        "round-bad-date": ("31.02.2026", "30.06.2026"),
        "round-bad-order": ("01.06.2026", "01.05.2026"),
        "round-over": ("01.01.2026", "30.04.2026"),
    }
    for problem, (starts, ends) in cases.items():
        made = open_round(city, titles, starts, ends, clock.now)
        assert not isinstance(made, OpenRound) and made.id == problem
    missing = open_round(city, {"ru": "Бюджет", "ky": " "}, "01.05.2026", "30.06.2026", clock.now)
    assert not isinstance(missing, OpenRound) and missing.args == {"langs": "ky"}


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_the_operators_problems_read_in_both_languages(lang: str) -> None:
    from flows.session import Msg

    texts = Texts(strict=True)
    said = texts.format(lang, Msg("round-bad-date", {"field": "starts", "text": "31.02"}))  # type: ignore[arg-type]
    assert "31.02" in said and ("ДД.ММ.ГГГГ" if lang == "ru" else "КК.АА.ЖЖЖЖ") in said


async def test_whatsapp_invitations_only_inside_the_window_never_the_hearing_template(
    tmp_path: Path, world: World
) -> None:
    """Through the real broadcast engine and WhatsApp outbound (a fake Twilio API): the
    hearing's approved template does not fit an invitation, so nobody outside the 24-hour
    window gets one, even when the window closes between the freeze and the send."""
    from bot.broadcast import BroadcastEngine
    from storage.sqlite import SqliteStore
    from tests.fake_twilio import FakeTwilioAPI
    from tests.test_broadcast import _residents, _whatsapp

    clock = FakeClock()
    async with (
        FakeTwilioAPI("AC" + "5" * 32, "token") as twilio,
        SqliteStore(tmp_path / "db.sqlite3", clock=clock) as store,
    ):
        (old,) = await _residents(store, range(996700000011, 996700000012), channel="wa")
        clock.advance(hours=30)
        (recent, later) = await _residents(
            store, range(996700000012, 996700000014), channel="wa", lang="ky"
        )
        clock.advance(hours=1)
        channel = _whatsapp(store, world, twilio)
        await channel.start()
        try:
            await store.commit_operator("cli:op", [opening(world, clock)])
            (invitation,) = await store.announcements(CITY)
            engine = BroadcastEngine(
                store,
                Texts(strict=True),
                whatsapp=channel.out,
                template_sid="HX" + "a" * 32,
                clock=lambda: clock.now,
            )
            assert await store.start_broadcast(invitation.id, "scheduler")  # frozen: 2 of 3
            (first,) = await store.claim_recipients(invitation.id, 1, "engine-0", LEASE)
            await store.finish_deliveries(invitation.id, [(first.resident_id, "skipped", None)])
            clock.advance(hours=23, minutes=30)  # the other's window closes meanwhile
            counts = await engine.run(invitation.id, "scheduler")
            assert (counts.sent, counts.skipped, counts.total) == (0, 2, 2)
            assert twilio.sent() == [], "no template, no free-form outside the window"
            # A round opened while they write: the invitation goes out, in their language.
            await store.commit_operator("cli:op", [CloseRound(CITY)])
            clock.advance(minutes=1)
            for who in (recent, later):
                loaded = await store.load(who)
                await store.commit(who, loaded.session.conv, [])  # they wrote just now
            await store.commit_operator("cli:op", [opening(world, clock)])
            (second,) = [a for a in await store.announcements(CITY) if a.state == "scheduled"]
            counts = await engine.run(second.id, "scheduler")
            assert counts.sent == 2
            assert all("ContentSid" not in m for m in twilio.sent())
            assert all("сурамжылоонун жаңы этабы" in m["Body"] for m in twilio.sent())
            assert old.external_id not in str(twilio.sent())
        finally:
            await channel.stop()
