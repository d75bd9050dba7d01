"""The working group's web desk: Telegram sign-in, the city's figures, review, exports."""

from bot.desk.app import Desk
from bot.desk.auth import derive_secret

__all__ = ["Desk", "derive_secret"]
