"""Survey rounds shared by both engines: rows as RoundViews, and a session's answers by round."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from flows.rounds import NO_ROUND, OpenRound, RoundView
from flows.session import Answer, CreateAnnouncement, Item

# A round's columns, in the order every query here selects them.
ROUND_COLUMNS = (
    "id, city, title_ru, title_ky, starts_on, ends_on, state, opened_at, closed_at, starts_at"
)


def round_view(row: Sequence[Any]) -> RoundView:
    rid, city, title_ru, title_ky, starts_on, ends_on, state, opened_at, closed_at, starts_at = row
    return RoundView(
        id=int(rid),
        city=city,
        title_ru=title_ru,
        title_ky=title_ky,
        starts_on=starts_on,
        ends_on=ends_on,
        state=state,
        opened_at=opened_at,
        closed_at=closed_at,
        starts_at=starts_at,
    )


def invitation_of(effect: OpenRound, round_id: int) -> CreateAnnouncement | None:
    """The announcement that invites residents of earlier rounds (its content names the round,
    so its recipients are chosen for it: start_broadcast)."""
    if effect.invitation is None:
        return None
    content = {**effect.invitation, "round_id": round_id}
    return CreateAnnouncement(effect.city, content, effect.invite_at or effect.starts_at)


def current_rounds(views: Iterable[RoundView]) -> dict[str, RoundView]:
    """Per city, of its rounds: the open one, else the latest (closed)."""
    found: dict[str, RoundView] = {}
    for view in views:
        held = found.get(view.city)
        if held is None or (held.state != "open" and (view.state == "open" or view.id > held.id)):
            found[view.city] = view
    return found


def _items(packed: Any) -> list[Item]:
    rows = json.loads(packed) if isinstance(packed, str) else packed
    rows = sorted(rows, key=lambda row: row[0])  # ranks travel along: sorted here
    return [Item(category=category, text=text) for _rank, category, text in rows]


def answered_round(rounds: Sequence[RoundView], city: str | None, now: str) -> int:
    """The round whose answer a resident of `city` sees as theirs at `now` (UTC, as stored):
    the city's latest round that has begun, else 0, as reports count (sql.current_round)."""
    begun = [r.id for r in rounds if r.city == city and r.starts_at <= now]
    return max(begun, default=NO_ROUND)


def split_answers(here: int, packed: Any) -> tuple[Answer | None, Answer | None]:
    """The resident's current answers (one per round, as [version, city, district, round,
    items]) split into the one of round `here` and the latest non-empty one of another round
    (offered in a new round)."""
    rows = json.loads(packed) if isinstance(packed, str) else (packed or [])
    answer: Answer | None = None
    previous: Answer | None = None
    for version, answer_city, district, round_id, items in rows:
        made = Answer(
            version=int(version),
            city=answer_city,
            district=district,
            items=_items(items),
            round=int(round_id),
        )
        if made.round == here:
            answer = made
        elif made.items and (previous is None or made.version > previous.version):
            previous = made
    return answer, previous


class Rounds(Protocol):
    """Survey rounds (one per budget cycle). Opened and closed by operator effects
    (`commit_operator` with flows.rounds.OpenRound / CloseRound: the new id / whether one was
    open); an answer belongs to the round it was given in, see Reports."""

    async def rounds(self, city: str | None = None) -> list[RoundView]:
        """Every round (of the city), newest first."""
        ...

    async def current_round(self, city: str) -> RoundView | None:
        """The round whose figures the reports give by default now (tallies, exports,
        summaries: sql.current_round): the latest that has begun, open or closed; None: round
        0 (none has begun; a round opened for days ahead begins on its first day)."""
        ...
