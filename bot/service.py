"""Runs one inbound event through load -> step -> commit -> deliver, serialised per resident."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from flows import survey
from flows.session import Inbound, Msg, Reply, Session, Turn
from flows.world import World
from storage.base import DuplicateUpdate, ResidentRef, Store

log = logging.getLogger(__name__)

Deliver = Callable[[Turn], Awaitable[None]]


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: object) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class Conversations:
    """The one path every channel's message takes. Channels only translate and render."""

    def __init__(self, store: Store, world: World) -> None:
        self.store = store
        self.world = world
        self.locks = KeyedLocks()

    @staticmethod
    def _error(session: Session) -> Turn:
        lang = session.profile.lang or "ru"
        return Turn(session, (Reply((Msg("error-internal"),)),), (), lang)

    async def handle(
        self,
        who: ResidentRef,
        event: Inbound,
        deliver: Deliver,
        dedup_key: str | None = None,
    ) -> Turn | None:
        """Process one event; returns the turn, or None for a duplicate delivery.

        Replies go out only after the new state and answers are committed, and while the
        resident's lock is held, so two quick taps never interleave or reorder replies.
        """
        async with self.locks.hold(who):
            loaded = await self.store.load(who, dedup_key)
            if loaded.duplicate:
                log.info("duplicate delivery %s ignored", dedup_key)
                return None
            try:
                turn = survey.step(loaded.session, event, self.world)
            except Exception:
                # A bug must not lose what is stored: nothing is committed, the resident is
                # told, and the same message can simply be sent again.
                log.exception("step failed for a %s resident", who.channel)
                await deliver(self._error(loaded.session))
                return None
            try:
                await self.store.commit(who, turn.session.conv, turn.effects, dedup_key)
            except DuplicateUpdate:
                # Another process (a webhook retry) committed the same delivery meanwhile.
                log.info("duplicate delivery %s committed elsewhere", dedup_key)
                return None
            except Exception:
                # Nothing of this turn is stored, so nothing may be confirmed: say so instead.
                log.exception("commit failed for a %s resident", who.channel)
                await deliver(self._error(loaded.session))
                return None
            await deliver(turn)
            return turn
