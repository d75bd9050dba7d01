"""A scripted resident (or admin) talking to the pure survey flow, as bot/pipeline.py drives it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.preview.demo import NOW, RESIDENT, announced
from flows.buttons import Button, pack
from flows.catalogue import Lang
from flows.facts import Facts, Needs
from flows.ranking import Tally
from flows.session import Inbound, Session, Turn
from flows.survey import needs, step
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
        wanted = needs(self.session, event, self.world)
        facts = sample_facts(wanted, self.world, self.tallies, self.hearings)
        turn = step(self.session, event, self.world, facts)
        self.session = turn.session
        self.turn = turn
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

    def draft(self, button: Button) -> Turn:
        """Tap a button of the admin's announcement draft on show."""
        draft = self.session.conv.draft
        return self.press(pack(button, draft.screen if draft is not None else 0))

    def code(self, button: Button) -> str:
        """The callback data of `button` on the current screen (to press it later)."""
        return pack(button, self.session.conv.screen)


def sample_facts(
    wanted: Needs,
    world: World,
    tallies: Mapping[str, Mapping[str, Tally]],
    hearings: bool = True,
) -> Facts:
    """What the pipeline would load from the database (bot/pipeline.py), with sample data."""
    return Facts(
        tallies=tallies.get(wanted.tallies, {}) if wanted.tallies else None,
        subscribers={"tg": 412, "wa": 57} if wanted.subscribers else None,
        announced=tuple(announced(world)) if wanted.announced and hearings else None,
    )
