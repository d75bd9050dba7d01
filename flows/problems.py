"""The list of five: featured taps, typed problems, topics for typed words, replace/move/remove."""

from __future__ import annotations

from dataclasses import replace

from flows.buttons import Action, Button, Do, OpenGroup, PickCategory, PickItem
from flows.catalogue import OTHER
from flows.choices import Choice, resolve
from flows.screens import GROUP_PAGE, build, free, go, show
from flows.session import MAX_PROBLEMS, Item, Msg, Step
from flows.text import normalise
from flows.turn import Scratch

# Typed words are always put on the list at once (nothing typed is ever left waiting): in the
# category the matcher is sure of (at this score), else as the resident's own words, and then
# the resident is offered what fits better.
CONFIDENT = 0.75
PLAUSIBLE = 0.45
# Beside a confident first category, a second this strong means the line names two problems
# ("ямы на дорогах и нет освещения"): the second is offered to add too.
SECOND = 0.6
# Words that answer a question or work a screen (words.toml): typed alone, never a problem.
_CONTROL_KEYS = (
    "yes",
    "no",
    "cancel",
    "back",
    "done",
    "confirm",
    "more",
    "remove_last",
    "add_all",
    "forget",
    "keep_own",
    "unknown",
    "add_more",
    "change_district",
    "change_city",
    "edit",
    "keep",
    "other_topics",
    "retag",
    "up",
    "down",
    "replace",
    "remove",
    "results",
    "all_districts",
    "subscribe",
    "unsubscribe",
    "lang_ru",
    "lang_ky",
    "deny",
    "only_one",
    "drop",
)


def _duplicate(t: Scratch, item: Item, skip: int | None = None) -> bool:
    for n, other in enumerate(t.items):
        if n == skip:
            continue
        if item.category != OTHER and other.category == item.category:
            return True
        same_words = normalise(item.text or "") == normalise(other.text or "")
        if item.category == OTHER == other.category and same_words:
            return True
    return False


def _count(t: Scratch) -> dict[str, int]:
    return {"count": len(t.items), "max": MAX_PROBLEMS}


def _next_step(t: Scratch) -> Step:
    return Step.REVIEW if len(t.items) >= MAX_PROBLEMS else Step.PROBLEMS


def add(t: Scratch, item: Item, *lead: Msg) -> bool:
    """A new line at the end of the list; False (and said why) when it cannot be."""
    items = t.items
    if len(items) >= MAX_PROBLEMS:
        go(t, Step.REVIEW, *lead, Msg("problems-full", {"max": MAX_PROBLEMS}))
        return False
    if _duplicate(t, item):
        go(t, _next_step(t), *lead, Msg("problem-duplicate", {"label": t.label(item)}))
        return False
    t.set_items([*items, item])
    return True


def pick(t: Scratch, category: str) -> None:
    """A category chosen by tap or name: a new line, or the line being replaced or placed."""
    c = t.conv
    items, slot = t.items, c.slot
    if slot is None or slot >= len(items):
        c.done_with_slot()
        if add(t, Item(category=category)):
            # After typing, the new message says what was added; a tap shows the list itself.
            said = t.event.kind == "text"
            lead = [Msg("problem-added", {"label": t.label(items_last(t)), **_count(t)})]
            go(t, _next_step(t), *(lead if said else []))
        return
    old = items[slot]
    if category == old.category:
        # The same topic again (its ✓ on the replace screen): nothing changes, words kept.
        c.done_with_slot()
        go(t, Step.REVIEW if not c.refine else _next_step(t))
        return
    new = Item(category=category, text=old.text if c.refine else None)
    if _duplicate(t, new, skip=slot):
        show(t, Msg("problem-duplicate", {"label": t.label(new)}))
        return
    items[slot] = new
    t.set_items(items)
    replaced = c.previous if c.previous is not None else old
    editing = not c.refine or c.previous is not None
    c.done_with_slot()
    if editing:
        said = Msg("problem-replaced", {"old": t.label(replaced), "new": t.label(new)})
        go(t, Step.REVIEW, said)
    else:
        go(t, _next_step(t), Msg("problem-placed", {"label": t.label(new), "text": new.text or ""}))


