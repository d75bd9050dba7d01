"""Telegram's 429: how long it asked us to wait, across PTB versions."""

from __future__ import annotations

import warnings

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds Telegram asked us to wait: an int in PTB 22, a timedelta later (PTB warns when
    the attribute is read; both are handled here, once)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        delay = exc.retry_after
    return float(delay.total_seconds() if hasattr(delay, "total_seconds") else delay)
