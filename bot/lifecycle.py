"""How `citybot run` starts, keeps going and ends: start-up calls retried while the network is
down, a token Telegram refuses ending the process with one line, signals, and the web server.

Exit codes of `citybot run` (`bot.cli._run` prints the reason as one `citybot: <line>` on
stderr, no traceback):

- 0: stopped by SIGTERM/SIGINT (also while start-up calls are still being retried);
- 2: Telegram refused the bot token (getMe/setWebhook/deleteWebhook/getUpdates or any send
  answered 401/404): a configuration error, like the other configuration errors of the CLI;
  restarting will not help;
- 1: any other fatal reason given to `Lifecycle.fatal` (e.g. Telegram refused the webhook).

Ending the process from anywhere while it serves (for the lead wiring the outbound): every
Bot API call of a `TelegramChannel` built with `lifecycle=` goes through
`bot.telegram_updates.SafeBot`, which reports an `InvalidToken` to `Lifecycle.token_refused`
by itself, so a send refused with 401 while serving already ends the process. Code that
holds another Bot, or finds another reason the process cannot go on, calls
`lifecycle.fatal("<one line for the operator>")` (or `lifecycle.token_refused(exc)`): it
never raises and is safe to call repeatedly (the first reason wins); it stops polling or the
web server, the usual shutdown runs (queued replies, the store), and `citybot run` then
prints the line and returns the code. Call it from the event loop's thread (from another
thread: `loop.call_soon_threadsafe(lifecycle.fatal, reason)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import signal
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, TypeVar

from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.logs import Throttle
from bot.telegram_retry import retry_seconds

log = logging.getLogger(__name__)

T = TypeVar("T")

EXIT_STOPPED = 0
EXIT_FATAL = 1
EXIT_CONFIG = 2  # the same code as the CLI's other configuration errors

FIRST_DELAY = 1.0  # start-up retries: 1 s, doubling, at most 30 s, each +-20 % jitter
MAX_DELAY = 30.0
HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT)

RETRYING = "Telegram: %s failed (%s); retrying in %.1f s (attempt %d)"
# While the network is down, PTB's polling loop fails every 1-30 s: one line a minute.
POLLING_FAILED = "getUpdates failed (%s); polling goes on"
log.addFilter(Throttle(only={POLLING_FAILED}))

# The web server (uvicorn) settings of `citybot run`, and why:
UVICORN_SETTINGS: dict[str, Any] = {
    # Residents' phone numbers would show in the request lines.
    "access_log": False,
    # An idle keep-alive connection is closed after 5 s: nobody holds a slot by idling.
    "timeout_keep_alive": 5,
    # Connections + requests in flight above this get 503 at once, before the app. Telegram
    # uses at most 40 connections per webhook, Twilio far fewer; the cap keeps a flood below
    # the process's file descriptors (PTB's pool alone may hold 256 outgoing connections).
    "limit_concurrency": 500,
    # Request line + headers larger than this are refused with 400 (h11's default, explicit):
    # Telegram's and Twilio's are well under 2 KiB.
    "h11_max_incomplete_event_size": 16 * 1024,
    # After SIGTERM, requests still running get this long to finish (then are cancelled),
    # so a slow client cannot hold the shutdown.
    "timeout_graceful_shutdown": 15,
    "server_header": False,
}


class Fatal(Exception):
    """The run ended for a reason the operator must act on: print `line`, exit with `code`."""

    def __init__(self, line: str, code: int = EXIT_FATAL) -> None:
        super().__init__(line)
        self.line, self.code = line, code


class Stopped(Exception):
    """Raised by `Lifecycle.retry` and `until_stopped` when the lifecycle stops meanwhile."""


def token_line(exc: BaseException | None = None) -> str:
    """The one line for a refused token; never the exception's text (PTB puts the token in)."""
    said = f"{exc} {exc.__cause__}" if exc is not None else ""
    if "not found" in said.lower():
        return (
            "Telegram does not know the bot token (404 Not Found); check TELEGRAM_BOT_TOKEN"
            " (and TELEGRAM_API_BASE_URL)"
        )
    return "Telegram refused the bot token (401 Unauthorized); check TELEGRAM_BOT_TOKEN"


_URL = re.compile(r"\S+://\S+")


def describe(exc: BaseException) -> str:
    """An exception as a short phrase without URLs (Telegram's carry the token)."""
    text = _URL.sub("<url>", str(exc)).strip()
    name = type(exc).__name__
    return f"{name}: {text[:120]}" if text and text != name else name


