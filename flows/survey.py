"""The resident survey: one pure step per inbound event (see survey.md for the diagram)."""

from __future__ import annotations

from flows import announce, announce_draft, links, round_steps, steps
from flows.buttons import Action, Button, Do, PickLanguage, Subscribe, parse
from flows.catalogue import LANGS
from flows.choices import Choice, negated, resolve
from flows.facts import Needs
from flows.screens import answer_lines, build, go, show
from flows.session import (
    MAX_TEXT,
    Inbound,
    Msg,
    Session,
    Step,
    Turn,
    msg_from_data,
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
SURVEY_STEPS = steps.SURVEY_STEPS  # where the reminder finds residents (bot/nudges.py)
# Steps of a survey not yet finished: the one reminder is for residents who stopped here.


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


def needs(session: Session, event: Inbound, world: World) -> Needs:
    """Decided from the state and the event alone, so the data is loaded before the (pure)
    step: a city's counters for /results, the announcements for /announcements, and the
    recipients an admin's announcement would reach while its draft is open."""
    conv = session.conv
    answer = session.answer
    city = answer.city if answer and answer.items else conv.city
    if event.kind == "command" and event.command == "announcements":
        return Needs(announced=city or world.fixed_city)
    if conv.draft is not None or (event.kind == "command" and event.command == "announce"):
        # The preview counts recipients; which city is known only to the draft (or, at its
        # start, to the admin's role): every city the sender administers is cheap to count.
        admin = world.admin_cities(event.sender)
        drafting = conv.draft.city if conv.draft is not None else None
        chosen = drafting or (admin[0] if len(admin) == 1 else None)
        return Needs(subscribers=chosen) if chosen else Needs()
    wants_results = event.kind == "command" and event.command == "results"
    if event.kind == "text":
        # At the end "результаты" / the number of its option: loading a city's counters is
        # cheap, parsing the words twice is not worth it.
        wants_results = conv.step in (Step.DONE, Step.PAUSED)
    if event.kind == "choice":
        parsed = parse(event.choice)
        wants_results = parsed is not None and parsed[1] == Do(Action.RESULTS)
    return Needs(tallies=city) if wants_results and city else Needs()


def step(session: Session, event: Inbound, world: World, facts: Facts | None = None) -> Turn:
    """Advance the conversation by one inbound event; a changed list is saved in the survey
    round its city is in (flows/round_steps.py)."""
    return round_steps.stamp(_step(session, event, world, facts), session, world, event.now)


def _step(session: Session, event: Inbound, world: World, facts: Facts | None) -> Turn:
    t = Scratch.start(session, event, world, facts or Facts())
    if event.kind == "choice" and session == Session():
        # A tap from nobody we know: someone who deleted their data tapping an old button
        # (or a double tap on "delete everything"). Nothing is stored for them.
        if event.editable:
            t.notice = Msg("forgotten-tap")
        else:
            t.say(Msg("forgotten"))
        return t.finish()
    steps.repair(t)
    if event.kind == "system":
        steps.system(t, event.command)
        return t.finish()
    if t.s.profile.lang is None and event.lang_hint in LANGS:
        # Telegram told us the resident's language: use it, offer the other one in one tap.
        t.set_lang(event.lang_hint)  # type: ignore[arg-type]
        if t.conv.step == Step.LANGUAGE:
            if event.kind == "command" and event.command == "start":
                steps.preset(t, event.text)
            elif event.kind == "text":
                steps.preset(t, links.find_tagged(event.text) or "")
            steps.after_language(t, guessed=True)
            if event.kind != "command" or event.command == "start":
                return t.finish()
    if t.s.profile.lang is not None and _announcing(t, event):
        return t.finish()
    if event.kind == "media":
        steps.media(t, event)
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
        outcome = announce_draft.start(t.world, event, t.lang, t.facts)
    elif t.conv.draft is not None and (
        event.kind == "choice" or (event.kind == "text" and not event.text.startswith("/"))
    ):
        draft = t.conv.draft.model_copy(deep=True)
        outcome = announce_draft.step(t.world, draft, event, t.lang, t.facts)
    else:
        return False
    t.replies.extend(outcome.replies)
    t.effects.extend(outcome.effects)
    t.conv.draft = None if outcome.finished else outcome.draft
    if outcome.finished:
        show(t)  # back where the survey was
    return True


def _command(t: Scratch, command: str, argument: str = "") -> None:
    c = t.conv
    if command == "whoami":
        # For the city file (admins, working-group members): the numeric id, in a private
        # chat, before anything else (a new admin need not take the survey first). Not in
        # the menu: it is for the people who run the bot.
        _, _, own_id = t.event.sender.partition(":")
        t.say(Msg("whoami", {"id": own_id}))
        if t.s.profile.lang is None:
            go(t, Step.LANGUAGE)
        else:
            show(t)
        return
    if t.s.profile.lang is None and command not in ("language", "forget"):
        if command == "start":
            steps.preset(t, argument.strip())
        go(t, Step.LANGUAGE)  # nothing else can be said before the language is known
        return
    kept: list[Msg] = []  # (typed words never wait: they are on the list already)
    if command == "start":
        steps.preset(t, argument.strip())
        if c.step == Step.DONE:
            show(t, *kept, Msg("welcome-back"))
        else:
            if c.step in (Step.CITY, Step.DISTRICT):
                c.step = steps.first_step(t)  # a link may have answered these
            show(t, *kept, Msg("continue"))
    elif command == "my":
        if c.step in (Step.REVIEW, Step.ITEM):
            go(t, Step.REVIEW, *kept)  # the review is the list, with what can be done to it
        else:
            steps.beside_step(t, *kept, *(answer_lines(t) if t.answered else [Msg("my-none")]))
    elif command == "edit":
        steps.edit(t, *kept)
    elif command == "results":
        steps.beside_step(t, *kept, *steps.results(t))
    elif command == "language":
        if c.step == Step.FORGET:
            c.step, c.resume = c.resume or Step.DONE, None  # the deletion question is dropped
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
        place = t.world.cities.get(city or t.world.fixed_city or "")
        now = t.event.now
        announced = t.facts.announced or ()
        if now is None or place is None:
            t.say(Msg("announcements-none"))
        else:
            t.say(*announce.upcoming_parts(announced, place, now, t.lang))
        show(t)
    else:
        show(t, Msg("unknown-command", {"command": command[:32]}), Msg("help"))


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
        # A double tap: the first one acted. The message is drawn again as the current step
        # (Telegram ignores an identical edit), so a message whose edit was lost in a crash
        # after the commit is repaired by the next tap instead of staying stuck.
        t.notice = Msg("tap-done")
        t.edit = True
        show(t, *(msg_from_data(m) for m in c.lead), offer=c.offer, again=True)
        return
    show(t, Msg("stale-button"))


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
    if tagged and not t.answered and steps.preset(t, tagged):
        # A poster's prefilled WhatsApp text: its city and district are answered.
        if t.conv.step == Step.LANGUAGE:
            show(t)
        else:
            t.conv.step = steps.first_step(t)
            show(t, Msg("intro"), *steps.preset_lines(t))
        return
    if _keyword(t, normalise(text)):
        return
    if t.conv.step == Step.CITY and steps.not_served(t, text):
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
    steps.HANDLERS[t.conv.step](t, button, text)


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
            steps.subscription(t, True)
    elif said("keyword_help"):
        _command(t, "help")
    else:
        return False
    return True
