"""Inline keyboards from a reply's options, laid out in the reply's rows (Bot API JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.i18n import Texts
from flows.session import Reply


def layout(count: int, rows: Sequence[int], columns: int) -> list[int]:
    """Row sizes for `count` buttons: `rows` first, then `columns` to a row."""
    sizes: list[int] = []
    left = count
    for size in rows:
        if left <= 0:
            break
        sizes.append(min(size, left))
        left -= sizes[-1]
    step = max(1, columns)
    while left > 0:
        sizes.append(min(step, left))
        left -= sizes[-1]
    return sizes


def keyboard(texts: Texts, lang: str, reply: Reply) -> dict[str, Any] | None:
    """The `reply_markup` of an inline keyboard, as the Bot API takes it. Plain JSON rather
    than PTB's InlineKeyboardButton objects: built for every screen (buttons carry their
    screen number, so no two keyboards are alike), the objects and their serialisation were
    a tenth of the bot's CPU per update (profiled over HTTP, bench/http_transport.py)."""
    if not reply.options:
        return None
    buttons = [
        {"text": texts.option_label(lang, o), "callback_data": o.code} for o in reply.options
    ]
    grid = []
    start = 0
    for size in layout(len(buttons), reply.rows, reply.columns):
        grid.append(buttons[start : start + size])
        start += size
    return {"inline_keyboard": grid}
