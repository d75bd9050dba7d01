"""Property: no sequence of resident events makes the survey produce what the store refuses."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import load_world
from bot.i18n import Texts
from bot.local_chat import NUMBERED
from flows.session import (
    MAX_PROBLEMS,
    Inbound,
    Turn,
)
from flows.survey import COMMANDS, needs, step
from tests.driver import Stored, empty_facts

WORLD = load_world()
TEXTS = Texts(strict=True)

TYPED = [
    "ямы на дорогах",
    "нет воды по вечерам",
    "мусор не вывозят и нет освещения",
    "мэр не отвечает на письма",
    "жолдор начар",
    "таштанды көп",
    "иттер көп, жолдор начар",
    "дороги",
    "Жолдор",
    "Питьевая вода",
    "каракол",
    "манас",
    "джалал-абад",
    "бишкек",
    "мту 3",
    "курманбек",
    "не знаю",
    "да",
    "ооба",
    "нет",
    "жок",
    "готово",
    "даяр",
    "обе",
    "всё верно",
    "не подтверждаю",
    "отмена",
    "назад",
    "ещё",
    "другие темы",
    "заменить",
    "выше",
    "ниже",
    "убрать",
    "привет",
    "кыргызча",
    "русский",
    "STOP",
    "башта",
    "помощь",
    "<b>html</b> & <a href='x'>",
    "\x00\x07\x1b",
    "я" * 301,
    "",
    " ",
    "#karakol-mtu2-poster",
    "Саламатсызбы! #manas-kurmanbek-qr",
    "#atlantis-x",
]

_tap = st.tuples(st.just("tap"), st.integers(0, 30))
event_kinds = st.one_of(
    # Taps are most of what residents do: weighted so that runs reach full lists and edits.
    _tap,
    _tap,
    _tap,
    _tap,
    _tap,
    st.tuples(st.just("stale"), st.integers(1, 6), st.integers(0, 30)),
    st.tuples(
        st.just("forged"),
        st.integers(-1, 60),
        st.sampled_from(list("LcdpgiSxZ")),
        st.sampled_from(["roads", "mtu1", "karakol", "0", "1", "4", "9", "-", "ok", "undo", "zz"]),
    ),
    st.tuples(st.just("text"), st.sampled_from(TYPED)),
    st.tuples(st.just("number"), st.integers(-1, 14)),
    st.tuples(
        st.just("command"),
        st.sampled_from([*COMMANDS, "announce", "foo"]),
        st.sampled_from(["", "karakol-mtu1-x", "bad payload"]),
    ),
    st.tuples(
        st.just("media"),
        st.sampled_from(["sticker", "photo", "voice", "location", "contact", "other"]),
    ),
    st.tuples(st.just("nudge")),
)


def _event(kind: tuple, history: list[list[str]], lang_hint: str | None, buttons: bool) -> Inbound:
    name = kind[0]
    if name == "tap" and history and history[-1]:
        options = history[-1]
        return Inbound("choice", choice=options[kind[1] % len(options)], editable=buttons)
    if name == "stale" and len(history) > kind[1] and history[-1 - kind[1]]:
        options = history[-1 - kind[1]]
        return Inbound("choice", choice=options[kind[2] % len(options)], editable=buttons)
    if name == "forged":
        return Inbound("choice", choice=f"{kind[1]}.{kind[2]}:{kind[3]}", editable=buttons)
    if name == "text":
        return Inbound("text", text=kind[1], lang_hint=lang_hint)
    if name == "number":
        return Inbound("text", text=str(kind[1]), lang_hint=lang_hint)
    if name == "command":
        return Inbound("command", command=kind[1], text=kind[2], lang_hint=lang_hint)
    if name == "media":
        where = (42.49, 78.39) if kind[1] == "location" else None
        return Inbound("media", media=kind[1], location=where, lang_hint=lang_hint)
    if name == "nudge":
        return Inbound("system", command="nudge")
    return Inbound("text", text="дороги", lang_hint=lang_hint)


def _render(turn: Turn, buttons: bool) -> None:
    """Every reply renders in its language without a missing message or argument."""
    variant = None if buttons else NUMBERED
    for reply in turn.replies:
        text = TEXTS.reply_html(turn.lang, reply, variant)
        assert len(text) < 4096 * 2  # split into at most two messages
        for option in reply.options:
            assert option.code.isascii() and 0 < len(option.code.encode()) <= 64, option.code
            assert TEXTS.option_label(turn.lang, option, variant)
        assert len(reply.options) <= 100
    if turn.notice is not None:
        TEXTS.format(turn.lang, turn.notice)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lang_hint=st.sampled_from(["ru", "ky", None]),
    buttons=st.booleans(),
    start=st.booleans(),
    events=st.lists(event_kinds, min_size=1, max_size=50),
)
def test_any_sequence_of_events_keeps_the_answer_valid(
    lang_hint: str | None, buttons: bool, start: bool, events: list[tuple]
) -> None:
    stored = Stored()
    history: list[list[str]] = []
    # Half the runs begin in the middle of a survey: /start, a language, a city, a district.
    prefix = [("command", "start", ""), ("number", 2), ("number", 2), ("number", 3)]
    for kind in [*(prefix if start else []), *events]:
        session = stored.session()
        event = _event(kind, history, lang_hint, buttons)
        event = replace(event, sender="tg:77")  # as the service stamps it
        turn = step(session, event, WORLD, empty_facts(needs(session, event, WORLD)))
        ids = [part.id for reply in turn.replies for part in reply.parts]
        assert "error-internal" not in ids
        _render(turn, buttons)
        stored.apply(turn, session)  # nothing lives only in the turn (see Stored)
        answer = turn.session.answer
        if answer is not None:
            assert len(answer.items) <= MAX_PROBLEMS
            named = [i.category for i in answer.items if i.category != "other"]
            assert len(named) == len(set(named)), "never the same category twice"
        with_options = [r for r in turn.replies if r.options]
        if with_options:
            history.append([o.code for o in with_options[-1].options])
