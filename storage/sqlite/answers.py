"""Answers: every version kept, one current, and the ranking counters moved with it."""

from __future__ import annotations

import sqlite3

from flows.session import MAX_PROBLEMS, Answer
from storage.base import VersionConflict
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


def count_current(db: sqlite3.Connection, resident_id: int, sign: int) -> None:
    """Add (+1) or remove (-1) the resident's current answer in the ranking counters."""
    rows = db.execute(
        "SELECT a.id, a.city, coalesce(a.district, ''), r.source FROM answers AS a"
        " JOIN residents AS r ON r.id = a.resident_id"
        f" WHERE a.resident_id = ? AND a.is_current = 1 AND {HAS_ITEMS}",
        (resident_id,),
    ).fetchall()
    if not rows:
        return  # no current answer, or an emptied list: it counts for nothing
    answer_id, city, district, source = rows[0]
    if source is not None and sign > 0:
        db.execute(
            "INSERT INTO tally_sources (city, source, respondents) VALUES (?, ?, 1)"
            " ON CONFLICT (city, source) DO UPDATE SET respondents = respondents + 1",
            (city, source),
        )
    elif source is not None:
        db.execute(
            "UPDATE tally_sources SET respondents = respondents - 1 WHERE city = ? AND source = ?",
            (city, source),
        )
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
            f" FROM (SELECT category, count(*) AS n, sum({weight()}) AS weight FROM answer_items"
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
        f" SELECT ?, ?, category, 1, {weight()} FROM answer_items WHERE answer_id = ?"
        " ON CONFLICT (city, district, category) DO UPDATE SET"
        " count = count + 1, score = score + excluded.score",
        (city, district, answer_id),
    )


def save_answer(db: sqlite3.Connection, resident_id: int, answer: Answer, now: str) -> None:
    count_current(db, resident_id, -1)
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
    count_current(db, resident_id, +1)
