"""CITYBOT_LOG_FORMAT=json: one JSON object per line, secrets masked, residents as pseudonyms."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import logging
from bot.logs import actor_hash, configure
configure("INFO", ["s3cret-token"], "json")
log = logging.getLogger("citybot.test")
who = actor_hash("wa", "996555123456")
log.info("turn from %s with s3cret-token", "a resident", extra={"actor": who, "event": "text"})
try:
    raise ValueError("boom")
except ValueError:
    log.exception("failed")
print(who)
"""


def test_json_lines_with_pseudonyms_and_masked_secrets() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    who = result.stdout.strip()
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    first, second = lines
    assert first["level"] == "INFO" and first["logger"] == "citybot.test"
    assert first["actor"] == who and first["event"] == "text"
    assert "s3cret-token" not in result.stderr and "[secret]" in first["message"]
    assert "996555123456" not in result.stderr
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]


def test_the_pseudonym_is_stable_in_a_process_and_not_a_plain_hash() -> None:
    import hashlib

    from bot.logs import actor_hash

    one = actor_hash("wa", "996555123456")
    assert one == actor_hash("wa", "996555123456") != actor_hash("wa", "996555123457")
    plain = hashlib.sha256(b"wa:996555123456").hexdigest()[:12]
    assert plain not in one, "a plain hash of a phone number is a lookup away from the number"
