"""SQLite store: batched one-query loads on a reader thread, group commit on a writer thread."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias, TypeVar

from pydantic import ValidationError

from flows.catalogue import LANGS, OTHER
from flows.ranking import Tally
from flows.session import (
    MAX_PROBLEMS,
    Answer,
    Conversation,
    CreateAnnouncement,
    Effect,
    Forget,
    Item,
    Nudged,
    Profile,
    SaveAnswer,
    Session,
    SetLanguage,
    SetSource,
    SetSubscribed,
)
from storage import migrations
from storage.base import (
    STATUS_ORDER,
    Announcement,
    BroadcastCounts,
    Delivery,
    DuplicateUpdate,
    ExportRow,
    Loaded,
    Recipient,
    ResidentRecord,
    ResidentRef,
    SentSummary,
    UnplacedItem,
    VersionConflict,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BATCH = 256  # requests per thread call; bounds the wait of a batch's first caller
DEDUP_RETENTION = timedelta(days=14)  # Telegram/Twilio retry for hours, not weeks
PRUNE_EVERY = timedelta(hours=1)
SUMMARY_CLAIM_STALE = timedelta(
    minutes=10
)  # a claim this old was left by a crash  # a bot runs for months between restarts
MIN_SQLITE = (3, 37, 0)  # STRICT tables (3.37), RETURNING (3.35), built-in JSON (3.38 or JSON1)


@dataclass(slots=True)
class WriterStats:
    """Group-commit counters, for tests and the benchmark."""

    batches: int = 0
    turns: int = 0
    largest_batch: int = 0


@dataclass(slots=True)
class _Turn:
    """One queued commit, already serialised so the writer thread only runs SQL."""

    channel: str
    external_id: str
    step: str | None
    state: str | None  # None: nothing changed; only the dedup key and the inbound time
    effects: tuple[Effect, ...]
    dedup_key: str | None
    now: str
    inbound: bool = True  # from the resident (opens WhatsApp's 24-hour window), not a system event
    future: asyncio.Future[Any] | None = None


@dataclass(slots=True)
class _Prune:
    """Forget dedup keys older than `before`; rides along with the next write batch."""

    before: str
    future: asyncio.Future[Any] | None = None


@dataclass(slots=True)
class _Exec:
    """A small write outside a turn: `fn(db)` runs in the writer's batch, in a savepoint."""

    fn: Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any] | None = None


@dataclass(slots=True)
class _Query:
    """One read: a single statement and its rows."""

    sql: str
    params: Sequence[Any] | Mapping[str, Any]
    future: asyncio.Future[Any] | None = None


_Request: TypeAlias = _Turn | _Prune | _Exec | _Query
# What a batch function returns per request: the result, or the exception for that caller.
_Outcome: TypeAlias = Any | Exception
_BatchFn: TypeAlias = Callable[[sqlite3.Connection, list[Any]], list[_Outcome]]