def _wait_before_asking_again(exc: TelegramError, delay: float) -> float | None:
    """Seconds to wait before the next attempt, or None when asking again will not help."""
    if isinstance(exc, RetryAfter):
        return retry_seconds(exc) + random.uniform(0, 1)
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):  # PTB: 400 is one
        return min(MAX_DELAY, delay * random.uniform(0.8, 1.2))  # TimedOut, 5xx, no route
    return None


class Lifecycle:
    """One run of `citybot run`: stopped by a signal (exit 0) or by `fatal` (one line, exit
    code), with start-up calls retried until they work or the run stops.

    `fatal(reason, code)` / `token_refused(exc)` end the run from anywhere in the event loop;
    `on_stop(callback)` registers what stops the serving part (the uvicorn server, polling);
    `retry(what, call)` repeats a start-up call while the network is down; `spawn(coro)`
    runs a background job that is cancelled when the run ends; `run(main)` runs it all with
    the signal handlers installed and raises `Fatal` at the end if the run was fatal.
    """

    def __init__(self) -> None:
        self._stop = asyncio.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self.failure: Fatal | None = None
        self.signals_received = 0

    # -- ending the run -------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """End the run normally (exit 0), as SIGTERM does. Called again (a second signal),
        the stoppers run again: the web server then stops waiting for slow clients."""
        self._stop.set()
        for callback in self._callbacks:
            try:
                callback()
            except Exception:  # one failing stopper must not keep the others from running
                log.exception("stopping failed")

    def fatal(self, reason: str, code: int = EXIT_FATAL) -> None:
        """End the run: `citybot run` prints `citybot: <reason>` and exits with `code`.
        Never raises; the first reason wins (a later one is only logged at DEBUG)."""
        if self.failure is not None:
            log.debug("already ending the run; also: %s", reason)
            return
        self.failure = Fatal(reason, code)
        self.stop()

    def token_refused(self, exc: BaseException | None = None) -> None:
        """Telegram answered 401/404 (InvalidToken): end the run with exit code 2."""
        self.fatal(token_line(exc), EXIT_CONFIG)

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call `callback` when the run stops (at once if it already has)."""
        self._callbacks.append(callback)
        if self.stopping:
            callback()

    async def wait(self) -> None:
        await self._stop.wait()

    # -- start-up ---------------------------------------------------------------------------

    async def until_stopped(self, work: Awaitable[T]) -> T:
        """`work`'s result, or Stopped (and `work` cancelled) if the run stops first."""
        task = asyncio.ensure_future(work)
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if task.cancelled():
            raise Stopped
        return task.result()

    async def pause(self, seconds: float) -> None:
        """Sleep, or raise Stopped as soon as the run stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
        if self.stopping:
            raise Stopped

    async def retry(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Repeat a start-up call to Telegram while the network fails (1 s doubling to 30 s,
        with jitter; one WARNING per failed attempt, without URLs) or Telegram asks to wait
        (429), until it works or the run stops (Stopped). A refused token and any other
        refusal end the run (`fatal`) and raise Stopped."""
        delay = FIRST_DELAY
        attempt = 0
        while True:
            if self.stopping:
                raise Stopped
            attempt += 1
            try:
                return await self.until_stopped(call())
            except InvalidToken as exc:
                self.token_refused(exc)
                raise Stopped from None
            except TelegramError as exc:
                wait = _wait_before_asking_again(exc, delay)
                if wait is None:
                    self.fatal(f"Telegram refused {what} ({describe(exc)})", EXIT_FATAL)
                    raise Stopped from None
                delay = delay if isinstance(exc, RetryAfter) else min(MAX_DELAY, delay * 2)
                log.warning(RETRYING, what, describe(exc), wait, attempt)
            await self.pause(wait)

    async def eventually(
        self, what: str, call: Callable[[], Awaitable[object]], attempts: int = 5
    ) -> bool:
        """A call the bot can live without (the command menus), meant for `spawn`: a 429
        waits its retry_after, a network failure backs off, at most `attempts` tries; any
        other refusal gives up at once. One WARNING when it gives up; never raises (a
        refused token is the Lifecycle's business already). Whether it worked."""
        delay = FIRST_DELAY
        for attempt in range(1, attempts + 1):
            try:
                await call()
                return True
            except InvalidToken:
                return False
            except TelegramError as exc:
                wait = _wait_before_asking_again(exc, delay)
                if wait is None or attempt == attempts:
                    log.warning("%s failed (%s); the bot runs without it", what, describe(exc))
                    return False
                delay = delay if isinstance(exc, RetryAfter) else min(MAX_DELAY, delay * 2)
                log.info("%s failed (%s); trying again in %.0f s", what, describe(exc), wait)
            try:
                await self.pause(wait)
            except Stopped:
                return False
        return False

    # -- background jobs and the run itself -------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run `work` in the background until it ends or the run ends (then it is cancelled).
        An exception it raises is logged (one line), never lost."""
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            log.error("%s failed: %s", task.get_name(), describe(failure))

    async def close(self) -> None:
        """Cancel the background jobs still running."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _signal(self, signum: int) -> None:
        self.signals_received += 1
        if self.signals_received == 1:
            log.info("%s received: stopping", signal.Signals(signum).name)
        self.stop()

    @contextlib.contextmanager
    def signals(self) -> Iterator[None]:
        """SIGTERM/SIGINT stop the run (exit 0) while inside, start-up retries included."""
        loop = asyncio.get_running_loop()
        installed = []
        for sig in HANDLED_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._signal, sig)
                installed.append(sig)
        try:
            yield
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    def run(self, main: Callable[[Lifecycle], Coroutine[Any, Any, None]]) -> None:
        """Run `main(self)` in a new event loop with the signal handlers installed; raise
        Fatal afterwards if the run was ended by `fatal`."""

        async def go() -> None:
            with self.signals():
                try:
                    await main(self)
                except Stopped:
                    pass
                finally:
                    await self.close()

        asyncio.run(go())
        if self.failure is not None:
            raise self.failure


