"""One ASGI app for every mode: /healthz and /metrics always; Telegram and Twilio WhatsApp
webhooks (messages, statuses) when the bot has a public URL.

Before anything is authenticated, nobody can fill the log or hold the server: a client that
goes away mid-body is a DEBUG line (never a traceback), a body must arrive within
BODY_DEADLINE seconds (else 408 and the connection is closed), and the WARNING lines for
refused requests (wrong secret, bad signature, too large, too slow) are throttled: the first
of each kind, then at most one a minute saying how many more there were."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from urllib.parse import parse_qsl, urlparse

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot
from twilio.request_validator import RequestValidator, add_port, compare, remove_port

from bot import metrics as process_metrics
from bot.lifecycle import Fatal
from bot.logs import Throttle
from bot.metrics import CONTENT_TYPE, Metrics, Reachability
from bot.telegram import TelegramChannel
from bot.telegram_out import webhook_reply
from bot.telegram_updates import parse_update
from bot.whatsapp import WhatsAppChannel
from storage.base import Health

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram/webhook"
WHATSAPP_PATH = "/twilio/whatsapp"
STATUS_PATH = "/twilio/status"
MAX_BODY = 256 * 1024  # Telegram updates and Twilio forms are a few KiB; refuse floods early
BODY_DEADLINE = 10.0  # seconds for the whole body: Telegram's and Twilio's take milliseconds
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

# What strangers can cause, one WARNING line a minute at most per kind (bot.logs.Throttle).
WRONG_SECRET = "Telegram webhook with a wrong secret token refused"
BAD_SIGNATURE = "Twilio webhook with a bad signature refused (%s)"
TOO_LARGE = "request body over %d KiB refused (%s)"
TOO_SLOW = "request body not received within %.0f s: closed (%s)"
log.addFilter(Throttle(only={WRONG_SECRET, BAD_SIGNATURE, TOO_LARGE, TOO_SLOW}))


async def read_limited(
    request: Request, limit: int = MAX_BODY, deadline: float = BODY_DEADLINE
) -> bytes | Response:
    """The request body, or the answer refusing it: 413 as soon as it exceeds `limit`
    (Content-Length or streamed), 408 when it is not all there within `deadline` seconds.
    A client that went away gets a response nobody reads (and a DEBUG line)."""
    path = request.url.path
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        log.warning(TOO_LARGE, limit // 1024, path)
        return Response(status_code=413, headers={"connection": "close"})
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(deadline):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    log.warning(TOO_LARGE, limit // 1024, path)
                    return Response(status_code=413, headers={"connection": "close"})
                chunks.append(chunk)
    except ClientDisconnect:
        log.debug("client went away before its body was read (%s)", path)
        return Response(status_code=400)
    except TimeoutError:
        log.warning(TOO_SLOW, deadline, path)
        return Response(status_code=408, headers={"connection": "close"})
    return b"".join(chunks)


def signature_holds(
    validator: RequestValidator, url: str, params: dict[str, str], signature: str
) -> bool:
    """`RequestValidator.validate` for a form post, one HMAC where it computes two: the URL
    without its port first (what Twilio signs for the default port), with it only if that
    fails. The same answer: validate accepts either, and a form has no bodySHA256."""
    parsed = urlparse(url)
    return any(
        compare(validator.compute_signature(candidate, params), signature)
        for candidate in (remove_port(parsed), add_port(parsed))
    )


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer <token>` header, "" for any other scheme or none.
    The scheme is case-insensitive (RFC 7235 2.1: "bearer", "BEARER" too), one or more spaces
    after it; the token itself is compared as given."""
    scheme, _, token = authorization.strip().partition(" ")
    return token.lstrip(" ") if scheme.lower() == "bearer" else ""


