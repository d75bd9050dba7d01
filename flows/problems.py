"""The list of five: adding, typed problems, replacing, moving and removing (pure)."""

from __future__ import annotations

from flows.buttons import Action, Button, Do, OpenGroup, PickCategory, PickItem
from flows.catalogue import OTHER
from flows.choices import Choice, resolve
from flows.screens import GROUP_PAGE, free, go, show, suggest_text
from flows.session import MAX_PROBLEMS, Item, Msg, Step
from flows.text import normalise
from flows.turn import Scratch

# A typed problem is added at once at this score (the reply says so and offers another topic);
# below it, up to three plausible categories are proposed.
CONFIDENT = 0.75
PLAUSIBLE = 0.45
# Beside a confident first category, a second this strong means the line names two problems
# ("ямы на дорогах и нет освещения"): the resident is asked, "add both" is one tap.
SECOND = 0.6


# --- the list --------------------------------------------------------------------------------


def _duplicate(t: Scratch, item: Item, skip: int | None = None) -> bool:
    for n, other in enumerate(t.items):
        if n == skip:
            continue
        if item.category != OTHER and other.category == item.category:
            return True
        if item.category == OTHER == other.category and normalise(item.text or "") == normalise(
            other.text or ""
        ):
            return True
    return False


def place(t: Scratch, item: Item, *lead: Msg) -> None:
    """Put an item where the resident is working: a new line, or the line being replaced."""
    c = t.conv
    c.drop_pending()
    items, slot = t.items, c.slot
    if slot is not None and slot < len(items):
        old = items[slot]
        if _duplicate(t, item, skip=slot):
            go(t, Step.ITEM, *lead, Msg("problem-duplicate", {"label": t.label(item)}))
            return
        items[slot] = item
        t.set_items(items)
        c.slot = None
        go(
            t,
            Step.REVIEW,
            *lead,
            Msg("problem-replaced", {"old": t.label(old), "new": t.label(item)}),
        )
        return
    c.slot = None
    if len(items) >= MAX_PROBLEMS:
        go(t, Step.REVIEW, *lead, Msg("problems-full", {"max": MAX_PROBLEMS}))
        return
    if _duplicate(t, item):
        go(t, Step.PROBLEMS, *lead, Msg("problem-duplicate", {"label": t.label(item)}))
        return
    t.set_items([*items, item])
    count = {"count": len(items) + 1, "max": MAX_PROBLEMS}
    added = (
        Msg("problem-added-typed", {"label": t.label(item), "text": item.text, **count})
        if item.text and item.category != OTHER
        else Msg("problem-added", {"label": t.label(item), **count})
    )
    # After typing, the new message says what was added; a tap shows the list itself.
    said = (added,) if t.event.kind == "text" else ()
    go(t, Step.REVIEW if len(items) + 1 >= MAX_PROBLEMS else Step.PROBLEMS, *lead, *said)


def keep_pending(t: Scratch) -> list[Msg]:
    """The resident moved on while typed words waited for a category: they are kept (the
    confident category, else as own words), never dropped. Returns what to tell them."""
    c = t.conv
    text = c.pending
    if not text:
        return []
    category = c.sure or OTHER
    c.drop_pending()
    item = Item(category=category, text=text)
    items, slot = t.items, c.slot
    if _duplicate(t, item, skip=slot):
        return []  # already on the list in these words or this category
    if slot is not None and slot < len(items):
        items[slot] = item
    elif len(items) < MAX_PROBLEMS:
        items.append(item)
    else:
        return []
    t.set_items(items)
    c.slot = None
    if c.step in (Step.SUGGEST, Step.GROUPS, Step.GROUP):
        # The question about those words is answered: back to the list.
        c.step = Step.REVIEW if len(items) >= MAX_PROBLEMS else Step.PROBLEMS
    if category == OTHER:
        return [Msg("pending-kept-own", {"text": text})]
    return [Msg("pending-kept", {"label": t.label(item), "text": text})]


