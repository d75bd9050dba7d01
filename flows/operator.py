"""What an operator asks of the bot from the command line, decided like the chat (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flows.announce import announcement_msg, create, parse_local
from flows.catalogue import LANGS, Lang
from flows.effects import AcceptTheme, CancelAnnouncement, OperatorEffect
from flows.facts import Facts, Needs
from flows.rounds import CloseRound, RoundEffect, open_round
from flows.session import CreateAnnouncement, Msg
from flows.world import World


@dataclass(frozen=True, slots=True)
class Announce:
    """`citybot announce`: texts per field and language, times as typed ("dd.mm.yyyy hh:mm"
    in the city's time zone). `confirmed`: create it; else only the preview."""

    city: str
    texts: Mapping[str, Mapping[str, str]]  # "title" | "place" | "agenda" -> lang -> text
    when: str
    at: str | None = None
    reminder: str | None = None
    only: Lang | None = None
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class Cancel:
    """`citybot broadcasts --cancel ID`."""

    announcement_id: int


@dataclass(frozen=True, slots=True)
class RoundOpen:
    """`citybot round open`: titles per language, days as typed (DD.MM.YYYY, city-local)."""

    city: str
    title_ru: str
    title_ky: str
    starts: str
    ends: str


@dataclass(frozen=True, slots=True)
class RoundClose:
    """`citybot round close`."""

    city: str


@dataclass(frozen=True, slots=True)
class ThemeAccept:
    """`citybot themes --accept THEME --id ID --ru .. --ky ..`: the theme's normalised
    wordings (as `citybot themes` grouped them) become the city's new category `category_id`."""

    city: str
    category_id: str
    ru: str
    ky: str
    wordings: tuple[str, ...]


Request = Announce | Cancel | RoundOpen | RoundClose | ThemeAccept

CATEGORY_ID = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
TITLE_MAX = 60  # characters of an accepted category's name (room for the ranking's lines)


@dataclass(frozen=True, slots=True)
class OperatorTurn:
    """A decision: the effects to store, or the problem (a message id with its arguments);
    `preview`: what each language's residents will read; `recipients`: per channel."""

    effects: tuple[OperatorEffect | RoundEffect, ...] = ()
    problem: Msg | None = None
    preview: dict[str, Msg] = field(default_factory=dict)
    recipients: Mapping[str, int] = field(default_factory=dict)


def needs(request: Request, world: World) -> Needs:
    if isinstance(request, Announce) and request.city in world.cities:
        return Needs(subscribers=request.city)
    return Needs()


def step(request: Request, world: World, facts: Facts, now: datetime) -> OperatorTurn:
    if isinstance(request, Cancel):
        return OperatorTurn((CancelAnnouncement(request.announcement_id),))
    city = world.cities.get(request.city)
    if city is None:
        return OperatorTurn(problem=Msg("operator-unknown-city", {"city": request.city}))
    if isinstance(request, RoundClose):
        return OperatorTurn((CloseRound(city.id),))
    if isinstance(request, ThemeAccept):
        return _accept(request, world)
    if isinstance(request, RoundOpen):
        made = open_round(
            city,
            {"ru": request.title_ru, "ky": request.title_ky},
            request.starts,
            request.ends,
            now,
        )
        return OperatorTurn(problem=made) if isinstance(made, Msg) else OperatorTurn((made,))
    moments = {}
    for name, typed in (("when", request.when), ("at", request.at), ("reminder", request.reminder)):
        if typed is None:
            continue
        moment = parse_local(typed, city)
        if moment is None:
            return OperatorTurn(problem=Msg("announce-bad-time", {"field": name, "text": typed}))
        moments[name] = moment
    made = create(
        city,
        moments["when"],
        request.texts,
        request.only,
        moments.get("at", now),
        moments.get("reminder"),
        now,
    )
    if isinstance(made, Msg):
        return OperatorTurn(problem=made)
    preview = _preview(made, request.only)
    recipients = dict(facts.subscribers or {})
    effects: tuple[OperatorEffect, ...] = (made,) if request.confirmed else ()
    return OperatorTurn(effects, None, preview, recipients)


def _preview(made: CreateAnnouncement, only: Lang | None) -> dict[str, Msg]:
    """The text each language's residents will see."""
    langs = [only] if only else list(LANGS)
    return {lang: announcement_msg(made.content, lang)[1] for lang in langs}


def _accept(request: ThemeAccept, world: World) -> OperatorTurn:
    """A theme accepted as a new category of the city, or the problem with the request."""
    cid = request.category_id
    if not CATEGORY_ID.match(cid):
        return OperatorTurn(problem=Msg("themes-accept-bad-id", {"id": cid}))
    if world.catalogue.category(cid) is not None or world.shown[request.city].get(cid):
        return OperatorTurn(problem=Msg("themes-accept-taken", {"id": cid}))
    for lang, title in (("ru", request.ru.strip()), ("ky", request.ky.strip())):
        if not 1 <= len(title) <= TITLE_MAX:
            return OperatorTurn(problem=Msg("themes-accept-bad-title", {"lang": lang}))
    if not request.wordings:
        return OperatorTurn(problem=Msg("themes-accept-empty", {}))
    effect = AcceptTheme(
        request.city, cid, request.ru.strip(), request.ky.strip(), request.wordings
    )
    return OperatorTurn((effect,))
