"""Versioned SQLite schema migrations: append a `Migration` to `MIGRATIONS`, never edit one."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flows.text import normalise


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step. Statements run in order inside a single IMMEDIATE transaction.

    Statements are kept apart (not one script) because `sqlite3.executescript` commits any open
    transaction first, which would break "each migration in its own transaction". `run`, if
    given, runs after them in the same transaction: data work SQL cannot do (a backfill that
    needs Python's text normalisation).
    """

    name: str
    statements: tuple[str, ...]
    run: Callable[[sqlite3.Connection], None] | None = None


def _link_learned_sources(db: sqlite3.Connection) -> None:
    """Link every learned wording to the answers whose own words normalise to it (in its
    city), so a Forget knows which wordings were that resident's alone."""
    learned: dict[str, set[str]] = {}
    for city, wording in db.execute("SELECT city, wording FROM learned_wordings").fetchall():
        learned.setdefault(city, set()).add(wording)
    if not learned:
        return
    links: set[tuple[str, str, int]] = set()
    cursor = db.execute(
        "SELECT a.city, a.id, i.text FROM answers AS a JOIN answer_items AS i"
        " ON i.answer_id = a.id WHERE i.text IS NOT NULL"
    )
    while rows := cursor.fetchmany(10_000):
        for city, answer_id, text in rows:
            wording = normalise(text)
            if wording in learned.get(city, ()):
                links.add((city, wording, answer_id))
    db.executemany(
        "INSERT OR IGNORE INTO learned_sources (city, wording, answer_id) VALUES (?, ?, ?)",
        sorted(links),
    )


class SchemaTooNew(RuntimeError):
    """The database was migrated by newer code than this: refuse rather than corrupt it."""


