"""Is the database still the file we opened, and writable? Checked before every batch."""

from __future__ import annotations

import logging
import os
import threading

from storage.base import StoreUnavailable

log = logging.getLogger(__name__)

SUFFIXES = ("", "-wal", "-shm")  # the database and WAL mode's two companions


class FileGuard:
    """A cheap check (one stat, three access calls) that SQLite may touch the files now.

    A deleted database keeps "working" through the open descriptor and everything written is
    lost at restart; an immutable -shm kills the process with SIGBUS on the next write through
    its mmap (readers write read marks there too). So both threads ask before every batch and
    fail it with StoreUnavailable instead. os.access is False for immutable files even as root.
    """

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)  # SQLite resolved it at open; a chdir must not matter
        self._files = tuple(self.path + suffix for suffix in SUFFIXES)
        self._identity: tuple[int, int] | None = None
        self._problem: str | None = None  # the last state logged (None: fine)
        self._lock = threading.Lock()  # the reader and the writer thread both report

    def record(self) -> None:
        """Remember which file is the database (after the first connection made it)."""
        info = os.stat(self.path)
        self._identity = (info.st_dev, info.st_ino)

    def problem(self) -> str | None:
        """Why nothing may be written now, or None. Never personal data: a path and a reason."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return "the database file is gone"
        except OSError as exc:
            return f"the database file cannot be examined ({exc.strerror})"
        if (info.st_dev, info.st_ino) != self._identity:
            return "the database file was replaced by another file"
        for path in self._files:
            if not os.access(path, os.W_OK):
                return f"{os.path.basename(path)} is missing or not writable"
        return None

    def unwritable(self) -> bool:
        """A file SQLite would write through on close (a checkpoint) is there but may not be
        written: closing could fault on the mmapped -shm (SIGBUS)."""
        return any(os.path.exists(p) and not os.access(p, os.W_OK) for p in self._files)

    def check(self) -> None:
        """Raise StoreUnavailable when a batch may not touch the files; log changes once."""
        problem = self.problem()
        if problem != self._problem:
            with self._lock:
                if problem != self._problem:
                    self._problem = problem
                    if problem is None:
                        log.warning("database %s is writable again", self.path)
                    else:
                        log.error("database %s unavailable: %s", self.path, problem)
        if problem is not None:
            raise StoreUnavailable(problem)