class _Worker:
    """A thread that owns one sqlite3 connection and runs queued requests in batches.

    A task drains the queue (everything that arrived while the previous batch ran, up to
    `max_batch`) and hands the whole batch to the thread in one call, so the thread hop that
    dominates small SQLite operations is paid once per batch, not per request.
    """

    def __init__(self, name: str, max_batch: int) -> None:
        self.name = name
        self.max_batch = max_batch
        self.db: sqlite3.Connection | None = None  # touched only on the worker thread
        self.failure: BaseException | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._queue: asyncio.Queue[_Request | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done() and not self._stopping

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the worker thread, outside the batches (open, close, tests)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def start(self, batch: _BatchFn) -> None:
        self._task = asyncio.create_task(self._loop(batch), name=self.name)

    async def submit(self, request: _Request) -> Any:
        """Queue `request` and wait for its outcome (cancelling while queued drops it)."""
        if not self.alive:
            raise RuntimeError(f"{self.name} is not running") from self.failure
        request.future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(request)
        return await request.future

    def enqueue(self, request: _Request) -> None:
        """Queue `request` without waiting for it (no one to tell about its outcome)."""
        if self.alive:
            self._queue.put_nowait(request)

    async def stop(self) -> None:
        """Finish what is queued, then close the connection and the thread. Idempotent."""
        self._stopping = True
        if self._task is not None:
            self._queue.put_nowait(None)
            # wait() neither raises the loop's own failure (its callers already got it) nor
            # cancels the loop if stop() itself is cancelled.
            await asyncio.wait({self._task})
            self._task = None
        if self.db is not None:
            await self.run(self._close_db)
        self._executor.shutdown(wait=True)

    def _close_db(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    async def _loop(self, batch_fn: _BatchFn) -> None:
        queue = self._queue
        pending: list[_Request] = []
        try:
            stop = False
            while not stop:
                request = await queue.get()
                pending = []
                while True:
                    if request is None:  # stop() queues it last: everything before it runs
                        stop = True
                    elif request.future is None or not request.future.cancelled():
                        pending.append(request)
                    if stop or len(pending) >= self.max_batch or queue.empty():
                        break
                    request = queue.get_nowait()
                if not pending:
                    continue
                try:
                    outcomes = await self.run(self._call, batch_fn, pending)
                except Exception as exc:  # the whole batch failed: every caller hears it
                    log.exception("%s: batch of %d failed", self.name, len(pending))
                    outcomes = [exc] * len(pending)
                for request, outcome in zip(pending, outcomes, strict=True):
                    future = request.future
                    if future is None or future.done():
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                pending = []
        except BaseException as exc:
            # Never leave a caller waiting forever: fail the batch in hand and the queue.
            self.failure = exc
            while not queue.empty():
                request = queue.get_nowait()
                if request is not None:
                    pending.append(request)
            for request in pending:
                if request.future is not None and not request.future.done():
                    request.future.set_exception(RuntimeError(f"{self.name} stopped"))
            raise

    def _call(self, batch_fn: _BatchFn, pending: list[_Request]) -> list[_Outcome]:
        if self.db is None:
            raise RuntimeError(f"{self.name}: connection is closed")
        return batch_fn(self.db, pending)


def _iso(moment: datetime) -> str:
    # Fixed-width UTC text sorts like time, so "older than" is a plain string comparison.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime from clock: {moment!r}; return an aware UTC time")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def _items(packed: str) -> list[Item]:
    # json_group_array has no ORDER BY before SQLite 3.44: ranks travel along and we sort here.
    rows = sorted(json.loads(packed), key=lambda row: row[0])
    return [Item(category=category, text=text) for _rank, category, text in rows]


def _validate_effects(effects: Sequence[Effect]) -> tuple[Effect, ...]:
    checked = tuple(effects)
    for index, effect in enumerate(checked):
        if not isinstance(effect, Effect):  # type: ignore[arg-type]
            raise TypeError(f"unknown effect {effect!r}")
        if isinstance(effect, SetLanguage) and effect.lang not in LANGS:
            raise ValueError(f"unknown language {effect.lang!r}")
        if isinstance(effect, Forget) and index != len(checked) - 1:
            raise ValueError("nothing may follow Forget: the resident is not recreated")
        if isinstance(effect, SaveAnswer):
            check_answer(effect.answer)
    return checked


def check_answer(answer: Answer) -> None:
    """What every stored answer satisfies (the flows never produce anything else)."""
    items = answer.items
    if len(items) > MAX_PROBLEMS:
        raise ValueError(f"an answer has at most {MAX_PROBLEMS} items")
    named = [i.category for i in items if i.category != OTHER]
    if len(named) != len(set(named)):
        raise ValueError("an answer names each category once")
    if any(i.category == OTHER and not (i.text or "").strip() for i in items):
        raise ValueError("an answer in the resident's own words needs the words")


# ONE statement per load: a turn's read is one request to the reader (one thread hop, shared
# with every other load in the same batch).
_LOAD = """
SELECT
    (SELECT 1 FROM processed_updates WHERE key = :key) AS duplicate,
    r.lang, r.subscribed, r.state,
    a.version, a.city, a.district,
    (SELECT json_group_array(json_array(i.rank, i.category, i.text))
       FROM answer_items AS i WHERE i.answer_id = a.id) AS items
FROM (SELECT 1) AS one
LEFT JOIN residents AS r ON r.channel = :channel AND r.external_id = :external_id
LEFT JOIN answers AS a ON a.resident_id = r.id AND a.is_current = 1
"""

_RESIDENT = """
SELECT lang, city, district, subscribed, step, created_at, updated_at, last_inbound_at, source,
    nudged_at
FROM residents WHERE channel = ? AND external_id = ?
"""

_HISTORY = """
SELECT a.version, a.city, a.district,
    (SELECT json_group_array(json_array(i.rank, i.category, i.text))
       FROM answer_items AS i WHERE i.answer_id = a.id)
FROM answers AS a JOIN residents AS r ON r.id = a.resident_id
WHERE r.channel = ? AND r.external_id = ?
ORDER BY a.version
"""

_UPSERT = """
INSERT INTO residents (channel, external_id, step, state, created_at, updated_at, last_inbound_at)
VALUES (:channel, :external_id, :step, :state, :now, :now, :inbound_at)
ON CONFLICT (channel, external_id) DO UPDATE SET
    step = excluded.step, state = excluded.state, updated_at = excluded.updated_at,
    last_inbound_at = coalesce(excluded.last_inbound_at, residents.last_inbound_at)
RETURNING id
"""


# The counters of a city in ONE statement (respondents rows have no category), so both come
# from the same snapshot: read apart, a commit in between could make a count exceed its
# respondents. And the same from the answers themselves (tests, benchmark).
_TALLIES = """
SELECT district, NULL, respondents, NULL FROM tally_respondents WHERE city = :city
UNION ALL
SELECT district, category, count, score FROM tally_categories WHERE city = :city
"""

_RECOUNT = """
SELECT coalesce(district, ''), NULL, count(*), NULL FROM answers AS a
WHERE is_current = 1 AND city = :city
    AND EXISTS (SELECT 1 FROM answer_items WHERE answer_id = a.id)
GROUP BY coalesce(district, '')
UNION ALL
SELECT coalesce(a.district, ''), i.category, count(*), sum(6 - i.rank)
FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id
WHERE a.is_current = 1 AND a.city = :city GROUP BY coalesce(a.district, ''), i.category
"""


class SqliteStore:
    """`Store` on one SQLite file in WAL mode.

    Two threads, each owning one plain sqlite3 connection and fed in batches (`_Worker`):
    - the reader runs every queued query (one SELECT per load) in one thread call;
    - the writer runs every queued turn in one BEGIN IMMEDIATE transaction, one SAVEPOINT per
      turn (group commit). WAL lets the reader run beside the writer.
    Under load both pay one thread hop per batch instead of one per statement.

    `busy_timeout_ms` bounds the wait for a lock held by another process; `max_batch` caps the
    requests per thread call.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
        busy_timeout_ms: int = 5000,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.path = os.fspath(path)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._busy_timeout_ms = busy_timeout_ms
        self._max_batch = max_batch
        self.stats = WriterStats()
        self._reader: _Worker | None = None
        self._writer: _Worker | None = None
        self._opened = False
        self._closing = False
        self._next_prune: datetime | None = None

    async def __aenter__(self) -> SqliteStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        if self._opened:
            raise RuntimeError("SqliteStore.open() may be called once")
        self._opened = True
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise RuntimeError(f"SQLite {sqlite3.sqlite_version} is too old; need 3.37+")
        now = self._clock()
        _iso(now)  # fail on a naive clock here rather than in the first commit
        self._writer = _Worker("sqlite-writer", self._max_batch)
        self._reader = _Worker("sqlite-reader", self._max_batch)
        try:
            # Migrations run on the writer before the reader connects, so the reader never
            # sees a half-built schema.
            await self._writer.run(self._open_writer, _iso(now - DEDUP_RETENTION))
            await self._reader.run(self._open_reader)
        except BaseException:
            await self._shutdown()
            raise
        self._next_prune = now + PRUNE_EVERY
        self._writer.start(self._write_batch)
        self._reader.start(_read_batch)

    async def close(self) -> None:
        """Commit everything already queued, then close every connection. Idempotent."""
        if self._closing:
            return
        self._closing = True
        await self._shutdown()

    async def _shutdown(self) -> None:
        # Writer first: its queued turns are what callers wait on to reply.
        try:
            if self._writer is not None:
                await self._writer.stop()
        finally:
            if self._reader is not None:
                await self._reader.stop()

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: the writer issues BEGIN/COMMIT itself; the reader's SELECTs each
        # see the latest commit.
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        return db

    def _open_writer(self, prune_before: str) -> None:
        assert self._writer is not None
        db = self._connect()
        try:
            (mode,) = db.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode.lower() != "wal":
                raise RuntimeError(f"could not switch {self.path} to WAL (got {mode})")
            # NORMAL in WAL: a commit survives a process crash, only an OS crash or power
            # loss may roll back the last transactions; FULL would fsync on every batch.
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")  # Forget relies on ON DELETE CASCADE
            # Overwrite deleted rows in place when that costs no extra I/O (Forget).
            db.execute("PRAGMA secure_delete = FAST")
            applied = migrations.migrate(db)
            if applied:
                log.info("applied schema migrations %s to %s", applied, self.path)
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM processed_updates WHERE processed_at < ?", (prune_before,))
            db.execute("COMMIT")
        except BaseException:
            db.close()
            raise
        self._writer.db = db

    def _open_reader(self) -> None:
        assert self._reader is not None
        db = self._connect()
        db.execute("PRAGMA query_only = ON")  # every write goes through the writer
        self._reader.db = db

    # --- reads -----------------------------------------------------------------------------

    async def _query(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> list[Any]:
        if self._reader is None or self._closing:
            raise RuntimeError("store is not open")
        rows: list[Any] = await self._reader.submit(_Query(sql, params))
        return rows

    async def load(self, who: ResidentRef, dedup_key: str | None = None) -> Loaded:
        rows = await self._query(
            _LOAD, {"key": dedup_key, "channel": who.channel, "external_id": who.external_id}
        )
        duplicate, lang, subscribed, state, version, city, district, items = rows[0]
        answer = None
        if version is not None:
            answer = Answer(version=version, city=city, district=district, items=_items(items))
        session = Session(
            profile=Profile(lang=lang, subscribed=None if subscribed is None else bool(subscribed)),
            answer=answer,
            conv=self._conversation(who, state),
        )
        return Loaded(session, duplicate=duplicate is not None)

    @staticmethod
    def _conversation(who: ResidentRef, state: str | None) -> Conversation:
        if state is None:
            return Conversation()
        try:
            return Conversation.model_validate_json(state)
        except ValidationError:
            # A state this code cannot read must not lock the resident out forever: they
            # restart the survey; profile and confirmed answers are separate and kept.
            # Never the id: on WhatsApp it is the resident's phone number.
            log.warning("unreadable conversation state of a %s resident, starting afresh", who[0])
            return Conversation()

    async def resident(self, who: ResidentRef) -> ResidentRecord | None:
        rows = await self._query(_RESIDENT, (who.channel, who.external_id))
        if not rows:
            return None
        lang, city, district, subscribed, step, created, updated, inbound, source, nudged = rows[0]
        created_at, updated_at = _dt(created), _dt(updated)
        assert created_at is not None and updated_at is not None
        return ResidentRecord(
            ref=ResidentRef(who.channel, who.external_id),
            lang=lang,
            city=city,
            district=district,
            subscribed=None if subscribed is None else bool(subscribed),
            step=step,
            created_at=created_at,
            updated_at=updated_at,
            last_inbound_at=_dt(inbound),
            source=source,
            nudged_at=_dt(nudged),
        )

    async def answer_history(self, who: ResidentRef) -> list[Answer]:
        rows = await self._query(_HISTORY, (who.channel, who.external_id))
        return [
            Answer(version=version, city=city, district=district, items=_items(items))
            for version, city, district, items in rows
        ]

    async def ping(self) -> bool:
        """True when a query answers and the writer is alive (commits would work)."""
        if self._closing or self._writer is None or not self._writer.alive:
            return False
        try:
            return await self._query("SELECT 1", ()) == [(1,)]
        except (sqlite3.Error, RuntimeError):
            return False

    # --- writes ----------------------------------------------------------------------------

    async def commit(
        self,
        who: ResidentRef,
        conv: Conversation | None,
        effects: Sequence[Effect] = (),
        dedup_key: str | None = None,
        inbound: bool = True,
    ) -> None:
        """Queue the turn for the writer and wait until its batch is committed (or failed).

        If the caller is cancelled while the turn is still queued, the turn is dropped; once
        its batch has started it may still commit.
        """
        if self._writer is None or self._closing:
            raise RuntimeError("store is not open")
        now = self._clock()
        checked = _validate_effects(effects)
        if conv is None and checked:
            raise ValueError("effects need the conversation they belong to")
        turn = _Turn(
            channel=who.channel,
            external_id=who.external_id,
            step=None if conv is None else conv.step.value,
            state=None if conv is None else conv.model_dump_json(),
            effects=checked,
            dedup_key=dedup_key,
            now=_iso(now),
            inbound=inbound,
        )
        if self._next_prune is not None and now >= self._next_prune:
            # A bot runs for months between restarts: prune in passing, in the same batch.
            self._next_prune = now + PRUNE_EVERY
            self._writer.enqueue(_Prune(_iso(now - DEDUP_RETENTION)))
        await self._writer.submit(turn)

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._writer is None or self._closing:
            raise RuntimeError("store is not open")
        result: T = await self._writer.submit(_Exec(fn))
        return result

    async def set_subscribed(self, who: ResidentRef, subscribed: bool) -> bool:
        def run(db: sqlite3.Connection) -> bool:
            return bool(
                db.execute(
                    "UPDATE residents SET subscribed = ? WHERE channel = ? AND external_id = ?"
                    " RETURNING id",
                    (int(subscribed), who.channel, who.external_id),
                ).fetchall()
            )

        return await self._write(run)

    async def record_delivery(
        self,
        who: ResidentRef,
        message_id: str | None,
        status: str,
        error_code: int | None = None,
    ) -> None:
        now = _iso(self._clock())

        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO deliveries"
                " (resident_id, message_id, status, error_code, created_at, updated_at)"
                " SELECT id, ?, ?, ?, ?, ? FROM residents WHERE channel = ? AND external_id = ?"
                " ON CONFLICT (message_id) DO NOTHING",
                (message_id, status, error_code, now, now, who.channel, who.external_id),
            )

        await self._write(run)

    async def update_delivery(
        self, message_id: str, status: str, error_code: int | None = None
    ) -> ResidentRef | None:
        now = _iso(self._clock())

        def run(db: sqlite3.Connection) -> ResidentRef | None:
            rows = db.execute(
                "SELECT d.id, d.status, r.channel, r.external_id FROM deliveries AS d"
                " JOIN residents AS r ON r.id = d.resident_id WHERE d.message_id = ?",
                (message_id,),
            ).fetchall()
            if not rows:
                return None
            row_id, old, channel, external_id = rows[0]
            if STATUS_ORDER.get(status, 0) >= STATUS_ORDER.get(old, 0):
                db.execute(
                    "UPDATE deliveries SET status = ?, error_code = coalesce(?, error_code),"
                    " updated_at = ? WHERE id = ?",
                    (status, error_code, now, row_id),
                )
            return ResidentRef(channel, external_id)

        return await self._write(run)

    async def deliveries(self, who: ResidentRef) -> list[Delivery]:
        rows = await self._query(
            "SELECT d.message_id, d.status, d.error_code, d.created_at, d.updated_at"
            " FROM deliveries AS d JOIN residents AS r ON r.id = d.resident_id"
            " WHERE r.channel = ? AND r.external_id = ? ORDER BY d.id",
            (who.channel, who.external_id),
        )
        out = []
        for message_id, status, code, created, updated in rows:
            created_at, updated_at = _dt(created), _dt(updated)
            assert created_at is not None and updated_at is not None
            out.append(Delivery(message_id, status, code, created_at, updated_at))
        return out

    async def claim_summary(self, city: str, chat_id: int, day: str) -> bool:
        now = self._clock()
        stale = _iso(now - SUMMARY_CLAIM_STALE)

        def run(db: sqlite3.Connection) -> bool:
            return bool(
                db.execute(
                    "INSERT INTO summaries (city, chat_id, day, status, claimed_at)"
                    " VALUES (?, ?, ?, 'sending', ?)"
                    " ON CONFLICT (city, chat_id, day)"
                    " DO UPDATE SET claimed_at = excluded.claimed_at"
                    " WHERE summaries.status = 'sending' AND summaries.claimed_at < ?"
                    " RETURNING 1",
                    (city, chat_id, day, _iso(now), stale),
                ).fetchall()
            )

        return await self._write(run)

    async def finish_summary(
        self,
        city: str,
        chat_id: int,
        day: str,
        respondents: int,
        snapshot: Mapping[str, tuple[int, int]],
    ) -> None:
        now = _iso(self._clock())
        packed = json.dumps({cid: list(v) for cid, v in snapshot.items()})

        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE summaries SET status = 'sent', sent_at = ?, respondents = ?, snapshot = ?"
                " WHERE city = ? AND chat_id = ? AND day = ?",
                (now, respondents, packed, city, chat_id, day),
            )

        await self._write(run)

    async def release_summary(self, city: str, chat_id: int, day: str) -> None:
        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "DELETE FROM summaries WHERE city = ? AND chat_id = ? AND day = ?"
                " AND status = 'sending'",
                (city, chat_id, day),
            )

        await self._write(run)

    async def previous_summary(self, city: str, chat_id: int, day: str) -> SentSummary | None:
        rows = await self._query(
            "SELECT day, sent_at, respondents, snapshot FROM summaries WHERE city = ?"
            " AND chat_id = ? AND day < ? AND status = 'sent' ORDER BY day DESC LIMIT 1",
            (city, chat_id, day),
        )
        if not rows:
            return None
        sent_day, sent_at, respondents, snapshot = rows[0]
        moment = _dt(sent_at)
        assert moment is not None
        positions = {cid: (int(p), int(c)) for cid, (p, c) in json.loads(snapshot).items()}
        return SentSummary(sent_day, moment, respondents, positions)

    async def changed_since(self, city: str, since: datetime) -> int:
        rows = await self._query(
            "SELECT count(*) FROM answers WHERE city = ? AND created_at > ?", (city, _iso(since))
        )
        return int(rows[0][0])

    async def record_chat_migration(self, old_chat_id: int, new_chat_id: int) -> None:
        now = _iso(self._clock())

        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO chat_migrations (old_chat_id, new_chat_id, migrated_at)"
                " VALUES (?, ?, ?) ON CONFLICT (old_chat_id) DO UPDATE"
                " SET new_chat_id = excluded.new_chat_id, migrated_at = excluded.migrated_at",
                (old_chat_id, new_chat_id, now),
            )
            # Today's claim, the history and the binding move with the chat.
            db.execute(
                "UPDATE OR IGNORE summaries SET chat_id = ? WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )
            db.execute(
                "UPDATE OR IGNORE work_groups SET chat_id = ? WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )

        await self._write(run)

    async def current_chat_id(self, chat_id: int) -> int:
        seen = {chat_id}
        while True:
            rows = await self._query(
                "SELECT new_chat_id FROM chat_migrations WHERE old_chat_id = ?", (chat_id,)
            )
            if not rows or rows[0][0] in seen:
                return chat_id
            chat_id = rows[0][0]
            seen.add(chat_id)

    async def bind_group(self, chat_id: int, city: str, lang: str) -> None:
        now = _iso(self._clock())

        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO work_groups (chat_id, city, lang, bound_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET city = excluded.city,"
                " bound_at = excluded.bound_at",
                (chat_id, city, lang, now),
            )

        await self._write(run)

    async def unbind_group(self, chat_id: int) -> None:
        def run(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM work_groups WHERE chat_id = ?", (chat_id,))

        await self._write(run)

    async def group(self, chat_id: int) -> tuple[str, str] | None:
        rows = await self._query("SELECT city, lang FROM work_groups WHERE chat_id = ?", (chat_id,))
        return (rows[0][0], rows[0][1]) if rows else None

    async def set_group_language(self, chat_id: int, lang: str) -> None:
        def run(db: sqlite3.Connection) -> None:
            db.execute("UPDATE work_groups SET lang = ? WHERE chat_id = ?", (lang, chat_id))

        await self._write(run)

    async def groups(self, city: str) -> list[tuple[int, str]]:
        rows = await self._query(
            "SELECT chat_id, lang FROM work_groups WHERE city = ? ORDER BY chat_id", (city,)
        )
        return [(int(chat_id), lang) for chat_id, lang in rows]

    async def export_rows(self, city: str) -> list[ExportRow]:
        rows = await self._query(
            "SELECT a.district, i.rank, i.category, i.text, substr(a.created_at, 1, 10)"
            " FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id"
            " WHERE a.is_current = 1 AND a.city = ? ORDER BY a.created_at, a.id, i.rank",
            (city,),
        )
        return [ExportRow(*row) for row in rows]

    async def unplaced(self, city: str) -> list[UnplacedItem]:
        rows = await self._query(
            "SELECT i.answer_id, i.rank, i.text FROM answers AS a"
            " JOIN answer_items AS i ON i.answer_id = a.id"
            " WHERE a.is_current = 1 AND a.city = ? AND i.category = 'other'"
            " AND i.text IS NOT NULL ORDER BY a.id, i.rank",
            (city,),
        )
        return [UnplacedItem(answer_id, rank, text) for answer_id, rank, text in rows]

    async def review(
        self,
        city: str,
        wording: str,
        category: str,
        reviewer: int,
        items: Sequence[tuple[int, int]],
    ) -> int:
        now = _iso(self._clock())

        def run(db: sqlite3.Connection) -> int:
            moved = 0
            if category != "other":
                for answer_id, rank in items:
                    found = db.execute(
                        "SELECT coalesce(a.district, '') FROM answers AS a"
                        " JOIN answer_items AS i ON i.answer_id = a.id"
                        " WHERE a.id = ? AND a.is_current = 1 AND a.city = ? AND i.rank = ?"
                        " AND i.category = 'other' AND NOT EXISTS (SELECT 1 FROM answer_items"
                        "  WHERE answer_id = a.id AND category = ?)",
                        (answer_id, city, rank, category),
                    ).fetchall()
                    if not found:
                        continue
                    (district,) = found[0]
                    db.execute(
                        "UPDATE answer_items SET category = ? WHERE answer_id = ? AND rank = ?",
                        (category, answer_id, rank),
                    )
                    db.execute(
                        "UPDATE tally_categories SET count = count - 1, score = score - ?"
                        " WHERE city = ? AND district = ? AND category = 'other'",
                        (6 - rank, city, district),
                    )
                    db.execute(
                        "INSERT INTO tally_categories (city, district, category, count, score)"
                        " VALUES (?, ?, ?, 1, ?) ON CONFLICT (city, district, category)"
                        " DO UPDATE SET count = count + 1, score = score + excluded.score",
                        (city, district, category, 6 - rank),
                    )
                    moved += 1
            db.execute(
                "INSERT INTO reviews (city, wording, category, reviewer, items, reviewed_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (city, wording, category, reviewer, moved, now),
            )
            db.execute(
                "INSERT INTO learned_wordings (city, wording, category, learned_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (city, wording) DO UPDATE"
                " SET category = excluded.category, learned_at = excluded.learned_at",
                (city, wording, category, now),
            )
            return moved

        return await self._write(run)

    async def learned(self) -> dict[str, dict[str, str]]:
        rows = await self._query("SELECT city, wording, category FROM learned_wordings", ())
        out: dict[str, dict[str, str]] = {}
        for city, wording, category in rows:
            out.setdefault(city, {})[wording] = category
        return out

    # --- announcements ---------------------------------------------------------------------

    async def create_announcement(
        self,
        city: str,
        content: Mapping[str, Any],
        send_at: datetime,
        actor: str,
        kind: str = "announcement",
        parent_id: int | None = None,
    ) -> int:
        now = _iso(self._clock())
        packed = json.dumps(content, ensure_ascii=False)

        def run(db: sqlite3.Connection) -> int:
            ((new_id,),) = db.execute(
                "INSERT INTO announcements (city, kind, parent_id, content, state, send_at,"
                " created_at) VALUES (?, ?, ?, ?, 'scheduled', ?, ?) RETURNING id",
                (city, kind, parent_id, packed, _iso(send_at), now),
            ).fetchall()
            _log(db, new_id, "created", actor, now)
            return int(new_id)

        return await self._write(run)

    async def announcement(self, announcement_id: int) -> Announcement | None:
        rows = await self._query(_ANNOUNCEMENT + " WHERE id = ?", (announcement_id,))
        return _announcement(rows[0]) if rows else None

    async def announcements(self, city: str | None = None) -> list[Announcement]:
        if city is None:
            rows = await self._query(_ANNOUNCEMENT + " ORDER BY id DESC", ())
        else:
            rows = await self._query(_ANNOUNCEMENT + " WHERE city = ? ORDER BY id DESC", (city,))
        return [_announcement(row) for row in rows]

    async def cancel_announcement(self, announcement_id: int, actor: str) -> bool:
        now = _iso(self._clock())

        def run(db: sqlite3.Connection) -> bool:
            parent = db.execute(
                "UPDATE announcements SET state = 'cancelled', finished_at = ?"
                " WHERE id = ? AND state = 'scheduled' RETURNING id",
                (now, announcement_id),
            ).fetchall()
            if not parent:
                return False  # already sending, sent or cancelled: its reminder stays
            children = db.execute(
                "UPDATE announcements SET state = 'cancelled', finished_at = ?"
                " WHERE parent_id = ? AND state = 'scheduled' RETURNING id",
                (now, announcement_id),
            ).fetchall()
            for (cancelled,) in (*parent, *children):
                _log(db, cancelled, "cancelled", actor, now)
            return True

        return await self._write(run)

    async def due_announcements(self, now: datetime) -> list[int]:
        rows = await self._query(
            "SELECT id FROM announcements WHERE (state = 'scheduled' AND send_at <= ?)"
            " OR state = 'sending' ORDER BY send_at, id",
            (_iso(now),),
        )
        return [int(row[0]) for row in rows]

    async def start_broadcast(
        self, announcement_id: int, actor: str, stale_after: timedelta = timedelta(minutes=5)
    ) -> bool:
        now = _iso(self._clock())
        stale = _iso(self._clock() - stale_after)

        def run(db: sqlite3.Connection) -> bool:
            rows = db.execute(
                "SELECT state, city FROM announcements WHERE id = ?", (announcement_id,)
            ).fetchall()
            if not rows or rows[0][0] not in ("scheduled", "sending"):
                return False
            state, city = rows[0]
            if state == "sending":
                # Resuming after a crash: what was in flight goes again (the in-flight bound).
                db.execute(
                    "UPDATE broadcast_deliveries SET state = 'pending', updated_at = ?"
                    " WHERE announcement_id = ? AND state = 'sending' AND updated_at <= ?",
                    (now, announcement_id, stale),
                )
                return True
            db.execute(
                "UPDATE announcements SET state = 'sending', started_at = ? WHERE id = ?",
                (now, announcement_id),
            )
            # The recipients, frozen now: whoever subscribes later gets the next one.
            db.execute(
                "INSERT INTO broadcast_deliveries (announcement_id, resident_id, state,"
                " updated_at) SELECT ?, id, 'pending', ? FROM residents"
                " WHERE city = ? AND subscribed = 1",
                (announcement_id, now, city),
            )
            _log(db, announcement_id, "sending", actor, now)
            return True

        return await self._write(run)

    async def claim_recipients(self, announcement_id: int, limit: int) -> list[Recipient]:
        now = _iso(self._clock())

        def run(db: sqlite3.Connection) -> list[Recipient]:
            rows = db.execute(
                "UPDATE broadcast_deliveries SET state = 'sending', attempts = attempts + 1,"
                " updated_at = ? WHERE announcement_id = ? AND resident_id IN ("
                "  SELECT resident_id FROM broadcast_deliveries"
                "  WHERE announcement_id = ? AND state = 'pending' LIMIT ?)"
                " RETURNING resident_id",
                (now, announcement_id, announcement_id, limit),
            ).fetchall()
            claimed: list[Recipient] = []
            for (resident_id,) in rows:
                found = db.execute(
                    "SELECT channel, external_id, coalesce(lang, 'ru'), subscribed,"
                    " last_inbound_at FROM residents WHERE id = ?",
                    (resident_id,),
                ).fetchall()
                if not found or found[0][3] != 1:
                    # Unsubscribed (or forgotten) since the list was frozen: skip them.
                    db.execute(
                        "UPDATE broadcast_deliveries SET state = 'skipped', error = ?"
                        " WHERE announcement_id = ? AND resident_id = ?",
                        ("unsubscribed", announcement_id, resident_id),
                    )
                    continue
                channel, external_id, lang, _, inbound = found[0]
                claimed.append(
                    Recipient(resident_id, ResidentRef(channel, external_id), lang, _dt(inbound))
                )
            return claimed

        return await self._write(run)

    async def finish_delivery(
        self, announcement_id: int, resident_id: int, state: str, error: str | None = None
    ) -> None:
        now = _iso(self._clock())

        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE broadcast_deliveries SET state = ?, error = ?, updated_at = ?"
                " WHERE announcement_id = ? AND resident_id = ?",
                (state, error, now, announcement_id, resident_id),
            )

        await self._write(run)

    async def broadcast_counts(self, announcement_id: int) -> BroadcastCounts:
        rows = await self._query(
            "SELECT state, count(*) FROM broadcast_deliveries WHERE announcement_id = ?"
            " GROUP BY state",
            (announcement_id,),
        )
        by_state = dict(rows)
        return BroadcastCounts(
            sent=by_state.get("sent", 0),
            failed=by_state.get("failed", 0),
            skipped=by_state.get("skipped", 0),
            pending=by_state.get("pending", 0) + by_state.get("sending", 0),
        )

    async def finish_broadcast(self, announcement_id: int, actor: str) -> bool:
        now = _iso(self._clock())

        def run(db: sqlite3.Connection) -> bool:
            left = db.execute(
                "SELECT 1 FROM broadcast_deliveries WHERE announcement_id = ?"
                " AND state IN ('pending', 'sending') LIMIT 1",
                (announcement_id,),
            ).fetchall()
            if left:
                return False
            done = db.execute(
                "UPDATE announcements SET state = 'done', finished_at = ?"
                " WHERE id = ? AND state = 'sending' RETURNING id",
                (now, announcement_id),
            ).fetchall()
            if done:
                _log(db, announcement_id, "sent", actor, now)
            return True

        return await self._write(run)

    async def subscriber_counts(self, city: str) -> dict[str, int]:
        rows = await self._query(
            "SELECT channel, count(*) FROM residents WHERE city = ? AND subscribed = 1"
            " GROUP BY channel",
            (city,),
        )
        return {channel: int(n) for channel, n in rows}

    async def due_nudges(
        self,
        steps: Sequence[str],
        quiet_since: datetime,
        not_before: datetime,
        window_start: datetime,
        limit: int = 200,
    ) -> list[tuple[ResidentRef, str | None]]:
        """Residents at one of `steps` whose last message is older than `quiet_since` (and not
        older than `not_before`), not reminded since, not unsubscribed; WhatsApp ones only while
        their last message is after `window_start` (the 24-hour window). With the city they
        were answering for, for its time zone."""
        marks = ", ".join("?" for _ in steps)
        rows = await self._query(
            f"SELECT channel, external_id, coalesce(json_extract(state, '$.city'), city)"
            f" FROM residents WHERE step IN ({marks})"
            " AND last_inbound_at < ? AND last_inbound_at >= ?"
            " AND (nudged_at IS NULL OR nudged_at < last_inbound_at)"
            " AND (subscribed IS NULL OR subscribed = 1)"
            " AND (channel != 'wa' OR last_inbound_at > ?)"
            " ORDER BY last_inbound_at LIMIT ?",
            (*steps, _iso(quiet_since), _iso(not_before), _iso(window_start), limit),
        )
        return [(ResidentRef(channel, external), city) for channel, external, city in rows]

    async def source_counts(self, city: str) -> dict[str, int]:
        """Residents with a current (non-empty) answer in the city, per link source tag."""
        rows = await self._query(
            "SELECT r.source, count(*) FROM residents AS r"
            " JOIN answers AS a ON a.resident_id = r.id AND a.is_current = 1"
            " WHERE a.city = ? AND r.source IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM answer_items WHERE answer_id = a.id)"
            " GROUP BY r.source ORDER BY count(*) DESC, r.source",
            (city,),
        )
        return {source: int(n) for source, n in rows}

    async def content_sid(self, key: str) -> str | None:
        """A WhatsApp interactive template created earlier for this shape."""
        rows = await self._query("SELECT sid FROM whatsapp_content WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    async def remember_content(self, key: str, sid: str) -> None:
        now = _iso(self._clock())

        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO whatsapp_content (key, sid, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO NOTHING",
                (key, sid, now),
            )

        await self._write(run)

    async def announcement_log(self, announcement_id: int) -> list[tuple[str, str]]:
        rows = await self._query(
            "SELECT action, actor FROM announcement_log WHERE announcement_id = ? ORDER BY id",
            (announcement_id,),
        )
        return [(action, actor) for action, actor in rows]

    async def tallies(self, city: str, recount: bool = False) -> dict[str, Tally]:
        rows = await self._query(_RECOUNT if recount else _TALLIES, {"city": city})
        people = [(district, n) for district, category, n, _ in rows if category is None]
        counts: dict[str, dict[str, int]] = {}
        scores: dict[str, dict[str, int]] = {}
        for district, category, count, score in rows:
            if category is not None and count:
                counts.setdefault(district, {})[category] = count
                scores.setdefault(district, {})[category] = score
        return {
            district: Tally(n, counts.get(district, {}), scores.get(district, {}))
            for district, n in people
            if n
        }

    def _write_batch(
        self, db: sqlite3.Connection, batch: list[_Turn | _Prune | _Exec]
    ) -> list[_Outcome]:
        """On the writer thread: one transaction, one savepoint per turn, in queue order."""
        outcomes: list[_Outcome] = []
        db.execute("BEGIN IMMEDIATE")
        try:
            for request in batch:
                if isinstance(request, _Prune):
                    db.execute(
                        "DELETE FROM processed_updates WHERE processed_at < ?", (request.before,)
                    )
                    outcomes.append(None)
                    continue
                db.execute("SAVEPOINT turn")
                try:
                    result = request.fn(db) if isinstance(request, _Exec) else _apply(db, request)
                except Exception as exc:
                    # Undo this turn only; if even that fails (SQLite may have rolled back the
                    # whole transaction on I/O errors) the batch fails below, nothing half-done.
                    try:
                        db.execute("ROLLBACK TO turn")
                        db.execute("RELEASE turn")
                    except sqlite3.Error:
                        raise exc from None
                    outcomes.append(exc)
                else:
                    db.execute("RELEASE turn")
                    outcomes.append(result)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        turns = sum(isinstance(request, _Turn) for request in batch)
        self.stats.batches += 1
        self.stats.turns += turns
        self.stats.largest_batch = max(self.stats.largest_batch, turns)
        return outcomes


def _read_batch(db: sqlite3.Connection, batch: list[_Query]) -> list[_Outcome]:
    """On the reader thread: each query on its own (autocommit: it sees the latest commit)."""
    outcomes: list[_Outcome] = []
    for query in batch:
        try:
            outcomes.append(db.execute(query.sql, query.params).fetchall())
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


def _apply(db: sqlite3.Connection, turn: _Turn) -> None:
    """One turn's statements; raising here rolls back to the turn's savepoint."""
    if turn.dedup_key is not None:
        try:
            db.execute(
                "INSERT INTO processed_updates (key, processed_at) VALUES (?, ?)",
                (turn.dedup_key, turn.now),
            )
        except sqlite3.IntegrityError:
            raise DuplicateUpdate(f"update {turn.dedup_key!r} was already committed") from None
    if turn.state is None:
        # Nothing changed (a double tap, a tap from someone who deleted their data): never
        # create a resident for it; an existing one has written to us, though.
        if turn.inbound:
            db.execute(
                "UPDATE residents SET last_inbound_at = ? WHERE channel = ? AND external_id = ?",
                (turn.now, turn.channel, turn.external_id),
            )
        return
    # fetchall everywhere: a RETURNING statement left unfinished would hold the cursor open.
    ((resident_id,),) = db.execute(
        _UPSERT,
        {
            "channel": turn.channel,
            "external_id": turn.external_id,
            "step": turn.step,
            "state": turn.state,
            "now": turn.now,
            "inbound_at": turn.now if turn.inbound else None,
        },
    ).fetchall()
    for effect in turn.effects:
        if isinstance(effect, SetSource):
            db.execute(
                "UPDATE residents SET source = coalesce(source, ?) WHERE id = ?",
                (effect.source, resident_id),
            )
        elif isinstance(effect, Nudged):
            db.execute("UPDATE residents SET nudged_at = ? WHERE id = ?", (turn.now, resident_id))
        elif isinstance(effect, SetLanguage):
            db.execute("UPDATE residents SET lang = ? WHERE id = ?", (effect.lang, resident_id))
        elif isinstance(effect, SetSubscribed):
            db.execute(
                "UPDATE residents SET subscribed = ? WHERE id = ?",
                (int(effect.subscribed), resident_id),
            )
        elif isinstance(effect, SaveAnswer):
            _save_answer(db, resident_id, effect.answer, turn.now)
        elif isinstance(effect, CreateAnnouncement):
            actor = f"{turn.channel}:{turn.external_id}"
            _create_announcement(db, effect, actor, turn.now)
        elif isinstance(effect, Forget):
            # ON DELETE CASCADE takes answers and items; tables added later must cascade
            # too (tests/test_storage_sqlite.py checks every table with a resident_id).
            _count_current(db, resident_id, -1)
            db.execute("DELETE FROM residents WHERE id = ?", (resident_id,))
            return  # validated to be the last effect; the conversation dies with the row


_ANNOUNCEMENT = (
    "SELECT id, city, kind, parent_id, content, state, send_at, created_at FROM announcements"
)


def _announcement(row: Sequence[Any]) -> Announcement:
    ident, city, kind, parent, content, state, send_at, created = row
    send, made = _dt(send_at), _dt(created)
    assert send is not None and made is not None
    return Announcement(ident, city, kind, parent, json.loads(content), state, send, made)


def _log(db: sqlite3.Connection, announcement_id: int, action: str, actor: str, now: str) -> None:
    db.execute(
        "INSERT INTO announcement_log (announcement_id, action, actor, at) VALUES (?, ?, ?, ?)",
        (announcement_id, action, actor, now),
    )


def _create_announcement(
    db: sqlite3.Connection, effect: CreateAnnouncement, actor: str, now: str
) -> None:
    """In the admin's own turn: the announcement exists exactly when the chat confirms it."""
    packed = json.dumps(effect.content, ensure_ascii=False)
    ((parent,),) = db.execute(
        "INSERT INTO announcements (city, kind, content, state, send_at, created_at)"
        " VALUES (?, 'announcement', ?, 'scheduled', ?, ?) RETURNING id",
        (effect.city, packed, _iso(effect.send_at), now),
    ).fetchall()
    _log(db, parent, "created", actor, now)
    if effect.reminder_at is not None:
        ((reminder,),) = db.execute(
            "INSERT INTO announcements (city, kind, parent_id, content, state, send_at,"
            " created_at) VALUES (?, 'reminder', ?, ?, 'scheduled', ?, ?) RETURNING id",
            (effect.city, parent, packed, _iso(effect.reminder_at), now),
        ).fetchall()
        _log(db, reminder, "created", actor, now)


def _count_current(db: sqlite3.Connection, resident_id: int, sign: int) -> None:
    """Add (+1) or remove (-1) the resident's current answer in the ranking counters."""
    rows = db.execute(
        "SELECT id, city, coalesce(district, '') FROM answers AS a"
        " WHERE resident_id = ? AND is_current = 1"
        " AND EXISTS (SELECT 1 FROM answer_items WHERE answer_id = a.id)",
        (resident_id,),
    ).fetchall()
    if not rows:
        return  # no current answer, or an emptied list: it counts for nothing
    answer_id, city, district = rows[0]
    if sign < 0:
        # Plain UPDATEs: an upsert's candidate row (-1) would already fail the CHECK >= 0.
        db.execute(
            "UPDATE tally_respondents SET respondents = respondents - 1"
            " WHERE city = ? AND district = ?",
            (city, district),
        )
        # Per category, summed: several "other" items of one answer are several counts, and an
        # UPDATE ... FROM with one row per item would subtract only one of them.
        db.execute(
            "UPDATE tally_categories SET count = count - s.n, score = score - s.weight"
            " FROM (SELECT category, count(*) AS n, sum(6 - rank) AS weight FROM answer_items"
            " WHERE answer_id = ? GROUP BY category) AS s WHERE tally_categories.city = ?"
            " AND tally_categories.district = ? AND tally_categories.category = s.category",
            (answer_id, city, district),
        )
        return
    db.execute(
        "INSERT INTO tally_respondents (city, district, respondents) VALUES (?, ?, 1)"
        " ON CONFLICT (city, district) DO UPDATE SET respondents = respondents + 1",
        (city, district),
    )
    db.execute(
        "INSERT INTO tally_categories (city, district, category, count, score)"
        " SELECT ?, ?, category, 1, 6 - rank FROM answer_items WHERE answer_id = ?"
        " ON CONFLICT (city, district, category) DO UPDATE SET"
        " count = count + 1, score = score + excluded.score",
        (city, district, answer_id),
    )


def _save_answer(db: sqlite3.Connection, resident_id: int, answer: Answer, now: str) -> None:
    _count_current(db, resident_id, -1)
    previous = db.execute(
        "UPDATE answers SET is_current = 0 WHERE resident_id = ? AND is_current = 1"
        " RETURNING version",
        (resident_id,),
    ).fetchall()
    expected = previous[0][0] + 1 if previous else 1
    if answer.version != expected:
        raise VersionConflict(f"answer version {answer.version} does not follow {expected - 1}")
    ((answer_id,),) = db.execute(
        "INSERT INTO answers (resident_id, version, is_current, city, district, created_at)"
        " VALUES (?, ?, 1, ?, ?, ?) RETURNING id",
        (resident_id, answer.version, answer.city, answer.district, now),
    ).fetchall()
    db.executemany(
        "INSERT INTO answer_items (answer_id, rank, category, text) VALUES (?, ?, ?, ?)",
        [(answer_id, rank, item.category, item.text) for rank, item in enumerate(answer.items, 1)],
    )
    db.execute(
        "UPDATE residents SET city = ?, district = ? WHERE id = ?",
        (answer.city, answer.district, resident_id),
    )
    _count_current(db, resident_id, +1)
