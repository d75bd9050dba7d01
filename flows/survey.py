"""The resident survey: one pure step per inbound event (see survey.md for the diagram)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flows import announce, links, places, problems
from flows.buttons import Action, Button, Do, PickCity, PickDistrict, PickLanguage, Subscribe, parse
from flows.catalogue import LANGS, Lang
from flows.choices import Choice, negated, resolve
from flows.results import results_parts
from flows.screens import answer_lines, build, go, show, suggest_text
from flows.session import (
    MAX_PROBLEMS,
    MAX_TEXT,
    Forget,
    Inbound,
    Msg,
    Nudged,
    Session,
    SetSource,
    Step,
    Turn,
)
from flows.text import normalise
from flows.turn import Facts, Scratch
from flows.world import World

# On confirmation screens a negated answer ("не удалять") selects its safe opposite when there
# is one on screen, and otherwise nothing at all.
_OPPOSITE: dict[Button, Button | None] = {
    Do(Action.FORGET): Do(Action.KEEP),
    Subscribe(True): Subscribe(False),
    Do(Action.CONFIRM): None,
    Do(Action.EDIT): None,
    Subscribe(False): None,
}
_YES_NO_STEPS = (Step.REVIEW, Step.SUBSCRIBE, Step.DONE, Step.FORGET)
# Steps of a survey not yet finished: the one reminder is for residents who stopped here.
SURVEY_STEPS = (
    Step.CITY,
    Step.DISTRICT,
    Step.PROBLEMS,
    Step.GROUPS,
    Step.GROUP,
    Step.SUGGEST,
    Step.REVIEW,
    Step.ITEM,
)

COMMANDS = (
    "start",
    "my",
    "edit",
    "results",
    "language",
    "stop",
    "forget",
    "announcements",
    "help",
)


@dataclass(frozen=True, slots=True)
class Needs:
    """What a step will read from the database; the service loads it before the step."""

    tallies: str | None = None  # a city id: its counters, for /results


def needs(session: Session, event: Inbound) -> Needs:
    """Decided from the event alone, so the data is loaded before the (pure) step."""
    wants_results = event.kind == "command" and event.command == "results"
    if event.kind == "text":
        wants_results = event.text.strip().casefold().startswith("/results")
    if event.kind == "choice":
        parsed = parse(event.choice)
        wants_results = parsed is not None and parsed[1] == Do(Action.RESULTS)
    if not wants_results:
        return Needs()
    answer = session.answer
    return Needs(tallies=answer.city if answer and answer.items else session.conv.city)


def step(session: Session, event: Inbound, world: World, facts: Facts | None = None) -> Turn:
    """Advance the conversation by one inbound event."""
    t = Scratch.start(session, event, world, facts or Facts())
    if event.kind == "choice" and session == Session():
        # A tap from nobody we know: someone who deleted their data tapping an old button
        # (or a double tap on "delete everything"). Nothing is stored for them.
        if event.editable:
            t.notice = Msg("forgotten-tap")
        else:
            t.say(Msg("forgotten"))
        return t.finish()
    _repair(t)
    if event.kind == "system":
        _system(t, event.command)
        return t.finish()
    if t.s.profile.lang is None and event.lang_hint in LANGS:
        # Telegram told us the resident's language: use it, offer the other one in one tap.
        t.set_lang(event.lang_hint)  # type: ignore[arg-type]
        if t.conv.step == Step.LANGUAGE:
            if event.kind == "command" and event.command == "start":
                _preset(t, event.text)
            elif event.kind == "text":
                _preset(t, links.find_tagged(event.text) or "")
            _after_language(t, guessed=True)
            if event.kind != "command" or event.command == "start":
                return t.finish()
    if t.s.profile.lang is not None and _announcing(t, event):
        return t.finish()
    if event.kind == "media":
        _media(t, event)
    elif event.kind == "command":
        _command(t, event.command, event.text)
    elif event.kind == "text" and len(event.text) > MAX_TEXT:
        show(t, Msg("too-long", {"limit": MAX_TEXT, "length": len(event.text)}))
    elif event.kind == "choice":
        _choice(t, event)
    else:
        _text(t, event.text.strip())
    return t.finish()


def _announcing(t: Scratch, event: Inbound) -> bool:
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
        show(t)  # back where the survey was
    return True


# --- keeping a stored state valid -------------------------------------------------------------


def _repair(t: Scratch) -> None:
    """Bring a stored state back in line with today's configuration (cities may change)."""
    c = t.conv
    if c.legacy_items:
        # A list kept in the conversation by the previous version: it becomes the answer.
        if not t.answered and c.city in t.world.cities:
            t.set_items(c.legacy_items[:MAX_PROBLEMS])
        c.legacy_items = []
    if t.world.fixed_city and c.city != t.world.fixed_city and c.step != Step.DONE:
        c.city, c.district, c.district_chosen = t.world.fixed_city, None, False
    if c.city is not None and c.city not in t.world.cities:
        c.city, c.district, c.district_chosen = None, None, False
    city = t.city
    if city and c.district and not city.district(c.district):
        c.district, c.district_chosen = None, False
    if city is None or any(d not in {x.id for x in city.districts} for d in c.places):
        c.places = []
    items = t.items
    if c.slot is not None and (c.slot >= len(items) or c.step in (Step.DONE, Step.REVIEW)):
        c.slot = None
    if c.step in SURVEY_STEPS[1:] and city is None:
        c.step = Step.CITY
    elif c.step in SURVEY_STEPS[2:] and not c.district_chosen:
        c.step = Step.DISTRICT
    if c.step == Step.ITEM and c.slot is None:
        c.step = Step.REVIEW
    if c.step == Step.REVIEW and not items:
        c.step = Step.PROBLEMS
    if c.step == Step.SUGGEST and not suggest_text(t):
        c.step = Step.PROBLEMS
    if c.step == Step.GROUP and c.group not in {g.id for g in t.world.catalogue.groups}:
        c.step = Step.GROUPS
    if c.step == Step.DONE and not t.answered:
        c.step = Step.LANGUAGE if t.s.profile.lang is None else _first_survey_step(t)
    if c.step != Step.LANGUAGE and t.s.profile.lang is None:
        c.resume = c.step if c.step != Step.DONE else None
        c.step = Step.LANGUAGE


