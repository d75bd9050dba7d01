"""A scripted resident (or admin) talking to the pure survey flow, as bot/service.py drives it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.preview.demo import CITY, NOW, RESIDENT, announced
from flows.announce import upcoming_parts
from flows.buttons import Button, pack
from flows.catalogue import Lang
from flows.ranking import Tally
from flows.session import Inbound, Msg, Session, Turn
from flows.survey import needs, step
from flows.turn import Facts
from flows.world import World


class Chat:
    """One resident (or admin) talking to flows.survey.step, as the service does: the event
    stamped with the sender and the time, the counters loaded before the step."""

    # tests/driver.py's FlowResident drives the flow the same way but also replays every
    # effect through a stand-in store; the preview only needs the screens (and cannot import
    # tests: they are not shipped).

    def __init__(
        self,
        world: World,
        lang: Lang | None,
        sender: str = RESIDENT,
        tallies: Mapping[str, Mapping[str, Tally]] | None = None,
        hearings: bool = True,
    ) -> None:
        self.world, self.lang, self.sender = world, lang, sender
        self.tallies = tallies or {}
        self.hearings = hearings  # /announcements finds the sample hearings ahead
        self.session = Session()
        self.turn: Turn | None = None

    def _do(self, event: Inbound) -> Turn:
        event = replace(event, sender=self.sender, now=NOW)
        wanted = needs(self.session, event).tallies
        facts = Facts(tallies=self.tallies.get(wanted, {})) if wanted else Facts()
        turn = step(self.session, event, self.world, facts)
        self.session = turn.session
        self.turn = _late(turn, self.world, self.hearings)
        return self.turn

    def send(self, text: str) -> Turn:
        return self._do(Inbound("text", text=text, lang_hint=self.lang))

    def command(self, name: str, argument: str = "") -> Turn:
        return self._do(Inbound("command", command=name, text=argument, lang_hint=self.lang))

    def media(self, kind: str, location: tuple[float, float] | None = None) -> Turn:
        return self._do(Inbound("media", media=kind, location=location, lang_hint=self.lang))

    def system(self, what: str) -> Turn:
        return self._do(Inbound("system", command=what))

    def press(self, code: str, editable: bool = True) -> Turn:
        return self._do(Inbound("choice", choice=code, lang_hint=self.lang, editable=editable))

    def act(self, button: Button) -> Turn:
        return self.press(self.code(button))

    def code(self, button: Button) -> str:
        """The callback data of `button` on the current screen (to press it later)."""
        return pack(button, self.session.conv.screen)


def _late(turn: Turn, world: World, hearings: bool = True) -> Turn:
    """What the service fills in from the database (bot/service.py), with sample data."""
    replies = []
    for reply in turn.replies:
        parts: list[Msg] = []
        for part in reply.parts:
            if part.id == "announce-recipients":
                parts.append(Msg(part.id, {"tg": 412, "wa": 57}))
            elif part.id == "announcements-list":
                ahead = announced(world) if hearings else []
                parts.extend(upcoming_parts(ahead, world.cities[CITY], NOW, turn.lang))
            else:
                parts.append(part)
        replies.append(replace(reply, parts=tuple(parts)))
    return replace(turn, replies=tuple(replies))
