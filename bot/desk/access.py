"""Who may open which city on the desk: the city file's admins and reviewers, and members of
the city's bound working-group chats (asked from Telegram with getChatMember, cached)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from flows.roles import Right, may
from flows.world import World
from storage.base import WorkingGroups

log = logging.getLogger(__name__)

# (chat id, user id) -> is the user a member of that chat now? None: could not tell.
MemberCheck = Callable[[int, int], Awaitable[bool | None]]
MEMBER_TTL = 300.0  # seconds a getChatMember answer is trusted (removal counts within 5 min)
_MEMBER_STATES = frozenset({"creator", "administrator", "member"})


@dataclass(frozen=True, slots=True)
class Grant:
    """What one signed-in user may do in one city."""

    city: str
    summary: bool  # the ranking, the tables, the trend, the counts, announcements
    review: bool  # residents' own words (the review queue)
    export: bool  # the council's files (every answer, own words included)


def bot_member_check(bot: object) -> MemberCheck:
    """getChatMember through the bot the Telegram outbound sends with (a read: no message is
    sent). Any error counts as "cannot tell" and is not cached, so it does not lock anyone
    out for minutes."""

    async def check(chat_id: int, user_id: int) -> bool | None:
        try:
            member = await bot.get_chat_member(chat_id=chat_id, user_id=user_id)  # type: ignore[attr-defined]
        except Exception as exc:  # Forbidden (bot not in the chat), BadRequest, network
            log.info("getChatMember for the desk failed: %s", type(exc).__name__)
            return None
        status = str(getattr(member, "status", ""))
        return status in _MEMBER_STATES or (
            status == "restricted" and bool(getattr(member, "is_member", False))
        )

    return check


class Access:
    """Decides per request (a role removed from the city file counts at once)."""

    def __init__(
        self,
        world: World,
        groups: WorkingGroups,
        member_check: MemberCheck | None = None,
        clock: Callable[[], float] = time.monotonic,
        ttl: float = MEMBER_TTL,
    ) -> None:
        self.world, self.groups, self.member_check = world, groups, member_check
        self.clock, self.ttl = clock, ttl
        self._cache: dict[tuple[int, int], tuple[float, bool]] = {}

    async def _member(self, city: str, user_id: int) -> bool:
        if self.member_check is None:
            return False
        chats = {chat for chat, _ in await self.groups.groups(city)}
        chats |= {g.telegram_chat_id for g in self.world.cities[city].working_groups}
        for chat in sorted(chats):
            key = (chat, user_id)
            cached = self._cache.get(key)
            if cached is not None and self.clock() - cached[0] < self.ttl:
                answer: bool | None = cached[1]
            else:
                answer = await self.member_check(chat, user_id)
                if answer is not None:
                    if len(self._cache) > 50_000:
                        self._cache.clear()
                    self._cache[key] = (self.clock(), answer)
            if answer:
                return True
        return False

    async def grant(self, city: str, user_id: int) -> Grant | None:
        """The user's rights in the city, or None: not theirs."""
        if city not in self.world.cities:
            return None
        sender = f"tg:{user_id}"
        if may(self.world, city, sender, Right.SUMMARY):  # admins and reviewers
            member = False
        elif may(self.world, city, sender, Right.SUMMARY, member=True) and await self._member(
            city, user_id
        ):
            member = True  # the city lets its working group's members see the ranking
        else:
            return None

        def right(r: Right) -> bool:
            return may(self.world, city, sender, r, member=member)

        return Grant(city, True, right(Right.REVIEW), right(Right.EXPORT))

    async def cities(self, user_id: int) -> list[Grant]:
        found = [await self.grant(city, user_id) for city in self.world.cities]
        return [g for g in found if g is not None]
