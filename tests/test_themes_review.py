"""/review's themes through the pure group flow (tests/group_driver.py): what a reviewer sees in
ru and ky, and the effects one tap asks for (one PlaceWording per wording of the theme)."""

from __future__ import annotations

import pytest

from flows.effects import PlaceWording
from flows.facts import UnplacedItem
from tests.group_driver import FlowGroup
from tests.test_group_flow import ADMIN, MEMBER, REVIEWER, roles_world

# Kyrgyz residents typing traffic jams ("тыгын") their ways, and one other subject.
ITEMS = [
    UnplacedItem(1, 2, "тыгын борбордо"),
    UnplacedItem(2, 1, "Тыгын борбордо!"),
    UnplacedItem(3, 3, "тыгындар борбордо"),
    UnplacedItem(4, 1, "борбордо тыгын көп", ("public_transport",)),
    UnplacedItem(5, 4, "мечит керек"),
]
JAM_WORDINGS = ["тыгын борбордо", "борбордо тыгын коп", "тыгындар борбордо"]


def _group(lang: str) -> FlowGroup:
    g = FlowGroup(roles_world(), unplaced=ITEMS)
    g.command(ADMIN, "/bind karakol")
    if lang != "ru":
        g.command(ADMIN, f"/language {lang}")
    return g


TEXTS = {
    "ru": {
        "open": "Похожие ответы…",
        "head": "Похожие ответы (групп: 1)\n4 ответа, формулировок: 3.",
        "all": "Все темы…",
        "transport": "Общественный транспорт",
        "done": "Готово: 3 ответа отнесены к теме «Общественный транспорт» (формулировок: 3).",
        "keep": "Оставить все своими словами",
        "kept": "Оставлено как «своими словами» (формулировок: 3).",
        "next": "«мечит керек» — 1 ответ.",
    },
    "ky": {
        "open": "Окшош жооптор…",
        "head": "Окшош жооптор (топтор: 1)\n4 жооп, жазуулар: 3.",
        "all": "Бардык темалар…",
        "transport": "Коомдук транспорт",
        "done": "Даяр: 3 жооп «Коомдук транспорт» темасына киргизилди (жазуулар: 3).",
        "keep": "Баарын өз сөзү менен калтыруу",
        "kept": "«Өз сөзү менен» катары калтырылды (жазуулар: 3).",
        "next": "«мечит керек» — 1 жооп.",
    },
}


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_a_theme_placed_with_one_tap(lang: str) -> None:
    words = TEXTS[lang]
    g = _group(lang)
    g.command(REVIEWER, "/review")
    assert "«тыгын борбордо» — 2" in g.text
    g.tap(REVIEWER, words["open"])
    assert g.text.startswith(words["head"])
    assert "«тыгын борбордо» — 2\n«борбордо тыгын көп» — 1\n«тыгындар борбордо» — 1" in g.text
    g.tap(REVIEWER, words["all"])
    turn = g.tap(REVIEWER, words["transport"])
    assert turn.edit and g.text.startswith(words["done"]) and words["next"] in g.text
    assert turn.effects == tuple(
        PlaceWording("karakol", key, "public_transport", REVIEWER, items)
        for key, items in [
            ("тыгын борбордо", ((1, 2), (2, 1))),
            ("борбордо тыгын коп", ((4, 1),)),
            ("тыгындар борбордо", ((3, 3),)),
        ]
    )
    # Only the other subject is left, and it has no similar wordings: no theme button.
    g.command(REVIEWER, "/review")
    assert words["next"] in g.text and words["open"] not in [g.label(o) for o in g.options]


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_a_theme_kept_as_own_words_is_not_asked_again(lang: str) -> None:
    words = TEXTS[lang]
    g = _group(lang)
    g.command(REVIEWER, "/review")
    g.tap(REVIEWER, words["open"])
    keep = next(o.code for o in g.options if g.label(o) == words["keep"])
    turn = g.press(REVIEWER, keep)
    assert g.text.startswith(words["kept"]) and words["next"] in g.text
    assert {e.wording for e in turn.effects if isinstance(e, PlaceWording)} == set(JAM_WORDINGS)
    assert {e.category for e in turn.effects if isinstance(e, PlaceWording)} == {"other"}
    again = g.press(REVIEWER, keep)
    assert again.effects == () and again.replies == () and again.notice is not None
    # Nothing moved; the wordings are learned as own words, so /review skips them now.
    assert len(g.unplaced) == len(ITEMS)
    assert g.learned["karakol"] == dict.fromkeys(JAM_WORDINGS, "other")
    g.command(REVIEWER, "/review")
    assert words["next"] in g.text


def test_only_reviewers_place_themes() -> None:
    g = _group("ru")
    g.command(REVIEWER, "/review")
    g.tap(REVIEWER, "Похожие ответы…")
    keep = next(o.code for o in g.options if g.label(o) == "Оставить все своими словами")
    turn = g.press(MEMBER, keep)
    assert turn.effects == () and turn.replies == () and turn.notice is not None


@pytest.mark.parametrize("screen", ["wording", "theme"])
def test_all_categories_page_by_page_each_once_then_no_more(screen: str) -> None:
    from flows import review
    from flows.buttons import ReviewPage, ReviewPlace, ThemePage, ThemePlace, parse
    from flows.catalogue import OTHER

    world = roles_world()
    shown = world.shown["karakol"]
    wording = review.Wording("тыгын", "тыгын", ((1, 1),))
    theme = review.Theme(wording.tag, (wording,))
    place, more = (ReviewPlace, ReviewPage) if screen == "wording" else (ThemePlace, ThemePage)

    def page(n: int) -> tuple[list[str], int | None]:
        if screen == "wording":
            reply = review.category_page(shown, wording, n, "ru", 1)
        else:
            reply = review.theme_page(shown, theme, n, "ru", 1)
        buttons = [parse(o.code) for o in reply.options]
        placed = [b.category for _, b in filter(None, buttons) if isinstance(b, place)]
        nexts = [b.page for _, b in filter(None, buttons) if isinstance(b, more)]
        assert len(placed) <= review.PAGE and len(nexts) <= 1
        return placed, (nexts[0] if nexts else None)

    seen: list[str] = []
    at: int | None = 0
    while at is not None:
        placed, at = page(at)
        seen += placed
    assert seen == [cid for cid in shown.ids if cid != OTHER]
    assert len(seen) > review.PAGE  # more than one page was walked
    assert page(99) == page((len(seen) - 1) // review.PAGE)  # past the end: the last page