def _first_survey_step(t: Scratch) -> Step:
    """Where the survey begins: what a link or the configuration already answered is skipped."""
    c = t.conv
    if t.world.fixed_city:
        c.city = t.world.fixed_city
    if c.city is None:
        return Step.CITY
    if not c.district_chosen:
        return Step.DISTRICT
    return Step.REVIEW if t.answered else Step.PROBLEMS


def _preset(t: Scratch, payload: str) -> bool:
    """A deep link's city, district and source tag; a bad payload is ignored politely."""
    preset = links.decode(payload, t.world) if payload else None
    if preset is None:
        return False
    if preset.source:
        t.effects.append(SetSource(preset.source))
    c = t.conv
    if t.answered:
        return True  # a resident who answered keeps their place; the link only says where from
    c.city, c.district, c.district_chosen = (
        preset.city,
        preset.district,
        preset.district is not None,
    )
    c.places = []
    return True


def _preset_lines(t: Scratch) -> list[Msg]:
    """Where a link placed the resident, said once (they can change it on the review)."""
    city = t.city
    if city is None or not t.conv.district_chosen or t.world.fixed_city:
        return []
    district = city.district(t.conv.district)
    name = district.name(t.lang) if district else ""
    return [Msg("preset-place", {"city": city.name(t.lang), "district": name})]


def _after_language(t: Scratch, guessed: bool = False) -> None:
    """Language chosen: go back where the resident was, or begin the survey."""
    resume = t.conv.resume
    t.conv.resume = None
    if resume is None and not t.answered:
        t.conv.step = _first_survey_step(t)
        offer: Lang | None = ("ru" if t.lang == "ky" else "ky") if guessed else None
        show(t, Msg("intro"), *_preset_lines(t), offer=offer)
    else:
        go(t, resume or (Step.DONE if t.answered else _first_survey_step(t)))


