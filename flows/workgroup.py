"""Working-group chat commands: who may do what, and what it means (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from flows.catalogue import LANGS, Lang
from flows.choices import Choice, resolve
from flows.session import Msg
from flows.world import World

GROUP_COMMANDS = ("bind", "unbind", "summary", "review", "export", "language", "help")


@dataclass(frozen=True, slots=True)
class GroupContext:
    """One command in a group: the sender, and what the chat is bound to (if anything)."""

    user_id: int
    bound_city: str | None
    lang: Lang


@dataclass(frozen=True, slots=True)
class Bind:
    city: str


@dataclass(frozen=True, slots=True)
class Unbind:
    city: str


@dataclass(frozen=True, slots=True)
class SetGroupLanguage:
    lang: Lang


@dataclass(frozen=True, slots=True)
class SendSummary:
    city: str
    district: str | None


@dataclass(frozen=True, slots=True)
class SendExport:
    city: str


@dataclass(frozen=True, slots=True)
class StartReview:
    city: str


Action = Bind | Unbind | SetGroupLanguage | SendSummary | SendExport | StartReview


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do (nothing, for a refusal) and what to say, in `lang`."""

    reply: Msg | None
    action: Action | None = None
    lang: Lang = "ru"


def is_admin(world: World, city: str, user_id: int) -> bool:
    return city in world.admin_cities(f"tg:{user_id}")


def decide(world: World, ctx: GroupContext, command: str, args: str) -> Decision | None:
    """The decision for a /command in a group; None for commands that are not ours (a group
    has other bots and other conversations: stay silent)."""
    if command not in GROUP_COMMANDS:
        return None
    lang = ctx.lang
    if command == "help":
        return Decision(Msg("group-help"), lang=lang)
    if command == "bind":
        city = _city(world, args)
        if city is None:
            known = ", ".join(sorted(world.cities))
            return Decision(Msg("group-unknown-city", {"cities": known}), lang=lang)
        if not is_admin(world, city, ctx.user_id):
            return Decision(Msg("group-not-admin"), lang=lang)
        name = world.cities[city].name(lang)
        return Decision(Msg("group-bound", {"city": name}), Bind(city), lang)
    if ctx.bound_city is None or ctx.bound_city not in world.cities:
        return Decision(Msg("group-not-bound"), lang=lang)
    city = ctx.bound_city
    if command == "unbind":
        if not is_admin(world, city, ctx.user_id):
            return Decision(Msg("group-not-admin"), lang=lang)
        name = world.cities[city].name(lang)
        return Decision(Msg("group-unbound", {"city": name}), Unbind(city), lang)
    if command == "language":
        chosen = _language(world, args)
        if chosen is None:
            return Decision(Msg("group-language-usage"), lang=lang)
        return Decision(Msg("group-language-set"), SetGroupLanguage(chosen), chosen)
    if command == "export":
        return Decision(None, SendExport(city), lang)
    if command == "review":
        return Decision(None, StartReview(city), lang)
    # summary: any member of a bound working-group chat may ask for it
    if not args.strip():
        return Decision(None, SendSummary(city, None), lang)
    district = _district(world, city, args)
    if district is None:
        names = ", ".join(d.name(lang) for d in world.cities[city].districts)
        return Decision(Msg("group-unknown-district", {"districts": names}), lang=lang)
    return Decision(None, SendSummary(city, district), lang)


def _city(world: World, text: str) -> str | None:
    choices = [Choice(c.id, c.ru, (c.id, c.ru, c.ky, *c.aliases)) for c in world.cities.values()]
    return resolve(text, choices) if text.strip() else None


def _district(world: World, city: str, text: str) -> str | None:
    districts = world.cities[city].districts
    choices = [Choice(d.id, d.ru, (d.id, d.ru, d.ky, *d.aliases)) for d in districts]
    return resolve(text, choices)


def _language(world: World, text: str) -> Lang | None:
    choices = [Choice(lang, lang, (lang, *world.words[f"lang_{lang}"])) for lang in LANGS]
    found = resolve(text, choices) if text.strip() else None
    return found if found in LANGS else None  # type: ignore[return-value]
