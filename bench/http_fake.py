"""A lean fake Bot API over HTTP for bench/http.py: long polling, webhook posts, replies."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import ClientConnectionError, ClientSession, TCPConnector, web

BOT = {"id": 7000000001, "is_bot": True, "first_name": "bench", "username": "bench_bot"}
_TRUE = json.dumps({"ok": True, "result": True}).encode()
_ME = json.dumps({"ok": True, "result": BOT}).encode()
_REPLIES = frozenset({"sendMessage", "editMessageText"})


class Chat:
    """What a resident sees: the latest buttons and a future for the next reply."""

    __slots__ = ("buttons", "message_id", "replies", "waiter")

    def __init__(self) -> None:
        self.message_id = 0
        self.buttons: list[dict[str, str]] = []
        self.replies = 0
        self.waiter: asyncio.Future[None] | None = None


class LeanBotAPI:
    """Answers the methods citybot and a stock echo bot use with little work: getUpdates as
    Telegram does (long polling, confirmed by offset), replies recorded per chat, everything
    else `true`. With `webhook` set, updates are POSTed there instead (concurrently), and a
    method in the webhook's answer is executed as a Bot API call."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.port = 0
        self.calls: collections.Counter[str] = collections.Counter()
        self.chats: dict[int, Chat] = collections.defaultdict(Chat)
        self.pending: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()
        self.webhook: str | None = None
        self.secret = ""
        self.webhook_errors = 0  # webhook calls that failed (and were made again)
        self.polled = 0  # updates handed out by getUpdates (a batch again until confirmed)
        self.polling_wait = 0.0  # seconds getUpdates waited with nothing to hand out
        self._ids = 1
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._posts: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(f"/bot{self.token}/{{method}}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._session = ClientSession(connector=TCPConnector(limit=0))

    async def stop(self) -> None:
        for task in list(self._posts):
            task.cancel()
        await asyncio.gather(*self._posts, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def send(self, update: dict[str, Any]) -> None:
        """Hand an update to the bot: queued for getUpdates, or POSTed to the webhook."""
        if self.webhook is None:
            self.pending.append(update)
            self.arrived.set()
            return
        task = asyncio.create_task(self._post(update))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)

    def next_webhook(self) -> str:
        """Where the next update goes (a load balancer in front of several bots overrides)."""
        assert self.webhook is not None
        return self.webhook

    async def _post(self, update: dict[str, Any]) -> None:
        assert self._session is not None and self.webhook is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret}
        for attempt in range(3):  # Telegram delivers again when a webhook call fails
            try:
                url = self.next_webhook()
                async with self._session.post(url, json=update, headers=headers) as got:
                    body, status = await got.read(), got.status
                if status == 200:
                    break
            except ClientConnectionError:  # e.g. a kept-alive connection the server closed
                status = 0
            self.webhook_errors += 1
            await asyncio.sleep(0.05 * (attempt + 1))
        else:
            return
        if body and body.startswith(b"{"):
            params = json.loads(body)
            method = params.pop("method", None)
            if method:  # Telegram executes a method answered to a webhook
                self.calls[method] += 1
                self._answer(method, {k: _plain(v) for k, v in params.items()})

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[method] += 1
        if request.content_type == "multipart/form-data":
            form = await request.post()
            params = {k: v for k, v in form.items() if isinstance(v, str)}
        elif request.content_type == "application/json":
            params = {k: _plain(v) for k, v in (await request.json()).items()}
        else:
            params = dict(parse_qsl((await request.read()).decode()))
        if method == "getUpdates":
            return await self._get_updates(params)
        return web.Response(body=self._answer(method, params), content_type="application/json")

    def _answer(self, method: str, params: dict[str, str]) -> bytes:
        if method in _REPLIES:
            chat_id = int(params["chat_id"])
            chat = self.chats[chat_id]
            if method == "sendMessage":
                self._ids += 1
                message_id = self._ids
            else:
                message_id = int(params["message_id"])
            markup = params.get("reply_markup")
            if markup:
                rows = json.loads(markup).get("inline_keyboard") or []
                chat.message_id, chat.buttons = message_id, [b for row in rows for b in row]
            chat.replies += 1
            if chat.waiter is not None and not chat.waiter.done():
                chat.waiter.set_result(None)
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": params.get("text", ""),
            }
            return json.dumps({"ok": True, "result": message}).encode()
        if method == "getMe":
            return _ME
        return _TRUE

    async def _get_updates(self, params: dict[str, str]) -> web.Response:
        offset = int(params.get("offset") or 0)
        if offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if not self.pending:
            self.arrived.clear()
            wait = float(params.get("timeout") or 0)
            if wait:
                t0 = time.perf_counter()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.arrived.wait(), wait)
                self.polling_wait += time.perf_counter() - t0
        batch = self.pending[: int(params.get("limit") or 100)]
        self.polled += len(batch)
        body = json.dumps({"ok": True, "result": batch}).encode()
        return web.Response(body=body, content_type="application/json")


def _plain(value: Any) -> str:
    """A JSON body's value as a form field would carry it (objects JSON-encoded)."""
    return value if isinstance(value, str) else json.dumps(value)
