"""WhatsApp quick replies and list pickers as Twilio Content API templates, created once, cached."""

# Research notes (checked 2026; re-check the pages when Twilio changes them):
#
# Shapes (https://www.twilio.com/docs/content/twilio-quick-reply,
# https://www.twilio.com/docs/content/twiliolist-picker, twilio-python 9.13 model classes
# ContentList.TwilioQuickReply / QuickReplyAction / TwilioListPicker / ListItem):
#   {"friendly_name", "language", "variables": {"1": sample, ...},
#    "types": {"twilio/quick-reply": {"body", "actions": [{"type": "QUICK_REPLY", "title", "id"}]}}}
#    "types": {"twilio/list-picker": {"body", "button", "items": [{"item", "id", "description"}]}}}
# Limits: body <= 1,024 characters (both types). Quick reply: 1-10 actions, but only 3 when sent
# in session without WhatsApp approval; title <= 20 characters, id <= 200 (a summary of the
# "common components" table reports 25 / 128 for approved templates: we keep ids <= 128 and
# titles <= 20, the stricter of each). List picker:
# 1-10 items, item <= 24 characters, id <= 200, description <= 72; `button` is required and not
# empty (Meta's list button: <= 20 characters, no markdown). Titles must be unique per message.
# Variables (`{{1}}`): supported in body, quick-reply id, and quick-reply title "for in-session
# messages"; in list-picker body, button, item, id and description. So every text and every id
# is a variable and one template per shape serves every screen and resident: the per-screen
# payloads ("12.p:roads") travel in ContentVariables and come back as ButtonPayload. If Twilio
# ever refused variable ids, the fallback design is a fixed id per position ("o1".."o10") with
# the screen kept in our session state, at the cost of stale-button detection.
# Variable values: keys <= 16 characters, <= 100 variables; values up to 1,600 characters but
# capped by the field they fill (https://www.twilio.com/docs/content/using-variables-with-content-api).
# In session (24 h after the resident's last message) both types need no WhatsApp approval;
# list pickers cannot be sent outside it at all (content-types-overview, "WhatsApp approval
# requirements"). A tap arrives as ButtonPayload (the id) and ButtonText/Body (the title).
# Unverified until tried on a real sender: whether list-picker taps also arrive as
# ButtonPayload (some integrations read ListId/ListTitle), and Twilio's docs disagree on
# whether an item `description` is required (the OpenAPI spec/SDKs: optional; we omit it).
#
# Creating: twilio 9.13's `client.content.v1.contents.create_async(ContentCreateRequest)`
# POSTs to https://content.twilio.com/v1/Content with Content-Type application/json, but
# AsyncTwilioHttpClient hands the dict to aiohttp as `data=`, which form-encodes it: Twilio
# answers 400 (twilio/twilio-python#932, fix pending in #964). So we serialise the JSON
# ourselves and send the bytes through the same client (auth, base URL, error parsing); should
# a fixed client pass bodies as `json=`, aiohttp refuses bytes with TypeError before sending and
# we use the official call. Tests point the domain elsewhere with `client.content.base_url`.
# Sending: messages.create_async(to=..., from_=..., content_sid=HX..., content_variables=json).

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

log = logging.getLogger(__name__)

QUICK_REPLY = "twilio/quick-reply"
LIST_PICKER = "twilio/list-picker"
MAX_BODY = 1024  # both types
MAX_QUICK_REPLIES = 3  # in session without approval (10 only for approved templates)
MAX_QUICK_REPLY_TITLE = 20
MAX_LIST_ITEMS = 10
MAX_LIST_ITEM = 24
MAX_LIST_BUTTON = 20
MAX_ID = 128  # the stricter of Twilio's two documented id limits (200 / 128)
CREATE_TIMEOUT = 30.0  # twilio's async client passes no timeout to aiohttp
RETRY_AFTER = 60.0  # seconds before a failed creation is tried again (no request per message)


class ContentCache(Protocol):
    """Where created template SIDs are kept across restarts (SQLite in storage/)."""

    async def content_sid(self, key: str) -> str | None: ...

    async def remember_content(self, key: str, sid: str) -> None: ...


class MemoryContentCache:
    """A ContentCache for one process (tests, local runs)."""

    def __init__(self) -> None:
        self.sids: dict[str, str] = {}

    async def content_sid(self, key: str) -> str | None:
        return self.sids.get(key)

    async def remember_content(self, key: str, sid: str) -> None:
        self.sids[key] = sid