def items_last(t: Scratch) -> Item:
    return t.items[-1]


def _said(t: Scratch, *keys: str) -> frozenset[str]:
    """The words of these meanings in words.toml, folded."""
    return frozenset(normalise(w) for key in keys for w in t.world.words[key])


def _not_a_problem(t: Scratch, text: str) -> Msg | None:
    """Why typed text is not a problem (a greeting, a number, a control word), if it is not."""
    folded = normalise(text)
    if len(folded.replace(" ", "")) < 3 or all(w.isdigit() for w in folded.split()):
        return Msg("not-understood")
    if folded in _said(t, "greeting") or "#" in text:
        return Msg("greeting")  # also a poster's prefilled greeting sent again
    if folded in _said(t, "thanks"):
        return Msg("thanks-reply")
    control = _said(t, *_CONTROL_KEYS)
    if folded in control or all(w in control for w in folded.split()):
        return Msg("not-understood")  # "выше", "отменить всё": an answer to another screen
    return None


def typed(t: Scratch, text: str) -> None:
    """The resident's own words: on the list at once, then what fits better is offered."""
    c = t.conv
    replacing = c.slot is not None and not c.refine and c.slot < len(t.items)
    if not replacing and len(t.items) >= MAX_PROBLEMS:
        go(t, Step.REVIEW, Msg("problems-full", {"max": MAX_PROBLEMS}))
        return
    refused = _not_a_problem(t, text)
    if refused is not None:
        show(t, refused)
        return
    shown = t.world.shown[c.city or ""]
    # A category named exactly (by label, in either language) is the same as tapping it.
    by_label = [Choice(cat.id, cat.name(t.lang), _names(cat)) for cat in shown.categories]
    named = resolve(text, [ch for ch in by_label if ch.code != OTHER])
    if isinstance(named, str):
        pick(t, named)
        return
    found = t.world.matchers[c.city or ""].candidates(text, limit=4)
    taken = {i.category for n, i in enumerate(t.items) if n != (c.slot if replacing else None)}
    usable = [m for m in found if m.category not in taken]
    lead: list[Msg] = []
    if found and found[0].score >= CONFIDENT and found[0].category in taken:
        listed = Msg("problem-duplicate", {"label": shown.label(found[0].category, t.lang)})
        if not usable or usable[0].score < SECOND:
            show(t, listed)  # "ямы на дорогах" with roads listed
            return
        # "ямы на дорогах и нет освещения" with roads listed: the other one is what is new.
        lead, usable = [listed], [replace(usable[0], score=CONFIDENT)]
    # Two strong categories: the line names two problems; the one written first is taken (the
    # resident's order is their priority), the other offered.
    two = len(usable) > 1 and usable[1].score >= SECOND and usable[0].score >= SECOND
    if two:
        pair = [usable[0].category, usable[1].category]
        first, other = t.world.matchers[c.city or ""].in_text_order(text, pair)
        usable = [m for cid in (first, other) for m in usable if m.category == cid]
    sure = usable[0].category if usable and (usable[0].score >= CONFIDENT or two) else None
    item = Item(category=sure or OTHER, text=text)
    if replacing:
        assert c.slot is not None
        items = t.items
        c.previous, items[c.slot] = items[c.slot], item
        t.set_items(items)
        slot = c.slot
    else:
        if not add(t, item):
            return
        slot = len(t.items) - 1
    c.slot, c.refine = slot, True
    if sure is not None:
        second = [usable[1].category] if two else []
        if not second or len(t.items) >= MAX_PROBLEMS or replacing:
            added = {"label": t.label(item), "text": text, **_count(t)}
            _settled(t, *lead, Msg("problem-added-typed", added))
            return
        c.also, c.suggestions = second[0], []
    else:
        c.also = None
        c.suggestions = [m.category for m in usable if m.score >= PLAUSIBLE][:3]
    go(t, Step.SUGGEST)


def _settled(t: Scratch, *said: Msg) -> None:
    """Typed words placed for sure: back to the list (or the review, when replacing)."""
    c = t.conv
    if c.previous is not None:
        old, new = c.previous, t.items[c.slot or 0]
        c.done_with_slot()
        go(t, Step.REVIEW, Msg("problem-replaced", {"old": t.label(old), "new": t.label(new)}))
        return
    c.done_with_slot()
    go(t, _next_step(t), *said)


