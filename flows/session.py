"""What a conversation step reads and returns: session state, inbound events, replies, effects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field

from flows.catalogue import Lang

MAX_PROBLEMS = 5
MAX_TEXT = 300  # longer messages are refused, nothing stored
STATE_VERSION = 1


class Step(StrEnum):
    """Where a resident is; stored, so "how many are stuck at district?" is one query."""

    LANGUAGE = "language"
    CITY = "city"
    DISTRICT = "district"
    PROBLEMS = "problems"  # the group menu with the list so far
    GROUP = "group"  # the categories of one group
    SUGGEST = "suggest"  # typed text placed into a category: accept or keep own words
    REVIEW = "review"
    SUBSCRIBE = "subscribe"
    DONE = "done"  # answered; commands and "change" lead on from here
    FORGET = "forget"  # asked to confirm deletion


# --- state ----------------------------------------------------------------------------------


class Item(BaseModel):
    """One named problem: a category id and, when typed, the resident's own words."""

    category: str
    text: str | None = None


class Answer(BaseModel):
    """The resident's current confirmed answer (storage keeps older versions for audit)."""

    version: int
    city: str
    district: str | None
    items: list[Item]


class Profile(BaseModel):
    lang: Lang | None = None
    # None: never asked; announcements go only to residents who said yes.
    subscribed: bool | None = None


class Draft(BaseModel):
    """An admin's announcement being composed (flows/announce.py); texts per language."""

    stage: str = "city"
    city: str | None = None
    only: Lang | None = None  # one language for everyone; None: both
    langs_done: list[str] = Field(default_factory=list)  # of the current field
    title: dict[str, str] = Field(default_factory=dict)
    place: dict[str, str] = Field(default_factory=dict)
    agenda: dict[str, str] = Field(default_factory=dict)
    when: str | None = None  # the hearing, "dd.mm.yyyy hh:mm" in the city's time zone
    at: str | None = None  # send at (same format); None: now
    reminder: str | None = None


class Conversation(BaseModel):
    """The serialised, versioned part of the session: the step and the unconfirmed draft."""

    v: int = STATE_VERSION
    step: Step = Step.LANGUAGE
    city: str | None = None
    district: str | None = None
    district_chosen: bool = False  # "don't know" is a choice too (district None)
    items: list[Item] = Field(default_factory=list)
    group: str | None = None
    page: int = 0
    pending: str | None = None  # typed problem awaiting "accept the category or keep my words"
    suggestions: list[str] = Field(default_factory=list)
    resume: Step | None = None  # where to go back after /language or a cancelled /forget
    draft: Draft | None = None  # an admin composing an announcement (beside the survey)


class Session(BaseModel):
    """Everything a step may read: built by storage from its tables on every turn."""

    profile: Profile = Field(default_factory=Profile)
    answer: Answer | None = None
    conv: Conversation = Field(default_factory=Conversation)


# --- inbound ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing the resident did, with every channel type stripped away.

    kind: "text" (typed), "choice" (a tapped button's code), "command" ("/start" -> "start"),
    "media" (sticker, photo, voice... `media` says which).
    """

    kind: Literal["text", "choice", "command", "media"]
    text: str = ""
    choice: str = ""
    command: str = ""
    media: str = ""
    # The platform's idea of the resident's language (Telegram language_code), used once.
    lang_hint: str | None = None
    # Filled by the service, not the channel: "tg:<id>" / "wa:<number>" (admin checks) and
    # the time of the message (announcement dates must be in the future).
    sender: str = ""
    now: datetime | None = None


# --- outbound --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Msg:
    """A localised message id with its arguments (a nested Msg is rendered first)."""

    id: str
    args: dict[str, str | int | Msg] = field(default_factory=dict)


class Option(NamedTuple):
    """A button, or a numbered line where buttons do not exist.

    `code` is short ASCII (Telegram callback_data); `label` is a message or literal data text
    (a city or category name already picked in the resident's language).
    """

    code: str
    label: Msg | str


@dataclass(frozen=True, slots=True)
class Reply:
    """One outgoing message: paragraphs (joined by newlines) and options."""

    parts: tuple[Msg, ...]
    options: tuple[Option, ...] = ()
    columns: int = 1
    lang: Lang | None = None  # render in this language, not the turn's (a preview)


# --- effects (storage applies them in the same transaction as the new state) ----------------


@dataclass(frozen=True, slots=True)
class SetLanguage:
    lang: Lang


@dataclass(frozen=True, slots=True)
class SetSubscribed:
    subscribed: bool


@dataclass(frozen=True, slots=True)
class SaveAnswer:
    """A confirmed answer: becomes the current one; the previous version stays in history."""

    answer: Answer


@dataclass(frozen=True, slots=True)
class Forget:
    """Delete everything stored about the resident (answers, history, state, profile)."""


@dataclass(frozen=True, slots=True)
class CreateAnnouncement:
    """An admin confirmed an announcement: stored (and later sent) with its reminder."""

    city: str
    content: dict[str, object]
    send_at: datetime
    reminder_at: datetime | None = None


Effect = SetLanguage | SetSubscribed | SaveAnswer | Forget | CreateAnnouncement


@dataclass(frozen=True, slots=True)
class Turn:
    """The result of one step."""

    session: Session
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()
    lang: Lang = "ru"  # the language to render the replies in
