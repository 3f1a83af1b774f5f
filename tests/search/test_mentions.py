"""Every mention (askcorpus.search.mentions): exhaustive, checked against a scan of every stored
text, grouped by document, in date order, inside the filters."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from askcorpus.errors import QueryError
from askcorpus.records import Document, KeywordQuery, Passage, PassageFilter
from askcorpus.search.mentions import find_mentions, fold_token, occurrences
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest, Store
from askcorpus.store.factory import locate

VOCAB = [
    "pipeline",
    "pipelines",
    "Pipeline",
    "gas",
    "Gas",
    "Power",
    "power",
    "of",
    "Siberia",
    "Siberian",
    "café",
    "cafe",
    "Café",
    "defence",
    "defense",
    "Defense",
    "organised",
    "organized",
    "the",
    "a",
    "to",
    "China",
    "Russia",
    "treaty",
    "treaties",
]
DIM = 4
ROOT = Path(__file__).resolve().parents[2]


def random_text(rng: random.Random, words: int) -> str:
    out = []
    for n in range(words):
        out.append(rng.choice(VOCAB))
        if n % 9 == 8:
            out.append(rng.choice([".", ",", ";"]))
    return " ".join(out).replace(" .", ".").replace(" ,", ",").replace(" ;", ";")


def add(store: Store, docs: list[Document]) -> None:
    """Each document cut into passages of whole words, about six words each."""
    rng = np.random.default_rng(0)
    with store.writer() as w:
        for doc in docs:
            spans = [m.span() for m in re.finditer(r"\S+(?:\s+\S+){0,5}", doc.text)]
            passages = [
                Passage(doc.source, i, a, b, doc.text[a:b], i + 1) for i, (a, b) in enumerate(spans)
            ]
            w.add_document(doc, passages, rng.normal(size=(len(passages), DIM)).astype(np.float32))
        w.commit()


def document(source: str, text: str, date: str | None, kind: str = "text") -> Document:
    return Document(
        source, Path(source), source.upper(), text, source, len(text), 1.0, kind=kind, date=date
    )  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = locate(tmp_path / "index").create(
        Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t", corpus=str(tmp_path / "corpus"))
    )
    rng = random.Random(3)
    docs = [
        document(f"{folder}/d{n}.txt", random_text(rng, rng.randint(5, 80)), date)
        for n, (folder, date) in enumerate(
            [("a", "2023-01-02"), ("b", None), ("a", "2021-05-05"), ("c", "2022-02-02")] * 4
        )
    ]
    add(store := opened, docs)
    yield store
    opened.close()


def brute_force(store: Store, words: tuple[str, ...], folder: str | None = None) -> dict[str, int]:
    """Occurrences in every stored text, inside one of its passages."""
    counts = {}
    for source in store.document_states():
        if folder and not source.startswith(folder + "/"):
            continue
        doc = store.document(source)
        assert doc is not None
        spans = [(a, b) for _i, a, b in store.document_passages(source)]
        n = sum(any(a <= s and e <= b for a, b in spans) for s, e in occurrences(doc.text, words))
        if n:
            counts[source] = n
    return counts


@pytest.mark.parametrize(
    "phrase",
    [
        "pipeline",
        "power of Siberia",
        "café",
        "defence",
        "the gas",
        "treaty",
        "organized",
        "China Russia",
    ],
)
def test_the_total_equals_a_scan_of_every_stored_text(store: Store, phrase: str) -> None:
    words = tuple(phrase.lower().split())
    result = find_mentions([store], phrase)
    expected = brute_force(store, words)
    assert {d.source: d.count for d in result.documents} == expected
    assert result.total == sum(expected.values()) > 0
    for d in result.documents:
        text = store.document(d.source).text  # type: ignore[union-attr]
        for m in d.mentions:
            assert tuple(fold_token(w) for w in re.findall(r"\w+", text[m.start : m.end])) == tuple(
                fold_token(w) for w in words
            )
            assert text[m.start : m.end].split()[0] in " ".join(m.context.split())


def test_folding_is_the_keyword_sides(store: Store) -> None:
    assert fold_token("Pipelines") == fold_token("pipeline")
    assert fold_token("Café") == fold_token("cafe")
    assert fold_token("Defence") == fold_token("defense")
    # A literal, case-insensitive search agrees where no word is inflected or respelt.
    result = find_mentions([store], '"Siberia"')
    literal = 0
    for source in store.document_states():
        literal += len(re.findall(r"\bsiberia\b", store.document(source).text, re.I))  # type: ignore[union-attr]
    assert result.total == literal


def test_documents_come_in_date_order_undated_last_then_by_path(store: Store) -> None:
    docs = find_mentions([store], "gas").documents
    keys = [(d.date is None, d.date or "", d.source) for d in docs]
    assert keys == sorted(keys) and docs[-1].date is None
    assert all(d.corpus and d.corpus.endswith("corpus") for d in docs)


def test_filters_narrow_the_mentions(store: Store) -> None:
    only_a = find_mentions([store], "in:a gas")
    assert {d.source.split("/")[0] for d in only_a.documents} == {"a"}
    assert {d.source: d.count for d in only_a.documents} == brute_force(store, ("gas",), "a")
    explicit = find_mentions([store], "gas", PassageFilter(folder="a"))
    assert explicit == dataclasses.replace(only_a, query="gas")
    dated = find_mentions([store], "gas after:2022")
    assert {d.date for d in dated.documents} <= {"2022-02-02", "2023-01-02"}


def test_nothing_to_look_for_is_an_error(store: Store) -> None:
    with pytest.raises(QueryError):
        find_mentions([store], "in:a")
    assert find_mentions([store], "zeppelin").total == 0
    with pytest.raises(QueryError, match="no document in folder A"):
        find_mentions([store], "in:A gas")


def test_only_words_that_cannot_match_are_skipped_unstemmed() -> None:
    """The scan stems only words starting like the phrase's first word (stemming is slow):
    on every word of the shipped corpus, words folding alike start alike."""
    from collections import defaultdict

    from askcorpus.search.mentions import _TOKEN, _prefixes, plain

    words = {
        m.group(0) for p in (ROOT / "corpus").glob("*.txt") for m in _TOKEN.finditer(p.read_text())
    }
    words |= {"generalization", "sensibility", "happiness", "skies", "organisations", "Ångström"}
    alike = defaultdict(list)
    for w in words:
        alike[fold_token(w)].append(w)
    for group in alike.values():
        for a in group:
            for b in group:
                assert plain(a).startswith(_prefixes(b)), (a, b)


def reference_occurrences(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Every token folded, every window compared: slow and plain."""
    tokens = [(m.start(), m.end(), fold_token(m.group(0))) for m in re.finditer(r"[^\W_]+", text)]
    want = [fold_token(w) for w in words]
    n = len(want)
    return [
        (tokens[i][0], tokens[i + n - 1][1])
        for i in range(len(tokens) - n + 1)
        if [t[2] for t in tokens[i : i + n]] == want
    ]


