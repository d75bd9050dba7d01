"""Residents' turns: load, version-checked commit, the effects of a turn, history, reminders."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from flows.catalogue import LANGS
from flows.session import (
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
from storage.base import ANY, Loaded, ResidentRecord, ResidentRef, StaleState
from storage.rounds import answered_round, current_rounds, round_view, split_answers
from storage.sqlite import announcements, answers, review
from storage.sqlite.answers import check_answer
from storage.sqlite.engine import SqliteEngine
from storage.sqlite.sql import (
    ITEMS_JSON,
    LEARNED_VERSION,
    ROUNDS_JSON,
    iso,
    moment,
    record_key,
)

log = logging.getLogger(__name__)

# ONE statement per load: a turn's read is one request to the reader (one thread hop, shared
# with every other load in the same batch).
_LOAD = f"""
SELECT
    (SELECT 1 FROM processed_updates WHERE key = :key) AS duplicate,
    {LEARNED_VERSION} AS learned,
    r.version, r.lang, r.subscribed, r.state, r.city,
    (SELECT json_group_array(json_array(a.version, a.city, a.district, a.round_id,
        json({ITEMS_JSON}))) FROM answers AS a WHERE a.resident_id = r.id AND a.is_current = 1)
        AS answers,
    (SELECT max(version) FROM answers WHERE resident_id = r.id) AS last_version,
    {ROUNDS_JSON} AS rounds
FROM (SELECT 1) AS one
LEFT JOIN residents AS r ON r.channel = :channel AND r.external_id = :external_id
"""

_RESIDENT = """
SELECT lang, city, district, subscribed, step, created_at, updated_at, last_inbound_at, source,
    nudged_at
FROM residents WHERE channel = ? AND external_id = ?
"""

_HISTORY = f"""
SELECT a.version, a.city, a.district, {ITEMS_JSON}, a.round_id
FROM answers AS a JOIN residents AS r ON r.id = a.resident_id
WHERE r.channel = ? AND r.external_id = ?
ORDER BY a.version
"""

# Every write of the conversation moves its version (commit(expected=...) compares it).
_UPSERT = """
INSERT INTO residents (channel, external_id, step, state, created_at, updated_at, last_inbound_at)
VALUES (:channel, :external_id, :step, :state, :now, :now, :inbound_at)
ON CONFLICT (channel, external_id) DO UPDATE SET
    step = excluded.step, state = excluded.state, updated_at = excluded.updated_at,
    last_inbound_at = coalesce(excluded.last_inbound_at, residents.last_inbound_at),
    version = residents.version + 1
