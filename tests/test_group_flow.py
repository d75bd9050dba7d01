"""Working-group chats through the pure flow: roles on every path, review, golden transcripts.

Transcripts live in tests/transcripts/group-*.txt; regenerate with --update-transcripts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import load_world
from flows.catalogue import Admins, Roles
from flows.effects import BindGroup, PlaceWording, UnbindGroup
from flows.facts import UnplacedItem
from flows.ranking import Tally
from flows.session import Spreadsheet
from flows.world import World
from tests.group_driver import FlowGroup

HERE = Path(__file__).parent / "transcripts"
ADMIN, OTHER_ADMIN, BOTH_ADMIN, REVIEWER, MEMBER = 777, 778, 779, 555, 888

WORDS = [
    UnplacedItem(1, 2, "Мэр не отвечает на письма"),
    UnplacedItem(2, 1, "мэр не отвечает на письма!"),
    UnplacedItem(3, 4, "пробки в центре, звоните +996 555 123 456"),
    UnplacedItem(4, 5, "шум по ночам"),
]
TALLIES = {
    "karakol": {
        "mtu1": Tally(6, {"roads": 5, "waste": 3, "other": 2}, {"roads": 20, "waste": 9}),
        "mtu2": Tally(5, {"roads": 2, "drinking_water": 4}, {"roads": 6, "drinking_water": 16}),
    }
}


def roles_world(members_may: tuple[str, ...] = ("summary",)) -> World:
    base = load_world()
    karakol = base.cities["karakol"].model_copy(
        update={
            "admins": Admins(telegram_user_ids=(ADMIN, BOTH_ADMIN)),
            "roles": Roles(reviewers=(REVIEWER,), members_may=members_may),  # type: ignore[arg-type]
        }
    )
    manas = base.cities["manas"].model_copy(
        update={"admins": Admins(telegram_user_ids=(OTHER_ADMIN, BOTH_ADMIN))}
    )
    return World.build([karakol, manas, base.cities["kara_balta"]])


def bound(world: World | None = None, lang: str = "ru") -> FlowGroup:
    g = FlowGroup(world or roles_world(), unplaced=WORDS, tallies=TALLIES)
    g.command(ADMIN, "/bind karakol")
    if lang != "ru":
        g.command(ADMIN, f"/language {lang}")
    return g


def test_only_an_admin_of_the_city_binds_and_no_other_city_takes_the_group() -> None:
    g = FlowGroup(roles_world())
    g.command(MEMBER, "/bind karakol")
    assert "администратор" in g.text and g.binding is None
    g.command(ADMIN, "/bind karakol")
    assert g.binding is not None and g.binding.city == "karakol"
    # An admin of another city cannot move this city's working group to theirs.
    turn = g.command(OTHER_ADMIN, "/bind manas")
    assert turn.effects == () and g.binding.city == "karakol"
    assert "Каракол" in g.text
    # An admin of both may; a member may not unbind.
    assert g.command(MEMBER, "/unbind").effects == ()
    g.command(BOTH_ADMIN, "/bind manas")
    assert g.binding.city == "manas"
    assert g.command(OTHER_ADMIN, "/unbind").effects == (UnbindGroup(),)
    assert g.binding is None


@pytest.mark.parametrize("command", ["/export", "/review", "/language ky"])
def test_members_may_not_read_free_text_or_change_the_chat(command: str) -> None:
    g = bound()
    turn = g.command(MEMBER, command)
    assert turn.effects == () and not any(r.attachment for r in turn.replies)
    assert "не может" in g.text or "нельзя" in g.text or "только" in g.text
    assert "письма" not in g.text


def test_members_get_the_summary_and_reviewers_the_words_and_the_file() -> None:
    g = bound()
    g.command(MEMBER, "/summary")
    assert "Дороги" in g.text
    turn = g.command(REVIEWER, "/export")
    (reply,) = turn.replies
    assert reply.attachment == Spreadsheet("karakol", "citybot-karakol-2026-11-24.xlsx")
    g.command(REVIEWER, "/review")
    assert "Мэр не отвечает на письма" in g.text


def test_the_export_is_named_by_the_citys_day() -> None:
    """21:30 UTC on 23 November is 03:30 on the 24th in Karakol: the file says the 24th."""
    g = bound()
    g.now = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)
    (reply,) = g.command(REVIEWER, "/export").replies
    assert reply.attachment == Spreadsheet("karakol", "citybot-karakol-2026-11-24.xlsx")


def test_a_city_may_open_review_and_export_to_every_member() -> None:
    g = bound(roles_world(("summary", "review", "export")))
    assert isinstance(g.command(MEMBER, "/export").replies[0].attachment, Spreadsheet)
    g.command(MEMBER, "/review")
    assert "Мэр не отвечает на письма" in g.text


def test_review_places_every_answer_of_a_wording_once_and_a_double_tap_does_nothing() -> None:
    g = bound()
    g.command(REVIEWER, "/review")
    assert "2 ответа" in g.text  # two residents said the same
    data = next(o.code for o in g.options if "Все темы" in g.label(o))
    page = g.press(REVIEWER, data)
    assert page.edit
    place = next(o.code for o in g.options if g.label(o) == "Дороги")
    first = g.press(REVIEWER, place)
    (effect,) = first.effects
    assert isinstance(effect, PlaceWording) and set(effect.items) == {(1, 2), (2, 1)}
    assert first.edit and "отнесены" in g.text
    again = g.press(REVIEWER, place)
    assert again.effects == () and again.replies == () and again.notice is not None
    # A member's forged tap is refused, a reviewer's keep is remembered and not asked again.
    g.command(REVIEWER, "/review")
    keep = next(o.code for o in g.options if "своими словами" in g.label(o))
    assert g.press(MEMBER, keep).effects == ()
    kept = g.press(REVIEWER, keep)
    assert kept.effects[0].category == "other"  # type: ignore[attr-defined]
    g.command(REVIEWER, "/review")
    assert "пробки" not in g.text.casefold()


def test_phone_numbers_in_residents_words_are_not_shown_to_reviewers() -> None:
    g = bound()
    g.command(REVIEWER, "/review")
    skip = next(o.code for o in g.options if "Пропустить" in g.label(o))
    g.press(REVIEWER, skip)
    while "пробки" not in g.text:
        skip = next(o.code for o in g.options if "Пропустить" in g.label(o))
        g.press(REVIEWER, skip)
    assert "123 456" not in g.text and "555" not in g.text


def test_taps_in_an_unbound_chat_and_forged_data_do_nothing() -> None:
    g = FlowGroup(roles_world(), unplaced=WORDS)
    assert g.press(ADMIN, "0.r:0123456789-roads").effects == ()
    g = bound()
    for data in ("0.r:0123456789-roads", "junk", "0.r:zzzz-roads", "1.x:ok"):
        turn = g.press(REVIEWER, data)
        assert turn.effects == () and turn.replies == ()


def test_the_group_language_is_its_own() -> None:
    g = bound(lang="ky")
    assert g.binding is not None and g.binding.lang == "ky"
    g.command(MEMBER, "/summary")
    assert "Каракол" in g.text or "Караколдо" in g.text
    g.command(ADMIN, "/bind karakol")  # a re-bind keeps the language
    assert g.binding.lang == "ky" and g.effects[-1] == BindGroup("karakol", "ky")


GROUP_SCRIPT = [
    (MEMBER, "/help"),
    (MEMBER, "/summary"),
    (ADMIN, "/bind atlantis"),
    (MEMBER, "/bind karakol"),
    (ADMIN, "/bind karakol"),
    (OTHER_ADMIN, "/bind manas"),
    (MEMBER, "/language {lang}"),
    (REVIEWER, "/language {lang}"),
    (MEMBER, "/summary"),
    (MEMBER, "/summary луна"),
    (MEMBER, "/export"),
    (REVIEWER, "/export"),
    (MEMBER, "/review"),
    (REVIEWER, "/review"),
    (REVIEWER, "tap 1"),
    (REVIEWER, "again"),
    (REVIEWER, "tap 2"),
    (REVIEWER, "tap 1"),
    (ADMIN, "/unbind"),
]


def run_group(lang: str) -> str:
    g = FlowGroup(roles_world(), unplaced=WORDS, tallies=TALLIES)
    out: list[str] = []
    last = ""
    for user, line in GROUP_SCRIPT:
        line = line.format(lang=lang)
        out.append(f"> {user}: {line}")
        if line.startswith("/"):
            g.command(user, line)
        elif line == "again":
            g.press(user, last)
        else:
            # "tap N": the N-th button of the latest keyboard, whatever its label
            last = g.options[int(line.split()[1]) - 1].code
            g.press(user, last)
        out += g.shown()
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_group_transcript(request: pytest.FixtureRequest, lang: str) -> None:
    got = run_group(lang)
    path = HERE / f"group-{lang}.txt"
    if request.config.getoption("--update-transcripts"):
        path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with --update-transcripts and read it"
    assert got == path.read_text(encoding="utf-8"), (
        "the working group would see something else now; if intended, run pytest "
        "tests/test_group_flow.py --update-transcripts and review the diff"
    )
