"""``python -m askcorpus`` and the ``askcorpus`` command."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point: run the CLI (or the window when no command is given) and exit."""
    from askcorpus.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