# --- events -----------------------------------------------------------------------------------


def _system(t: Scratch, what: str) -> None:
    """Not from the resident: the one reminder to finish the survey."""
    if what != "nudge":
        return
    t.effects.append(Nudged())  # once, whatever happens: not again until they write again
    if t.conv.step in SURVEY_STEPS and len(t.items) < MAX_PROBLEMS and t.s.profile.lang:
        problems.keep_pending(t)  # what they typed counts, even if they never come back
        show(t, Msg("nudge", {"count": len(t.items), "max": MAX_PROBLEMS}))


def _media(t: Scratch, event: Inbound) -> None:
    if t.s.profile.lang is None:
        show(t)  # before a language is known the bilingual prompt is the whole answer
        return
    c = t.conv
    mapped = t.world.boundaries if c.step == Step.CITY else {}
    if c.step == Step.DISTRICT and c.city in t.world.boundaries:
        mapped = t.world.boundaries
    if event.location is not None and mapped:
        found = t.world.locate(*event.location)
        if found is None or (c.step == Step.DISTRICT and found[0] != c.city):
            show(t, Msg("location-outside"))
            return
        c.city, c.district, c.district_chosen, c.places = found[0], found[1], True, []
        t.move_answer_here()
        name = t.world.cities[found[0]].district(found[1])
        lead = Msg("district-located", {"district": name.name(t.lang) if name else ""})
        go(t, Step.REVIEW if t.answered else Step.PROBLEMS, lead)
        return
    show(t, Msg("media-unsupported", {"kind": event.media or "other"}))


def _command(t: Scratch, command: str, argument: str = "") -> None:
    c = t.conv
    if t.s.profile.lang is None and command not in ("language", "forget"):
        if command == "start":
            _preset(t, argument.strip())
        go(t, Step.LANGUAGE)  # nothing else can be said before the language is known
        return
    # Moving on: typed words waiting for a category are kept, not dropped.
    moving_on = command in ("start", "my", "edit", "results")
    kept = problems.keep_pending(t) if moving_on else []
    if command == "start":
        _preset(t, argument.strip())
        if c.step == Step.DONE:
            show(t, *kept, Msg("welcome-back"))
        else:
            if c.step in (Step.CITY, Step.DISTRICT):
                c.step = _first_survey_step(t)  # a link may have answered these
            show(t, *kept, Msg("continue"))
    elif command == "my":
        if c.step in (Step.REVIEW, Step.ITEM):
            go(t, Step.REVIEW, *kept)  # the review is the list, with what can be done to it
        else:
            _beside_step(t, *kept, *(answer_lines(t) if t.answered else [Msg("my-none")]))
    elif command == "edit":
        _edit(t, *kept)
    elif command == "results":
        _beside_step(t, *kept, *_results(t))
    elif command == "language":
        if c.step != Step.LANGUAGE:
            c.resume = c.step
        go(t, Step.LANGUAGE)
    elif command == "stop":
        t.set_subscribed(False)
        show(t, Msg("stopped"))
    elif command == "forget":
        if c.step != Step.FORGET:
            c.resume = c.step
        go(t, Step.FORGET)
    elif command == "help":
        show(t, Msg("help"))
    elif command == "announcements":
        city = t.s.answer.city if t.answered and t.s.answer else c.city
        t.say(Msg("announcements-list", {"city": city or ""}))
        show(t)
    else:
        show(t, Msg("unknown-command", {"command": command[:32]}), Msg("help"))


def _beside_step(t: Scratch, *parts: Msg) -> None:
    """Information asked for: at the end it is the screen's text, mid-survey a message of its
    own before the current step (so the step's list is not mixed into it)."""
    if t.conv.step == Step.DONE:
        show(t, *parts)
    else:
        t.say(*parts)
        show(t)


def _results(t: Scratch) -> list[Msg]:
    answer = t.s.answer
    city = answer.city if t.answered and answer else t.conv.city
    district = answer.district if t.answered and answer else t.conv.district
    if city not in t.world.cities or t.facts.tallies is None:
        return [Msg("results-no-city")]
    return results_parts(t.world, city or "", district, t.facts.tallies, t.lang)


