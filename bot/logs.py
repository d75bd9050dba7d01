"""Logging: one format and level, and the libraries that could log secrets or residents' data
kept above the levels where they do."""

from __future__ import annotations

import logging

# Logger -> the lowest level it may log at, whatever CITYBOT_LOG_LEVEL says.
QUIET = {
    "httpx": logging.WARNING,  # every request URL, and Telegram's URLs carry the token
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,  # at DEBUG, whole updates: names, ids, what residents wrote
    "twilio": logging.WARNING,  # request details at INFO, phone numbers among them
    "apscheduler": logging.INFO,
}


def quiet_libraries() -> None:
    for name, lowest in QUIET.items():
        logger = logging.getLogger(name)
        if logger.level < lowest:  # NOTSET (0) included: it would inherit the root's level
            logger.setLevel(lowest)


def configure(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_libraries()
