"""Wording of the window's empty and error states: what happened and what to do next.

Each function returns ``(title, body, actions)`` for :meth:`ResultsPanel.show_state`; actions are
``(key, button label)`` pairs handled by the main window.
"""

from __future__ import annotations

from pathlib import Path

State = tuple[str, str, tuple[tuple[str, str], ...]]

OPEN = ("open", "Open Corpus Folder…")


def opening(name: str) -> State:
    """Shown while the index opens."""
    return (f"Opening “{name}”…", "You can type your question already.", ())


def ready(name: str, documents: int, passages: int) -> State:
    """The index is open and nothing has been asked yet."""
    docs = f"{documents:,} document{'s' if documents != 1 else ''}"
    return (
        f"Ask anything about the {docs} in “{name}”",
        f"Answers are passages quoted exactly from your documents ({passages:,} passages "
        "indexed), best first. Select one to read it in context; press Enter to open its file.",
        (),
    )


def building(name: str) -> State:
    """The first index of a corpus is being built."""
    return (
        f"Indexing “{name}” for the first time",
        "Every passage is read once by the language model; later updates only read what "
        "changed. You can type your question meanwhile.",
        (),
    )


def no_corpus(folder: Path, recent: Path | None = None) -> State:
    """The corpus folder does not exist (offering the last corpus used, if there is one)."""
    actions: tuple[tuple[str, str], ...] = (OPEN, ("retry", "Try Again"))
    if recent is not None:
        actions = ((f"recent:{recent}", f"Open “{recent.name}”"), *actions)
    return (
        "Corpus folder not found",
        f"{folder} does not exist. Open a folder of documents to search, or create this one "
        "and put documents in it.",
        actions,
    )


def empty_corpus(folder: Path, suffixes: list[str]) -> State:
    """The corpus folder holds nothing askcorpus can read."""
    kinds = ", ".join(suffixes) if suffixes else ".txt, .md"
    return (
        "No documents here yet",
        f"{folder} holds no files askcorpus can read ({kinds}). Add some — askcorpus notices "
        "new files — or open another folder.",
        (OPEN, ("reindex", "Index Now")),
    )


def needs_rebuild(message: str) -> State:
    """The index was built differently (another model or version) or is damaged."""
    return (
        "This index needs to be rebuilt",
        f"{message}\n\nRebuilding reads every document again; your documents are not touched.",
        (("rebuild", "Rebuild Index"), OPEN),
    )


def not_built(name: str) -> State:
    """The first build was cancelled."""
    return (
        f"“{name}” is not indexed yet",
        "Indexing was cancelled before it finished. Index the folder to search it.",
        (("reindex", "Index Now"), OPEN),
    )


def failed(title: str, message: str, retry: bool = True) -> State:
    """Something else went wrong."""
    actions: tuple[tuple[str, str], ...] = (("reindex", "Try Again"), OPEN) if retry else ()
    return (title, message, actions)
