"""The problem catalogue and city configuration models (validated data, no I/O)."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Lang = Literal["ru", "ky"]
LANGS: tuple[Lang, ...] = ("ky", "ru")
OTHER = "other"

_ID = r"^[a-z][a-z0-9_]{0,31}$"
SHORT = 24  # characters of a short label (WhatsApp list items allow 24)
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Named(_Strict):
    """Something with a Russian and a Kyrgyz name."""

    ru: str = Field(min_length=1, max_length=64)
    ky: str = Field(min_length=1, max_length=64)
    # Button labels where the full name is too long (two buttons to a row, WhatsApp lists).
    ru_short: str | None = Field(default=None, min_length=1, max_length=SHORT)
    ky_short: str | None = Field(default=None, min_length=1, max_length=SHORT)

    def name(self, lang: Lang) -> str:
        return self.ky if lang == "ky" else self.ru

    def short(self, lang: Lang) -> str:
        """The name as a button label: the short form if there is one."""
        return (self.ky_short if lang == "ky" else self.ru_short) or self.name(lang)


class Group(Named):
    id: str = Field(pattern=_ID)


class Category(Named):
    id: str = Field(pattern=_ID)
    group: str = ""


class Catalogue(_Strict):
    groups: tuple[Group, ...]
    categories: tuple[Category, ...]
    # Offered on the first screen, one tap each (the rest are two taps away, by group).
    featured: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Catalogue:
        ids = [c.id for c in self.categories]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate category id")
        if OTHER not in ids:
            raise ValueError("the catalogue must define 'other'")
        groups = {g.id for g in self.groups}
        for c in self.categories:
            if c.id != OTHER and c.group not in groups:
                raise ValueError(f"category {c.id!r} is in unknown group {c.group!r}")
        unknown = set(self.featured) - set(ids)
        if unknown or OTHER in self.featured:
            raise ValueError(f"featured: unknown category ids {sorted(unknown)}")
        return self

    def category(self, cid: str) -> Category | None:
        return next((c for c in self.categories if c.id == cid), None)


_LETTER = re.compile(r"[^\W\d_]")


def _has_letter(value: str) -> str:
    if not _LETTER.search(value):
        raise ValueError(f"{value!r} has no letters: write the street or place name")
    return value


# A street or landmark: 1-64 characters with at least one letter ("12" names nothing).
_PlaceName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_has_letter),
]


class District(Named):
    id: str = Field(pattern=_ID)
    aliases: tuple[str, ...] = ()
    population: int | None = Field(default=None, ge=0)
    # What residents know instead of an МТУ number (matched by flows/places.py): street names
    # as people write them ("Ленина", "Токтогул көчөсү") and landmarks ("Центральный рынок").
    # A long street crossing district borders is listed in each of its districts.
    streets: tuple[_PlaceName, ...] = ()
    landmarks: tuple[_PlaceName, ...] = ()


class ExtraCategory(Category):
    """A city's own category, shown only in that city, with its own matcher keywords."""

    keywords_ru: tuple[str, ...] = ()
    keywords_ky: tuple[str, ...] = ()


def accepted_category(cid: str, ru: str, ky: str) -> Category:
    """A category accepted from a theme (stored: id, ru, ky); short labels cut to fit."""

    def cut(name: str) -> str | None:
        return None if len(name) <= SHORT else name[: SHORT - 1].rstrip() + "…"

    return Category(id=cid, ru=ru, ky=ky, ru_short=cut(ru), ky_short=cut(ky))


class Admins(_Strict):
    """City-hall admins, who may do everything (announcements, binding working-group chats,
    review, exports): Telegram user ids and WhatsApp numbers."""

    telegram_user_ids: tuple[int, ...] = ()
    whatsapp_numbers: tuple[str, ...] = ()


# What a member of a city's bound working-group chat may be allowed to do (flows/roles.py).
MemberRight = Literal["summary", "review", "export"]


class Roles(_Strict):
    """Who besides the admins may work with the city's data in its working-group chats.

    `reviewers`: Telegram user ids of working-group members who may /review residents' own
    words and /export the answers (free text included) and set the chat's /language.
    `members_may`: what anyone in a bound working-group chat may do (default: /summary, the
    aggregated ranking only)."""

    reviewers: tuple[int, ...] = ()
    members_may: tuple[MemberRight, ...] = ("summary",)


