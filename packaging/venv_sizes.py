"""Size of each distribution installed in this Python environment (docs/install.md).

``.venv/bin/python packaging/venv_sizes.py [N]``: the N biggest (default 25), summed from each
distribution's RECORD, in MB (10^6 bytes), and the total.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys


def sizes() -> list[tuple[int, str]]:
    """(bytes, name) of every installed distribution, biggest first."""
    rows = []
    for dist in importlib.metadata.distributions():
        total = 0
        for file in dist.files or []:
            try:
                total += os.path.getsize(dist.locate_file(file))
            except OSError:
                continue  # listed but not there (e.g. a removed .pyc)
        rows.append((total, dist.metadata["Name"]))
    return sorted(rows, reverse=True)


if __name__ == "__main__":
    rows = sizes()
    print(f"total {sum(r[0] for r in rows) / 1e6:.0f} MB in {len(rows)} distributions")
    for size, name in rows[: int(sys.argv[1]) if len(sys.argv) > 1 else 25]:
        print(f"{size / 1e6:8.0f} MB  {name}")
