"""The window's research work as plain functions over the core (no Qt here): a question over
several corpora, every mention of a phrase, a mention shown in its document, the other
corpora's indexes, and a team corpus opened by URL. Each runs on the engine's query worker.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit

from askcorpus.errors import AskcorpusError
from askcorpus.records import PassageFilter
from askcorpus.settings import Settings

if TYPE_CHECKING:
    from askcorpus.embed.embedder import Embedder
    from askcorpus.gui.tasks import DocumentView, TimedResult
    from askcorpus.search.index import Index
    from askcorpus.search.mentions import Mentions

#: URL schemes of team corpora (an index on a server).
TEAM_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True, slots=True)
class OtherCorpora:
    """The indexes of the corpora searched together with the one shown, and a line for each
    one that could not be opened (no index yet, another model …)."""

    indexes: tuple[Index, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TimedMentions:
    """Every mention of a phrase, with the time it took, and where each mention's words begin
    and end in its context (``spans[d][m]``, per document and mention; None when not found)."""

    mentions: Mentions
    seconds: float
    spans: tuple[tuple[tuple[int, int] | None, ...], ...] = ()


def context_spans(
    text: str, mentions: Sequence[tuple[int, int, str]]
) -> tuple[tuple[int, int] | None, ...]:
    """Where each mention ``(start, end, context)`` of a document of ``text`` lies in its own
    context (the words as found, white space folded); the n-th mention sharing a context is
    its n-th occurrence there."""
    seen: dict[tuple[str, str], int] = {}
    out: list[tuple[int, int] | None] = []
    for start, end, ctx in mentions:
        words = " ".join(text[start:end].split())
        nth = seen.get((ctx, words), 0)
        seen[ctx, words] = nth + 1
        # Whole words only: "Central Asia" is not the start of "Central Asian".
        found = list(re.finditer(rf"(?<!\w){re.escape(words)}(?!\w)", ctx)) if words else []
        out.append(found[nth].span() if nth < len(found) else None)
    return tuple(out)


def _refresh(indexes: Sequence[Index]) -> None:
    # Another process (the CLI, another window) may have updated an index since it was opened.
    for index in indexes:
        refresh = getattr(index.store, "refresh", None)
        if refresh is not None:
            refresh()


def search_together(
    indexes: Sequence[Index], question: str, k: int, where: PassageFilter | None
) -> TimedResult:
    """Answer ``question`` from all of ``indexes`` as one ranked list (one index: exactly its
    own answer), each hit labelled with its corpus."""
    from askcorpus.gui.tasks import TimedResult
    from askcorpus.search.multi import MultiIndex

    t0 = time.perf_counter()
    _refresh(indexes)
    # MultiIndex only borrows the indexes: it is never closed here. The window lists every
    # hit with its sentence: all are highlighted on this worker.
    result = MultiIndex(indexes).search(question, k, where=where or None, highlight=k)
    return TimedResult(result, time.perf_counter() - t0)


def mentions(indexes: Sequence[Index], phrase: str, where: PassageFilter | None) -> TimedMentions:
    """Every mention of ``phrase`` in ``indexes`` inside ``where``."""
    from askcorpus.search.mentions import find_mentions

    t0 = time.perf_counter()
    _refresh(indexes)
    stores = [i.store for i in indexes]
    found = find_mentions(stores, phrase, where or None)
    seconds = time.perf_counter() - t0
    by_corpus = {s.manifest.corpus or None: s for s in stores}
    spans = []
    for d in found.documents:
        store = by_corpus.get(d.corpus, stores[0])
        doc = store.document(d.source)
        rows = [(m.start, m.end, m.context) for m in d.mentions]
        spans.append(context_spans(doc.text, rows) if doc is not None else (None,) * len(rows))
    return TimedMentions(found, seconds, tuple(spans))


def load_mention(
    index: Index, corpus: Path, source: str, start: int, end: int
) -> DocumentView | None:
    """``source`` shown at the passage holding the mention ``start:end``, the mention marked."""
    from askcorpus.gui.tasks import load_document

    passages = index.store.document_passages(source)
    holding = next((p for p in passages if p[1] <= start < p[2]), None)
    if holding is None:
        return load_document(index, corpus, source, None, (start, end), None, (start, end))
    pid, a, b = holding
    return load_document(index, corpus, source, pid, (a, max(b, end)), None, (start, end))


def open_others(settings: Sequence[Settings], embedder: Embedder) -> OtherCorpora:
    """Open the index of each of ``settings`` (a corpus not indexed yet is a problem line)."""
    from askcorpus.gui.text import message
    from askcorpus.search.index import Index

    opened: list[Index] = []
    problems: list[str] = []
    for s in settings:
        try:
            opened.append(Index.open(s.index_dir, s, embedder))
        except AskcorpusError as exc:
            problems.append(f"{s.corpus_dir.name}: {message(exc)}")
    return OtherCorpora(tuple(opened), tuple(problems))


def close_all(indexes: Sequence[Index]) -> None:
    """Close indexes no longer searched."""
    for index in indexes:
        index.close()


def team_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be opened as a team corpus, without ever repeating a password it
    holds; None when it reads as one."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        has_password = parts.password is not None
    except ValueError:
        return "This is not a URL. Write postgresql://user@host:5432/database"
    if parts.scheme.lower() not in TEAM_SCHEMES or not text.lower().startswith(
        tuple(f"{s}://" for s in TEAM_SCHEMES)
    ):
        return "A team corpus URL starts with postgresql:// (e.g. postgresql://user@host/db)"
    if has_password or "password=" in parts.query.lower():
        return (
            "The URL holds a password: askcorpus never keeps one in a URL. Remove it and put it "
            "in your PostgreSQL password file instead (~/.pgpass, or the file PGPASSFILE names: "
            "host:port:database:user:password)."
        )
    if not parts.hostname and not parts.path.strip("/"):
        return "The URL names no server or database (e.g. postgresql://user@host/db)"
    return None


def open_team(url: str, settings: Settings, embedder: Embedder) -> Index:
    """The index of a team corpus at ``url`` (through the store factory, as every index)."""
    from askcorpus.search.index import Index
    from askcorpus.store.factory import locate

    problem = team_url_problem(url)
    if problem is not None:
        raise AskcorpusError(problem)
    # The factory first: it knows which backends exist and says so for one that does not.
    locate(url.strip())
    return Index.open(url.strip(), settings, embedder)


def without_password(url: str) -> str:
    """``url`` with any password taken out (``postgresql://ann:secret@db/x`` →
    ``postgresql://ann@db/x``, a ``password=`` parameter dropped), so the field never keeps
    showing one."""
    try:
        parts = urlsplit(url.strip())
        password = parts.password
    except ValueError:
        return ""
    query = [(k, v) for k, v in parse_qsl(parts.query, True) if k.lower() != "password"]
    if password is None and len(query) == len(parse_qsl(parts.query, True)):
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{user}@{host}" if user else host
    return parts._replace(netloc=netloc, query=urlencode(query)).geturl()
