"""Working-group chats (pure): commands, review taps and platform events, decided from the
chat's binding, the event and the data loaded for it; what happens is effects and replies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows import review, round_chat
from flows.buttons import ReviewKeep, ReviewPage, ReviewPlace, ReviewSkip, parse
from flows.catalogue import LANGS, OTHER, Lang
from flows.choices import Choice, resolve
from flows.effects import (
    BindGroup,
    GroupEffect,
    MoveChat,
    PlaceWording,
    SetGroupLanguage,
    UnbindGroup,
)
from flows.facts import Facts, Needs
from flows.roles import Right, may
from flows.rounds import local_day
from flows.session import Chart, Inbound, Msg, Reply, Spreadsheet
from flows.summary import city_ranking, summary_parts
from flows.world import World

GROUP_COMMANDS = ("bind", "unbind", "summary", "review", "export", "language", "help", "round")
_RIGHTS = {
    "unbind": Right.BIND,
    "language": Right.LANGUAGE,
    "summary": Right.SUMMARY,
    "review": Right.REVIEW,
    "export": Right.EXPORT,
    "round": Right.SUMMARY,  # seeing the round; opening and closing: flows/round_chat.py
}


@dataclass(frozen=True, slots=True)
class Binding:
    """The city a chat is the working group of, and the language its messages are in."""

    city: str
    lang: Lang


@dataclass(frozen=True, slots=True)
class GroupTurn:
    """What one group event produced. `edit`: the first reply replaces the tapped message;
    `notice`: a short note on the tap itself."""

    replies: tuple[Reply, ...] = ()
    effects: tuple[GroupEffect, ...] = ()
    lang: Lang = "ru"
    edit: bool = False
    notice: Msg | None = None


def _lang(binding: Binding | None) -> Lang:
    return binding.lang if binding is not None else "ru"


def needs(binding: Binding | None, event: Inbound, world: World) -> Needs:
    """The data the decision reads, from the event alone (loaded before it runs)."""
    if binding is None or binding.city not in world.cities:
        return Needs()
    city = binding.city
    if event.kind == "choice":
        return Needs(unplaced=city)
    if event.kind != "command":
        return Needs()
    if event.command == "review":
        return Needs(unplaced=city)
    if event.command == "summary":
        return Needs(tallies=city, sources=city)
    if event.command == "round":
        return Needs(rounds=city)
    return Needs()


def step(binding: Binding | None, event: Inbound, world: World, facts: Facts) -> GroupTurn:
    """One event of a group chat; an empty turn for what is not ours (a group has other bots
    and its own conversation: stay silent)."""
    if event.kind == "system" and event.command == "migrated" and event.text.lstrip("-").isdigit():
        return GroupTurn(effects=(MoveChat(int(event.text)),))
    if event.kind == "choice":
        return _tap(binding, event, world, facts)
    if event.kind != "command" or event.command not in GROUP_COMMANDS:
        return GroupTurn()
    return _command(binding, event, world, facts)


def _say(lang: Lang, *parts: Msg, effects: tuple[GroupEffect, ...] = ()) -> GroupTurn:
    return GroupTurn((Reply(parts),), effects, lang)


def _command(binding: Binding | None, event: Inbound, world: World, facts: Facts) -> GroupTurn:
    command, args, lang = event.command, event.text, _lang(binding)
    if command == "help":
        return _say(lang, Msg("group-help"))
    if command == "bind":
        return _bind(binding, event, world)
    if binding is None or binding.city not in world.cities:
        return _say(lang, Msg("group-not-bound"))
    city = binding.city
    if not may(world, city, event.sender, _RIGHTS[command], member=True):
        return _say(lang, Msg("group-not-allowed"))
    name = world.cities[city].name(lang)
    if command == "unbind":
        return _say(lang, Msg("group-unbound", {"city": name}), effects=(UnbindGroup(),))
    if command == "language":
        chosen = _language(world, args)
        if chosen is None:
            return _say(lang, Msg("group-language-usage"))
        return _say(chosen, Msg("group-language-set"), effects=(SetGroupLanguage(chosen),))
    if command == "review":
        wordings = review.queue(facts.unplaced or (), world.learned.get(city, {}))
        return GroupTurn((_next(world, city, wordings, lang),), lang=lang)
    if command == "export":
        return _export(city, event, world, lang)
    if command == "round":
        parts, made = round_chat.decide(city, event, world, facts, lang)
        return _say(lang, *parts, effects=made)  # type: ignore[arg-type]
    return _summary(city, args, world, facts, lang)


def _bind(binding: Binding | None, event: Inbound, world: World) -> GroupTurn:
    lang = _lang(binding)
    city = _city(world, event.text)
    if city is None:
        known = ", ".join(sorted(world.cities))
        return _say(lang, Msg("group-unknown-city", {"cities": known}))
    if not may(world, city, event.sender, Right.BIND):
        return _say(lang, Msg("group-not-admin"))
    # Moving a working group to another city takes an admin of the city it serves now: else
    # any city's admin could take another city's working group away from it.
    elsewhere = binding is not None and binding.city != city and binding.city in world.cities
    if elsewhere and binding is not None and not may(world, binding.city, event.sender, Right.BIND):
        bound = world.cities[binding.city].name(lang)
        return _say(lang, Msg("group-bound-elsewhere", {"city": bound}))
    name = world.cities[city].name(lang)
    return _say(lang, Msg("group-bound", {"city": name}), effects=(BindGroup(city, lang),))


def _summary(city: str, args: str, world: World, facts: Facts, lang: Lang) -> GroupTurn:
    district = None
    if args.strip():
        district = _district(world, city, args)
        if district is None:
            names = ", ".join(d.name(lang) for d in world.cities[city].districts)
            return _say(lang, Msg("group-unknown-district", {"districts": names}))
    sources = facts.sources if district is None else None
    ranking = city_ranking(world, city, facts.tallies or {}, district, sources=sources)
    replies = [Reply(tuple(summary_parts(world, ranking, lang)))]
    if ranking.overall.rows and district is None:
        replies.append(Reply((), attachment=Chart(ranking)))
    return GroupTurn(tuple(replies), lang=lang)


def _export(city: str, event: Inbound, world: World, lang: Lang) -> GroupTurn:
    # The city's day (Karakol is 6 hours ahead of UTC: at 03:00 there it is still yesterday).
    zone = world.cities[city].timezone
    day = local_day(event.now, zone).isoformat() if event.now else "export"
    caption = Msg("export-caption", {"city": world.cities[city].name(lang)})
    sheet = Spreadsheet(city, f"citybot-{city}-{day}.xlsx")
    return GroupTurn((Reply((caption,), attachment=sheet),), lang=lang)


def _next(
    world: World,
    city: str,
    wordings: list[review.Wording],
    lang: Lang,
    lead: tuple[Msg, ...] = (),
) -> Reply:
    """The first wording of the queue with its buttons, or "all done"."""
    if not wordings:
        return Reply((*lead, Msg("review-empty")))
    wording = wordings[0]
    guesses = world.matchers[city].candidates(wording.sample, limit=3)
    categories = [m.category for m in guesses]
    # Similar wordings waiting too: a button places them all together (flows/review.py).
    theme = review.theme_option(review.themes(wordings), wording)
    shown = world.shown[city]
    return review.first_screen(shown, wording, len(wordings), categories, lang, lead, theme)


def _tap(binding: Binding | None, event: Inbound, world: World, facts: Facts) -> GroupTurn:
    """A review button. Only in a bound chat, only for those who may review; a wording placed
    meanwhile (a double tap, another reviewer) is said to be gone, nothing else happens."""
    lang = _lang(binding)
    parsed = parse(event.choice)
    button = parsed[1] if parsed is not None else None
    reviewing = (ReviewPlace, ReviewPage, ReviewKeep, ReviewSkip, *review.THEME_BUTTONS)
    if binding is None or binding.city not in world.cities or not isinstance(button, reviewing):
        return GroupTurn(lang=lang)
    city = binding.city
    if not may(world, city, event.sender, Right.REVIEW, member=True):
        return GroupTurn(lang=lang, notice=Msg("group-not-allowed"))
    wordings = review.queue(facts.unplaced or (), world.learned.get(city, {}))
    if isinstance(button, review.THEME_BUTTONS):
        return _theme_tap(world, city, event, wordings, button, lang)
    if isinstance(button, ReviewSkip):
        return GroupTurn(
            (_next(world, city, review.after(wordings, button.tag), lang),), lang=lang, edit=True
        )
    wording = next((w for w in wordings if w.tag == button.tag), None)
    if wording is None:
        return GroupTurn(lang=lang, notice=Msg("review-gone"))
    shown = world.shown[city]
    if isinstance(button, ReviewPage):
        page = review.category_page(shown, wording, button.page, lang, len(wordings))
        return GroupTurn((page,), lang=lang, edit=True)
    category = OTHER if isinstance(button, ReviewKeep) else button.category
    if category != OTHER and category not in shown.ids:
        return GroupTurn(lang=lang)  # forged data: nothing happens
    reviewer = int(event.sender.partition(":")[2] or 0)
    if category == OTHER:
        effect = PlaceWording(city, wording.key, category, reviewer, wording.items)
        done = Msg("review-kept")
    else:
        # The store moves what can move (an answer that names the category already keeps
        # these words) and links the wording to every answer it came from (for /forget).
        movable = wording.movable(category)
        effect = PlaceWording(city, wording.key, category, reviewer, wording.items)
        label = shown.label(category, lang)
        done = Msg("review-done", {"count": len(movable), "label": label})
    rest = [w for w in wordings if w.key != wording.key]
    return GroupTurn((_next(world, city, rest, lang, (done,)),), (effect,), lang, edit=True)


def _theme_tap(
    world: World, city: str, event: Inbound, wordings: list[review.Wording], button: Any, lang: Lang
) -> GroupTurn:
    """A button of similar wordings placed together (flows/review.py decides)."""
    reviewer = int(event.sender.partition(":")[2] or 0)
    tap = review.theme_tap(
        button,
        city,
        wordings,
        world.shown[city],
        world.matchers[city],
        lang,
        reviewer,
        lambda rest, lead: _next(world, city, rest, lang, lead),
    )
    replies = () if tap.reply is None else (tap.reply,)
    return GroupTurn(replies, tap.effects, lang, edit=bool(replies), notice=tap.notice)


def _city(world: World, text: str) -> str | None:
    choices = [Choice(c.id, c.ru, (c.id, c.ru, c.ky, *c.aliases)) for c in world.cities.values()]
    found = resolve(text, choices) if text.strip() else None
    return found if isinstance(found, str) else None


def _district(world: World, city: str, text: str) -> str | None:
    districts = world.cities[city].districts
    choices = [Choice(d.id, d.ru, (d.id, d.ru, d.ky, *d.aliases)) for d in districts]
    found = resolve(text, choices)
    return found if isinstance(found, str) else None


def _language(world: World, text: str) -> Lang | None:
    choices = [Choice(lang, lang, (lang, *world.words[f"lang_{lang}"])) for lang in LANGS]
    found = resolve(text, choices) if text.strip() else None
    return found if found in LANGS else None  # type: ignore[return-value]
