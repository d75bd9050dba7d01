"""The store's interface, one small protocol per area (SQLite now, PostgreSQL next)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from flows.effects import GroupEffect, OperatorEffect
from flows.facts import ExportRow, UnplacedItem  # what decisions read: defined with them
from flows.ranking import Tally
from flows.rounds import RoundEffect
from flows.session import Answer, Conversation, Effect
from flows.signals import SignalRow
from storage.records import (  # what the store hands back (callers import them from here)
    Announcement,
    BroadcastCounts,
    CityStats,
    Delivery,
    ExportItem,
    HourCount,
    Loaded,
    LoadedGroup,
    Recipient,
    ResidentRecord,
    ResidentRef,
    SentSummary,
)
from storage.records import GroupBinding as GroupBinding  # moved there: still importable here
from storage.rounds import Rounds  # the area's protocol lives with its shared code


class StoreError(Exception):
    """An error a store raises on purpose; the turn it belongs to was not stored."""


class VersionConflict(StoreError):
    """A SaveAnswer whose version is not the stored current version + 1."""


class DuplicateUpdate(StoreError):
    """`commit` got a dedup key that is already committed: the turn is a redelivery."""


class StaleState(StoreError):
    """`commit` with an `expected` version that is no longer the stored one: another process
    (or a second instance) committed a turn of the same actor since the load. Nothing of this
    turn is stored; the caller loads again and re-runs the decision."""


class StoreUnavailable(StoreError):
    """The database cannot store anything now (its file was deleted, replaced or made
    read-only): nothing of the turn is stored, and nothing may be confirmed."""


# `commit(expected=ANY)`: no version check (tests, tools that own the database alone).
ANY = "any"


class Residents(Protocol):
    """Residents and their turns. The contract callers rely on:

    - `load` builds the Session from stored rows (a new resident gets a fresh Session) and
      reports whether `dedup_key` was already committed, with the conversation's version.
    - `commit` stores the new conversation state, applies the effects, records `dedup_key`
      and the time of the inbound message, all in ONE transaction, and returns only once it
      is durable. Only then may the caller reply to the resident.
    - With `expected` (the version `load` returned; None = "no resident yet") the commit holds
      only if nobody committed a turn of this resident since: else `StaleState`, nothing
      stored (two processes, one resident: the second re-runs its turn on the new state).
    - Callers serialise turns per resident within a process; implementations may batch turns
      of different residents into one transaction (group commit).
    - A rejected turn stores nothing and its `commit` raises: `StaleState`, `VersionConflict`
      (SaveAnswer version is not current + 1), `DuplicateUpdate` (dedup key already
      committed), `StoreUnavailable`, `ValueError` (an effect after `Forget`, an answer that
      breaks the rules of `check_answer`). Other residents' turns are unaffected.
    - `Forget` deletes every row about the resident, and what review learned from their words
      alone. SQLite overwrites the deleted text in the file (secure_delete, WAL checkpoint);
      PostgreSQL hides it from every query at once and leaves the old row versions to VACUUM
      (README: Choosing a database). The turn's conversation is not written and the resident
      is not recreated (its dedup key is still recorded).
    """

    async def load(self, who: ResidentRef, dedup_key: str | None = None) -> Loaded: ...

    async def commit(
        self,
        who: ResidentRef,
        conv: Conversation | None,
        effects: Sequence[Effect] = (),
        dedup_key: str | None = None,
        inbound: bool = True,
        expected: int | str | None = ANY,
    ) -> None:
        """`conv` None: nothing changed (no resident is created; an existing one's inbound time
        moves). `inbound` False: a system event (a reminder), not a message from the resident."""
        ...

    async def resident(self, who: ResidentRef) -> ResidentRecord | None: ...

    async def answer_history(self, who: ResidentRef) -> list[Answer]:
        """Every confirmed version, oldest first (the last is current)."""
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


class WorkingGroups(Protocol):
    """Working-group chats: their binding, their commands' effects, their daily summaries."""

    async def load_group(self, chat_id: int, dedup_key: str | None = None) -> LoadedGroup: ...

    async def commit_group(
        self, chat_id: int, effects: Sequence[GroupEffect], dedup_key: str | None = None
    ) -> None:
        """The effects of one group command or tap and its dedup key, in ONE transaction
        (`DuplicateUpdate` when the key was committed: a redelivered update)."""
        ...

    async def groups(self, city: str) -> list[tuple[int, str]]:
        """The city's bound groups: (chat id, language)."""
        ...

    async def current_chat_id(self, chat_id: int) -> int:
        """The chat's id now, following group -> supergroup migrations."""
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


