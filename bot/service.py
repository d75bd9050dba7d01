"""Runs one inbound event through load -> step -> commit -> deliver, serialised per resident."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime

from flows import announce, survey
from flows.session import Inbound, Msg, Reply, Session, Turn
from flows.turn import Facts
from flows.world import World
from storage.base import DuplicateUpdate, ResidentRef, Store

log = logging.getLogger(__name__)

_LATE = frozenset({"announce-recipients", "announcements-list"})

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

    def __init__(
        self,
        store: Store,
        world: World,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.world = world
        self.clock = clock
        self.locks = KeyedLocks()

    async def _resolve(self, turn: Turn) -> Turn:
        """Fill the few message parts that need the database (counts, lists): read after the
        commit, so a reply never waits for them inside the resident's transaction."""
        if not any(p.id in _LATE for r in turn.replies for p in r.parts):
            return turn
        replies = []
        for reply in turn.replies:
            parts: list[Msg] = []
            for part in reply.parts:
                if part.id == "announce-recipients":
                    counts = await self.store.subscriber_counts(str(part.args.get("city", "")))
                    parts.append(
                        Msg(part.id, {"tg": counts.get("tg", 0), "wa": counts.get("wa", 0)})
                    )
                elif part.id == "announcements-list":
                    parts.extend(await self._upcoming(str(part.args.get("city", "")), turn))
                else:
                    parts.append(part)
            replies.append(replace(reply, parts=tuple(parts)))
        return replace(turn, replies=tuple(replies))

    async def _upcoming(self, city: str, turn: Turn) -> list[Msg]:
        """Hearings of the city that were announced (sent or being sent) and are ahead."""
        place = self.world.cities.get(city)
        if place is None:
            return [Msg("announcements-none")]
        announced = [
            a.content
            for a in await self.store.announcements(city)
            if a.kind == "announcement" and a.state in ("sending", "done")
        ]
        return announce.upcoming_parts(announced, place, self.clock(), turn.lang)

    async def _facts(self, needs: survey.Needs) -> Facts:
        """What the step said it will read, loaded before it runs (the step stays pure)."""
        if needs.tallies is None or needs.tallies not in self.world.cities:
            return Facts()
        return Facts(tallies=await self.store.tallies(needs.tallies))

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
        # Who sent it and when: the announcement flow checks the admin role and that dates
        # are in the future (flows stay pure: they are told, they do not look).
        event = replace(event, sender=f"{who.channel}:{who.external_id}", now=self.clock())
        async with self.locks.hold(who):
            loaded = await self.store.load(who, dedup_key)
            if loaded.duplicate:
                log.info("duplicate delivery %s ignored", dedup_key)
                return None
            try:
                facts = await self._facts(survey.needs(loaded.session, event))
                turn = survey.step(loaded.session, event, self.world, facts)
            except Exception:
                # A bug must not lose what is stored: nothing is committed, the resident is
                # told, and the same message can simply be sent again.
                log.exception("step failed for a %s resident", who.channel)
                await deliver(self._error(loaded.session))
                return None
            # A turn that changed nothing (a double tap) writes nothing but its dedup key.
            changed = turn.effects or turn.session.conv != loaded.session.conv
            try:
                await self.store.commit(
                    who,
                    turn.session.conv if changed else None,
                    turn.effects,
                    dedup_key,
                    inbound=event.kind != "system",
                )
            except DuplicateUpdate:
                # Another process (a webhook retry) committed the same delivery meanwhile.
                log.info("duplicate delivery %s committed elsewhere", dedup_key)
                return None
            except Exception:
                # Nothing of this turn is stored, so nothing may be confirmed: say so instead.
                log.exception("commit failed for a %s resident", who.channel)
                await deliver(self._error(loaded.session))
                return None
            await deliver(await self._resolve(turn))
            return turn
