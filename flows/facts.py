"""What a decision reads besides its actor's state, loaded before it runs (needs -> facts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from flows.ranking import Tally
from flows.rounds import RoundView


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One item of a current answer, for the council: no resident identifier of any kind."""

    district: str | None
    rank: int
    category: str
    text: str | None  # the resident's own words, if any
    answered_on: str  # YYYY-MM-DD (UTC): a day, not a time, to keep rows unlinkable


@dataclass(frozen=True, slots=True)
class UnplacedItem:
    """An item in `other` (own words no category fits) of a current answer, for review."""

    answer_id: int
    rank: int
    text: str
    # The categories the same answer already names: the item cannot move into one of them
    # (an answer names each category once).
    others: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Needs:
    """What a decision will read, each a city id (or None: not needed). Decided from the
    state and the event alone (pure), so the data is loaded before the decision runs."""

    tallies: str | None = None  # the city's counters (results, summaries, exports)
    sources: str | None = None  # how many residents came by each link tag
    unplaced: str | None = None  # own words waiting for review
    subscribers: str | None = None  # subscribed residents per channel (announce preview)
    announced: str | None = None  # announcements sent or being sent (/announcements)
    rounds: str | None = None  # the city's survey rounds (/round in a working group)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))


@dataclass(frozen=True, slots=True)
class Facts:
    """The data a decision asked for in its Needs (None where it did not ask)."""

    tallies: Mapping[str, Tally] | None = None  # per district ("" = not given)
    sources: Mapping[str, int] | None = None
    unplaced: tuple[UnplacedItem, ...] | None = None
    subscribers: Mapping[str, int] | None = None  # channel -> count
    # The stored content of each announcement already sent or being sent, newest first.
    announced: tuple[Mapping[str, object], ...] | None = None
    rounds: Sequence[RoundView] | None = None  # newest first (store.rounds)
