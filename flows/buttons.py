"""Survey button data: one class per kind, packed with the number of the screen it was on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from flows.catalogue import LANGS, Lang

# "<screen>.<kind>:<argument>": ASCII, at most 64 bytes (Telegram's callback_data limit);
# ids are [a-z][a-z0-9_]{0,31}, so every packed button fits with room to spare.
_PACKED = re.compile(r"^(\d{1,15})\.([A-Za-z]):([A-Za-z0-9_\-]{0,40})$")


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


@dataclass(frozen=True, slots=True)
class PickLanguage(Button):
    kind: ClassVar[str] = "L"
    lang: Lang

    def argument(self) -> str:
        return self.lang

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        return cls(argument) if argument in LANGS else None  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class PickCity(Button):
    kind: ClassVar[str] = "c"
    city: str

    def argument(self) -> str:
        return self.city

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        return cls(argument) if argument else None


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
class PickCategory(Button):
    kind: ClassVar[str] = "p"
    category: str

    def argument(self) -> str:
        return self.category

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        return cls(argument) if argument else None


@dataclass(frozen=True, slots=True)
class OpenGroup(Button):
    kind: ClassVar[str] = "g"
    group: str

    def argument(self) -> str:
        return self.group

    @classmethod
    def from_argument(cls, argument: str) -> Button | None:
        return cls(argument) if argument else None


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
    )
}


def pack(button: Button, screen: int) -> str:
    """The callback data (or WhatsApp payload) of a button shown on `screen`."""
    return f"{screen}.{button.kind}:{button.argument()}"


def parse(data: str) -> tuple[int, Button] | None:
    """(screen, button) from packed data; None for anything this code did not pack."""
    found = _PACKED.match(data)
    if found is None:
        return None
    screen, kind, argument = found.groups()
    cls = _KINDS.get(kind)
    button = cls.from_argument(argument) if cls is not None else None
    return None if button is None else (int(screen), button)
