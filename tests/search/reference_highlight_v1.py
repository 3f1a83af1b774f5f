"""Finding the sentence of a passage that best answers a question, and the matched terms.

REFERENCE COPY (issue #18): src/askcorpus/search/highlight.py before the query-time speed work,
the oracle tests/search/test_highlight_fast.py compares the faster path with. Do not optimise.
One rule was added since, written plainly here apart from the production code (marked "later
rule"): a heading loses ties with a sentence.

Two signals pick the sentence: how many of the question's content words it shares (stemmed),
and, when the caller has them, the embedding similarity of the question with each sentence.
Term overlap alone misses paraphrases ("When did they agree?" vs "the deal was signed in
May"); similarity alone sometimes prefers a generic sentence over the one naming the thing
asked about, so the two are added.
"""

from __future__ import annotations

from collections.abc import Sequence

from askcorpus.text.query import query_terms
from askcorpus.text.sentences import sentence_spans
from askcorpus.text.terms import term_key as _key
from askcorpus.text.terms import term_keys as _keys

# How much a sentence sharing every question term gains over one sharing none, on the scale of
# cosine similarity (where answering sentences typically beat their neighbours by 0.1-0.3).
OVERLAP_WEIGHT = 0.1


def matched_terms(question: str, text: str) -> tuple[str, ...]:
    """The question's content words that occur in ``text`` (stemmed, any British or American
    spelling), in question order."""
    present = _keys(text)
    return tuple(t for t in query_terms(question) if _key(t) in present)


def sentence_texts(text: str) -> list[str]:
    """The sentences of ``text``, as :func:`best_sentence` sees them (for embedding them)."""
    return [text[a:b] for a, b in sentence_spans(text)]


def _terms(question: str) -> set[str]:
    return {_key(t) for t in query_terms(question)}


def sentence_overlaps(question: str, text: str) -> list[int]:
    """How many question terms each sentence of ``text`` shares (stemmed), in sentence order."""
    terms = _terms(question)
    return [len(terms & _keys(text[a:b])) for a, b in sentence_spans(text)]


def heading_indexes(text: str) -> frozenset[int]:
    """Later rule: the sentences of ``text`` that are headings: alone on their line (only
    blanks beside them), ending in no sentence mark (closing quotes aside), with a sentence
    after them."""
    spans = sentence_spans(text)
    out = set()
    for i, (a, b) in enumerate(spans):
        if i == len(spans) - 1:
            continue
        line_start = text.rfind("\n", 0, a) + 1
        line_end = text.find("\n", b)
        if line_end < 0 or text[line_start:a].strip(" \t\r") or text[b:line_end].strip(" \t\r"):
            continue
        last = text[a:b].rstrip("\"'”’»)]」』）】》")[-1:]
        if not last or last in ".!?…。！？｡;；:：":
            continue
        out.add(i)
    return frozenset(out)


def best_sentence(
    question: str,
    text: str,
    offset: int = 0,
    similarities: Sequence[float] | None = None,
    overlaps: Sequence[int] | None = None,
    headings: frozenset[int] = frozenset(),
) -> tuple[int, int] | None:
    """Document span of the sentence of ``text`` that best answers ``question``.

    ``offset`` is the position of ``text`` in its document. ``similarities``, when given, holds
    the question's cosine similarity with each sentence of :func:`sentence_texts` (same order);
    ``overlaps`` is :func:`sentence_overlaps` when the caller has it already.
    Ties go to the earlier sentence. Returns None for an empty text.
    """
    spans = sentence_spans(text)
    if not spans:
        return None
    terms = _terms(question)
    if overlaps is None or len(overlaps) != len(spans):
        overlaps = [len(terms & _keys(text[a:b])) for a, b in spans]
    use_dense = similarities is not None and len(similarities) == len(spans)
    best, best_score = spans[0], float("-inf")
    for i, (a, b) in enumerate(spans):
        # Later rule: a heading is passed over unless it shares more than every sentence.
        others = [overlaps[j] for j in range(len(spans)) if j not in headings]
        if i in headings and any(overlaps[i] <= o for o in others):
            continue
        overlap = overlaps[i] / len(terms) if terms else 0.0
        score = OVERLAP_WEIGHT * overlap + (similarities[i] if use_dense else 0.0)  # type: ignore[index]
        if score > best_score + 1e-9:
            best, best_score = (a, b), score
    return best[0] + offset, best[1] + offset
