"""Answers: every version kept, one current per round, and the ranking counters moved with it."""

from __future__ import annotations

import sqlite3

from flows.rounds import NO_ROUND
from flows.session import MAX_PROBLEMS, Answer
from storage.base import StaleState, VersionConflict
from storage.sqlite.sql import HAS_ITEMS, OTHER, weight


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
    if answer.round < 0:
        raise ValueError("a round id is 0 (before rounds) or a round's id")


def check_round(db: sqlite3.Connection, city: str, round_id: int) -> None:
    """An answer is taken in the city's open round, or in round 0 when the city never had a
    round. Anything else means a round was opened or closed since the turn was loaded: the
    turn runs again on what is stored now (StaleState), rather than count in a wrong round."""
    rounds = db.execute(
        "SELECT id FROM rounds WHERE city = ? AND (state = 'open' OR ? = 0) LIMIT 1",
        (city, round_id),
    ).fetchall()
    found = rounds[0][0] if rounds else None
    ok = found is None if round_id == NO_ROUND else found == round_id
    if not ok:
        raise StaleState(f"the survey round of the city changed (the turn said {round_id})")


def count_current(
    db: sqlite3.Connection, resident_id: int, sign: int, round_id: int | None = None
) -> None:
    """Add (+1) or remove (-1) the resident's current answers in the ranking counters: the one
    of `round_id`, or (None) of every round they answered in."""
    rows = db.execute(
        "SELECT a.id, a.round_id, a.city, coalesce(a.district, ''), r.source FROM answers AS a"
        " JOIN residents AS r ON r.id = a.resident_id"
        f" WHERE a.resident_id = ? AND a.is_current = 1 AND {HAS_ITEMS}"
        " AND (? IS NULL OR a.round_id = ?)",
        (resident_id, round_id, round_id),
    ).fetchall()
    # No current answer, or an emptied list: it counts for nothing.
    for answer_id, in_round, city, district, source in rows:
        _count(db, answer_id, in_round, city, district, source, sign)


def _count(
    db: sqlite3.Connection,
    answer_id: int,
    round_id: int,
    city: str,
    district: str,
    source: str | None,
    sign: int,
) -> None:
    place = (round_id, city, district)
    if source is not None and sign > 0:
        db.execute(
            "INSERT INTO tally_sources (round_id, city, source, respondents) VALUES (?, ?, ?, 1)"
            " ON CONFLICT (round_id, city, source) DO UPDATE SET respondents = respondents + 1",
            (round_id, city, source),
        )
    elif source is not None:
        db.execute(
            "UPDATE tally_sources SET respondents = respondents - 1"
            " WHERE round_id = ? AND city = ? AND source = ?",
            (round_id, city, source),
        )
    if sign < 0:
        # Plain UPDATEs: an upsert's candidate row (-1) would already fail the CHECK >= 0.
        db.execute(
            "UPDATE tally_respondents SET respondents = respondents - 1"
            " WHERE round_id = ? AND city = ? AND district = ?",
            place,
        )
        # Per category, summed: several "other" items of one answer are several counts, and an
        # UPDATE ... FROM with one row per item would subtract only one of them.
        db.execute(
            "UPDATE tally_categories SET count = count - s.n, score = score - s.weight"
            f" FROM (SELECT category, count(*) AS n, sum({weight()}) AS weight FROM answer_items"
            " WHERE answer_id = ? GROUP BY category) AS s WHERE tally_categories.round_id = ?"
            " AND tally_categories.city = ? AND tally_categories.district = ?"
            " AND tally_categories.category = s.category",
            (answer_id, *place),
        )
        return
    db.execute(
        "INSERT INTO tally_respondents (round_id, city, district, respondents)"
        " VALUES (?, ?, ?, 1) ON CONFLICT (round_id, city, district)"
        " DO UPDATE SET respondents = respondents + 1",
        place,
    )
    db.execute(
        "INSERT INTO tally_categories (round_id, city, district, category, count, score)"
        f" SELECT ?, ?, ?, category, 1, {weight()} FROM answer_items WHERE answer_id = ?"
        " ON CONFLICT (round_id, city, district, category) DO UPDATE SET"
        " count = count + 1, score = score + excluded.score",
        (*place, answer_id),
    )


def save_answer(db: sqlite3.Connection, resident_id: int, answer: Answer, now: str) -> None:
    """The answer becomes the current one of its round (the previous one stays in history).
    Versions are numbered per resident across rounds: the next is the highest + 1."""
    check_round(db, answer.city, answer.round)
    ((latest,),) = db.execute(
        "SELECT max(version) FROM answers WHERE resident_id = ?", (resident_id,)
    ).fetchall()
    expected = (latest or 0) + 1
    if answer.version != expected:
        raise VersionConflict(f"answer version {answer.version} does not follow {expected - 1}")
    count_current(db, resident_id, -1, answer.round)
    db.execute(
        "UPDATE answers SET is_current = 0"
        " WHERE resident_id = ? AND is_current = 1 AND round_id = ?",
        (resident_id, answer.round),
    )
    ((answer_id,),) = db.execute(
        "INSERT INTO answers (resident_id, version, is_current, city, district, created_at,"
        " round_id) VALUES (?, ?, 1, ?, ?, ?, ?) RETURNING id",
        (resident_id, answer.version, answer.city, answer.district, now, answer.round),
    ).fetchall()
    db.executemany(
        "INSERT INTO answer_items (answer_id, rank, category, text) VALUES (?, ?, ?, ?)",
        [(answer_id, rank, item.category, item.text) for rank, item in enumerate(answer.items, 1)],
    )
    db.execute(
        "UPDATE residents SET city = ?, district = ? WHERE id = ?",
        (answer.city, answer.district, resident_id),
    )
    count_current(db, resident_id, +1, answer.round)
