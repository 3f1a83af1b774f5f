"""Calibrate "not in this corpus" for one corpus, at index time, without a language model.

Opt-in (``askcorpus index --calibrate-absence``): on our development questions it did not beat
the default calibration (docs/quality.md, "Per-corpus calibration"), so it is not on by
default.

The default model (:func:`askcorpus.search.absence.default_model`) was fitted on public data;
how high a cosine or how full a coverage is "normal" differs between corpora. So after an
indexing run a corpus with enough text gets its own fit, from probes made of its own
sentences (:func:`probes`):

* an **answerable** probe keeps a sentence's key term (a number, a name, or its most
  specific word) with 2–5 other words of it ("What about Power Siberia pipeline 2019?");
* its **on-topic unanswerable** twin is the same probe with the key term swapped for one the
  corpus does not contain (another number, a name from public text, a rare word).

The probes are searched as a user's question is, their evidence gathered, and the default
model is refitted to them with its weights as the prior (:func:`absence.fit` with ``prior``):
a few dozen probes move it only where this corpus disagrees. The result is kept in the
manifest (``Manifest.absence_calibration``), so both backends carry it and ``askcorpus
status`` names it. The number of probes is capped (:data:`PROBE_PAIRS`): the step costs about
two searches per pair, whatever the corpus size.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import time
from collections.abc import Sequence
from importlib import resources

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.search import absence
from askcorpus.search.index import CANDIDATES, Index
from askcorpus.settings import Settings
from askcorpus.store.base import Store
from askcorpus.text.query import STOPWORDS, clean_question, keyword_query
from askcorpus.text.sentences import sentence_spans

log = logging.getLogger(__name__)

# Probe pairs (answerable + unanswerable twin) per corpus: the cost cap of the step.
PROBE_PAIRS = 40
# Fewer pairs than this (a corpus of a few short notes): the default calibration stays.
MIN_PAIRS = 20
# Pull towards the default model's weights (per feature; the probes' weights sum to their
# count, so 40 pairs weigh 80 against this). Chosen on the development sets.
PRIOR_WEIGHT = 20.0
TEMPLATES = ("What about {}?", "What is said about {}?", "Which {}?", "How {}?", "When {}?")
_WORD = re.compile(r"[\w’'-]+")
_DIGIT = re.compile(r"\d")


@functools.cache
def _names() -> tuple[str, ...]:
    text = resources.files("askcorpus.search").joinpath("names.txt").read_text("utf-8")
    return tuple(w for w in text.splitlines() if w and not w.startswith("#"))


@functools.cache
def _words() -> tuple[str, ...]:
    """Background words, frequent first (swap-ins for a key word that is not a name)."""
    _docs, table = absence.background()
    return tuple(sorted(table, key=lambda k: (-table[k], k)))


def _absent(store: Store, word: str) -> bool:
    return not store.search_lexical(keyword_query(word), 1)


def _swap(key: str, rng: random.Random) -> str:
    """A term of the same kind as ``key``: a number of as many digits, a name, a rare word."""
    if _DIGIT.search(key):
        digits = max(len(re.sub(r"\D", "", key)), 1)
        return str(rng.randint(10 ** (digits - 1) if digits > 1 else 1, 10**digits - 1))
    if key[0].isupper():
        return rng.choice(_names())
    return rng.choice(_words()[3000:])


def probe_words(
    sentence: str, rng: random.Random, words: Sequence[str]
) -> tuple[str, list[str]] | None:
    """A probe's key term and kept words from ``sentence`` (None when it has too few content
    words): the key is its most specific word (a number or a name first), kept with two to
    five of the others, and up to two of those said in other words (background ``words``) as
    a reader paraphrases."""
    content = [
        w
        for w in _WORD.findall(sentence)
        if w.lower() not in STOPWORDS and len(w) > 1 and not w.startswith("-")
    ]
    if len(content) < 4:
        return None
    key = max(
        content,
        key=lambda w: (bool(_DIGIT.search(w)) or w[0].isupper(), absence.specificity(w)),
    )
    others = [w for w in content if w != key]
    chosen = set(rng.sample(others, min(len(others), rng.randint(2, 5))))
    kept = [w for w in content if w == key or w in chosen]
    # A paraphrase: up to two of the other words said in words the corpus may not hold.
    for _ in range(rng.choice((0, 1, 1, 2))):
        if len(kept) > 2:
            i = rng.choice([i for i, w in enumerate(kept) if w != key])
            kept[i] = rng.choice(words[100:4000])
    return key, kept


def probes(store: Store, pairs: int, seed: int = 0) -> list[tuple[str, bool]]:
    """Up to ``pairs`` answerable probes made of ``store``'s sentences, each followed by its
    unanswerable twin (see the module docstring); reproducible for a given ``seed``."""
    rng = random.Random(seed)
    sources = sorted(store.document_states())
    words = _words()
    out: list[tuple[str, bool]] = []
    seen: set[tuple[str, int]] = set()
    tries = 0
    while sources and len(out) < 2 * pairs and tries < 20 * pairs:
        tries += 1
        doc = store.document(rng.choice(sources))
        if doc is None:
            continue
        spans = [
            s for s in sentence_spans(doc.text) if 8 <= len(doc.text[s[0] : s[1]].split()) <= 45
        ]
        if not spans:
            continue
        a, b = rng.choice(spans)
        if (doc.source, a) in seen:  # each sentence once: a few notes make a few probes
            continue
        seen.add((doc.source, a))
        made = probe_words(doc.text[a:b], rng, words)
        if made is None:
            continue
        key, kept = made
        swap = _swap(key, rng)
        if swap.lower() == key.lower() or not _absent(store, swap):
            continue
        template = rng.choice(TEMPLATES)
        out.append((template.format(" ".join(kept)), True))
        out.append((template.format(" ".join(swap if w == key else w for w in kept)), False))
    return out


def probe_evidence(index: Index, questions: list[str]) -> np.ndarray:
    """The evidence rows of ``questions`` asked of ``index``, as a search gathers them."""
    passages = index.stats().passages
    rows = []
    for question in questions:
        text, _note = clean_question(question)
        fused, vec = index.retrieve(text, CANDIDATES)
        if vec is None:  # hybrid retrieval always embeds the question
            raise RuntimeError("hybrid retrieval returned no question vector")
        evidence = absence.gather(
            index.store, text, fused, passages, vec, index.embedder.encode_query
        )
        rows.append(evidence.values)
    return np.asarray(rows, dtype=float)


def calibrate(
    store: Store, settings: Settings, embedder: Embedder, pairs: int = PROBE_PAIRS
) -> dict[str, float]:
    """The calibration of ``store``'s corpus for ``Manifest.absence_calibration``; empty (the
    default applies) when its sentences make fewer than :data:`MIN_PAIRS` probe pairs."""
    t0 = time.perf_counter()
    made = probes(store, pairs)
    if len(made) < 2 * MIN_PAIRS:
        log.info("absence calibration: %d probe pairs, too few; default kept", len(made) // 2)
        return {}
    index = Index(store, settings, embedder)
    with store.snapshot():
        x = probe_evidence(index, [q for q, _a in made])
    y = np.array([a for _q, a in made], dtype=float)
    # The prior is the default of the index's model (its cosines' scale), else the bundled one's.
    prior = absence.default_model_for(store.manifest.model) or absence.default_model()
    model = absence.fit(x, y, PRIOR_WEIGHT, prior=prior)
    log.info("absence calibration: %d probes in %.1f s", len(made), time.perf_counter() - t0)
    return model.to_mapping(len(made))
