"""Generated passages, vectors and questions for the million-passage benchmark (bench/million.py).

Fast (numpy) and deterministic, so an index of 1M passages can be rebuilt and its questions
re-derived without storing them:

* **Text.** Each document belongs to one of 2,048 sub-topics of 64 topics. A passage is ~110
  words: 70 % drawn from SciFact's 20,000 most frequent words with Zipf weights (as in
  bench/generated.py), 30 % from its topic's 300 and sub-topic's 40 words (uniform), so
  passages on one subject share rarer words, as real documents do, and a word's BM25 weight
  carries information.
* **Vectors.** A passage's vector is its sub-topic's centre (bench/scale.py's :class:`Topics`)
  plus noise, normalised: real-looking neighbourhoods, not uniform noise.
* **Questions.** Each targets one passage: 3-6 of that passage's rarer words plus two frequent
  ones (as a question mixes its subject with common words), and a vector drawn near the
  target's (cosine ~0.6), so both sides can find it and recall against exhaustive search
  means something. The target is the one relevant passage for nDCG@10.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from bench.scale import DIM, Topics

PASSAGES_PER_DOC = 10
WORDS = 110
TOPIC_SHARE = 0.3
SEED = 7


@dataclass(frozen=True)
class Question:
    """A generated question: its text, its vector and the passage it was drawn from."""

    text: str
    vector: np.ndarray
    doc: int
    ordinal: int


class Corpus:
    """The generated corpus: vocabulary, topic word lists, and per-document draws by seed."""

    def __init__(self) -> None:
        from bench.generated import vocabulary

        self.words = np.array(vocabulary())
        n = len(self.words)
        weights = 1.0 / np.arange(1, n + 1)
        self.cdf = np.cumsum(weights / weights.sum())
        rng = np.random.default_rng(SEED)
        self.topics = Topics(seed=SEED)
        # Topical words come from below the 500 most frequent (those are everyone's words).
        self.topic_words = rng.integers(500, n, (64, 300))
        self.sub_words = rng.integers(500, n, (64 * 32, 40))

    def subtopic(self, doc: int) -> int:
        """The sub-topic of document ``doc`` (0..2047)."""
        return int(np.random.default_rng((SEED, doc, 1)).integers(0, 64 * 32))

    def word_ids(self, doc: int) -> np.ndarray:
        """The word ids of document ``doc``'s passages, shape (PASSAGES_PER_DOC, WORDS)."""
        rng = np.random.default_rng((SEED, doc, 2))
        sub = self.subtopic(doc)
        shape = (PASSAGES_PER_DOC, WORDS)
        common = np.searchsorted(self.cdf, rng.random(shape))
        topical = np.concatenate([self.topic_words[sub // 32], self.sub_words[sub]])
        own = topical[rng.integers(0, len(topical), shape)]
        return np.where(rng.random(shape) < TOPIC_SHARE, own, np.minimum(common, len(self.cdf) - 1))

    def texts(self, doc: int) -> list[str]:
        """Document ``doc``'s passages as text, one sentence-like line of ~110 words each."""
        out = []
        for row in self.words[self.word_ids(doc)]:
            out.append(row[0].capitalize() + " " + " ".join(row[1:]) + ".")
        return out

    def vectors(self, docs: range) -> np.ndarray:
        """The passage vectors of documents ``docs`` in order, PASSAGES_PER_DOC each."""
        subs = np.array([self.subtopic(d) for d in docs])
        rng = np.random.default_rng((SEED, docs.start, docs.stop, 3))
        x = np.repeat(self.topics.subtopics[subs], PASSAGES_PER_DOC, axis=0)
        x = x + rng.standard_normal(x.shape).astype(np.float32) * self.topics.spectrum * 0.5
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    def blocks(self, documents: int, block: int = 2_000) -> Iterator[tuple[range, np.ndarray]]:
        """Documents in blocks of ``block`` with their vectors (the unit vectors are a
        function of the block boundaries, so always iterate with the same ``block``)."""
        for lo in range(0, documents, block):
            docs = range(lo, min(documents, lo + block))
            yield docs, self.vectors(docs)

    def questions(self, documents: int, count: int, vectors: np.ndarray) -> list[Question]:
        """``count`` questions on passages of the first ``documents`` documents; ``vectors``
        are all passage vectors in passage order (see :meth:`blocks`)."""
        rng = np.random.default_rng((SEED, documents, 4))
        out = []
        for _ in range(count):
            doc = int(rng.integers(0, documents))
            ordinal = int(rng.integers(0, PASSAGES_PER_DOC))
            ids = self.word_ids(doc)[ordinal]
            rare = np.unique(ids[ids >= 300])
            pick = rng.choice(rare, min(len(rare), int(rng.integers(3, 7))), replace=False)
            common = rng.integers(0, 300, 2)
            words = list(self.words[np.concatenate([pick, common])])
            rng.shuffle(words)
            target = vectors[doc * PASSAGES_PER_DOC + ordinal]
            noise = rng.standard_normal(DIM).astype(np.float32) * self.topics.spectrum
            noise *= 1.3 / np.linalg.norm(noise)
            v = target + noise
            v = (v / np.linalg.norm(v)).astype(np.float32).reshape(1, -1)
            out.append(Question(" ".join(words), v, doc, ordinal))
        return out
