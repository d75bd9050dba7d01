"""The channels' outbounds as the application builds them, for tests that send."""

from __future__ import annotations

from telegram import Bot

from bot.i18n import Texts
from bot.telegram_out import TelegramOutbound
from flows.survey import COMMANDS
from flows.world import World


def telegram_out(
    bot: Bot, rate: float = 25.0, texts: Texts | None = None, world: World | None = None
) -> TelegramOutbound:
    """The Telegram outbound over `bot` (a fake Bot API behind it), at `rate` broadcasts/s."""
    return TelegramOutbound(bot, texts or Texts(), COMMANDS, world, rate)
