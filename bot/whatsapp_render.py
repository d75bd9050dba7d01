"""WhatsApp's rendering of a turn: numbered text, or the parts of an interactive message."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from bot.i18n import Texts, html_to_plain, pack_lines
from bot.local_chat import NUMBERED, render_numbered
from bot.whatsapp_content import MAX_QUICK_REPLIES, units
from flows.session import Msg, Option, Turn

MAX_BODY = 1600  # Twilio's limit for one WhatsApp message body


def render(texts: Texts, turn: Turn) -> list[str]:
    """One turn as message bodies: its replies joined, since separate messages sent at once
    may arrive out of order on WhatsApp; split at line ends only past Twilio's limit."""
    text = "\n\n".join(render_numbered(texts, turn, bold="*"))
    return pack_lines(text.split("\n"), MAX_BODY)


SHORT = "short"  # a button's short label (locale attribute), for WhatsApp lists and replies
MAX_LABEL = 24  # characters of a list item


MAX_CACHED = 4096  # short labels kept per Texts (they are the same for every resident)
_short: WeakKeyDictionary[Texts, dict[tuple[object, ...], str]] = WeakKeyDictionary()


def _key(label: Msg | str) -> object:
    """A hashable stand-in for a label (a Msg holds its arguments in a dict)."""
    if isinstance(label, str):
        return label
    return (
        label.id,
        tuple((k, _key(v) if isinstance(v, Msg) else v) for k, v in label.args.items()),
    )


def short_label(texts: Texts, lang: str, option: Option, number: int | None = None) -> str:
    """A button's label for a WhatsApp list or quick reply: the locale's `.short` form where
    there is one, else the label, cut to 24 characters. `number`: shown before it (a list's
    items carry the numbers the wording asks residents to type). Kept once made: formatting
    it three ways took most of an interactive message's rendering."""
    cache = _short.setdefault(texts, {})
    key = (lang, _key(option.label), number)
    label = cache.get(key)
    if label is None:
        if len(cache) >= MAX_CACHED:
            cache.clear()
        label = cache[key] = _short_label(texts, lang, option, number)
    return label


def _short_label(texts: Texts, lang: str, option: Option, number: int | None) -> str:
    label = texts.option_label(lang, option, SHORT)  # type: ignore[arg-type]
    if label == texts.option_label(lang, option):
        label = texts.option_label(lang, option, NUMBERED)  # type: ignore[arg-type]
    if number is not None and not label.startswith(f"{number}. "):
        label = f"{number}. {label}"
    while units(label) > MAX_LABEL:
        label = label[: max(1, len(label) - 2)].rstrip() + "…"
    return label


def interactive_parts(texts: Texts, turn: Turn) -> tuple[str, list[tuple[str, str]], str] | None:
    """(body, options, menu) of a turn whose last reply has options: the text without the
    numbered list, the options as (payload, short label), the list button's text."""
    if not turn.replies or not turn.replies[-1].options:
        return None
    last = turn.replies[-1]
    blocks = [html_to_plain(texts.reply_html(turn.lang, r, NUMBERED), "*") for r in turn.replies]
    listed = len(last.options) > MAX_QUICK_REPLIES  # a list picker, if anything: numbered
    options = [
        (o.code, short_label(texts, turn.lang, o, n if listed else None))
        for n, o in enumerate(last.options, 1)
    ]
    menu = texts.label(turn.lang, last.menu, variant=NUMBERED) if last.menu else ""
    return "\n\n".join(blocks), options, html_to_plain(menu)
