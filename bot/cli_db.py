"""`citybot db copy`: move the data between SQLite and PostgreSQL (and back, as a backup)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings
from storage.locate import Database, parse_database


def add_parser(sub: Any) -> None:
    """Register `db` and its subcommands on the `citybot` subparsers."""
    db = sub.add_parser("db", help="database tools: copy everything between SQLite and PostgreSQL")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION")
    actions.required = True
    copy = actions.add_parser(
        "copy",
        help="copy every table between CITYBOT_DATABASE and another database of the other kind",
        description="Copy every table (residents, answers and their versions, counters, groups, "
        "announcements, deliveries, dedup keys) between CITYBOT_DATABASE and URL, one of them "
        "SQLite and the other PostgreSQL, in one transaction on the target, then compare the "
        "row counts and counters of both. The target must be empty (a SQLite target may also "
        "not exist yet: it is created). Copying while the bot runs is safe (one consistent "
        "snapshot is copied), but stop the bot for the final switch-over, or answers given "
        "during the copy stay behind. A password may come from PGPASSWORD or ~/.pgpass "
        "instead of the URL.",
    )
    way = copy.add_mutually_exclusive_group(required=True)
    way.add_argument(
        "--to", metavar="URL", help="copy CITYBOT_DATABASE into URL (postgresql://... or a file)"
    )
    way.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        help="copy URL into CITYBOT_DATABASE (e.g. a PostgreSQL backup into a new SQLite file)",
    )
    copy.add_argument("--json", action="store_true", help="machine-readable output")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """0: copied and verified; 1: refused, failed or not equal (the target is unchanged);
    2: the command is wrong."""
    if args.db_command == "copy":
        return _copy(settings, args)
    raise AssertionError(args.db_command)  # argparse allows nothing else


def _copy(settings: Settings, args: argparse.Namespace) -> int:
    from storage.copy import CopyError, copy_database  # asyncpg only when copying

    flag = "--to" if args.to is not None else "--from"
    here = settings.database
    try:
        other = parse_database(args.to if args.to is not None else args.source)
        # As messages name them (without a password): a port that is no number fails here.
        here_name, other_name = str(here), str(other)
    except ValueError as exc:  # these messages never repeat the URL
        print(f"citybot: db copy {flag}: {exc}", file=sys.stderr)
        return 2
    source, target = (here, other) if args.to is not None else (other, here)
    if source.kind == target.kind:
        print(
            f"citybot: db copy: CITYBOT_DATABASE ({here_name}) and {flag} ({other_name}) are both"
            f" {_engine(here)}: one must be SQLite and the other PostgreSQL",
            file=sys.stderr,
        )
        return 2
    try:
        report = asyncio.run(copy_database(source, target))
    except CopyError as exc:
        print(f"citybot: db copy {source} -> {target}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(f"{report.source} -> {report.target} ({report.seconds:.1f} s)")
        print(_table("table", report.tables))
        print(_table("counter", report.counters))
    if not report.ok:
        print(
            "citybot: db copy: the target's numbers differ from the source's (marked !=):"
            " rolled back, the target is unchanged",
            file=sys.stderr,
        )
        return 1
    if not args.json:
        print("ok: every table and counter is equal on both sides")
    return 0


def _engine(database: Database) -> str:
    return "SQLite" if database.is_sqlite else "PostgreSQL"


def _table(title: str, rows: dict[str, tuple[int, int]]) -> str:
    width = max(len(title), *(len(name) for name in rows))
    lines = [f"{title:<{width}}  {'source':>10}  {'target':>10}"]
    for name, (source, target) in rows.items():
        mark = "" if source == target else "  !="
        lines.append(f"{name:<{width}}  {source:>10}  {target:>10}{mark}")
    return "\n".join(lines)


SQLITE_HEADER = b"SQLite format 3\x00"


def sqlite_problem(path: Path) -> str | None:
    """Before `citybot run` starts anything: one line when the SQLite file at `path` cannot be
    the bot's database (a missing folder, a folder, not SQLite, not writable), else None.
    os.access also sees immutable files and folders, even as root."""
    folder = path.absolute().parent
    fix = "or set CITYBOT_DATABASE to another file"
    if path.is_dir():
        example = path / "citybot.sqlite3"
        return f"citybot: CITYBOT_DATABASE {path} is a folder: name a file in it, e.g. {example}"
    if not folder.is_dir():
        return f"citybot: the folder of the database {path} does not exist: create {folder}, {fix}"
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            return (
                f"citybot: the database {path} is read-only for this user: make it writable, {fix}"
            )
        with path.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
        if head and head != SQLITE_HEADER:
            return (
                f"citybot: {path} is not a SQLite database: set CITYBOT_DATABASE to the bot's"
                " database file, or restore it from a backup"
            )
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"citybot: the folder {folder} of the database is read-only for this user (SQLite"
            f" writes the -wal and -shm files beside {path.name}): make it writable, {fix}"
        )
    return None
