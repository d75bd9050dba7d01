"""`/round` in a working-group chat: the decision (pure, ru and ky) and its effects in both
stores. (The pipeline loads `Needs.rounds` once bot/pipeline.py maps it to `store.rounds`.)"""

from __future__ import annotations

from datetime import UTC, datetime

from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    clock_fixture,
    migrated_dsn_fixture,
    store_fixture,
)

from bot.i18n import Texts, html_to_plain
from flows import workgroup
from flows.facts import Facts
from flows.rounds import CloseRound, OpenRound, RoundView
from flows.session import Inbound, Msg
from flows.workgroup import Binding, GroupTurn
from flows.world import World
from storage.base import Store
from tests.test_group_flow import ADMIN, MEMBER, roles_world

NOW = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)
TEXTS = Texts(strict=True)
OPEN = RoundView(
    id=3,
    city="karakol",
    title_ru="Бюджет 2027",
    title_ky="2027-жылдын бюджети",
    starts_on="2026-05-01",
    ends_on="2026-06-30",
    state="open",
)


def say(
    world: World, user: int, line: str, rounds: list[RoundView] | None, lang: str = "ru"
) -> tuple[GroupTurn, str]:
    event = Inbound("command", command="round", text=line, sender=f"tg:{user}", now=NOW)
    binding = Binding("karakol", lang)  # type: ignore[arg-type]
    assert workgroup.needs(binding, event, world).rounds == "karakol"
    turn = workgroup.step(binding, event, world, Facts(rounds=rounds))
    text = "\n".join(html_to_plain(TEXTS.reply_html(turn.lang, r, None)) for r in turn.replies)
    return turn, text


def test_every_member_sees_the_round_in_both_languages() -> None:
    world = roles_world()
    _, text = say(world, MEMBER, "", [])
    assert text.startswith("В городе Каракол этапов опроса ещё не было")
    _, text = say(world, MEMBER, "", [OPEN])
    assert text == (
        "Каракол: этап опроса «Бюджет 2027», 01.05.2026 — 30.06.2026: идёт, ответы принимаются."
    )
    _, text = say(world, MEMBER, "", [OPEN], lang="ky")
    assert text == (
        "Каракол: сурамжылоонун «2027-жылдын бюджети» этабы, 01.05.2026 — 30.06.2026:"
        " жүрүп жатат, жооптор кабыл алынууда."
    )
    ahead = OPEN.model_copy(update={"starts_on": "2026-06-01"})
    assert "начнётся 01.06.2026" in say(world, MEMBER, "", [ahead])[1]
    closed = OPEN.model_copy(update={"state": "closed"})
    assert "аяктады" in say(world, MEMBER, "", [closed], lang="ky")[1]


def test_only_admins_open_and_close_and_one_round_at_a_time() -> None:
    world = roles_world()
    line = "open 01.05.2026 30.06.2026 Бюджет 2027 | 2027-жылдын бюджети"
    turn, text = say(world, MEMBER, line, [])
    assert turn.effects == () and "только администраторы города" in text
    turn, text = say(world, ADMIN, line, [])
    (made,) = turn.effects
    assert isinstance(made, OpenRound)
    assert (made.title_ru, made.title_ky, made.starts_on) == (
        "Бюджет 2027",
        "2027-жылдын бюджети",
        "2026-05-01",
    )
    assert made.invitation is not None and made.invite_at == NOW
    assert text.startswith("Этап «Бюджет 2027» открыт: 01.05.2026 — 30.06.2026.")
    turn, text = say(world, ADMIN, line, [OPEN], lang="ky")
    assert turn.effects == () and "адегенде аны жабыңыз (/round close)" in text
    turn, text = say(world, ADMIN, "close", [OPEN])
    assert turn.effects == (CloseRound("karakol"),) and "Этап «Бюджет 2027» закрыт." in text
    closed = OPEN.model_copy(update={"state": "closed"})
    turn, text = say(world, ADMIN, "close", [closed])
    assert turn.effects == () and "Открытого этапа нет" in text


def test_mistakes_are_explained_with_the_usage() -> None:
    world = roles_world()
    turn, text = say(world, ADMIN, "open 31.02.2026 30.06.2026 Бюджет | Бюджет", [])
    assert turn.effects == () and "starts: нужна дата ДД.ММ.ГГГГ, получено «31.02.2026»" in text
    assert "/round open ДД.ММ.ГГГГ ДД.ММ.ГГГГ" in text
    turn, text = say(world, ADMIN, "open 01.05.2026 30.06.2026 Бюджет", [])
    assert turn.effects == () and "Нет названия этапа (ky)" in text
    assert say(world, ADMIN, "reopen", [])[1].startswith("Этапы опроса:")
    # Rounds not loaded (a pipeline without the loader): an error, never "no round".
    assert say(world, ADMIN, "", None)[1] == TEXTS.format("ru", Msg("error-internal"))


async def test_the_chats_effects_open_and_close_in_the_store(
    store: Store, clock: FakeClock
) -> None:
    world = roles_world()
    event = Inbound(
        "command",
        command="round",
        text="open 01.05.2026 30.06.2026 Бюджет 2027 | 2027-жылдын бюджети",
        sender=f"tg:{ADMIN}",
        now=clock.now,
    )
    turn = workgroup.step(Binding("karakol", "ru"), event, world, Facts(rounds=[]))
    await store.commit_group(-100, turn.effects)  # type: ignore[arg-type]
    (opened,) = await store.rounds("karakol")
    assert opened.state == "open" and opened.title_ky == "2027-жылдын бюджети"
    (invitation,) = await store.announcements("karakol")
    assert invitation.content["round_id"] == opened.id
    assert await store.announcement_log(invitation.id) == [("created", "group:-100")]
    await store.commit_group(-100, [CloseRound("karakol")])  # type: ignore[list-item]
    assert (await store.current_round("karakol")).state == "closed"  # type: ignore[union-attr]
