"""Slash commands as every channel types them, parsed in one place (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "/name", "/name@SomeBot", then anything (a /start payload, a group command's argument).
_COMMAND = re.compile(r"/(\w{1,32})(?:@(\w+))?(?:\s+(.*))?", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Command:
    """`/name@bot argument text`: the name casefolded, the bot it names (if any), the rest."""

    name: str
    argument: str = ""
    addressed_to: str | None = None  # "@citybot" in a group: which bot the command is for

    def is_for(self, username: str | None) -> bool:
        """In a group a command may name another bot: only ours (or none) is ours."""
        if self.addressed_to is None:
            return True
        return username is not None and self.addressed_to.casefold() == username.casefold()


def parse_command(text: str) -> Command | None:
    """The command a message is, or None when it is not one ("/" alone, "/ text", a name
    longer than 32 letters): then it is plain text."""
    found = _COMMAND.fullmatch(text.strip())
    if found is None:
        return None
    name, bot, rest = found.groups()
    return Command(name.casefold(), (rest or "").strip(), bot)
