"""`citybot preview`: every screen of every flow, as residents, working groups and admins see
it, in one self-contained HTML page, so a native speaker can review a language in one sitting.

The screens come from the real pure flows (flows.survey.step, flows.announce through it,
flows.workgroup.decide, flows.review, flows.summary) driven through scripted scenarios, and are
rendered the way the channels render them: Telegram as HTML with the inline keyboard laid out
by bot.keyboards.layout; WhatsApp as the numbered text of bot.local_chat.render_numbered (its
`.wa` wording, bold as "*") and the short labels (`.short`) of its lists and quick replies.
Every rendered part names the message it came from (`data-msg` and a small grey id), and an
appendix renders every message no scenario showed, so the page covers every id of
locales/<lang>/*.ftl. No database, network or token is needed: the data on the page (streets,
district boundaries and populations, answers, admins) is invented for the preview.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

from bot.broadcast import announcement_text
from bot.config import load_world
from bot.i18n import Texts, html_to_plain
from bot.keyboards import layout
from bot.local_chat import NUMBERED, numbered_options, render_numbered
from bot.poster import Code, PosterSpec, poster_texts
from bot.summaries import render as render_summary
from bot.whatsapp import SHORT, interactive_parts, short_label
from bot.whatsapp_content import LIST_PICKER, QUICK_REPLY, units
from bot.whatsapp_content import layout as wa_layout
from flows import review as review_screens
from flows.announce import make_content, upcoming_parts
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
from flows.catalogue import LANGS, Admins, Lang
from flows.places import Boundaries
from flows.ranking import Tally
from flows.review import Wording
from flows.session import MAX_TEXT, Inbound, Msg, Option, Reply, Session, Turn
from flows.summary import city_ranking, summary_parts
from flows.survey import COMMANDS, needs, step
from flows.turn import Facts
from flows.workgroup import GroupContext, decide
from flows.world import World
from locales import LOCALES

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # fixed, so the page is the same every run
CITY = "karakol"
ADMIN_ID, ADMIN_TWO_ID, MEMBER_ID = 777, 778, 888
RESIDENT = "tg:100"
PLURAL_SAMPLES = (1, 2, 5, 21)
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

# --- the demo world: the bundled cities, Karakol with invented streets, boundaries,
# populations and admins (enough to reach every screen) -------------------------------------


def _square(lon: float, lat: float, size: float = 0.02) -> list[list[list[float]]]:
    return [
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    ]


def demo_world() -> World:
    world = load_world()
    base = world.cities[CITY]
    invented = {
        "mtu1": ("Ленина", "Токтогула"),
        "mtu2": ("Ленина", "Абдрахманова"),
    }
    districts = tuple(
        d.model_copy(
            update={
                "streets": invented.get(d.id, d.streets),
                "population": 9_000 + 1_500 * n,
            }
        )
        for n, d in enumerate(base.districts)
    )
    karakol = base.model_copy(
        update={
            "districts": districts,
            "admins": Admins(telegram_user_ids=(ADMIN_ID, ADMIN_TWO_ID)),
        }
    )
    others = [
        c.model_copy(update={"admins": Admins(telegram_user_ids=(ADMIN_TWO_ID,))})
        if c.id == "manas"
        else c
        for c in world.cities.values()
        if c.id != CITY
    ]
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"district": did},
                "geometry": {"type": "Polygon", "coordinates": _square(78.38, lat)},
            }
            for did, lat in (("mtu1", 42.50), ("mtu2", 42.48))
        ],
    }
    bounds = Boundaries.from_geojson(geojson, karakol)
    return World.build([karakol, *others], boundaries={CITY: bounds})


def demo_tallies() -> dict[str, Tally]:
    """Karakol's counters per district ("" = district not given)."""
    return {
        "mtu1": Tally(
            7,
            {"roads": 5, "waste": 4, "drinking_water": 3, "stray_dogs": 2, "other": 1},
            {"roads": 22, "waste": 15, "drinking_water": 11, "stray_dogs": 5, "other": 2},
        ),
        "mtu2": Tally(
            4,
            {"roads": 2, "street_lighting": 3, "kindergartens": 1},
            {"roads": 8, "street_lighting": 13, "kindergartens": 4},
        ),
        "": Tally(
            2, {"waste": 2, "heating": 1, "other": 1}, {"waste": 9, "heating": 3, "other": 1}
        ),
    }


# --- rendering helpers --------------------------------------------------------------------

_TAG = re.compile(r"(</?[bi]>)")


def telegram_html(text: str) -> str:
    """Telegram HTML (only <b>/<i>; arguments already escaped) as safe page HTML: the two
    tags are kept, everything else is escaped again, so nothing typed can become markup."""
    out = []
    for piece in _TAG.split(text):
        out.append(piece if _TAG.fullmatch(piece) else html.escape(html.unescape(piece), False))
    return "".join(out)


def msg_ids(msg: Msg) -> list[str]:
    """A message's id and the ids of the messages nested in its arguments."""
    ids = [msg.id]
    for value in msg.args.values():
        if isinstance(value, Msg):
            ids += msg_ids(value)
    return ids


def _id_label(ids: Sequence[str], suffix: str = "") -> str:
    """The grey id label; nested messages (an argument that is a message) are named too, each
    marked with its own `data-msg`."""
    names = [ids[0], *(f'<span data-msg="{_attr(i)}">{html.escape(i)}</span>' for i in ids[1:])]
    return f'<span class="mid">{" › ".join(names)}{html.escape(suffix)}</span>'


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


