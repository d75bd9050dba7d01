"""The only code that sends to WhatsApp (Twilio): replies in order per resident, interactive
messages, announcements at the broadcast pace, and what Twilio's answers mean.

One call path (`send`) owns Twilio's rules: 429 / 20429 / 63018 backed off with jitter, a
request that cannot have reached Twilio retried, a timeout never retried (it may have been
sent), an opt-out or block (21610, 63014) reported so the pipeline unsubscribes the resident.

Messages are created with one aiohttp POST (`TwilioMessages`): the same url-encoded form,
basic auth and error shapes as twilio-python's `messages.create_async`, without the cost of
its per-call request, response and instance objects and of aiohttp's form encoding, which
made up a fifth of the bot's CPU per WhatsApp message (bench/whatsapp.py). The twilio client
stays for the Content API (templates are created once) and `RequestValidator` for webhooks.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import platform
import random
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any

import aiohttp
from twilio import __version__ as twilio_version
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot import metrics
from bot.i18n import Texts
from bot.rate import RateLimiter
from bot.whatsapp_content import InteractiveMessages
from bot.whatsapp_render import interactive_parts, render
from flows.session import Turn
from storage.base import Deliveries, ResidentRef

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 5
UNSUBSCRIBED = frozenset({21610, 63014})  # the resident opted out / blocked the sender
OUTSIDE_WINDOW = 63016  # free-form text more than 24 h after the resident's last message
BACK_OFF = frozenset({20429, 63018})  # API concurrency / sender rate limit
SHUTDOWN_GRACE = 20.0  # seconds to finish queued replies on shutdown
SEND_TIMEOUT = 30.0  # seconds for one REST call
MESSAGES_PATH = "/2010-04-01/Accounts/{sid}/Messages.json"
CONNECTIONS = 100  # to Twilio at once (twilio-python's aiohttp session had the same default)
# Twilio's form fields for what `send` is given (twilio-python's keyword arguments).
FIELDS = {"body": "Body", "content_sid": "ContentSid", "content_variables": "ContentVariables"}
# application/x-www-form-urlencoded as urllib.parse.urlencode writes it (quote_plus, nothing
# safe but letters, digits and _.-~), a byte at a time through a table: urlencode's Python
# loop over every byte of Cyrillic text was most of the encoding's cost.
_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_ESCAPED = [chr(b) if b in _SAFE else "+" if b == 0x20 else f"%{b:02X}" for b in range(256)]


def _nothing(*_: object) -> None:
    return None


def _quote(text: str) -> str:
    data = text.encode()
    return text if data.isalnum() else "".join(map(_ESCAPED.__getitem__, data))


def form_encode(fields: Mapping[str, str]) -> bytes:
    """The body of a url-encoded form post: the bytes urllib.parse.urlencode would give."""
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in fields.items()).encode("ascii")


def refusal(status: int, url: str, text: str) -> TwilioRestException | TwilioServiceException:
    """Twilio's error answer as twilio-python raises it: RFC 9457 bodies (type, title, status,
    code) as TwilioServiceException, others as TwilioRestException with Twilio's `code` (or
    the HTTP status when the body has none)."""
    message = "Unable to create record"
    try:
        payload: Any = json.loads(text)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return TwilioRestException(status, url, message, status, "POST")
    if all(key in payload for key in ("type", "title", "status", "code")):
        return TwilioServiceException(
            type_uri=payload["type"],
            title=payload["title"],
            status=payload["status"],
            code=payload["code"],
            detail=payload.get("detail"),
            instance=payload.get("instance"),
            errors=payload.get("errors"),
            method="POST",
            uri=url,
        )
    if "message" in payload:
        message = f"{message}: {payload['message']}"
    code = payload.get("code", status)
    return TwilioRestException(status, url, message, code, "POST", payload.get("details"))


class TwilioMessages:
    """Twilio's Messages resource: one POST per message over a pooled aiohttp session."""

    def __init__(self, api_base_url: str, account_sid: str, auth_token: str) -> None:
        self.url = api_base_url.rstrip("/") + MESSAGES_PATH.format(sid=account_sid)
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Accept-Charset": "utf-8",
            "User-Agent": (
                f"twilio-python/{twilio_version} ({platform.system()} {platform.machine()}) "
                f"Python/{platform.python_version()} citybot"
            ),
        }
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        """Inside the running loop (aiohttp binds its session to it)."""
        connector = aiohttp.TCPConnector(limit=CONNECTIONS)
        self._session = aiohttp.ClientSession(connector=connector)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = None

    async def create_async(self, fields: Mapping[str, str]) -> tuple[str | None, str]:
        """Create one message from Twilio's form fields (To, From, Body or ContentSid...):
        (its SID, its status). Twilio's refusals raise as twilio-python's do (`refusal`);
        connection errors are aiohttp's."""
        if self._session is None:
            raise RuntimeError("WhatsApp channel is not started")
        async with self._session.post(
            self.url, data=form_encode(fields), headers=self.headers
        ) as response:
            status = response.status
            text = await response.text()
        if not 200 <= status < 300:
            raise refusal(status, self.url, text)
        created = json.loads(text)
        return created.get("sid"), str(created.get("status") or "queued")