def _edit(t: Scratch, *lead: Msg) -> None:
    """The saved list on the review screen, where each problem can be moved or replaced."""
    answer = t.s.answer
    if answer is None or not answer.items or answer.city not in t.world.cities:
        show(t, *lead, Msg("my-none"))
        return
    c = t.conv
    c.city, c.district, c.district_chosen = answer.city, answer.district, True
    c.pending, c.sure, c.suggestions, c.group, c.page, c.slot = None, None, [], None, 0, None
    go(t, Step.REVIEW, *lead)


def _choice(t: Scratch, event: Inbound) -> None:
    """A tapped button: it acts only on the screen it was shown on."""
    c = t.conv
    parsed = parse(event.choice)
    if parsed is not None and parsed[0] == c.screen:
        button = parsed[1]
        if button in [ch.code for ch in build(t).choices]:
            t.edit = event.editable  # the next screen replaces this one in the same message
            _act(t, button, "")
            return
    if parsed is not None and event.editable and c.message_from <= parsed[0] < c.screen:
        t.notice = Msg("tap-done")  # a double tap: that message already shows what it did
        return
    show(t, Msg("stale-button"))


def _subscription(t: Scratch, value: bool) -> None:
    t.set_subscribed(value)
    show(t, Msg("subscribed" if value else "stopped"))


def _text(t: Scratch, text: str) -> None:
    """Typed text: a number or a label of an option on screen, else what the step makes of it."""
    if not text:
        show(t, Msg("not-understood"))
        return
    if text.startswith("/"):
        head, _, rest = text[1:].partition(" ")
        _command(t, head.split("@")[0].casefold() if head else "", rest)
        return
    tagged = links.find_tagged(text)
    if tagged and not t.answered and _preset(t, tagged):
        # A poster's prefilled WhatsApp text: its city and district are answered.
        if t.conv.step == Step.LANGUAGE:
            show(t)
        else:
            t.conv.step = _first_survey_step(t)
            show(t, Msg("intro"), *_preset_lines(t))
        return
    if _keyword(t, normalise(text)):
        return
    if t.conv.step == Step.CITY and _not_served(t, text):
        return
    choices = build(t).choices
    if t.conv.step == Step.DONE and not normalise(text).isdigit():
        # Both subscription words are understood, though one button is shown: otherwise
        # "отписаться" typed by an unsubscribed resident fuzzily becomes "подписаться".
        w = t.world.words
        choices = [
            *choices,
            Choice(Subscribe(True), "", w["subscribe"]),
            Choice(Subscribe(False), "", w["unsubscribe"]),
        ]
    code = resolve(text, choices)
    if code is None and t.conv.step in _YES_NO_STEPS:
        denied = negated(text, choices)
        if denied is not None:
            opposite = _OPPOSITE.get(denied)  # type: ignore[call-overload]
            if opposite is None or all(ch.code != opposite for ch in choices):
                show(t, Msg("negated-noted"))
                return
            code = opposite
    if code is None and t.conv.step != Step.LANGUAGE:
        # A language can be switched by typing its name at any step ("кыргызча").
        typed = normalise(text)
        for lang in LANGS:
            if typed in {normalise(w) for w in t.world.words[f"lang_{lang}"]}:
                t.set_lang(lang)
                show(t, Msg("language-changed"))
                return
    _act(t, code if isinstance(code, Button) else None, text)


def _act(t: Scratch, button: Button | None, text: str) -> None:
    """What an option on screen (or typed text that named none) does at the current step."""
    if isinstance(button, PickLanguage) and t.conv.step != Step.LANGUAGE:
        t.set_lang(button.lang)  # the language offered beside the first screen
        show(t, Msg("language-changed"))
        return
    _HANDLERS[t.conv.step](t, button, text)


def _keyword(t: Scratch, typed: str) -> bool:
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


# --- handlers: (the button, or None when typed text named no option; the text) ---------------


