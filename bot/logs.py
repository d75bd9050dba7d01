"""Logging: one format and level, the libraries that could log secrets or residents' data kept
above the levels where they do, secrets masked in every line, and what strangers can cause
(refused webhooks, malformed requests) throttled so nobody can fill the log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping

from flows.text import mask_phones

# Logger -> the lowest level it may log at, whatever CITYBOT_LOG_LEVEL says.
QUIET = {
    "httpx": logging.WARNING,  # every request URL, and Telegram's URLs carry the token
    "httpcore": logging.WARNING,  # connection details at DEBUG (hosts, not tokens; still noise)
    "telegram": logging.INFO,  # at DEBUG, whole updates: names, ids, what residents wrote
    "twilio": logging.WARNING,  # request details at INFO, phone numbers among them
    # At INFO: "Running job ..." and "... executed successfully" for the dispatcher's tick
    # every second, "Added job" per scheduler at start. Its warnings (a missed run) stay.
    "apscheduler": logging.WARNING,
    "aiohttp.access": logging.WARNING,  # request lines (the fake servers in tests, Twilio)
}

MASK = "[secret]"
# What an exception's text may carry that identifies a resident: a Telegram id or a phone
# number as a bare run of digits (a KeyError(123456789), a library's "chat 123456789 not
# found"). Line numbers and counts are shorter; memory addresses are hex with letters.
_ID_LIKE = re.compile(r"(?<![\w.])\+?\d{6,}(?![\w.])")
ID_MASK = "[id]"


# An address and port ("connect to 10.20.30.40:5432 failed") is no phone: kept as it is.
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])")


def scrub(text: str) -> str:
    """An exception's text without identifiers: bare ids and phone numbers become "[id]",
    spaced phone numbers are starred and e-mail addresses masked (flows.text.mask_phones);
    IPv4 addresses (with a port) are left alone."""
    text = _ID_LIKE.sub(ID_MASK, text)
    addresses = _IPV4.findall(text)
    if addresses:
        text = _IPV4.sub("\x00", text)
    text = mask_phones(text)
    for address in addresses:
        text = text.replace("\x00", address, 1)
    return text


def _scrub_args(record: logging.LogRecord) -> None:
    """An exception passed as a message argument ("%s failed: %s", name, exc) is scrubbed
    like a traceback: its text comes from a library or Telegram, not from us."""
    args = record.args
    if isinstance(args, tuple) and any(isinstance(a, BaseException) for a in args):
        record.args = tuple(scrub(str(a)) if isinstance(a, BaseException) else a for a in args)
    elif isinstance(args, Mapping) and any(isinstance(a, BaseException) for a in args.values()):
        # log.warning("%(error)s", {"error": exc}): logging keeps the one dict as the args
        record.args = {
            k: scrub(str(a)) if isinstance(a, BaseException) else a for k, a in args.items()
        }


# A Bot API URL carries the token after "/bot": masked whatever the token is.
_BOT_URL = re.compile(r"(/bot)[0-9]+:[A-Za-z0-9_-]+")


class Throttle(logging.Filter):
    """The first record of each kind passes, then at most one every `every` seconds, saying
    how many like it were held back meanwhile. A kind is the record's message template (its
    arguments may differ). `only`: the templates to throttle (others pass); `level`: records
    below it pass untouched. Held-back records are dropped, not delayed."""

    def __init__(
        self,
        every: float = 60.0,
        only: Collection[str] | None = None,
        level: int = logging.NOTSET,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.every, self.only, self.level, self.clock = every, only, level, clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def reset(self) -> None:
        """Forget what was seen: the next record of every kind passes."""
        self._last.clear()
        self._held.clear()

    def filter(self, record: logging.LogRecord) -> bool:
        template = str(record.msg)
        if record.levelno < self.level or (self.only is not None and template not in self.only):
            return True
        now = self.clock()
        last = self._last.get(template)
        if last is not None and now - last < self.every:
            self._held[template] = self._held.get(template, 0) + 1
            return False
        held = self._held.pop(template, 0)
        self._last[template] = now
        if held:
            # Appended to the template, before the arguments are applied: no "%" in it.
            record.msg = f"{template} (and {held} more like it in the last {now - last:.0f} s)"
        return True


# Logger -> its throttle: what anyone on the internet can make these log.
THROTTLED = {
    # "Invalid HTTP request received.", "Exceeded concurrency limit.", a failing request.
    "uvicorn.error": lambda: Throttle(level=logging.WARNING),
}


# Log lines may name a resident only by this: an HMAC of channel and id under a key made at
# start (never written anywhere), so one process's lines about one resident can be followed
# and nothing in a log leads back to a phone number (a plain hash of 9 digits would).
_ACTOR_KEY = os.urandom(16)


def actor_hash(channel: str, external_id: str) -> str:
    """A short pseudonym for a resident, stable within this process only."""
    digest = hmac.new(_ACTOR_KEY, f"{channel}:{external_id}".encode(), hashlib.sha256)
    return f"{channel}-{digest.hexdigest()[:12]}"


class _Json(logging.Formatter):
    """One JSON object per line (CITYBOT_LOG_FORMAT=json): time, level, logger, message, and
    `actor` (a pseudonym, see actor_hash) and `event` when the call passed them in `extra`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": self.format_message(record),
        }
        for key in ("actor", "event"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return mask(json.dumps(entry, ensure_ascii=False), self.secrets)

    def format_message(self, record: logging.LogRecord) -> str:
        _scrub_args(record)
        return record.getMessage()

    def formatException(self, ei: object) -> str:
        return scrub(super().formatException(ei))  # type: ignore[arg-type]


class _Masking(logging.Formatter):
    """Formats as usual, then masks the secrets (and any Bot API token in a URL)."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        _scrub_args(record)
        record.exc_text = None  # another handler's cached, unscrubbed traceback is not used
        return mask(super().format(record), self.secrets)

    def formatException(self, ei: object) -> str:
        return scrub(super().formatException(ei))  # type: ignore[arg-type]


def mask(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return _BOT_URL.sub(r"\1" + MASK, text)


def quiet_libraries() -> None:
    root = logging.getLogger().level
    for name, lowest in QUIET.items():
        logger = logging.getLogger(name)
        # Never below the root's level either: CITYBOT_LOG_LEVEL=WARNING means no INFO lines,
        # a library's included. NOTSET (0) is below everything: it would inherit the root's.
        wanted = max(lowest, root)
        if logger.level < wanted:
            logger.setLevel(wanted)
    for name, make in THROTTLED.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, Throttle) for f in logger.filters):
            logger.addFilter(make())


def configure(level: str, secrets: Iterable[str | None] = (), fmt_name: str = "text") -> None:
    """The root handler (stderr), its level and format ("text" for people, "json" one object
    a line); `secrets` never appear in a line."""
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    root = logging.getLogger()
    before = list(root.handlers)  # a test's own capturing handlers are left as they are
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), format=fmt)
    hidden = [s for s in secrets if s]
    for handler in root.handlers:
        if handler not in before:
            formatter = _Json(hidden) if fmt_name == "json" else _Masking(fmt, hidden)
            handler.setFormatter(formatter)
    quiet_libraries()
