"""Every mention of a word or phrase (``askcorpus mentions PHRASE``): exhaustive, not ranked.

The keyword index finds the candidate passages (``search_lexical`` of the phrase and its other
spellings with ``k`` = every passage, inside the filter); each candidate document's stored text
is then scanned for the occurrences themselves with the keyword side's folding
(:func:`fold_token`: words as FTS5's ``unicode61`` splits them, diacritics removed, lower case,
the Porter stem FTS5's ``porter`` tokenizer takes, British and American spellings alike). An
occurrence counts when it lies inside a passage the filter let through, so the total equals a
plain scan of the stored texts with the same folding (tests/search/test_mentions.py).
Documents are ordered by date (undated last), then corpus and path.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from askcorpus.errors import QueryError
from askcorpus.records import Document, KeywordQuery, PassageFilter, place_label
from askcorpus.search.question import check_folder
from askcorpus.settings import Settings
from askcorpus.store.base import Store, StoredPassage, check_manifest
from askcorpus.store.factory import open_index
from askcorpus.text import spelling
from askcorpus.text.fold import CJK_LETTERS, is_cyrillic_word, keyword_clause, russian_stem
from askcorpus.text.fts5 import porter_stem
from askcorpus.text.sentences import paragraph_spans, sentence_spans
from askcorpus.text.syntax import merge_filters, parse_query

#: Other spellings tried per word of a phrase, at most (their combinations are clauses).
MAX_VARIANTS = 3
#: A mention's context (its sentence) is cut to about this many characters around it.
CONTEXT_CHARS = 300
# unicode61 keeps letters, digits and private-use characters together; all else separates.
_TOKEN = re.compile(r"[^\W_]+")
_CJK = re.compile(f"[{CJK_LETTERS}]")


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence: offsets into the document's stored text, where it is, its sentence."""

    start: int
    end: int
    page: int | None
    location: str
    context: str


@dataclass(frozen=True, slots=True)
class DocumentMentions:
    """The mentions in one document, in text order."""

    source: str
    title: str
    corpus: str | None
    date: str | None
    mentions: tuple[Mention, ...]

    @property
    def count(self) -> int:
        """How many times the phrase occurs in the document."""
        return len(self.mentions)


@dataclass(frozen=True, slots=True)
class Mentions:
    """Every mention of ``query``, grouped by document; ``total`` is the sum of the counts."""

    query: str
    documents: tuple[DocumentMentions, ...]

    @property
    def total(self) -> int:
        """All mentions of all documents."""
        return sum(d.count for d in self.documents)


@functools.lru_cache(maxsize=1 << 17)
def plain(token: str) -> str:
    """A word lower-cased with its diacritics removed (as ``remove_diacritics 2`` does)."""
    return "".join(
        ch for ch in unicodedata.normalize("NFD", token) if not unicodedata.combining(ch)
    ).lower()


@functools.lru_cache(maxsize=1 << 16)
def fold_token(token: str) -> str:
    """A word as the keyword side indexes it: diacritics removed, lower case, American
    spelling, stemmed by FTS5's own Porter stemmer (:mod:`askcorpus.text.fts5`; it leaves
    words under 3 characters as they are)."""
    if is_cyrillic_word(token):  # the keyword index holds Russian stems (text/fold.py)
        return russian_stem(token)
    word = spelling.fold(plain(token))
    return word if len(word) < 3 else porter_stem(word)


def _prefixes(word: str) -> tuple[str, ...]:
    """What a word folding like ``word`` must begin with: Porter only rewrites a word's last
    three letters or fewer beyond its stem, so the stem less three letters is a prefix (of
    the word or of one of its other spellings)."""
    forms = {word, *spelling.variants(word), fold_token(word)}
    return tuple({f[: max(1, len(f) - 3)] for f in forms})


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The lower-case words of ``phrase`` as the keyword side splits them."""
    return tuple(m.group(0).lower() for m in _TOKEN.finditer(phrase))


def keyword_clauses(words: tuple[str, ...]) -> KeywordQuery:
    """The phrase and its other spellings (each word's, combined) as one keyword query."""
    choices = [(w, *spelling.variants(w)[:MAX_VARIANTS]) for w in words]
    clauses = (keyword_clause(c) for c in itertools.product(*choices))
    return KeywordQuery(tuple(dict.fromkeys(c for c in clauses if c)))


def occurrences(
    text: str, words: tuple[str, ...], start: int = 0, end: int | None = None
) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every run of tokens of ``text[start:end]`` that folds like
    ``words`` (document offsets); a token the bounds cut through does not count.

    Stemming is the slow part (pure Python), so only words beginning like the first word can
    (:func:`_prefixes`) are stemmed; in ASCII text a regular expression finds those."""
    end = len(text) if end is None else end
    if any(_CJK.search(w) for w in words):
        # CJK is written without spaces: a CJK word is found inside longer runs, as the
        # bigram keyword index finds it (text/fold.py), allowing only spaces between words.
        pattern = re.compile(r"\s*".join(map(re.escape, words)), re.IGNORECASE)
        yield from (m.span() for m in pattern.finditer(text, start, end))
        return
    want = tuple(fold_token(w) for w in words)
    if text.isascii() if (start, end) == (0, len(text)) else text[start:end].isascii():
        starts: Iterator[int] = (m.start() for m in _first_word(words).finditer(text, start, end))
    else:
        first = _prefixes(words[0])
        starts = (
            m.start()
            for m in _TOKEN.finditer(text, start, end)
            if (m.start() > start or start == 0 or not _TOKEN.match(text[start - 1]))
            and plain(m.group(0)).startswith(first)
        )
    for pos in starts:
        tokens = list(itertools.islice(_TOKEN.finditer(text, pos), len(want)))
        if (
            len(tokens) == len(want)
            and tokens[-1].end() <= end
            and all(fold_token(t.group(0)) == w for t, w in zip(tokens, want, strict=True))
        ):
            yield pos, tokens[-1].end()


@functools.lru_cache(maxsize=256)
def _first_word(words: tuple[str, ...]) -> re.Pattern[str]:
    """Where, in ASCII text, a word beginning like ``words[0]`` can start (not inside a word:
    the look-behind also sees the character before a search's start)."""
    prefixes = sorted(_prefixes(words[0]), key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, prefixes)) + ")", re.IGNORECASE)