class Announcements(Protocol):
    """Public-hearing announcements and their deliveries (claimed as leases)."""

    async def commit_operator(
        self,
        actor: str,
        effects: Sequence[OperatorEffect | RoundEffect],
        dedup_key: str | None = None,
    ) -> list[int | bool]:
        """An operator's (the CLI's) effects in ONE transaction, logged as `actor`; per effect:
        the id of the announcement created, or whether a cancel took effect."""
        ...

    async def announcement(self, announcement_id: int) -> Announcement | None: ...

    async def announcements(self, city: str | None = None) -> list[Announcement]:
        """Newest first."""
        ...

    async def announcement_log(self, announcement_id: int) -> list[tuple[str, str]]:
        """(action, actor), oldest first."""
        ...

    async def due_announcements(self, now: datetime) -> list[int]:
        """Scheduled ones whose time has come, and those 'sending' (to share or resume)."""
        ...

    async def start_broadcast(self, announcement_id: int, actor: str) -> bool:
        """Begin (freeze the recipients: the city's subscribed residents) or join one already
        sending. False when cancelled or done."""
        ...

    async def claim_recipients(
        self, announcement_id: int, limit: int, owner: str, lease: timedelta
    ) -> list[Recipient]:
        """Take up to `limit` pending deliveries for `lease` (claims of a dead process whose
        lease ran out are pending again); residents unsubscribed since are skipped."""
        ...

    async def renew_claims(self, announcement_id: int, owner: str, lease: timedelta) -> int:
        """Extend every claim `owner` holds on the announcement; returns how many."""
        ...

    async def finish_deliveries(
        self, announcement_id: int, outcomes: Sequence[tuple[int, str, str | None]]
    ) -> None:
        """(resident id, state, error) of deliveries done, in one write."""
        ...

    async def broadcast_counts(self, announcement_id: int) -> BroadcastCounts: ...

    async def finish_broadcast(self, announcement_id: int, actor: str) -> bool:
        """Mark it done when nothing is pending; True if it is done now."""
        ...

    async def subscriber_counts(self, city: str) -> dict[str, int]:
        """Subscribed residents of the city per channel (the recipients if sent now)."""
        ...


class Deliveries(Protocol):
    """WhatsApp's outbound messages as Twilio reports them, and its interactive templates."""

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

    async def content_sid(self, key: str) -> str | None: ...

    async def remember_content(self, key: str, sid: str) -> None: ...


class Reviews(Protocol):
    """Residents' own words waiting for a category, and what review taught the matchers."""

    async def unplaced(self, city: str, round_id: int | None = None) -> list[UnplacedItem]:
        """Items of the city's current answers still in `other`, with the resident's words:
        of every round (what waits for review), or of one round (0: before rounds)."""
        ...

    async def learned(self) -> dict[str, dict[str, str]]:
        """city -> normalised wording -> category, as review taught it."""
        ...

    async def city_categories(self) -> dict[str, list[tuple[str, str, str]]]:
        """city -> its categories accepted from themes (`citybot themes --accept`): (id, ru,
        ky) in the order they were accepted."""
        ...

    async def learned_version(self) -> int:
        """Moves whenever `learned()` or `city_categories()` would answer differently."""
        ...


