"""/review screens for working groups (pure): a resident's wording and where to place it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flows.catalogue import CityCategories, Lang
from flows.session import Msg, Option, Reply

PAGE = 10  # categories per page of "all categories"
PREFIX = "rv"


@dataclass(frozen=True, slots=True)
class Wording:
    """Unplaced answers that say the same thing (the same normalised words)."""

    key: str
    sample: str  # one resident's words as written, shown to the reviewer
    items: tuple[tuple[int, int], ...]  # (answer id, rank)

    @property
    def tag(self) -> str:
        """Short and ASCII, for button data (Telegram allows 64 bytes)."""
        return hashlib.sha1(self.key.encode()).hexdigest()[:10]


@dataclass(frozen=True, slots=True)
class Tap:
    """A review button: c = place into category, a = all categories (page), k = keep as own
    words, s = skip."""

    kind: str
    tag: str
    value: str


def parse(data: str) -> Tap | None:
    parts = data.split(":", 3)
    if len(parts) != 4 or parts[0] != PREFIX or parts[1] not in ("c", "a", "s", "k"):
        return None
    return Tap(parts[1], parts[2], parts[3])


def _code(kind: str, wording: Wording, value: str) -> str:
    return f"{PREFIX}:{kind}:{wording.tag}:{value}"


def _ask(wording: Wording, left: int, options: list[Option]) -> Reply:
    args = {"text": wording.sample, "count": len(wording.items), "left": left}
    tail = [
        Option(_code("k", wording, "-"), Msg("btn-review-keep")),
        Option(_code("s", wording, "-"), Msg("btn-review-skip")),
    ]
    return Reply((Msg("review-item", args),), tuple(options + tail))


def first_screen(
    shown: CityCategories, wording: Wording, left: int, candidates: list[str], lang: Lang
) -> Reply:
    """The wording with the matcher's best guesses, "all categories", keep and skip."""
    options = [Option(_code("c", wording, cid), shown.label(cid, lang)) for cid in candidates]
    options.append(Option(_code("a", wording, "0"), Msg("btn-review-all")))
    return _ask(wording, left, options)


def category_page(shown: CityCategories, wording: Wording, page: int, lang: Lang) -> Reply:
    """Every category of the city, PAGE at a time (a screen stays within Telegram's limits)."""
    ids = shown.ids
    start = max(0, min(page, (len(ids) - 1) // PAGE)) * PAGE
    options = [
        Option(_code("c", wording, cid), shown.label(cid, lang))
        for cid in ids[start : start + PAGE]
    ]
    if start + PAGE < len(ids):
        options.append(Option(_code("a", wording, str(start // PAGE + 1)), Msg("btn-more")))
    return _ask(wording, 1, options)
