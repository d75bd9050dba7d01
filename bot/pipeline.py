"""The one path of every actor: dedup -> per-actor lock -> load -> facts -> pure decision ->
one transaction -> delivery. Residents, working-group chats and the operator's CLI alike."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from bot import metrics
from bot.facts_loader import FactsLoader
from bot.flood import GROUP_BURST, GROUP_RATE, FloodLimiter, Verdict
from bot.fresh_world import FreshWorld
from bot.logs import actor_hash
from flows import operator, survey, workgroup
from flows.session import Inbound, Msg, Profile, Reply, Session, Turn
from flows.text import clean
from flows.workgroup import Binding, GroupTurn
from flows.world import World
from storage.base import ANY, DuplicateUpdate, ResidentRef, StaleState, Store, StoreUnavailable
from storage.locks import KeyedLocks

log = logging.getLogger(__name__)

# A turn re-run this often on StaleState (another process committed the same resident's turn
# meanwhile) without success means something keeps racing it: the resident is told to retry.
ATTEMPTS = 20
# Between attempts: a random pause of up to 2 ms, 4 ms, ... 64 ms (then 64 ms). Instances that
# raced for one resident then stop racing in step; 5 attempts without a pause lost 14% of
# the turns of a resident sending 8 messages to 3 instances at once (a hostile test).
BACKOFF_MS = (2, 4, 8, 16, 32, 64)

Deliver = Callable[[Turn], Awaitable[None]]
DeliverGroup = Callable[[GroupTurn], Awaitable[None]]


def _cleaned(event: Inbound) -> Inbound:
    """What people type is cleaned once, here, for every channel and actor: control
    characters and invisible junk never reach a decision, the store or an export."""
    if event.kind == "text" or (event.kind == "command" and event.text):
        return replace(event, text=clean(event.text))
    return event


def _error_turn(session: Session) -> Turn:
    lang = session.profile.lang or "ru"
    return Turn(session, (Reply((Msg("error-internal"),)),), (), lang)


SLOW_DOWN = Reply((Msg("flood-slow-down"),))  # the one answer to a flood (bot/flood.py)


class Pipeline:
    """Every actor's events take this path; channels only translate and render, the
    outbound of each channel only delivers."""

    def __init__(
        self,
        store: Store,
        world: World,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        flood: FloodLimiter | None = None,
    ) -> None:
        self.store = store
        self.base_world = world
        self.clock = clock
        self.locks = KeyedLocks()
        self.facts = FactsLoader(store)
        self.flood = flood or FloodLimiter()  # every resident's inbound events, one map
        # Working-group members (reviewers tap faster than residents type), their own map.
        self.group_flood = FloodLimiter(burst=GROUP_BURST, rate=GROUP_RATE)
        self._worlds = FreshWorld(store, world)

    @property
    def world(self) -> World:
        """The world as of the latest turn (with what review taught the matchers)."""
        return self._worlds.world

    async def world_at(self, learned: int) -> World:
        """The world as of the store's learned version `learned` (read with the load)."""
        return await self._worlds.at(learned)

    # --- residents -----------------------------------------------------------------------

    async def resident(
        self,
        who: ResidentRef,
        event: Inbound,
        deliver: Deliver,
        dedup_key: str | None = None,
        redelivered: bool = False,
    ) -> Turn | None:
        """One resident event; the turn, or None for a duplicate or a failure (the resident
        was told). Replies go out only after the commit, while the resident's lock is held,
        so two quick taps never interleave or reorder replies. `redelivered`: the platform
        sends the event again unless it is acknowledged (a webhook): a store that cannot be
        used then raises StoreUnavailable, for the webhook to answer 500, nothing lost."""
        started = time.perf_counter()
        metrics.METRICS.update(who.channel, event.kind)
        try:
            return await self._resident(who, event, deliver, dedup_key, redelivered)
        finally:
            metrics.METRICS.turn(who.channel, started)

    async def _resident(
        self,
        who: ResidentRef,
        event: Inbound,
        deliver: Deliver,
        dedup_key: str | None,
        redelivered: bool,
    ) -> Turn | None:
        # Who sent it and when: the announcement flow checks the admin role and that dates
        # are in the future (flows stay pure: they are told, they do not look).
        sender = f"{who.channel}:{who.external_id}"
        event = replace(_cleaned(event), sender=sender, now=self.clock())
        actor = {"actor": actor_hash(who.channel, who.external_id), "event": event.kind}
        # System events (a reminder, a platform report) are ours, not the resident's: never
        # limited. Everything the resident sends is, from the first message on.
        limited = event.kind != "system"
        async with self.locks.hold(("resident", who)):
            for attempt in range(ATTEMPTS):
                if attempt:
                    pause = BACKOFF_MS[min(attempt, len(BACKOFF_MS)) - 1]
                    await asyncio.sleep(random.uniform(0, pause) / 1000)
                try:
                    loaded = await self.store.load(who, dedup_key)
                except StoreUnavailable:  # the store logged why, once: not per message
                    # Nothing can be read or kept now. A webhook answers 500 and the platform
                    # sends it again later; polling has taken the update already, so the
                    # resident is asked to send it again rather than met with silence (not
                    # for our own events, a reminder or a block, nor past the flood limit).
                    metrics.METRICS.error("store_unavailable")
                    if redelivered:
                        raise
                    if limited and self.flood.check(("resident", who)) is Verdict.PASS:
                        hint = event.lang_hint if event.lang_hint in ("ru", "ky") else None
                        await deliver(_error_turn(Session(profile=Profile(lang=hint))))
                    return None
                if loaded.duplicate:
                    log.info("duplicate delivery %s ignored", dedup_key, extra=actor)
                    return None
                if limited:  # counted once, after dedup: a redelivery takes no token
                    limited = False
                    verdict = self.flood.check(("resident", who))
                    if verdict is not Verdict.PASS:
                        lang = loaded.session.profile.lang or "ru"
                        told = Turn(loaded.session, (SLOW_DOWN,), (), lang)
                        await self._flooded(who, verdict, dedup_key, actor, told, deliver)
                        return None
                try:
                    world = await self.world_at(loaded.learned)
                    facts = await self.facts.load(survey.needs(loaded.session, event, world))
                    turn = survey.step(loaded.session, event, world, facts)
                except Exception:
                    # A bug must not lose what is stored: nothing is committed, the resident
                    # is told, and the same message can simply be sent again.
                    log.exception("step failed for a %s resident", who.channel, extra=actor)
                    metrics.METRICS.error("step")
                    await deliver(_error_turn(loaded.session))
                    return None
                # A turn that changed nothing (a double tap) writes nothing but its dedup key.
                changed = bool(turn.effects) or turn.session.conv != loaded.session.conv
                committing = time.perf_counter()
                try:
                    await self.store.commit(
                        who,
                        turn.session.conv if changed else None,
                        turn.effects,
                        dedup_key,
                        inbound=event.kind != "system",
                        expected=loaded.version,
                    )
                    metrics.METRICS.commit("resident", committing)
                except StaleState:
                    # Another process committed this resident's turn since the load: run this
                    # one again on what is stored now (nothing of it was stored).
                    log.info(
                        "a %s resident's turn raced another process; again",
                        who.channel,
                        extra=actor,
                    )
                    continue
                except DuplicateUpdate:
                    # Another process (a webhook retry) committed the same delivery meanwhile.
                    log.info("duplicate delivery %s committed elsewhere", dedup_key, extra=actor)
                    return None
                except Exception:
                    # Nothing of this turn is stored, so nothing may be confirmed: say so.
                    log.exception("commit failed for a %s resident", who.channel, extra=actor)
                    metrics.METRICS.error("commit")
                    await deliver(_error_turn(loaded.session))
                    return None
                if turn.effects:  # residents who answered today, per city and channel
                    metrics.METRICS.answered(who, turn.effects, event.now or self.clock(), world)
                await deliver(turn)
                return turn
            log.error(
                "a %s resident's turn lost %d races; not stored", who.channel, ATTEMPTS, extra=actor
            )
            metrics.METRICS.error("stale")
            await deliver(_error_turn(loaded.session))
            return None

    async def _flooded(
        self,
        who: ResidentRef,
        verdict: Verdict,
        dedup_key: str | None,
        actor: dict[str, str],
        told: Turn,
        deliver: Deliver,
    ) -> None:
        """An event over the flood limit: not decided, nothing of the state touched; its dedup
        key is recorded (a redelivery stays a duplicate, as for any event), and the first
        of a flood is answered "please slow down"."""
        metrics.METRICS.flooded(who.channel, verdict.value)
        if verdict is Verdict.WARN:
            log.info("a %s resident is over the flood limit", who.channel, extra=actor)
        if dedup_key is not None:
            try:
                # No conversation, no effects: only the key (and the time of the message).
                await self.store.commit(who, None, (), dedup_key, expected=ANY)
            except DuplicateUpdate:
                return  # committed meanwhile by another process: handled there
            except Exception:
                # Not recorded: a redelivery is simply counted again. Nothing to confirm.
                log.warning("a flooded event's dedup key was not stored", extra=actor)
        if verdict is Verdict.WARN:
            await deliver(told)

    # --- working-group chats ---------------------------------------------------------------

    async def group(
        self,
        chat_id: int,
        event: Inbound,
        deliver: DeliverGroup,
        dedup_key: str | None = None,
    ) -> GroupTurn | None:
        """One event of a working-group chat (its `sender` is the member who wrote or
        tapped); the turn, or None for a duplicate or a failure (the chat was told)."""
        started = time.perf_counter()
        metrics.METRICS.update("group", event.kind)
        try:
            return await self._group(chat_id, event, deliver, dedup_key)
        finally:
            metrics.METRICS.turn("group", started)

    async def _group(
        self, chat_id: int, event: Inbound, deliver: DeliverGroup, dedup_key: str | None
    ) -> GroupTurn | None:
        event = replace(_cleaned(event), now=self.clock())
        async with self.locks.hold(("group", chat_id)):
            loaded = await self.store.load_group(chat_id, dedup_key)
            if loaded.duplicate:
                log.info("duplicate group delivery %s ignored", dedup_key)
                return None
            bound = loaded.binding
            binding = Binding(bound.city, bound.lang) if bound else None  # type: ignore[arg-type]
            failed = GroupTurn(
                (Reply((Msg("error-internal"),)),), lang=binding.lang if binding else "ru"
            )
            # Members are limited one by one (a busy chat is not one flood); system events
            # (a migration) never are.
            if event.kind != "system":
                verdict = self.group_flood.check(("group", chat_id, event.sender))
                if verdict is not Verdict.PASS:
                    metrics.METRICS.flooded("group", verdict.value)
                    try:
                        await self.store.commit_group(chat_id, (), dedup_key)
                    except DuplicateUpdate:
                        return None
                    except Exception:
                        log.warning("a flooded group event's dedup key was not stored")
                    if verdict is Verdict.WARN:
                        await deliver(GroupTurn((SLOW_DOWN,), lang=failed.lang))
                    return None
            try:
                world = await self.world_at(loaded.learned)
                facts = await self.facts.load(workgroup.needs(binding, event, world))
                turn = workgroup.step(binding, event, world, facts)
            except Exception:
                log.exception("a working-group decision failed")
                metrics.METRICS.error("group_step")
                await deliver(failed)
                return None
            committing = time.perf_counter()
            try:
                await self.store.commit_group(chat_id, turn.effects, dedup_key)
                metrics.METRICS.commit("group", committing)
            except DuplicateUpdate:
                log.info("duplicate group delivery %s committed elsewhere", dedup_key)
                return None
            except Exception:
                log.exception("a working-group commit failed")
                metrics.METRICS.error("group_commit")
                await deliver(failed)
                return None
            await deliver(turn)
            return turn

    # --- the operator (the command line) ---------------------------------------------------

    async def operator(
        self, actor: str, request: operator.Request
    ) -> tuple[operator.OperatorTurn, list[int | bool]]:
        """An operator's request: the decision and, when it had effects, what the store made
        of them (the announcement created, whether a cancel took effect)."""
        async with self.locks.hold(("operator", actor)):
            learned = await self.store.learned_version()
            world = await self.world_at(learned)
            facts = await self.facts.load(operator.needs(request, world))
            turn = operator.step(request, world, facts, self.clock())
            if not turn.effects:
                return turn, []
            return turn, await self.store.commit_operator(actor, turn.effects)


