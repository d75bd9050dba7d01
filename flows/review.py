"""/review for working groups (pure): residents' own words, a wording at a time, placed into a
category with a tap; the queue is computed from the items loaded for the decision."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows.buttons import Button, ReviewKeep, ReviewPage, ReviewPlace, ReviewSkip, pack
from flows.catalogue import OTHER, CityCategories, Lang
from flows.facts import UnplacedItem
from flows.session import Msg, Option, Reply
from flows.text import mask_phones, normalise

PAGE = 10  # categories per page of "all categories"
SCREEN = 0  # review buttons are bound to their wording, not to a screen number


@dataclass(frozen=True, slots=True)
class Wording:
    """Unplaced answers that say the same thing (the same normalised words)."""

    key: str
    sample: str  # one resident's words as written, shown to the reviewer
    items: tuple[tuple[int, int], ...]  # (answer id, rank)
    # Per item, the categories its answer already names (it cannot move into those).
    named: tuple[tuple[str, ...], ...] = ()

    def movable(self, category: str) -> tuple[tuple[int, int], ...]:
        """The items that can be placed into `category`."""
        named = self.named or ((),) * len(self.items)
        return tuple(
            item for item, has in zip(self.items, named, strict=True) if category not in has
        )

    @property
    def tag(self) -> str:
        """Short and ASCII, for button data (Telegram allows 64 bytes)."""
        return hashlib.sha1(self.key.encode()).hexdigest()[:10]


def queue(unplaced: Sequence[UnplacedItem], learned: Mapping[str, str]) -> list[Wording]:
    """Wordings waiting for review, the most frequent first; those a reviewer chose to keep
    as own words are not asked again."""
    groups: dict[str, list[UnplacedItem]] = {}
    for item in unplaced:
        # A phone number is nobody's problem and must not be learned: the same words with
        # different numbers are one wording.
        key = normalise(mask_phones(item.text))
        if key and learned.get(key) != OTHER:
            groups.setdefault(key, []).append(item)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    wordings = [
        Wording(
            key,
            items[0].text,
            tuple((i.answer_id, i.rank) for i in items),
            tuple(i.others for i in items),
        )
        for key, items in ordered
    ]
    # Placed already, but every answer that says it names that category too: nothing left
    # to do for a reviewer (they stay in the residents' own words).
    return [w for w in wordings if w.key not in learned or w.movable(learned[w.key])]


def after(wordings: list[Wording], tag: str | None) -> list[Wording]:
    """The queue from the wording after `tag` on (skipped ones come back at the end)."""
    tags = [w.tag for w in wordings]
    if tag not in tags:
        return wordings
    at = tags.index(tag)
    return wordings[at + 1 :] + wordings[:at]


def _option(button: Button, label: Msg | str) -> Option:
    return Option(pack(button, SCREEN), label)


def _ask(wording: Wording, left: int, options: list[Option], lead: tuple[Msg, ...]) -> Reply:
    # What a reviewer reads is a resident's words: a phone number in them is not shown.
    args = {"text": mask_phones(wording.sample), "count": len(wording.items), "left": left}
    tail = [
        _option(ReviewKeep(wording.tag), Msg("btn-review-keep")),
        _option(ReviewSkip(wording.tag), Msg("btn-review-skip")),
    ]
    return Reply((*lead, Msg("review-item", args)), tuple(options + tail))


def first_screen(
    shown: CityCategories,
    wording: Wording,
    left: int,
    candidates: list[str],
    lang: Lang,
    lead: tuple[Msg, ...] = (),
) -> Reply:
    """The wording with the matcher's best guesses, "all categories", keep and skip."""
    options = [_option(ReviewPlace(wording.tag, cid), shown.label(cid, lang)) for cid in candidates]
    options.append(_option(ReviewPage(wording.tag, 0), Msg("btn-review-all")))
    return _ask(wording, left, options, lead)


def category_page(
    shown: CityCategories, wording: Wording, page: int, lang: Lang, left: int
) -> Reply:
    """Every category of the city, PAGE at a time (a screen stays within Telegram's limits)."""
    ids = [cid for cid in shown.ids if cid != OTHER]
    start = max(0, min(page, (len(ids) - 1) // PAGE)) * PAGE
    options = [
        _option(ReviewPlace(wording.tag, cid), shown.label(cid, lang))
        for cid in ids[start : start + PAGE]
    ]
    if start + PAGE < len(ids):
        options.append(_option(ReviewPage(wording.tag, start // PAGE + 1), Msg("btn-more")))
    return _ask(wording, left, options, ())
