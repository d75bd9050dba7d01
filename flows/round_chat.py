"""`/round` in a working-group chat (pure): the city's survey round for every member with the
summary right; opening and closing for the city's admins (flows/roles.py: Right.ROUNDS)."""

from __future__ import annotations

from collections.abc import Sequence

from flows.catalogue import Lang
from flows.facts import Facts
from flows.roles import Right, may
from flows.rounds import (
    CloseRound,
    RoundEffect,
    RoundView,
    display_date,
    local_day,
    open_round,
)
from flows.rounds import phase as round_phase
from flows.session import Inbound, Msg
from flows.world import World

Said = tuple[tuple[Msg, ...], tuple[RoundEffect, ...]]


def current(rounds: Sequence[RoundView]) -> RoundView | None:
    """The open round, else the latest (rounds come newest first)."""
    return next((r for r in rounds if r.state == "open"), rounds[0] if rounds else None)


def decide(city_id: str, event: Inbound, world: World, facts: Facts, lang: Lang) -> Said:
    """`/round`, `/round close`, `/round open DD.MM.YYYY DD.MM.YYYY Title ru | Title ky`."""
    city = world.cities[city_id]
    if facts.rounds is None:
        return (Msg("error-internal"),), ()  # the rounds were not loaded: say nothing wrong
    view = current(facts.rounds)
    head, _, rest = event.text.strip().partition(" ")
    action = head.casefold()
    if action == "":
        return (_shown(view, city.timezone, city.name(lang), event, lang),), ()
    if action not in ("open", "close"):
        return (Msg("group-round-usage"),), ()
    if not may(world, city_id, event.sender, Right.ROUNDS):
        return (Msg("group-round-admins"),), ()
    open_now = view if view is not None and view.state == "open" else None
    if action == "close":
        if open_now is None:
            return (Msg("group-round-nothing-open"),), ()
        closed = Msg("group-round-closed", {"title": open_now.title(lang)})
        return (closed,), (CloseRound(city_id),)
    if open_now is not None:
        return (Msg("group-round-close-first", {"title": open_now.title(lang)}),), ()
    words = rest.split(maxsplit=2)
    if len(words) < 3 or event.now is None:
        return (Msg("group-round-usage"),), ()
    starts, ends, titles = words
    ru, _, ky = titles.partition("|")
    made = open_round(city, {"ru": ru, "ky": ky}, starts, ends, event.now)
    if isinstance(made, Msg):
        return (made, Msg("group-round-usage")), ()
    opened = Msg(
        "group-round-opened",
        {
            "title": made.title_ky if lang == "ky" else made.title_ru,
            "starts": display_date(made.starts_on),
            "ends": display_date(made.ends_on),
        },
    )
    return (opened,), (made,)


def _shown(view: RoundView | None, tz: str, name: str, event: Inbound, lang: Lang) -> Msg:
    if view is None:
        return Msg("group-round-none", {"city": name})
    if view.state == "open" and event.now is not None:
        phase: str = round_phase(view, local_day(event.now, tz))
    else:
        phase = view.state
    return Msg(
        "group-round-current",
        {
            "city": name,
            "title": view.title(lang),
            "starts": display_date(view.starts_on),
            "ends": display_date(view.ends_on),
            "phase": phase,
        },
    )
