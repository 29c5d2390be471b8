"""A PostgreSQL cluster of the stack's own (Debian's PostgreSQL 15 binaries),
on its own port and socket directory, independent of any system cluster.

``start_cluster(dir, port)`` creates the cluster on first use, starts it if it
is not running, makes sure the role and database ``todo`` exist and returns a
libpq URL; ``stop_cluster(dir)`` stops it. Tests use the same two functions
for a throwaway server in a temporary directory.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from devtools.settings import dev_settings


def pg_bin() -> Path:
    """PostgreSQL's binaries (TODO_PG_BIN, devtools/settings.py)."""
    return dev_settings().pg_bin


DB_NAME = "todo"
DB_USER = "todo"
SYSTEM_USER = "postgres"  # runs the server when we are root


class PostgresError(RuntimeError):
    pass


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str
    host: str
    port: int
    dbname: str

    def url(self, scheme: str = "postgresql") -> str:
        """``postgresql://user:pw@host:port/db`` (``scheme`` e.g. ``postgresql+psycopg``)."""
        return (
            f"{scheme}://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@{self.host}:{self.port}/{quote(self.dbname, safe='')}"
        )

    def keyword_dsn(self) -> str:
        """libpq keyword/value form (what Dapr's state.postgresql documents)."""
        return (
            f"host={self.host} port={self.port} user={self.user} "
            f"password={self.password} dbname={self.dbname} sslmode=disable"
        )


def _as_root() -> bool:
    return os.geteuid() == 0


def _cmd(argv: list[str]) -> list[str]:
    """Run as the ``postgres`` system user when we are root (initdb and the
    server refuse to run as root)."""
    if _as_root():
        return ["runuser", "-u", SYSTEM_USER, "--", *argv]
    return argv


