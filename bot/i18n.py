"""Renders flow messages (ids + arguments) into text with the Fluent files in locales/."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from fluent.runtime import FluentBundle, FluentResource

from flows.catalogue import LANGS, Lang
from flows.session import Msg, Option, Reply
from locales import LOCALES

log = logging.getLogger(__name__)

Escape = Callable[[str], str]


def escape_html(text: str) -> str:
    return html.escape(text, quote=False)


_TAGS = re.compile(r"</?(b|i)>")


def html_to_plain(text: str, bold: str = "") -> str:
    """Turn our small HTML subset into plain text (or WhatsApp *bold* with bold="*")."""
    return html.unescape(_TAGS.sub(lambda m: bold if m.group(1) == "b" else "", text))


_CACHE_MAX = 20_000


def _key(msg: Msg) -> tuple:
    return (msg.id, *((k, _key(v) if isinstance(v, Msg) else v) for k, v in msg.args.items()))


class Texts:
    """Fluent bundles for every language, loaded once."""

    def __init__(self, root: Path = LOCALES, strict: bool = False) -> None:
        # strict (tests): a missing message or argument raises instead of being logged.
        self.strict = strict
        self.bundles: dict[str, FluentBundle] = {}
        self._cache: dict[tuple, str] = {}
        for lang in LANGS:
            # No Unicode isolation marks: Telegram and phones show them as stray boxes.
            bundle = FluentBundle([lang], use_isolating=False)
            for path in sorted((root / lang).glob("*.ftl")):
                bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))
            self.bundles[lang] = bundle

    def has(self, lang: Lang, msg_id: str) -> bool:
        return self.bundles[lang].has_message(msg_id)

    def format(
        self, lang: Lang, msg: Msg, escape: Escape = escape_html, variant: str | None = None
    ) -> str:
        """One message as HTML: string arguments escaped, nested messages rendered first.

        `variant`: a channel's wording ("wa": no buttons there), the message's attribute of
        that name when it has one.
        """
        # Fluent formatting costs tens of µs; most (message, arguments) pairs repeat across
        # residents (labels, counts), so rendered texts are cached.
        key = (lang, escape, variant, _key(msg))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._format(lang, msg, escape, variant)
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def _format(self, lang: Lang, msg: Msg, escape: Escape, variant: str | None) -> str:
        bundle = self.bundles[lang]
        if not bundle.has_message(msg.id):
            if self.strict:
                raise KeyError(f"missing message {msg.id!r} in {lang}")
            log.error("missing message %r in %s", msg.id, lang)
            return msg.id
        args: dict[str, str | int] = {}
        for key, value in msg.args.items():
            if isinstance(value, Msg):
                args[key] = self.format(lang, value, escape, variant)
            elif isinstance(value, str):
                args[key] = escape(value)
            else:
                args[key] = value
        message = bundle.get_message(msg.id)
        pattern = message.attributes.get(variant, message.value) if variant else message.value
        text, errors = bundle.format_pattern(pattern, args)
        if errors and self.strict:
            raise ValueError(f"message {msg.id!r} in {lang}: {errors}")
        for error in errors:
            log.error("message %r in %s: %s", msg.id, lang, error)
        return text

    def label(
        self, lang: Lang, label: Msg | str, escape: Escape = escape_html, variant: str | None = None
    ) -> str:
        if isinstance(label, Msg):
            return self.format(lang, label, escape, variant)
        return escape(label)

    def reply_html(self, lang: Lang, reply: Reply, variant: str | None = None) -> str:
        lang = reply.lang or lang
        return "\n".join(self.format(lang, part, variant=variant) for part in reply.parts)

    def option_label(self, lang: Lang, option: Option, variant: str | None = None) -> str:
        """Button text is not parsed as HTML: render, then drop the markup."""
        return html_to_plain(self.label(lang, option.label, variant=variant))


def pack_lines(lines: Iterable[str], limit: int) -> list[str]:
    """Join lines into as few messages of at most `limit` characters as possible, breaking
    only between lines (a line longer than the limit is cut into pieces)."""
    messages: list[str] = []
    current = ""
    for line in lines:
        while len(line) > limit:
            if current:
                messages.append(current)
                current = ""
            messages.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            messages.append(current)
            candidate = line
        current = candidate
    if current.strip():
        messages.append(current)
    return messages
