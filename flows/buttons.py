"""Button data of every flow: one class per kind, packed with the number of the screen it was
on (survey, an admin's announcement draft, a working group's review)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import ClassVar

from flows.catalogue import LANGS, Lang

# "<screen>.<kind>:<argument>": ASCII, at most 64 bytes (Telegram's callback_data limit);
# ids are [a-z][a-z0-9_]{0,31}, so every packed button fits with room to spare.
_PACKED = re.compile(r"^(\d{1,15})\.([A-Za-z]):([A-Za-z0-9_\-]{0,46})$")
MAX_DATA = 64


class Action(StrEnum):
    """Controls without an argument of their own."""

    MORE = "more"  # next page of a group
    BACK = "back"
    OTHERS = "others"  # "other topics": the catalogue's groups
    DONE = "done"  # the list is complete: to the review
    OWN = "own"  # the typed words as they are, in no category ("own words")
    ALSO = "also"  # the typed line named a second problem: add it too
    DROP = "drop"  # the typed words are not a problem: off the list
    RETAG = "retag"  # the category chosen for typed words is wrong: choose another
    ADD = "add"  # add another problem (from the review)
    CONFIRM = "ok"  # the review is right
    CHANGE_CITY = "city"
    CHANGE_DISTRICT = "district"
    UP = "up"
    DOWN = "down"
    REPLACE = "replace"
    REMOVE = "remove"
    RESULTS = "results"
    EDIT = "edit"
    FORGET = "forget"  # yes, delete everything
    KEEP = "keep"  # no, keep (my data; typed words as they are placed now)
    CONTINUE = "continue"  # after a reminder: show where I was


class Button:
    """Base of every button kind; `kind` is its one-letter tag in packed data."""

    kind: ClassVar[str]

    def argument(self) -> str:
        raise NotImplementedError

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        raise NotImplementedError


class _OneText(Button):
    """A button whose argument is its one text field, as it is; `accepts` says which texts
    may be one (any non-empty text unless a kind says more)."""

    accepts: ClassVar[Callable[[str], object]] = bool

    def argument(self) -> str:
        return str(getattr(self, fields(self)[0].name))  # type: ignore[arg-type]

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        return cls(argument) if cls.accepts(argument) else None  # type: ignore[call-arg]


@dataclass(frozen=True, slots=True)
class PickLanguage(_OneText):
    kind: ClassVar[str] = "L"
    accepts = LANGS.__contains__
    lang: Lang


@dataclass(frozen=True, slots=True)
class PickCity(_OneText):
    kind: ClassVar[str] = "c"
    city: str


@dataclass(frozen=True, slots=True)
class PickDistrict(Button):
    kind: ClassVar[str] = "d"
    district: str | None  # None: "I don't know"

    def argument(self) -> str:
        return self.district or "-"

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        return cls(None if argument == "-" else argument) if argument else None


@dataclass(frozen=True, slots=True)
class PickCategory(_OneText):
    kind: ClassVar[str] = "p"
    category: str


@dataclass(frozen=True, slots=True)
class OpenGroup(_OneText):
    kind: ClassVar[str] = "g"
    group: str


@dataclass(frozen=True, slots=True)
class PickItem(Button):
    """One problem of the list, by its position (0-based)."""

    kind: ClassVar[str] = "i"
    index: int

    def argument(self) -> str:
        return str(self.index)

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        return cls(int(argument)) if argument.isdigit() and len(argument) < 3 else None


@dataclass(frozen=True, slots=True)
class Subscribe(Button):
    kind: ClassVar[str] = "S"
    on: bool

    def argument(self) -> str:
        return "1" if self.on else "0"

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        return cls(argument == "1") if argument in ("0", "1") else None


@dataclass(frozen=True, slots=True)
class Do(Button):
    kind: ClassVar[str] = "x"
    action: Action

    def argument(self) -> str:
        return self.action.value

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        try:
            return cls(Action(argument))
        except ValueError:
            return None


# --- an admin's announcement draft (flows/announce.py) ---------------------------------------


class DraftAction(StrEnum):
    SEND = "send"  # send now (or confirm the scheduled time)
    AT = "at"  # choose when to send
    REMINDER = "rem"  # add a reminder
    EDIT = "edit"  # the texts again
    CANCEL = "x"


@dataclass(frozen=True, slots=True)
class DraftCity(_OneText):
    kind: ClassVar[str] = "C"
    city: str


@dataclass(frozen=True, slots=True)
class DraftLangs(Button):
    """Both languages (None), or one language for everyone."""

    kind: ClassVar[str] = "N"
    only: Lang | None

    def argument(self) -> str:
        return self.only or "both"

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        if argument == "both":
            return cls(None)
        return cls(argument) if argument in LANGS else None  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class DraftDo(Button):
    kind: ClassVar[str] = "a"
    action: DraftAction

    def argument(self) -> str:
        return self.action.value

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        try:
            return cls(DraftAction(argument))
        except ValueError:
            return None


# --- a working group's review of own words (flows/review.py) ---------------------------------
# Bound to the wording (a short hash of it), not to a screen: a tap on a wording placed
# meanwhile (a double tap, another reviewer) finds it gone and does nothing.

_TAG = re.compile(r"^[0-9a-f]{10}$")


def _tagged(argument: str) -> tuple[str, str] | None:
    tag, _, rest = argument.partition("-")
    return (tag, rest) if _TAG.match(tag) else None


@dataclass(frozen=True, slots=True)
class ReviewPlace(Button):
    """Place the wording into a category."""

    kind: ClassVar[str] = "r"
    tag: str
    category: str

    def argument(self) -> str:
        return f"{self.tag}-{self.category}"

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        found = _tagged(argument)
        return cls(*found) if found and found[1] else None


@dataclass(frozen=True, slots=True)
class ReviewPage(Button):
    """Every category of the city, a page at a time."""

    kind: ClassVar[str] = "P"
    tag: str
    page: int

    def argument(self) -> str:
        return f"{self.tag}-{self.page}"

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        found = _tagged(argument)
        ok = found and found[1].isdigit() and len(found[1]) < 3
        return cls(found[0], int(found[1])) if ok and found else None


@dataclass(frozen=True, slots=True)
class ReviewKeep(_OneText):
    """Keep the wording as own words (not asked again)."""

    kind: ClassVar[str] = "k"
    accepts = _TAG.fullmatch
    tag: str


@dataclass(frozen=True, slots=True)
class ReviewSkip(_OneText):
    """The next wording; this one comes back later."""

    kind: ClassVar[str] = "s"
    accepts = _TAG.fullmatch
    tag: str


# --- a working group's review of similar answers together (flows/review.py, flows/themes.py) --
# Bound to the theme (a short hash of its most frequent wording), like a wording's buttons.


class ThemeOp(StrEnum):
    OPEN = "open"  # show the theme (from a wording of it)
    KEEP = "keep"  # keep every answer of it as own words
    SKIP = "skip"  # the next theme
    BACK = "back"  # back to one wording at a time


@dataclass(frozen=True, slots=True)
class ThemeDo(Button):
    kind: ClassVar[str] = "o"
    tag: str
    op: ThemeOp

    def argument(self) -> str:
        return f"{self.tag}-{self.op.value}"

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        found = _tagged(argument)
        if not found:
            return None
        try:
            return cls(found[0], ThemeOp(found[1]))
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class ThemePlace(Button):
    """Place every answer of the theme into a category (not a ReviewPlace: a wording's taps
    must never take a theme's for their own)."""

    kind: ClassVar[str] = "T"
    tag: str
    category: str

    argument = ReviewPlace.argument
    from_argument = classmethod(ReviewPlace.from_argument.__func__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ThemePage(Button):
    """Every category of the city for the theme, a page at a time."""

    kind: ClassVar[str] = "Q"
    tag: str
    page: int

    argument = ReviewPage.argument
    from_argument = classmethod(ReviewPage.from_argument.__func__)  # type: ignore[attr-defined]


_KINDS: dict[str, type[Button]] = {
    k.kind: k
    for k in (
        PickLanguage,
        PickCity,
        PickDistrict,
        PickCategory,
        OpenGroup,
        PickItem,
        Subscribe,
        Do,
        DraftCity,
        DraftLangs,
        DraftDo,
        ReviewPlace,
        ReviewPage,
        ReviewKeep,
        ReviewSkip,
        ThemeDo,
        ThemePlace,
        ThemePage,
    )
}
assert len(_KINDS) == 18, "two button kinds share a letter"


def pack(button: Button, screen: int) -> str:
    """The callback data (or WhatsApp payload) of a button shown on `screen`."""
    data = f"{screen}.{button.kind}:{button.argument()}"
    if len(data) > MAX_DATA:
        raise ValueError(f"button data over {MAX_DATA} bytes: {data!r}")
    return data


def parse(data: str) -> tuple[int, Button] | None:
    """(screen, button) from packed data; None for anything this code did not pack."""
    found = _PACKED.match(data)
    if found is None:
        return None
    screen, kind, argument = found.groups()
    cls = _KINDS.get(kind)
    button = cls.from_argument(argument) if cls is not None else None
    return None if button is None else (int(screen), button)
