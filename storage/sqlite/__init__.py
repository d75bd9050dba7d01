"""The SQLite store: one engine (engine.py), one mixin per area of storage.base."""

from __future__ import annotations

from storage.sqlite.announcements import SqliteAnnouncements
from storage.sqlite.answers import check_answer
from storage.sqlite.deliveries import SqliteDeliveries
from storage.sqlite.desk import SqliteDesk
from storage.sqlite.engine import WriterStats
from storage.sqlite.exports import SqliteExports
from storage.sqlite.groups import SqliteGroups
from storage.sqlite.reports import SqliteReports
from storage.sqlite.residents import SqliteResidents, validate_effects
from storage.sqlite.review import SqliteReview
from storage.sqlite.rounds import SqliteRounds
from storage.sqlite.signals import SqliteSignals

# tests/driver.py checks effects the way a commit would (the old private name).
_validate_effects = validate_effects


class SqliteStore(
    SqliteResidents,
    SqliteGroups,
    SqliteAnnouncements,
    SqliteDeliveries,
    SqliteReview,
    SqliteReports,
    SqliteRounds,
    SqliteExports,
    SqliteSignals,
    SqliteDesk,
):
    """`storage.base.Store` on one SQLite file in WAL mode (see SqliteEngine for the threads,
    batches and health checks)."""


__all__ = ["SqliteStore", "WriterStats", "check_answer"]
