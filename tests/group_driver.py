"""A working-group chat talking to the pure group flow, its state rebuilt from the effects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from bot.i18n import html_to_plain
from bot.keyboards import layout
from flows import workgroup
from flows.catalogue import OTHER
from flows.effects import BindGroup, MoveChat, PlaceWording, SetGroupLanguage, UnbindGroup
from flows.facts import Facts, Needs, UnplacedItem
from flows.ranking import Tally
from flows.session import Chart, Inbound, Option, Spreadsheet
from flows.workgroup import Binding, GroupTurn
from flows.world import World
from tests.driver import TEXTS, last_options


class FlowGroup:
    """What a store would keep of one group chat and of the city's unplaced words, rebuilt
    only from the effects each turn asked for: a decision that forgot an effect shows up as a
    wrong next turn."""

    def __init__(
        self,
        world: World,
        chat_id: int = -4001,
        unplaced: Sequence[UnplacedItem] = (),
        tallies: Mapping[str, Mapping[str, Tally]] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.world = world
        self.chat_id = chat_id
        self.binding: Binding | None = None
        self.unplaced = list(unplaced)
        self.learned: dict[str, dict[str, str]] = {}
        self.tallies = tallies or {}
        self.now = now or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        self.turn: GroupTurn | None = None
        self.effects: list[object] = []

    def facts(self, wanted: Needs) -> Facts:
        return Facts(
            tallies=self.tallies.get(wanted.tallies, {}) if wanted.tallies else None,
            sources={} if wanted.sources else None,
            unplaced=tuple(self.unplaced) if wanted.unplaced else None,
        )

    def _do(self, event: Inbound) -> GroupTurn:
        event = replace(event, now=self.now)
        world = self.world.with_learned(self.learned)
        facts = self.facts(workgroup.needs(self.binding, event, world))
        self.turn = workgroup.step(self.binding, event, world, facts)
        for effect in self.turn.effects:
            self.effects.append(effect)
            self._apply(effect)
        return self.turn

    def _apply(self, effect: object) -> None:
        if isinstance(effect, BindGroup):
            lang = self.binding.lang if self.binding is not None else effect.lang
            self.binding = Binding(effect.city, lang)
        elif isinstance(effect, UnbindGroup):
            self.binding = None
        elif isinstance(effect, SetGroupLanguage):
            assert self.binding is not None
            self.binding = Binding(self.binding.city, effect.lang)
        elif isinstance(effect, PlaceWording):
            if effect.category != OTHER:
                moved = set(effect.items)
                self.unplaced = [i for i in self.unplaced if (i.answer_id, i.rank) not in moved]
            self.learned.setdefault(effect.city, {})[effect.wording] = effect.category
        elif isinstance(effect, MoveChat):
            self.chat_id = effect.new_chat_id
        else:
            raise AssertionError(f"unexpected effect {effect!r}")

    def command(self, user: int, line: str) -> GroupTurn:
        name, _, argument = line.lstrip("/").partition(" ")
        return self._do(Inbound("command", command=name, text=argument, sender=f"tg:{user}"))

    def press(self, user: int, data: str) -> GroupTurn:
        return self._do(Inbound("choice", choice=data, sender=f"tg:{user}"))

    def tap(self, user: int, label: str) -> GroupTurn:
        matches = [o for o in self.options if label in self.label(o)]
        assert len(matches) == 1, (
            f"{label!r} not unique among {[self.label(o) for o in self.options]}"
        )
        return self.press(user, matches[0].code)

    @property
    def options(self) -> list[Option]:
        assert self.turn is not None
        return last_options(self.turn.replies)

    def label(self, option: Option) -> str:
        assert self.turn is not None
        return TEXTS.option_label(self.turn.lang, option)

    @property
    def text(self) -> str:
        assert self.turn is not None
        return "\n\n".join(
            html_to_plain(TEXTS.reply_html(self.turn.lang, r)) for r in self.turn.replies
        )

    def shown(self) -> list[str]:
        """The turn as a transcript: messages, buttons, files, toasts and effects."""
        turn = self.turn
        assert turn is not None
        lines: list[str] = []
        if turn.notice is not None:
            lines.append(f"(toast) {TEXTS.format(turn.lang, turn.notice)}")
        for n, reply in enumerate(turn.replies):
            how = "(edits the tapped message)" if n == 0 and turn.edit else "(new message)"
            if isinstance(reply.attachment, Chart):
                rows = len(reply.attachment.ranking.overall.rows)
                how = f"(photo: the chart of {min(rows, 10)} problems)"
            elif isinstance(reply.attachment, Spreadsheet):
                sheet = reply.attachment
                how = f"(file {sheet.filename}: the export of {sheet.city})"
            lines.append(f"< {how}")
            html = TEXTS.reply_html(turn.lang, reply)
            lines += [f"< {line}" for line in html.split("\n") if html]
            labels = [TEXTS.option_label(turn.lang, o) for o in reply.options]
            start = 0
            for size in layout(len(labels), reply.rows, reply.columns):
                lines.append(
                    "  " + " ".join(f"[{label}]" for label in labels[start : start + size])
                )
                start += size
        lines += [f"= {e!r}" for e in turn.effects]
        return lines
