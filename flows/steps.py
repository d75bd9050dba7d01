"""The survey's steps besides the list: language, city, district, confirmation, subscription,
the answers screen, /forget, links, locations, /results and the reminder (pure)."""

from __future__ import annotations

from collections.abc import Callable

from flows import links, places, problems, round_steps
from flows.buttons import Action, Button, Do, PickCity, PickDistrict, PickLanguage, Subscribe
from flows.catalogue import Lang
from flows.results import results_parts
from flows.screens import go, show
from flows.session import MAX_PROBLEMS, Forget, Inbound, Msg, Nudged, Session, SetSource, Step
from flows.text import normalise
from flows.turn import Scratch

# Steps of a survey not yet finished: the one reminder is for residents who stopped here.
SURVEY_STEPS = (
    Step.CITY,
    Step.DISTRICT,
    Step.PROBLEMS,
    Step.GROUPS,
    Step.GROUP,
    Step.SUGGEST,
    Step.REVIEW,
    Step.ITEM,
)


def repair(t: Scratch) -> None:
    """Bring a stored state back in line with today's configuration (cities may change)."""
    c = t.conv
    if c.legacy_items:
        # A list kept in the conversation by the previous version: it becomes the answer.
        if not t.answered and c.city in t.world.cities:
            t.set_items(c.legacy_items[:MAX_PROBLEMS])
        c.legacy_items = []
    if t.world.fixed_city and c.city != t.world.fixed_city and c.step != Step.DONE:
        c.city, c.district, c.district_chosen = t.world.fixed_city, None, False
    if c.city is not None and c.city not in t.world.cities:
        c.city, c.district, c.district_chosen = None, None, False
    city = t.city
    if city and c.district and not city.district(c.district):
        c.district, c.district_chosen = None, False
    if city is None or any(d not in {x.id for x in city.districts} for d in c.places):
        c.places = []
    items = t.items
    if c.slot is not None and (c.slot >= len(items) or c.step in (Step.DONE, Step.REVIEW)):
        c.done_with_slot()
    if c.step in SURVEY_STEPS[1:] and city is None:
        c.step = Step.CITY
    elif c.step in SURVEY_STEPS[2:] and not c.district_chosen:
        c.step = Step.DISTRICT
    if c.step == Step.ITEM and c.slot is None:
        c.step = Step.REVIEW
    if c.step == Step.REVIEW and not items:
        c.step = Step.PROBLEMS
    if c.step == Step.SUGGEST and (c.slot is None or not items[c.slot].text):
        c.step = Step.PROBLEMS
    if c.step == Step.GROUP and c.group not in {g.id for g in t.world.catalogue.groups}:
        c.step = Step.GROUPS
    if c.step == Step.DONE and not t.answered:
        c.step = Step.LANGUAGE if t.s.profile.lang is None else first_step(t)
    _repair_round(t)
    if c.step != Step.LANGUAGE and t.s.profile.lang is None:
        c.resume = c.step if c.step != Step.DONE else None
        c.step = Step.LANGUAGE


def _repair_round(t: Scratch) -> None:
    """A stored step that the survey rounds no longer allow (a round opened or closed since
    the resident's last message), or that a new round offers to begin differently."""
    c = t.conv
    if c.step in round_steps.ANSWERING and not round_steps.accepting(t):
        c.step = Step.PAUSED
    elif c.step == Step.PAUSED and round_steps.accepting(t):
        c.step = Step.DONE if t.answered else first_step(t)
    elif c.step == Step.CARRY and not round_steps.offers_previous(t):
        c.step = first_step(t)
    elif c.step == Step.PROBLEMS and not t.items and round_steps.offers_previous(t):
        c.step = Step.CARRY  # mid-survey when the round opened: the last list first


def first_step(t: Scratch) -> Step:
    """Where the survey begins: what a link or the configuration already answered is skipped."""
    c = t.conv
    if t.world.fixed_city:
        c.city = t.world.fixed_city
    if c.city is None:
        return Step.CITY
    if not c.district_chosen:
        return Step.DISTRICT
    if round_steps.offers_previous(t):
        return Step.CARRY
    return Step.REVIEW if t.answered else Step.PROBLEMS


def preset(t: Scratch, payload: str) -> bool:
    """A deep link's city, district and source tag; a bad payload is ignored politely."""
    preset = links.decode(payload, t.world) if payload else None
    if preset is None:
        return False
    if preset.source:
        t.effects.append(SetSource(preset.source))
    c = t.conv
    if t.answered:
        return True  # a resident who answered keeps their place; the link only says where from
    c.city, c.district, c.district_chosen = (
        preset.city,
        preset.district,
        preset.district is not None,
    )
    c.places = []
    return True


