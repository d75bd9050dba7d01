"""What a conversation step reads and returns: session state, inbound events, replies, effects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import BaseModel, Field

from flows.catalogue import Lang
from flows.rounds import RoundView

if TYPE_CHECKING:
    from flows.summary import CityRanking

MAX_PROBLEMS = 5
MAX_TEXT = 300  # longer messages are refused, nothing stored
STATE_VERSION = 2


class Step(StrEnum):
    """Where a resident is; stored, so "how many are stuck at district?" is one query."""

    LANGUAGE = "language"
    CITY = "city"
    DISTRICT = "district"
    PROBLEMS = "problems"  # the list so far, featured categories, "other topics"
    GROUPS = "groups"  # the catalogue's groups ("other topics")
    GROUP = "group"  # the categories of one group
    SUGGEST = "suggest"  # typed text placed into a category: accept or keep own words
    REVIEW = "review"  # the saved list: confirm, or pick a problem to move/replace/remove
    ITEM = "item"  # one problem picked on the review screen
    SUBSCRIBE = "subscribe"
    DONE = "done"  # answered; commands and "change" lead on from here
    FORGET = "forget"  # asked to confirm deletion
    CARRY = "carry"  # a new survey round: the list of an earlier round offered to keep
    PAUSED = "paused"  # the city has survey rounds and none takes answers now


# --- state ----------------------------------------------------------------------------------


class Item(BaseModel):
    """One named problem: a category id and, when typed, the resident's own words."""

    category: str
    text: str | None = None


class Answer(BaseModel):
    """The resident's list as it stands, saved with every change (storage keeps the older
    versions for audit). An empty list is stored too: it counts for nothing."""

    version: int
    city: str
    district: str | None
    items: list[Item]
    # The survey round it was given in (flows/rounds.py; 0: before rounds / a city without).
    round: int = 0


class Profile(BaseModel):
    lang: Lang | None = None
    # None: never asked; announcements go only to residents who said yes.
    subscribed: bool | None = None


class Draft(BaseModel):
    """An admin's announcement being composed (flows/announce.py); texts per language."""

    stage: str = "city"
    screen: int = 0  # the draft screen on show: its buttons carry the number
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
    """The serialised, versioned part of the session: where the resident is in the flow.

    The list itself is the Answer (saved with every change); this holds only the way there.
    """

    v: int = STATE_VERSION
    step: Step = Step.LANGUAGE
    # Every screen shown gets the next number; its buttons carry it, so a button acts only on
    # the screen it was shown on (double taps, stale and forged buttons do nothing).
    screen: int = 0
    # The first screen number of the message that shows `screen` now: a screen that replaces
    # the tapped one is an edit of the same message, so a second tap on that message is a
    # double tap, while a tap on an older message is a stale button.
    message_from: int = 0
    city: str | None = None
    district: str | None = None
    district_chosen: bool = False  # "don't know" is a choice too (district None)
    group: str | None = None
    page: int = 0
    suggestions: list[str] = Field(default_factory=list)  # categories for the slot's words
    also: str | None = None  # a second problem the same words name: offered to add too
    slot: int | None = None  # the problem being moved, replaced or placed (index into the list)
    refine: bool = False  # placing the slot's own words into a category (they stay with it)
    previous: Item | None = None  # what a typed replacement replaced: back on "not a problem"
    places: list[str] = Field(default_factory=list)  # districts a typed street may mean
    resume: Step | None = None  # where to go back after /language or a cancelled /forget
    offer: Lang | None = None  # the other language, offered on the first screen
    # The lead lines of the latest screen ("added ...", the results), as data: a tap on an
    # earlier screen of the same message redraws exactly what the message should show.
    lead: list[dict[str, Any]] = Field(default_factory=list)
    draft: Draft | None = None  # an admin composing an announcement (beside the survey)
    # Version 1 kept the unconfirmed list here; it is adopted as the answer on first load.
    legacy_items: list[Item] = Field(default_factory=list, alias="items")

    model_config = {"populate_by_name": True}

    def done_with_slot(self) -> None:
        """The problem being worked on is settled: no slot, suggestions or offers remain."""
        self.slot, self.refine, self.previous = None, False, None
        self.also, self.suggestions = None, []