def typed(t: Scratch, text: str, *lead: Msg) -> None:
    """Place the resident's own words into a category, or ask; "привет" is never a problem."""
    c = t.conv
    if c.slot is None and len(t.items) >= MAX_PROBLEMS:
        go(t, Step.REVIEW, *lead, Msg("problems-full", {"max": MAX_PROBLEMS}))
        return
    folded = normalise(text)
    if len(folded.replace(" ", "")) < 3 or folded.isdigit():
        show(t, *lead, Msg("not-understood"))
        return
    if folded in _said(t, "greeting"):
        show(t, *lead, Msg("greeting"))
        return
    if folded in _said(t, "yes", "no", "cancel", "back", "done", "confirm"):
        show(t, *lead, Msg("not-understood"))  # an answer to a question not asked here
        return
    shown = t.world.shown[c.city or ""]
    # A category named exactly (by label, in either language) is the same as tapping it.
    by_label = [
        Choice(
            cat.id,
            cat.name(t.lang),
            (
                cat.ru,
                cat.ky,
                *((cat.ru_short,) if cat.ru_short else ()),
                *((cat.ky_short,) if cat.ky_short else ()),
            ),
        )
        for cat in shown.categories
        if cat.id != OTHER
    ]
    named = resolve(text, by_label)
    if isinstance(named, str):
        place(t, Item(category=named), *lead)
        return
    allowed = set(free(t, shown.ids))
    found = [
        m for m in t.world.matchers[c.city or ""].candidates(text, limit=3) if m.category in allowed
    ]
    two = len(found) > 1 and found[1].score >= SECOND
    if found and found[0].score >= CONFIDENT and not two:
        place(t, Item(category=found[0].category, text=text), *lead)
        return
    if two and found[0].score >= SECOND:
        # Two strong categories: the line names two problems; "add both" is one tap.
        c.suggestions = [found[0].category, found[1].category]
        c.sure = found[0].category if found[0].score >= CONFIDENT else None
        c.both = True
    else:
        c.suggestions = [m.category for m in found if m.score >= PLAUSIBLE]
        c.sure, c.both = None, False
    c.pending = text
    go(t, Step.SUGGEST, *lead)


def _said(t: Scratch, *keys: str) -> frozenset[str]:
    """The control words of these meanings, folded: never a city problem."""
    return frozenset(normalise(w) for key in keys for w in t.world.words[key])


def _both(t: Scratch) -> None:
    """A line that names two problems: both, in the order the resident wrote them."""
    c = t.conv
    text = c.pending or ""
    order = t.world.matchers[c.city or ""].in_text_order(text, c.suggestions)
    c.drop_pending()
    items = t.items
    lead = []
    for cid in order:
        item = Item(category=cid, text=text)
        if len(items) < MAX_PROBLEMS and not any(i.category == cid for i in items):
            items.append(item)
            count = {"count": len(items), "max": MAX_PROBLEMS}
            lead.append(Msg("problem-added", {"label": t.label(item), **count}))
    t.set_items(items)
    go(t, Step.REVIEW if len(items) >= MAX_PROBLEMS else Step.PROBLEMS, *lead)


# --- handlers: (button or None when typed text named no option, the text) --------------------