def units(text: str) -> int:
    """Length as WhatsApp/Twilio may count it (UTF-16 code units: an emoji can count as 2)."""
    return len(text.encode("utf-16-le")) // 2


def _fits(text: str, limit: int, *, one_line: bool = True) -> bool:
    return bool(text.strip()) and units(text) <= limit and not (one_line and "\n" in text)


def _payload_ok(payload: str) -> bool:
    return 0 < len(payload) <= MAX_ID and payload.isascii() and payload.isprintable()


def layout(
    body: str, options: Sequence[tuple[str, str]], menu: str | None = None
) -> tuple[str, dict[str, str]] | None:
    """The content type and the variables for one screen, or None when it fits neither type.
    Quick reply: body {{1}}, option k title {{2k}}, id {{2k+1}}. List picker: body {{1}},
    button {{2}}, option k item {{2k+1}}, id {{2k+2}}. Numbered without gaps, in order."""
    count = len(options)
    payloads = [p for p, _ in options]
    labels = [label.strip() for _, label in options]
    if not 0 < count <= MAX_LIST_ITEMS or not _fits(body, MAX_BODY, one_line=False):
        return None
    if not all(map(_payload_ok, payloads)) or len(set(payloads)) != count:
        return None  # a repeated id could not tell the taps apart
    variables = {"1": body}
    if (
        count <= MAX_QUICK_REPLIES
        and all(_fits(label, MAX_QUICK_REPLY_TITLE) for label in labels)
        and len(set(labels)) == count  # WhatsApp wants distinct button titles
    ):
        for k, (payload, label) in enumerate(zip(payloads, labels, strict=True), 1):
            variables[str(2 * k)], variables[str(2 * k + 1)] = label, payload
        return QUICK_REPLY, variables
    # A short screen with a 21-24 character label still fits a list (its items allow 24).
    if menu is None or not _fits(menu, MAX_LIST_BUTTON):
        return None
    if not all(_fits(label, MAX_LIST_ITEM) for label in labels):
        return None
    variables["2"] = menu.strip()
    for k, (payload, label) in enumerate(zip(payloads, labels, strict=True), 1):
        variables[str(2 * k + 1)], variables[str(2 * k + 2)] = label, payload
    return LIST_PICKER, variables


def _var(number: int) -> str:
    return "{{" + str(number) + "}}"


def template(kind: str, lang: str, count: int) -> dict[str, Any]:
    """The fixed part: everything a resident sees is a variable, so only type, language and
    the number of options tell templates apart. Sample values are Twilio's defaults."""
    samples: dict[str, str] = {"1": "..."}
    if kind == QUICK_REPLY:
        actions = []
        for k in range(1, count + 1):
            samples[str(2 * k)], samples[str(2 * k + 1)] = str(k), f"o{k}"
            actions.append({"type": "QUICK_REPLY", "title": _var(2 * k), "id": _var(2 * k + 1)})
        spec: dict[str, Any] = {"body": _var(1), "actions": actions}
    else:
        samples["2"] = "..."
        items = []
        for k in range(1, count + 1):
            samples[str(2 * k + 1)], samples[str(2 * k + 2)] = str(k), f"o{k}"
            items.append({"item": _var(2 * k + 1), "id": _var(2 * k + 2)})
        spec = {"body": _var(1), "button": _var(2), "items": items}
    request = {"language": lang, "variables": samples, "types": {kind: spec}}
    # Normalised through the SDK's own models, so field names follow twilio-python's.
    return _without_none(ContentList.ContentCreateRequest(request).to_dict())


def template_key(request: dict[str, Any]) -> str:
    """A stable cache key: readable prefix + hash of the fixed JSON (a changed shape is a new
    template, never a stale SID)."""
    ((kind, spec),) = request["types"].items()
    count = len(spec.get("actions") or spec.get("items") or [])
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    short = "qr" if kind == QUICK_REPLY else "list"
    return f"citybot-{short}-{request['language']}-{count}-{digest}"


@functools.lru_cache(maxsize=64)
def _shape(kind: str, lang: str, count: int) -> tuple[str, str]:
    """(key, JSON) of a template, computed once per shape rather than per message."""
    request = template(kind, lang, count)
    return template_key(request), json.dumps(request, ensure_ascii=False)


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