class WorkingGroupChat(_Strict):
    """A Telegram group that receives the daily ranking (used by summaries)."""

    telegram_chat_id: int
    language: Lang = "ru"
    title: str = ""


class City(Named):
    id: str = Field(pattern=_ID)
    aliases: tuple[str, ...] = ()
    timezone: str = "Asia/Bishkek"
    population: int | None = Field(default=None, ge=0)
    districts: tuple[District, ...] = Field(min_length=1)
    # When no district fits (a resident who does not know their МТУ), "don't know" is offered.
    allow_unknown_district: bool = True
    # Categories shown in this city: explicit ids, or every common one minus `hide_categories`.
    categories: tuple[str, ...] | None = None
    hide_categories: tuple[str, ...] = ()
    extra_categories: tuple[ExtraCategory, ...] = ()
    # The categories offered first (one tap each); default: the catalogue's `featured`.
    featured_categories: tuple[str, ...] | None = None
    admins: Admins = Admins()
    roles: Roles = Roles()
    working_groups: tuple[WorkingGroupChat, ...] = ()
    summary_time: str = "20:00"
    # The ranking on a public web page (GET /public/<city>, no free text, nothing that
    # identifies anyone) and a link to it in /results; off unless the city file says so.
    public_page: bool = False

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("summary_time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError("expected HH:MM (24-hour clock)")
        return value

    @model_validator(mode="after")
    def _unique(self) -> City:
        ids = [d.id for d in self.districts]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate district id")
        return self

    def district(self, did: str | None) -> District | None:
        return next((d for d in self.districts if d.id == did), None)


class CityCategories:
    """The categories one city shows, in catalogue order, with its groups."""

    def __init__(self, catalogue: Catalogue, city: City, stored: tuple[Category, ...] = ()) -> None:
        """`stored`: the city's categories accepted from themes (in no group: shown, ranked,
        matched and exported, reached by typing); one whose id is taken already is skipped."""
        common = {c.id for c in catalogue.categories}
        for cid in (*(city.categories or ()), *city.hide_categories):
            if cid not in common:
                raise ValueError(f"city {city.id!r}: unknown category id {cid!r}")
        groups = {g.id for g in catalogue.groups}
        for extra in city.extra_categories:
            if extra.id in common:
                raise ValueError(f"city {city.id!r}: extra category {extra.id!r} is common")
            if extra.group not in groups:
                raise ValueError(f"city {city.id!r}: unknown group {extra.group!r}")
        shown = set(city.categories) if city.categories is not None else common
        shown -= set(city.hide_categories)
        self.groups: tuple[Group, ...] = catalogue.groups
        self.categories: tuple[Category, ...] = tuple(
            c
            for c in (*catalogue.categories, *city.extra_categories)
            if c.id in shown or c in city.extra_categories
        )
        self._by_id = {c.id: c for c in (*catalogue.categories, *city.extra_categories)}
        accepted = tuple(c for c in stored if c.id not in self._by_id)
        self.categories += accepted
        self._by_id.update((c.id, c) for c in accepted)
        featured = city.featured_categories
        if featured is not None:
            unknown = [cid for cid in featured if cid not in self._by_id or cid == OTHER]
            if unknown:
                raise ValueError(f"city {city.id!r}: featured_categories: unknown {unknown}")
        shown_ids = {c.id for c in self.categories}
        self.featured: tuple[str, ...] = tuple(
            cid
            for cid in (catalogue.featured if featured is None else featured)
            if cid in shown_ids
        )

    def in_group(self, gid: str) -> list[Category]:
        return [c for c in self.categories if c.group == gid and c.id != OTHER]

    def get(self, cid: str) -> Category | None:
        return self._by_id.get(cid)

    def label(self, cid: str, lang: Lang) -> str:
        cat = self._by_id.get(cid)
        return cat.name(lang) if cat else cid

    def short(self, cid: str, lang: Lang) -> str:
        cat = self._by_id.get(cid)
        return cat.short(lang) if cat else cid

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.categories if c.id != OTHER]