async def poll(
    app: Application,
    life: Lifecycle,
    allowed_updates: Sequence[str],
    on_error: Callable[[], None] | None = None,
) -> None:
    """Long polling until the run stops: what `Application.run_polling` does, but getMe and
    deleteWebhook are retried while the network is down, a refused token ends the run with
    one line, and polling errors are single throttled WARNING lines (and `on_error()`: what
    /healthz knows of Telegram)."""
    updater = app.updater
    assert updater is not None

    def polling_error(exc: TelegramError) -> None:
        log.warning(POLLING_FAILED, describe(exc))  # throttled: one line a minute at most
        if on_error is not None:
            on_error()

    try:
        await life.retry("getMe", app.initialize)
        if app.post_init:
            await life.until_stopped(app.post_init(app))
        await life.retry("deleteWebhook", app.bot.delete_webhook)
        await life.until_stopped(
            updater.start_polling(
                allowed_updates=allowed_updates,
                bootstrap_retries=-1,  # just deleted above; PTB retries a blip quietly
                error_callback=polling_error,
            )
        )
        await app.start()
        log.info("polling Telegram for updates")
        await life.wait()
    finally:
        await stop_application(app)


async def stop_application(app: Application) -> None:
    """What run_polling does on the way out, each step only if it applies."""
    updater = app.updater
    if updater is not None and updater.running:
        # Raises what ended the polling task (the refused token: already reported).
        with contextlib.suppress(TelegramError):
            await updater.stop()
    if app.running:
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
    await app.shutdown()
    await app.bot.shutdown()  # its HTTP clients, also when getMe never succeeded
    if app.post_shutdown:
        await app.post_shutdown(app)


def server_class(uvicorn: Any) -> Any:
    """uvicorn's Server without its own signal handling: the Lifecycle's handlers stop it
    (uvicorn would re-raise SIGTERM once serve() returns, killing the process before our
    shutdown: queued WhatsApp replies, PTB, the store)."""

    class Server(uvicorn.Server):  # type: ignore[misc, name-defined]
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return Server


async def serve_web(
    uvicorn: Any, config: Any, life: Lifecycle, sock: socket.socket | None = None
) -> None:
    """The uvicorn server until the run stops (a signal or `fatal`); on `sock` when given
    (bound by `listen`), else on the config's host and port."""
    server = server_class(uvicorn)(config)

    def stop_server() -> None:
        if server.should_exit:
            server.force_exit = True  # stopped again: do not wait for slow clients
        server.should_exit = True

    life.on_stop(stop_server)
    await server.serve(sockets=[sock] if sock is not None else None)
