"""An in-process Bot API (a PTB BaseRequest subclass) and a resident who talks through it."""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "citybot",
    "username": "citybot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class FakeBotAPI(BaseRequest):
    """Answers the Bot API methods citybot uses and records every call; no network."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.uploads: list[tuple[str, int, str, bytes]] = []  # method, chat, filename, bytes
        self._ids = itertools.count(1)
        # method -> function(params) returning (status, body) to inject failures
        self.faults: dict[str, Callable[[dict[str, Any]], tuple[int, dict] | None]] = {}
        self.latency = 0.0  # seconds each call takes, as the network would
        # What each chat shows now: message id -> (text, reply_markup), edits applied.
        self.messages: dict[int, dict[int, dict[str, Any]]] = {}
        # Raw updates getUpdates hands out, as Telegram does: those below the offset asked
        # for are confirmed (dropped), the rest come again until confirmed.
        self.updates: list[dict[str, Any]] = []
        self.offsets: list[int] = []

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if self.latency:
            await asyncio.sleep(self.latency)
        self.calls.append((api, params))
        if request_data is not None and request_data.multipart_data:
            for filename, content, _mime in request_data.multipart_data.values():
                self.uploads.append((api, int(params.get("chat_id", 0)), filename, content))
        fault = self.faults.get(api)
        if fault is not None:
            injected = fault(params)
            if injected is not None:
                status, body = injected
                return status, json.dumps(body).encode()
        if api == "editMessageText":
            refused = self._edit(params)
            if refused is not None:
                return 400, json.dumps(
                    {"ok": False, "error_code": 400, "description": f"Bad Request: {refused}"}
                ).encode()
        return 200, json.dumps({"ok": True, "result": self._result(api, params)}).encode()

    def _edit(self, params: dict[str, Any]) -> str | None:
        """Apply an edit as Telegram does; the reason it is refused, if it is."""
        chat, message_id = int(params["chat_id"]), int(params["message_id"])
        shown = self.messages.get(chat, {}).get(message_id)
        if shown is None:
            return "message to edit not found"
        markup = _markup(params.get("reply_markup"))
        if shown["text"] == params.get("text") and shown.get("reply_markup") == markup:
            return "message is not modified: specified new message content is the same"
        self.messages[chat][message_id] = {"text": params.get("text", ""), "reply_markup": markup}
        return None

    def _result(self, api: str, params: dict[str, Any]) -> Any:
        if api == "getMe":
            return BOT_USER
        if api in ("sendMessage", "editMessageText"):
            chat = int(params["chat_id"])
            message_id = int(params["message_id"]) if api == "editMessageText" else next(self._ids)
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            markup = _markup(params.get("reply_markup"))
            if markup is not None:
                message["reply_markup"] = markup
            if api == "sendMessage":
                shown = {"text": message["text"], "reply_markup": markup}
                self.messages.setdefault(chat, {})[message_id] = shown
            return message
        if api == "sendDocument":
            return {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "group"},
                "from": BOT_USER,
                "document": {"file_id": "d", "file_unique_id": "du"},
                "caption": params.get("caption", ""),
            }
        if api == "sendPhoto":
            return {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "group"},
                "from": BOT_USER,
                "photo": [{"file_id": "p", "file_unique_id": "u", "width": 800, "height": 600}],
                "caption": params.get("caption", ""),
            }
        if api == "getUpdates":
            offset = int(params.get("offset") or 0)
            self.offsets.append(offset)
            self.updates = [u for u in self.updates if u.get("update_id", 0) >= offset]
            return self.updates[: int(params.get("limit") or 100)]
        return True

    def edits(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [
            p
            for api, p in self.calls
            if api == "editMessageText" and (chat_id is None or int(p["chat_id"]) == chat_id)
        ]

    def screens(self, chat_id: int) -> list[tuple[int, dict[str, Any]]]:
        """The chat's messages as they look now (edits applied), oldest first."""
        return sorted(self.messages.get(chat_id, {}).items())

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [
            p
            for api, p in self.calls
            if api == "sendMessage" and (chat_id is None or int(p["chat_id"]) == chat_id)
        ]

    def photos(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [
            p
            for api, p in self.calls
            if api == "sendPhoto" and (chat_id is None or int(p["chat_id"]) == chat_id)
        ]

    def count(self, api: str) -> int:
        return sum(1 for a, _ in self.calls if a == api)


def _markup(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else value


_update_ids = itertools.count(10_000)


class TelegramResident:
    """Sends updates into a real PTB Application and reads what the bot sent back."""

    def __init__(
        self,
        app: Application,
        api: FakeBotAPI,
        user_id: int,
        language_code: str | None = "ru",
        chat_type: str = "private",
    ) -> None:
        self.app, self.api, self.user_id = app, api, user_id
        self.user = {"id": user_id, "is_bot": False, "first_name": "Resident"}
        if language_code:
            self.user["language_code"] = language_code
        self.chat = {"id": user_id, "type": chat_type}
        self.last_update: dict[str, Any] | None = None

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(_update_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            **fields,
        }

    async def deliver(self, data: dict[str, Any]) -> list[str]:
        """Process one raw update; return the texts the bot sent to this resident, a screen
        that replaced the tapped message included (in the order they went out)."""
        before = len(self.api.calls)
        self.last_update = data
        await self.app.process_update(Update.de_json(data, self.app.bot))
        return [
            p["text"]
            for api, p in self.api.calls[before:]
            if api in ("sendMessage", "editMessageText") and int(p["chat_id"]) == self.chat["id"]
        ]

    async def send(self, text: str) -> list[str]:
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            fields["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return await self.deliver(
            {"update_id": next(_update_ids), "message": self._message(**fields)}
        )

    async def send_media(self, kind: str) -> list[str]:
        file = {"file_id": "f1", "file_unique_id": "u1"}
        payloads: dict[str, Any] = {
            "sticker": {
                **file,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
            "photo": [{**file, "width": 90, "height": 90}],
            "voice": {**file, "duration": 3},
            "video": {**file, "width": 10, "height": 10, "duration": 1},
            "document": {**file, "file_name": "a.pdf"},
            "location": {"latitude": 42.49, "longitude": 78.39},
            "contact": {"phone_number": "+996700000000", "first_name": "A"},
        }
        return await self.deliver(
            {"update_id": next(_update_ids), "message": self._message(**{kind: payloads[kind]})}
        )

    async def edit(self, text: str) -> list[str]:
        return await self.deliver(
            {
                "update_id": next(_update_ids),
                "edited_message": self._message(text=text, edit_date=1),
            }
        )

    @property
    def screen(self) -> tuple[int, list[dict[str, Any]]]:
        """The latest message with buttons, as it looks now: (message id, its buttons)."""
        for message_id, shown in reversed(self.api.screens(self.chat["id"])):
            markup = shown.get("reply_markup")
            if markup:
                return message_id, [b for row in markup["inline_keyboard"] for b in row]
        return 0, []

    @property
    def keyboard(self) -> list[dict[str, Any]]:
        return self.screen[1]

    @property
    def text(self) -> str:
        """The text of the latest message, as it looks now."""
        shown = self.api.screens(self.chat["id"])
        return shown[-1][1]["text"] if shown else ""

    @property
    def labels(self) -> list[str]:
        return [b["text"] for b in self.keyboard]

    async def tap(self, label: str) -> list[str]:
        message_id, buttons = self.screen
        matches = [b for b in buttons if label in b["text"]]
        assert len(matches) == 1, f"{label!r} not unique among {self.labels}"
        return await self.press(matches[0]["callback_data"], message_id)

    async def press(self, data: str, message_id: int | None = None) -> list[str]:
        """A callback from the message `message_id` (default: the latest with buttons)."""
        if message_id is None:
            message_id = self.screen[0]
        message = {**self._message(text="(buttons)"), "message_id": message_id}
        query = {
            "id": str(next(_update_ids)),
            "from": self.user,
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
        return await self.deliver({"update_id": next(_update_ids), "callback_query": query})

    async def redeliver(self) -> list[str]:
        assert self.last_update is not None
        return await self.deliver(self.last_update)


class RateLimitedBotAPI(FakeBotAPI):
    """A Bot API that enforces `limit` sendMessage calls per rolling second with 429 +
    retry_after, answers 403 for `blocked` chats, and counts what was really delivered."""

    def __init__(self, limit: float, blocked: frozenset[int] = frozenset(), latency: float = 0.0):
        super().__init__()
        self.limit, self.blocked, self.latency = limit, blocked, latency
        self.delivered: dict[int, int] = {}
        self.too_many = 0
        self._window: collections.deque[float] = collections.deque()
        self.faults["sendMessage"] = self._gate

    def _gate(self, params: dict[str, Any]) -> tuple[int, dict] | None:
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= self.limit:
            self.too_many += 1
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        self._window.append(now)
        chat = int(params["chat_id"])
        if chat in self.blocked:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked",
            }
        self.delivered[chat] = self.delivered.get(chat, 0) + 1
        return None


def _refusal(status: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": status, "description": description}


_DESCRIPTIONS = {401: "Unauthorized", 404: "Not Found", 400: "Bad Request: refused by the test"}


def refuse(api: FakeBotAPI, method: str, status: int = 401, after: int = 0) -> None:
    """From the `after`+1-th call on, `method` is answered with `status` (401: the token was
    revoked, as Telegram answers it; 404: a malformed token; 400: anything else)."""
    calls = itertools.count()

    def fault(params: dict[str, Any]) -> tuple[int, dict] | None:
        if next(calls) < after:
            return None
        return status, _refusal(status, _DESCRIPTIONS.get(status, "Refused"))

    api.faults[method] = fault


def too_many(api: FakeBotAPI, method: str, retry_after: int = 1, times: int = 1) -> None:
    """The next `times` calls of `method` get 429 with `retry_after` seconds."""
    left = itertools.count(times, -1)

    def fault(params: dict[str, Any]) -> tuple[int, dict] | None:
        if next(left) <= 0:
            return None
        body = _refusal(429, f"Too Many Requests: retry after {retry_after}")
        body["parameters"] = {"retry_after": retry_after}
        return 429, body

    api.faults[method] = fault


# Form fields PTB sends JSON-encoded (everything else is a plain string or a number).
_JSON_FIELDS = {"commands", "allowed_updates", "reply_markup", "scope", "link_preview_options"}


class BotAPIServer:
    """The FakeBotAPI over real HTTP on 127.0.0.1, for a `citybot run` subprocess: set
    TELEGRAM_API_BASE_URL to `base_url`. Only `token` is accepted (any other gets 401, as
    Telegram answers it). Until `start()` the port refuses connections: a network that is
    down at start is a server started late (`port` chosen before, with `free_port()`)."""

    def __init__(self, token: str, api: FakeBotAPI | None = None, port: int = 0) -> None:
        self.token, self.api, self.port = token, api or FakeBotAPI(), port
        self.paths: list[str] = []
        self._runner: Any = None
        # Bot API method -> how many of its next requests lose their connection unanswered.
        self.dropping: collections.Counter[str] = collections.Counter()
        self.stall = 0.0  # seconds every request waits before it is answered (a slow server)

    def drop(self, method: str, times: int = 1) -> None:
        """The next `times` requests of `method` are read, then the connection is closed
        without an answer (a proxy or load balancer that lost it)."""
        self.dropping[method] += times

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # Port 0 would let the kernel pick a port already handed to a process not started yet.
        self.port = self.port or free_port()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, request: Any) -> Any:
        from aiohttp import web

        self.paths.append(request.path)
        prefix, _, method = request.path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return web.json_response(_refusal(401, "Unauthorized"), status=401)
        if request.content_type == "application/json":  # as a form would carry it
            form: Any = {k: _form_value(v) for k, v in (await request.json()).items()}
        else:
            form = await request.post()
        if self.dropping[method] > 0:
            self.dropping[method] -= 1
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)  # never reaches the client
        if self.stall:
            await asyncio.sleep(self.stall)
        params: dict[str, Any] = {}
        uploads: dict[str, tuple[str, bytes, str]] = {}
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = json.loads(value) if key in _JSON_FIELDS else value
            else:  # an upload (multipart/form-data): recorded in FakeBotAPI.uploads
                uploads[key] = (value.filename, value.file.read(), value.content_type)
        status, body = await self.api.do_request(
            f"{prefix}/{method}",
            "POST",
            _Params(params, uploads),  # type: ignore[arg-type]
        )
        if method == "getUpdates" and status == 200 and not json.loads(body)["result"]:
            # Long polling: nothing new is answered after a while, not at once.
            await asyncio.sleep(min(float(params.get("timeout") or 0), 0.2))
        return web.Response(body=body, status=status, content_type="application/json")


def _form_value(value: Any) -> Any:
    """A JSON body's value as a form field carries it: objects and numbers JSON-encoded."""
    return value if isinstance(value, str) else json.dumps(value)


class _Params:
    """What FakeBotAPI.do_request reads of a RequestData: the parameters and the uploads."""

    def __init__(
        self, parameters: dict[str, Any], uploads: dict[str, tuple[str, bytes, str]]
    ) -> None:
        self.parameters = parameters
        self.multipart_data = uploads


# Ports free_port() handed out lately, newest last: not handed out again. The probe's socket is
# closed before the port's user binds it, so the kernel may give the same port to the next
# probe (measured: 1 call in ~14,000 here) or to a server bound on port 0 meanwhile; two parts
# of one test would then share a port ("nothing listens there" would be the bot itself).
_HANDED_OUT: collections.OrderedDict[int, None] = collections.OrderedDict()
_REMEMBERED = 1000  # far more than a test holds at once, far fewer than the kernel's range


def free_port() -> int:
    """A loopback port nothing listens on now, and none this process was handed lately."""
    import socket

    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _HANDED_OUT:
            break
    _HANDED_OUT[port] = None
    if len(_HANDED_OUT) > _REMEMBERED:
        _HANDED_OUT.popitem(last=False)
    return port
