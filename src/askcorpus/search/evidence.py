"""Document-level evidence for fact questions: a passage gains from its document's other matches.

A question asking for one fact ("Which islands does China dispute with Japan?") is best
answered by a document that is *about* the question's subject: when its answer passage is
hidden among thousands of short debate arguments on the same subject, the passage and a rival
argument often tie on both sides, but the article has further passages that match the
question in other places, the argument has none. So each candidate gains
:data:`DOCUMENT_WEIGHT` times the fused score of the best *other* candidate of its document
that does not overlap or touch it (an overlapping passage repeats the same text and is no
second piece of evidence).

Only fact questions get it (:func:`is_fact_question`: a question mark or an opening
interrogative, and shorter than a paragraph). Claims and arguments asked as queries (SciFact's
claims, ArguAna's arguments, "Find similar") ask for the one document that matches them as a
whole; there the same evidence mostly favours documents cut into more passages and measured
−0.020 to +0.001 nDCG@10 on SciFact and down to −0.054 on ArguAna (docs/quality.md, "Ranking
in a crowd"). Hidden among ArguAna, our questions' hit@1 rose from 0.789 to 0.860.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

from askcorpus.search.fusion import LONG_QUERY_WORDS, Fused
from askcorpus.store.base import Store, StoredPassage

# Share of the best other passage's fused score a passage gains. The tuning half of the crowd
# is flat from 0.05 to 0.3 and every weight there lifts the held-out half; 0.15 is that half's
# best, so docs/quality.md reports the whole range.
DOCUMENT_WEIGHT = 0.15
# Words a question may open with (English and Russian); a question mark also suffices.
_INTERROGATIVE = frozenset(
    [
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "что",
        "какой",
        "какая",
        "какое",
        "какие",
        "кто",
        "когда",
        "где",
        "почему",
        "зачем",
        "как",
        "сколько",
    ]
)
_FIRST_WORD = re.compile(r"\w+")


def is_fact_question(text: str) -> bool:
    """Whether ``text`` reads as a question asking for a fact: shorter than
    :data:`~askcorpus.search.fusion.LONG_QUERY_WORDS` words and ending in a question mark
    (``?`` or ``？``) or opening with an interrogative word."""
    words = text.split()
    if not words or len(words) >= LONG_QUERY_WORDS:
        return False
    if text.rstrip().endswith(("?", "？")):
        return True
    first = _FIRST_WORD.search(text)
    return first is not None and first.group(0).lower() in _INTERROGATIVE


def with_document_evidence(
    fused: Sequence[Fused],
    passages: Mapping[int, StoredPassage],
    weight: float = DOCUMENT_WEIGHT,
) -> list[Fused]:
    """``fused`` re-scored ``score + weight * best other score of the same document``, best
    first; "other" passages neither overlap nor touch the passage (``passages`` gives each
    candidate's document and offsets; a candidate missing there gains nothing)."""
    members: dict[str, list[Fused]] = {}
    for f in fused:
        p = passages.get(f.id)
        if p is not None:
            members.setdefault(p.source, []).append(f)
    out = []
    for f in fused:
        p = passages.get(f.id)
        gain = 0.0
        if p is not None:
            for other in members[p.source]:
                o = passages[other.id]
                if other.id != f.id and (o.start > p.end or o.end < p.start):
                    gain = max(gain, other.score)
        out.append(dataclasses.replace(f, score=f.score + weight * gain))
    out.sort(key=lambda f: (-f.score, f.id))
    return out


def reranked(store: Store, text: str, fused: Sequence[Fused], mode: str) -> list[Fused]:
    """The fused candidates of ``text`` as they are shown: with document evidence for a fact
    question in ``hybrid`` mode, unchanged otherwise. Absence is judged on the plain fused
    list (:mod:`askcorpus.search.absence` was calibrated on it), only the order shown moves."""
    if mode != "hybrid" or not is_fact_question(text):
        return list(fused)
    return with_document_evidence(fused, store.passages([f.id for f in fused]))
