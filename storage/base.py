"""The repository interface every store implements (SQLite now, PostgreSQL later)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from flows.ranking import Tally
from flows.session import Answer, Conversation, Effect, Session


class StoreError(Exception):
    """An error a store raises on purpose; the turn it belongs to was not stored."""


class VersionConflict(StoreError):
    """A SaveAnswer whose version is not the stored current version + 1."""


class DuplicateUpdate(StoreError):
    """`commit` got a dedup key that is already committed: the turn is a redelivery."""


class ResidentRef(NamedTuple):
    """A resident is known only by channel ("tg", "wa", "local") and the channel's id."""

    channel: str
    external_id: str


@dataclass(frozen=True, slots=True)
class Loaded:
    """What `load` returns: the session to run a step on, or a duplicate delivery."""

    session: Session
    duplicate: bool = False


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
    source: str | None = None  # the tag of the link they came by
    nudged_at: datetime | None = None  # the reminder to finish the survey


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
class UnplacedItem:
    answer_id: int
    rank: int
    text: str


@dataclass(frozen=True, slots=True)
class ExportRow:
    district: str | None
    rank: int
    category: str
    text: str | None  # the resident's own words, if any
    answered_on: str  # YYYY-MM-DD (UTC): a day, not a time, to keep rows unlinkable


@dataclass(frozen=True, slots=True)
class SentSummary:
    """A summary that went out: when, to how many respondents, and its positions/counts."""

    day: str
    sent_at: datetime
    respondents: int
    snapshot: dict[str, tuple[int, int]]  # category -> (position, count)