class _Walker(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.variables: set[str] = set()
        self.selects: dict[str, set[str]] = {}

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.variables.add(node.id.name)
        self.generic_visit(node)

    def visit_SelectExpression(self, node: ast.SelectExpression) -> None:
        if isinstance(node.selector, ast.VariableReference):
            keys = self.selects.setdefault(node.selector.id.name, set())
            for variant in node.variants:
                key = variant.key
                keys.add(key.name if isinstance(key, ast.Identifier) else str(key.value))
        self.generic_visit(node)


def locale_messages(lang: str) -> dict[str, ast.Message]:
    """Every message of locales/<lang>/*.ftl, in file order."""
    out: dict[str, ast.Message] = {}
    for path in sorted((LOCALES / lang).glob("*.ftl")):
        for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
            if isinstance(entry, ast.Message):
                out[entry.id.name] = entry
    return out


# --- the page -------------------------------------------------------------------------------


@dataclass
class _Section:
    key: str
    title: str
    intro: str = ""
    blocks: list[str] = field(default_factory=list)


class Preview:
    """Collects screens into sections and renders the page; remembers which ids it showed."""

    def __init__(self, lang: Lang, texts: Texts | None = None) -> None:
        self.lang = lang
        self.texts = texts or Texts(strict=True)
        self.shown: set[str] = set()
        self.sections: list[_Section] = []
        self.screens = 0
        self.warnings: list[str] = []
        self.messages = locale_messages(lang)

    # sections and screens

    def section(self, key: str, title: str, intro: str = "") -> None:
        self.sections.append(_Section(key, title, intro))

    def _add(self, caption: str, telegram: str, whatsapp: str | None, note: str = "") -> None:
        self.screens += 1
        number = self.screens
        wa = (
            f'<div class="col wa"><div class="head">WhatsApp</div>{whatsapp}</div>'
            if whatsapp is not None
            else '<div class="col wa none"><div class="head">WhatsApp</div>'
            "<p>(not on WhatsApp)</p></div>"
        )
        note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
        self.sections[-1].blocks.append(
            f'<section class="screen" id="s{number}"><h3><a href="#s{number}">{number}.</a> '
            f"{html.escape(caption)}</h3>{note_html}"
            f'<div class="cols"><div class="col tg"><div class="head">Telegram</div>'
            f"{telegram}</div>{wa}</div></section>"
        )

    def expect(self, caption: str, turn: Turn, ids: Iterable[str]) -> None:
        """A scripted step that did not reach the screen it is named after is reported."""
        found = {i for r in turn.replies for p in r.parts for i in msg_ids(p)}
        found |= {o.label.id for r in turn.replies for o in r.options if isinstance(o.label, Msg)}
        if turn.notice is not None:
            found.add(turn.notice.id)
        missing = [i for i in ids if i not in found]
        if missing:
            self.warnings.append(f"{caption}: expected {', '.join(missing)}")

    def turn(self, caption: str, turn: Turn, expect: Iterable[str] = (), note: str = "") -> None:
        """One survey turn, as Telegram and WhatsApp show it."""
        self.expect(caption, turn, expect)
        tg = []
        if turn.notice is not None:
            self.shown.update(msg_ids(turn.notice))
            toast = html_to_plain(self.texts.format(turn.lang, turn.notice))
            tg.append(
                f'<div class="toast" data-msg="{_attr(turn.notice.id)}">'
                f"{_id_label(msg_ids(turn.notice), ' (toast on the tap)')}"
                f"{html.escape(toast)}</div>"
            )
        for index, reply in enumerate(turn.replies):
            edits = index == 0 and turn.edit
            tg.append(self._telegram_reply(turn.lang, reply, edits))
        if not turn.replies and turn.notice is None:
            tg.append('<p class="silent">(nothing is sent)</p>')
        self._add(caption, "".join(tg), self._whatsapp(turn), note)

    def replies(
        self,
        caption: str,
        lang: Lang,
        replies: Sequence[Reply],
        note: str = "",
        whatsapp: bool = False,
    ) -> None:
        """Messages outside the survey (working groups, admins' progress): Telegram, and
        WhatsApp as plain text where that channel gets them too."""
        tg = "".join(self._telegram_reply(lang, r, False) for r in replies)
        wa = None
        if whatsapp:
            wa = self._whatsapp(Turn(Session(), tuple(replies), (), lang))
        self._add(caption, tg, wa, note)

    def raw(self, caption: str, body: str, note: str = "") -> None:
        """A screen that is not a chat message (a chart, a table, a poster)."""
        self.screens += 1
        number = self.screens
        note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
        self.sections[-1].blocks.append(
            f'<section class="screen" id="s{number}"><h3><a href="#s{number}">{number}.</a> '
            f"{html.escape(caption)}</h3>{note_html}{body}</section>"
        )

    # Telegram

    def _part(self, lang: Lang, part: Msg, variant: str | None = None) -> str:
        ids = msg_ids(part)
        self.shown.update(ids)
        text = self.texts.format(lang, part, variant=variant)
        return (
            f'<div class="part" data-msg="{_attr(part.id)}">{_id_label(ids)}'
            f'<div class="txt">{telegram_html(text)}</div></div>'
        )

    def _button(self, lang: Lang, option: Option) -> str:
        label = self.texts.option_label(lang, option)
        if isinstance(option.label, Msg):
            ids = msg_ids(option.label)
            self.shown.update(ids)
            return (
                f'<span class="btn" data-msg="{_attr(option.label.id)}" '
                f'title="{_attr(" › ".join(ids))}">{html.escape(label)}'
                f"{_id_label(ids)}</span>"
            )
        return f'<span class="btn data" title="data">{html.escape(label)}</span>'

    def _telegram_reply(self, lang: Lang, reply: Reply, edits: bool) -> str:
        text_lang = reply.lang or lang
        parts = "".join(self._part(text_lang, p) for p in reply.parts)
        rows = []
        start = 0
        for size in layout(len(reply.options), reply.rows, reply.columns):
            buttons = "".join(self._button(lang, o) for o in reply.options[start : start + size])
            rows.append(f'<div class="row">{buttons}</div>')
            start += size
        keyboard = f'<div class="kb">{"".join(rows)}</div>' if rows else ""
        edit = '<div class="edit">replaces the tapped message</div>' if edits else ""
        return f'<div class="bubble">{edit}{parts}</div>{keyboard}'

    # WhatsApp

    def _whatsapp(self, turn: Turn) -> str:
        """The numbered text (bot.local_chat.render_numbered, bold "*"), each line marked with
        its message, then the interactive form (short labels) where WhatsApp would use one."""
        blocks = render_numbered(self.texts, turn, bold="*")
        if not blocks:
            return '<p class="silent">(nothing is sent)</p>'
        last = max((i for i, r in enumerate(turn.replies) if r.options), default=-1)
        out = []
        for i, (reply, block) in enumerate(zip(turn.replies, blocks, strict=True)):
            text_lang = reply.lang or turn.lang
            lines: list[tuple[list[str], str]] = []
            for part in reply.parts:
                plain = html_to_plain(self.texts.format(text_lang, part, variant=NUMBERED), "*")
                lines.append((msg_ids(part), plain))
            if i == last:
                numbered = numbered_options(self.texts, turn.lang, reply)
            else:
                numbered = [
                    f"— {self.texts.option_label(turn.lang, o, NUMBERED)}" for o in reply.options
                ]
            for option, line in zip(reply.options, numbered, strict=True):
                ids = msg_ids(option.label) if isinstance(option.label, Msg) else ["(data)"]
                lines.append((ids, line))
            if "\n".join(t for _, t in lines) != block:
                self.warnings.append(f"WhatsApp text could not be split by message: {block[:40]}")
                lines = [(["?"], block)]
            rendered = "".join(
                f'<div class="part" data-msg="{_attr(ids[0])}">{_id_label(ids)}'
                f'<div class="txt">{html.escape(text)}</div></div>'
                for ids, text in lines
            )
            out.append(rendered)
        body = '<div class="bubble">' + '<hr class="sep">'.join(out) + "</div>"
        return body + self._interactive(turn)

    def _interactive(self, turn: Turn) -> str:
        parts = interactive_parts(self.texts, turn)
        if parts is None:
            return ""
        body, options, menu = parts
        kind = wa_layout(body, options, menu or None)
        shape = {QUICK_REPLY: "quick reply", LIST_PICKER: "list"}.get(
            kind[0] if kind else "", "numbered text only (does not fit a list)"
        )
        chips = []
        for option, (_, label) in zip(turn.replies[-1].options, options, strict=True):
            if isinstance(option.label, Msg):
                message = self.messages.get(option.label.id)
                has_short = message is not None and any(
                    a.id.name == SHORT for a in message.attributes
                )
                suffix = ".short" if has_short else ""
                chips.append(
                    f'<span class="chip" data-msg="{_attr(option.label.id)}">'
                    f"{html.escape(label)}{_id_label([option.label.id], suffix)}</span>"
                )
            else:
                chips.append(f'<span class="chip data">{html.escape(label)}</span>')
        button = ""
        menu_msg = turn.replies[-1].menu
        if menu_msg is not None and kind and kind[0] == LIST_PICKER:
            self.shown.update(msg_ids(menu_msg))
            button = (
                f' · list button <span class="chip" data-msg="{_attr(menu_msg.id)}">'
                f"{html.escape(menu)}{_id_label(msg_ids(menu_msg))}</span>"
            )
        return (
            f'<div class="inter"><div class="head2">interactive: {shape}{button}</div>'
            f"{''.join(chips)}</div>"
        )

    # the page

    def appendix(self, world: World) -> None:
        """Every message no scenario showed, with sample arguments; plural forms; catalogue."""
        self.section(
            "appendix",
            "Appendix: messages not shown above",
            "Rendered with sample arguments; every selector variant is shown.",
        )
        missing = [m for m in self.messages if m not in self.shown]
        for msg_id in missing:
            self._sample_block(world, msg_id)
        self.section(
            "plurals",
            "Plural forms",
            "Every message that changes with a number, for 1, 2, 5 and 21 "
            "(Kyrgyz nouns stay singular after a numeral).",
        )
        for msg_id, message in self.messages.items():
            walker = _Walker()
            walker.visit(message)
            numeric = [v for v in walker.selects if v in NUMBER_VARS]
            if numeric:
                rows = []
                for n in PLURAL_SAMPLES:
                    args = self._sample_args(world, walker.variables, override={numeric[0]: n})
                    text = self.texts.format(self.lang, Msg(msg_id, args))
                    rows.append(f"<tr><td>{n}</td><td>{telegram_html(text)}</td></tr>")
                self.shown.add(msg_id)
                self.raw(
                    f"Plural › {msg_id}",
                    f'<div data-msg="{_attr(msg_id)}">{_id_label([msg_id])}'
                    f'<table class="plural">{"".join(rows)}</table></div>',
                )
        self._short_labels(world)
        self._catalogue(world)

    def _short_labels(self, world: World) -> None:
        """Every button label beside its WhatsApp form (`.short`, else cut to 24)."""
        self.section(
            "short",
            "Button labels on WhatsApp",
            "Lists allow 24 characters and quick replies 20 (an emoji counts as 2): a button "
            "with a longer label has a `.short` form, typed it means the same.",
        )
        rows = []
        for msg_id, message in self.messages.items():
            if not msg_id.startswith(("btn-", "announce-btn-")) and msg_id not in (
                "announce-both-langs",
                "announce-only",
            ):
                continue
            walker = _Walker()
            walker.visit(message)
            args = self._sample_args(world, walker.variables)
            option = Option("x", Msg(msg_id, args))
            label = self.texts.option_label(self.lang, option)
            short = short_label(self.texts, self.lang, option)
            has = any(a.id.name == SHORT for a in message.attributes)
            rows.append(
                f'<tr data-msg="{_attr(msg_id)}"><td>{_id_label([msg_id])}</td>'
                f"<td>{html.escape(label)}</td><td>{units(label)}</td>"
                f"<td>{html.escape(short)}{' (.short)' if has else ''}</td>"
                f"<td>{units(short)}</td></tr>"
            )
        self.raw(
            "Buttons › label, and what WhatsApp lists and quick replies show",
            "<table><tr><th>id</th><th>label</th><th>chars</th><th>WhatsApp</th>"
            "<th>chars</th></tr>" + "".join(rows) + "</table>",
        )

    def _sample_args(
        self, world: World, variables: Iterable[str], override: Mapping[str, object] | None = None
    ) -> dict[str, str | int | Msg]:
        lang = self.lang
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
            "lang": "Кыргызча",
            "command": "foo",
            "kind": "other",
            "subscribed": "yes",
            "rate": "2.5",
            "delta": "+2",
            "movement": Msg("summary-up", {"places": 2}),
            "list": Msg("announcements-none"),
            "username": "@karakol_city_bot",
            "number": "+996 555 123 456",
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

    def _sample_block(self, world: World, msg_id: str) -> None:
        message = self.messages[msg_id]
        walker = _Walker()
        walker.visit(message)
        variants: list[tuple[str, dict[str, str | int | Msg]]] = []
        keyed = [v for v in walker.selects if v not in NUMBER_VARS]
        if keyed:
            var = keyed[0]
            for key in sorted(walker.selects[var]):
                label = f"${var} = {key}"
                variants.append((label, self._sample_args(world, walker.variables, {var: key})))
        else:
            variants.append(("", self._sample_args(world, walker.variables)))
        attributes = [None, *(a.id.name for a in message.attributes)]
        rows = []
        for label, args in variants:
            for attribute in attributes:
                text = self.texts.format(self.lang, Msg(msg_id, args), variant=attribute)
                which = " ".join(x for x in (label, f".{attribute}" if attribute else "") if x)
                rows.append(
                    f'<div class="part" data-msg="{_attr(msg_id)}">'
                    f"{_id_label([msg_id], f' ({which})' if which else '')}"
                    f'<div class="txt">{telegram_html(text)}</div></div>'
                )
        self.shown.add(msg_id)
        self.raw(f"Appendix › {msg_id}", f'<div class="bubble plain">{"".join(rows)}</div>')

    def _catalogue(self, world: World) -> None:
        lang = self.lang
        self.section(
            "catalogue",
            "Category catalogue",
            "Group and category names of this language, full and short (buttons use the short "
            "form where there is one). They come from flows/data/catalogue.toml, not from the "
            "locale files.",
        )
        rows = []
        for group in world.catalogue.groups:
            short = group.ky_short if lang == "ky" else group.ru_short
            rows.append(
                f'<tr class="group"><td>{html.escape(group.id)}</td>'
                f"<td><b>{html.escape(group.name(lang))}</b></td>"
                f"<td>{html.escape(short or '')}</td></tr>"
            )
            for cat in world.catalogue.categories:
                if cat.group != group.id:
                    continue
                short = cat.ky_short if lang == "ky" else cat.ru_short
                rows.append(
                    f"<tr><td>{html.escape(cat.id)}</td><td>{html.escape(cat.name(lang))}</td>"
                    f"<td>{html.escape(short or '')}</td></tr>"
                )
        other = world.catalogue.category("other")
        if other is not None:
            rows.append(f"<tr><td>other</td><td>{html.escape(other.name(lang))}</td><td></td></tr>")
        self.raw(
            "Catalogue › groups and categories",
            '<table class="cat"><tr><th>id</th><th>name</th><th>short</th></tr>'
            + "".join(rows)
            + "</table>",
        )
        places = []
        for city in world.cities.values():
            names = ", ".join(
                html.escape(d.short(lang) if d.short(lang) != d.name(lang) else d.name(lang))
                for d in city.districts
            )
            places.append(
                f"<tr><td>{html.escape(city.id)}</td><td><b>{html.escape(city.name(lang))}"
                f"</b></td><td>{names}</td></tr>"
            )
        self.raw(
            "Catalogue › cities and districts (city configuration)",
            '<table class="cat"><tr><th>id</th><th>city</th><th>districts</th></tr>'
            + "".join(places)
            + "</table>",
        )

    def html(self) -> str:
        total = len(self.messages)
        covered = len(set(self.messages) & self.shown)
        toc = "".join(
            f'<li><a href="#{s.key}">{html.escape(s.title)}</a> ({len(s.blocks)})</li>'
            for s in self.sections
        )
        body = []
        for s in self.sections:
            intro = f'<p class="intro">{html.escape(s.intro)}</p>' if s.intro else ""
            body.append(f'<h2 id="{s.key}">{html.escape(s.title)}</h2>{intro}{"".join(s.blocks)}')
        warnings = ""
        if self.warnings:
            items = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
            warnings = f'<div class="warn"><b>Preview warnings</b><ul>{items}</ul></div>'
        name = {"ky": "Kyrgyz (кыргызча)", "ru": "Russian (русский)"}[self.lang]
        return (
            "<!DOCTYPE html>\n"
            f'<html lang="{self.lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>citybot preview: {name}</title><style>{CSS}</style></head><body>"
            f"<header><h1>citybot: every screen in {name}</h1>"
            f"<p>{self.screens} screens; {covered} of {total} message ids of "
            f"locales/{self.lang}/*.ftl shown "
            f"({100 * covered // max(total, 1)}%). Each part carries the id of the message it "
            "comes from (grey, and <code>data-msg</code>). Left: Telegram (HTML, inline "
            "keyboard); right: WhatsApp (numbered text with the <code>.wa</code> wording, and "
            "the <code>.short</code> labels of its lists and quick replies). Streets, district "
            "boundaries and populations, answers, admins and dates are invented for the "
            f"preview; the clock is fixed at {NOW:%d.%m.%Y %H:%M} UTC.</p>"
            f"{warnings}<nav><ol>{toc}</ol></nav></header>"
            f"<main>{''.join(body)}</main></body></html>\n"
        )


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#f4f5f7;color:#1b1b1b}
header{background:#fff;padding:16px 24px;border-bottom:1px solid #ddd}
main{padding:0 24px 48px}
h1{font-size:20px;margin:0 0 6px}
h2{margin:32px 0 8px;font-size:18px;border-bottom:2px solid #2f6db5;padding-bottom:4px}
h3{font-size:13px;margin:0 0 8px;color:#333}
h3 a{color:#888;text-decoration:none}
nav ol{columns:3;font-size:13px;margin:8px 0 0}
.intro,.note{color:#555;font-size:12px;margin:4px 0 8px}
.screen{background:#fff;border:1px solid #e2e2e2;border-radius:8px;padding:10px 12px;
margin:10px 0}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.col .head{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:#999;
margin-bottom:4px}
.tg .bubble{background:#eef5fd;border-radius:10px;padding:6px 9px;margin:4px 0}
.wa .bubble{background:#e7f8dd;border-radius:10px;padding:6px 9px;margin:4px 0}
.bubble.plain{background:#f6f6f6;border-radius:8px;padding:6px 9px}
.part{margin:2px 0}
.txt{white-space:pre-wrap;overflow-wrap:anywhere}
.wa .txt{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.mid{display:block;font:10px/1.3 ui-monospace,Menlo,Consolas,monospace;color:#9a9a9a}
.btn .mid,.chip .mid{display:block;font-size:9px}
.kb{margin:2px 0 8px}
.kb .row{display:flex;gap:4px;margin:4px 0}
.btn{flex:1;background:#fff;border:1px solid #b9cde6;border-radius:7px;padding:5px 6px;
text-align:center;font-size:13px}
.btn.data{border-style:dashed}
.edit{font-size:10px;color:#2f6db5;margin-bottom:2px}
.toast{background:#333;color:#fff;border-radius:6px;padding:4px 8px;margin:4px 0;
display:inline-block}
.toast .mid{color:#bbb}
.inter{margin:4px 0 8px}
.head2{font-size:11px;color:#777;margin-bottom:3px}
.chip{display:inline-block;background:#fff;border:1px solid #9fd08a;border-radius:14px;
padding:3px 9px;margin:2px 3px 2px 0;font-size:12px}
.chip.data{border-style:dashed}
hr.sep{border:0;border-top:1px dashed #9fd08a;margin:6px 0}
.silent,.none p{color:#999;font-style:italic}
table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 7px;vertical-align:top;text-align:left}
tr.group td{background:#f0f4fa}
.warn{background:#fff3cd;border:1px solid #e0c36a;padding:8px 12px;margin:8px 0}
img.chart{max-width:100%;border:1px solid #ddd}
@media (max-width:800px){.cols{grid-template-columns:1fr}nav ol{columns:1}}
"""


# --- a scripted chat with the pure survey flow -----------------------------------------------


class Chat:
    """One resident (or admin) talking to flows.survey.step, as the service does: the event
    stamped with the sender and the time, the counters loaded before the step."""

    def __init__(
        self,
        world: World,
        lang: Lang | None,
        sender: str = RESIDENT,
        tallies: Mapping[str, Mapping[str, Tally]] | None = None,
        hearings: bool = True,
    ) -> None:
        self.world, self.lang, self.sender = world, lang, sender
        self.tallies = tallies or {}
        self.hearings = hearings  # /announcements finds the sample hearings ahead
        self.session = Session()
        self.turn: Turn | None = None

    def _do(self, event: Inbound) -> Turn:
        event = replace(event, sender=self.sender, now=NOW)
        wanted = needs(self.session, event).tallies
        facts = Facts(tallies=self.tallies.get(wanted, {})) if wanted else Facts()
        turn = step(self.session, event, self.world, facts)
        self.session = turn.session
        self.turn = _late(turn, self.world, self.hearings)
        return self.turn

    def send(self, text: str) -> Turn:
        return self._do(Inbound("text", text=text, lang_hint=self.lang))

    def command(self, name: str, argument: str = "") -> Turn:
        return self._do(Inbound("command", command=name, text=argument, lang_hint=self.lang))

    def media(self, kind: str, location: tuple[float, float] | None = None) -> Turn:
        return self._do(Inbound("media", media=kind, location=location, lang_hint=self.lang))

    def system(self, what: str) -> Turn:
        return self._do(Inbound("system", command=what))

    def press(self, code: str, editable: bool = True) -> Turn:
        return self._do(Inbound("choice", choice=code, lang_hint=self.lang, editable=editable))

    def act(self, button: Button) -> Turn:
        return self.press(pack(button, self.session.conv.screen))

    def code(self, button: Button) -> str:
        return pack(button, self.session.conv.screen)


def _late(turn: Turn, world: World, hearings: bool = True) -> Turn:
    """What the service fills in from the database (bot/service.py), with sample data."""
    replies = []
    for reply in turn.replies:
        parts: list[Msg] = []
        for part in reply.parts:
            if part.id == "announce-recipients":
                parts.append(Msg(part.id, {"tg": 412, "wa": 57}))
            elif part.id == "announcements-list":
                announced = _announced(world) if hearings else []
                parts.extend(upcoming_parts(announced, world.cities[CITY], NOW, turn.lang))
            else:
                parts.append(part)
        replies.append(replace(reply, parts=tuple(parts)))
    return replace(turn, replies=tuple(replies))


def _announced(world: World) -> list[dict[str, object]]:
    city = world.cities[CITY]
    return [
        make_content(
            city,
            NOW + timedelta(days=11, hours=3),
            {"ru": "Бюджет города на 2027 год", "ky": "Шаардын 2027-жылга бюджети"},
            {"ru": "Мэрия, зал заседаний", "ky": "Мэрия, жыйындар залы"},
            {"ru": "Проект бюджета", "ky": "Бюджеттин долбоору"},
        ),
        make_content(
            city,
            NOW + timedelta(days=25, hours=-2),
            {"ru": "Программа развития города", "ky": "Шаарды өнүктүрүү программасы"},
            {"ru": "Дом культуры", "ky": "Маданият үйү"},
            {"ru": "Приоритеты жителей", "ky": "Тургундардын артыкчылыктары"},
        ),
    ]


# --- the scenarios ----------------------------------------------------------------------------

# What residents and admins type in each language (each line is data, not locale text).
TYPED: dict[str, dict[str, str]] = {
    "ru": {
        "street": "ул. Ленина 5",
        "confident": "мусор не вывозят",
        "one": "шумно ночью",
        "two": "нет освещения на улицах и собаки бегают",
        "two_more": "нет детских площадок и мало деревьев",
        "none": "мэр не отвечает на письма",
        "html": "<b>жирный</b> и <i>курсив</i> & «кавычки»",
        "greeting": "привет",
        "negated": "не подтверждаю",
        "not_served": "Бишкек",
        "gibberish": "??",
        "replace": "нет остановок для маршруток",
        "sixth": "нет тротуаров",
        "switch": "кыргызча",
        "title": "Бюджет города на 2027 год",
        "place": "Мэрия, зал заседаний",
        "agenda": "Проект бюджета",
        "cancel": "отмена",
    },
    "ky": {
        "street": "Ленина көчөсү 5",
        "confident": "таштанды көп, эч ким чыгарбайт",
        "one": "түнкүсүн коркунучтуу",
        "two": "иттер көп, таштанды көп",
        "two_more": "балдар аянтчасы жок, дарактар аз",
        "none": "депутаттар эч нерсе кылбайт",
        "html": "<b>калың</b> жана <i>жантык</i> & «тырмакча»",
        "greeting": "салам",
        "negated": "туура эмес",
        "not_served": "Бишкек",
        "gibberish": "??",
        "replace": "маршруткалар үчүн аялдама жок",
        "sixth": "тротуар жок",
        "switch": "русский",
        "title": "Шаардын 2027-жылга бюджети",
        "place": "Мэрия, жыйындар залы",
        "agenda": "Бюджеттин долбоору",
        "cancel": "жокко чыгаруу",
    },
}
OTHER_LANG_TYPED = {
    "title": {"ru": "Бюджет города на 2027 год", "ky": "Шаардын 2027-жылга бюджети"},
    "place": {"ru": "Мэрия, зал заседаний", "ky": "Мэрия, жыйындар залы"},
    "agenda": {"ru": "Проект бюджета", "ky": "Бюджеттин долбоору"},
}


def _survey(p: Preview, world: World) -> None:
    lang = p.lang
    typed = TYPED[lang]
    tallies = {CITY: demo_tallies()}
    roads = world.shown[CITY].label("roads", lang)
    p.section(
        "survey",
        "Resident survey (flows/survey.py)",
        "One resident on Telegram from the first message to the end; WhatsApp shows the same "
        "turn as numbered text. A tapped button's screen replaces the tapped message.",
    )
    first = Chat(world, None)
    p.turn("Survey › language (no language known yet)", first.command("start"), ["language-prompt"])
    p.turn(
        "Survey › language chosen → intro and city",
        first.act(PickLanguage(lang)),
        ["intro", "city-prompt"],
    )

    r = Chat(world, lang, tallies=tallies)
    steps: list[tuple[str, Callable[[], Turn], list[str]]] = [
        (
            "/start with the phone's language → intro, city, the other language offered",
            lambda: r.command("start"),
            ["intro", "city-prompt"],
        ),
        ("/results before a city is chosen", lambda: r.command("results"), ["results-no-city"]),
        ("/my before answering", lambda: r.command("my"), ["my-none"]),
        (
            "city: a town the bot does not serve",
            lambda: r.send(typed["not_served"]),
            ["city-not-served"],
        ),
        ("city: text it cannot understand", lambda: r.send(typed["gibberish"]), ["not-understood"]),
        (
            "city tapped → district (with the location hint)",
            lambda: r.act(PickCity(CITY)),
            ["district-prompt", "district-location-hint"],
        ),
        (
            "district: a street in two districts → which one",
            lambda: r.send(typed["street"]),
            ["district-which", "btn-all-districts"],
        ),
        ("district: back to all districts", lambda: r.act(Do(Action.BACK)), ["district-prompt"]),
        (
            "district tapped → problem 1 of 5",
            lambda: r.act(PickDistrict("mtu1")),
            ["problems-first"],
        ),
        ("a greeting typed instead of a problem", lambda: r.send(typed["greeting"]), ["greeting"]),
        (
            "a featured topic tapped → the list, problem 2 of 5",
            lambda: r.act(PickCategory("roads")),
            ["problems-list", "problems-next", "problems-more-better"],
        ),
        ("a listed topic's name typed → duplicate", lambda: r.send(roads), ["problem-duplicate"]),
        (
            'a problem typed and placed with confidence ("another topic" offered)',
            lambda: r.send(typed["confident"]),
            ["problem-added-typed", "btn-retag"],
        ),
        ('"another topic" for the typed problem', lambda: r.act(Do(Action.RETAG)), []),
        ("all topics", lambda: r.act(Do(Action.OTHERS)), ["groups-prompt"]),
        ("a group of topics", lambda: r.act(OpenGroup("utilities")), ["group-prompt"]),
        (
            "a topic of the group → replaced, the review",
            lambda: r.act(PickCategory("heating")),
            ["problem-replaced", "review-title"],
        ),
        ('review: "add more"', lambda: r.act(Do(Action.ADD)), ["problems-next"]),
        ('"remove the last"', lambda: r.act(Do(Action.UNDO)), ["problem-removed"]),
        (
            "a problem with one plausible topic → yes, or own words",
            lambda: r.send(typed["one"]),
            ["suggest-one", "btn-accept"],
        ),
        (
            "/start while it waits → kept in own words, continue",
            lambda: r.command("start"),
            ["pending-kept-own", "continue"],
        ),
        (
            "typed text no topic fits → keep it as written?",
            lambda: r.send(typed["none"]),
            ["suggest-none", "btn-keep-own"],
        ),
        ("keep it in own words", lambda: r.act(Do(Action.OWN)), ["problem-line-own"]),
        (
            "a line naming two problems → add both, or pick one",
            lambda: r.send(typed["two"]),
            ["suggest-two", "btn-add-all"],
        ),
        (
            '"add both" → the fifth problem: the review',
            lambda: r.act(Do(Action.BOTH)),
            ["problem-added", "review-title"],
        ),
        (
            "a sixth problem typed at the review → the list is full",
            lambda: r.send(typed["sixth"]),
            ["problems-full"],
        ),
        ("review: a problem tapped", lambda: r.act(PickItem(1)), ["item-prompt"]),
        ("item: up", lambda: r.act(Do(Action.UP)), ["problem-moved"]),
        ("item: replace → what instead?", lambda: r.act(Do(Action.REPLACE)), ["replace-prompt"]),
        (
            "the replacement typed → replaced, the review",
            lambda: r.send(typed["replace"]),
            ["problem-replaced", "review-title"],
        ),
        ("review: the last problem tapped", lambda: r.act(PickItem(4)), ["item-prompt"]),
        ("item: remove", lambda: r.act(Do(Action.REMOVE)), ["problem-removed", "review-can-add"]),
        (
            "two problems typed, one place left → which topic?",
            lambda: r.send(typed["two_more"]),
            ["suggest-many"],
        ),
        (
            "/my while it waits → kept with its topic, the list full: the review",
            lambda: r.command("my"),
            ["pending-kept", "review-title"],
        ),
        ("/edit → the review", lambda: r.command("edit"), ["review-title"]),
        ("review: the last problem tapped again", lambda: r.act(PickItem(4)), ["item-prompt"]),
        ("item: remove it", lambda: r.act(Do(Action.REMOVE)), ["problem-removed"]),
        (
            "a negated confirmation does nothing",
            lambda: r.send(typed["negated"]),
            ["negated-noted"],
        ),
        (
            "review confirmed → saved; invitations?",
            lambda: r.act(Do(Action.CONFIRM)),
            ["saved", "subscribe-prompt"],
        ),
        ("invitations: yes → thanks", lambda: r.act(Subscribe(True)), ["thanks"]),
        (
            "done: /results (the city and the district)",
            lambda: r.command("results"),
            ["results-title", "results-district"],
        ),
        ("done: something typed", lambda: r.send(typed["confident"]), ["already-answered"]),
        ("done: /my", lambda: r.command("my"), ["my-title", "my-subscribed"]),
        ("done: /start again", lambda: r.command("start"), ["welcome-back"]),
        ("done: /help", lambda: r.command("help"), ["help"]),
        ("an unknown command", lambda: r.command("foo"), ["unknown-command"]),
        ("a sticker", lambda: r.media("sticker"), ["media-unsupported"]),
        ("a photo", lambda: r.media("photo"), ["media-unsupported"]),
        ("a voice message", lambda: r.media("voice"), ["media-unsupported"]),
        ("a message that is too long", lambda: r.send("а" * (MAX_TEXT + 20)), ["too-long"]),
        ("/stop → no more invitations", lambda: r.command("stop"), ["stopped"]),
        ('done: "subscribe" tapped', lambda: r.act(Subscribe(True)), ["subscribed"]),
    ]
    for caption, action, expect in steps:
        p.turn(f"Survey › {caption}", action(), expect)
    stale = r.code(Do(Action.EDIT))
    p.turn("Survey › done: /edit → the review", r.command("edit"), ["review-title"])
    p.turn(
        "Survey › a button of an older message (stale)",
        r.press(stale, editable=False),
        ["stale-button"],
    )
    again = r.code(Do(Action.ADD))
    p.turn('Survey › review: "add more"', r.press(again), ["problems-next"])
    p.turn("Survey › the same button tapped twice (double tap)", r.press(again), ["tap-done"])
    p.turn(
        "Survey › the language switched by typing its name",
        r.send(typed["switch"]),
        ["language-changed"],
    )
    p.turn("Survey › /language → the language question", r.command("language"), ["language-prompt"])
    p.turn(
        "Survey › language chosen → back where the resident was",
        r.act(PickLanguage(lang)),
        ["problems-next"],
    )
    p.turn("Survey › /forget → are you sure?", r.command("forget"), ["forget-prompt"])
    p.turn("Survey › forget: no", r.act(Do(Action.KEEP)), ["forget-cancelled"])
    p.turn("Survey › /forget again", r.command("forget"), ["forget-prompt"])
    delete = r.code(Do(Action.FORGET))
    p.turn("Survey › forget: yes → deleted", r.press(delete), ["forgotten"])
    p.turn(
        "Survey › the same button once more, from nobody (a toast)",
        r.press(delete),
        ["forgotten-tap"],
    )
    p.turn(
        "Survey › an old button on WhatsApp, from nobody",
        r.press(delete, editable=False),
        ["forgotten"],
    )

    p.section("survey-more", "Resident survey: other paths")
    link = Chat(world, lang)
    p.turn(
        "Survey › a poster's link: city and district preset",
        link.command("start", f"{CITY}-mtu2-poster"),
        ["intro", "preset-place"],
    )
    p.turn(
        "Survey › HTML typed by a resident is shown as typed (escaped)",
        link.send(typed["html"]),
        ["suggest-none"],
    )
    p.turn("Survey › keep it in own words", link.act(Do(Action.OWN)), ["problem-line-own"])
    p.turn(
        'Survey › "done" → the review',
        link.act(Do(Action.DONE)),
        ["review-title", "review-can-add"],
    )
    p.turn(
        "Survey › review: change the district",
        link.act(Do(Action.CHANGE_DISTRICT)),
        ["district-prompt"],
    )
    p.turn(
        "Survey › a shared location inside a district",
        link.media("location", (42.51, 78.39)),
        ["district-located"],
    )
    p.turn("Survey › review: change the city", link.act(Do(Action.CHANGE_CITY)), ["city-prompt"])
    p.turn("Survey › the same city tapped", link.act(PickCity(CITY)), ["district-prompt"])
    p.turn(
        'Survey › "don\'t know" the district → the review',
        link.act(PickDistrict(None)),
        ["answer-district-unknown"],
    )
    p.turn("Survey › confirm", link.act(Do(Action.CONFIRM)), ["subscribe-prompt"])
    p.turn("Survey › invitations: no → thanks", link.act(Subscribe(False)), ["thanks"])
    p.turn("Survey › done: /my (not subscribed)", link.command("my"), ["my-not-subscribed"])

    located = Chat(world, lang)
    located.command("start")
    located.act(PickCity(CITY))
    p.turn(
        "Survey › a shared location outside every district",
        located.media("location", (40.0, 70.0)),
        ["location-outside"],
    )
    located.act(PickDistrict("mtu3"))
    p.turn(
        "Survey › two problems in one line, waiting for an answer",
        located.send(typed["two"]),
        ["suggest-two"],
    )
    p.turn(
        'Survey › the one reminder to finish (system "nudge"): the waiting words are kept',
        located.system("nudge"),
        ["nudge"],
    )
    few = Chat(world, lang, tallies=tallies)
    few.command("start")
    few.act(PickCity(CITY))
    few.act(PickDistrict("mtu3"))
    few.act(PickCategory("roads"))
    p.turn(
        "Survey › /results for a district with few answers (mid-survey: a message of its own)",
        few.command("results"),
        ["results-district-few"],
    )
    empty = Chat(world, lang, tallies={CITY: {}})
    empty.command("start")
    empty.act(PickCity(CITY))
    empty.act(PickDistrict("mtu4"))
    p.turn("Survey › /results before anyone answered", empty.command("results"), ["results-empty"])
    p.turn(
        "Survey › /announcements (hearings ahead)",
        empty.command("announcements"),
        ["announcements-item"],
    )
    none_ahead = Chat(world, lang, hearings=False)
    none_ahead.command("start")
    p.turn(
        "Survey › /announcements when none is ahead",
        none_ahead.command("announcements"),
        ["announcements-none"],
    )
    p.turn(
        "Survey › a failed commit or a bug in a step (bot/service.py answers this instead)",
        Turn(r.session, (Reply((Msg("error-internal"),)),), (), lang),
        ["error-internal"],
        note="Nothing of the turn is stored; the resident sends the message again.",
    )
    p.raw(
        "Telegram › the command menu (per chat, in the resident's language)",
        '<div class="bubble plain">'
        + "".join(p._part(lang, Msg(f"cmd-{c}")) for c in COMMANDS)
        + "</div>",
    )


def _announce(p: Preview, world: World) -> None:
    lang = p.lang
    typed = TYPED[lang]
    other: Lang = "ru" if lang == "ky" else "ky"
    p.section(
        "announce",
        "Admin: composing a public-hearing announcement (flows/announce.py)",
        "A city admin writes /announce in their chat with the bot; the draft runs beside the "
        "survey.",
    )
    stranger = Chat(world, lang, sender="tg:12345")
    stranger.command("start")
    p.turn(
        "Announce › /announce by someone who is not an admin",
        stranger.command("announce"),
        ["announce-not-admin"],
    )
    two = Chat(world, lang, sender=f"tg:{ADMIN_TWO_ID}")
    two.command("start")
    p.turn(
        "Announce › an admin of two cities → which city?",
        two.command("announce"),
        ["announce-ask-city"],
    )

    a = Chat(world, lang, sender=f"tg:{ADMIN_ID}")
    a.command("start")
    p.turn(
        "Announce › /announce → which languages?",
        a.command("announce"),
        ["announce-ask-langs", "announce-both-langs", "announce-only"],
    )
    p.turn(
        "Announce › both languages → the title, first in the admin's language",
        a.press("A:l:both"),
        ["announce-ask-title"],
    )
    p.turn("Announce › a title too long", a.send("x" * 301), ["announce-too-long"])
    p.turn(
        "Announce › the title → the title in the other language",
        a.send(typed["title"]),
        ["announce-ask-title"],
    )
    p.turn(
        "Announce › the other title → the hearing's date",
        a.send(OTHER_LANG_TYPED["title"][other]),
        ["announce-ask-when"],
    )
    p.turn("Announce › a date it cannot read", a.send("завтра в 5"), ["announce-bad-time"])
    p.turn("Announce › a date in the past", a.send("01.01.2020 10:00"), ["announce-past-time"])
    p.turn("Announce › the date → the place", a.send("05.12.2026 15:00"), ["announce-ask-place"])
    a.send(typed["place"])
    p.turn(
        "Announce › both places → the agenda",
        a.send(OTHER_LANG_TYPED["place"][other]),
        ["announce-ask-agenda"],
    )
    a.send(typed["agenda"])
    p.turn(
        "Announce › both agendas → the preview as residents will see it",
        a.send(OTHER_LANG_TYPED["agenda"][other]),
        [
            "announce-preview-head",
            "announcement-text",
            "announce-recipients",
            "announce-when-now",
            "announce-btn-send-now",
        ],
    )
    p.turn("Announce › add a reminder → when?", a.press("A:rem"), ["announce-ask-reminder"])
    p.turn(
        "Announce › a reminder after the hearing",
        a.send("06.12.2026 10:00"),
        ["announce-after-hearing"],
    )
    p.turn(
        "Announce › the reminder → the preview again",
        a.send("04.12.2026 18:00"),
        ["announce-when-reminder"],
    )
    p.turn("Announce › send later → when?", a.press("A:at"), ["announce-ask-at"])
    p.turn(
        "Announce › a sending time after the reminder → the preview",
        a.send("04.12.2026 20:00"),
        ["announce-when-at"],
    )
    p.turn(
        "Announce › confirmed: the times are out of order",
        a.press("A:send"),
        ["announce-bad-order"],
    )
    a.press("A:at")
    p.turn(
        "Announce › a sending time → the preview, confirm",
        a.send("01.12.2026 09:00"),
        ["announce-when-at", "announce-btn-confirm"],
    )
    p.turn("Announce › confirmed → scheduled", a.press("A:send"), ["announce-scheduled"])

    b = Chat(world, lang, sender=f"tg:{ADMIN_ID}")
    b.command("start")
    b.command("announce")
    p.turn("Announce › one language only", b.press(f"A:l:{lang}"), ["announce-ask-title"])
    for text in (typed["title"], "10.12.2026 10:00", typed["place"], typed["agenda"]):
        b.send(text)
    p.turn("Announce › edit the text", b.press("A:edit"), ["announce-ask-title"])
    for text in (typed["title"], "10.12.2026 11:00", typed["place"], typed["agenda"]):
        b.send(text)
    p.turn("Announce › send now", b.press("A:send"), ["announce-sending"])
    c = Chat(world, lang, sender=f"tg:{ADMIN_ID}")
    c.command("start")
    c.command("announce")
    c.press("A:l:both")
    p.turn("Announce › cancelled by typing", c.send(typed["cancel"]), ["announce-cancelled"])

    p.section(
        "broadcast",
        "What residents receive; the admin's progress (bot/broadcast.py, bot/announcements.py)",
    )
    content = _announced(world)[0]
    for kind, name in (("announcement", "announcement"), ("reminder", "reminder")):
        for reader in LANGS:
            shown_msg = _reading(content, reader, kind)
            text = announcement_text(p.texts, content, reader, kind)
            assert text == p.texts.format(shown_msg[0], shown_msg[1])  # the same sentence
            p.replies(
                f"Broadcast › the {name} to a resident reading {reader}",
                shown_msg[0],
                [Reply((shown_msg[1],))],
                whatsapp=True,
                note="WhatsApp outside the 24-hour window gets the approved template instead.",
            )
    only = {**content, "only": lang}
    shown_lang, msg = _reading(only, other, "announcement")
    p.replies(
        "Broadcast › one language for everyone: a resident of the other language",
        shown_lang,
        [Reply((msg,))],
        whatsapp=True,
    )
    progress = {"sent": 310, "failed": 4, "left": 155, "rate": "24.8", "minutes": 1}
    p.replies(
        "Broadcast › progress, edited in the admin's chat as it goes",
        lang,
        [Reply((Msg("broadcast-progress", progress),))],
    )
    done = {"sent": 465, "failed": 4, "skipped": 12}
    p.replies("Broadcast › done", lang, [Reply((Msg("broadcast-done", done),))])


def _reading(content: Mapping[str, object], lang: str, kind: str) -> tuple[Lang, Msg]:
    from flows.announce import announcement_msg

    return announcement_msg(content, lang, kind)


def _working_groups(p: Preview, world: World) -> None:
    lang = p.lang
    p.section(
        "groups",
        "Working groups: chat commands (flows/workgroup.py)",
        "Telegram groups only. The group's language is set with /language.",
    )

    def say(caption: str, user: int, bound: str | None, command: str, args: str = "") -> None:
        decision = decide(world, GroupContext(user, bound, lang), command, args)
        assert decision is not None
        if decision.reply is None:
            return
        p.replies(caption, decision.lang, [Reply((decision.reply,))])

    say("Group › /help", MEMBER_ID, None, "help")
    say("Group › /summary before the chat is bound", MEMBER_ID, None, "summary")
    say("Group › /bind with an unknown city", ADMIN_ID, None, "bind", "atlantis")
    say("Group › /bind by a member who is not an admin", MEMBER_ID, None, "bind", CITY)
    say("Group › /bind by the city's admin", ADMIN_ID, None, "bind", CITY)
    say("Group › /language without a language", MEMBER_ID, CITY, "language")
    say("Group › /language", MEMBER_ID, CITY, "language", lang)
    say("Group › /summary of an unknown district", MEMBER_ID, CITY, "summary", "луна")
    say("Group › /unbind by the admin", ADMIN_ID, CITY, "unbind")

    p.section(
        "summary",
        "Working groups: the daily summary, chart and export (flows/summary.py, bot/summaries.py, "
        "bot/export.py)",
    )
    tallies = demo_tallies()
    previous = {"roads": (1, 6), "waste": (3, 5), "street_lighting": (2, 3), "heating": (4, 1)}
    ranking = city_ranking(world, CITY, tallies, previous=previous, changed=3)
    parts = summary_parts(world, ranking, lang)
    count = len(render_summary(p.texts, lang, parts))
    p.replies(
        "Summary › the daily summary (movement since yesterday, population-weighted shares)",
        lang,
        [Reply(tuple(parts))],
        note=f"Sent as {count} Telegram message(s); the chart follows as a photo.",
    )
    plain = city_ranking(world, CITY, tallies)
    p.replies(
        "Summary › /summary now (no arrows)",
        lang,
        [Reply(tuple(summary_parts(world, plain, lang)))],
    )
    district = city_ranking(world, CITY, tallies, district="mtu1")
    p.replies(
        "Summary › /summary for one district",
        lang,
        [Reply(tuple(summary_parts(world, district, lang)))],
    )
    nobody = city_ranking(world, CITY, {})
    p.replies(
        "Summary › nobody answered yet", lang, [Reply(tuple(summary_parts(world, nobody, lang)))]
    )
    _chart(p, world, ranking)
    _export(p, world, plain)

    p.section("review", "Working groups: /review of residents' own words (flows/review.py)")
    shown = world.shown[CITY]
    wording = Wording(
        "мэр не отвечает на письма", "Мэр не отвечает на <b>письма</b>!", ((1, 2), (2, 3))
    )
    guesses = [m.category for m in world.matchers[CITY].candidates(wording.sample, limit=3)]
    p.replies(
        "Review › a wording with the matcher's guesses",
        lang,
        [review_screens.first_screen(shown, wording, 4, guesses, lang)],
    )
    p.replies(
        "Review › all categories, page 1",
        lang,
        [review_screens.category_page(shown, wording, 0, lang)],
    )
    label = shown.label("public_order", lang)
    p.replies(
        "Review › placed into a category",
        lang,
        [Reply((Msg("review-done", {"count": 2, "label": label}),))],
    )
    p.replies("Review › kept as own words", lang, [Reply((Msg("review-kept"),))])
    p.replies(
        "Review › a wording someone else already placed", lang, [Reply((Msg("review-gone"),))]
    )
    p.replies("Review › nothing left", lang, [Reply((Msg("review-empty"),))])


def _chart(p: Preview, world: World, ranking: object) -> None:
    from bot.summaries import summary_chart

    lang = p.lang
    city = world.cities[CITY].name(lang)
    labels = [
        Msg("chart-title", {"city": city}),
        Msg("chart-note", {"respondents": 13}),
        Msg("chart-caption", {"city": city, "day": "2026-11-24"}),
    ]
    body = '<div class="bubble plain">' + "".join(p._part(lang, m) for m in labels) + "</div>"
    try:
        png = summary_chart(world, p.texts, ranking, lang)  # type: ignore[arg-type]
    except Exception:  # matplotlib missing: the texts are what matters here
        png = b""
    if png:
        data = base64.b64encode(png).decode("ascii")
        body += f'<img class="chart" alt="chart" src="data:image/png;base64,{data}">'
    p.raw("Chart › title, note (in the picture) and the photo's caption", body)


EXPORT_RANKING = (
    "export-col-place",
    "export-col-position",
    "export-col-category",
    "export-col-category-id",
    "export-col-count",
    "export-col-share",
    "export-col-score",
    "export-col-low",
    "export-col-high",
)
EXPORT_ANSWERS = (
    "export-col-district",
    "export-col-rank",
    "export-col-category",
    "export-col-category-id",
    "export-col-words",
    "export-col-date",
)


def _export(p: Preview, world: World, ranking: object) -> None:
    from bot.export import Exporter

    lang = p.lang
    exporter = Exporter(world, p.texts)
    rows = exporter.ranking_rows(ranking, lang)[:6]  # type: ignore[arg-type]

    from_messages = {
        p.texts.format(lang, Msg(m), escape=str): m
        for m in ("export-citywide", "export-no-district")
    }

    def cell(value: object) -> str:
        msg_id = from_messages.get(str(value))
        if msg_id is None:
            return f"<td>{html.escape(str(value))}</td>"
        return f'<td data-msg="{msg_id}">{html.escape(str(value))}{_id_label([msg_id])}</td>'

    def table(sheet: str, heads: Sequence[str], data: Sequence[Sequence[object]]) -> str:
        p.shown.add(sheet)
        head = "".join(
            f'<th data-msg="{h}">{html.escape(p.texts.format(lang, Msg(h), escape=str))}'
            f"{_id_label([h])}</th>"
            for h in heads
        )
        p.shown.update(heads)
        body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in data)
        name = p.texts.format(lang, Msg(sheet), escape=str)
        return (
            f'<p data-msg="{sheet}">sheet «{html.escape(name)}» {_id_label([sheet])}</p>'
            f"<table><tr>{head}</tr>{body}</table>"
        )

    answers = [
        [
            world.cities[CITY].districts[0].name(lang),
            1,
            world.shown[CITY].label("roads", lang),
            "roads",
            "",
            "2026-11-23",
        ],
        [
            p.texts.format(lang, Msg("export-no-district"), escape=str),
            2,
            world.shown[CITY].label("other", lang),
            "other",
            "мэр не отвечает на письма",
            "2026-11-23",
        ],
    ]
    p.shown.update({"export-no-district", "export-citywide"})
    caption = Msg("export-caption", {"city": world.cities[CITY].name(lang)})
    body = (
        table("export-sheet-ranking", EXPORT_RANKING, rows)
        + table("export-sheet-answers", EXPORT_ANSWERS, answers)
        + '<div class="bubble plain">'
        + p._part(lang, Msg("export-sheet-chart"))
        + p._part(lang, caption)
        + "</div>"
    )
    p.raw("Export › /export: the XLSX sheets (first rows) and the file's caption", body)


def _poster(p: Preview) -> None:
    p.section(
        "poster",
        "The printed poster (locales/*/poster.ftl, bot/poster.py)",
        "The poster prints both languages; this language's lines are marked.",
    )
    spec = PosterSpec(
        "Каракол",
        "Каракол",
        "МТУ №1",
        "№1 МАБ",
        f"{CITY}-mtu1-poster",
        (
            Code("telegram", "https://t.me/karakol_city_bot?start=x", "@karakol_city_bot"),
            Code("whatsapp", "https://wa.me/996555123456?text=x", "+996 555 123 456"),
        ),
    )
    lines = poster_texts(p.texts, spec)
    rows = []
    for msg_id, by_lang in lines.items():
        p.shown.add(msg_id)
        cells = "".join(
            f"<td{' class=mine' if lang == p.lang else ''}>{html.escape(by_lang[lang])}</td>"
            for lang in ("ru", "ky")
        )
        rows.append(f'<tr data-msg="{msg_id}"><td>{_id_label([msg_id])}</td>{cells}</tr>')
    p.raw(
        "Poster › every line, Russian and Kyrgyz",
        "<table><tr><th>id</th><th>ru</th><th>ky</th></tr>" + "".join(rows) + "</table>",
        note="Plain text on a picture: no HTML, names from the city configuration.",
    )


def build(lang: Lang, texts: Texts | None = None) -> Preview:
    """Run every scenario in `lang`; the appendix completes the page to every message id."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (ru or ky)")
    world = demo_world()
    p = Preview(lang, texts)
    _survey(p, world)
    _announce(p, world)
    _working_groups(p, world)
    _poster(p)
    p.appendix(world)
    return p


def page(lang: Lang, texts: Texts | None = None) -> str:
    return build(lang, texts).html()


def write(lang: Lang, out: Path) -> Preview:
    preview = build(lang)
    out.write_text(preview.html(), encoding="utf-8")
    return preview
