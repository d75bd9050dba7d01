"""What the store hands back besides sessions: rows as stored, announcements, deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flows.session import Session


@dataclass(frozen=True, slots=True)
class Loaded:
    """What `load` returns: the session to run a step on, or a duplicate delivery.

    `version`: the stored conversation's version (None: no resident yet), to hand back to
    `commit(expected=...)`. `learned`: the version of what review taught the matchers, so
    every process notices a change made by another one."""

    session: Session
    duplicate: bool = False
    version: int | None = None
    learned: int = 0


@dataclass(frozen=True, slots=True)
class GroupBinding:
    """A working-group chat bound to a city, and the language its messages are written in."""

    city: str
    lang: str


@dataclass(frozen=True, slots=True)
class LoadedGroup:
    """What `load_group` returns: the chat's binding (None: not bound), or a duplicate."""

    binding: GroupBinding | None
    duplicate: bool = False
    learned: int = 0


class ResidentRef(NamedTuple):
    """A resident is known only by channel ("tg", "wa", "local") and the channel's id."""

    channel: str
    external_id: str


@dataclass(frozen=True, slots=True)
class ResidentRecord:
    """A resident's row as stored (for tests, operators and later features)."""

    ref: ResidentRef
    lang: str | None
    city: str | None
    district: str | None
    subscribed: bool | None
    step: str | None
    created_at: datetime
    updated_at: datetime
    last_inbound_at: datetime | None
    source: str | None = None  # the tag of the link they came by
    nudged_at: datetime | None = None  # the reminder to finish the survey


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbound message as the provider reported it (status callbacks update it)."""

    message_id: str | None
    status: str
    error_code: int | None
    created_at: datetime
    updated_at: datetime


# Provider statuses in the order a message goes through them; a late callback for an earlier
# status (callbacks may arrive out of order) never moves a message back.
STATUS_ORDER = {
    "accepted": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "read": 5,
    "undelivered": 6,
    "failed": 6,
}


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    city: str
    kind: str  # "announcement" | "reminder"
    parent_id: int | None
    content: dict[str, Any]
    state: str  # scheduled | sending | done | cancelled
    send_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Recipient:
    """One claimed delivery: who, on which channel, in which language."""

    resident_id: int
    ref: ResidentRef
    lang: str
    last_inbound_at: datetime | None


@dataclass(frozen=True, slots=True)
class BroadcastCounts:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    pending: int = 0  # not yet sent, including those in flight

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.skipped + self.pending


@dataclass(frozen=True, slots=True)
class SentSummary:
    """A summary that went out: when, to how many respondents, and its positions/counts."""

    day: str
    sent_at: datetime
    respondents: int
    snapshot: dict[str, tuple[int, int]]  # category -> (position, count)


@dataclass(frozen=True, slots=True)
class CityStats:
    """A city's figures for `citybot stats`, per channel: counts only, no resident identifier.

    Answers are residents with a current, non-empty answer in the city (as the ranking counts
    them); `today` and `week` those of them whose current answer was saved since then.
    `mid_survey`: residents of the city in a conversation before its end (not done, not asked
    to forget). `delivery_errors`: outbound messages with a provider error code, per code."""

    answers_today: dict[str, int]
    answers_week: dict[str, int]
    answers_total: dict[str, int]
    mid_survey: dict[str, int]
    subscribers: dict[str, int]
    delivery_errors: dict[str, int]


@dataclass(frozen=True, slots=True)
class HourCount:
    """Items of one category in the current answers given in one UTC hour (`hour`: its
    start, aware); `first`: how many of them head their answer (one per answer)."""

    hour: datetime
    category: str
    items: int
    first: int


@dataclass(frozen=True, slots=True)
class ExportItem:
    """One item of a current answer for a streamed export: ExportRow's fields with the answer's
    time (aware, UTC), so the export can write the day in the city's time zone. Only the day
    goes into a file: a time would make rows linkable."""

    district: str | None
    rank: int
    category: str
    text: str | None
    answered_at: datetime
