"""The preview page: screens in sections, each as Telegram and WhatsApp show it, and its HTML."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.i18n import Texts, html_to_plain
from bot.keyboards import keyboard
from bot.local_chat import NUMBERED, render_numbered
from bot.preview.demo import NOW
from bot.preview.markup import CSS, attr, id_label, part_html, screen_html, telegram_html
from bot.preview.messages import locale_messages, msg_ids
from bot.whatsapp_content import LIST_PICKER, QUICK_REPLY
from bot.whatsapp_content import layout as wa_layout
from bot.whatsapp_render import SHORT, interactive_parts
from flows.catalogue import Lang
from flows.session import Msg, Option, Reply, Session, Turn


@dataclass
class _Section:
    key: str
    title: str
    intro: str = ""
    blocks: list[str] = field(default_factory=list)


def _chip(label: str, ids: Sequence[str] | None, suffix: str = "") -> str:
    """A WhatsApp list item or quick reply (dashed when its label is data, not a message)."""
    if ids is None:
        return f'<span class="chip data">{html.escape(label)}</span>'
    return (
        f'<span class="chip" data-msg="{attr(ids[0])}">'
        f"{html.escape(label)}{id_label(ids, suffix)}</span>"
    )


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

    def raw(self, caption: str, body: str, note: str = "") -> None:
        """A screen that is not a chat message (a chart, a table, a poster)."""
        self.screens += 1
        self.sections[-1].blocks.append(screen_html(self.screens, caption, body, note))

    def _add(self, caption: str, telegram: str, whatsapp: str | None, note: str = "") -> None:
        wa = (
            f'<div class="col wa"><div class="head">WhatsApp</div>{whatsapp}</div>'
            if whatsapp is not None
            else '<div class="col wa none"><div class="head">WhatsApp</div>'
            "<p>(not on WhatsApp)</p></div>"
        )
        self.raw(
            caption,
            f'<div class="cols"><div class="col tg"><div class="head">Telegram</div>'
            f"{telegram}</div>{wa}</div>",
            note,
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
                f'<div class="toast" data-msg="{attr(turn.notice.id)}">'
                f"{id_label(msg_ids(turn.notice), ' (toast on the tap)')}"
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

    # Telegram

    def part(self, lang: Lang, part: Msg, variant: str | None = None) -> str:
        """One message as Telegram shows it, marked with its id (and counted as shown)."""
        ids = msg_ids(part)
        self.shown.update(ids)
        return part_html(ids, telegram_html(self.texts.format(lang, part, variant=variant)))

    def _button(self, option: Option, label: str) -> str:
        if isinstance(option.label, Msg):
            ids = msg_ids(option.label)
            self.shown.update(ids)
            return (
                f'<span class="btn" data-msg="{attr(option.label.id)}" '
                f'title="{attr(" › ".join(ids))}">{html.escape(label)}'
                f"{id_label(ids)}</span>"
            )
        return f'<span class="btn data" title="data">{html.escape(label)}</span>'

    def _telegram_reply(self, lang: Lang, reply: Reply, edits: bool) -> str:
        text_lang = reply.lang or lang
        parts = "".join(self.part(text_lang, p) for p in reply.parts)
        # The inline keyboard the bot sends (bot.keyboards): its rows and labels, in the
        # order of the reply's options.
        markup = keyboard(self.texts, lang, reply)
        options = iter(reply.options)
        rows = [
            '<div class="row">'
            + "".join(self._button(next(options), button["text"]) for button in row)
            + "</div>"
            for row in (markup["inline_keyboard"] if markup is not None else ())
        ]
        kb = f'<div class="kb">{"".join(rows)}</div>' if rows else ""
        edit = '<div class="edit">replaces the tapped message</div>' if edits else ""
        return f'<div class="bubble">{edit}{parts}</div>{kb}'

    # WhatsApp

    def _whatsapp(self, turn: Turn) -> str:
        """The numbered text as bot.local_chat.render_numbered writes it (bold "*"), each
        line marked with its message, then the interactive form (short labels) where WhatsApp
        would use one."""
        blocks = render_numbered(self.texts, turn, bold="*")
        if not blocks:
            return '<p class="silent">(nothing is sent)</p>'
        out = []
        for reply, block in zip(turn.replies, blocks, strict=True):
            text_lang = reply.lang or turn.lang
            lines: list[tuple[list[str], str]] = [
                (msg_ids(p), html_to_plain(self.texts.format(text_lang, p, variant=NUMBERED), "*"))
                for p in reply.parts
            ]
            # The block ends with one line per option (numbered, or by name).
            block_lines = block.split("\n")
            option_lines = block_lines[len(block_lines) - len(reply.options) :]
            for option, line in zip(reply.options, option_lines, strict=True):
                ids = msg_ids(option.label) if isinstance(option.label, Msg) else ["(data)"]
                lines.append((ids, line))
            if "\n".join(t for _, t in lines) != block:
                self.warnings.append(f"WhatsApp text could not be split by message: {block[:40]}")
                lines = [(["?"], block)]
            out.append("".join(part_html(ids, html.escape(text)) for ids, text in lines))
        body = '<div class="bubble">' + '<hr class="sep">'.join(out) + "</div>"
        return body + self._interactive(turn)

    def _interactive(self, turn: Turn) -> str:
        """The list or quick replies bot/whatsapp.py would send instead, with short labels."""
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
                chips.append(_chip(label, [option.label.id], ".short" if has_short else ""))
            else:
                chips.append(_chip(label, None))
        button = ""
        menu_msg = turn.replies[-1].menu
        if menu_msg is not None and kind and kind[0] == LIST_PICKER:
            self.shown.update(msg_ids(menu_msg))
            button = f" · list button {_chip(menu, msg_ids(menu_msg))}"
        return (
            f'<div class="inter"><div class="head2">interactive: {shape}{button}</div>'
            f"{''.join(chips)}</div>"
        )

    # the page

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
