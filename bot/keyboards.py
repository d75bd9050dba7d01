"""Inline keyboards from a reply's options (built once per distinct keyboard)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Texts
from flows.session import Reply

_KEYBOARDS: dict[tuple, InlineKeyboardMarkup] = {}
_KEYBOARDS_MAX = 4096


def keyboard(texts: Texts, lang: str, reply: Reply) -> InlineKeyboardMarkup | None:
    """Inline buttons, built once per distinct keyboard (PTB objects are immutable)."""
    if not reply.options:
        return None
    labels = tuple((o.code, texts.option_label(lang, o)) for o in reply.options)  # type: ignore[arg-type]
    key = (labels, reply.columns)
    markup = _KEYBOARDS.get(key)
    if markup is None:
        buttons = [InlineKeyboardButton(label, callback_data=code) for code, label in labels]
        cols = max(1, reply.columns)
        markup = InlineKeyboardMarkup([buttons[i : i + cols] for i in range(0, len(buttons), cols)])
        if len(_KEYBOARDS) >= _KEYBOARDS_MAX:
            _KEYBOARDS.clear()
        _KEYBOARDS[key] = markup
    return markup