async def _unheard(_: object) -> None:
    """Delivery for events nobody is waiting for an answer to (platform reports)."""


class PlatformReports:
    """What an outbound learns from the platform about a resident or a chat, fed back through
    the pipeline like any event (in the background: the outbound reports while the pipeline
    holds that very actor's lock, so awaiting it there would wait for itself)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._tasks: set[asyncio.Task[object]] = set()

    def _spawn(self, work: Awaitable[object]) -> None:
        task: asyncio.Task[object] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a platform report was not stored", exc_info=task.exception())

    def attach(self, *outbounds: object) -> None:
        """Have these outbounds report here (each sets what it can report)."""
        for out in outbounds:
            if hasattr(out, "on_blocked"):
                out.on_blocked = self.blocked  # type: ignore[attr-defined]
            if hasattr(out, "on_migrated"):
                out.on_migrated = self.migrated  # type: ignore[attr-defined]

    def blocked(self, who: ResidentRef) -> None:
        """The resident blocked the bot or opted out: announcements stop."""
        self._spawn(self.pipeline.resident(who, Inbound("system", command="blocked"), _unheard))

    def migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        """A working-group chat became a supergroup: its binding follows the new id."""
        event = Inbound("system", command="migrated", text=str(new_chat_id))
        self._spawn(self.pipeline.group(old_chat_id, event, _unheard))

    async def drain(self) -> None:
        """Wait for the reports still being stored (at shutdown, in tests)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))