class Store(Protocol):
    """Async repository. Implementations must be safe for many concurrent residents.

    The contract callers rely on:
    - `load` builds the Session from stored rows (a new resident gets a fresh Session) and
      reports whether `dedup_key` was already committed.
    - `commit` stores the new conversation state, applies the effects, records `dedup_key`
      and the time of the inbound message, all in ONE transaction, and returns only once it
      is durable. Only then may the caller reply to the resident.
    - Callers serialise turns per resident; implementations may batch turns of different
      residents into one transaction (group commit). Commits issued in order apply in order.
    - A rejected turn stores nothing and its `commit` raises: `VersionConflict` (SaveAnswer
      version is not current + 1), `DuplicateUpdate` (dedup key already committed),
      `ValueError` (an effect after `Forget`). Other residents' turns are unaffected.
    - `Forget` deletes every row about the resident; the turn's conversation is not written
      and the resident is not recreated (its dedup key is still recorded).
    """

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def load(self, who: ResidentRef, dedup_key: str | None = None) -> Loaded: ...

    async def commit(
        self,
        who: ResidentRef,
        conv: Conversation | None,
        effects: Sequence[Effect] = (),
        dedup_key: str | None = None,
        inbound: bool = True,
    ) -> None:
        """`conv` None: nothing changed (no resident is created; an existing one's inbound time
        moves). `inbound` False: a system event (a reminder), not a message from the resident."""
        ...

    async def resident(self, who: ResidentRef) -> ResidentRecord | None: ...

    async def answer_history(self, who: ResidentRef) -> list[Answer]:
        """Every confirmed version, oldest first (the last is current)."""
        ...

    async def ping(self) -> bool: ...

    async def set_subscribed(self, who: ResidentRef, subscribed: bool) -> bool:
        """Outside a turn (the provider says the resident blocked us); False if unknown."""
        ...

    async def record_delivery(
        self,
        who: ResidentRef,
        message_id: str | None,
        status: str,
        error_code: int | None = None,
    ) -> None:
        """Note an outbound message (nothing is stored for a resident who no longer exists)."""
        ...

    async def update_delivery(
        self, message_id: str, status: str, error_code: int | None = None
    ) -> ResidentRef | None:
        """A status callback: move the message forward; returns its resident, if known."""
        ...

    async def deliveries(self, who: ResidentRef) -> list[Delivery]:
        """The resident's outbound messages, oldest first."""
        ...

    async def claim_summary(self, city: str, chat_id: int, day: str) -> bool:
        """Take the right to send `day`'s summary to the chat: False when it was sent, or is
        being sent by someone else (a claim older than 10 minutes is taken over: a crash)."""
        ...

    async def finish_summary(
        self,
        city: str,
        chat_id: int,
        day: str,
        respondents: int,
        snapshot: Mapping[str, tuple[int, int]],
    ) -> None: ...

    async def release_summary(self, city: str, chat_id: int, day: str) -> None:
        """Give up a claim (the send failed), so a later attempt may send it."""
        ...

    async def previous_summary(self, city: str, chat_id: int, day: str) -> SentSummary | None:
        """The latest summary sent to the chat before `day`."""
        ...

    async def changed_since(self, city: str, since: datetime) -> int:
        """Answers given or changed in the city after `since`."""
        ...

    async def record_chat_migration(self, old_chat_id: int, new_chat_id: int) -> None: ...

    async def current_chat_id(self, chat_id: int) -> int:
        """The chat's id now, following group -> supergroup migrations."""
        ...

    async def bind_group(self, chat_id: int, city: str, lang: str) -> None:
        """Bind (or re-bind) a Telegram group to a city's working group."""
        ...

    async def unbind_group(self, chat_id: int) -> None: ...

    async def group(self, chat_id: int) -> tuple[str, str] | None:
        """(city, language) of a bound group."""
        ...

    async def set_group_language(self, chat_id: int, lang: str) -> None: ...

    async def groups(self, city: str) -> list[tuple[int, str]]:
        """The city's bound groups: (chat id, language)."""
        ...

    async def export_rows(self, city: str) -> list[ExportRow]:
        """Every item of the city's current answers, for the council: no resident identifiers
        (not even an opaque one), ordered by answer date, then rank."""
        ...

    async def unplaced(self, city: str) -> list[UnplacedItem]:
        """Items of the city's current answers still in `other`, with the resident's words."""
        ...

    async def review(
        self,
        city: str,
        wording: str,
        category: str,
        reviewer: int,
        items: Sequence[tuple[int, int]],
    ) -> int:
        """Place the items (answer id, rank) into `category` (counters move; an item whose
        answer changed since, or already names that category, stays), record who did it, and
        learn the wording for the city. Returns how many items moved."""
        ...

    async def learned(self) -> dict[str, dict[str, str]]:
        """city -> normalised wording -> category, as review taught it."""
        ...

    async def create_announcement(
        self,
        city: str,
        content: Mapping[str, Any],
        send_at: datetime,
        actor: str,
        kind: str = "announcement",
        parent_id: int | None = None,
    ) -> int:
        """A scheduled announcement (send_at now = send at once); logged as created by actor."""
        ...

    async def announcement(self, announcement_id: int) -> Announcement | None: ...

    async def announcements(self, city: str | None = None) -> list[Announcement]:
        """Newest first."""
        ...

    async def cancel_announcement(self, announcement_id: int, actor: str) -> bool:
        """Cancel a scheduled one (and its reminder); False when it already started."""
        ...

    async def due_announcements(self, now: datetime) -> list[int]:
        """Scheduled ones whose time has come, and those left 'sending' (to resume)."""
        ...

    async def start_broadcast(
        self, announcement_id: int, actor: str, stale_after: timedelta = timedelta(minutes=5)
    ) -> bool:
        """Begin (freeze the recipients: the city's subscribed residents) or resume: claims
        older than `stale_after` (a crashed process's) are pending again; younger ones belong
        to a live process and are left alone. False when cancelled or done."""
        ...

    async def claim_recipients(self, announcement_id: int, limit: int) -> list[Recipient]:
        """Take up to `limit` pending deliveries; residents unsubscribed since are skipped."""
        ...

    async def finish_delivery(
        self, announcement_id: int, resident_id: int, state: str, error: str | None = None
    ) -> None: ...

    async def broadcast_counts(self, announcement_id: int) -> BroadcastCounts: ...

    async def finish_broadcast(self, announcement_id: int, actor: str) -> bool:
        """Mark it done when nothing is pending; True if it is done now."""
        ...

    async def subscriber_counts(self, city: str) -> dict[str, int]:
        """Subscribed residents of the city per channel (the recipients if sent now)."""
        ...

    async def announcement_log(self, announcement_id: int) -> list[tuple[str, str]]:
        """(action, actor), oldest first."""
        ...

    async def due_nudges(
        self,
        steps: Sequence[str],
        quiet_since: datetime,
        not_before: datetime,
        window_start: datetime,
        limit: int = 200,
    ) -> list[tuple[ResidentRef, str | None]]:
        """Residents due for the one reminder to finish the survey (see SqliteStore)."""
        ...

    async def source_counts(self, city: str) -> dict[str, int]:
        """Residents with a current answer in the city, per link source tag."""
        ...

    async def content_sid(self, key: str) -> str | None: ...

    async def remember_content(self, key: str, sid: str) -> None: ...

    async def tallies(self, city: str, recount: bool = False) -> dict[str, Tally]:
        """Per district ("" = not given) of the city's current answers: respondents and per
        category count and rank-weighted score. From the counters kept with every answer;
        `recount=True` computes the same from the answers themselves (tests, benchmark)."""
        ...