RETURNING id
"""


def validate_effects(effects: Sequence[Effect]) -> tuple[Effect, ...]:
    """Refuse what no flow produces before it reaches the writer."""
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


def _items(packed: str) -> list[Item]:
    # json_group_array has no ORDER BY before SQLite 3.44: ranks travel along and we sort here.
    rows = sorted(json.loads(packed), key=lambda row: row[0])
    return [Item(category=category, text=text) for _rank, category, text in rows]


@dataclass(slots=True)
class Turn:
    """One queued commit, already serialised so the writer thread only runs SQL."""

    channel: str
    external_id: str
    step: str | None
    state: str | None  # None: nothing changed; only the dedup key and the inbound time
    effects: tuple[Effect, ...]
    dedup_key: str | None
    now: str
    inbound: bool = True  # from the resident (opens WhatsApp's 24-hour window), not a system event
    expected: int | str | None = ANY

    def __call__(self, db: sqlite3.Connection) -> None:
        """The turn's statements, in the writer's savepoint: raising undoes all of them."""
        record_key(db, self.dedup_key, self.now)
        if self.expected != ANY:
            self._check_version(db)
        if self.state is None:
            # Nothing changed (a double tap, a tap from someone who deleted their data): never
            # create a resident for it; an existing one has written to us, though.
            if self.inbound:
                db.execute(
                    "UPDATE residents SET last_inbound_at = ?"
                    " WHERE channel = ? AND external_id = ?",
                    (self.now, self.channel, self.external_id),
                )
            return
        # fetchall everywhere: a RETURNING statement left unfinished would hold the cursor open.
        ((resident_id,),) = db.execute(
            _UPSERT,
            {
                "channel": self.channel,
                "external_id": self.external_id,
                "step": self.step,
                "state": self.state,
                "now": self.now,
                "inbound_at": self.now if self.inbound else None,
            },
        ).fetchall()
        for effect in self.effects:
            if isinstance(effect, Forget):
                _forget(db, resident_id, f"{self.channel}:{self.external_id}", self.now)
                return  # validated to be the last effect; the conversation dies with the row
            if isinstance(effect, CreateAnnouncement):
                announcements.create(db, effect, f"{self.channel}:{self.external_id}", self.now)
            else:
                apply_effect(db, resident_id, effect, self.now)

    def _check_version(self, db: sqlite3.Connection) -> None:
        rows = db.execute(
            "SELECT version FROM residents WHERE channel = ? AND external_id = ?",
            (self.channel, self.external_id),
        ).fetchall()
        stored = rows[0][0] if rows else None
        if stored != self.expected:
            # No id in the message: it may be logged, and on WhatsApp the id is a phone number.
            raise StaleState(f"conversation version {stored}, the turn expected {self.expected}")


def apply_effect(db: sqlite3.Connection, resident_id: int, effect: Effect, now: str) -> None:
    """One effect on an existing resident (Forget and CreateAnnouncement: see Turn)."""
    if isinstance(effect, SetSource):
        # Out of the counters and back in: a first source on someone who has answered
        # already moves them into its count (a source, once set, is kept).
        answers.count_current(db, resident_id, -1)
        db.execute(
            "UPDATE residents SET source = coalesce(source, ?) WHERE id = ?",
            (effect.source, resident_id),
        )
        answers.count_current(db, resident_id, +1)
    elif isinstance(effect, Nudged):
        db.execute("UPDATE residents SET nudged_at = ? WHERE id = ?", (now, resident_id))
    elif isinstance(effect, SetLanguage):
        db.execute("UPDATE residents SET lang = ? WHERE id = ?", (effect.lang, resident_id))
    elif isinstance(effect, SetSubscribed):
        db.execute(
            "UPDATE residents SET subscribed = ? WHERE id = ?",
            (int(effect.subscribed), resident_id),
        )
    elif isinstance(effect, SaveAnswer):
        answers.save_answer(db, resident_id, effect.answer, now)
    else:
        raise TypeError(f"not an effect on a resident: {type(effect).__name__}")


def _forget(db: sqlite3.Connection, resident_id: int, actor: str, now: str) -> None:
    """Every row about the resident, and what review learned from their words alone."""
    answers.count_current(db, resident_id, -1)
    words = review.sources_of(db, resident_id)
    # ON DELETE CASCADE takes answers, items and their learned sources; tables added later
    # must cascade too (tests/test_storage_sqlite.py checks every table with a resident_id).
    db.execute("DELETE FROM residents WHERE id = ?", (resident_id,))
    review.drop_unsupported(db, words)
    # An admin's id in the announcements' audit: the action stays, who it was does not.
    db.execute("UPDATE announcement_log SET actor = 'forgotten' WHERE actor = ?", (actor,))
    # The same Telegram id as a desk user who signed out lately: every desk session ends now
    # (deleting the row would bring a signed-out copy back); the row goes a day later.
    channel, _, external = actor.partition(":")
    if channel == "tg" and external.isdigit() and len(external) < 19:
        db.execute("UPDATE desk_signouts SET at = ? WHERE user_id = ?", (now, int(external)))


class SqliteResidents(SqliteEngine):
    """Residents' side of the store (storage.base.Residents)."""

    async def load(self, who: ResidentRef, dedup_key: str | None = None) -> Loaded:
        rows = await self._query(
            _LOAD, {"key": dedup_key, "channel": who.channel, "external_id": who.external_id}
        )
        duplicate, learned, stored, lang, subscribed, state, city, packed, last, rounds = rows[0]
        conv = self._conversation(who, state)
        every = [round_view(row) for row in json.loads(rounds)]
        here = answered_round(every, conv.city or city, iso(self._clock()))
        answer, previous = split_answers(here, packed or "[]")
        session = Session(
            profile=Profile(lang=lang, subscribed=None if subscribed is None else bool(subscribed)),
            answer=answer,
            conv=conv,
            rounds=current_rounds(every),
            previous=previous,
            last_version=int(last or 0),
        )
        return Loaded(
            session, duplicate=duplicate is not None, version=stored, learned=int(learned or 0)
        )

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

    async def commit(
        self,
        who: ResidentRef,
        conv: Conversation | None,
        effects: Sequence[Effect] = (),
        dedup_key: str | None = None,
        inbound: bool = True,
        expected: int | str | None = ANY,
    ) -> None:
        """Queue the turn for the writer and wait until its batch is committed (or failed).

        If the caller is cancelled while the turn is still queued, the turn is dropped; once
        its batch has started it may still commit.
        """
        if isinstance(expected, str) and expected != ANY:
            raise TypeError(f"expected is a version, None or ANY, not {expected!r}")
        now = self._clock()
        checked = validate_effects(effects)
        if conv is None and checked:
            raise ValueError("effects need the conversation they belong to")
        turn = Turn(
            channel=who.channel,
            external_id=who.external_id,
            step=None if conv is None else conv.step.value,
            state=None if conv is None else conv.model_dump_json(),
            effects=checked,
            dedup_key=dedup_key,
            now=iso(now),
            inbound=inbound,
            expected=expected,
        )
        self._prune_if_due(now)
        forget = any(isinstance(effect, Forget) for effect in checked)
        await self._write(turn, turn=True, forget=forget)

    async def resident(self, who: ResidentRef) -> ResidentRecord | None:
        rows = await self._query(_RESIDENT, (who.channel, who.external_id))
        if not rows:
            return None
        lang, city, district, subscribed, step, created, updated, inbound, source, nudged = rows[0]
        created_at, updated_at = moment(created), moment(updated)
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
            last_inbound_at=moment(inbound),
            source=source,
            nudged_at=moment(nudged),
        )

    async def answer_history(self, who: ResidentRef) -> list[Answer]:
        rows = await self._query(_HISTORY, (who.channel, who.external_id))
        return [
            Answer(
                version=version, city=city, district=district, items=_items(items), round=round_id
            )
            for version, city, district, items, round_id in rows
        ]

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
            (*steps, iso(quiet_since), iso(not_before), iso(window_start), limit),
        )
        return [(ResidentRef(channel, external), city) for channel, external, city in rows]