def preset_lines(t: Scratch) -> list[Msg]:
    """Where a link placed the resident, said once (they can change it on the review)."""
    city = t.city
    if city is None or not t.conv.district_chosen or t.world.fixed_city:
        return []
    district = city.district(t.conv.district)
    name = district.name(t.lang) if district else ""
    return [Msg("preset-place", {"city": city.name(t.lang), "district": name})]


def after_language(t: Scratch, guessed: bool = False) -> None:
    """Language chosen: go back where the resident was, or begin the survey."""
    resume = t.conv.resume
    t.conv.resume = None
    if resume is None and not t.answered:
        t.conv.step = first_step(t)
        offer: Lang | None = ("ru" if t.lang == "ky" else "ky") if guessed else None
        show(t, Msg("intro"), *preset_lines(t), offer=offer)
    else:
        go(t, resume or (Step.DONE if t.answered else first_step(t)))


def system(t: Scratch, what: str) -> None:
    """Not from the resident: the one reminder to finish the survey ("nudge"), or the platform
    saying they blocked the bot or opted out ("blocked": announcements stop; writing to the
    bot again does not subscribe anyone by itself)."""
    if what == "blocked":
        if t.s.profile.subscribed:
            t.set_subscribed(False)
        return
    if what != "nudge":
        return
    t.effects.append(Nudged())  # once, whatever happens: not again until they write again
    if t.conv.step in SURVEY_STEPS and len(t.items) < MAX_PROBLEMS and t.s.profile.lang:
        show(t, Msg("nudge", {"count": len(t.items), "max": MAX_PROBLEMS}))


def media(t: Scratch, event: Inbound) -> None:
    if t.s.profile.lang is None:
        show(t)  # before a language is known the bilingual prompt is the whole answer
        return
    c = t.conv
    mapped = t.world.boundaries if c.step == Step.CITY else {}
    if c.step == Step.DISTRICT and c.city in t.world.boundaries:
        mapped = t.world.boundaries
    if event.location is not None and mapped:
        found = t.world.locate(*event.location)
        if found is None or (c.step == Step.DISTRICT and found[0] != c.city):
            show(t, Msg("location-outside"))
            return
        c.city, c.district, c.district_chosen, c.places = found[0], found[1], True, []
        dropped = t.move_answer_here()
        name = t.world.cities[found[0]].district(found[1])
        lead = Msg("district-located", {"district": name.name(t.lang) if name else ""})
        go(t, Step.REVIEW if t.answered else Step.PROBLEMS, lead, *dropped)
        return
    show(t, Msg("media-unsupported", {"kind": event.media or "other"}))


def beside_step(t: Scratch, *parts: Msg) -> None:
    """Information asked for: at the end it is the screen's text, mid-survey a message of its
    own before the current step (so the step's list is not mixed into it)."""
    if t.conv.step == Step.DONE:
        show(t, *parts)
    else:
        t.say(*parts)
        show(t)


def results(t: Scratch) -> list[Msg]:
    answer = t.s.answer
    city = answer.city if t.answered and answer else t.conv.city
    district = answer.district if t.answered and answer else t.conv.district
    if city not in t.world.cities or t.facts.tallies is None:
        return [Msg("results-no-city")]
    return results_parts(t.world, city or "", district, t.facts.tallies, t.lang)


def edit(t: Scratch, *lead: Msg) -> None:
    """The saved list on the review screen, where each problem can be moved or replaced."""
    if not round_steps.accepting(t):
        go(t, Step.PAUSED, *lead)  # no round takes answers now: say when the next one opens
        return
    answer = t.s.answer
    if answer is None or not answer.items or answer.city not in t.world.cities:
        show(t, *lead, Msg("my-none"))
        return
    c = t.conv
    c.city, c.district, c.district_chosen = answer.city, answer.district, True
    c.done_with_slot()
    c.group, c.page = None, 0
    go(t, Step.REVIEW, *lead)


def subscription(t: Scratch, value: bool) -> None:
    t.set_subscribed(value)
    show(t, Msg("subscribed" if value else "stopped"))


def _on_language(t: Scratch, button: Button | None, text: str) -> None:
    if not isinstance(button, PickLanguage):
        show(t)  # the bilingual prompt is the whole explanation
        return
    t.set_lang(button.lang)
    after_language(t)


def not_served(t: Scratch, text: str) -> bool:
    """A town the bot does not serve ("Бишкек"): say which cities take part. Checked before
    typo-tolerant matching, so "Кара-Көл" never becomes Karakol."""
    if normalise(text) not in {normalise(w) for w in t.world.words["not_served"]}:
        return False
    cities = ", ".join(city.name(t.lang) for city in t.world.cities.values())
    show(t, Msg("city-not-served", {"city": text[:40], "cities": cities}))
    return True


