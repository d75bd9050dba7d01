"""The survey inside and outside survey rounds (pure): whether the resident's city takes
answers today, the earlier round's list offered in a new round, and the round an answer is
saved in."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from flows.buttons import Action, Do, Subscribe
from flows.choices import Choice
from flows.rounds import Phase, RoundView, answering_round, display_date, local_day
from flows.rounds import phase as round_phase
from flows.screens import Screen, problem_lines
from flows.session import Msg, SaveAnswer, Session, Step, Turn
from flows.turn import Scratch
from flows.world import World

# Steps that lead to a changed list: not shown while the city takes no answers.
ANSWERING = (
    Step.DISTRICT,
    Step.PROBLEMS,
    Step.GROUPS,
    Step.GROUP,
    Step.SUGGEST,
    Step.REVIEW,
    Step.ITEM,
    Step.CARRY,
)


def _city_of(t: Scratch) -> str | None:
    answer = t.s.answer
    return t.conv.city or (answer.city if answer else None)


def view_of(session: Session, city: str | None) -> RoundView | None:
    return session.rounds.get(city or "")


def today_in(world: World, city: str | None, now: datetime | None) -> date | None:
    """The city's calendar day at the event (None without a time: pure tests and tools)."""
    place = world.cities.get(city or "")
    if place is None or now is None:
        return None
    return local_day(now, place.timezone)


def phase_at(view: RoundView | None, today: date | None) -> Phase:
    if today is None:  # no clock: the stored state alone decides
        return "always" if view is None else ("open" if view.state == "open" else "closed")
    return round_phase(view, today)


def phase_of(t: Scratch) -> Phase:
    city = _city_of(t)
    return phase_at(view_of(t.s, city), today_in(t.world, city, t.event.now))


def accepting(t: Scratch) -> bool:
    """Whether the resident's city takes answers now (a city without rounds always does)."""
    return phase_of(t) in ("always", "open")


def offers_previous(t: Scratch) -> bool:
    """A new round, no list in it yet, and a list from an earlier round to keep or change."""
    previous = t.s.previous
    return (
        not t.answered
        and previous is not None
        and bool(previous.items)
        and previous.city in t.world.cities
        and phase_of(t) == "open"
    )


# --- screens ---------------------------------------------------------------------------------


def carry_screen(t: Scratch) -> Screen:
    """The earlier round's list, to keep with one tap or to change."""
    w = t.world.words
    view = view_of(t.s, _city_of(t))
    previous = t.s.previous
    assert view is not None and previous is not None
    parts = [
        Msg("round-carry", {"title": view.title(t.lang), "ends": display_date(view.ends_on)}),
        *problem_lines(t, previous.items, previous.city),
        Msg("round-carry-ask"),
    ]
    choices = [
        Choice(Do(Action.CONFIRM), Msg("btn-round-keep"), (*w["confirm"], *w["yes"])),
        Choice(Do(Action.EDIT), Msg("btn-round-change"), w["edit"]),
    ]
    return Screen(parts, choices, 1)


def paused_screen(t: Scratch) -> Screen:
    """Outside a round: when the next one opens, if one is scheduled; results still work."""
    w = t.world.words
    city = t.world.cities.get(_city_of(t) or "")
    view = view_of(t.s, _city_of(t))
    name = city.name(t.lang) if city else ""
    current = phase_of(t)
    if view is not None and current == "before":
        text = Msg(
            "round-before",
            {
                "city": name,
                "title": view.title(t.lang),
                "starts": display_date(view.starts_on),
                "ends": display_date(view.ends_on),
            },
        )
    else:
        title = view.title(t.lang) if view else ""
        text = Msg("round-none", {"city": name, "title": title})
    notice, offer = _notice(t, view if current == "before" else None)
    choices = [Choice(Do(Action.RESULTS), Msg("btn-results"), w["results"])]
    if offer:
        choices.insert(0, Choice(Subscribe(True), Msg("btn-round-notify"), w["subscribe"]))
    if t.world.fixed_city is None:
        choices.append(Choice(Do(Action.CHANGE_CITY), Msg("btn-change-city"), w["change_city"]))
    return Screen([text, notice], choices, 1)


def _notice(t: Scratch, scheduled: RoundView | None) -> tuple[Msg, bool]:
    """How the resident learns that the next round has begun, and whether to offer the
    button: a subscriber gets the round's invitation on its first day; on WhatsApp only
    inside the 24-hour window, so there the resident is asked to look in again instead."""
    if t.event.sender.startswith("wa:"):
        return Msg("round-notify-whatsapp"), False
    if t.s.profile.subscribed:
        return Msg("round-notify-on"), False
    if scheduled is not None:
        return Msg("round-notify-offer-date", {"starts": display_date(scheduled.starts_on)}), True
    return Msg("round-notify-offer"), True


SCREENS = {Step.CARRY: carry_screen, Step.PAUSED: paused_screen}


def adopt_previous(t: Scratch) -> list[Msg]:
    """The earlier round's list becomes this round's (in the city chosen now, if it moved):
    what the city does not show, to tell the resident."""
    previous = t.s.previous
    assert previous is not None
    c = t.conv
    if c.city is None or c.city == previous.city:
        c.city = previous.city
        c.district, c.district_chosen = previous.district, True
    t.set_items(list(previous.items))
    return t.move_answer_here()


# --- the round an answer is saved in --------------------------------------------------------


def stamp(turn: Turn, before: Session, world: World, now: datetime | None) -> Turn:
    """Every SaveAnswer in the round of its city today (versions run on across rounds); one
    the city takes no answers for is dropped, and the session keeps the stored answer."""
    if not any(isinstance(effect, SaveAnswer) for effect in turn.effects):
        return turn
    effects = []
    answer = turn.session.answer
    for effect in turn.effects:
        if not isinstance(effect, SaveAnswer):
            effects.append(effect)
            continue
        saved = effect.answer
        city = saved.city
        round_id = answering_round(
            view_of(before, city), today_in(world, city, now) or _no_clock(before, city)
        )
        if round_id is None:
            answer = before.answer
            continue
        version = max(saved.version, before.last_version + 1)
        saved = saved.model_copy(update={"round": round_id, "version": version})
        effects.append(SaveAnswer(saved))
        answer = saved
    session = turn.session.model_copy(update={"answer": answer})
    return replace(turn, session=session, effects=tuple(effects))


def _no_clock(session: Session, city: str) -> date:
    """Without a clock a round counts by its state alone: a day inside an open round's dates,
    and any day for a closed one (it takes nothing)."""
    view = view_of(session, city)
    return date.fromisoformat(view.starts_on) if view is not None else date.min