def _chown_to_postgres(path: Path) -> None:
    if not _as_root():
        return
    entry = pwd.getpwnam(SYSTEM_USER)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _run(argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        _cmd(argv), capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    if check and proc.returncode != 0:
        raise PostgresError(
            f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return proc


def _paths(directory: Path) -> tuple[Path, Path, Path]:
    return directory / "data", directory / "sock", directory / "credentials.json"


def _require_binaries() -> None:
    for tool in ("initdb", "pg_ctl", "psql"):
        if not (pg_bin() / tool).exists():
            raise PostgresError(
                f"{pg_bin() / tool} not found: run deploy/system/install.sh (postgresql-15)"
            )
    if _as_root() and shutil.which("runuser") is None:
        raise PostgresError("runuser not found (util-linux)")


def _password(cred_file: Path) -> str:
    if cred_file.exists():
        return str(json.loads(cred_file.read_text(encoding="utf-8"))["password"])
    password = secrets.token_hex(16)
    cred_file.write_text(json.dumps({"user": DB_USER, "password": password}) + "\n")
    cred_file.chmod(0o600)
    return password


def log_file(directory: Path) -> Path:
    return directory / "server.log"


def is_running(directory: Path) -> bool:
    data, _, _ = _paths(directory)
    if not (data / "PG_VERSION").exists():
        return False
    return _run([str(pg_bin() / "pg_ctl"), "status", "-D", str(data)], check=False).returncode == 0


def server_pid(directory: Path) -> int | None:
    """The postmaster's pid from ``postmaster.pid`` while the server runs."""
    data, _, _ = _paths(directory)
    try:
        first = (data / "postmaster.pid").read_text(encoding="ascii").splitlines()[0]
        return int(first)
    except (OSError, IndexError, ValueError):
        return None


def running_port(directory: Path) -> int | None:
    data, _, _ = _paths(directory)
    try:
        return int((data / "postmaster.pid").read_text(encoding="ascii").splitlines()[3])
    except (OSError, IndexError, ValueError):
        return None


def _make_traversable(directory: Path) -> None:
    """As root, the server runs as ``postgres``, which must be able to reach
    ``directory``: add the search (x) bit, not read, to ancestors we own that
    lack it (pytest's tmp dirs are 0700)."""
    if not _as_root():
        return
    for parent in [directory, *directory.parents]:
        try:
            st = parent.stat()
        except OSError:
            continue
        if st.st_uid == os.geteuid() and not st.st_mode & 0o001:
            parent.chmod((st.st_mode & 0o7777) | 0o011)


def init_cluster(directory: Path) -> None:
    """``initdb`` once (local socket: trust; TCP: scram-sha-256)."""
    _require_binaries()
    data, sock, _ = _paths(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _make_traversable(directory)
    for path in (data, sock):
        path.mkdir(exist_ok=True)
        _chown_to_postgres(path)
    data.chmod(0o700)
    if (data / "PG_VERSION").exists():
        return
    _run(
        [
            str(pg_bin() / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
        ]
    )


def start_cluster(directory: Path, port: int, *, log: Path | None = None) -> str:
    """Create (first time) and start the cluster in ``directory`` on 127.0.0.1:``port``;
    ensure role and database ``todo``; return ``postgresql://todo:...@127.0.0.1:port/todo``.

    If the cluster already runs it is kept as it is (and its actual port is used).
    """
    data, sock, cred_file = _paths(directory)
    init_cluster(directory)
    log = log or log_file(directory)
    if not is_running(directory):
        log.parent.mkdir(parents=True, exist_ok=True)
        log.touch(exist_ok=True)
        _chown_to_postgres(log)
        options = (
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        proc = _run(
            [
                str(pg_bin() / "pg_ctl"),
                "start",
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
            ],
            check=False,
        )
        if proc.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise PostgresError(f"pg_ctl start failed:\n{proc.stdout}{proc.stderr}\n{tail}")
    actual = running_port(directory) or port
    password = _password(cred_file)
    _ensure_database(sock, actual, password)
    return Credentials(DB_USER, password, "127.0.0.1", actual, DB_NAME).url()


def _psql(sock: Path, port: int, sql: str, dbname: str = "postgres") -> str:
    proc = _run(
        [
            str(pg_bin() / "psql"),
            "-h",
            str(sock),
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            dbname,
            "-v",
            "ON_ERROR_STOP=1",
            "-tA",
            "-c",
            sql,
        ]
    )
    return proc.stdout.strip()


def _ensure_database(sock: Path, port: int, password: str) -> None:
    pw = password.replace("'", "''")
    exists = _psql(sock, port, f"SELECT 1 FROM pg_roles WHERE rolname = '{DB_USER}'")
    verb = "ALTER" if exists == "1" else "CREATE"
    _psql(sock, port, f"{verb} ROLE {DB_USER} LOGIN PASSWORD '{pw}'")
    if _psql(sock, port, f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") != "1":
        _psql(sock, port, f"CREATE DATABASE {DB_NAME} OWNER {DB_USER}")


def credentials(directory: Path) -> Credentials | None:
    """Credentials of a running cluster (None when it is not running)."""
    _, _, cred_file = _paths(directory)
    port = running_port(directory)
    if port is None or not cred_file.exists():
        return None
    return Credentials(DB_USER, _password(cred_file), "127.0.0.1", port, DB_NAME)


def create_database(directory: Path, name: str) -> str:
    """Create an extra database owned by ``todo`` (e.g. per test); return its URL."""
    _, sock, cred_file = _paths(directory)
    port = running_port(directory)
    if port is None:
        raise PostgresError(f"cluster in {directory} is not running")
    if not name.replace("_", "").isalnum():
        raise PostgresError(f"unsafe database name {name!r}")
    if _psql(sock, port, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        _psql(sock, port, f"CREATE DATABASE {name} OWNER {DB_USER}")
    return Credentials(DB_USER, _password(cred_file), "127.0.0.1", port, name).url()


def stop_cluster(directory: Path, *, mode: str = "fast") -> bool:
    """Stop the cluster if it runs; True if it was running."""
    data, _, _ = _paths(directory)
    if not is_running(directory):
        return False
    _run([str(pg_bin() / "pg_ctl"), "stop", "-D", str(data), "-m", mode, "-w", "-t", "60"])
    return True
