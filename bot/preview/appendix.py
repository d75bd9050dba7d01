"""The page's last sections: every message no scenario showed, plural forms, labels, catalogue."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

from bot.links import display_number
from bot.preview.demo import BOT_USERNAME, CITY, WHATSAPP_NUMBER
from bot.preview.markup import attr, id_label, part_html, telegram_html
from bot.preview.messages import walk
from bot.preview.page import Preview
from bot.whatsapp_content import units
from bot.whatsapp_render import SHORT, short_label
from flows.catalogue import Lang, Named
from flows.screens import LANGUAGE_NAMES
from flows.session import Msg, Option
from flows.world import World

PLURAL_SAMPLES = (1, 2, 5, 21)
# Variables that take a number: samples give them 3, and those that select a variant are
# shown for every PLURAL_SAMPLES value. Fluent does not say which variables are numbers
# (most are printed, not selected on), so they are listed.
NUMBER_VARS = frozenset(
    {
        "count",
        "n",
        "next",
        "max",
        "limit",
        "length",
        "respondents",
        "position",
        "percent",
        "weighted",
        "places",
        "sent",
        "failed",
        "skipped",
        "left",
        "minutes",
        "min",
        "tg",
        "wa",
    }
)


def add(p: Preview, world: World) -> None:
    """Every message no scenario showed, with sample arguments; plural forms; catalogue."""
    p.section(
        "appendix",
        "Appendix: messages not shown above",
        "Rendered with sample arguments; every selector variant is shown.",
    )
    missing = [m for m in p.messages if m not in p.shown]
    for msg_id in missing:
        _sample_block(p, world, msg_id)
    _plurals(p, world)
    _short_labels(p, world)
    _catalogue(p, world)


def _plurals(p: Preview, world: World) -> None:
    p.section(
        "plurals",
        "Plural forms",
        "Every message that changes with a number, for 1, 2, 5 and 21 "
        "(Kyrgyz nouns stay singular after a numeral).",
    )
    for msg_id, message in p.messages.items():
        walker = walk(message)
        numeric = [v for v in walker.selects if v in NUMBER_VARS]
        if numeric:
            rows = []
            for n in PLURAL_SAMPLES:
                args = _sample_args(p.lang, world, walker.variables, override={numeric[0]: n})
                text = p.texts.format(p.lang, Msg(msg_id, args))
                rows.append(f"<tr><td>{n}</td><td>{telegram_html(text)}</td></tr>")
            p.shown.add(msg_id)
            p.raw(
                f"Plural › {msg_id}",
                f'<div data-msg="{attr(msg_id)}">{id_label([msg_id])}'
                f'<table class="plural">{"".join(rows)}</table></div>',
            )


def _short_labels(p: Preview, world: World) -> None:
    """Every button label beside its WhatsApp form (`.short`, else cut to 24)."""
    p.section(
        "short",
        "Button labels on WhatsApp",
        "Lists allow 24 characters and quick replies 20 (an emoji counts as 2): a button "
        "with a longer label has a `.short` form, typed it means the same.",
    )
    rows = []
    for msg_id, message in p.messages.items():
        if not msg_id.startswith(("btn-", "announce-btn-")) and msg_id not in (
            "announce-both-langs",
            "announce-only",
        ):
            continue
        args = _sample_args(p.lang, world, walk(message).variables)
        option = Option("x", Msg(msg_id, args))
        label = p.texts.option_label(p.lang, option)
        short = short_label(p.texts, p.lang, option)
        has = any(a.id.name == SHORT for a in message.attributes)
        rows.append(
            f'<tr data-msg="{attr(msg_id)}"><td>{id_label([msg_id])}</td>'
            f"<td>{html.escape(label)}</td><td>{units(label)}</td>"
            f"<td>{html.escape(short)}{' (.short)' if has else ''}</td>"
            f"<td>{units(short)}</td></tr>"
        )
    p.raw(
        "Buttons › label, and what WhatsApp lists and quick replies show",
        "<table><tr><th>id</th><th>label</th><th>chars</th><th>WhatsApp</th>"
        "<th>chars</th></tr>" + "".join(rows) + "</table>",
    )


def _sample_args(
    lang: Lang,
    world: World,
    variables: Iterable[str],
    override: Mapping[str, object] | None = None,
) -> dict[str, str | int | Msg]:
    """Arguments for a message outside any scenario: demo names, numbers, marked strings."""
    city = world.cities[CITY]
    district = city.districts[0].name(lang)
    strings: dict[str, str | int | Msg] = {
        "city": city.name(lang),
        "cities": ", ".join(c.name(lang) for c in world.cities.values()),
        "district": district,
        "districts": ", ".join(d.name(lang) for d in city.districts[:3]),
        "label": world.shown[CITY].label("roads", lang),
        "old": world.shown[CITY].label("roads", lang),
        "new": world.shown[CITY].label("sidewalks", lang),
        "group": world.catalogue.groups[0].name(lang),
        "text": "<b>sample</b> & text",
        "title": "<sample title>",
        "place": "<sample place>",
        "agenda": "<sample agenda>",
        "date": "05.12.2026",
        "time": "15:00",
        "at": "01.12.2026 09:00",
        "day": "2026-11-24",
        "lang": LANGUAGE_NAMES["ky"],
        "command": "foo",
        "kind": "other",
        "subscribed": "yes",
        "rate": "2.5",
        "delta": "+2",
        "movement": Msg("summary-up", {"places": 2}),
        "list": Msg("announcements-none"),
        "username": f"@{BOT_USERNAME}",
        "number": display_number(WHATSAPP_NUMBER),
    }
    args: dict[str, str | int | Msg] = {}
    for var in variables:
        if override and var in override:
            args[var] = override[var]  # type: ignore[assignment]
        elif var in NUMBER_VARS:
            args[var] = 3
        else:
            args[var] = strings.get(var, f"<{var}>")
    return args


def _sample_block(p: Preview, world: World, msg_id: str) -> None:
    """One message with every selector variant and every attribute (`.wa`, `.short`)."""
    message = p.messages[msg_id]
    walker = walk(message)
    variants: list[tuple[str, dict[str, str | int | Msg]]] = []
    keyed = [v for v in walker.selects if v not in NUMBER_VARS]
    if keyed:
        var = keyed[0]
        for key in sorted(walker.selects[var]):
            args = _sample_args(p.lang, world, walker.variables, {var: key})
            variants.append((f"${var} = {key}", args))
    else:
        variants.append(("", _sample_args(p.lang, world, walker.variables)))
    attributes = [None, *(a.id.name for a in message.attributes)]
    rows = []
    for label, args in variants:
        for attribute in attributes:
            text = p.texts.format(p.lang, Msg(msg_id, args), variant=attribute)
            which = " ".join(x for x in (label, f".{attribute}" if attribute else "") if x)
            rows.append(part_html([msg_id], telegram_html(text), f" ({which})" if which else ""))
    p.shown.add(msg_id)
    p.raw(f"Appendix › {msg_id}", f'<div class="bubble plain">{"".join(rows)}</div>')


def _own_short(named: Named, lang: Lang) -> str:
    """The catalogue's short form in `lang`, "" where there is none."""
    return (named.ky_short if lang == "ky" else named.ru_short) or ""


