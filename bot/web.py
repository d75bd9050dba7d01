"""One ASGI app for every webhook: Telegram, Twilio WhatsApp (messages, statuses), health."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot
from twilio.request_validator import RequestValidator

from bot.telegram import TelegramChannel
from bot.telegram_updates import parse_update
from bot.whatsapp import WhatsAppChannel
from storage.base import Store

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram/webhook"
WHATSAPP_PATH = "/twilio/whatsapp"
STATUS_PATH = "/twilio/status"
MAX_BODY = 256 * 1024  # Telegram updates and Twilio forms are a few KiB; refuse floods early
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def read_limited(request: Request, limit: int = MAX_BODY) -> bytes | None:
    """The request body, or None as soon as it exceeds `limit` (Content-Length or streamed)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class TelegramWebhook:
    """What the Telegram route needs: the channel, its Bot and the shared secret."""

    def __init__(self, channel: TelegramChannel, bot: Bot, secret: str) -> None:
        if not secret:
            raise ValueError("a Telegram webhook needs a secret token")
        self.channel, self.bot, self.secret = channel, bot, secret


def build_web(
    store: Store,
    public_base: str,
    *,
    telegram: TelegramWebhook | None = None,
    whatsapp: WhatsAppChannel | None = None,
    twilio_auth_token: str | None = None,
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
) -> Starlette:
    """The app. `public_base` is the https URL Twilio and Telegram call: signatures are checked
    against it, never against the request's own URL (behind a TLS proxy that is http://)."""
    public_base = public_base.rstrip("/")
    validator = RequestValidator(twilio_auth_token) if whatsapp and twilio_auth_token else None

    async def telegram_webhook(request: Request) -> Response:
        if telegram is None:
            return Response(status_code=404)
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(given.encode(), telegram.secret.encode()):
            log.warning("Telegram webhook with a wrong secret token refused")
            return Response(status_code=403)
        body = await read_limited(request)
        if body is None:
            return Response(status_code=413)
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        # An update the library cannot read is acknowledged (and skipped), else Telegram
        # would deliver it again and again; only what is not an update at all is refused.
        update = parse_update(data, telegram.bot) if isinstance(data, dict) else None
        if update is None:
            return Response(status_code=400)
        # Processed before answering. An exception here means nothing was committed (the store
        # could not load or write): 500, and Telegram's redelivery is deduplicated on update_id.
        try:
            await telegram.channel.process(update, telegram.bot)
        except Exception:
            log.exception("Telegram update not processed; Telegram will deliver it again")
            return Response(status_code=500)
        return Response(status_code=200)

    async def signed_form(request: Request) -> dict[str, str] | Response:
        """The form fields if the Twilio signature holds over the public URL, else a refusal.

        The body is read with a hard limit (also when chunked, without Content-Length) and only
        url-encoded forms are accepted, so nothing large is parsed before the signature check.
        """
        if validator is None:
            return Response(status_code=403)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return Response(status_code=415)
        body = await read_limited(request)
        if body is None:
            return Response(status_code=413)
        try:
            # Last value wins for a repeated key, as in the dict the signature is checked over.
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return Response(status_code=400)
        url = public_base + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        signature = request.headers.get("x-twilio-signature", "")
        if not signature or not validator.validate(url, params, signature):
            log.warning("Twilio webhook with a bad signature refused (%s)", request.url.path)
            return Response(status_code=403)
        return params

    def twilio_route(
        handler: Callable[[WhatsAppChannel, dict[str, str]], Awaitable[None]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            if whatsapp is None:
                return Response(status_code=404)
            params = await signed_form(request)
            if isinstance(params, Response):
                return params
            try:
                await handler(whatsapp, params)
            except Exception:
                log.exception("Twilio webhook not processed (%s)", request.url.path)
                return Response(status_code=500)
            # Empty TwiML: the replies go out through the REST API, from the outbox.
            return Response(EMPTY_TWIML, media_type="text/xml")

        return route

    async def healthz(request: Request) -> Response:
        database = await store.ping()
        body = {
            "status": "ok" if database else "unavailable",
            "database": database,
            "telegram": telegram is not None,
            "whatsapp": whatsapp is not None,
        }
        return JSONResponse(body, status_code=200 if database else 503)

    routes = [
        Route(TELEGRAM_PATH, telegram_webhook, methods=["POST"]),
        Route(WHATSAPP_PATH, twilio_route(WhatsAppChannel.on_message), methods=["POST"]),
        Route(STATUS_PATH, twilio_route(WhatsAppChannel.on_status), methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