# The schema version is `PRAGMA user_version` = the number of migrations applied, so the n-th
# entry (1-based) is schema version n. Adding a table later = appending one entry here.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "initial schema",
        (
            # One row per resident; the conversation state lives here too (1:1, written on
            # every turn), so a turn is one upsert. `step` duplicates state's step as a plain,
            # indexed column for operator queries ("how many are stuck at district?").
            """
            CREATE TABLE residents (
                id INTEGER PRIMARY KEY,
                channel TEXT NOT NULL,
                external_id TEXT NOT NULL,
                lang TEXT,
                city TEXT,
                district TEXT,
                subscribed INTEGER CHECK (subscribed IN (0, 1)),
                step TEXT,
                state TEXT CHECK (state IS NULL OR json_valid(state)),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                last_inbound_at TEXT,
                UNIQUE (channel, external_id)
            ) STRICT
            """,
            "CREATE INDEX residents_step ON residents (step)",
            # Every confirmed version is kept; exactly one is current per resident (the partial
            # unique index forbids two). City/district are copied onto the answer so rankings
            # never have to join residents.
            """
            CREATE TABLE answers (
                id INTEGER PRIMARY KEY,
                resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
                version INTEGER NOT NULL CHECK (version >= 1),
                is_current INTEGER NOT NULL CHECK (is_current IN (0, 1)),
                city TEXT NOT NULL,
                district TEXT,
                created_at TEXT NOT NULL,
                UNIQUE (resident_id, version)
            ) STRICT
            """,
            "CREATE UNIQUE INDEX answers_one_current ON answers (resident_id) WHERE is_current = 1",
            """
            CREATE INDEX answers_current_place ON answers (city, district)
                WHERE is_current = 1
            """,
            # text is the resident's own words, NULL when they picked the category as is.
            """
            CREATE TABLE answer_items (
                answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
                rank INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 5),
                category TEXT NOT NULL,
                text TEXT,
                PRIMARY KEY (answer_id, rank)
            ) STRICT, WITHOUT ROWID
            """,
            "CREATE INDEX answer_items_category ON answer_items (category, answer_id)",
            # Delivery ids already handled (Telegram update_id, Twilio MessageSid). Not linked to
            # a resident: the key alone is no personal data and must outlive a Forget.
            """
            CREATE TABLE processed_updates (
                key TEXT PRIMARY KEY,
                processed_at TEXT NOT NULL
            ) STRICT, WITHOUT ROWID
            """,
            "CREATE INDEX processed_updates_at ON processed_updates (processed_at)",
        ),
    ),
    Migration(
        "outbound deliveries",
        (
            # One row per outbound message the provider accepted (or refused): its status as
            # the provider's callbacks report it. message_id is NULL when the provider refused
            # the message outright (no id was issued). Cascades with the resident (Forget).
            """
            CREATE TABLE deliveries (
                id INTEGER PRIMARY KEY,
                resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
                message_id TEXT UNIQUE,
                status TEXT NOT NULL,
                error_code INTEGER,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX deliveries_resident ON deliveries (resident_id)",
        ),
    ),
    Migration(
        "ranking counters",
        (
            # Per city and district ('' = not given): respondents with a current answer, and
            # per category how many named it and its rank-weighted score (1st = 5 ... 5th = 1).
            # Kept in the transaction that changes an answer, so a ranking never rescans
            # answers; tests prove they always equal a recount. No resident ids: aggregates.
            """
            CREATE TABLE tally_respondents (
                city TEXT NOT NULL,
                district TEXT NOT NULL,
                respondents INTEGER NOT NULL CHECK (respondents >= 0),
                PRIMARY KEY (city, district)
            ) STRICT, WITHOUT ROWID
            """,
            """
            CREATE TABLE tally_categories (
                city TEXT NOT NULL,
                district TEXT NOT NULL,
                category TEXT NOT NULL,
                count INTEGER NOT NULL CHECK (count >= 0),
                score INTEGER NOT NULL CHECK (score >= 0),
                PRIMARY KEY (city, district, category)
            ) STRICT, WITHOUT ROWID
            """,
            # Answers stored before this migration are counted once, here.
            """
            INSERT INTO tally_respondents (city, district, respondents)
            SELECT city, coalesce(district, ''), count(*) FROM answers
            WHERE is_current = 1 GROUP BY city, coalesce(district, '')
            """,
            """
            INSERT INTO tally_categories (city, district, category, count, score)
            SELECT a.city, coalesce(a.district, ''), i.category, count(*), sum(6 - i.rank)
            FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id
            WHERE a.is_current = 1 GROUP BY a.city, coalesce(a.district, ''), i.category
            """,
        ),
    ),
    Migration(
        "daily summaries",
        (
            # One row per city, working-group chat and local day: claimed ('sending') before
            # the summary goes out, 'sent' after, so restarts and several processes send it
            # once. The snapshot ({category: [position, count]}) gives tomorrow's arrows.
            """
            CREATE TABLE summaries (
                city TEXT NOT NULL,
                chat_id INTEGER NOT NULL,
                day TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('sending', 'sent')),
                claimed_at TEXT NOT NULL,
                sent_at TEXT,
                respondents INTEGER,
                snapshot TEXT CHECK (snapshot IS NULL OR json_valid(snapshot)),
                PRIMARY KEY (city, chat_id, day)
            ) STRICT
            """,
            # A group upgraded to a supergroup gets a new id (Telegram's ChatMigrated).
            """
            CREATE TABLE chat_migrations (
                old_chat_id INTEGER PRIMARY KEY,
                new_chat_id INTEGER NOT NULL,
                migrated_at TEXT NOT NULL
            ) STRICT
            """,
            # "New or changed answers since the previous summary" without a scan.
            "CREATE INDEX answers_city_created ON answers (city, created_at)",
        ),
    ),
    Migration(
        "bound working-group chats",
        (
            # Chats bound with /bind (besides those in the city configuration), and the language
            # their summaries are written in.
            """
            CREATE TABLE work_groups (
                chat_id INTEGER PRIMARY KEY,
                city TEXT NOT NULL,
                lang TEXT NOT NULL CHECK (lang IN ('ru', 'ky')),
                bound_at TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX work_groups_city ON work_groups (city)",
        ),
    ),
    Migration(
        "review of free text",
        (
            # Who placed which wording into which category, for audit (reviewers are
            # working-group members, identified by their Telegram user id; residents are not
            # named here: the wording is stored normalised, the items are only counted).
            """
            CREATE TABLE reviews (
                id INTEGER PRIMARY KEY,
                city TEXT NOT NULL,
                wording TEXT NOT NULL,
                category TEXT NOT NULL,
                reviewer INTEGER NOT NULL,
                items INTEGER NOT NULL,
                reviewed_at TEXT NOT NULL
            ) STRICT
            """,
            # What review taught the matcher, per city ('other': "keep as own words").
            """
            CREATE TABLE learned_wordings (
                city TEXT NOT NULL,
                wording TEXT NOT NULL,
                category TEXT NOT NULL,
                learned_at TEXT NOT NULL,
                PRIMARY KEY (city, wording)
            ) STRICT, WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        "announcements",
        (
            # A public-hearing announcement (or its reminder: parent_id). content is JSON:
            # title/place/agenda per language, the hearing's local date and time, and
            # `only` (one language for everyone) when the admin chose so.
            """
            CREATE TABLE announcements (
                id INTEGER PRIMARY KEY,
                city TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('announcement', 'reminder')),
                parent_id INTEGER REFERENCES announcements (id) ON DELETE CASCADE,
                content TEXT NOT NULL CHECK (json_valid(content)),
                state TEXT NOT NULL
                    CHECK (state IN ('scheduled', 'sending', 'done', 'cancelled')),
                send_at TEXT NOT NULL,
                created_at TEXT NOT NULL,
                started_at TEXT,
                finished_at TEXT
            ) STRICT
            """,
            "CREATE INDEX announcements_due ON announcements (state, send_at)",
            # Who did what to an announcement (admins: Telegram id or WhatsApp number).
            """
            CREATE TABLE announcement_log (
                id INTEGER PRIMARY KEY,
                announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
                action TEXT NOT NULL,
                actor TEXT NOT NULL,
                at TEXT NOT NULL
            ) STRICT
            """,
            # One row per recipient, frozen when sending starts. 'sending' = claimed by the
            # engine; a crash leaves it so, and a restart sends it again (the in-flight bound).
            """
            CREATE TABLE broadcast_deliveries (
                announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
                resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
                state TEXT NOT NULL
                    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
                attempts INTEGER NOT NULL DEFAULT 0,
                error TEXT,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (announcement_id, resident_id)
            ) STRICT, WITHOUT ROWID
            """,
            "CREATE INDEX broadcast_state ON broadcast_deliveries (announcement_id, state)",
            "CREATE INDEX residents_city_subscribed ON residents (city, subscribed)",
        ),
    ),
    Migration(
        "sources, reminders, WhatsApp content",
        (
            # The tag of the link a resident came by (a poster's QR code): the first one kept.
            "ALTER TABLE residents ADD COLUMN source TEXT",
            # When the one reminder to finish the survey went out (again only after they
            # write again, i.e. last_inbound_at > nudged_at).
            "ALTER TABLE residents ADD COLUMN nudged_at TEXT",
            "CREATE INDEX residents_inbound ON residents (step, last_inbound_at)",
            # WhatsApp interactive templates created through Twilio's Content API, by shape.
            """
            CREATE TABLE whatsapp_content (
                key TEXT PRIMARY KEY,
                sid TEXT NOT NULL,
                created_at TEXT NOT NULL
            ) STRICT, WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        "counters rebuilt",
        (
            # The counters again, from the answers: an answer with several own-words items
            # was taken off once per category, not once per item, so "other" had drifted up;
            # and an emptied list counts for nobody from now on.
            "DELETE FROM tally_respondents",
            "DELETE FROM tally_categories",
            """
            INSERT INTO tally_respondents (city, district, respondents)
            SELECT city, coalesce(district, ''), count(*) FROM answers AS a
            WHERE is_current = 1 AND EXISTS (SELECT 1 FROM answer_items WHERE answer_id = a.id)
            GROUP BY city, coalesce(district, '')
            """,
            """
            INSERT INTO tally_categories (city, district, category, count, score)
            SELECT a.city, coalesce(a.district, ''), i.category, count(*), sum(6 - i.rank)
            FROM answers AS a JOIN answer_items AS i ON i.answer_id = a.id
            WHERE a.is_current = 1 GROUP BY a.city, coalesce(a.district, ''), i.category
            """,
        ),
    ),
    Migration(
        "conversation versions",
        (
            # Bumped by every turn that writes the conversation: `commit(expected=...)` holds
            # only if nobody committed a turn of the resident since the load (two processes).
            "ALTER TABLE residents ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        ),
    ),
    Migration(
        "broadcast leases",
        (
            # A claim is held by an owner (one engine of one process) until lease_until; the
            # owner renews it while it works, so a dead owner's claims are taken over as soon
            # as the lease runs out. Claims left by older code (no lease) are free at once.
            "ALTER TABLE broadcast_deliveries ADD COLUMN owner TEXT",
            "ALTER TABLE broadcast_deliveries ADD COLUMN lease_until TEXT",
        ),
    ),
    Migration(
        "learned sources, meta",
        (
            # Small counters and stamps: 'learned' moves whenever learned_wordings changes (other
            # processes rebuild their matchers); 'written_at' is the health check's write.
            """
            CREATE TABLE meta (
                key TEXT PRIMARY KEY,
                value ANY
            ) STRICT, WITHOUT ROWID
            """,
            "INSERT INTO meta (key, value) VALUES ('learned', 0)",
            # Which answers a learned wording (and its review rows) came from: when the last
            # resident who typed it is forgotten, the wording goes too (it may hold a name or
            # a phone number); a wording others typed as well stays (their words too).
            """
            CREATE TABLE learned_sources (
                city TEXT NOT NULL,
                wording TEXT NOT NULL,
                answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
                PRIMARY KEY (city, wording, answer_id)
            ) STRICT, WITHOUT ROWID
            """,
            "CREATE INDEX learned_sources_answer ON learned_sources (answer_id)",
        ),
        run=_link_learned_sources,
    ),
    Migration(
        "source counters",
        (
            # Respondents per link source (posters, QR codes), kept with the other counters:
            # counted from the answers, the summary's "who came by which link" line scanned
            # a city's every answer (0.9 s at half a million, bench/rankings.py).
            """
            CREATE TABLE tally_sources (
                city TEXT NOT NULL,
                source TEXT NOT NULL,
                respondents INTEGER NOT NULL CHECK (respondents >= 0),
                PRIMARY KEY (city, source)
            ) STRICT, WITHOUT ROWID
            """,
            """
            INSERT INTO tally_sources (city, source, respondents)
            SELECT a.city, r.source, count(*) FROM residents AS r
            JOIN answers AS a ON a.resident_id = r.id AND a.is_current = 1
            WHERE r.source IS NOT NULL
            AND EXISTS (SELECT 1 FROM answer_items WHERE answer_id = a.id)
            GROUP BY a.city, r.source
            """,
        ),
    ),
    Migration(
        "deliveries by resident",
        (
            # Forget cascades into a resident's broadcast deliveries: without this index every
            # /forget scanned every delivery of every broadcast.
            "CREATE INDEX broadcast_deliveries_resident ON broadcast_deliveries (resident_id)",
        ),
    ),
    Migration(
        "survey rounds",
        (
            # One row per round of a city (one budget cycle): titles, the city-local days it
            # runs (ISO), the UTC instant its first day begins in the city (reports show a
            # round from then on), when an operator opened and closed it. One open per city.
            """
            CREATE TABLE rounds (
                id INTEGER PRIMARY KEY,
                city TEXT NOT NULL,
                title_ru TEXT NOT NULL,
                title_ky TEXT NOT NULL,
                starts_on TEXT NOT NULL,
                ends_on TEXT NOT NULL,
                starts_at TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
                opened_at TEXT NOT NULL,
                closed_at TEXT,
                CHECK (ends_on >= starts_on)
            ) STRICT
            """,
            "CREATE UNIQUE INDEX rounds_one_open ON rounds (city) WHERE state = 'open'",
            "CREATE INDEX rounds_city ON rounds (city, id)",
            # An answer belongs to the round it was given in; 0 = before rounds (every answer
            # so far, and every answer of a city that never opens one). No foreign key: round
            # 0 is no row. A resident has one current answer per round.
            "ALTER TABLE answers ADD COLUMN round_id INTEGER NOT NULL DEFAULT 0",
            "DROP INDEX answers_one_current",
            """
            CREATE UNIQUE INDEX answers_one_current ON answers (resident_id, round_id)
                WHERE is_current = 1
            """,
            "DROP INDEX answers_current_place",
            """
            CREATE INDEX answers_current_place ON answers (city, round_id, district)
                WHERE is_current = 1
            """,
            "DROP INDEX answers_city_created",
            "CREATE INDEX answers_city_created ON answers (city, round_id, created_at)",
            # The counters per round: a primary key cannot be altered, so each table is rebuilt
            # with round_id first, its rows (all before rounds) moved into round 0.
            """
            CREATE TABLE tally_respondents_new (
                round_id INTEGER NOT NULL,
                city TEXT NOT NULL,
                district TEXT NOT NULL,
                respondents INTEGER NOT NULL CHECK (respondents >= 0),
                PRIMARY KEY (round_id, city, district)
            ) STRICT, WITHOUT ROWID
            """,
            """
            INSERT INTO tally_respondents_new (round_id, city, district, respondents)
            SELECT 0, city, district, respondents FROM tally_respondents
            """,
            "DROP TABLE tally_respondents",
            "ALTER TABLE tally_respondents_new RENAME TO tally_respondents",
            """
            CREATE TABLE tally_categories_new (
                round_id INTEGER NOT NULL,
                city TEXT NOT NULL,
                district TEXT NOT NULL,
                category TEXT NOT NULL,
                count INTEGER NOT NULL CHECK (count >= 0),
                score INTEGER NOT NULL CHECK (score >= 0),
                PRIMARY KEY (round_id, city, district, category)
            ) STRICT, WITHOUT ROWID
            """,
            """
            INSERT INTO tally_categories_new (round_id, city, district, category, count, score)
            SELECT 0, city, district, category, count, score FROM tally_categories
            """,
            "DROP TABLE tally_categories",
            "ALTER TABLE tally_categories_new RENAME TO tally_categories",
            """
            CREATE TABLE tally_sources_new (
                round_id INTEGER NOT NULL,
                city TEXT NOT NULL,
                source TEXT NOT NULL,
                respondents INTEGER NOT NULL CHECK (respondents >= 0),
                PRIMARY KEY (round_id, city, source)
            ) STRICT, WITHOUT ROWID
            """,
            """
            INSERT INTO tally_sources_new (round_id, city, source, respondents)
            SELECT 0, city, source, respondents FROM tally_sources
            """,
            "DROP TABLE tally_sources",
            "ALTER TABLE tally_sources_new RENAME TO tally_sources",
        ),
    ),
    Migration(
        "city categories",
        (
            # A city's own categories accepted from a growing theme of own words (`citybot
            # themes --accept`): shown, ranked and exported beside the city file's extras.
            """
            CREATE TABLE city_categories (
                city TEXT NOT NULL,
                id TEXT NOT NULL,
                ru TEXT NOT NULL,
                ky TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (city, id)
            ) STRICT, WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        "desk sign-outs",
        (
            # When a working-group member last signed out of the desk: their sessions issued
            # before it are refused on every instance (a copied cookie dies with the sign-out).
            # A Telegram user id of a desk user (an admin or member), never a resident's.
            """
            CREATE TABLE desk_signouts (
                user_id INTEGER PRIMARY KEY,
                at TEXT NOT NULL
            ) STRICT
            """,
        ),
    ),
)


def schema_version(db: sqlite3.Connection) -> int:
    """The number of migrations applied to this database."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    return int(version)


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration] | None = None) -> list[int]:
    """Apply the missing migrations, each in its own transaction; return the numbers applied.

    `db` must be in autocommit mode (isolation_level=None). Safe to call on every open and from
    two processes at once: the version is re-read after BEGIN IMMEDIATE has taken the lock.
    """
    steps = MIGRATIONS if migrations is None else migrations
    current = schema_version(db)
    if current > len(steps):
        raise SchemaTooNew(
            f"database schema is version {current}, this code knows only {len(steps)}"
        )
    applied: list[int] = []
    if current == len(steps):
        return applied
    # Foreign keys off while migrating, as SQLite's table-rebuild procedure requires (the pragma
    # is a no-op inside a transaction); each migration is checked with foreign_key_check.
    (fk_was,) = db.execute("PRAGMA foreign_keys").fetchone()
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        for number, migration in enumerate(steps, start=1):
            if number <= current:
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                if schema_version(db) >= number:  # another process got there first
                    db.execute("COMMIT")
                    continue
                for statement in migration.statements:
                    db.execute(statement)
                if migration.run is not None:
                    migration.run(db)
                broken = db.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise sqlite3.IntegrityError(
                        f"migration {number} ({migration.name}) breaks foreign keys: {broken[:5]}"
                    )
                db.execute(f"PRAGMA user_version = {number}")
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            applied.append(number)
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if fk_was else 'OFF'}")
    return applied
