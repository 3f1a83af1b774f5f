"""Reaching the server: the index URL (``postgresql://user@host:port/db?schema=name``), the
connections, and what the driver's errors mean to a user.

Credentials come from libpq's usual places (``PGPASSFILE`` / ``~/.pgpass``, a service file,
``PGPASSWORD``), never from the URL: a URL holding a password is refused, so it never reaches a
command line, a log or a message. Every other libpq parameter (``sslmode``, ``sslrootcert``,
``service``, ``connect_timeout``, …) passes through unchanged; ``schema`` is askcorpus's own.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from askcorpus.errors import IndexAccessError, IndexLocationError, IndexWriteError
from askcorpus.settings import IndexURL

#: An index's schema name: a plain identifier (it is quoted in every statement anyway).
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
DEFAULT_SCHEMA = "askcorpus"


@dataclass(frozen=True, slots=True)
class Target:
    """Where one index lives on a server: the URL as given, libpq's part of it, the schema."""

    url: str
    conninfo: str
    schema: str

    @property
    def where(self) -> IndexURL:
        """What messages name: the URL (it holds no password)."""
        return IndexURL(self.url)

    @classmethod
    def parse(cls, url: str) -> Target:
        """Split ``url``; an IndexLocationError when it holds a password or a bad schema name."""
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if parts.password is not None or any(k == "password" for k, _v in query):
            raise IndexLocationError(
                "the index URL holds a password: askcorpus never takes credentials on the "
                "command line",
                IndexURL(_without_password(url)),
                "remove it from the URL and put it in ~/.pgpass (or PGPASSFILE, a service file, "
                "PGPASSWORD)",
            )
        schemas = [v for k, v in query if k == "schema"]
        schema = schemas[-1] if schemas else DEFAULT_SCHEMA
        if not _SCHEMA_NAME.fullmatch(schema):
            raise IndexLocationError(
                f"schema name {schema!r} in index URL {url} is not a plain lower-case name",
                IndexURL(url),
                "use ?schema= with letters, digits and underscores",
            )
        rest = urlencode([(k, v) for k, v in query if k != "schema"])
        scheme = "postgresql"
        conninfo = urlunsplit((scheme, parts.netloc, parts.path, rest, ""))
        return cls(url, conninfo, schema)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = netloc[-1]
    user = netloc[0].split(":", 1)[0] + "@" if len(netloc) == 2 else ""
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"])
    return urlunsplit((parts.scheme, user + host, parts.path, query, ""))


def application_name(role: str) -> str:
    """How this process shows in ``pg_stat_activity``: the writer lock's holder is found there."""
    return f"askcorpus {role} pid {os.getpid()} on {socket.gethostname()}"[:63]


def connect(target: Target, role: str = "reader", autocommit: bool = True) -> psycopg.Connection:
    """A connection to the index's database; IndexAccessError when the server cannot be
    reached or refuses us (the driver's reason, which never holds a password)."""
    try:
        conn = psycopg.connect(
            target.conninfo, autocommit=autocommit, application_name=application_name(role)
        )
    except psycopg.Error as exc:
        raise access_error(target, exc) from exc
    return conn


def one_line(exc: BaseException) -> str:
    """The driver's message, on one line."""
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def access_error(target: Target, exc: BaseException) -> IndexAccessError:
    """The error for a server that cannot be reached or read."""
    return IndexAccessError(
        f"cannot reach the index {target.url}: {one_line(exc)}",
        target.where,
        "check the server, the URL and your credentials (~/.pgpass, PGPASSFILE, a service "
        "file), then try again",
    )


def write_error(
    target: Target, exc: BaseException, doing: str = "write the index"
) -> IndexWriteError:
    """A typed error for a failed write, saying why (read-only role, standby, full disk, lost
    connection); the last committed state is always intact."""
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        why, hint = (
            "this role may read the index but not change it",
            ("index with a role granted write access (docs/team.md, Roles)"),
        )
    elif isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
        why, hint = "the server is a read-only replica", "index on the primary server"
    elif isinstance(exc, psycopg.errors.DiskFull):
        why, hint = "the server's disk is full", "free some space on the database server"
    elif isinstance(exc, psycopg.OperationalError):
        why, hint = f"the connection failed ({one_line(exc)})", "check the server"
    else:
        why, hint = one_line(exc), "check the server's log"
    return IndexWriteError(
        f"cannot {doing} in {target.url}: {why}; the previous index is intact",
        target.where,
        f"{hint}, then run `askcorpus index` again",
    )
