"""Updates the library cannot parse are skipped (and said so, without personal data), never
retried forever: long polling keeps serving everyone else, a webhook acknowledges them. A
token Telegram refuses is reported once (to the Lifecycle, which ends the process)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import ExtBot

from bot.logs import quiet_libraries

log = logging.getLogger(__name__)


class _DropRawUpdates(logging.Filter):
    """PTB logs the whole batch it could not parse (names, texts) at CRITICAL: never that."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error while parsing updates")


class _DropTokenTraceback(logging.Filter):
    """PTB's retry loop logs a refused token with a traceback; SafeBot reports it itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Invalid token" not in str(record.msg)


logging.getLogger("telegram.Bot").addFilter(_DropRawUpdates())
logging.getLogger("telegram.ext.ExtBot").addFilter(_DropRawUpdates())
logging.getLogger("telegram.ext").addFilter(_DropTokenTraceback())  # its network loop
quiet_libraries()  # wherever the Telegram channel is used, its library's DEBUG dumps are off


def parse_update(data: Mapping[str, Any], bot: ExtBot) -> Update | None:
    """The Update, or a bare one carrying only its id when the library cannot read it (so
    its offset is confirmed and it is not delivered again); None without an id at all."""
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    try:
        update = Update.de_json(dict(data), bot)
    except TelegramError:
        raise
    except Exception as exc:
        # Only the id and the field names: the values are a resident's name and words.
        log.warning(
            "skipped update %d that the library cannot read (%s; fields %s)",
            update_id,
            type(exc).__name__,
            ", ".join(sorted(str(k) for k in data)),
        )
        return Update(update_id=update_id)
    return update


class SafeBot(ExtBot):
    """An ExtBot whose getUpdates never fails on one bad update: PTB parses a batch as a
    whole, and on an error its polling loop asks for the same batch again, forever.

    Every call Telegram answers 401/404 (InvalidToken) is reported to `on_token_refused`
    (the Lifecycle ends the process with one line; without one it is logged as one ERROR
    line); with a Lifecycle, every later call fails at once without asking Telegram again."""

    def __init__(
        self,
        *args: Any,
        on_token_refused: Callable[[InvalidToken], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():  # PTB freezes a Bot's attributes after __init__
            self.on_token_refused = on_token_refused
            self.token_refused = False

    async def _do_post(self, endpoint: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        if self.token_refused and self.on_token_refused is not None:
            raise InvalidToken("Unauthorized")  # the process is ending: do not ask again
        try:
            return await super()._do_post(endpoint, data, *args, **kwargs)
        except InvalidToken as exc:
            with self._unfrozen():
                self.token_refused = True
            if self.on_token_refused is not None:
                self.on_token_refused(exc)
            else:
                log.error("Telegram refused the bot token (%s)", endpoint)
            raise

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: Any = None,  # noqa: ASYNC109 - the Bot API method's own parameter
        allowed_updates: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> tuple[Update, ...]:
        ending = self.on_token_refused is not None
        if self.token_refused and ending:
            return ()  # the updater's last call while the process ends: nothing to confirm
        try:
            return await super().get_updates(
                offset=offset,
                limit=limit,
                timeout=timeout,
                allowed_updates=allowed_updates,
                **kwargs,
            )
        except InvalidToken:
            if not ending:
                raise
            # Reported; the Lifecycle stops the updater, which cancels this wait. (Raised,
            # PTB's polling loop would log it with a traceback and could lose the exception.)
            await asyncio.Event().wait()
            raise
        except TelegramError:
            raise  # network, conflict: the updater's own business
        except Exception:
            # The same batch again, at once (it is still unconfirmed), read one by one.
            data = {"offset": offset, "limit": limit, "timeout": 0}
            if allowed_updates is not None:
                data["allowed_updates"] = list(allowed_updates)
            raw = await self._post("getUpdates", data)
            parsed = (parse_update(item, self) for item in raw or () if isinstance(item, dict))
            return tuple(u for u in parsed if u is not None)
