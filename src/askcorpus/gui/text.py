"""Turning errors and registries into words for the window."""

from __future__ import annotations

from askcorpus.errors import AskcorpusError


def message(exc: BaseException) -> str:
    """One line for the user: the typed error's message and hint, else the exception."""
    if isinstance(exc, AskcorpusError):
        return exc.user_message()
    return f"{type(exc).__name__}: {exc}"


def suffixes() -> list[str]:
    """File kinds askcorpus reads, for the 'empty corpus' message."""
    try:
        from askcorpus.ingest.formats import supported_suffixes

        return sorted(supported_suffixes())
    except Exception:  # the message must show even if a format plug-in is broken
        return []