def _on_city(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    if not isinstance(button, PickCity):
        show(t, Msg("not-understood"))
        return
    if button.city != c.city:
        c.city, c.district, c.district_chosen, c.places = button.city, None, False, []
    go(t, Step.DISTRICT)


def _on_district(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    city = t.city
    assert city is not None
    match button:
        case PickDistrict(district=did):
            c.district, c.district_chosen, c.places = did, True, []
            dropped = t.move_answer_here()
            go(t, Step.REVIEW if t.answered else Step.PROBLEMS, *dropped)
        case Do(action=Action.CHANGE_CITY):
            go(t, Step.CITY)
        case Do(action=Action.BACK):
            c.places = []
            go(t, Step.DISTRICT)
        case _:
            named = places.districts_named(city, text) if text else []
            if len(named) == 1:
                _on_district(t, PickDistrict(named[0]), "")
            elif named:
                c.places = named  # a street in several districts: the resident picks
                go(t, Step.DISTRICT)
            else:
                show(t, Msg("not-understood"))


def confirm(t: Scratch) -> None:
    """The review is right: the list was saved all along; ask about invitations once."""
    c = t.conv
    c.done_with_slot()
    c.group, c.page = None, 0
    if t.s.profile.subscribed is None:
        go(t, Step.SUBSCRIBE, Msg("saved"))
    else:
        subscribed = "yes" if t.s.profile.subscribed else "no"
        go(t, Step.DONE, Msg("saved"), Msg("thanks", {"subscribed": subscribed}))


def _on_review(t: Scratch, button: Button | None, text: str) -> None:
    if button == Do(Action.CONFIRM):
        confirm(t)
    else:
        problems.on_review(t, button, text)


def _on_subscribe(t: Scratch, button: Button | None, text: str) -> None:
    if not isinstance(button, Subscribe):
        show(t, Msg("not-understood"))
        return
    t.set_subscribed(button.on)
    go(t, Step.DONE, Msg("thanks", {"subscribed": "yes" if button.on else "no"}))


def _on_done(t: Scratch, button: Button | None, text: str) -> None:
    match button:
        case Do(action=Action.EDIT):
            edit(t)
        case Do(action=Action.RESULTS):
            show(t, *results(t))
        case Subscribe(on=value):
            subscription(t, value)
        case _:
            show(t, Msg("already-answered"))


def _on_forget(t: Scratch, button: Button | None, text: str) -> None:
    c = t.conv
    if button == Do(Action.FORGET):
        t.render_lang = t.lang
        t.effects.append(Forget())
        t.s = Session()
        t.say(Msg("forgotten"))
    elif button == Do(Action.KEEP):
        c.step, c.resume = c.resume or Step.DONE, None
        repair(t)
        show(t, Msg("forget-cancelled"))
    else:
        show(t, Msg("not-understood"))


def _on_carry(t: Scratch, button: Button | None, text: str) -> None:
    """A new round: the earlier list kept with one tap, changed on the review, or a new list
    begun by typing a problem."""
    if button == Do(Action.CONFIRM):
        dropped = round_steps.adopt_previous(t)
        if dropped:
            go(t, Step.REVIEW, *dropped)  # some of it is not asked here: look at it again
        else:
            confirm(t)
    elif button == Do(Action.EDIT):
        go(t, Step.REVIEW, *round_steps.adopt_previous(t))
    elif text:
        t.conv.step = Step.PROBLEMS if t.conv.district_chosen else Step.DISTRICT
        HANDLERS[t.conv.step](t, None, text)
    else:
        show(t, Msg("not-understood"))


def _on_paused(t: Scratch, button: Button | None, text: str) -> None:
    """Outside a round: the results, a message when the next round begins, another city, or
    the same screen again."""
    if button == Do(Action.RESULTS):
        show(t, *results(t))
    elif isinstance(button, Subscribe):
        t.set_subscribed(button.on)  # the screen now says a message will come
        show(t, *(() if button.on else (Msg("stopped"),)))
    elif button == Do(Action.CHANGE_CITY):
        go(t, Step.CITY)
    else:
        show(t)


HANDLERS: dict[Step, Callable[[Scratch, Button | None, str], None]] = {
    Step.LANGUAGE: _on_language,
    Step.CITY: _on_city,
    Step.DISTRICT: _on_district,
    Step.PROBLEMS: problems.on_problems,
    Step.GROUPS: problems.on_groups,
    Step.GROUP: problems.on_group,
    Step.SUGGEST: problems.on_suggest,
    Step.REVIEW: _on_review,
    Step.ITEM: problems.on_item,
    Step.SUBSCRIBE: _on_subscribe,
    Step.DONE: _on_done,
    Step.FORGET: _on_forget,
    Step.CARRY: _on_carry,
    Step.PAUSED: _on_paused,
}
