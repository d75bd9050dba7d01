"""The resident survey: one pure step per inbound event (see survey.md for the diagram)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flows import announce
from flows.catalogue import LANGS, OTHER, City, Lang
from flows.choices import Choice, negated, resolve
from flows.session import (
    MAX_PROBLEMS,
    MAX_TEXT,
    Answer,
    Conversation,
    Effect,
    Forget,
    Inbound,
    Item,
    Msg,
    Reply,
    SaveAnswer,
    Session,
    SetLanguage,
    SetSubscribed,
    Step,
    Turn,
)
from flows.text import normalise

if TYPE_CHECKING:
    from flows.world import World

# A typed problem is proposed as one category at this score, as a short list above the lower.
CONFIDENT = 0.75
PLAUSIBLE = 0.45
# Beside a confident first category, a second this strong is shown too: residents often name
# two problems in one line ("ямы на дорогах и нет освещения"), and "add both" is one tap.
SECOND = 0.6
GROUP_PAGE = 10  # categories per screen; with "more" and "back" a screen has at most 12 buttons
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский"}  # data: the buttons read the same in both

# On confirmation screens a negated option ("не удалять") selects its safe opposite when
# there is one on screen, and otherwise nothing at all.
_OPPOSITE = {"f:yes": "f:no", "S:1": "S:0", "r:ok": None, "E": None, "S:0": None}
_YES_NO_STEPS = (Step.REVIEW, Step.SUBSCRIBE, Step.DONE, Step.FORGET)

COMMANDS = ("start", "my", "edit", "language", "stop", "forget", "announcements", "help")


class _Turn:
    """Mutable scratchpad for one step: the session copy, replies and effects so far."""

    def __init__(self, session: Session, world: World) -> None:
        # A copy, so the caller's session is never mutated (dump/validate beats deepcopy 2x).
        self.s = Session.model_validate(session.model_dump())
        self.world = world
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []
        self.render_lang: Lang | None = None

    @property
    def conv(self) -> Conversation:
        return self.s.conv

    @property
    def lang(self) -> Lang:
        return self.s.profile.lang or "ru"

    @property
    def city(self) -> City | None:
        return self.world.cities.get(self.conv.city or "")

    def say(self, *parts: Msg) -> None:
        self.replies.append(Reply(parts))

    def set_lang(self, lang: Lang) -> None:
        if self.s.profile.lang != lang:
            self.s.profile.lang = lang
            self.effects.append(SetLanguage(lang))

    def set_subscribed(self, value: bool) -> None:
        if self.s.profile.subscribed is not value:
            self.s.profile.subscribed = value
            self.effects.append(SetSubscribed(value))

    def finish(self) -> Turn:
        return Turn(self.s, tuple(self.replies), tuple(self.effects), self.render_lang or self.lang)


def step(session: Session, event: Inbound, world: World) -> Turn:
    """Advance the conversation by one inbound event."""
    t = _Turn(session, world)
    _repair(t)
    if t.s.profile.lang is None and event.lang_hint in LANGS:
        # Telegram told us the resident's language: use it, offer the other one in one tap.
        t.set_lang(event.lang_hint)  # type: ignore[arg-type]
        if t.conv.step == Step.LANGUAGE:
            _after_language(t, first=True)
            if event.kind != "command" or event.command == "start":
                return t.finish()
    if t.s.profile.lang is not None and _announcing(t, event):
        return t.finish()
    if event.kind == "media":
        # Before a language is known the bilingual language prompt is the whole answer.
        lead = (
            ()
            if t.s.profile.lang is None
            else (Msg("media-unsupported", {"kind": event.media or "other"}),)
        )
        _show(t, *lead)
    elif event.kind == "command":
        _command(t, event.command)
    elif event.kind == "text" and len(event.text) > MAX_TEXT:
        t.say(Msg("too-long", {"limit": MAX_TEXT, "length": len(event.text)}))
    elif event.kind == "choice":
        _choice(t, event.choice)
    else:
        _text(t, event.text.strip())
    return t.finish()


def _announcing(t: _Turn, event: Inbound) -> bool:
    """An admin's announcement draft (flows/announce.py) takes the event if it is open."""
    if event.kind == "command" and event.command == "announce":
        outcome = announce.start(t.world, event, t.lang)
    elif t.conv.draft is not None and (
        event.kind == "choice" or (event.kind == "text" and not event.text.startswith("/"))
    ):
        outcome = announce.step(t.world, t.conv.draft.model_copy(deep=True), event, t.lang)
    else:
        return False
    t.replies.extend(outcome.replies)
    t.effects.extend(outcome.effects)
    t.conv.draft = None if outcome.finished else outcome.draft
    if outcome.finished:
        _show(t)  # back where the survey was
    return True


