"""A local Twilio REST API (Messages.json and the Content API) on 127.0.0.1, for the real
twilio client: point `client.api.base_url` and `client.content.base_url` at `base_url`."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import random
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.fake_telegram import free_port

_sids = itertools.count(1)


class FakeTwilioAPI:
    """Records every message the bot creates; `fail(to, status, code)` queues an error reply.
    Content API: `contents` holds every created template (the JSON as posted plus `sid`),
    `fail_content(status, code)` refuses the next creations."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[dict[str, str]] = []
        self.requests = 0
        self.on_message: Callable[[dict[str, str]], None] | None = None  # for the benchmark
        self._failures: dict[str, list[tuple[int, int, bool]]] = {}
        self.contents: list[dict[str, Any]] = []
        self.content_requests = 0  # POST /v1/Content calls, failed ones included
        self._content_failures: list[tuple[int, int, bool]] = []
        self.latency = 0.0  # each request waits a random 0..latency seconds (reordering test)
        self._gate: asyncio.Event | None = None  # set by stall(): requests wait (timeout test)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def fail(self, to: str, status: int, code: int, times: int = 1, problem: bool = False) -> None:
        """Answer the next `times` messages to `to` with an error; `problem`: in the RFC 9457
        shape some Twilio services use (twilio raises TwilioServiceException for it)."""
        self._failures.setdefault(to, []).extend([(status, code, problem)] * times)

    def fail_content(self, status: int, code: int, times: int = 1, problem: bool = False) -> None:
        """Refuse the next `times` content creations (`problem`: the RFC 9457 shape)."""
        self._content_failures.extend([(status, code, problem)] * times)

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
        app.router.add_post("/v1/Content", self._create_content)
        app.router.add_get("/v1/Content/{sid}", self._fetch_content)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # Not port 0: the kernel could pick a port already handed to a process not started yet.
        site = web.TCPSite(self._runner, "127.0.0.1", free_port())
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def sent(self, to: str | None = None) -> list[dict[str, str]]:
        return [m for m in self.messages if to is None or m["To"] == to]

    def content_sent(self, to: str | None = None) -> list[tuple[str, dict[str, str]]]:
        """(ContentSid, decoded ContentVariables) of each content message, in order."""
        return [
            (m["ContentSid"], json.loads(m.get("ContentVariables", "{}")))
            for m in self.sent(to)
            if "ContentSid" in m
        ]

    def content(self, sid: str) -> dict[str, Any]:
        (found,) = [c for c in self.contents if c["sid"] == sid]
        return found

    def _authorised(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    @staticmethod
    def _error(status: int, code: int, problem: bool = False) -> web.Response:
        body: dict[str, Any] = {"code": code, "message": f"error {code}", "status": status}
        if problem:
            body = {"type": "about:blank", "title": f"error {code}", "status": status, "code": code}
        return web.json_response(body, status=status)

    def _resource(self, created: dict[str, Any]) -> dict[str, Any]:
        sid = created["sid"]
        url = f"{self.base_url}/v1/Content/{sid}"
        return {
            "account_sid": self.account_sid,
            "date_created": created["date_created"],
            "date_updated": created["date_created"],
            "friendly_name": created.get("friendly_name"),
            "language": created.get("language"),
            "links": {
                "approval_create": f"{url}/ApprovalRequests/whatsapp",
                "approval_fetch": f"{url}/ApprovalRequests",
            },
            "sid": sid,
            "types": created.get("types"),
            "url": url,
            "variables": created.get("variables", {}),
        }

    async def _create_content(self, request: web.Request) -> web.Response:
        """POST /v1/Content: Twilio wants a JSON body (a form-encoded one is a 400, which is
        what twilio 9.13's async create_async sends) with `language` and `types`."""
        self.content_requests += 1
        if self.latency:
            await asyncio.sleep(random.uniform(0, self.latency))
        if not self._authorised(request):
            return self._error(401, 20003)
        if self._content_failures:
            return self._error(*self._content_failures.pop(0))
        try:
            posted = json.loads(await request.read())
        except ValueError:
            posted = None
        if (
            request.content_type != "application/json"
            or not isinstance(posted, dict)
            or not isinstance(posted.get("language"), str)
            or not isinstance(posted.get("types"), dict)
            or not posted["types"]
        ):
            return web.json_response(
                {"code": 20001, "message": "Request input may be invalid", "status": 400},
                status=400,
            )
        created = {
            **posted,
            "sid": f"HX{secrets.token_hex(16)}",
            "date_created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        self.contents.append(created)
        return web.json_response(self._resource(created), status=201)

    async def _fetch_content(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, 20003)
        found = [c for c in self.contents if c["sid"] == request.match_info["sid"]]
        if not found:
            return self._error(404, 20404)
        return web.json_response(self._resource(found[0]))

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
