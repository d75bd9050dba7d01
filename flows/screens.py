"""What each survey step shows: its text, its buttons (typed, see buttons.py) and their layout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from flows.buttons import (
    Action,
    Button,
    Do,
    OpenGroup,
    PickCategory,
    PickCity,
    PickDistrict,
    PickItem,
    PickLanguage,
    Subscribe,
    pack,
)
from flows.catalogue import OTHER, City, Lang, Named
from flows.choices import Choice
from flows.session import MAX_PROBLEMS, Item, Msg, Option, Reply, Step, msg_data
from flows.turn import Scratch

GROUP_PAGE = 10  # categories per screen; with "more" and "back" a screen has at most 12 buttons
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский"}  # data: the buttons read the same in both


@dataclass(slots=True)
class Screen:
    """One step's prompt and choices (each choice's code is a Button)."""

    parts: list[Msg]
    choices: list[Choice]
    columns: int = 1
    rows: tuple[int, ...] = ()
    menu: Msg | None = None  # the list-picker button on WhatsApp


def build(t: Scratch) -> Screen:
    step = t.conv.step
    if step in (Step.CARRY, Step.PAUSED):
        from flows import round_steps  # here: round_steps builds on this module

        screen = round_steps.SCREENS[step](t)
    else:
        screen = _SCREENS[step](t)
    offer = t.conv.offer
    if offer is not None:
        # After a guessed language, the other one is one tap (or its number) away.
        words = t.world.words[f"lang_{offer}"]
        screen.choices.append(Choice(PickLanguage(offer), LANGUAGE_NAMES[offer], words))
    return screen


@cache  # the catalogue's models are frozen: built for every screen, the same every time
def names(named: Named) -> tuple[str, ...]:
    """Every name a resident may type for a category, group or district."""
    return tuple(n for n in (named.ru, named.ky, named.ru_short, named.ky_short) if n)


def show(t: Scratch, *lead: Msg, offer: Lang | None = None, again: bool = False) -> None:
    """Show the current step (after `lead`): the next screen number, its buttons bound to it.

    `offer`: a one-tap switch to this language at the end (after a guessed language).
    `again`: the current screen drawn again under its own number (its buttons stay valid).
    """
    from flows import round_steps  # here: round_steps builds on this module

    if t.conv.step in round_steps.ANSWERING and not round_steps.accepting(t):
        t.conv.step = Step.PAUSED  # the city takes no answers now: say so, and when
    t.conv.offer = offer
    t.conv.lead = [msg_data(m) for m in lead]
    screen = build(t)
    choices = screen.choices
    if t.conv.screen == 0 and t.event.now is not None:
        # Numbers start from the clock (milliseconds), not from 1: after /forget a new
        # conversation must not reuse the numbers of buttons still on old messages.
        t.conv.screen = int(t.event.now.timestamp() * 1000)
    if not again:
        t.conv.screen += 1
    number = t.conv.screen
    options = tuple(Option(pack(c.code, number), c.label) for c in choices)  # type: ignore[arg-type]
    parts = (*lead, *screen.parts) or (Msg("already-answered"),)
    t.screens.append(len(t.replies))
    t.replies.append(Reply(parts, options, screen.columns, rows=screen.rows, menu=screen.menu))


def go(t: Scratch, step: Step, *lead: Msg) -> None:
    t.conv.step = step
    show(t, *lead)


def pairs(count: int) -> tuple[int, ...]:
    """Rows of two for `count` buttons (the last row holds one when the count is odd)."""
    return (2,) * (count // 2) + ((1,) if count % 2 else ())


# --- the screens -----------------------------------------------------------------------------


def _language(t: Scratch) -> Screen:
    w = t.world.words
    choices = [
        Choice(PickLanguage("ky"), LANGUAGE_NAMES["ky"], w["lang_ky"]),
        Choice(PickLanguage("ru"), LANGUAGE_NAMES["ru"], w["lang_ru"]),
    ]
    return Screen([Msg("language-prompt")], choices, 2)


def _city(t: Scratch) -> Screen:
    choices = [
        Choice(PickCity(c.id), c.name(t.lang), (c.ru, c.ky, *c.aliases))
        for c in t.world.cities.values()
    ]
    return Screen([Msg("city-prompt")], choices, 1)


def _district(t: Scratch) -> Screen:
    city = t.city
    assert city is not None
    w = t.world.words
    narrowed = [d for d in city.districts if d.id in t.conv.places]
    districts = narrowed or list(city.districts)
    choices = [
        Choice(PickDistrict(d.id), d.short(t.lang), (*names(d), *d.aliases)) for d in districts
    ]
    if narrowed:
        parts = [Msg("district-which", {"city": city.name(t.lang)})]
        back_words = (*w["all_districts"], *w["back"])
        choices.append(Choice(Do(Action.BACK), Msg("btn-all-districts"), back_words))
    else:
        parts = [Msg("district-prompt", {"city": city.name(t.lang)})]
        if city.id in t.world.boundaries:
            parts.append(Msg("district-location-hint"))
    if city.allow_unknown_district:
        choices.append(Choice(PickDistrict(None), Msg("btn-district-unknown"), w["unknown"]))
    if t.world.fixed_city is None and not narrowed:
        choices.append(Choice(Do(Action.CHANGE_CITY), Msg("btn-change-city"), w["change_city"]))
    columns = 2 if len(districts) > 4 else 1
    return Screen(parts, choices, columns, menu=Msg("btn-menu"))


def problem_lines(t: Scratch, items: Sequence[Item], city: str | None = None) -> list[Msg]:
    shown = t.world.shown[city or t.conv.city or ""]
    lines = []
    for n, item in enumerate(items, 1):
        if item.category == OTHER:
            lines.append(Msg("problem-line-own", {"n": n, "text": item.text or ""}))
        elif item.text:
            label = shown.label(item.category, t.lang)
            lines.append(Msg("problem-line-typed", {"n": n, "label": label, "text": item.text}))
        else:
            lines.append(Msg("problem-line", {"n": n, "label": shown.label(item.category, t.lang)}))
    return lines


def free(t: Scratch, category_ids: Sequence[str]) -> list[str]:
    """The ids not on the list yet (also not the one being replaced: that would change
    nothing)."""
    taken = {i.category for i in t.items if i.category != OTHER}
    return [cid for cid in category_ids if cid not in taken]


def _category_choices(t: Scratch, ids: Sequence[str], mark: bool = False) -> list[Choice]:
    """Category buttons; `mark`: those on the list stay, with a check mark, so the numbers of
    a typed menu never shift under a resident who answers with several numbers quickly."""
    shown = t.world.shown[t.conv.city or ""]
    listed = {i.category for i in t.items} if mark else set()
    out = []
    for cid in ids:
        cat = shown.get(cid)
        if cat is not None:
            label = f"✓ {cat.short(t.lang)}" if cid in listed else cat.short(t.lang)
            out.append(Choice(PickCategory(cid), label, names(cat)))
    return out


def _problems(t: Scratch) -> Screen:
    w = t.world.words
    shown = t.world.shown[t.conv.city or ""]
    items, slot = t.items, t.conv.slot
    count = len(items)
    featured = _category_choices(t, shown.featured, mark=True)
    others = Choice(Do(Action.OTHERS), Msg("btn-other-topics"), w["other_topics"])
    if slot is not None:
        parts = [Msg("replace-prompt", {"label": t.label(items[slot])})]
        back = Choice(Do(Action.BACK), Msg("btn-back"), (*w["back"], *w["cancel"]))
        choices = [*featured, others, back]
        return Screen(parts, choices, rows=(*pairs(len(featured)), 1, 1), menu=Msg("btn-menu"))
    if count == 0:
        parts = [Msg("problems-first", {"max": MAX_PROBLEMS})]
    else:
        # After typed text a new message says only what changed, so a phone does not scroll
        # past the whole list each time; a tap (replacing its message) or a command shows it.
        parts = []
        if t.event.kind != "text":
            parts = [Msg("problems-list", {"count": count, "max": MAX_PROBLEMS})]
            parts += problem_lines(t, items)
        parts.append(Msg("problems-next", {"next": count + 1, "max": MAX_PROBLEMS}))
        if count == 1:
            parts.append(Msg("problems-more-better"))  # said once, not at every step
    # Featured two to a row (a listed one, ✓, is taken off by a second tap); "another topic"
    # for typed words alone; "other topics" beside "done". Ten options at most without the
    # typed-words one, so WhatsApp can show them as one list.
    retag = bool(count and items[-1].text and items[-1].category != OTHER)
    controls = [Choice(Do(Action.RETAG), Msg("btn-retag"), w["retag"])] if retag else []
    controls.append(others)
    if count:
        controls.append(Choice(Do(Action.DONE), Msg("btn-done"), w["done"]))
    rows = (*pairs(len(featured)), *((1,) if retag else ()), 2)
    return Screen(parts, [*featured, *controls], rows=rows, menu=Msg("btn-menu"))


def _groups(t: Scratch) -> Screen:
    w = t.world.words
    shown = t.world.shown[t.conv.city or ""]
    choices = [
        Choice(OpenGroup(g.id), g.short(t.lang), names(g))
        for g in shown.groups
        if free(t, [c.id for c in shown.in_group(g.id)])
    ]
    choices.append(Choice(Do(Action.BACK), Msg("btn-back"), w["back"]))
    placing = t.conv.refine and t.conv.slot is not None and t.conv.slot < len(t.items)
    words = t.items[t.conv.slot or 0].text if placing else None
    lead = [Msg("pending-words", {"text": words})] if words else []
    return Screen([*lead, Msg("groups-prompt")], choices, 1, menu=Msg("btn-menu"))


def _group(t: Scratch) -> Screen:
    w = t.world.words
    gid = t.conv.group or ""
    shown = t.world.shown[t.conv.city or ""]
    group = next((g for g in shown.groups if g.id == gid), None)
    ids = free(t, [c.id for c in shown.in_group(gid)])
    pages = max(1, -(-len(ids) // GROUP_PAGE))
    page = min(t.conv.page, pages - 1)
    choices = _category_choices(t, ids[page * GROUP_PAGE : (page + 1) * GROUP_PAGE])
    if pages > 1:
        choices.append(Choice(Do(Action.MORE), Msg("btn-more"), w["more"]))
    choices.append(Choice(Do(Action.BACK), Msg("btn-back"), w["back"]))
    name = group.name(t.lang) if group else ""
    return Screen([Msg("group-prompt", {"group": name})], choices, 1, menu=Msg("btn-menu"))


def _suggest(t: Scratch) -> Screen:
    """Typed words already on the list: their topic, or a second problem they name."""
    w = t.world.words
    shown = t.world.shown[t.conv.city or ""]
    c = t.conv
    item = t.items[c.slot or 0]
    text = item.text or ""
    count = {"count": len(t.items), "max": MAX_PROBLEMS}
    if c.also:
        label = shown.label(c.also, t.lang)
        parts = [
            Msg("problem-added-typed", {"label": t.label(item), "text": text, **count}),
            Msg("also-ask", {"label": label}),
        ]
        cat = shown.get(c.also)
        # The button as typed back: "Да, и Питьевая вода" / "Ооба, Ичүүчү суу да".
        spelled = (f"да, и {cat.ru}", f"ооба, {cat.ky} да") if cat else ()
        also_words = (*w["add_all"], *w["yes"], *spelled)
        choices = [
            Choice(Do(Action.ALSO), Msg("btn-also", {"label": label}), also_words),
            Choice(Do(Action.KEEP), Msg("btn-only-one"), (*w["only_one"], *w["no"])),
        ]
        return Screen(parts, choices, 1)
    choices = []
    for cid in c.suggestions:
        cat = shown.get(cid)
        words = names(cat) if cat else ()
        choices.append(Choice(PickCategory(cid), shown.short(cid, t.lang), words))
    others = Choice(Do(Action.OTHERS), Msg("btn-other-topics"), w["other_topics"])
    drop = Choice(Do(Action.DROP), Msg("btn-not-a-problem"), (*w["drop"], *w["cancel"]))
    if item.category != OTHER:
        # Another topic for words placed in one: or keep them as the resident's own words.
        parts = [Msg("retag-ask", {"text": text, "label": t.label(item)})]
        own = Choice(Do(Action.OWN), Msg("btn-own-words"), w["keep_own"])
        back = Choice(Do(Action.KEEP), Msg("btn-back"), (*w["back"], *w["keep"]))
        return Screen(parts, [*choices, own, others, back], 1, menu=Msg("btn-menu"))
    parts = [Msg("own-saved", {"text": text, **count})]
    keep_words = (*w["keep_own"], *w["keep"])
    if len(choices) == 1:
        label = shown.label(c.suggestions[0], t.lang)
        parts.append(Msg("own-one", {"label": label}))
        accept = (*choices[0].words, *w["yes"], *w["confirm"])  # "yes" takes the proposal
        choices[0] = Choice(choices[0].code, Msg("btn-accept", {"label": label}), accept)
        keep_words = (*keep_words, *w["no"])  # "no": as they wrote it
    elif choices:
        parts.append(Msg("own-many"))
    else:
        parts.append(Msg("own-none"))
        keep_words = (*keep_words, *w["yes"], *w["confirm"])  # "yes, keep it so"
    keep = Choice(Do(Action.KEEP), Msg("btn-keep-as-is"), keep_words)
    return Screen(parts, [*choices, keep, others, drop], 1, menu=Msg("btn-menu"))


def place_lines(t: Scratch, city: City, district: str | None) -> list[Msg]:
    lines = []
    if t.world.fixed_city is None:
        lines.append(Msg("answer-city", {"city": city.name(t.lang)}))
    d = city.district(district)
    lines.append(
        Msg("answer-district", {"district": d.name(t.lang)})
        if d
        else Msg("answer-district-unknown")
    )
    return lines


def _review(t: Scratch) -> Screen:
    w = t.world.words
    city = t.city
    assert city is not None
    items = t.items
    count = len(items)
    # The list with the resident's own words, then the problems again as buttons to act on.
    parts = [Msg("review-title"), *place_lines(t, city, t.conv.district)]
    parts += [*problem_lines(t, items), Msg("review-hint")]
    if count < MAX_PROBLEMS:
        parts.append(Msg("review-can-add", {"count": count, "max": MAX_PROBLEMS}))
    shown = t.world.shown[city.id]
    choices = []
    for n, item in enumerate(items, 1):
        cat = shown.get(item.category)
        if item.category == OTHER or cat is None:
            label, typed = item.text or "", (item.text or "",)
        else:
            label, typed = cat.short(t.lang), names(cat)
        words = (*typed, *(f"{n}. {w}" for w in typed))  # "1. Дороги" as on the button
        choices.append(Choice(PickItem(n - 1), Msg("item-button", {"n": n, "label": label}), words))
    rows: list[int] = [1] * count
    if count < MAX_PROBLEMS:
        choices.append(Choice(Do(Action.ADD), Msg("btn-add-more"), w["add_more"]))
        rows.append(1)
    place = [Choice(Do(Action.CHANGE_DISTRICT), Msg("btn-change-district"), w["change_district"])]
    if t.world.fixed_city is None:
        place.append(Choice(Do(Action.CHANGE_CITY), Msg("btn-change-city"), w["change_city"]))
    choices += place
    rows.append(len(place))
    confirm = (*w["confirm"], *w["yes"], *w["done"])
    choices.append(Choice(Do(Action.CONFIRM), Msg("btn-confirm"), confirm))
    return Screen(parts, choices, rows=(*rows, 1), menu=Msg("btn-menu"))


def _item(t: Scratch) -> Screen:
    w = t.world.words
    items, slot = t.items, t.conv.slot or 0
    parts = [Msg("item-prompt", {"n": slot + 1, "label": t.label(items[slot])})]
    moves = []
    if slot > 0:
        moves.append(Choice(Do(Action.UP), Msg("btn-up"), w["up"]))
    if slot < len(items) - 1:
        moves.append(Choice(Do(Action.DOWN), Msg("btn-down"), w["down"]))
    choices = [
        *moves,
        Choice(Do(Action.REPLACE), Msg("btn-replace"), w["replace"]),
        Choice(Do(Action.REMOVE), Msg("btn-remove"), w["remove"]),
        Choice(Do(Action.BACK), Msg("btn-back"), w["back"]),
    ]
    return Screen(parts, choices, rows=(*((len(moves),) if moves else ()), 2, 1))


def _subscribe(t: Scratch) -> Screen:
    w = t.world.words
    choices = [
        Choice(Subscribe(True), Msg("btn-subscribe-yes"), w["yes"]),
        Choice(Subscribe(False), Msg("btn-subscribe-no"), w["no"]),
    ]
    return Screen([Msg("subscribe-prompt")], choices, 1)


def done_choices(t: Scratch) -> list[Choice]:
    w = t.world.words
    subscribed = bool(t.s.profile.subscribed)
    return [
        Choice(Do(Action.RESULTS), Msg("btn-results"), w["results"]),
        Choice(Do(Action.EDIT), Msg("btn-edit"), w["edit"]),
        Choice(Subscribe(False), Msg("btn-unsubscribe"), w["unsubscribe"])
        if subscribed
        else Choice(Subscribe(True), Msg("btn-subscribe"), w["subscribe"]),
    ]


def _done(t: Scratch) -> Screen:
    """After answering: what to do next. The text is the caller's (thanks, help, answers...)."""
    return Screen([], done_choices(t), rows=(2, 1))


