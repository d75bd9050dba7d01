"""Health means "an answer could be stored now": deleted or immutable files fail cleanly."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from storage_helpers import spawn

from flows.session import Conversation, Step
from storage.base import ResidentRef, StoreUnavailable
from storage.sqlite import SqliteStore

WHO = ResidentRef("wa", "996555987654")


async def test_a_deleted_database_is_unavailable_and_claims_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "citybot.db"
    async with SqliteStore(db) as store:
        await store.commit(WHO, Conversation(step=Step.CITY))
        assert await store.writable() is True
        db.unlink()  # turns would go on into the unlinked file, lost at the next start
        with caplog.at_level(logging.DEBUG):
            assert await store.writable() is False
            for _ in range(3):
                with pytest.raises(StoreUnavailable):
                    await store.commit(WHO, Conversation(step=Step.DISTRICT))
            with pytest.raises(StoreUnavailable):
                await store.load(WHO)
            assert await store.ping() is False
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, "logged when the state changed, not per batch"
    assert "gone" in errors[0].getMessage()
    assert WHO.external_id not in caplog.text


async def test_a_replaced_database_is_unavailable(tmp_path: Path) -> None:
    db = tmp_path / "citybot.db"
    async with SqliteStore(db) as store:
        await store.commit(WHO, Conversation(step=Step.CITY))
        shutil.copy(db, tmp_path / "copy.db")
        os.replace(tmp_path / "copy.db", db)  # a restore from backup under a running bot
        assert await store.writable() is False
        with pytest.raises(StoreUnavailable):
            await store.commit(WHO, Conversation(step=Step.DISTRICT))


# --- immutable files, in a real child process ----------------------------------------------

CHILD = """
import asyncio, sys
from flows.session import Conversation, Step
from storage.base import ResidentRef, StoreUnavailable
from storage.sqlite import SqliteStore

async def main(path):
    who = ResidentRef("wa", "996555987654")
    store = SqliteStore(path)
    await store.open()
    await store.commit(who, Conversation(step=Step.CITY))
    print("ready", flush=True)
    sys.stdin.readline()  # the files are made immutable now
    for attempt in (store.commit(who, Conversation(step=Step.DISTRICT)), store.load(who)):
        try:
            await attempt
            print("stored", flush=True)
        except StoreUnavailable:
            print("unavailable", flush=True)
    print("writable", await store.writable(), flush=True)
    await store.close()
    print("closed", flush=True)

asyncio.run(main(sys.argv[1]))
"""


def _freeze(files: list[Path]) -> tuple[list[str], list[str]]:
    """Commands that make the files unwritable and writable again: immutable as root (what
    SIGBUSed the bot; root ignores permission bits), read-only otherwise."""
    names = [str(f) for f in files]
    if os.geteuid() != 0:
        return ["chmod", "a-w", *names], ["chmod", "u+w", *names]
    if shutil.which("chattr") is None:
        pytest.fail("running as root without chattr: cannot make the files immutable")
    probe = files[0].with_name("chattr-probe")
    probe.touch()
    try:
        done = subprocess.run(["chattr", "+i", str(probe)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"chattr +i does not work on this filesystem: {done.stderr.strip()}")
    finally:
        subprocess.run(["chattr", "-i", str(probe)], check=False)
        probe.unlink()
    return ["chattr", "+i", *names], ["chattr", "-i", *names]


def test_immutable_files_fail_the_commit_without_killing_the_process(tmp_path: Path) -> None:
    db = tmp_path / "citybot.db"
    files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
    child = spawn(CHILD, db)
    watchdog = threading.Timer(60, child.kill)
    watchdog.start()
    freeze, thaw = _freeze(files)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        assert all(f.exists() for f in files)
        subprocess.run(freeze, check=True)
        os.sync()  # written-back -shm pages fault on the next write: the SIGBUS, at once
        out, err = child.communicate("go\n")
    finally:
        watchdog.cancel()
        subprocess.run(thaw, check=False)
        if child.poll() is None:
            child.kill()
    assert child.returncode != -signal.SIGBUS, "killed by SIGBUS writing the -shm"
    assert child.returncode == 0, err
    assert out.split("\n")[:4] == ["unavailable", "unavailable", "writable False", "closed"]
    assert err.count("unavailable") == 1, err  # one ERROR line, when the state changed
    assert WHO.external_id not in err


async def test_the_store_recovers_even_when_a_caller_clears_its_traceback(tmp_path: Path) -> None:
    """APScheduler clears the frames of a failed job's traceback. The error a failed batch
    hands its callers once carried the worker's own (suspended) frame, so clearing it
    finalized the worker: after a second of an unwritable file the bot answered nobody again
    while /healthz said ok. Now the store works again as soon as the file does."""
    import asyncio
    import traceback

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    db = tmp_path / "citybot.db"
    async with SqliteStore(db) as store:
        await store.commit(WHO, Conversation(step=Step.CITY))
        store.guard.problem = lambda: "x.db is missing or not writable"  # type: ignore[method-assign]
        for attempt in (lambda: store.load(WHO), lambda: store.commit(WHO, Conversation())):
            with pytest.raises(StoreUnavailable) as caught:
                await attempt()
            traceback.clear_frames(caught.value.__traceback__)
        # And through the real scheduler, as the announcements' dispatcher runs.
        failed = asyncio.Event()
        scheduler = AsyncIOScheduler()

        async def job() -> None:
            try:
                await store.load(WHO)
            finally:
                failed.set()

        scheduler.add_job(job)
        scheduler.start()
        try:
            await asyncio.wait_for(failed.wait(), 10)
            await asyncio.sleep(0.05)  # the executor handles the failure after the job ends
        finally:
            scheduler.shutdown(wait=False)
        assert await store.writable() is False and await store.ping() is False

        del store.guard.problem  # the file is writable again
        loaded = await store.load(WHO)
        assert loaded.session.conv.step == Step.CITY
        await store.commit(WHO, Conversation(step=Step.DISTRICT), expected=loaded.version)
        assert (await store.load(WHO)).session.conv.step == Step.DISTRICT
        assert await store.writable() is True and await store.ping() is True
