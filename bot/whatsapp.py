"""WhatsApp through Twilio: signed form posts in, numbered-text replies out via the REST API."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Hashable, Mapping

import aiohttp
from twilio.base import values
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.i18n import Texts, html_to_plain, pack_lines
from bot.local_chat import NUMBERED, parse_line, render_numbered
from bot.service import Conversations
from bot.whatsapp_content import MAX_QUICK_REPLIES, InteractiveMessages, units
from flows.session import Inbound, Option, Turn
from storage.base import ResidentRef, Store

log = logging.getLogger(__name__)

CHANNEL = "wa"
MAX_BODY = 1600  # Twilio's limit for one WhatsApp message body
SEND_ATTEMPTS = 5
UNSUBSCRIBED = frozenset({21610, 63014})  # the resident opted out / blocked the sender
OUTSIDE_WINDOW = 63016  # free-form text more than 24 h after the resident's last message
BACK_OFF = frozenset({20429, 63018})  # API concurrency / sender rate limit
SHUTDOWN_GRACE = 20.0  # seconds to finish queued replies on shutdown
SEND_TIMEOUT = 30.0  # seconds for one REST call


def media_kind(content_type: str) -> str:
    """A Twilio MediaContentType as the flows' media kind (they answer each kindly)."""
    major, _, minor = content_type.partition("/")
    if content_type == "image/webp":
        return "sticker"  # WhatsApp stickers arrive as webp images
    return {"image": "photo", "audio": "voice", "video": "video"}.get(
        major, "document" if minor else "other"
    )


def to_inbound(form: Mapping[str, str]) -> tuple[ResidentRef, Inbound] | None:
    """Translate one inbound webhook; None when it names no resident (nothing to answer)."""
    wa_id = form.get("WaId", "").strip()
    if not wa_id.isdigit():
        return None
    who = ResidentRef(CHANNEL, wa_id)  # WaId, never ProfileName: that one changes at will
    body = form.get("Body", "")
    # A tapped quick reply or list item: its id (list pickers may report it as ListId).
    payload = (form.get("ButtonPayload", "") or form.get("ListId", "")).strip()
    if payload:
        return who, Inbound("choice", choice=payload[:64])
    if body.strip():
        # A caption typed with a photo is still what the resident said.
        return who, parse_line(body)
    media = form.get("NumMedia", "0").strip()
    if media.isdigit() and int(media) > 0:
        return who, Inbound("media", media=media_kind(form.get("MediaContentType0", "")))
    latitude, longitude = form.get("Latitude", ""), form.get("Longitude", "")
    if latitude:
        try:
            where: tuple[float, float] | None = (float(latitude), float(longitude))
        except ValueError:
            where = None
        return who, Inbound("media", media="location", location=where)
    return who, Inbound("text", text="")


def render(texts: Texts, turn: Turn) -> list[str]:
    """One turn as message bodies: its replies joined, since separate messages sent at once
    may arrive out of order on WhatsApp; split at line ends only past Twilio's limit."""
    text = "\n\n".join(render_numbered(texts, turn, bold="*"))
    return pack_lines(text.split("\n"), MAX_BODY)


SHORT = "short"  # a button's short label (locale attribute), for WhatsApp lists and replies
MAX_LABEL = 24  # characters of a list item


def short_label(texts: Texts, lang: str, option: Option, number: int | None = None) -> str:
    """A button's label for a WhatsApp list or quick reply: the locale's `.short` form where
    there is one, else the label, cut to 24 characters. `number`: shown before it (a list's
    items carry the numbers the wording asks residents to type)."""
    label = texts.option_label(lang, option, SHORT)  # type: ignore[arg-type]
    if label == texts.option_label(lang, option):
        label = texts.option_label(lang, option, NUMBERED)  # type: ignore[arg-type]
    if number is not None and not label.startswith(f"{number}. "):
        label = f"{number}. {label}"
    while units(label) > MAX_LABEL:
        label = label[: max(1, len(label) - 2)].rstrip() + "…"
    return label


def interactive_parts(texts: Texts, turn: Turn) -> tuple[str, list[tuple[str, str]], str] | None:
    """(body, options, menu) of a turn whose last reply has options: the text without the
    numbered list, the options as (payload, short label), the list button's text."""
    if not turn.replies or not turn.replies[-1].options:
        return None
    last = turn.replies[-1]
    blocks = [html_to_plain(texts.reply_html(turn.lang, r, NUMBERED), "*") for r in turn.replies]
    listed = len(last.options) > MAX_QUICK_REPLIES  # a list picker, if anything: numbered
    options = [
        (o.code, short_label(texts, turn.lang, o, n if listed else None))
        for n, o in enumerate(last.options, 1)
    ]
    menu = texts.label(turn.lang, last.menu, variant=NUMBERED) if last.menu else ""
    return "\n\n".join(blocks), options, html_to_plain(menu)


class Outbox:
    """Background sends that keep each key's order while different keys run in parallel."""

    def __init__(self) -> None:
        self._tails: dict[Hashable, asyncio.Task[None]] = {}
        self._all: set[asyncio.Task[None]] = set()

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


