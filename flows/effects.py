"""What working-group and operator decisions ask storage to do (residents' effects: session.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flows.catalogue import Lang
from flows.session import CreateAnnouncement


@dataclass(frozen=True, slots=True)
class BindGroup:
    """Bind the chat to a city's working group (a re-bind moves it: only an admin of both)."""

    city: str
    lang: Lang


@dataclass(frozen=True, slots=True)
class UnbindGroup:
    """The chat is no longer a working group (its summaries stop)."""


@dataclass(frozen=True, slots=True)
class SetGroupLanguage:
    lang: Lang


@dataclass(frozen=True, slots=True)
class PlaceWording:
    """A reviewer placed residents' own words into a category (or kept them as own words:
    category "other"): the items move, counters follow, the city's matcher learns the wording.

    `items`: (answer id, rank) of the answers that said it, as loaded for the decision; an item
    whose answer changed since stays where it is."""

    city: str
    wording: str  # normalised (flows.text.normalise)
    category: str
    reviewer: int  # the working-group member's Telegram user id (not a resident)
    items: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class MoveChat:
    """Telegram upgraded the group to a supergroup: binding, summaries follow the new id."""

    new_chat_id: int


GroupEffect = BindGroup | UnbindGroup | SetGroupLanguage | PlaceWording | MoveChat


@dataclass(frozen=True, slots=True)
class CancelAnnouncement:
    """Cancel a scheduled announcement and its reminder (nothing once it started sending)."""

    announcement_id: int


@dataclass(frozen=True, slots=True)
class AcceptTheme:
    """An admin accepted a growing theme of own words as a new category of the city
    (`citybot themes --accept`): the category is stored, the current `other` items whose
    normalised wording (flows.text.normalise(mask_phones(text))) is one of `wordings` move
    into it (never into an answer that already names it), counters follow, and each wording
    is learned as that category (as PlaceWording, by reviewer 0: the operator)."""

    city: str
    category_id: str
    ru: str
    ky: str
    wordings: tuple[str, ...]


# An operator (the CLI) creates announcements with the same effect the chat's admins use.
OperatorEffect = CreateAnnouncement | CancelAnnouncement | AcceptTheme
