"""`citybot backup` while the bot writes, and the automatic backup before a migration."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from storage_helpers import raw, spawn

from bot.cli import main
from flows.session import Answer, Conversation, Item, SaveAnswer, Step
from storage import migrations
from storage.base import ResidentRef
from storage.sqlite import SqliteStore

CITYBOT = Path(sys.executable).with_name("citybot")

# A second process committing turns, printing each only after its commit returned.
CHILD = """
import asyncio, sys
from flows.session import Answer, Conversation, Item, SaveAnswer, Step
from storage.base import ResidentRef
from storage.sqlite import SqliteStore

async def main():
    async with SqliteStore(sys.argv[1]) as store:
        who = ResidentRef("tg", "child")
        j = 0
        while True:
            items = [Item(category="roads", text=f"child turn {j}")]
            answer = Answer(version=j + 1, city="karakol", district=None, items=items)
            await store.commit(who, Conversation(step=Step.DONE), [SaveAnswer(answer)],
                               dedup_key=f"child-{j}")
            print(j, flush=True)
            j += 1

asyncio.run(main())
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment (no .env, no other settings) with CITYBOT_DATABASE set."""
    for name in list(os.environ):
        if name.startswith(("CITYBOT_", "TELEGRAM_", "TWILIO_", "PG")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CITYBOT_DATABASE", str(tmp_path / "citybot.sqlite3"))
    yield monkeypatch


def _filler(path: Path, rows: int = 60_000) -> None:
    """Megabytes of dedup keys, so the copy takes long enough for writes to happen during it."""
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    with raw(path) as db:
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO processed_updates (key, processed_at) VALUES (?, ?)",
            ((f"filler-{n:08d}-{'x' * 60}", now) for n in range(rows)),
        )
        db.execute("COMMIT")


async def _run_backup(mode: str, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    if mode == "cli":
        capsys.readouterr()
        code = await asyncio.to_thread(main, ["backup", "--out", str(out)])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        return captured.out
    proc = await asyncio.create_subprocess_exec(
        str(CITYBOT),
        "backup",
        "--out",
        str(out),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await proc.communicate()
    assert proc.returncode == 0, stderr.decode()
    return stdout.decode()


@pytest.mark.parametrize("mode", ["cli", "subprocess"])
async def test_backup_while_two_processes_write_keeps_every_returned_commit(
    mode: str, env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = tmp_path / "citybot.sqlite3", tmp_path / "backups" / "copy.sqlite3"
    out.parent.mkdir()
    async with SqliteStore(path):
        pass  # the schema
    _filler(path)
    child = spawn(CHILD, path)
    reported: list[int] = []

    def read_child() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            reported.append(int(line))

    reader = threading.Thread(target=read_child, daemon=True)
    reader.start()
    returned: list[tuple[int, float]] = []  # (turn, when its commit returned)
    stop = asyncio.Event()
    try:
        async with SqliteStore(path) as store:
            who = ResidentRef("wa", "+996700000001")

            async def writer() -> None:
                j = 0
                while not stop.is_set():
                    items = [Item(category="water", text=f"turn {j}")]
                    answer = Answer(version=j + 1, city="karakol", district=None, items=items)
                    conv = Conversation(step=Step.DONE)
                    await store.commit(who, conv, [SaveAnswer(answer)], dedup_key=f"w-{j}")
                    returned.append((j, time.monotonic()))
                    j += 1

            task = asyncio.create_task(writer())
            deadline = time.monotonic() + 30
            while (len(reported) < 20 or len(returned) < 20) and time.monotonic() < deadline:
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
                await asyncio.sleep(0.02)
            ours_before, theirs_before = len(returned), len(reported)
            started = time.monotonic()
            printed = await _run_backup(mode, out, capsys)
            finished = time.monotonic()
            stop.set()
            await task
            # The bot's writes went on during the copy: no commit waited for it.
            assert any(started < at < finished for _, at in returned), finished - started
    finally:
        child.terminate()
        child.wait(10)
        reader.join(10)
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()

    assert "integrity_check ok" in printed and "processed_updates" in printed
    assert sorted(p.name for p in out.parent.iterdir()) == ["copy.sqlite3"], "no temporary left"
    with closing(sqlite3.connect(out)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (filler,) = db.execute(
            "SELECT count(*) FROM processed_updates WHERE key LIKE 'filler-%'"
        ).fetchone()
        assert filler == 60_000
    async with SqliteStore(out) as copy:
        for j in range(ours_before):
            loaded = await copy.load(ResidentRef("wa", "+996700000001"), f"w-{j}")
            assert loaded.duplicate, f"our turn {j} returned before the backup but is missing"
        for j in reported[:theirs_before]:
            loaded = await copy.load(ResidentRef("tg", "child"), f"child-{j}")
            assert loaded.duplicate, f"the child's turn {j} returned before the backup: missing"


def test_backup_refuses_to_overwrite_without_force(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = tmp_path / "citybot.sqlite3", tmp_path / "copy.sqlite3"
    asyncio.run(_open_and_close(path))
    out.write_bytes(b"an older backup")
    assert main(["backup", "--out", str(out)]) == 1
    assert "exists" in capsys.readouterr().err
    assert out.read_bytes() == b"an older backup"
    assert main(["backup", "--out", str(out), "--force"]) == 0
    with closing(sqlite3.connect(out)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert sorted(p.name for p in tmp_path.iterdir() if "copy" in p.name) == ["copy.sqlite3"]
    assert main(["backup", "--out", str(tmp_path / "x"), "--force"]) == 0
    (tmp_path / "x").unlink()
    env.setenv("CITYBOT_DATABASE", str(tmp_path / "missing.sqlite3"))
    assert main(["backup", "--out", str(tmp_path / "y")]) == 1
    assert "no database" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()


def test_backup_of_postgresql_prints_pg_dump_without_the_password(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("CITYBOT_DATABASE", "postgresql://citybot:s3cr%40t@db.example:5433/citybot")
    assert main(["backup", "--out", "citybot.dump"]) == 2
    captured = capsys.readouterr()
    assert "s3cr" not in captured.out + captured.err
    assert captured.out.strip() == (
        "pg_dump --format=custom --file=citybot.dump postgresql://citybot@db.example:5433/citybot"
    )


async def _open_and_close(path: Path) -> None:
    async with SqliteStore(path):
        pass


async def _resident(path: Path, who: ResidentRef) -> object:
    async with SqliteStore(path) as store:
        return await store.resident(who)


def test_a_pending_migration_is_preceded_by_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "citybot.sqlite3"
    latest = len(migrations.MIGRATIONS)
    with raw(path) as db:
        migrations.migrate(db, migrations.MIGRATIONS[: latest - 1])
        db.execute(
            "INSERT INTO residents (channel, external_id, city, created_at, updated_at)"
            " VALUES ('tg', '42', 'karakol', '2026-01-01', '2026-01-01')"
        )
    assert asyncio.run(_resident(path, ResidentRef("tg", "42"))) is not None
    bak = tmp_path / f"citybot.sqlite3.before-v{latest}.bak"
    assert bak.exists()
    with closing(sqlite3.connect(f"file:{bak}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert migrations.schema_version(db) == latest - 1, "the schema before the migration"
        assert db.execute("SELECT external_id FROM residents").fetchall() == [("42",)]
    with raw(path) as db:
        assert migrations.schema_version(db) == latest

    # The schema is current now: opening again makes no backup.
    asyncio.run(_open_and_close(path))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".bak")) == [bak.name]


def test_no_backup_for_a_new_or_current_database(tmp_path: Path) -> None:
    asyncio.run(_open_and_close(tmp_path / "new.sqlite3"))  # created: nothing to lose
    asyncio.run(_open_and_close(tmp_path / "new.sqlite3"))  # current: nothing to migrate
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".bak")]