def parse_phrase(phrase: str, where: PassageFilter | None) -> tuple[tuple[str, ...], PassageFilter]:
    """The words to find and the filter: ``phrase`` may hold filters (``in:`` …) and quotes."""
    parsed = parse_query(phrase)
    allowed = merge_filters(parsed.where, where) if where else parsed.where
    words = phrase_words(parsed.text)
    if not words:
        raise QueryError(
            "no word to look for", hint='give a word or a phrase, e.g. "Power of Siberia"'
        )
    # The phrase's own quotes add nothing: every mention holds it anyway.
    kept = tuple(r for r in allowed.required if r != keyword_clause(words))
    return words, PassageFilter(
        allowed.folder,
        allowed.kinds,
        allowed.after,
        allowed.before,
        allowed.languages,
        kept,
        allowed.excluded,
        allowed.exclude_sources,
    )


def open_stores(folders: Sequence[Path | str], settings: Settings) -> list[Store]:
    """The stores of ``folders`` (no model needed: mentions only read the keyword index and
    the stored texts); typed errors when one is missing or of another schema or model."""
    stores: list[Store] = []
    try:
        for folder in folders:
            store = open_index(folder)
            stores.append(store)
            check_manifest(store.manifest, settings, store.where, for_update=False)
        return stores
    except BaseException:
        for store in stores:
            store.close()
        raise


def find_mentions(
    stores: Sequence[Store], phrase: str, where: PassageFilter | None = None
) -> Mentions:
    """Every mention of ``phrase`` in the passages of ``stores`` that ``where`` (and the
    filters written in ``phrase``) let through; see the module docstring."""
    words, allowed = parse_phrase(phrase, where)
    query = keyword_clauses(words)
    found: list[DocumentMentions] = []
    for store in stores:
        with store.snapshot():
            everything = max(store.stats().passages, 1)
            hits = store.search_lexical(query, everything, allowed or None)
            by_source: dict[str, list[StoredPassage]] = defaultdict(list)
            for p in store.passages([i for i, _s in hits]).values():
                by_source[p.source].append(p)
            for source, passages in by_source.items():
                doc = store.document(source)
                if doc is not None:
                    mentions = document_mentions(doc, words, passages)
                    if mentions:
                        corpus = store.manifest.corpus or None
                        found.append(
                            DocumentMentions(source, doc.title, corpus, doc.date, mentions)
                        )
    if not found and allowed.folder:
        check_folder(stores, allowed.folder)
    found.sort(key=lambda d: (d.date is None, d.date or "", d.corpus or "", d.source))
    return Mentions(phrase, tuple(found))


def document_mentions(
    doc: Document, words: tuple[str, ...], passages: Sequence[StoredPassage]
) -> tuple[Mention, ...]:
    """The occurrences of ``words`` in ``doc`` lying inside one of ``passages`` (only those
    are scanned: a few candidate passages of a long document), in text order."""
    found: dict[tuple[int, int], Mention] = {}
    for p in sorted(passages, key=lambda p: (p.start, p.end)):
        paragraphs: list[tuple[int, int]] | None = None
        for start, end in occurrences(doc.text, words, p.start, p.end):
            if (start, end) in found:  # overlapping passages hold it twice
                continue
            if paragraphs is None:
                paragraphs = paragraph_spans(doc.text, p.start, p.end) or [(p.start, p.end)]
            j = max(0, bisect.bisect_right([a for a, _b in paragraphs], start) - 1)
            page = doc.page_at(start)
            label = place_label(doc.kind, page, doc.section_at(start), p.paragraph, doc.title)
            found[start, end] = Mention(
                start, end, page, label, context(doc.text, paragraphs[j], start, end)
            )
    return tuple(found[key] for key in sorted(found))


def context(text: str, paragraph: tuple[int, int], start: int, end: int) -> str:
    """The sentence(s) of ``paragraph`` holding ``text[start:end]``, cut to about
    :data:`CONTEXT_CHARS` characters around it, on one line."""
    sentences = [s for s in sentence_spans(text, *paragraph) if s[0] < end and start < s[1]]
    a = min((s[0] for s in sentences), default=start)
    b = max((s[1] for s in sentences), default=end)
    half = max(0, (CONTEXT_CHARS - (end - start)) // 2)
    a, b = max(a, start - half), min(b, end + half)
    snippet = " ".join(text[a:b].split())
    return (
        ("…" if a > paragraph[0] and a == start - half else "")
        + snippet
        + ("…" if b < paragraph[1] and b == end + half else "")
    )
