"""A real, throwaway PostgreSQL server for the tests: one per session, a fresh database per test."""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Where Debian/Ubuntu put the server binaries; the highest version wins. CITYBOT_PG_BIN overrides.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
NEEDED = ("initdb", "pg_ctl", "postgres")
# initdb and postgres refuse to run as root: as root the server runs as the first of these.
SERVER_USERS = ("postgres", "nobody")
SUPERUSER = "citybot"
START_TIMEOUT_S = 60
# Test speed over durability; no parallel workers (they need dynamic shared memory, which a
# container's small /dev/shm can make fail at query time); enough connections for 3 instances.
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "max_parallel_workers_per_gather": "0",
    "huge_pages": "off",
    "log_min_messages": "warning",
    "timezone": "UTC",
}


# What a production server does (benchmarks: a commit is durable before the reply, as SQLite's
# WAL commit is): pass as start_postgres(overrides=DURABLE).
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be started for the tests: the message says what was missing."""


@dataclass
class PostgresServer:
    """A running server: DSNs for its databases and a stop() that removes everything."""

    bin_dir: Path
    base_dir: Path
    port: int
    run_as: str | None  # the OS user the server runs as when we are root, else None
    version: str
    startup_s: float = 0.0  # initdb + start, for the record
    _stopped: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    @property
    def major(self) -> int:
        """The server's major version, from `postgres --version`."""
        found = re.search(r"\)\s*(\d+)", self.version)  # "postgres (PostgreSQL) 15.18 (Debian…)"
        return int(found.group(1)) if found else 0

    def dsn(self, database: str = "postgres") -> str:
        """A TCP DSN on loopback (trust authentication, no password)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def socket_dsn(self, database: str = "postgres") -> str:
        """A DSN through the unix socket in the temporary directory."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    def stop(self) -> None:
        """Stop the server at once (no checkpoint: the data is thrown away) and remove the dir."""
        if self._stopped:
            return
        self._stopped = True
        if (self.data_dir / "postmaster.pid").exists():
            _run(
                [str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate"],
                self.run_as,
                self.base_dir,
                check=False,
            )
        shutil.rmtree(self.base_dir, ignore_errors=True)


def find_pg_bin() -> Path:
    """The directory holding initdb, pg_ctl and postgres: CITYBOT_PG_BIN, the image, or PATH."""
    override = os.environ.get("CITYBOT_PG_BIN")
    if override:
        candidates = [Path(override)]
        where = f"CITYBOT_PG_BIN={override}"
    else:

        def version_key(path: Path) -> tuple[int, ...]:
            return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (0,)

        candidates = sorted(
            (Path(p) for p in glob.glob(PG_BIN_GLOB)), key=version_key, reverse=True
        )
        on_path = shutil.which("pg_ctl")
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
        where = f"{PG_BIN_GLOB} or PATH"
    for candidate in candidates:
        if all(os.access(candidate / name, os.X_OK) for name in NEEDED):
            return candidate
    raise PostgresUnavailable(
        f"PostgreSQL server binaries ({', '.join(NEEDED)}) not found in {where}"
        f" (looked at: {', '.join(map(str, candidates)) or 'nothing'}). Install the"
        " server (Debian: apt-get install postgresql) or set CITYBOT_PG_BIN to its bin directory."
    )


def _server_user() -> str | None:
    """None when we are not root; as root, an existing unprivileged user to run the server."""
    if os.geteuid() != 0:
        return None
    wanted = os.environ.get("CITYBOT_PG_USER")
    for name in (wanted,) if wanted else SERVER_USERS:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return name
    raise PostgresUnavailable(
        "running as root, and PostgreSQL refuses to run as root, but none of the users"
        f" {wanted or ', '.join(SERVER_USERS)} exists (set CITYBOT_PG_USER to an unprivileged one)"
    )


def _run(
    args: list[str], run_as: str | None, cwd: Path, *, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program, as `run_as` (dropping root) when given; raise with its stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C", TZ="UTC")
    uid = gid = groups = None
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        uid, gid, groups = entry.pw_uid, entry.pw_gid, []
        env.update(HOME=str(cwd), USER=run_as, LOGNAME=run_as)
    try:
        result = subprocess.run(
            args,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
            user=uid,
            group=gid,
            extra_groups=groups,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PostgresUnavailable(f"{Path(args[0]).name} could not run: {exc}") from exc
    if check and result.returncode != 0:
        raise PostgresUnavailable(
            f"{Path(args[0]).name} {args[1] if len(args) > 1 else ''} failed"
            f" (exit {result.returncode}, as {run_as or 'current user'}):\n"
            f"{result.stderr.strip() or result.stdout.strip()}"
        )
    return result


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _base_dir(run_as: str | None) -> Path:
    """A temporary directory the server's user can reach, short enough for a unix socket path.

    Not pytest's tmp_path: /tmp/pytest-of-root is 0700, so a server dropped from root to an
    unprivileged user could not enter it; a socket path has at most ~107 bytes.
    """
    parent = Path(tempfile.gettempdir())
    reachable = run_as is None or all(
        p.stat().st_mode & stat.S_IXOTH for p in (parent, *parent.parents)
    )
    if not reachable or len(str(parent)) > 60:
        parent = Path("/tmp")
    return Path(tempfile.mkdtemp(prefix="citybot-pg-", dir=parent))


def start_postgres(attempts: int = 3, overrides: dict[str, str] | None = None) -> PostgresServer:
    """initdb a cluster in a temporary directory and start it on a free loopback port
    (`overrides`: settings over the tests' fast, non-durable ones, e.g. DURABLE)."""
    started = time.perf_counter()
    bin_dir = find_pg_bin()
    run_as = _server_user()
    base = _base_dir(run_as)
    try:
        if run_as is not None:
            entry = pwd.getpwnam(run_as)
            os.chown(base, entry.pw_uid, entry.pw_gid)
        version = _run([str(bin_dir / "postgres"), "--version"], run_as, base).stdout.strip()
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(base / "data"),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            run_as,
            base,
        )
        settings = dict(
            SETTINGS,
            **(overrides or {}),
            listen_addresses="127.0.0.1",
            unix_socket_directories=str(base),
        )
        last_error: PostgresUnavailable | None = None
        for _ in range(attempts):  # another process may take the free port before we bind it
            port = _free_port()
            conf = "".join(f"{k} = '{v}'\n" for k, v in dict(settings, port=port).items())
            (base / "data" / "postgresql.auto.conf").write_text(conf)
            server = PostgresServer(bin_dir, base, port, run_as, version)
            result = _run(
                [
                    str(bin_dir / "pg_ctl"),
                    "start",
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    "-D",
                    str(server.data_dir),
                    "-l",
                    str(server.log_file),
                ],
                run_as,
                base,
                check=False,
                timeout=START_TIMEOUT_S + 30,
            )
            if result.returncode == 0:
                server.startup_s = time.perf_counter() - started
                atexit.register(server.stop)  # if the session's teardown never runs
                return server
            log = server.log_file.read_text(errors="replace") if server.log_file.exists() else ""
            last_error = PostgresUnavailable(
                f"pg_ctl start failed (exit {result.returncode}, {version}, as"
                f" {run_as or 'current user'}, port {port}):\n"
                f"{result.stderr.strip()}\n--- server log ---\n{log.strip()[-4000:]}"
            )
            if "Address already in use" not in log:
                break
        assert last_error is not None
        raise last_error
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise


async def create_database(
    server: PostgresServer, name: str | None = None, template: str = "template0"
) -> str:
    """Create a database copied from `template` (empty by default) and return its DSN.

    A session can migrate one database once and pass it as `template` (it must then have no
    open connections): each test gets the schema for the price of a file copy.
    """
    import asyncpg

    name = name or f"t_{uuid.uuid4().hex[:16]}"
    # FILE_COPY (15+) is ~3x faster here than the default WAL_LOG for a small template.
    strategy = " STRATEGY FILE_COPY" if server.major >= 15 else ""
    conn = await asyncpg.connect(server.dsn())
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
    finally:
        await conn.close()
    return server.dsn(name)


async def drop_database(server: PostgresServer, name: str) -> None:
    """Drop a database, disconnecting anyone still on it."""
    import asyncpg

    conn = await asyncpg.connect(server.dsn())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server; the test run fails (never skips) if it cannot start."""
    try:
        server = start_postgres()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is required for these tests and could not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def postgres_dsn(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A DSN to a fresh, empty database of its own for one test; dropped afterwards."""
    dsn = await create_database(postgres_server)
    try:
        yield dsn
    finally:
        with contextlib.suppress(Exception):
            await drop_database(postgres_server, dsn.rsplit("/", 1)[1])
