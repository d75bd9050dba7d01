"""Message attributes: the same in both languages; `.short` button labels fit WhatsApp and mean
what the button means when typed."""

from __future__ import annotations

import pytest

from bot.i18n import Texts
from bot.preview.messages import locale_messages
from bot.whatsapp_content import MAX_QUICK_REPLY_TITLE, units
from bot.whatsapp_render import MAX_LABEL, short_label
from flows.buttons import Action, Do, PickCategory, PickDistrict, Subscribe
from flows.catalogue import LANGS
from flows.session import Inbound, Msg, Option
from flows.survey import step
from flows.world import World
from tests.driver import FlowResident
from tests.test_typed_answers import SCREENS, at_district, at_review, typed

TEXTS = Texts(strict=True)
BUTTON_PREFIXES = ("btn-", "announce-btn-")
BUTTON_IDS = ("announce-both-langs", "announce-only")


MESSAGES = {lang: locale_messages(lang) for lang in LANGS}


def is_button(msg_id: str) -> bool:
    return msg_id.startswith(BUTTON_PREFIXES) or msg_id in BUTTON_IDS


def _longest_category(world: World, lang: str) -> str:
    return max((c.name(lang) for c in world.catalogue.categories), key=units)  # type: ignore[arg-type]


def _args(world: World, lang: str) -> dict[str, str | int | Msg]:
    """The longest arguments a button label can get (a category name, a language name)."""
    return {"label": _longest_category(world, lang), "lang": "Кыргызча"}


def _render(lang: str, msg_id: str, args: dict[str, str | int | Msg], variant: str | None) -> str:
    message = MESSAGES[lang][msg_id]
    names = {a.id.name for a in message.attributes}
    if variant is not None and variant not in names:
        raise KeyError(variant)
    option = Option("x", Msg(msg_id, args))
    return TEXTS.option_label(lang, option, variant)  # type: ignore[arg-type]


@pytest.mark.parametrize("msg_id", sorted(MESSAGES["ru"]))
def test_both_languages_have_the_same_attributes(msg_id: str) -> None:
    ru = {a.id.name for a in MESSAGES["ru"][msg_id].attributes}
    ky = {a.id.name for a in MESSAGES["ky"].get(msg_id, MESSAGES["ru"][msg_id]).attributes}
    assert ru == ky, msg_id


@pytest.mark.parametrize("lang", LANGS)
def test_short_labels_are_only_on_buttons_and_fit_a_quick_reply(world: World, lang: str) -> None:
    checked = 0
    for msg_id, message in MESSAGES[lang].items():
        if "short" not in {a.id.name for a in message.attributes}:
            continue
        assert is_button(msg_id), f"{lang} {msg_id}: .short is for buttons"
        short = _render(lang, msg_id, _args(world, lang), "short")
        assert short.strip() and "\n" not in short, (lang, msg_id)
        assert units(short) <= MAX_QUICK_REPLY_TITLE, (lang, msg_id, short)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("lang", LANGS)
def test_every_button_too_long_for_whatsapp_has_a_short_label(world: World, lang: str) -> None:
    for msg_id in MESSAGES[lang]:
        if not is_button(msg_id):
            continue
        label = _render(lang, msg_id, _args(world, lang), None)
        if units(label) > MAX_QUICK_REPLY_TITLE:
            names = {a.id.name for a in MESSAGES[lang][msg_id].attributes}
            assert "short" in names, f"{lang} {msg_id}: {label!r} needs a .short"
        option = Option("x", Msg(msg_id, _args(world, lang)))
        assert units(short_label(TEXTS, lang, option)) <= MAX_LABEL


def test_kyrgyz_short_labels_of_our_own_are_marked_for_review(world: World) -> None:
    for msg_id, message in MESSAGES["ky"].items():
        if "short" not in {a.id.name for a in message.attributes}:
            continue
        args = _args(world, "ky")
        if _render("ky", msg_id, args, "short") == _render("ky", msg_id, args, None):
            continue  # the label itself, already short enough
        comment = message.comment.content if message.comment else ""
        assert "review" in comment, f"ky {msg_id}: a new .short awaits a native speaker"


def _at_done_subscribed(r: FlowResident) -> None:
    at_review(r)
    r.act(Do(Action.CONFIRM))
    r.act(Subscribe(True))


def _at_problems_typed(r: FlowResident) -> None:
    at_district(r)
    r.act(PickDistrict("mtu2"))
    r.act(PickCategory("waste"))
    r.send("ямы на дорогах")  # a confident category: another topic and undo are offered


def _at_one_suggestion(r: FlowResident) -> None:
    at_district(r)
    r.act(PickDistrict("mtu2"))
    r.act(PickCategory("waste"))
    r.send("шумно ночью")  # one plausible category: "yes, <category>" is offered


SHORT_SCREENS = {
    **SCREENS,
    "done-subscribed": _at_done_subscribed,
    "problems-typed": _at_problems_typed,
    "suggest-one-category": _at_one_suggestion,
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("screen", SHORT_SCREENS)
def test_typing_a_short_label_is_the_same_as_tapping(world: World, screen: str, lang: str) -> None:
    """WhatsApp lists show the short label: a resident who types it means the button."""
    r = FlowResident(world, lang_hint=lang)
    SHORT_SCREENS[screen](r)
    for option in r.options:
        label = option.label
        if not isinstance(label, Msg):
            continue
        names = {a.id.name for a in MESSAGES[lang][label.id].attributes}
        if "short" not in names:
            continue
        short = typed(TEXTS.option_label(lang, option, "short"))  # type: ignore[arg-type]
        by_tap = step(r.session, Inbound("choice", choice=option.code, lang_hint=lang), world)
        by_text = step(r.session, Inbound("text", text=short, lang_hint=lang), world)
        assert by_text.session == by_tap.session, f"{screen}/{lang}: {short!r} != {option.code}"
        assert by_text.effects == by_tap.effects


def test_the_short_labels_reach_the_whatsapp_options(world: World) -> None:
    seen = set()
    for lang in LANGS:
        for screen in SHORT_SCREENS.values():
            r = FlowResident(world, lang_hint=lang)
            screen(r)
            for option in r.options:
                if isinstance(option.label, Msg) and "short" in {
                    a.id.name for a in MESSAGES[lang][option.label.id].attributes
                }:
                    short = TEXTS.option_label(lang, option, "short")  # type: ignore[arg-type]
                    if short != TEXTS.option_label(lang, option):  # type: ignore[arg-type]
                        assert short_label(TEXTS, lang, option) == short
                    seen.add(option.label.id)
    assert {"btn-accept", "btn-also", "btn-unsubscribe", "btn-forget-yes"} <= seen