def answer_lines(t: Scratch) -> list[Msg]:
    answer = t.s.answer
    if answer is None or not answer.items or answer.city not in t.world.cities:
        return [Msg("my-none")]
    parts = [Msg("my-title")]
    parts += place_lines(t, t.world.cities[answer.city], answer.district)
    parts += problem_lines(t, answer.items, answer.city)
    parts.append(Msg("my-subscribed" if t.s.profile.subscribed else "my-not-subscribed"))
    return parts


def _forget(t: Scratch) -> Screen:
    w = t.world.words
    choices = [
        Choice(Do(Action.FORGET), Msg("btn-forget-yes"), (*w["yes"], *w["forget"])),
        Choice(Do(Action.KEEP), Msg("btn-forget-no"), (*w["no"], *w["cancel"])),
    ]
    return Screen([Msg("forget-prompt")], choices, 1)


_SCREENS: dict[Step, Callable[[Scratch], Screen]] = {
    Step.LANGUAGE: _language,
    Step.CITY: _city,
    Step.DISTRICT: _district,
    Step.PROBLEMS: _problems,
    Step.GROUPS: _groups,
    Step.GROUP: _group,
    Step.SUGGEST: _suggest,
    Step.REVIEW: _review,
    Step.ITEM: _item,
    Step.SUBSCRIBE: _subscribe,
    Step.DONE: _done,
    Step.FORGET: _forget,
}


def button_of(code: object) -> Button:
    assert isinstance(code, Button)
    return code
