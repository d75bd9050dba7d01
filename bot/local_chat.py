"""The survey in a terminal: numbered options, typed answers, the same flows and database."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from bot.i18n import Texts, html_to_plain
from bot.pipeline import Pipeline
from flows.commands import parse_command
from flows.session import Inbound, Reply, Turn
from storage.base import ResidentRef

CHANNEL = "local"


# Messages' wording for channels without buttons (a `.wa` attribute in the locale files).
NUMBERED = "wa"


def numbered_options(texts: Texts, lang: str, reply: Reply) -> list[str]:
    """The options as "1. label" lines (a label that already starts with its own number,
    such as a listed problem "2. Дороги", is not numbered twice)."""
    lines = []
    for n, option in enumerate(reply.options, 1):
        label = texts.option_label(lang, option, NUMBERED)  # type: ignore[arg-type]
        lines.append(label if label.startswith(f"{n}. ") else f"{n}. {label}")
    return lines


def render_numbered(texts: Texts, turn: Turn, bold: str = "") -> list[str]:
    """Text for channels without buttons: the last reply's options are numbered; options of
    earlier replies are shown by name, which can be typed too."""
    out = []
    last_with_options = max((i for i, r in enumerate(turn.replies) if r.options), default=-1)
    for i, reply in enumerate(turn.replies):
        lines = [html_to_plain(texts.reply_html(turn.lang, reply, NUMBERED), bold)]
        if i == last_with_options:
            lines += numbered_options(texts, turn.lang, reply)
        else:
            lines += [f"— {texts.option_label(turn.lang, o, NUMBERED)}" for o in reply.options]
        out.append("\n".join(lines))
    return out


def parse_line(line: str) -> Inbound:
    """A typed line (the terminal, a WhatsApp message) as an event: a command or text."""
    command = parse_command(line)
    if command is not None:
        return Inbound("command", command=command.name, text=command.argument)
    return Inbound("text", text=line.strip())


async def chat(
    pipeline: Pipeline,
    texts: Texts,
    resident: str = "terminal",
    lang: str | None = None,
    read: Callable[[], str] | None = None,
    write: Callable[[str], None] | None = None,
) -> None:
    """Talk to the survey until end of input or /quit."""
    who = ResidentRef(CHANNEL, resident)
    read = read or (lambda: input("> "))
    write = write or (lambda text: print(text, flush=True))

    async def deliver(turn: Turn) -> None:
        for block in render_numbered(texts, turn):
            write(block + "\n")

    write("citybot local chat. Type a number or an answer; /help for commands; /quit to leave.\n")
    await pipeline.resident(who, Inbound("command", command="start", lang_hint=lang), deliver)
    while True:
        try:
            line = await asyncio.to_thread(read)
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip() in ("/quit", "/exit"):
            break
        if not line.strip():
            continue
        await pipeline.resident(who, parse_line(line), deliver)
    if sys.stdout.isatty():
        write("Bye.")