class InteractiveMessages:
    """Turns a screen into `content_sid` + `content_variables` for messages.create_async,
    creating each template shape once (per process and per cache) and caching its SID."""

    def __init__(
        self,
        client: Client | Callable[[], Client | None],
        cache: ContentCache,
        *,
        timeout: float = CREATE_TIMEOUT,
        retry_after: float = RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A callable, because WhatsAppChannel creates its client only in start().
        self._client = client
        self.cache = cache
        self.timeout = timeout
        self.retry_after = retry_after
        self._clock = clock
        self._sids: dict[str, str] = {}  # spares the persistent cache a read per message
        self._locks: dict[str, asyncio.Lock] = {}
        self._failed_at: dict[str, float] = {}

    def client(self) -> Client | None:
        return self._client if isinstance(self._client, Client) else self._client()

    async def params(
        self,
        lang: str,
        body: str,
        options: Sequence[tuple[str, str]],
        *,
        menu: str | None = None,
    ) -> dict[str, str] | None:
        """Extra keyword arguments for messages.create_async, or None: send numbered text.
        `options` are (payload, label) in screen order; `menu` is the list picker's button
        text (e.g. "Выбрать"), needed only past three options or for 21-24 character labels."""
        fitted = layout(body, options, menu)
        if fitted is None or not (lang.isascii() and lang.isalpha()):
            return None
        kind, variables = fitted
        sid = await self.content_sid(kind, lang, len(options))
        if sid is None:
            return None
        return {
            "content_sid": sid,
            "content_variables": json.dumps(variables, ensure_ascii=False),
        }

    async def content_sid(self, kind: str, lang: str, count: int) -> str | None:
        """The SID of the template for this shape, created on first use; None if it cannot
        be had right now (logged; tried again after `retry_after` seconds)."""
        if kind not in (QUICK_REPLY, LIST_PICKER):
            raise ValueError(f"not an interactive content type: {kind}")
        key, request = _shape(kind, lang, count)
        if (sid := self._sids.get(key)) is not None:
            return sid
        lock = self._locks.setdefault(key, asyncio.Lock())
        if lock.locked():
            # Being created (or read) for another resident: this one gets numbered text now
            # rather than waiting for Twilio behind the lock (a burst at a cold start).
            return None
        async with lock:  # concurrent first uses of a shape create it once
            if (sid := self._sids.get(key)) is not None:
                return sid
            failed = self._failed_at.get(key)
            if failed is not None and self._clock() - failed < self.retry_after:
                return None
            try:
                sid = await self.cache.content_sid(key)
            except Exception:
                log.exception("WhatsApp content cache unreadable (%s)", key)
                return None
            if sid is None:
                sid = await self._create(key, request)
                if sid is None:
                    self._failed_at[key] = self._clock()
                    return None
                try:
                    await self.cache.remember_content(key, sid)
                except Exception:
                    # Still usable in this process; a restart creates another (harmless).
                    log.exception("WhatsApp content %s not cached", key)
            self._failed_at.pop(key, None)
            self._sids[key] = sid
            return sid

    async def _create(self, key: str, request: str) -> str | None:
        client = self.client()
        if client is None:
            log.warning("WhatsApp content %s: the Twilio client is not started", key)
            return None
        try:
            payload = await asyncio.wait_for(
                self._post(client, {"friendly_name": key, **json.loads(request)}), self.timeout
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            # Only status and code: the request holds no resident data, but keep logs lean.
            log.warning("WhatsApp content %s refused: HTTP %s, code %s", key, exc.status, exc.code)
            return None
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            # After a timeout Twilio may have created it: the retry makes a twin, which is
            # harmless (an unused template), unlike a reply that never goes out.
            log.warning("WhatsApp content %s not created (%s)", key, type(exc).__name__)
            return None
        except Exception:
            # Whatever else goes wrong here must not cost the resident the reply: text then.
            log.exception("WhatsApp content %s not created", key)
            return None
        sid = payload.get("sid") if isinstance(payload, dict) else None
        if not (isinstance(sid, str) and sid.startswith("HX")):
            log.warning("WhatsApp content %s: no SID in Twilio's answer", key)
            return None
        log.info("WhatsApp content %s created: %s", key, sid)
        return sid

    @staticmethod
    async def _post(client: Client, request: dict[str, Any]) -> Any:
        body = json.dumps(request, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        version = client.content.v1
        try:
            return await version.create_async(
                method="POST",
                uri="/Content",
                data=body,  # type: ignore[arg-type]  # bytes: see the notes at the top
                headers=headers,
            )
        except TypeError:
            # A twilio release that sends application/json bodies as `json=`: its own call
            # then works (json.dumps of bytes fails before anything is sent).
            created = await version.contents.create_async(ContentList.ContentCreateRequest(request))
            return {"sid": created.sid}
