"""The SQL that gives a role read-only access to one index (``docs/team.md``, Roles).

A reader needs to reach the schema and read its tables; nothing else. askcorpus under such a
role answers questions and, asked to index, says that this role cannot change the index
(:func:`askcorpus.store.postgres.lock.check_writable`).
"""

from __future__ import annotations

import re

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def grant_read(schema: str, role: str) -> list[str]:
    """The statements granting ``role`` read-only use of the index in ``schema`` (run by the
    index's owner; ``ALTER DEFAULT PRIVILEGES`` covers tables a later rebuild creates)."""
    for name in (schema, role):
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a plain lower-case name")
    s, r = f'"{schema}"', f'"{role}"'
    return [
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}",
    ]