class Reports(Protocol):
    """Aggregates for rankings, summaries and exports: never a resident identifier. Each reads
    one survey round: `round_id` (0: before rounds), by default the city's current one."""

    async def tallies(
        self, city: str, recount: bool = False, round_id: int | None = None
    ) -> dict[str, Tally]:
        """Per district ("" = not given) of the city's current answers: respondents and per
        category count and rank-weighted score. From the counters kept with every answer;
        `recount=True` computes the same from the answers themselves (tests, benchmark)."""
        ...

    async def export_rows(self, city: str, round_id: int | None = None) -> list[ExportRow]:
        """Every item of the city's current answers, for the council: no resident identifiers
        (not even an opaque one), ordered by answer date, then rank."""
        ...

    async def source_counts(
        self, city: str, recount: bool = False, round_id: int | None = None
    ) -> dict[str, int]:
        """Residents with a current answer in the city, per link source tag."""
        ...

    async def changed_since(self, city: str, since: datetime, round_id: int | None = None) -> int:
        """Answers given or changed in the city after `since`."""
        ...

    async def city_stats(
        self, city: str, since_day: datetime, since_week: datetime, errors_since: datetime,
        round_id: int | None = None,
    ) -> CityStats:  # fmt: skip
        """`citybot stats`, read in one statement (one snapshot): answers since the start of
        the city's day and week and in all, residents mid-survey, subscribers (per channel),
        and outbound messages with an error code updated since `errors_since` (per code)."""
        ...


class Exports(Protocol):
    """The council's export read as a stream: a million answers never sit in one list."""

    def export_stream(
        self, city: str, round_id: int | None = None
    ) -> AsyncIterator[list[ExportItem]]:
        """Every item of the city's current answers in one survey round (`round_id`, by
        default the city's current one, as Reports read), in batches, ordered by answer time,
        then answer, then rank; no resident identifiers. One snapshot for the whole stream.
        Close it (`aclose`) when stopping early."""
        ...

    async def answer_hours(self, city: str, round_id: int | None = None) -> list[HourCount]:
        """The export's items counted per UTC hour of their answer and category (the desk's
        trend): as many rows as hours × categories, not answers."""
        ...


class Signals(Protocol):
    """Rows for the vote-farming signals (flows/signals.py): ids become flags, never leave."""

    async def signal_rows(
        self, city: str, since: datetime | None = None, round_id: int | None = None
    ) -> list[SignalRow]:
        """The city's current answers of one round (by default the one reports show) that name
        something (answered since `since`)."""
        ...


class DeskSessions(Protocol):
    """The desk's sign-outs: a session issued before its user's last sign-out is over, on
    every instance sharing the store."""

    async def sign_out(self, user_id: int, at: datetime) -> None:
        """Record that the Telegram user `user_id` signed out at `at` (the latest wins)."""
        ...

    async def signed_out_at(self, user_id: int) -> datetime | None:
        """When the user last signed out of the desk (aware), or None."""
        ...


class Leadership(Protocol):
    """Which process runs the scheduled work (daily summaries, reminders, announcements)."""

    async def lead(self) -> bool:
        """Keep or try to take the leadership; True while this process holds it. Called every
        few seconds: a dead leader's successor is whoever asks next."""
        ...

    async def resign(self) -> None:
        """Give it up (stopping), so another instance takes over at once."""
        ...


class Health(Protocol):
    async def open(self) -> None: ...

    async def __aenter__(self) -> Store: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> bool:
        """A query answers (the store is open and readable)."""
        ...

    async def writable(self) -> bool:
        """An answer could be stored now: the database file is the one opened, still there
        and writable, and a write transaction commits."""
        ...


class Store(
    Residents,
    WorkingGroups,
    Announcements,
    Deliveries,
    Reviews,
    Reports,
    Rounds,
    Exports,
    Signals,
    DeskSessions,
    Leadership,
    Health,
    Protocol,
):
    """Every area: what an engine implements. Consumers name the areas they use."""