def _names(cat: object) -> tuple[str, ...]:
    from flows.screens import names

    return names(cat)  # type: ignore[arg-type]


def numbers(t: Scratch, text: str) -> bool:
    """Several option numbers in one message ("1 3 5"): each chosen in turn, in that order."""
    words = normalise(text).split()
    if len(words) < 2 or not all(w.isdigit() for w in words) or t.conv.slot is not None:
        return False
    choices = build(t).choices
    picked = [choices[int(w) - 1].code for w in words if 0 < int(w) <= len(choices)]
    categories = [b.category for b in picked if isinstance(b, PickCategory)]
    if not categories:
        return False
    added, listed, full = [], [], False
    for category in categories:
        item = Item(category=category)
        if _duplicate(t, item):
            listed.append(item)
        elif len(t.items) >= MAX_PROBLEMS:
            full = True
        else:
            t.set_items([*t.items, item])
            added.append(t.label(item))
    lead = [Msg("problems-added", {"labels": ", ".join(added), **_count(t)})] if added else []
    if listed and not added:
        lead.append(Msg("problem-duplicate", {"label": t.label(listed[0])}))
    if full:
        lead.append(Msg("problems-full", {"max": MAX_PROBLEMS}))
    go(t, _next_step(t), *lead)
    return True


# --- handlers: (the button, or None when typed text named no option; the text) ---------------