class Outbox:
    """Background sends that keep each key's order while different keys run in parallel."""

    def __init__(self) -> None:
        self._tails: dict[Hashable, asyncio.Task[None]] = {}
        self._all: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        """Sends queued or in flight (/metrics: citybot_whatsapp_outbox_depth)."""
        return len(self._all)

    def push(self, key: Hashable, send: Callable[[], Awaitable[None]]) -> None:
        previous = self._tails.get(key)
        task = asyncio.create_task(self._after(previous, send))
        self._tails[key] = task
        self._all.add(task)
        task.add_done_callback(lambda done: self._forget(key, done))

    def _forget(self, key: Hashable, done: asyncio.Task[None]) -> None:
        self._all.discard(done)
        if self._tails.get(key) is done:
            del self._tails[key]

    @staticmethod
    async def _after(previous: asyncio.Task[None] | None, send: Callable[[], Awaitable[None]]):
        if previous is not None:
            await asyncio.wait({previous})
        try:
            await send()
        except Exception:
            log.exception("a WhatsApp send failed")

    async def cancel(self) -> None:
        """Cancel everything still queued and wait until it has stopped."""
        tasks = set(self._all)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def drain(self) -> None:
        """Wait until everything pushed so far (and pushed meanwhile) is sent."""
        while self._tails:
            await asyncio.wait(set(self._tails.values()))


