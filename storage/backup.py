"""Consistent copies of a live SQLite database: `citybot backup` and the pre-migration backup."""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

from storage import migrations
from storage.base import StoreUnavailable

log = logging.getLogger(__name__)

# How long the copy waits for a lock another connection holds (a WAL recovery, a checkpoint
# restarting the log): writers never hold one against a reader for longer than a batch.
BUSY_TIMEOUT_MS = 10_000


class BackupError(RuntimeError):
    """The copy could not be made or did not verify; nothing was left at the target."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What was written and what the copy holds (table -> rows)."""

    path: Path
    size: int
    schema_version: int
    rows: dict[str, int]


def snapshot(db: sqlite3.Connection, target: Path, *, force: bool = False) -> BackupReport:
    """Copy the database `db` is connected to into `target`, verified, atomically.

    `VACUUM INTO` rather than the online backup API: it is one read transaction, and in WAL
    mode a reader never blocks the writer, so the bot keeps committing for the whole copy (the
    checkpoint only waits for its end). The backup API copies in steps and restarts whenever
    another connection writes in between (under steady traffic it may never finish), or holds
    the same read snapshot when done in one step, and then copies freed pages too. The copy
    sees every commit that returned before it started, is one self-contained file in rollback
    journal mode (no -wal beside it), and has no free pages (nothing a Forget removed).

    Written under a temporary name in the target's directory, checked (`integrity_check`, the
    row counts), flushed to disk, then linked into place: a reader of `target` never sees a half
    file, and an existing `target` is kept unless `force`.
    """
    target = Path(target)
    if target.exists() and not force:
        raise BackupError(f"{target} exists (use --force to replace it)")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        try:
            db.execute("VACUUM INTO ?", (os.fspath(tmp),))
        except sqlite3.Error as exc:
            raise BackupError(f"could not copy the database: {exc}") from exc
        report = verify(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        _place(tmp, target, force)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_dir(target.parent)
    return BackupReport(target, target.stat().st_size, report.schema_version, report.rows)


# The files SQLite keeps beside a database: overwriting one loses or corrupts answers.
COMPANIONS = ("", "-wal", "-shm", "-journal")


def is_database_file(source: Path, target: Path) -> bool:
    """Whether `target` is the database `source` or one of its -wal/-shm/-journal files,
    however spelled (relative, through a symlink, a hard link)."""
    for suffix in COMPANIONS:
        own = Path(f"{os.fspath(source)}{suffix}")
        if own.resolve() == Path(target).resolve():
            return True
        with suppress(OSError):
            if os.path.samefile(own, target):
                return True
    return False


def backup_file(source: Path, target: Path, *, force: bool = False) -> BackupReport:
    """`citybot backup`: a verified copy of the SQLite file `source`, the bot running or not."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if is_database_file(source, target):  # even with force: never the live files
        raise BackupError(f"{target} is the database itself (or its -wal/-shm file)")
    # A plain connection: it only reads (VACUUM INTO writes the other file). Closing it while
    # the bot runs changes nothing; when it is the last one, SQLite checkpoints as usual.
    with closing(sqlite3.connect(source, isolation_level=None)) as db:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return snapshot(db, target, force=force)


def verify(path: Path) -> BackupReport:
    """The copy opens, passes `PRAGMA integrity_check`, and these are its row counts."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
            if problems != ["ok"]:
                raise BackupError(f"the copy fails integrity_check: {problems[:5]}")
            tables = [
                name
                for (name,) in db.execute(
                    "SELECT name FROM sqlite_schema WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            rows = {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
            version = migrations.schema_version(db)
    except sqlite3.Error as exc:
        raise BackupError(f"the copy does not open: {exc}") from exc
    return BackupReport(Path(path), Path(path).stat().st_size, version, rows)


def before_migration(db: sqlite3.Connection, path: str | os.PathLike[str]) -> Path | None:
    """Before `migrations.migrate(db)`: a copy next to the database when migrations are
    pending on a database that has tables (a new file has nothing to lose). Named after the
    version it is about to become, e.g. `citybot.sqlite3.before-v14.bak`; an older backup of
    that name is kept (the next is numbered). Raises when the copy fails: no migration runs
    without one."""
    version = migrations.schema_version(db)
    if version >= len(migrations.MIGRATIONS):
        return None
    (tables,) = db.execute(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchone()
    if not tables:
        return None
    base = Path(os.fspath(path))
    stem = f"{base.name}.before-v{len(migrations.MIGRATIONS)}"
    target = base.with_name(f"{stem}.bak")
    n = 1
    while target.exists():
        n += 1
        target = base.with_name(f"{stem}.{n}.bak")
    try:
        report = snapshot(db, target)
    except (BackupError, OSError) as exc:
        raise StoreUnavailable(f"not migrating {base} without a backup: {exc}") from exc
    log.warning(
        "schema version %d -> %d: backed up %s to %s before migrating",
        version,
        len(migrations.MIGRATIONS),
        base,
        report.path,
    )
    return report.path


def _place(tmp: Path, target: Path, force: bool) -> None:
    if force:
        os.replace(tmp, target)
        return
    # A hard link fails when the name exists (no window between a check and a rename).
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise BackupError(f"{target} exists (use --force to replace it)") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise BackupError(f"{target} exists (use --force to replace it)") from None
        os.replace(tmp, target)
        return
    tmp.unlink()


def _sync_dir(directory: Path) -> None:
    """The rename itself survives a power loss (POSIX; a no-op where directories can't open)."""
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
