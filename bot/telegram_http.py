"""The Bot API transport: a PTB BaseRequest over one aiohttp session (keep-alive, bounded pool)."""

from __future__ import annotations

import functools
import json
import os
import socket
import ssl
from typing import Any

import aiohttp
import certifi
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY")
_PROXY_VARIABLES += ("ALL_PROXY",)
_TIMEOUTS_KEPT = 64  # distinct timeout combinations remembered (PTB uses a handful)

Timeouts = tuple[float | None, float | None, float | None, float | None]


class AiohttpRequest(BaseRequest):
    """PTB's HTTPXRequest, semantics and defaults mirrored, over aiohttp: httpx's pool
    bookkeeping (and httpcore's failed `import sniffio` per request) cost more CPU than the
    bot's own work.

    One `aiohttp.ClientSession` per instance, made in `initialize()` (again after
    `shutdown()`), with at most `connection_pool_size` keep-alive connections. Timeouts:
    `read_timeout` is the longest wait for response bytes once the request is written
    (`sock_read`); `connect_timeout` bounds opening a connection (`sock_connect`);
    `pool_timeout` + `connect_timeout` bound getting one, from the pool or new (aiohttp's
    `connect`: it does not tell the two apart). aiohttp has no per-write timeout: the write
    timeouts (`media_write_timeout` for uploads) are resolved as PTB documents and kept, but
    a stalled upload ends by the socket's own error, not by them. Parameters go as a JSON body
    (uploads as multipart/form-data, each parameter JSON-encoded, as HTTPXRequest sends them).
    Proxies: as httpx does by default, from the environment (HTTPS_PROXY, ALL_PROXY, NO_PROXY)
    when one is set.
    """

    __slots__ = (
        "_connector_kwargs",
        "_defaults",
        "_media_write_timeout",
        "_session",
        "_timeouts",
        "_trust_env",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        keepalive_timeout: float = 30.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._defaults: Timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._connector_kwargs: dict[str, Any] = {
            "limit": connection_pool_size,
            "limit_per_host": 0,
            "keepalive_timeout": keepalive_timeout,
        }
        self._trust_env = any(os.environ.get(name) for name in _PROXY_VARIABLES)
        self._session: aiohttp.ClientSession | None = None
        # (read, connect, pool) -> the ClientTimeout: made once, not per request.
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        """See :attr:`BaseRequest.read_timeout`: the default read timeout, in seconds."""
        return self._defaults[0]

    async def initialize(self) -> None:
        """See :meth:`BaseRequest.initialize`; a second call keeps the open session."""
        if self._session is not None and not self._session.closed:
            return
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=_certificates(), **self._connector_kwargs),
            headers={"User-Agent": self.USER_AGENT},
            trust_env=self._trust_env,
            timeout=self._timeout(self._defaults[0], self._defaults[2], self._defaults[3]),
            # Bot API answers are small JSON: no cookies, no redirects to follow.
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def shutdown(self) -> None:
        """See :meth:`BaseRequest.shutdown`; closes the session and its connections."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _timeout(
        self, read: float | None, connect: float | None, pool: float | None
    ) -> aiohttp.ClientTimeout:
        key = (read, connect, pool)
        found = self._timeouts.get(key)
        if found is None:
            if len(self._timeouts) >= _TIMEOUTS_KEPT:
                self._timeouts.clear()
            getting = None if connect is None or pool is None else connect + pool
            found = aiohttp.ClientTimeout(
                total=None, connect=getting, sock_connect=connect, sock_read=read
            )
            self._timeouts[key] = found
        return found

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`BaseRequest.do_request`: (HTTP status, body); TimedOut, NetworkError."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        default_read, default_write, default_connect, default_pool = self._defaults
        if isinstance(read_timeout, DefaultValue):
            read_timeout = default_read
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = default_connect
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = default_pool
        uploads = request_data is not None and request_data.contains_files
        files = request_data.multipart_data if uploads else None  # type: ignore[union-attr]
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if files else default_write
        timeout = self._timeout(read_timeout, connect_timeout, pool_timeout)

        body: Any = None
        headers: dict[str, str] | None = None
        if files:
            assert request_data is not None
            form = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            body = form
        elif request_data is not None:
            parameters = request_data.parameters
            if parameters:  # JSON, as the Bot API accepts: ~7x cheaper than urlencoding
                body, headers = json.dumps(parameters, ensure_ascii=False).encode(), _JSON
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise TimedOut(
                "Timed out getting a connection: the pool is full or the server is slow to"
                " accept. Request was *not* sent to Telegram."
            ) from err
        except TimeoutError as err:  # aiohttp's read timeouts are TimeoutErrors too
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {_redacted(url, err)}") from err


@functools.cache
def _certificates() -> ssl.SSLContext:
    """Verify Telegram's certificate against certifi's CAs, as httpx does (not the system's:
    a slim container may have none); SSL_CERT_FILE, honoured by httpx, overrides."""
    return ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or certifi.where())


def _redacted(url: str, err: BaseException) -> str:
    """The error's text without the Bot API's address or the token (`bot<token>` in the
    URL's path), like httpx's messages, which name neither."""
    if isinstance(err, aiohttp.ClientConnectorError):
        cause = err.os_error  # its text may name the address: only the kind of failure
        if isinstance(cause, socket.gaierror) and cause.strerror:
            reason = cause.strerror  # "Name or service not known"
        elif cause.errno and cause.errno > 0:
            reason = os.strerror(cause.errno)  # "Connection refused"
        else:
            reason = type(cause).__name__
        return f"cannot connect to the Bot API ({reason})"
    text = str(err)
    base = url.rpartition("/")[0]  # scheme://host:port/.../bot<token>
    host = base.partition("://")[2].partition("/")[0]
    for secret in (base, base.rpartition("/")[2], host):
        if secret:
            text = text.replace(secret, "<Bot API>")
    return text