@pytest.mark.parametrize("seed", range(20))
def test_the_fast_scan_finds_what_folding_every_word_finds(seed: int) -> None:
    rng = random.Random(seed)
    text = random_text(rng, 200) + " Ångström café-Pipelines, DEFENCE"
    for phrase in ("pipeline", "café", "defense", "power of siberia", "treaty", "ångström"):
        words = tuple(phrase.split())
        ascii_part = text[: text.index(" Ångström")]
        assert list(occurrences(text, words)) == reference_occurrences(text, words)
        assert list(occurrences(ascii_part, words)) == reference_occurrences(ascii_part, words)
        # Bounds cutting through a word: the cut word does not count.
        cut = list(occurrences(text, words, 3, len(text) - 3))
        assert cut == [
            (s, e)
            for s, e in reference_occurrences(text, words)
            if s >= 3 and e <= len(text) - 3 and not (s == 3 and text[2].isalnum())
        ]


def test_russian_inflections_and_chinese_words_inside_runs_are_mentions(tmp_path: Path) -> None:
    """The keyword index holds Russian stems and CJK bigrams (text/fold.py): mentions find
    what it finds — other inflections of a Russian word, a Chinese word inside a longer run."""
    store = locate(tmp_path / "index").create(Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    try:
        ru = "Строительство газопровода началось. Газопроводы идут в Китай. Газ дешевеет."
        zh = "中俄两国签署了天然气供应协议。天然气价格下降。石油价格上涨。"
        add(store, [document("ru.txt", ru, None), document("zh.txt", zh, None)])
        found = find_mentions([store], "газопровод")
        assert found.total == 2
        assert [ru[m.start : m.end] for m in found.documents[0].mentions] == [
            "газопровода",
            "Газопроводы",
        ]
        found = find_mentions([store], "天然气")
        assert found.total == zh.count("天然气") == 2
        assert all(zh[m.start : m.end] == "天然气" for m in found.documents[0].mentions)
        assert find_mentions([store], "石油价格").total == 1
    finally:
        store.close()


# Words on which Snowball's "porter" and FTS5's porter disagree (methodology: methodologi vs
# methodolog), beside the forms FTS5 gives the same stem.
DISAGREEING = [
    "methodology",
    "methodological",
    "methodologies",
    "assembly",
    "assembled",
    "incredibly",
    "incredible",
    "ecology",
    "ecological",
]


def test_mentions_are_where_the_keyword_index_matches(tmp_path: Path) -> None:
    """For every word, the passages the keyword index matches are exactly the passages holding
    a mention: the text is read with the index's own stems, not with a second stemmer."""
    opened = locate(tmp_path / "index").create(
        Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t", corpus=str(tmp_path / "corpus"))
    )
    rng = random.Random(5)
    docs = [
        document(
            f"d{n}.txt",
            " ".join(rng.choice(DISAGREEING + ["the", "of", "study"]) for _ in range(30)),
            None,
        )
        for n in range(6)
    ]
    try:
        add(opened, docs)
        total = opened.stats().passages
        for word in DISAGREEING:
            matched = {pid for pid, _ in opened.search_lexical(KeywordQuery(((word,),)), total)}
            with_mention = set()
            for source in {d.source for d in docs}:
                doc = opened.document(source)
                assert doc is not None
                for pid, a, b in opened.document_passages(source):
                    if any(True for _ in occurrences(doc.text, (word,), a, b)):
                        with_mention.add(pid)
            assert matched and matched == with_mention, word
    finally:
        opened.close()