def on_problems(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    items = t.items
    match button:
        case None:
            typed(t, text)
        case PickCategory(category=cid):
            place(t, Item(category=cid))
        case Do(action=Action.OTHERS):
            go(t, Step.GROUPS)
        case Do(action=Action.UNDO) if items:
            removed = items.pop()
            t.set_items(items)
            go(t, Step.PROBLEMS, Msg("problem-removed", {"label": t.label(removed)}))
        case Do(action=Action.DONE) if items:
            go(t, Step.REVIEW)
        case Do(action=Action.RETAG) if items:
            c.drop_pending()
            c.slot = len(items) - 1
            _suggest_for(t, items[-1])
        case Do(action=Action.BACK) if c.slot is not None:
            go(t, Step.ITEM)
        case _:
            show(t)


def _suggest_for(t: Scratch, item: Item) -> None:
    """Other categories for a listed problem's words (the first guess was wrong)."""
    allowed = set(free(t, t.world.shown[t.conv.city or ""].ids)) - {item.category}
    found = t.world.matchers[t.conv.city or ""].candidates(item.text or "", limit=4)
    t.conv.suggestions = [m.category for m in found if m.category in allowed][:3]
    go(t, Step.SUGGEST)


def on_groups(t: Scratch, button: Button | None, text: str) -> None:
    match button:
        case None:
            _typed_elsewhere(t, text)
        case OpenGroup(group=gid):
            t.conv.group, t.conv.page = gid, 0
            go(t, Step.GROUP)
        case Do(action=Action.BACK):
            go(t, Step.SUGGEST if t.conv.pending else Step.PROBLEMS)
        case _:
            show(t)


def on_group(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    match button:
        case None:
            _typed_elsewhere(t, text)
        case Do(action=Action.MORE):
            c.page += 1
            count = len(
                free(t, [x.id for x in t.world.shown[c.city or ""].in_group(c.group or "")])
            )
            if c.page * GROUP_PAGE >= count:
                c.page = 0
            go(t, Step.GROUP)
        case Do(action=Action.BACK):
            go(t, Step.GROUPS)
        case PickCategory(category=cid):
            # Chosen from all topics for words typed earlier: the words go with it.
            place(t, Item(category=cid, text=c.pending))
        case _:
            show(t)


def _typed_elsewhere(t: Scratch, text: str) -> None:
    """Typing a problem while browsing topics: it is placed like any typed problem."""
    lead = keep_pending(t)
    typed(t, text, *lead)


def on_suggest(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    words = suggest_text(t)
    match button:
        case None:
            _typed_elsewhere(t, text)  # another problem: the waiting one is kept first
        case PickCategory(category=cid):
            place(t, Item(category=cid, text=words))
        case Do(action=Action.BOTH) if c.pending and c.both:
            _both(t)
        case Do(action=Action.OWN):
            place(t, Item(category=OTHER, text=words))
        case Do(action=Action.OTHERS):
            if c.pending is None and c.slot is not None:
                c.pending = words  # re-placing a listed problem's words from all topics
            go(t, Step.GROUPS)
        case Do(action=Action.BACK):
            # Typed words are dropped (a replacement stays open); re-placing is abandoned.
            if c.pending is None:
                c.slot = None
            c.drop_pending()
            go(t, Step.PROBLEMS)
        case _:
            show(t)


def on_review(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    items = t.items
    match button:
        case None:
            folded = normalise(text)
            if len(folded) < 3 or folded.isdigit():
                show(t, Msg("not-understood"))
            elif len(items) >= MAX_PROBLEMS:
                # A sixth problem: say why it cannot be added, rather than "not understood".
                show(t, Msg("problems-full", {"max": MAX_PROBLEMS}))
            else:
                c.step = Step.PROBLEMS  # typing a problem at the review adds it
                typed(t, text)
        case PickItem(index=n) if n < len(items):
            c.slot = n
            go(t, Step.ITEM)
        case Do(action=Action.ADD) if len(items) < MAX_PROBLEMS:
            c.slot = None
            go(t, Step.PROBLEMS)
        case Do(action=Action.CHANGE_DISTRICT):
            go(t, Step.DISTRICT)
        case Do(action=Action.CHANGE_CITY) if t.world.fixed_city is None:
            go(t, Step.CITY)
        case _:
            show(t)


def on_item(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    items, slot = t.items, c.slot
    if slot is None or slot >= len(items):
        c.slot = None
        go(t, Step.REVIEW)
        return
    match button:
        case Do(action=Action.UP) if slot > 0:
            items[slot - 1], items[slot] = items[slot], items[slot - 1]
            t.set_items(items)
            c.slot = slot - 1
            show(t, Msg("problem-moved", {"label": t.label(items[slot - 1]), "n": slot}))
        case Do(action=Action.DOWN) if slot < len(items) - 1:
            items[slot + 1], items[slot] = items[slot], items[slot + 1]
            t.set_items(items)
            c.slot = slot + 1
            show(t, Msg("problem-moved", {"label": t.label(items[slot + 1]), "n": slot + 2}))
        case Do(action=Action.REPLACE):
            go(t, Step.PROBLEMS)
        case Do(action=Action.REMOVE):
            removed = items.pop(slot)
            t.set_items(items)
            c.slot = None
            go(
                t,
                Step.REVIEW if items else Step.PROBLEMS,
                Msg("problem-removed", {"label": t.label(removed)}),
            )
        case Do(action=Action.BACK):
            c.slot = None
            go(t, Step.REVIEW)
        case None:
            # Typed words on a problem's screen replace it (that is what the screen offers).
            typed(t, text)
        case _:
            show(t)