# --- screens: what each step shows, and the choices it accepts ------------------------------


def _screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    """The prompt, choices and button columns of the current step."""
    builder = _SCREENS[t.conv.step]
    return builder(t)


def _show(t: _Turn, *lead: Msg) -> None:
    parts, choices, columns = _screen(t)
    t.replies.append(Reply((*lead, *parts), tuple(c.option() for c in choices), columns))


def _language_screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    w = t.world.words
    choices = [
        Choice("L:ky", LANGUAGE_NAMES["ky"], w["lang_ky"]),
        Choice("L:ru", LANGUAGE_NAMES["ru"], w["lang_ru"]),
    ]
    return [Msg("language-prompt")], choices, 2


def _city_screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    choices = [
        Choice(f"c:{c.id}", c.name(t.lang), (c.ru, c.ky, *c.aliases))
        for c in t.world.cities.values()
    ]
    return [Msg("city-prompt")], choices, 1


def _district_screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    city = t.city
    assert city is not None
    choices = [
        Choice(f"d:{d.id}", d.name(t.lang), (d.ru, d.ky, *d.aliases)) for d in city.districts
    ]
    if city.allow_unknown_district:
        choices.append(Choice("d:-", Msg("btn-district-unknown"), t.world.words["unknown"]))
    if t.world.fixed_city is None:
        choices.append(Choice("r:city", Msg("btn-change-city"), t.world.words["change_city"]))
    columns = 2 if len(city.districts) > 4 else 1
    return [Msg("district-prompt", {"city": city.name(t.lang)})], choices, columns


def _problem_lines(t: _Turn, items: list[Item], city: str | None = None) -> list[Msg]:
    shown = t.world.shown[city or t.conv.city or ""]
    lines = []
    for n, item in enumerate(items, 1):
        if item.category == OTHER:
            lines.append(Msg("problem-line-own", {"n": n, "text": item.text or ""}))
        elif item.text:
            label = shown.label(item.category, t.lang)
            lines.append(Msg("problem-line-typed", {"n": n, "label": label, "text": item.text}))
        else:
            lines.append(Msg("problem-line", {"n": n, "label": shown.label(item.category, t.lang)}))
    return lines


def _problems_screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    w = t.world.words
    shown = t.world.shown[t.conv.city or ""]
    count = len(t.conv.items)
    parts = [Msg("problems-prompt", {"count": count, "next": count + 1, "max": MAX_PROBLEMS})]
    parts += _problem_lines(t, t.conv.items)
    parts.append(
        Msg("problems-hint") if count == 0 else Msg("problems-hint-more", {"next": count + 1})
    )
    choices = [
        Choice(f"g:{g.id}", g.name(t.lang), (g.ru, g.ky))
        for g in shown.groups
        if _free_in_group(t, g.id)
    ]
    if count:
        choices.append(Choice("x:undo", Msg("btn-remove-last"), w["remove_last"]))
    if count > 1:
        choices.append(Choice("x:reset", Msg("btn-restart"), w["restart"]))
    if count:
        choices.append(Choice("x:done", Msg("btn-done"), w["done"]))
    return parts, choices, 1


