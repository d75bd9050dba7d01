"""Which survey round a desk page shows: ?round= checked against the city's rounds (as the
CLI's --round is), and the round named on the public page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.requests import Request

from flows.catalogue import Lang
from flows.rounds import NO_ROUND, RoundView, display_date
from storage.base import Store


def round_param(asked: str) -> int | None:
    """?round=N: ASCII digits only ("²".isdigit() is true, and int() refuses it)."""
    return int(asked) if re.fullmatch(r"[0-9]{1,9}", asked) else None


def round_query(request: Request) -> str:
    """ "&round=N" when a round is being looked at: the downloads are of the same round."""
    chosen = round_param(request.query_params.get("round", ""))
    return "" if chosen is None else f"&round={chosen}"


def round_dates(view: RoundView) -> str:
    """A round's days as the desk shows them: DD.MM.YYYY – DD.MM.YYYY."""
    return f"{display_date(view.starts_on)} – {display_date(view.ends_on)}"


class NoSuchRound(LookupError):
    """?round= names no round of the city (or is no round number at all)."""


async def checked_round(store: Store, city: str, asked: str) -> int | None:
    """The round ?round= asks for: None when not given (the current one), 0 (answers from
    before rounds) or one of the city's rounds, as `citybot export --round` accepts; anything
    else (999999, abc, -1) raises NoSuchRound, never an empty ranking or file."""
    if asked == "":
        return None
    chosen = round_param(asked)
    if chosen is None:
        raise NoSuchRound(asked)
    if chosen != NO_ROUND and chosen not in {r.id for r in await store.rounds(city)}:
        raise NoSuchRound(asked)
    return chosen


@dataclass(frozen=True, slots=True)
class PublicRound:
    """The round the public page's ranking is of, named as the desk's city page names it."""

    id: int | None  # None: the city never had rounds (its answers, unnamed)
    title: str = ""
    dates: str = ""  # "" for the answers from before rounds


async def public_round(store: Store, city: str, lang: Lang, before: str) -> PublicRound:
    """The round reports show by default (storage: the latest that has begun; none begun yet:
    round 0, before rounds), named; the page reads its ranking for exactly this id."""
    if not await store.rounds(city):
        return PublicRound(None)
    current = await store.current_round(city)
    if current is None:
        return PublicRound(NO_ROUND, before)
    return PublicRound(current.id, current.title(lang), round_dates(current))
