"""/review for working groups (pure): residents' own words, a wording at a time or similar
wordings together (a theme, flows/themes.py), placed into a category with a tap; the queue is
computed from the items loaded for the decision."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from flows.buttons import (
    Button,
    ReviewKeep,
    ReviewPage,
    ReviewPlace,
    ReviewSkip,
    ThemeDo,
    ThemeOp,
    ThemePage,
    ThemePlace,
    pack,
)
from flows.catalogue import OTHER, CityCategories, Lang
from flows.effects import PlaceWording
from flows.facts import UnplacedItem
from flows.matcher import Matcher
from flows.session import Msg, Option, Reply
from flows.text import mask_phones
from flows.themes import cluster, suggest, theme_id, wording_key

PAGE = 10  # categories per page of "all categories"
WORDINGS_SHOWN = 5  # wordings listed on a theme's screen
# Themes in the chat are found among the queue's most frequent wordings only: grouping runs
# on every /review and tap, and 1,500 wordings take ~0.3 s where 6,700 take ~5 s
# (bench/themes.py). `citybot themes` groups them all.
THEMED_WORDINGS = 1500
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
        # different numbers are one wording (flows/themes.py:wording_key).
        key = wording_key(item.text)
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
    theme: Option | None = None,
) -> Reply:
    """The wording with the matcher's best guesses, its theme (when similar wordings wait
    too), "all categories", keep and skip."""
    options = [_option(ReviewPlace(wording.tag, cid), shown.label(cid, lang)) for cid in candidates]
    if theme is not None:
        options.append(theme)
    options.append(_option(ReviewPage(wording.tag, 0), Msg("btn-review-all")))
    return _ask(wording, left, options, lead)


def category_page(
    shown: CityCategories, wording: Wording, page: int, lang: Lang, left: int
) -> Reply:
    """Every category of the city, PAGE at a time (a screen stays within Telegram's limits)."""
    options = _page_options(
        shown,
        page,
        lang,
        lambda cid: ReviewPlace(wording.tag, cid),
        lambda next_page: ReviewPage(wording.tag, next_page),
    )
    return _ask(wording, left, options, ())


def _page_options(
    shown: CityCategories,
    page: int,
    lang: Lang,
    place: Callable[[str], Button],
    more: Callable[[int], Button],
) -> list[Option]:
    """One page of the city's categories (`place`), then "more" (`more`) if any are left."""
    ids = [cid for cid in shown.ids if cid != OTHER]
    start = max(0, min(page, (len(ids) - 1) // PAGE)) * PAGE
    options = [_option(place(cid), shown.label(cid, lang)) for cid in ids[start : start + PAGE]]
    if start + PAGE < len(ids):
        options.append(_option(more(start // PAGE + 1), Msg("btn-more")))
    return options


# --- similar wordings together (a theme) ------------------------------------------------------

THEME_BUTTONS = (ThemeDo, ThemePlace, ThemePage)


@dataclass(frozen=True, slots=True)
class Theme:
    """Waiting wordings that say much the same thing, placed together with one tap."""

    tag: str  # flows.themes.theme_id of its most frequent wording
    wordings: tuple[Wording, ...]  # most frequent first

    @property
    def size(self) -> int:
        return sum(len(w.items) for w in self.wordings)


def themes(wordings: Sequence[Wording]) -> list[Theme]:
    """The queue's themes of two wordings or more, the largest first (among its first
    THEMED_WORDINGS). The queue is ordered most frequent first, so a group's first wording is
    its most frequent (the theme's id is the one `citybot themes` shows)."""
    head = wordings[:THEMED_WORDINGS]
    found = [
        Theme(theme_id(head[g[0]].key), tuple(head[i] for i in g))
        for g in cluster([w.key for w in head])
        if len(g) >= 2
    ]
    return sorted(found, key=lambda t: (-t.size, t.tag))


def theme_option(found: Sequence[Theme], wording: Wording) -> Option | None:
    """The button that opens the wording's theme, if it has one."""
    for theme in found:
        if wording in theme.wordings:
            return _option(ThemeDo(theme.tag, ThemeOp.OPEN), Msg("btn-review-theme"))
    return None


def theme_guesses(matcher: Matcher, theme: Theme, limit: int = 3) -> list[str]:
    """The category most of the theme resembles, then the guesses for its first wording."""
    first = suggest(matcher, [(w.key, len(w.items)) for w in theme.wordings])
    guesses = [m.category for m in matcher.candidates(theme.wordings[0].sample, limit=limit)]
    return list(dict.fromkeys([first, *guesses] if first else guesses))[:limit]


def _theme_reply(theme: Theme, left: int, options: list[Option], lead: tuple[Msg, ...]) -> Reply:
    args = {"count": theme.size, "wordings": len(theme.wordings), "left": left}
    parts = [*lead, Msg("review-theme", args)]
    for wording in theme.wordings[:WORDINGS_SHOWN]:
        text = mask_phones(wording.sample)
        parts.append(Msg("review-theme-wording", {"text": text, "count": len(wording.items)}))
    if len(theme.wordings) > WORDINGS_SHOWN:
        parts.append(Msg("review-theme-more", {"count": len(theme.wordings) - WORDINGS_SHOWN}))
    parts.append(Msg("review-theme-ask"))
    tail = [
        _option(ThemeDo(theme.tag, ThemeOp.KEEP), Msg("btn-theme-keep")),
        _option(ThemeDo(theme.tag, ThemeOp.SKIP), Msg("btn-theme-skip")),
        _option(ThemeDo(theme.tag, ThemeOp.BACK), Msg("btn-theme-single")),
    ]
    return Reply(tuple(parts), tuple(options + tail))


def theme_screen(
    shown: CityCategories, theme: Theme, left: int, candidates: list[str], lang: Lang
) -> Reply:
    """The theme: its size, its wordings, the best guesses, "all categories", keep, skip."""
    options = [_option(ThemePlace(theme.tag, cid), shown.label(cid, lang)) for cid in candidates]
    options.append(_option(ThemePage(theme.tag, 0), Msg("btn-review-all")))
    return _theme_reply(theme, left, options, ())


def theme_page(shown: CityCategories, theme: Theme, page: int, lang: Lang, left: int) -> Reply:
    options = _page_options(
        shown,
        page,
        lang,
        lambda cid: ThemePlace(theme.tag, cid),
        lambda next_page: ThemePage(theme.tag, next_page),
    )
    return _theme_reply(theme, left, options, ())


@dataclass(frozen=True, slots=True)
class ThemeTap:
    """What a theme's button does: a screen (replacing the tapped one), effects, a toast."""

    reply: Reply | None = None
    effects: tuple[PlaceWording, ...] = ()
    notice: Msg | None = None


def theme_tap(
    button: Button,
    city: str,
    wordings: list[Wording],
    shown: CityCategories,
    matcher: Matcher,
    lang: Lang,
    reviewer: int,
    wording_screen: Callable[[list[Wording], tuple[Msg, ...]], Reply],
) -> ThemeTap:
    """A theme's button, decided on the queue as it is now: a theme placed meanwhile (a double
    tap, another reviewer) is gone; placing a theme places each of its wordings (one
    PlaceWording each, committed together), then the next wording is shown."""
    found = themes(wordings)
    tag = getattr(button, "tag", "")
    op = button.op if isinstance(button, ThemeDo) else None
    if op is ThemeOp.BACK:
        return ThemeTap(wording_screen(wordings, ()))
    if op is ThemeOp.SKIP:
        tags = [t.tag for t in found]
        rest = found[tags.index(tag) + 1 :] + found[: tags.index(tag) + 1] if tag in tags else found
        if not rest:
            return ThemeTap(wording_screen(wordings, ()))
        guesses = theme_guesses(matcher, rest[0])
        return ThemeTap(theme_screen(shown, rest[0], len(found), guesses, lang))
    theme = next((t for t in found if t.tag == tag), None)
    if theme is None:
        return ThemeTap(notice=Msg("review-theme-gone"))
    if op is ThemeOp.OPEN:
        guesses = theme_guesses(matcher, theme)
        return ThemeTap(theme_screen(shown, theme, len(found), guesses, lang))
    if isinstance(button, ThemePage):
        return ThemeTap(theme_page(shown, theme, button.page, lang, len(found)))
    category = button.category if isinstance(button, ThemePlace) else OTHER
    if category != OTHER and category not in shown.ids:
        return ThemeTap()  # forged data: nothing happens
    effects = tuple(PlaceWording(city, w.key, category, reviewer, w.items) for w in theme.wordings)
    if category == OTHER:
        done = Msg("review-theme-kept", {"wordings": len(theme.wordings)})
    else:
        # What the store will move: an answer that names the category already keeps its words.
        moved = sum(len(w.movable(category)) for w in theme.wordings)
        args = {
            "count": moved,
            "label": shown.label(category, lang),
            "wordings": len(theme.wordings),
        }
        done = Msg("review-theme-done", args)
    rest = [w for w in wordings if w not in theme.wordings]
    return ThemeTap(wording_screen(rest, (done,)), effects)