class WhatsAppOutbound:
    """Owns the async Twilio client. Replies are queued per resident (Twilio gets its webhook
    answer at once) and sent in order; failures are recorded in the delivery log."""

    def __init__(
        self,
        texts: Texts,
        log_store: Deliveries,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_base_url: str = "https://api.twilio.com",
        content_base_url: str | None = None,
        status_callback: str | None = None,
        backoff: float = 1.0,
        interactive: bool = True,
        broadcast_rate: float = 20.0,
    ) -> None:
        self.texts = texts
        self.store = log_store
        self._sid, self._token = account_sid, auth_token
        self.sender = sender
        self.api_base_url = api_base_url.rstrip("/")
        self.content_base_url = content_base_url.rstrip("/") if content_base_url else None
        self.status_callback = status_callback
        self.backoff = backoff
        self.outbox = Outbox()
        metrics.METRICS.watch_outbox(self.outbox.__len__)  # read at scrape time only
        self.pace = RateLimiter(broadcast_rate)
        self._http: AsyncTwilioHttpClient | None = None
        self._client: Client | None = None  # for the Content API
        self.messages = TwilioMessages(self.api_base_url, account_sid, auth_token)
        # Quick replies and list pickers (Content API templates); numbered text otherwise.
        self.interactive = (
            InteractiveMessages(lambda: self._client, log_store) if interactive else None
        )
        # Called, never awaited: the pipeline stores it later (see PlatformReports).
        self.on_blocked: Callable[[ResidentRef], None] = _nothing

    @property
    def client(self) -> Client | None:
        return self._client

    async def start(self) -> None:
        """Create the client inside the running loop (aiohttp binds its session to it)."""
        self._http = AsyncTwilioHttpClient(timeout=30)
        self._client = Client(self._sid, self._token, http_client=self._http)
        self._client.api.base_url = self.api_base_url
        if self.content_base_url:
            self._client.content.base_url = self.content_base_url
        self.messages.start()

    async def stop(self) -> None:
        """Send what is queued (bounded), then close the HTTP session."""
        try:
            await asyncio.wait_for(self.outbox.drain(), SHUTDOWN_GRACE)
        except TimeoutError:
            log.warning("WhatsApp replies still queued at shutdown were dropped")
            await self.outbox.cancel()
        if self._http is not None:
            await self._http.close()
        await self.messages.close()
        self._http = self._client = None

    async def deliver(self, who: ResidentRef, turn: Turn) -> None:
        """Queue a turn's replies: called under the resident's lock after the commit, so only
        queued here (Twilio gets its answer at once); the outbox keeps their order. The
        numbered text is rendered only when no interactive message is sent instead."""
        parts = interactive_parts(self.texts, turn) if self.interactive else None
        bodies = render(self.texts, turn) if parts is None else None
        self.outbox.push(who, lambda: self._send_turn(who, turn, bodies, parts))

    async def _send_turn(
        self,
        who: ResidentRef,
        turn: Turn,
        bodies: list[str] | None,
        parts: tuple[str, list[tuple[str, str]], str] | None,
    ) -> None:
        if parts is not None and self.interactive is not None:
            body, options, menu = parts
            content = await self.interactive.params(turn.lang, body, options, menu=menu or None)
            if content is not None:
                await self.send(who, None, content=content)
                return
        for body in render(self.texts, turn) if bodies is None else bodies:
            if not await self.send(who, body):
                return  # the rest would fail the same way

    async def broadcast(
        self, who: ResidentRef, body: str | None, template: tuple[str, Mapping[str, str]] | None
    ) -> bool:
        """One announcement at the broadcast pace: free text inside the 24-hour window, else
        the approved template."""
        await self.pace.acquire()
        return await self.send(who, body, template)

    async def send(
        self,
        who: ResidentRef,
        body: str | None,
        template: tuple[str, Mapping[str, str]] | None = None,
        content: Mapping[str, str] | None = None,
    ) -> bool:
        """One message with retries; False when it was not sent (the rest of the turn is
        then dropped too, so a resident never gets the second half of a reply alone).
        `template`: (content SID, variables) of an approved template, for residents outside
        the 24-hour window (announcements); `content`: an interactive message's parameters."""
        if template:
            content = {
                "content_sid": template[0],
                "content_variables": json.dumps(dict(template[1])),
            }
        fields = {"To": f"whatsapp:+{who.external_id}", "From": self.sender}
        if self.status_callback:
            fields["StatusCallback"] = self.status_callback
        for name, value in (content or {"body": body or ""}).items():
            fields[FIELDS[name]] = value
        if self._client is None:
            raise RuntimeError("WhatsApp channel is not started")
        code: int | None = None
        for attempt in range(SEND_ATTEMPTS):
            if attempt:
                # Exponential backoff with jitter, so many residents' retries do not align.
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1) * (0.5 + random.random()))
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    sid, status = await self.messages.create_async(fields)
            except (TwilioRestException, TwilioServiceException) as exc:
                code = exc.code
                metrics.METRICS.twilio_error(code)
                if code in UNSUBSCRIBED:
                    await self.store.record_delivery(who, None, "failed", code)
                    log.info("WhatsApp resident opted out or blocked us (%s)", code)
                    self.on_blocked(who)
                    return False
                if code == OUTSIDE_WINDOW:
                    await self.store.record_delivery(who, None, "failed", code)
                    log.info("WhatsApp reply outside the 24-hour window (63016) not sent")
                    return False
                if code in BACK_OFF or exc.status == 429:
                    self.pace.pause(self.backoff * 2**attempt)  # broadcasts slow down too
                elif exc.status != 503:
                    await self.store.record_delivery(who, None, "failed", code)
                    log.warning("WhatsApp send refused: HTTP %s, code %s", exc.status, code)
                    return False
                log.warning("WhatsApp send: HTTP %s code %s, backing off", exc.status, code)
            except aiohttp.ClientConnectionError as exc:
                # Retried only when the request cannot have reached Twilio; after a timeout or
                # a dropped answer it may have been sent: a duplicate is worse than a retry.
                if not isinstance(exc, aiohttp.ClientConnectorError):
                    break
                log.warning("WhatsApp send: cannot connect (%s), retrying", type(exc).__name__)
            except TimeoutError:
                log.warning("WhatsApp send timed out; not retried (it may have been sent)")
                break
            else:
                await self.store.record_delivery(who, sid, status)
                return True
        await self.store.record_delivery(who, None, "failed", code)
        log.error("WhatsApp send failed for good (code %s)", code)
        metrics.METRICS.error("whatsapp_send")
        return False