class Session(BaseModel):
    """Everything a step may read: built by storage from its tables on every turn."""

    profile: Profile = Field(default_factory=Profile)
    # The current answer in the round of the resident's city (the open round, else the
    # latest closed one, else round 0).
    answer: Answer | None = None
    conv: Conversation = Field(default_factory=Conversation)
    # Survey rounds, one per city that has any (the open round, else the latest closed one);
    # a city absent here never had a round and takes answers as before rounds existed.
    rounds: dict[str, RoundView] = Field(default_factory=dict)
    # The resident's latest answer of another round (offered to confirm in a new round).
    previous: Answer | None = None
    # The highest answer version stored for the resident in any round: versions are numbered
    # per resident across rounds, so a new round's first answer follows it.
    last_version: int = 0


# --- inbound ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing the resident did, with every channel type stripped away.

    kind: "text" (typed), "choice" (a tapped button's data), "command" ("/start" -> "start",
    its argument in `text`), "media" (sticker, photo, voice... `media` says which; a shared
    location also carries `location`), "system" (not the resident: `command` says what, e.g.
    "nudge", the one reminder to finish the survey).
    """

    kind: Literal["text", "choice", "command", "media", "system"]
    text: str = ""
    choice: str = ""
    command: str = ""
    media: str = ""
    location: tuple[float, float] | None = None  # (latitude, longitude)
    # The platform's idea of the resident's language (Telegram language_code), used once.
    lang_hint: str | None = None
    # The channel can replace the message a tapped button was on (Telegram edits it).
    editable: bool = False
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


def msg_data(msg: Msg) -> dict[str, Any]:
    """A message as JSON-ready data (for a stored conversation)."""
    args = {k: msg_data(v) if isinstance(v, Msg) else v for k, v in msg.args.items()}
    return {"id": msg.id, "args": args}


def msg_from_data(data: dict[str, Any]) -> Msg:
    args = {
        k: msg_from_data(v) if isinstance(v, dict) else v for k, v in data.get("args", {}).items()
    }
    return Msg(str(data.get("id", "")), args)


class Option(NamedTuple):
    """A button, or a numbered line where buttons do not exist.

    `code` is short ASCII (Telegram callback_data); `label` is a message or literal data text
    (a city or category name already picked in the resident's language).
    """

    code: str
    label: Msg | str


@dataclass(frozen=True, slots=True)
class Chart:
    """A picture of the ranking's top problems (rendered by the channel, as a PNG)."""

    ranking: CityRanking


@dataclass(frozen=True, slots=True)
class Spreadsheet:
    """The council's export of a city (its current round): the ranking and every answer, as
    an XLSX file. Named, not carried: the channel streams it from the store when it sends it,
    as `citybot export` and the desk do, so a chat's file is the same file."""

    city: str
    filename: str


Attachment = Chart | Spreadsheet


@dataclass(frozen=True, slots=True)
class Reply:
    """One outgoing message: paragraphs (joined by newlines) and options.

    `rows`: how many buttons each row holds, in order (a list read top to bottom, then short
    buttons side by side); options past them are laid out `columns` to a row.
    """

    parts: tuple[Msg, ...]
    options: tuple[Option, ...] = ()
    columns: int = 1
    rows: tuple[int, ...] = ()
    lang: Lang | None = None  # render in this language, not the turn's (a preview)
    menu: Msg | None = None  # the button that opens a list picker, where a channel has one
    # A file sent with the message (its parts are the caption); working groups only.
    attachment: Attachment | None = None


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
class SetSource:
    """Where the resident came from (a poster's link tag); the first one is kept."""

    source: str


@dataclass(frozen=True, slots=True)
class Nudged:
    """The one reminder to finish the survey went out (not again until they write again)."""


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


Effect = SetLanguage | SetSubscribed | SetSource | SaveAnswer | Nudged | Forget | CreateAnnouncement


@dataclass(frozen=True, slots=True)
class Turn:
    """The result of one step.

    `edit`: the first reply replaces the message the tapped button was on (channels that can
    edit do; the others send it). `notice`: a short note on the tap itself (Telegram shows it
    as a toast), e.g. for a double tap that does nothing.
    """

    session: Session
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()
    lang: Lang = "ru"  # the language to render the replies in
    edit: bool = False
    notice: Msg | None = None
