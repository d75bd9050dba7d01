"""Logs name no resident even when an exception's text does: tracebacks and exceptions passed
as arguments lose bare ids, phone numbers and e-mail addresses, in both log formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logs import scrub

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import logging, sys
from bot.logs import configure
configure("DEBUG", [], sys.argv[1])
log = logging.getLogger("citybot.test")
try:
    {}[123456789]
except KeyError:
    log.exception("a lookup failed")
try:
    raise RuntimeError("chat whatsapp:+996555123456 said +996 700 12 34 56, mail x.y@mail.kg")
except RuntimeError as exc:
    log.error("a send failed", exc_info=True)
    log.warning("%s refused: %s", "sendMessage", exc)
    log.info("batch of %d answers in round %d", 12, 3)
    log.warning("lookup failed: %(error)s", {"error": KeyError(996555123457)})
try:
    raise ConnectionError("connect to 10.20.30.40:5432 failed")
except ConnectionError:
    log.error("the database is unreachable", exc_info=True)
"""

IDENTIFIERS = ("123456789", "996555123456", "996555123457", "700 12 34 56", "x.y@mail.kg")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_identifier_from_an_exception_reaches_the_log(fmt: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, fmt], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    log = result.stderr
    for identifier in IDENTIFIERS:
        assert identifier not in log, identifier
    # What is left still says what happened, where.
    assert "KeyError: [id]" in log and "RuntimeError: chat whatsapp:[id] said" in log
    assert "sendMessage refused: chat whatsapp:[id]" in log
    assert "batch of 12 answers in round 3" in log
    assert "lookup failed: [id]" in log, "a dict of arguments too"
    assert "connect to 10.20.30.40:5432 failed" in log, "an address and port is no phone"
    assert "<string>" in log and ", line " in log, "the traceback keeps its frames"
    if fmt == "json":
        lines = [json.loads(line) for line in log.splitlines()]
        levels = [line["level"] for line in lines]
        assert levels == ["ERROR", "ERROR", "WARNING", "INFO", "WARNING", "ERROR"]


def test_scrub_keeps_what_is_not_an_identifier() -> None:
    kept = 'File "/srv/bot/pipeline.py", line 181, at 0x7f3a2c1d9e10 on 2026-12-02 12:30, 100 ms'
    assert scrub(kept) == kept
    assert scrub("user 987654321 blocked the bot") == "user [id] blocked the bot"
    assert scrub("+996555123456") == "[id]"
