"""Wording of the window's empty and error states: what happened and what to do next.

Each function returns ``(title, body, actions)`` for :meth:`ResultsPanel.show_state`; actions are
``(StateAction, button label)`` pairs handled by the window's actions controller.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from askcorpus.indexer.languages import INSTALL, LanguageAdvice


class Step(enum.Enum):
    """What a button of an empty state does."""

    OPEN = "open"  # choose another corpus folder
    RETRY = "retry"  # open the same corpus again
    REINDEX = "reindex"
    REBUILD = "rebuild"
    REBUILD_MULTILINGUAL = "rebuild-multilingual"  # rebuild with the multilingual encoder
    OPEN_RECENT = "open-recent"  # open ``StateAction.folder``


@dataclass(frozen=True, slots=True)
class StateAction:
    """A button's action: a step, and for :attr:`Step.OPEN_RECENT` the folder to open."""

    step: Step
    folder: Path | None = None


Button = tuple[StateAction, str]
State = tuple[str, str, tuple[Button, ...]]

OPEN_ACTION = StateAction(Step.OPEN)
RETRY_ACTION = StateAction(Step.RETRY)
REINDEX_ACTION = StateAction(Step.REINDEX)
REBUILD_ACTION = StateAction(Step.REBUILD)
REBUILD_MULTILINGUAL_ACTION = StateAction(Step.REBUILD_MULTILINGUAL)
#: The button (and Index menu entry) that rebuilds an index with the multilingual encoder.
MULTILINGUAL_LABEL = "Rebuild for Several Languages…"
OPEN: Button = (OPEN_ACTION, "Open Corpus Folder…")


def open_recent(folder: Path) -> StateAction:
    """The action opening the corpus in ``folder``."""
    return StateAction(Step.OPEN_RECENT, folder)


def opening(name: str) -> State:
    """Shown while the index opens."""
    return (f"Opening “{name}”…", "You can type your question already.", ())


def ready(
    name: str,
    documents: int,
    passages: int,
    superseded: bool = False,
    languages: LanguageAdvice | None = None,
) -> State:
    """The index is open and nothing has been asked yet (``superseded``: its vectors come
    from an earlier encoder, :data:`askcorpus.embed.embedder.SUPERSEDED`; ``languages``: most
    of its documents are not in English, :func:`askcorpus.indexer.languages.advise`)."""
    docs = f"{documents:,} document{'s' if documents != 1 else ''}"
    title = f"Ask anything about the {docs} in “{name}”"
    body = (
        f"Answers are passages quoted exactly from your documents ({passages:,} passages "
        "indexed), best first. Select one to read it in context; press Enter to open its file."
    )
    if languages is not None:
        body += f"\n\n{multilingual_advice(languages)}"
        buttons: tuple[Button, ...] = ()
        if languages.installed:
            buttons = ((REBUILD_MULTILINGUAL_ACTION, MULTILINGUAL_LABEL),)
        return (title, body, buttons)
    if not superseded:
        return (title, body, ())
    body += (
        "\n\nThis index was encoded by an earlier version of askcorpus. Questions work; "
        "rebuilding it (your documents are not touched) gives the best ranking, and the same "
        "results on every computer."
    )
    return (title, body, ((REBUILD_ACTION, "Rebuild Index"),))


def multilingual_advice(languages: LanguageAdvice) -> str:
    """The advice of the ready state, in the window's words (a button, not a command)."""
    text = (
        f"{languages.count_text()}. The bundled language model understands English only, "
        "so they are found by their words, not their meaning. The multilingual encoder finds "
        "them by meaning, in any language and across languages; indexing takes about 11 times "
        "as long."
    )
    if not languages.installed:
        return f"{text} It is not installed here ({INSTALL})."
    return text


def confirm_english(name: str, passages: int) -> tuple[str, str]:
    """The question before rebuilding a multilingual index with the English model."""
    return (
        "Rebuild for English only?",
        f"Every passage of “{name}” ({passages:,}) is read again by the bundled English model, "
        "about 11 times faster than the multilingual encoder. Documents in other languages are "
        "then found by their words only.",
    )


def confirm_multilingual(name: str, passages: int) -> tuple[str, str]:
    """The question before rebuilding with the multilingual encoder: (title, text)."""
    return (
        "Rebuild for several languages?",
        f"Every passage of “{name}” ({passages:,}) is read again by the multilingual encoder "
        "(multilingual-e5-small). Questions in any language then find passages in any "
        "language by meaning. Indexing takes about 11 times as long as with the English "
        "model (roughly 4 passages a second on two cores). If you cancel, what was indexed by "
        "then is kept, and Reindex finishes it.",
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
    actions: tuple[Button, ...] = (OPEN, (RETRY_ACTION, "Try Again"))
    if recent is not None:
        actions = ((open_recent(recent), f"Open “{recent.name}”"), *actions)
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
        (OPEN, (REINDEX_ACTION, "Index Now")),
    )


def needs_rebuild(message: str) -> State:
    """The index was built differently (another model or version) or is damaged."""
    return (
        "This index needs to be rebuilt",
        f"{message}\n\nRebuilding reads every document again; your documents are not touched.",
        ((REBUILD_ACTION, "Rebuild Index"), OPEN),
    )


def not_built(name: str) -> State:
    """The first build was cancelled."""
    return (
        f"“{name}” is not indexed yet",
        "Indexing was cancelled before it finished. Index the folder to search it.",
        ((REINDEX_ACTION, "Index Now"), OPEN),
    )


def failed(title: str, message: str, retry: bool = True) -> State:
    """Something else went wrong."""
    actions: tuple[Button, ...] = ((REINDEX_ACTION, "Try Again"), OPEN) if retry else ()
    return (title, message, actions)