def on_problems(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    items = t.items
    match button:
        case None:
            if not numbers(t, text):
                typed(t, text)
        case PickCategory(category=cid) if (
            c.slot is None and t.event.kind == "choice" and any(i.category == cid for i in items)
        ):
            # A listed one tapped again (✓): taken off, like a check box. Typed (its name or
            # number) it is only said to be listed: a quick "1", "1" never takes it off.
            t.set_items([i for i in items if i.category != cid])
            removed = next(i for i in items if i.category == cid)
            go(t, Step.PROBLEMS, Msg("problem-removed", {"label": t.label(removed)}))
        case PickCategory(category=cid):
            pick(t, cid)
        case Do(action=Action.OTHERS):
            go(t, Step.GROUPS)
        case Do(action=Action.DONE) if items:
            go(t, Step.REVIEW)
        case Do(action=Action.RETAG) if items and items[-1].text:
            _refine(t, len(items) - 1)
        case Do(action=Action.BACK) if c.slot is not None:
            go(t, Step.ITEM)
        case _:
            show(t)


def _refine(t: Scratch, slot: int) -> None:
    """Other categories for a listed problem's words (the first guess was wrong)."""
    c = t.conv
    item = t.items[slot]
    taken = {i.category for i in t.items}
    found = t.world.matchers[c.city or ""].candidates(item.text or "", limit=4)
    c.done_with_slot()
    c.slot, c.refine = slot, True
    c.suggestions = [m.category for m in found if m.category not in taken][:3]
    go(t, Step.SUGGEST)


def on_groups(t: Scratch, button: Button | None, text: str) -> None:
    match button:
        case None:
            typed(t, text)
        case OpenGroup(group=gid):
            t.conv.group, t.conv.page = gid, 0
            go(t, Step.GROUP)
        case Do(action=Action.BACK):
            go(t, Step.SUGGEST if t.conv.refine else Step.PROBLEMS)
        case _:
            show(t)


def on_group(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    match button:
        case None:
            typed(t, text)
        case Do(action=Action.MORE):
            c.page += 1
            in_group = t.world.shown[c.city or ""].in_group(c.group or "")
            count = len(free(t, [x.id for x in in_group]))
            if c.page * GROUP_PAGE >= count:
                c.page = 0
            go(t, Step.GROUP)
        case Do(action=Action.BACK):
            go(t, Step.GROUPS)
        case PickCategory(category=cid):
            pick(t, cid)  # for typed words being placed, the words go with it
        case _:
            show(t)


def on_suggest(t: Scratch, button: Button | None, text: str) -> None:
    """The typed words are on the list already; here their topic is settled."""
    c = t.conv
    items, slot = t.items, c.slot
    if slot is None or slot >= len(items):
        c.done_with_slot()
        go(t, _next_step(t))
        return
    match button:
        case None:
            refused = _not_a_problem(t, text)
            if refused is not None:
                show(t, refused)  # still about these words
                return
            c.done_with_slot()  # moving on: they stay as they are
            typed(t, text)
        case PickCategory(category=cid):
            pick(t, cid)
        case Do(action=Action.ALSO) if c.also:
            second = Item(category=c.also, text=items[slot].text)
            c.done_with_slot()
            if add(t, second):
                first = t.items[slot]
                labels = ", ".join(t.label(i) for i in (first, second))
                go(t, _next_step(t), Msg("problems-added", {"labels": labels, **_count(t)}))
        case Do(action=Action.OWN):
            pick(t, OTHER)
        case Do(action=Action.KEEP):
            item, previous = items[slot], c.previous
            c.done_with_slot()
            if previous is not None:
                said = Msg("problem-replaced", {"old": t.label(previous), "new": t.label(item)})
                go(t, Step.REVIEW, said)
            else:
                go(t, _next_step(t), _placed(t, item))
        case Do(action=Action.OTHERS):
            go(t, Step.GROUPS)
        case Do(action=Action.DROP):
            _drop(t, slot)
        case _:
            show(t)


def _placed(t: Scratch, item: Item) -> Msg:
    if item.category == OTHER:
        return Msg("problem-kept-own", {"text": item.text or "", **_count(t)})
    args = {"label": t.label(item), "text": item.text or "", **_count(t)}
    return Msg("problem-added-typed", args)


def _drop(t: Scratch, slot: int) -> None:
    """ "Not a problem": the typed words leave the list (a replaced problem comes back)."""
    c = t.conv
    items = t.items
    removed, previous = items[slot], c.previous
    if previous is not None:
        items[slot] = previous
    else:
        items.pop(slot)
    t.set_items(items)
    c.done_with_slot()
    step = Step.REVIEW if previous is not None else Step.PROBLEMS
    go(t, step, Msg("problem-removed", {"label": t.label(removed)}))


def on_review(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    items = t.items
    match button:
        case None:
            refused = _not_a_problem(t, text)
            if refused is not None:
                show(t, refused)  # a stray word: the review stays
            elif len(items) >= MAX_PROBLEMS:
                # A sixth problem: say why it cannot be added, rather than "not understood".
                show(t, Msg("problems-full", {"max": MAX_PROBLEMS}))
            else:
                c.step = Step.PROBLEMS  # typing a problem at the review adds it
                typed(t, text)
        case PickItem(index=n) if n < len(items):
            c.done_with_slot()
            c.slot = n
            go(t, Step.ITEM)
        case Do(action=Action.ADD) if len(items) < MAX_PROBLEMS:
            c.done_with_slot()
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
        c.done_with_slot()
        go(t, Step.REVIEW)
        return
    match button:
        case Do(action=Action.UP) if slot > 0:
            _swap(t, slot, slot - 1)
        case Do(action=Action.DOWN) if slot < len(items) - 1:
            _swap(t, slot, slot + 1)
        case Do(action=Action.REPLACE):
            c.refine, c.previous = False, None
            go(t, Step.PROBLEMS)
        case Do(action=Action.REMOVE):
            removed = items.pop(slot)
            t.set_items(items)
            c.done_with_slot()
            lead = Msg("problem-removed", {"label": t.label(removed)})
            go(t, Step.REVIEW if items else Step.PROBLEMS, lead)
        case Do(action=Action.BACK):
            c.done_with_slot()
            go(t, Step.REVIEW)
        case _:
            # Typed words here are not taken as a replacement: "replace" comes first.
            show(t, Msg("not-understood"))


def _swap(t: Scratch, slot: int, other: int) -> None:
    items = t.items
    items[slot], items[other] = items[other], items[slot]
    t.set_items(items)
    t.conv.slot = other
    show(t, Msg("problem-moved", {"label": t.label(items[other]), "n": other + 1}))
