"""The scratchpad of one survey step: a copy of the session, the replies and effects so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flows.catalogue import OTHER, City, Lang
from flows.facts import Facts
from flows.session import (
    Answer,
    Conversation,
    Effect,
    Forget,
    Inbound,
    Item,
    Msg,
    Reply,
    SaveAnswer,
    Session,
    SetLanguage,
    SetSubscribed,
    Turn,
)

if TYPE_CHECKING:
    from flows.world import World

__all__ = ["Facts", "Scratch"]  # Facts is re-exported: steps import it from here


@dataclass(slots=True)
class Scratch:
    """Mutable for the length of one step; `finish` freezes it into a Turn."""

    s: Session
    event: Inbound
    world: World
    facts: Facts = field(default_factory=Facts)
    loaded: Answer | None = None  # the answer as stored before this step
    replies: list[Reply] = field(default_factory=list)
    screens: list[int] = field(default_factory=list)  # indices of replies that are screens
    effects: list[Effect] = field(default_factory=list)
    render_lang: Lang | None = None
    edit: bool = False  # the first reply replaces the tapped message
    notice: Msg | None = None

    @classmethod
    def start(cls, session: Session, event: Inbound, world: World, facts: Facts) -> Scratch:
        # A copy, so the caller's session is never mutated (dump/validate beats deepcopy 2x).
        copy = Session.model_validate(session.model_dump(by_alias=True))
        return cls(copy, event, world, facts, loaded=session.answer)

    @property
    def conv(self) -> Conversation:
        return self.s.conv

    @property
    def lang(self) -> Lang:
        return self.s.profile.lang or "ru"

    @property
    def city(self) -> City | None:
        return self.world.cities.get(self.conv.city or "")

    # --- the list: the answer is the list, saved as it changes ----------------------------

    @property
    def items(self) -> list[Item]:
        """A new list (the caller may reorder it); the items themselves are never mutated."""
        answer = self.s.answer
        return list(answer.items) if answer else []

    @property
    def answered(self) -> bool:
        """Whether the resident has a list with at least one problem."""
        return bool(self.s.answer and self.s.answer.items)

    def set_items(self, items: list[Item]) -> None:
        answer = self.s.answer
        if answer is None:
            c = self.conv
            self.s.answer = Answer(version=0, city=c.city or "", district=c.district, items=items)
        else:
            self.s.answer = answer.model_copy(update={"items": items})

    def move_answer_here(self) -> list[Msg]:
        """The place chosen in the conversation becomes the answer's. Problems the new city
        does not show (Karakol's lake shore in Manas) are dropped: what to tell the resident."""
        answer, c = self.s.answer, self.conv
        if answer is None or c.city is None:
            return []
        shown = set(self.world.shown[c.city].ids) | {OTHER}
        items = [i for i in answer.items if i.category in shown]
        gone = [self.label(i, answer.city) for i in answer.items if i.category not in shown]
        self.s.answer = answer.model_copy(
            update={"city": c.city, "district": c.district, "items": items}
        )
        if not gone:
            return []
        city = self.world.cities[c.city].name(self.lang)
        return [Msg("problems-dropped", {"labels": ", ".join(gone), "city": city})]

    def label(self, item: Item, city: str | None = None) -> str:
        if item.category == OTHER:
            return item.text or ""
        return self.world.shown[city or self.conv.city or ""].label(item.category, self.lang)

    # --- replies and profile -------------------------------------------------------------

    def say(self, *parts: Msg) -> None:
        self.replies.append(Reply(parts))

    def set_lang(self, lang: Lang) -> None:
        if self.s.profile.lang != lang:
            self.s.profile.lang = lang
            self.effects.append(SetLanguage(lang))

    def set_subscribed(self, value: bool) -> None:
        if self.s.profile.subscribed is not value:
            self.s.profile.subscribed = value
            self.effects.append(SetSubscribed(value))

    def finish(self) -> Turn:
        effects = list(self.effects)
        if not any(isinstance(e, Forget) for e in effects):
            saved = self._saved_answer()
            if saved is not None:
                effects.append(SaveAnswer(saved))
        c = self.conv
        edit = self.edit and bool(self.replies)
        if self.screens and not (edit and self.screens == [0]):
            # The current screen is in a new message: taps on older ones are stale.
            c.message_from = c.screen
        return Turn(
            self.s,
            tuple(self.replies),
            tuple(effects),
            self.render_lang or self.lang,
            edit=edit,
            notice=self.notice,
        )

    def _saved_answer(self) -> Answer | None:
        """The list as it stands after this step, as a new version, if it changed."""
        answer, before = self.s.answer, self.loaded
        if answer is None:
            return None
        if before is None and not answer.items:
            return None  # a place chosen, no problem named yet: nothing to count
        same = before is not None and (answer.city, answer.district, answer.items) == (
            before.city,
            before.district,
            before.items,
        )
        if same:
            return None
        saved = answer.model_copy(update={"version": (before.version if before else 0) + 1})
        self.s.answer = saved
        return saved
