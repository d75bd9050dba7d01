"""A resident who talks to the pure survey flow: send text, tap buttons, read the screen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from bot.i18n import Texts, html_to_plain
from bot.local_chat import NUMBERED, numbered_options
from flows.buttons import Button, pack
from flows.facts import Facts, Needs
from flows.ranking import Tally
from flows.session import (
    Answer,
    Conversation,
    CreateAnnouncement,
    Effect,
    Forget,
    Inbound,
    Nudged,
    Option,
    Profile,
    Reply,
    SaveAnswer,
    Session,
    SetLanguage,
    SetSource,
    SetSubscribed,
    Turn,
)
from flows.survey import needs, step
from flows.world import World

TEXTS = Texts(strict=True)


def empty_facts(wanted: Needs, tallies: Mapping[str, Mapping[str, Tally]] | None = None) -> Facts:
    """What the pipeline loads for `wanted` from an otherwise empty database (`tallies`: the
    counters of some cities)."""
    counters = tallies or {}
    return Facts(
        tallies=counters.get(wanted.tallies, {}) if wanted.tallies else None,
        sources={} if wanted.sources else None,
        unplaced=() if wanted.unplaced else None,
        subscribers={} if wanted.subscribers else None,
        announced=() if wanted.announced else None,
    )


def last_options(replies: Sequence[Reply]) -> list[Option]:
    """The options on screen after a turn: those of its last reply that has any."""
    with_options = [r for r in replies if r.options]
    return list(with_options[-1].options) if with_options else []


class Stored:
    """What a store keeps of a resident, rebuilt only from what each turn asked it to store
    (the conversation, when it changed, and the effects): the driver starts every step from
    this, so a decision that forgot an effect shows up as a wrong next step."""

    def __init__(self) -> None:
        self.profile = Profile()
        self.answer: Answer | None = None
        self.conv = Conversation()

    def session(self) -> Session:
        return Session(profile=self.profile.model_copy(), answer=self.answer, conv=self.conv)

    def apply(self, turn: Turn, before: Session) -> None:
        from storage.sqlite import _validate_effects, check_answer

        _validate_effects(turn.effects)  # what the store would refuse, it refuses here too
        for effect in turn.effects:
            if isinstance(effect, SetLanguage):
                self.profile.lang = effect.lang
            elif isinstance(effect, SetSubscribed):
                self.profile.subscribed = effect.subscribed
            elif isinstance(effect, SaveAnswer):
                previous = self.answer.version if self.answer else 0
                assert effect.answer.version == previous + 1, "versions follow one another"
                check_answer(effect.answer)
                self.answer = effect.answer
            elif isinstance(effect, Forget):
                self.profile, self.answer, self.conv = Profile(), None, Conversation()
                return
            else:
                assert isinstance(effect, SetSource | Nudged | CreateAnnouncement), effect
        if turn.effects or turn.session.conv != before.conv:
            # The stored state is JSON: what is read back must be what was written.
            self.conv = Conversation.model_validate_json(turn.session.conv.model_dump_json())
        rebuilt = self.session()
        assert rebuilt.answer == turn.session.answer, "an answer change without SaveAnswer"
        assert rebuilt.profile == turn.session.profile, "a profile change without its effect"


class FlowResident:
    """`buttons=True` behaves like Telegram (taps replace their message); False like WhatsApp
    (numbered text, every screen a new message). `tallies`: the counters /results reads."""

    def __init__(
        self,
        world: World,
        lang_hint: str | None = None,
        sender: str = "tg:1",
        now: datetime | None = None,
        buttons: bool = True,
        tallies: Mapping[str, Mapping[str, Tally]] | None = None,
    ) -> None:
        self.world = world
        self.lang_hint = lang_hint
        self.sender, self.now = sender, now or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        self.buttons = buttons
        self.tallies = tallies or {}
        self.stored = Stored()
        self.effects: list[Effect] = []
        self.turn: Turn | None = None
        self.turns = 0

    @property
    def session(self) -> Session:
        """The session as a store would give it back for the next step."""
        return self.stored.session()

    @session.setter
    def session(self, session: Session) -> None:
        """Put a stored state in place (a forged or older one, say)."""
        self.stored.profile, self.stored.answer = session.profile, session.answer
        self.stored.conv = session.conv

    def _do(self, event: Inbound) -> str:
        event = replace(event, sender=self.sender, now=self.now)  # as the service does
        before = self.session
        facts = empty_facts(needs(before, event, self.world), self.tallies)
        self.turn = step(before, event, self.world, facts)
        self.stored.apply(self.turn, before)
        self.effects.extend(self.turn.effects)
        self.turns += 1
        return self.text

    def send(self, text: str) -> str:
        return self._do(Inbound("text", text=text, lang_hint=self.lang_hint))

    def command(self, name: str, argument: str = "") -> str:
        return self._do(Inbound("command", command=name, text=argument, lang_hint=self.lang_hint))

    def media(self, kind: str, location: tuple[float, float] | None = None) -> str:
        return self._do(Inbound("media", media=kind, location=location, lang_hint=self.lang_hint))

    def system(self, what: str) -> str:
        return self._do(Inbound("system", command=what))

    def press(self, code: str) -> str:
        """A callback with raw data, as a forged or stale button would send."""
        return self._do(
            Inbound("choice", choice=code, lang_hint=self.lang_hint, editable=self.buttons)
        )

    def act(self, button: Button) -> str:
        """Tap a button of the current screen by what it means (its label may vary)."""
        return self.press(pack(button, self.session.conv.screen))

    def draft(self, button: Button) -> str:
        """Tap a button of the admin's announcement draft on show."""
        draft = self.session.conv.draft
        return self.press(pack(button, draft.screen if draft is not None else 0))

    def tap(self, label: str) -> str:
        """Tap the button whose visible label contains `label` (in the latest keyboard)."""
        matches = [o for o in self.options if label in self.label(o)]
        assert len(matches) == 1, f"{label!r} not unique among {self.labels}"
        return self.press(matches[0].code)

    @property
    def step(self) -> str:
        return self.session.conv.step.value

    @property
    def items(self) -> list[tuple[str, str | None]]:
        answer = self.session.answer
        return [(i.category, i.text) for i in answer.items] if answer else []

    @property
    def variant(self) -> str | None:
        return None if self.buttons else NUMBERED

    @property
    def text(self) -> str:
        assert self.turn is not None
        out = []
        for reply in self.turn.replies:
            body = html_to_plain(TEXTS.reply_html(self.turn.lang, reply, self.variant))
            if not self.buttons and reply.options:
                body = "\n".join([body, *numbered_options(TEXTS, self.turn.lang, reply)])
            out.append(body)
        return "\n\n".join(out)

    @property
    def notice(self) -> str | None:
        assert self.turn is not None
        msg = self.turn.notice
        return None if msg is None else html_to_plain(TEXTS.format(self.turn.lang, msg))

    @property
    def options(self) -> list[Option]:
        assert self.turn is not None
        return last_options(self.turn.replies)

    def label(self, option: Option) -> str:
        assert self.turn is not None
        return TEXTS.option_label(self.turn.lang, option, self.variant)

    @property
    def labels(self) -> list[str]:
        return [self.label(o) for o in self.options]