class WhatsAppChannel:
    """Owns the async Twilio client; every inbound message goes through Conversations."""

    def __init__(
        self,
        conversations: Conversations,
        texts: Texts,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_base_url: str = "https://api.twilio.com",
        content_base_url: str | None = None,
        status_callback: str | None = None,
        backoff: float = 1.0,
        interactive: bool = True,
    ) -> None:
        self.conversations = conversations
        self.store: Store = conversations.store
        self.texts = texts
        self._sid, self._token = account_sid, auth_token
        self.sender = sender
        self.api_base_url = api_base_url.rstrip("/")
        self.content_base_url = content_base_url.rstrip("/") if content_base_url else None
        self.status_callback = status_callback
        self.backoff = backoff
        self.outbox = Outbox()
        self._http: AsyncTwilioHttpClient | None = None
        self._client: Client | None = None
        # Quick replies and list pickers (Content API templates); numbered text otherwise.
        self.interactive = (
            InteractiveMessages(lambda: self._client, self.store) if interactive else None
        )

    async def start(self) -> None:
        """Create the client inside the running loop (aiohttp binds its session to it)."""
        self._http = AsyncTwilioHttpClient(timeout=30)
        self._client = Client(self._sid, self._token, http_client=self._http)
        self._client.api.base_url = self.api_base_url
        if self.content_base_url:
            self._client.content.base_url = self.content_base_url

    async def stop(self) -> None:
        """Send what is queued (bounded), then close the HTTP session."""
        try:
            await asyncio.wait_for(self.outbox.drain(), SHUTDOWN_GRACE)
        except TimeoutError:
            log.warning("WhatsApp replies still queued at shutdown were dropped")
            await self.outbox.cancel()
        if self._http is not None:
            await self._http.close()
        self._http = self._client = None

    async def on_message(self, form: Mapping[str, str]) -> None:
        """An inbound message (signature already checked): commit the turn, queue the replies."""
        translated = to_inbound(form)
        if translated is None:
            log.info("WhatsApp message without WaId ignored")
            return
        who, event = translated
        sid = form.get("MessageSid", "").strip()

        await self.conversations.handle(
            who, event, lambda turn: self.deliver_to(who, turn), f"wa:{sid}" if sid else None
        )

    async def deliver_to(self, who: ResidentRef, turn: Turn) -> None:
        """Queue a turn's replies: called under the resident's lock after the commit, so only
        queued here (Twilio gets its answer at once); the outbox keeps their order."""
        bodies = render(self.texts, turn)
        parts = interactive_parts(self.texts, turn) if self.interactive else None
        self.outbox.push(who, lambda: self._send_turn(who, bodies, turn.lang, parts))

    async def _send_turn(
        self,
        who: ResidentRef,
        bodies: list[str],
        lang: str,
        parts: tuple[str, list[tuple[str, str]], str] | None,
    ) -> None:
        if parts is not None and self.interactive is not None:
            body, options, menu = parts
            content = await self.interactive.params(lang, body, options, menu=menu or None)
            if content is not None:
                await self.send(who, None, content=content)
                return
        await self._send_all(who, bodies)

    async def on_status(self, form: Mapping[str, str]) -> None:
        """A status callback: record it; an opt-out or block unsubscribes the resident."""
        sid = form.get("MessageSid", "").strip()
        status = form.get("MessageStatus", "").strip().lower()
        if not sid or not status:
            return
        code_text = form.get("ErrorCode", "").strip()
        code = int(code_text) if code_text.isdigit() else None
        who = await self.store.update_delivery(sid, status, code)
        if who is not None and code in UNSUBSCRIBED:
            await self.store.set_subscribed(who, False)
            log.info("a WhatsApp resident opted out or blocked us (%s): unsubscribed", code)

    async def _send_all(self, who: ResidentRef, bodies: list[str]) -> None:
        for body in bodies:
            if not await self.send(who, body):
                return  # the rest would fail the same way

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
        fields: dict[str, object] = dict(content) if content else {"body": body}
        if self._client is None:
            raise RuntimeError("WhatsApp channel is not started")
        code: int | None = None
        for attempt in range(SEND_ATTEMPTS):
            if attempt:
                # Exponential backoff with jitter, so many residents' retries do not align.
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1) * (0.5 + random.random()))
            try:
                message = await asyncio.wait_for(
                    self._client.messages.create_async(
                        to=f"whatsapp:+{who.external_id}",
                        from_=self.sender,
                        status_callback=self.status_callback or values.unset,
                        **fields,
                    ),
                    SEND_TIMEOUT,  # twilio's AsyncTwilioHttpClient passes no timeout to aiohttp
                )
            except (TwilioRestException, TwilioServiceException) as exc:
                code = exc.code
                if code in UNSUBSCRIBED:
                    await self.store.set_subscribed(who, False)
                    await self.store.record_delivery(who, None, "failed", code)
                    log.info("WhatsApp resident opted out or blocked us (%s): unsubscribed", code)
                    return False
                if code == OUTSIDE_WINDOW:
                    await self.store.record_delivery(who, None, "failed", code)
                    log.info("WhatsApp reply outside the 24-hour window (63016) not sent")
                    return False
                if not (code in BACK_OFF or exc.status in (429, 503)):
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
                await self.store.record_delivery(who, message.sid, str(message.status or "queued"))
                return True
        await self.store.record_delivery(who, None, "failed", code)
        log.error("WhatsApp send failed for good (code %s)", code)
        return False
