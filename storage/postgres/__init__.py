"""The PostgreSQL store: one engine (engine.py), one mixin per area of storage.base."""

from __future__ import annotations

from storage.postgres.announcements import PostgresAnnouncements
from storage.postgres.deliveries import PostgresDeliveries
from storage.postgres.desk import PostgresDesk
from storage.postgres.exports import PostgresExports
from storage.postgres.groups import PostgresGroups
from storage.postgres.leader import PostgresLeadership
from storage.postgres.reports import PostgresReports
from storage.postgres.residents import PostgresResidents
from storage.postgres.review import PostgresReview
from storage.postgres.rounds import PostgresRounds
from storage.postgres.signals import PostgresSignals


class PostgresStore(
    PostgresResidents,
    PostgresGroups,
    PostgresAnnouncements,
    PostgresDeliveries,
    PostgresReview,
    PostgresReports,
    PostgresRounds,
    PostgresExports,
    PostgresSignals,
    PostgresDesk,
    PostgresLeadership,
):
    """`storage.base.Store` on one PostgreSQL database (see PostgresEngine for the pool,
    migrations and health). Any number of processes may share the database."""


__all__ = ["PostgresStore"]