def _on_language(t: Scratch, button: Button | None, text: str) -> None:
    if not isinstance(button, PickLanguage):
        show(t)  # the bilingual prompt is the whole explanation
        return
    t.set_lang(button.lang)
    _after_language(t)


def _not_served(t: Scratch, text: str) -> bool:
    """A town the bot does not serve ("Бишкек"): say which cities take part. Checked before
    typo-tolerant matching, so "Кара-Көл" never becomes Karakol."""
    if normalise(text) not in {normalise(w) for w in t.world.words["not_served"]}:
        return False
    cities = ", ".join(city.name(t.lang) for city in t.world.cities.values())
    show(t, Msg("city-not-served", {"city": text[:40], "cities": cities}))
    return True


def _on_city(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    if not isinstance(button, PickCity):
        show(t, Msg("not-understood"))
        return
    if button.city != c.city:
        c.city, c.district, c.district_chosen, c.places = button.city, None, False, []
    go(t, Step.DISTRICT)


def _on_district(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    city = t.city
    assert city is not None
    match button:
        case PickDistrict(district=did):
            c.district, c.district_chosen, c.places = did, True, []
            t.move_answer_here()
            go(t, Step.REVIEW if t.answered else Step.PROBLEMS)
        case Do(action=Action.CHANGE_CITY):
            go(t, Step.CITY)
        case Do(action=Action.BACK):
            c.places = []
            go(t, Step.DISTRICT)
        case _:
            named = places.districts_named(city, text) if text else []
            if len(named) == 1:
                _on_district(t, PickDistrict(named[0]), "")
            elif named:
                c.places = named  # a street in several districts: the resident picks
                go(t, Step.DISTRICT)
            else:
                show(t, Msg("not-understood"))


def _confirm(t: Scratch) -> None:
    """The review is right: the list was saved all along; ask about invitations once."""
    c = t.conv
    c.pending, c.sure, c.suggestions, c.group, c.page, c.slot = None, None, [], None, 0, None
    if t.s.profile.subscribed is None:
        go(t, Step.SUBSCRIBE, Msg("saved"))
    else:
        subscribed = "yes" if t.s.profile.subscribed else "no"
        go(t, Step.DONE, Msg("saved"), Msg("thanks", {"subscribed": subscribed}))


def _on_review(t: Scratch, button: Button | None, text: str) -> None:
    if button == Do(Action.CONFIRM):
        _confirm(t)
    else:
        problems.on_review(t, button, text)


def _on_subscribe(t: Scratch, button: Button | None, text: str) -> None:
    if not isinstance(button, Subscribe):
        show(t, Msg("not-understood"))
        return
    t.set_subscribed(button.on)
    go(t, Step.DONE, Msg("thanks", {"subscribed": "yes" if button.on else "no"}))


def _on_done(t: Scratch, button: Button | None, text: str) -> None:
    match button:
        case Do(action=Action.EDIT):
            _edit(t)
        case Do(action=Action.RESULTS):
            show(t, *_results(t))
        case Subscribe(on=value):
            _subscription(t, value)
        case _:
            show(t, Msg("already-answered"))


def _on_forget(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    if button == Do(Action.FORGET):
        t.render_lang = t.lang
        t.effects.append(Forget())
        t.s = Session()
        t.say(Msg("forgotten"))
    elif button == Do(Action.KEEP):
        c.step, c.resume = c.resume or Step.DONE, None
        _repair(t)
        show(t, Msg("forget-cancelled"))
    else:
        show(t, Msg("not-understood"))


_HANDLERS: dict[Step, Callable[[Scratch, Button | None, str], None]] = {
    Step.LANGUAGE: _on_language,
    Step.CITY: _on_city,
    Step.DISTRICT: _on_district,
    Step.PROBLEMS: problems.on_problems,
    Step.GROUPS: problems.on_groups,
    Step.GROUP: problems.on_group,
    Step.SUGGEST: problems.on_suggest,
    Step.REVIEW: _on_review,
    Step.ITEM: problems.on_item,
    Step.SUBSCRIBE: _on_subscribe,
    Step.DONE: _on_done,
    Step.FORGET: _on_forget,
}
