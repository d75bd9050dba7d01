"""A resident who talks to the pure survey flow: send text, tap buttons, read the screen."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.i18n import Texts, html_to_plain
from flows.session import Effect, Inbound, Msg, Option, Reply, Session, Turn
from flows.survey import step
from flows.world import World

TEXTS = Texts(strict=True)


class FlowResident:
    def __init__(
        self,
        world: World,
        lang_hint: str | None = None,
        sender: str = "tg:1",
        now: datetime | None = None,
    ) -> None:
        self.world = world
        self.lang_hint = lang_hint
        self.sender, self.now = sender, now or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        self.session = Session()
        self.effects: list[Effect] = []
        self.turn: Turn | None = None

    def _do(self, event: Inbound) -> str:
        event = replace(event, sender=self.sender, now=self.now)  # as the service does
        self.turn = step(self.session, event, self.world)
        self.session = self.turn.session
        self.effects.extend(self.turn.effects)
        return self.text

    def send(self, text: str) -> str:
        return self._do(Inbound("text", text=text, lang_hint=self.lang_hint))

    def command(self, name: str) -> str:
        return self._do(Inbound("command", command=name, lang_hint=self.lang_hint))

    def media(self, kind: str) -> str:
        return self._do(Inbound("media", media=kind, lang_hint=self.lang_hint))

    def press(self, code: str) -> str:
        """A callback with raw data, as a forged or stale button would send."""
        return self._do(Inbound("choice", choice=code, lang_hint=self.lang_hint))

    def tap(self, label: str) -> str:
        """Tap the button whose visible label contains `label` (in the latest keyboard)."""
        matches = [o for o in self.options if label in self.label(o)]
        assert len(matches) == 1, f"{label!r} not unique among {self.labels}"
        return self.press(matches[0].code)

    @property
    def step(self) -> str:
        return self.session.conv.step.value

    @property
    def text(self) -> str:
        assert self.turn is not None
        return "\n\n".join(
            html_to_plain(TEXTS.reply_html(self.turn.lang, _late(r))) for r in self.turn.replies
        )

    @property
    def options(self) -> list[Option]:
        assert self.turn is not None
        with_options = [r for r in self.turn.replies if r.options]
        return list(with_options[-1].options) if with_options else []

    def label(self, option: Option) -> str:
        assert self.turn is not None
        return TEXTS.option_label(self.turn.lang, option)

    @property
    def labels(self) -> list[str]:
        return [self.label(o) for o in self.options]


def _late(reply: Reply) -> Reply:
    """What the service fills from the database (bot/service.py), as an empty database would."""
    parts = []
    for part in reply.parts:
        if part.id == "announce-recipients":
            part = Msg(part.id, {"tg": 0, "wa": 0})
        elif part.id == "announcements-list":
            part = Msg("announcements-none")
        parts.append(part)
    return replace(reply, parts=tuple(parts))
