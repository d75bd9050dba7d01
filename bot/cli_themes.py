"""`citybot themes`: own-words answers grouped into themes."""

from __future__ import annotations

import argparse
from typing import Any

from bot.settings import Settings


def add_parsers(sub: Any) -> None:
    """Register the subcommands (none yet)."""


def run(settings: Settings, args: argparse.Namespace) -> int | None:
    """The exit code, or None when `args.command` is not one of this module's."""
    return None
