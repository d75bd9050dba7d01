"""`citybot run` for bench/http.py, with the Bot API transport chosen by BENCH_TRANSPORT."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.request import BaseRequest, HTTPXRequest

import bot.telegram
from bot.cli import main


def _httpx(connection_pool_size: int = 256) -> BaseRequest:
    """PTB's stock transport, sized as bot/telegram.py sizes the aiohttp one."""
    return HTTPXRequest(connection_pool_size=connection_pool_size)


if __name__ == "__main__":
    if os.environ.get("BENCH_TRANSPORT", "aiohttp") == "httpx":
        bot.telegram.AiohttpRequest = _httpx  # type: ignore[assignment,misc]
    sys.exit(main(["run"]))
