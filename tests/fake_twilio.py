"""A local Twilio REST API (Messages.json only) on 127.0.0.1, for the real twilio client."""

from __future__ import annotations

import asyncio
import base64
import itertools
import random
from collections.abc import Callable
from typing import Any

from aiohttp import web

_sids = itertools.count(1)


class FakeTwilioAPI:
    """Records every message the bot creates; `fail(to, status, code)` queues an error reply."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[dict[str, str]] = []
        self.requests = 0
        self.on_message: Callable[[dict[str, str]], None] | None = None  # for the benchmark
        self._failures: dict[str, list[tuple[int, int, bool]]] = {}
        self.latency = 0.0  # each request waits a random 0..latency seconds (reordering test)
        self._gate: asyncio.Event | None = None  # set by stall(): requests wait (timeout test)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def fail(self, to: str, status: int, code: int, times: int = 1, problem: bool = False) -> None:
        """Answer the next `times` messages to `to` with an error; `problem`: in the RFC 9457
        shape some Twilio services use (twilio raises TwilioServiceException for it)."""
        self._failures.setdefault(to, []).extend([(status, code, problem)] * times)

    def stall(self) -> None:
        """Hold every request until release()."""
        self._gate = asyncio.Event()

    def release(self) -> None:
        if self._gate is not None:
            self._gate.set()
            self._gate = None

    async def __aenter__(self) -> FakeTwilioAPI:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def sent(self, to: str | None = None) -> list[dict[str, str]]:
        return [m for m in self.messages if to is None or m["To"] == to]

    async def _create(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self._gate is not None:
            await self._gate.wait()  # until release(); the late answer is then an error
            return web.json_response({"code": 20500, "message": "late"}, status=503)
        if self.latency:
            await asyncio.sleep(random.uniform(0, self.latency))
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        if request.match_info["sid"] != self.account_sid:
            return web.json_response({"code": 20404, "message": "Not found"}, status=404)
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        queued = self._failures.get(form.get("To", ""))
        if queued:
            status, code, problem = queued.pop(0)
            body: dict[str, Any] = {"code": code, "message": f"error {code}", "status": status}
            if problem:
                body = {
                    "type": "about:blank",
                    "title": f"error {code}",
                    "status": status,
                    "code": code,
                }
            return web.json_response(body, status=status)
        self.messages.append(form)
        if self.on_message is not None:
            self.on_message(form)
        sid = f"SM{next(_sids):032x}"
        resource: dict[str, Any] = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        return web.json_response(resource, status=201)