def _catalogue(p: Preview, world: World) -> None:
    lang = p.lang
    p.section(
        "catalogue",
        "Category catalogue",
        "Group and category names of this language, full and short (buttons use the short "
        "form where there is one). They come from flows/data/catalogue.toml, not from the "
        "locale files.",
    )
    rows = []
    for group in world.catalogue.groups:
        rows.append(
            f'<tr class="group"><td>{html.escape(group.id)}</td>'
            f"<td><b>{html.escape(group.name(lang))}</b></td>"
            f"<td>{html.escape(_own_short(group, lang))}</td></tr>"
        )
        for cat in world.catalogue.categories:
            if cat.group != group.id:
                continue
            rows.append(
                f"<tr><td>{html.escape(cat.id)}</td><td>{html.escape(cat.name(lang))}</td>"
                f"<td>{html.escape(_own_short(cat, lang))}</td></tr>"
            )
    other = world.catalogue.category("other")
    if other is not None:
        rows.append(f"<tr><td>other</td><td>{html.escape(other.name(lang))}</td><td></td></tr>")
    p.raw(
        "Catalogue › groups and categories",
        '<table class="cat"><tr><th>id</th><th>name</th><th>short</th></tr>'
        + "".join(rows)
        + "</table>",
    )
    places = []
    for city in world.cities.values():
        names = ", ".join(html.escape(d.short(lang)) for d in city.districts)
        places.append(
            f"<tr><td>{html.escape(city.id)}</td><td><b>{html.escape(city.name(lang))}"
            f"</b></td><td>{names}</td></tr>"
        )
    p.raw(
        "Catalogue › cities and districts (city configuration)",
        '<table class="cat"><tr><th>id</th><th>city</th><th>districts</th></tr>'
        + "".join(places)
        + "</table>",
    )