def _free_in_group(t: _Turn, gid: str) -> list:
    taken = {i.category for i in t.conv.items}
    return [c for c in t.world.shown[t.conv.city or ""].in_group(gid) if c.id not in taken]


def _group_screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    w = t.world.words
    gid = t.conv.group or ""
    group = next((g for g in t.world.catalogue.groups if g.id == gid), None)
    free = _free_in_group(t, gid)
    pages = max(1, -(-len(free) // GROUP_PAGE))
    page = min(t.conv.page, pages - 1)
    chunk = free[page * GROUP_PAGE : (page + 1) * GROUP_PAGE]
    choices = [Choice(f"p:{c.id}", c.name(t.lang), (c.ru, c.ky)) for c in chunk]
    if pages > 1:
        choices.append(Choice("x:more", Msg("btn-more"), w["more"]))
    choices.append(Choice("x:back", Msg("btn-back"), w["back"]))
    name = group.name(t.lang) if group else ""
    parts = [Msg("group-prompt", {"group": name, "next": len(t.conv.items) + 1})]
    return parts, choices, 1


def _suggest_screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    w = t.world.words
    shown = t.world.shown[t.conv.city or ""]
    text = t.conv.pending or ""
    choices = [
        Choice(
            f"p:{cid}", shown.label(cid, t.lang), (shown.label(cid, "ru"), shown.label(cid, "ky"))
        )
        for cid in t.conv.suggestions
    ]
    if not t.conv.suggestions:
        parts = [Msg("suggest-none", {"text": text})]
    elif len(t.conv.suggestions) == 1:
        label = shown.label(t.conv.suggestions[0], t.lang)
        parts = [Msg("suggest-one", {"text": text, "label": label})]
        # "yes" accepts the single proposal
        accept = (*choices[0].words, *w["yes"], *w["confirm"])
        choices[0] = Choice(choices[0].code, Msg("btn-accept", {"label": label}), accept)
    else:
        room = MAX_PROBLEMS - len(t.conv.items)
        if len(t.conv.suggestions) == 2 and room >= 2:
            parts = [Msg("suggest-two", {"text": text})]
            choices.append(Choice("x:all", Msg("btn-add-all"), w["add_all"]))
        else:
            parts = [Msg("suggest-many", {"text": text})]
    if t.conv.suggestions:
        # "no" to a proposed category means "keep my own words".
        choices.append(Choice("x:own", Msg("btn-keep-own"), (*w["keep_own"], *w["no"])))
        choices.append(Choice("x:back", Msg("btn-cancel"), (*w["cancel"], *w["back"])))
    else:
        # "Keep it as you wrote it?": yes keeps the words, no cancels.
        own_words = (*w["keep_own"], *w["yes"], *w["confirm"])
        choices.append(Choice("x:own", Msg("btn-keep-own"), own_words))
        choices.append(Choice("x:back", Msg("btn-cancel"), (*w["cancel"], *w["back"], *w["no"])))
    return parts, choices, 1


def _review_screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    w = t.world.words
    city = t.city
    assert city is not None
    parts = [Msg("review-title")]
    parts += _place_lines(t, city, t.conv.district)
    parts += _problem_lines(t, t.conv.items)
    count = len(t.conv.items)
    if count < MAX_PROBLEMS:
        parts.append(Msg("review-can-add", {"count": count, "max": MAX_PROBLEMS}))
    choices = [Choice("r:ok", Msg("btn-confirm"), (*w["confirm"], *w["yes"]))]
    if count < MAX_PROBLEMS:
        choices.append(Choice("r:add", Msg("btn-add-more"), w["add_more"]))
    choices.append(Choice("r:problems", Msg("btn-change-problems"), w["change_problems"]))
    choices.append(Choice("r:district", Msg("btn-change-district"), w["change_district"]))
    if t.world.fixed_city is None:
        choices.append(Choice("r:city", Msg("btn-change-city"), w["change_city"]))
    return parts, choices, 1


def _place_lines(t: _Turn, city: City, district: str | None) -> list[Msg]:
    lines = []
    if t.world.fixed_city is None:
        lines.append(Msg("answer-city", {"city": city.name(t.lang)}))
    d = city.district(district)
    lines.append(
        Msg("answer-district", {"district": d.name(t.lang)})
        if d
        else Msg("answer-district-unknown")
    )
    return lines


def _subscribe_screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    w = t.world.words
    choices = [
        Choice("S:1", Msg("btn-subscribe-yes"), w["yes"]),
        Choice("S:0", Msg("btn-subscribe-no"), w["no"]),
    ]
    return [Msg("subscribe-prompt")], choices, 1


def _done_screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    """After answering, the resident's screen is their answer and what they can do with it."""
    w = t.world.words
    subscribed = bool(t.s.profile.subscribed)
    choices = [
        Choice("E", Msg("btn-edit"), w["edit"]),
        Choice("S:0", Msg("btn-unsubscribe"), w["unsubscribe"])
        if subscribed
        else Choice("S:1", Msg("btn-subscribe"), w["subscribe"]),
    ]
    return _answer_lines(t), choices, 1


def _answer_lines(t: _Turn) -> list[Msg]:
    answer = t.s.answer
    if answer is None or answer.city not in t.world.cities:
        return [Msg("my-none")]
    parts = [Msg("my-title")]
    parts += _place_lines(t, t.world.cities[answer.city], answer.district)
    parts += _problem_lines(t, answer.items, answer.city)
    parts.append(Msg("my-subscribed" if t.s.profile.subscribed else "my-not-subscribed"))
    return parts


def _forget_screen(t: _Turn) -> tuple[list[Msg], list[Choice], int]:
    w = t.world.words
    choices = [
        Choice("f:yes", Msg("btn-forget-yes"), (*w["yes"], *w["forget"])),
        Choice("f:no", Msg("btn-forget-no"), (*w["no"], *w["cancel"])),
    ]
    return [Msg("forget-prompt")], choices, 1


_SCREENS: dict[Step, Callable[[_Turn], tuple[list[Msg], list[Choice], int]]] = {
    Step.LANGUAGE: _language_screen,
    Step.CITY: _city_screen,
    Step.DISTRICT: _district_screen,
    Step.PROBLEMS: _problems_screen,
    Step.GROUP: _group_screen,
    Step.SUGGEST: _suggest_screen,
    Step.REVIEW: _review_screen,
    Step.SUBSCRIBE: _subscribe_screen,
    Step.DONE: _done_screen,
    Step.FORGET: _forget_screen,
}


# --- transitions -----------------------------------------------------------------------------


def _repair(t: _Turn) -> None:
    """Bring a stored state back in line with today's configuration (cities may change)."""
    c = t.conv
    if t.world.fixed_city and c.city != t.world.fixed_city and c.step != Step.DONE:
        c.city = t.world.fixed_city
    if c.city is not None and c.city not in t.world.cities:
        c.city, c.district, c.district_chosen = None, None, False
    city = t.city
    if city and c.district and not city.district(c.district):
        c.district, c.district_chosen = None, False
    if city:
        shown = set(t.world.shown[city.id].ids) | {OTHER}
        c.items = [i for i in c.items if i.category in shown]
    needs_city = c.step in (Step.DISTRICT, Step.PROBLEMS, Step.GROUP, Step.SUGGEST, Step.REVIEW)
    if needs_city and city is None:
        c.step = Step.CITY
    elif c.step in (Step.PROBLEMS, Step.GROUP, Step.SUGGEST, Step.REVIEW) and not c.district_chosen:
        c.step = Step.DISTRICT
    if c.step == Step.REVIEW and not c.items:
        c.step = Step.PROBLEMS
    if c.step == Step.SUGGEST and not c.pending:
        c.step = Step.PROBLEMS
    if c.step == Step.DONE and t.s.answer is None:
        c.step = Step.LANGUAGE if t.s.profile.lang is None else _first_survey_step(t)
    if c.step != Step.LANGUAGE and t.s.profile.lang is None:
        c.resume = c.step if c.step != Step.DONE else None
        c.step = Step.LANGUAGE


def _first_survey_step(t: _Turn) -> Step:
    if t.world.fixed_city:
        t.conv.city = t.world.fixed_city
        return Step.DISTRICT
    return Step.CITY


def _go(t: _Turn, step: Step, *lead: Msg) -> None:
    t.conv.step = step
    _show(t, *lead)


def _after_language(t: _Turn, first: bool) -> None:
    """Language chosen: go back where the resident was, or begin the survey."""
    resume = t.conv.resume
    t.conv.resume = None
    other = "ru" if t.lang == "ky" else "ky"
    if first and resume is None:
        t.replies.append(
            Reply(
                (Msg("intro"),),
                (Choice(f"L:{other}", LANGUAGE_NAMES[other]).option(),),
            )
        )
        _go(t, _first_survey_step(t))
    else:
        _go(t, resume or (Step.DONE if t.s.answer else _first_survey_step(t)))


def _command(t: _Turn, command: str) -> None:
    c = t.conv
    if t.s.profile.lang is None and command not in ("language", "forget"):
        _go(t, Step.LANGUAGE)  # nothing else can be said before the language is known
        return
    if command == "start":
        if c.step == Step.LANGUAGE:
            _show(t)
        elif c.step == Step.DONE:
            _show_answers(t, Msg("welcome-back"))
        else:
            _show(t, Msg("continue"))
    elif command == "my":
        if t.s.answer:
            _show_answers(t)
        else:
            _show(t, Msg("my-none"))
    elif command == "edit":
        _edit(t)
    elif command == "language":
        if c.step not in (Step.LANGUAGE,):
            c.resume = c.step
        _go(t, Step.LANGUAGE)
    elif command == "stop":
        t.set_subscribed(False)
        _show(t, Msg("stopped"))
    elif command == "forget":
        if c.step != Step.FORGET:
            c.resume = c.step
        _go(t, Step.FORGET)
    elif command == "help":
        t.say(Msg("help"))
        _show(t)
    elif command == "announcements":
        city = t.s.answer.city if t.s.answer else c.city
        t.say(Msg("announcements-list", {"city": city or ""}))
        _show(t)
    else:
        t.say(Msg("unknown-command", {"command": command[:32]}), Msg("help"))
        _show(t)


def _show_answers(t: _Turn, *lead: Msg) -> None:
    """The current answer; mid-survey it is shown apart and the current step follows."""
    if t.conv.step == Step.DONE:
        _show(t, *lead)
    else:
        t.say(*lead, *_answer_lines(t))
        _show(t)


def _edit(t: _Turn) -> None:
    """Copy the current answer into the draft and show it for review."""
    answer = t.s.answer
    if answer is None or answer.city not in t.world.cities:
        _show(t, Msg("my-none"))
        return
    c = t.conv
    c.city, c.district, c.district_chosen = answer.city, answer.district, True
    c.items = [i.model_copy() for i in answer.items]
    c.pending, c.suggestions, c.group, c.page = None, [], None, 0
    _repair(t)
    _go(t, Step.REVIEW if c.items else Step.PROBLEMS)


def _choice(t: _Turn, code: str) -> None:
    """A tapped button. Anything not on screen (stale or forged) re-shows the current step."""
    if code.startswith("L:") and code[2:] in LANGS and t.conv.step != Step.LANGUAGE:
        _switch_language(t, code[2:])  # type: ignore[arg-type]
        return
    if code in ("S:1", "S:0") and t.conv.step == Step.DONE:
        _subscription(t, code == "S:1")
        return
    _, choices, _ = _screen(t)
    if any(ch.code == code for ch in choices):
        _HANDLERS[t.conv.step](t, code, "")
    else:
        _show(t, Msg("stale-button"))


def _subscription(t: _Turn, value: bool) -> None:
    t.set_subscribed(value)
    _show(t, Msg("subscribed" if value else "stopped"))


def _text(t: _Turn, text: str) -> None:
    """Typed text: a number or a label of an option on screen, else what the step makes of it."""
    if not text:
        _show(t, Msg("not-understood"))
        return
    if text.startswith("/"):
        _command(t, text[1:].split("@")[0].split()[0].casefold() if len(text) > 1 else "")
        return
    if _keyword(t, normalise(text)):
        return
    _, choices, _ = _screen(t)
    if t.conv.step == Step.DONE and not normalise(text).isdigit():
        # Both subscription words are understood, though one button is shown: otherwise
        # "отписаться" typed by an unsubscribed resident fuzzily becomes "подписаться".
        w = t.world.words
        choices = [
            *choices,
            Choice("S:1", "", w["subscribe"]),
            Choice("S:0", "", w["unsubscribe"]),
        ]
    code = resolve(text, choices)
    if code is None and t.conv.step in _YES_NO_STEPS:
        denied = negated(text, choices)
        if denied is not None:
            opposite = _OPPOSITE.get(denied)
            if opposite is None or all(ch.code != opposite for ch in choices):
                _show(t, Msg("negated-noted"))
                return
            code = opposite
    if code is None and t.conv.step != Step.LANGUAGE:
        # A language can be switched by typing its name at any step ("кыргызча").
        typed = normalise(text)
        for lang in LANGS:
            if typed in {normalise(w) for w in t.world.words[f"lang_{lang}"]}:
                _switch_language(t, lang)
                return
    _HANDLERS[t.conv.step](t, code, text)


def _keyword(t: _Turn, typed: str) -> bool:
    """STOP / START / HELP as a whole message, at any step, in any language (WhatsApp habit).

    STOP is honoured even before a language is chosen (answered in the keyword's language).
    """

    def said(key: str) -> bool:
        return typed in {normalise(word) for word in t.world.words[key]}

    if said("keyword_stop"):
        if t.s.profile.lang is None:
            t.render_lang = "ky" if said("keyword_ky") else "ru"
            t.set_subscribed(False)
            t.say(Msg("stopped"))
            return True
        _command(t, "stop")
    elif said("keyword_start"):
        if t.s.profile.lang is None:
            _command(t, "start")
        else:
            _subscription(t, True)
    elif said("keyword_help"):
        _command(t, "help")
    else:
        return False
    return True


def _switch_language(t: _Turn, lang: Lang) -> None:
    t.set_lang(lang)
    _show(t, Msg("language-changed"))


# Handlers get the resolved option code (None when the text matched no option) and the text.


def _on_language(t: _Turn, code: str | None, text: str) -> None:
    if code is None:
        _show(t)  # the bilingual prompt is the whole explanation
        return
    t.set_lang(code[2:])  # type: ignore[arg-type]
    _after_language(t, first=t.conv.resume is None and t.s.answer is None)


def _on_city(t: _Turn, code: str | None, text: str) -> None:
    if code is None:
        _show(t, Msg("not-understood"))
        return
    city = code[2:]
    if city != t.conv.city:
        t.conv.city, t.conv.district, t.conv.district_chosen = city, None, False
        _repair(t)
    _go(t, Step.DISTRICT)


def _on_district(t: _Turn, code: str | None, text: str) -> None:
    if code is None:
        _show(t, Msg("not-understood"))
        return
    if code == "r:city":
        _go(t, Step.CITY)
        return
    t.conv.district = None if code == "d:-" else code[2:]
    t.conv.district_chosen = True
    _go(t, Step.REVIEW if t.conv.items else Step.PROBLEMS)


def _on_problems(t: _Turn, code: str | None, text: str) -> None:
    c = t.conv
    if code is None:
        _typed_problem(t, text)
    elif code.startswith("g:"):
        c.group, c.page = code[2:], 0
        _go(t, Step.GROUP)
    elif code == "x:undo":
        removed = c.items.pop()
        label = _item_label(t, removed)
        _go(t, Step.PROBLEMS, Msg("problem-removed", {"label": label}))
    elif code == "x:reset":
        c.items = []
        _go(t, Step.PROBLEMS, Msg("problems-cleared"))
    elif code == "x:done":
        _go(t, Step.REVIEW)


def _item_label(t: _Turn, item: Item) -> str:
    if item.category == OTHER:
        return item.text or ""
    return t.world.shown[t.conv.city or ""].label(item.category, t.lang)


def _on_group(t: _Turn, code: str | None, text: str) -> None:
    c = t.conv
    if code is None:
        _typed_problem(t, text)
    elif code == "x:more":
        c.page += 1
        free = len(_free_in_group(t, c.group or ""))
        if c.page * GROUP_PAGE >= free:
            c.page = 0
        _go(t, Step.GROUP)
    elif code == "x:back":
        _go(t, Step.PROBLEMS)
    else:
        _add(t, Item(category=code[2:]))


def _on_suggest(t: _Turn, code: str | None, text: str) -> None:
    c = t.conv
    pending = c.pending or ""
    if code is None:
        # Another typed problem replaces the one waiting for an answer.
        _typed_problem(t, text)
        return
    suggested = c.suggestions
    c.pending, c.suggestions = None, []
    if code == "x:all":
        _add_all(t, [Item(category=cid, text=pending) for cid in suggested])
    elif code == "x:own":
        _add(t, Item(category=OTHER, text=pending))
    elif code == "x:back":
        _go(t, Step.PROBLEMS)
    else:
        _add(t, Item(category=code[2:], text=pending))


def _typed_problem(t: _Turn, text: str) -> None:
    """Place the resident's own words into a category, or keep them as they are."""
    c = t.conv
    if len(c.items) >= MAX_PROBLEMS:
        _go(t, Step.REVIEW, Msg("problems-full", {"max": MAX_PROBLEMS}))
        return
    if len(normalise(text).replace(" ", "")) < 3 or normalise(text).isdigit():
        _show(t, Msg("not-understood"))
        return
    # A category named exactly (by label, in either language) is the same as tapping it.
    shown = t.world.shown[c.city or ""]
    by_label = [
        Choice(f"p:{cat.id}", cat.name(t.lang), (cat.ru, cat.ky))
        for cat in shown.categories
        if cat.id != OTHER
    ]
    named = resolve(text, by_label)
    if named:
        _add(t, Item(category=named[2:]))
        return
    taken = {i.category for i in c.items}
    matcher = t.world.matchers[c.city or ""]
    found = [m for m in matcher.candidates(text, limit=3) if m.category not in taken]
    if found and found[0].score >= CONFIDENT:
        c.suggestions = [found[0].category]
        c.suggestions += [m.category for m in found[1:2] if m.score >= SECOND]
    else:
        c.suggestions = [m.category for m in found if m.score >= PLAUSIBLE]
    # With no category in sight we still ask, so "привет" does not become a problem.
    c.pending = text
    _go(t, Step.SUGGEST)


def _add(t: _Turn, item: Item) -> None:
    c = t.conv
    c.pending, c.suggestions = None, []
    if item.category != OTHER and any(i.category == item.category for i in c.items):
        label = _item_label(t, item)
        _go(t, Step.PROBLEMS, Msg("problem-duplicate", {"label": label}))
        return
    if item.category == OTHER and any(
        i.category == OTHER and (i.text or "").casefold() == (item.text or "").casefold()
        for i in c.items
    ):
        _go(t, Step.PROBLEMS, Msg("problem-duplicate", {"label": item.text or ""}))
        return
    c.items.append(item)
    added = Msg("problem-added", {"label": _item_label(t, item)})
    _go(t, Step.REVIEW if len(c.items) >= MAX_PROBLEMS else Step.PROBLEMS, added)


def _add_all(t: _Turn, items: list[Item]) -> None:
    """Several categories for one typed line: each is added with the resident's words."""
    c = t.conv
    added = [item for item in items if all(i.category != item.category for i in c.items)]
    c.items.extend(added[: MAX_PROBLEMS - len(c.items)])
    lead = [Msg("problem-added", {"label": _item_label(t, item)}) for item in added]
    _go(t, Step.REVIEW if len(c.items) >= MAX_PROBLEMS else Step.PROBLEMS, *lead)


def _on_review(t: _Turn, code: str | None, text: str) -> None:
    c = t.conv
    if code is None:
        typed = normalise(text)
        if len(typed) < 3 or typed.isdigit():
            _show(t, Msg("not-understood"))
        elif len(c.items) >= MAX_PROBLEMS:
            # A sixth problem: say why it cannot be added, rather than "not understood".
            _show(t, Msg("problems-full", {"max": MAX_PROBLEMS}))
        else:
            # Typing a problem at review adds it: that is what the resident means.
            c.step = Step.PROBLEMS
            _typed_problem(t, text)
    elif code == "r:ok":
        _confirm(t)
    elif code in ("r:add", "r:problems"):
        _go(t, Step.PROBLEMS)
    elif code == "r:district":
        _go(t, Step.DISTRICT)
    elif code == "r:city":
        _go(t, Step.CITY)


def _confirm(t: _Turn) -> None:
    """Store the answer as the current one; ask about announcements the first time."""
    c = t.conv
    current = t.s.answer
    answer = Answer(
        version=(current.version if current else 0) + 1,
        city=c.city or "",
        district=c.district,
        items=[i.model_copy() for i in c.items],
    )
    unchanged = current is not None and current.model_dump(exclude={"version"}) == (
        answer.model_dump(exclude={"version"})
    )
    if not unchanged:
        # An unchanged confirmation adds no version: history records real changes only.
        t.s.answer = answer
        t.effects.append(SaveAnswer(answer))
    c.items, c.pending, c.suggestions, c.group, c.page = [], None, [], None, 0
    if t.s.profile.subscribed is None:
        _go(t, Step.SUBSCRIBE, Msg("saved"))
    else:
        c.step = Step.DONE
        t.say(
            Msg("saved"), Msg("thanks", {"subscribed": "yes" if t.s.profile.subscribed else "no"})
        )


def _on_subscribe(t: _Turn, code: str | None, text: str) -> None:
    if code is None:
        _show(t, Msg("not-understood"))
        return
    value = code == "S:1"
    t.set_subscribed(value)
    t.conv.step = Step.DONE
    t.say(Msg("thanks", {"subscribed": "yes" if value else "no"}))


def _on_done(t: _Turn, code: str | None, text: str) -> None:
    if code == "E":
        _edit(t)
    elif code in ("S:1", "S:0"):
        _subscription(t, code == "S:1")
    else:
        _show(t, Msg("already-answered"))


def _on_forget(t: _Turn, code: str | None, text: str) -> None:
    c = t.conv
    if code is None:
        _show(t, Msg("not-understood"))
    elif code == "f:yes":
        t.render_lang = t.lang
        t.effects.append(Forget())
        t.s = type(t.s)()
        t.say(Msg("forgotten"))
    else:
        resume = c.resume or Step.DONE
        c.resume = None
        c.step = resume
        _repair(t)
        _show(t, Msg("forget-cancelled"))


_HANDLERS: dict[Step, Callable[[_Turn, str | None, str], None]] = {
    Step.LANGUAGE: _on_language,
    Step.CITY: _on_city,
    Step.DISTRICT: _on_district,
    Step.PROBLEMS: _on_problems,
    Step.GROUP: _on_group,
    Step.SUGGEST: _on_suggest,
    Step.REVIEW: _on_review,
    Step.SUBSCRIBE: _on_subscribe,
    Step.DONE: _on_done,
    Step.FORGET: _on_forget,
}
