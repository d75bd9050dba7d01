"""Survey rounds (one per budget cycle): what a round is, its state on a day, its effects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from flows.catalogue import LANGS, City, Lang

if TYPE_CHECKING:
    from flows.session import Msg

# Answers given in a city that never opened a round belong to round 0 ("before rounds"): such
# a city is always open, exactly as before rounds existed.
NO_ROUND = 0

RoundState = Literal["open", "closed"]


class RoundView(BaseModel):
    """A round as decisions see it (loaded with every session, one per city that has rounds:
    the open one, else the latest closed). Dates are the city's local days, ISO (YYYY-MM-DD)."""

    id: int
    city: str
    title_ru: str
    title_ky: str
    starts_on: str
    ends_on: str
    state: RoundState
    opened_at: str = ""  # UTC, ISO (as stored)
    closed_at: str | None = None
    starts_at: str = ""  # UTC, ISO: when starts_on begins in the city

    def title(self, lang: Lang) -> str:
        return self.title_ky if lang == "ky" else self.title_ru


Phase = Literal["always", "open", "before", "after", "closed"]


def phase(view: RoundView | None, today: date) -> Phase:
    """Where a city stands on its local `today`: "always" (it never had a round: answers are
    taken as before rounds existed), "open" (inside the open round's dates), "before" (a round
    is opened for dates still ahead: scheduled), "after" (the open round's last day passed and
    nobody closed it yet) or "closed" (its latest round was closed, none is open)."""
    if view is None:
        return "always"
    if view.state == "closed":
        return "closed"
    if today < date.fromisoformat(view.starts_on):
        return "before"
    if today > date.fromisoformat(view.ends_on):
        return "after"
    return "open"


def local_day(now: datetime, tz: str) -> date:
    """The city's calendar day at `now`."""
    return now.astimezone(ZoneInfo(tz)).date()


def answering_round(view: RoundView | None, today: date) -> int | None:
    """The round an answer given `today` belongs to; None when the city takes no answers."""
    current = phase(view, today)
    if current == "always":
        return NO_ROUND
    if current == "open":
        assert view is not None
        return view.id
    return None


def display_date(iso_day: str) -> str:
    """A stored day as residents and operators read it: DD.MM.YYYY."""
    return date.fromisoformat(iso_day).strftime(DATE_FORMAT)


# --- operator and working-group effects (committed by the store's commit_operator) ---------


@dataclass(frozen=True, slots=True)
class OpenRound:
    """Open a round in the city (refused by the store when one is open: one at a time)."""

    city: str
    title_ru: str
    title_ky: str
    starts_on: str  # ISO day, city-local
    ends_on: str
    starts_at: datetime  # the instant starts_on begins in the city (reports show it from then)
    # The invitation to residents of earlier rounds (an announcement's content, the store adds
    # "round_id"), sent at `invite_at` by the broadcast engine; None: nobody is invited.
    invitation: Mapping[str, object] | None = None
    invite_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CloseRound:
    """Close the city's open round (nothing when none is open)."""

    city: str


RoundEffect = OpenRound | CloseRound


DATE_FORMAT = "%d.%m.%Y"
INVITE_TIME = time(10)  # local time of a round's invitation on its first day
MAX_TITLE = 120


def parse_day(text: str) -> date | None:
    """DD.MM.YYYY as typed (the city's calendar day); None when it is not that."""
    try:
        return datetime.strptime(text.strip(), DATE_FORMAT).date()
    except ValueError:
        return None


def open_round(
    city: City, titles: Mapping[str, str], starts: str, ends: str, now: datetime
) -> OpenRound | Msg:
    """The one place for "a round may be opened so": titles in both languages, days as
    DD.MM.YYYY, in order, not over before it opens (shared by the CLI and the chat). Whether
    one is open already is the store's to refuse (RoundAlreadyOpen), in the same transaction."""
    from flows.session import Msg  # here: session.py imports this module

    missing = [lang for lang in LANGS if not (titles.get(lang) or "").strip()]
    if missing:
        return Msg("round-missing-title", {"langs": " ".join(missing)})
    long = [lang for lang in LANGS if len(titles[lang].strip()) > MAX_TITLE]
    if long:
        return Msg("round-title-too-long", {"lang": long[0], "limit": MAX_TITLE})
    days: dict[str, date] = {}
    for name, typed in (("starts", starts), ("ends", ends)):
        day = parse_day(typed)
        if day is None:
            return Msg("round-bad-date", {"field": name, "text": typed})
        days[name] = day
    if days["ends"] < days["starts"]:
        return Msg("round-bad-order", {})
    if days["ends"] < local_day(now, city.timezone):
        return Msg("round-over", {"ends": days["ends"].strftime(DATE_FORMAT)})
    zone = ZoneInfo(city.timezone)
    begins = datetime.combine(days["starts"], time(0), tzinfo=zone)
    # The invitation goes out at 10:00 on the first day, not at midnight when the round
    # begins: it wakes nobody (or at once, when the admin opens the round later that day).
    invite = datetime.combine(days["starts"], INVITE_TIME, tzinfo=zone).astimezone(UTC)
    title = {lang: titles[lang].strip() for lang in LANGS}
    invitation: dict[str, object] = {
        "title": title,
        "city_name": {"ru": city.ru, "ky": city.ky},
        "starts": days["starts"].strftime(DATE_FORMAT),
        "ends": days["ends"].strftime(DATE_FORMAT),
    }
    return OpenRound(
        city.id,
        title["ru"],
        title["ky"],
        days["starts"].isoformat(),
        days["ends"].isoformat(),
        begins.astimezone(UTC),
        invitation,
        max(now, invite),
    )


class RoundAlreadyOpen(Exception):
    """The city has an open round: a second may be opened only after it is closed. Raised by
    a store when two operators race (the decision refuses the common case before that)."""

    def __init__(self, city: str, title: str) -> None:
        super().__init__(f"round {title!r} of {city} is still open")
        self.city = city
        self.title = title