def listen(host: str, port: int) -> socket.socket:
    """The HTTP server's socket, bound before anything else starts: a port that is taken is
    one line and exit code 1 (uvicorn would log it and sys.exit from inside the loop)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or type(exc).__name__
        raise Fatal(
            f"cannot listen on {host}:{port} ({reason.lower()}); set CITYBOT_HOST / CITYBOT_PORT"
        ) from None
    sock.setblocking(False)
    return sock


class _HealthProbe:
    """One write probe at a time and at most one a second, however often /healthz is asked
    (it is public: a flood of it must not become a flood of writes)."""

    def __init__(self, store: Health, every: float = 1.0) -> None:
        self.store, self.every = store, every
        self._at = -1e9
        self._last = False
        self._lock = asyncio.Lock()

    async def writable(self) -> bool:
        async with self._lock:
            if time.monotonic() - self._at >= self.every:
                try:
                    self._last = await self.store.writable()
                except Exception:  # not open yet (polling starts it after getMe), or closed
                    self._last = False
                self._at = time.monotonic()
            return self._last


class TelegramWebhook:
    """What the Telegram route needs: the channel, its Bot and the shared secret."""

    def __init__(self, channel: TelegramChannel, bot: Bot, secret: str) -> None:
        if not secret:
            raise ValueError("a Telegram webhook needs a secret token")
        self.channel, self.bot, self.secret = channel, bot, secret


def build_web(
    store: Health,
    public_base: str | None,
    *,
    telegram: TelegramWebhook | None = None,
    whatsapp: WhatsAppChannel | None = None,
    twilio_auth_token: str | None = None,
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
    body_deadline: float = BODY_DEADLINE,
    telegram_health: Reachability | None = None,
    metrics: Metrics | None = None,
    metrics_token: str | None = None,
    desk: Sequence[BaseRoute] = (),
) -> Starlette:
    """The app. `public_base` is the https URL Twilio and Telegram call: signatures are checked
    against it, never against the request's own URL (behind a TLS proxy that is http://);
    None (long polling): no webhook routes, only /healthz and /metrics.
    `body_deadline`: seconds a client has to send its whole body. `telegram_health`: what the
    Telegram outbound knows (polling; a webhook's channel has its own). `metrics`: the
    process's (bot.metrics.METRICS) unless given; `metrics_token`: /metrics wants it.
    `desk`: the working group's desk routes (bot/desk: `Desk.routes`), in every mode."""
    public_base = (public_base or "").rstrip("/")
    if telegram_health is None and telegram is not None:
        telegram_health = telegram.channel.out.health
    validator = RequestValidator(twilio_auth_token) if whatsapp and twilio_auth_token else None

    async def telegram_webhook(request: Request) -> Response:
        if telegram is None:
            return Response(status_code=404)
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(given.encode(), telegram.secret.encode()):
            log.warning(WRONG_SECRET)
            return Response(status_code=403)
        body = await read_limited(request, deadline=body_deadline)
        if isinstance(body, Response):
            return body
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
        # A tap's answerCallbackQuery rides on this response (telegram_out.webhook_reply).
        slot: list[dict[str, object]] = []
        token = webhook_reply.set(slot)
        try:
            await telegram.channel.process(update, telegram.bot, webhook=True)
        except Exception:
            log.exception("Telegram update not processed; Telegram will deliver it again")
            return Response(status_code=500)
        finally:
            webhook_reply.reset(token)
        if slot:
            return JSONResponse(slot[0])
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
        body = await read_limited(request, deadline=body_deadline)
        if isinstance(body, Response):
            return body
        try:
            # Last value wins for a repeated key, as in the dict the signature is checked over.
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return Response(status_code=400)
        url = public_base + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        signature = request.headers.get("x-twilio-signature", "")
        if not signature or not signature_holds(validator, url, params, signature):
            log.warning(BAD_SIGNATURE, request.url.path)
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

    probe = _HealthProbe(store)

    async def healthz(request: Request) -> Response:
        # Healthy means an answer could be stored now: a real write, not a read (a deleted
        # or read-only database file still answers queries).
        database = await probe.writable()
        # Configured and, as far as this process knows, reachable (the last Bot API calls).
        reached = telegram_health is not None and telegram_health.reachable
        status = "ok" if reached or telegram_health is None else "degraded"
        body = {
            # 503 only for the database: a restart cannot bring Telegram back.
            "status": status if database else "unavailable",
            "database": database,
            "telegram": reached,
            "whatsapp": whatsapp is not None,
        }
        return JSONResponse(body, status_code=200 if database else 503)

    wanted = metrics_token.encode() if metrics_token else None

    async def metrics_text(request: Request) -> Response:
        if wanted is not None:
            given = bearer_token(request.headers.get("authorization", "")).encode()
            if not hmac.compare_digest(given, wanted):  # constant time
                return Response(status_code=401, headers={"www-authenticate": "Bearer"})
        shown = metrics if metrics is not None else process_metrics.METRICS
        return Response(shown.exposition(), media_type=CONTENT_TYPE)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_text, methods=["GET"]),
    ]
    if public_base:
        routes += [
            Route(TELEGRAM_PATH, telegram_webhook, methods=["POST"]),
            Route(WHATSAPP_PATH, twilio_route(WhatsAppChannel.on_message), methods=["POST"]),
            Route(STATUS_PATH, twilio_route(WhatsAppChannel.on_status), methods=["POST"]),
        ]
    routes += list(desk)
    return Starlette(routes=routes, lifespan=lifespan)
