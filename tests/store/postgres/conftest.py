"""Fixtures of the PostgreSQL backend's own tests: the session's real server
(:mod:`tests.pg_server`, skipped without a wheel for this platform) and a fresh index URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg_server import Server, server, stop_all


@pytest.fixture(scope="session")
def pg() -> Iterator[Server]:
    """The session's PostgreSQL server (started on first use, stopped at the end)."""
    yield server()
    stop_all()


@pytest.fixture
def pg_url(pg: Server, request: pytest.FixtureRequest) -> str:
    """The URL of a new, empty index (a schema of its own)."""
    import uuid

    return pg.url("t_" + uuid.uuid4().hex[:12])
