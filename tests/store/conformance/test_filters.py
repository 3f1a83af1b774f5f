"""Conformance: passage filters (:class:`~askcorpus.records.PassageFilter`) inside retrieval.

Checked against brute force over the stored passages, with only what the filter's docstring
promises: document conditions read from the stored documents, required and excluded phrases as
the keyword side matches a clause on its own (an unfiltered ``search_lexical`` of that clause),
the vector side's ``k`` nearest allowed passages by inner product, the keyword side's ``k`` best
allowed matches with the same scores as unfiltered.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from askcorpus.records import DocumentKind, KeywordQuery, PassageFilter
from askcorpus.store.base import Store

from .conftest import make_document, unit_vectors

VOCAB = ["copper", "grain", "river", "barge", "winter", "harbour", "treaty", "pipeline", "gas"]

#: source -> (kind, date, language)
DOCS: dict[str, tuple[DocumentKind, str | None, str | None]] = {
    "a.txt": ("text", "2021-05-01", "en"),
    "notes.md": ("markdown", None, None),
    "reports/x.pdf": ("pdf", "2022-01-01", "en"),
    "reports/2023/q1.pdf": ("pdf", "2023-03-15", "ru"),
    "reports/2023/sub/q2.docx": ("docx", "2023-06-30", "en"),
    "reports/2023/sub/q3.docx": ("docx", "2023-07-01", None),
    "reports/20231/odd.pdf": ("pdf", "2023-01-01", "en"),
    "reports-old/y.pdf": ("pdf", "2019-12-31", "de"),
    "Reports/z.html": ("html", "2024-02-02", "en"),
    "mail/m.eml": ("email", "2022-12-31", "ru"),
    "cn/a.txt": ("text", "2022-05-05", "zh"),
    # Mandarin that an index built before text.language folded it holds as Wu.
    "cn/b.txt": ("text", "2022-05-06", "wuu"),
}
#: What ``lang:zh`` also matches in a stored row (PassageFilter.stored_languages).
CHINESE = {"wuu": "zh", "yue": "zh"}


def passage_texts(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.choice(VOCAB) for _ in range(rng.randint(3, 8))) for _ in range(n)]


@pytest.fixture
def filled(store: Store) -> Store:
    rng = random.Random(7)
    with store.writer() as w:
        for seed, (source, (kind, date, language)) in enumerate(sorted(DOCS.items())):
            doc, passages, vectors = make_document(source, passage_texts(rng, 6), seed=seed)
            doc = dataclasses.replace(doc, kind=kind, date=date, language=language)
            w.add_document(doc, passages, vectors)
        w.commit()
    return store


def all_ids(store: Store) -> list[int]:
    return sorted(i for s in store.document_states() for i, _a, _b in store.document_passages(s))


def matching(store: Store, clause: tuple[str, ...], n: int) -> set[int]:
    """Passages the keyword side matches for ``clause`` alone."""
    return {i for i, _s in store.search_lexical(KeywordQuery((clause,)), n)}


def allowed(store: Store, where: PassageFilter) -> set[int]:
    """Brute force: the passages ``where`` lets through, by its docstring."""
    ids = all_ids(store)
    found = store.passages(ids)
    docs = {s: store.document(s) for s in store.document_states()}
    keep = set()
    for pid in ids:
        doc = docs[found[pid].source]
        assert doc is not None
        src = doc.source
        if where.folder and not (src == where.folder or src.startswith(where.folder + "/")):
            continue
        if where.kinds and doc.kind not in where.kinds:
            continue
        if where.after and (doc.date is None or doc.date < where.after):
            continue
        if where.before and (doc.date is None or doc.date >= where.before):
            continue
        language = CHINESE.get(doc.language or "", doc.language)
        if where.languages and language not in where.languages:
            continue
        if src in where.exclude_sources:
            continue
        keep.add(pid)
    for clause in where.required:
        keep &= matching(store, clause, len(ids))
    for clause in where.excluded:
        keep -= matching(store, clause, len(ids))
    return keep


def random_filter(rng: random.Random) -> PassageFilter:
    def some(values: list[str]) -> list[str]:
        return rng.sample(values, rng.randint(1, 2)) if rng.random() < 0.4 else []

    def phrases() -> tuple[tuple[str, ...], ...]:
        if rng.random() < 0.6:
            return ()
        return tuple(tuple(rng.sample(VOCAB, rng.randint(1, 2))) for _ in range(rng.randint(1, 2)))

    folders = ["reports", "reports/2023", "reports/2023/sub", "mail", "Reports", "reports/x.pdf"]
    dates = ["2020-01-01", "2022-01-01", "2023-01-01", "2023-07-01", "2024-01-01"]
    return PassageFilter(
        folder=rng.choice(folders) if rng.random() < 0.4 else None,
        kinds=frozenset(some(["pdf", "docx", "text", "markdown", "email", "html"])),  # type: ignore[arg-type]
        after=rng.choice(dates) if rng.random() < 0.3 else None,
        before=rng.choice(dates) if rng.random() < 0.3 else None,
        languages=frozenset(some(["en", "ru", "de", "zh"])),
        required=phrases(),
        excluded=phrases(),
        exclude_sources=frozenset(some(sorted(DOCS))),
    )


def test_vector_search_returns_the_k_nearest_allowed_passages(filled: Store) -> None:
    rng = random.Random(1)
    ids = all_ids(filled)
    vectors = dict(zip(ids, filled.passage_vectors(ids), strict=True))
    queries = unit_vectors(60, seed=5)
    for query in queries:
        where = random_filter(rng)
        keep = sorted(allowed(filled, where))
        k = rng.choice([1, 3, 10, 100])
        scores = {i: float(vectors[i] @ query) for i in keep}
        expected = sorted(keep, key=lambda i: -scores[i])[:k]
        got = filled.search_vectors(query[None, :], k, where)
        assert [i for i, _s in got] == expected, where
        np.testing.assert_allclose([s for _i, s in got], [scores[i] for i in expected], atol=1e-5)


def test_keyword_search_ranks_the_allowed_matches_as_unfiltered(filled: Store) -> None:
    rng = random.Random(2)
    n = len(all_ids(filled))
    for _ in range(60):
        where = random_filter(rng)
        query = KeywordQuery(tuple((w,) for w in rng.sample(VOCAB, rng.randint(1, 3))))
        k = rng.choice([1, 5, n])
        keep = allowed(filled, where)
        everything = filled.search_lexical(query, n)
        expected = [(i, s) for i, s in everything if i in keep][:k]
        got = filled.search_lexical(query, k, where)
        assert {i for i, _s in got} <= keep, where
        np.testing.assert_allclose(
            [s for _i, s in got], [s for _i, s in expected], rtol=1e-6, err_msg=str(where)
        )
        if k >= n:  # every allowed match, each with its unfiltered score
            assert dict(got) == pytest.approx(dict(expected))


def test_folder_is_the_folder_itself_or_below_it(filled: Store) -> None:
    where = PassageFilter(folder="reports/2023")
    sources = {p.source for p in filled.passages(sorted(allowed(filled, where))).values()}
    assert sources == {
        "reports/2023/q1.pdf",
        "reports/2023/sub/q2.docx",
        "reports/2023/sub/q3.docx",
    }
    hits = filled.search_vectors(unit_vectors(1, seed=9), 100, where)
    got = {p.source for p in filled.passages([i for i, _s in hits]).values()}
    assert got == sources


def test_a_document_without_a_date_never_passes_a_date_filter(filled: Store) -> None:
    n = len(all_ids(filled))
    query = KeywordQuery(tuple((w,) for w in VOCAB))
    for where in (PassageFilter(after="1900-01-01"), PassageFilter(before="2999-01-01")):
        hits = filled.search_lexical(query, n, where)
        sources = {p.source for p in filled.passages([i for i, _s in hits]).values()}
        assert sources and "notes.md" not in sources and "reports/2023/sub/q3.docx" in sources


def test_a_filter_letting_nothing_through_finds_nothing(filled: Store) -> None:
    where = PassageFilter(folder="nowhere")
    assert filled.search_vectors(unit_vectors(1, seed=3), 5, where) == []
    assert filled.search_lexical(KeywordQuery((("copper",),)), 5, where) == []


def test_an_empty_filter_is_no_filter(filled: Store) -> None:
    query = unit_vectors(1, seed=4)
    assert filled.search_vectors(query, 7, PassageFilter()) == filled.search_vectors(query, 7)
    kq = KeywordQuery((("grain",), ("river",)))
    assert filled.search_lexical(kq, 7, PassageFilter()) == filled.search_lexical(kq, 7)


def test_required_and_excluded_phrases_with_quotes_are_text(filled: Store) -> None:
    where = PassageFilter(required=(('co"pper', "OR"),), excluded=(("NOT",), ("NEAR(",)))
    n = len(all_ids(filled))
    hits = filled.search_lexical(KeywordQuery((("grain",),)), n, where)
    assert {i for i, _s in hits} <= allowed(filled, where)
    filled.search_vectors(unit_vectors(1, seed=3), 5, where)  # no syntax error either


def test_stats_count_documents_by_language(filled: Store) -> None:
    """``stats().languages``: each detected language with its documents, most first (ties by
    code), the stored documents counted by brute force; undetected ones left out."""
    counts: dict[str, int] = {}
    for source in filled.document_states():
        doc = filled.document(source)
        assert doc is not None
        if doc.language is not None:
            counts[doc.language] = counts.get(doc.language, 0) + 1
    expected = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    assert filled.stats().languages == expected
    assert expected[0] == ("en", 5)
    with filled.writer() as w:
        w.remove_document("mail/m.eml")
        w.commit()
    assert dict(filled.stats().languages)["ru"] == 1


def test_chinese_matches_documents_stored_as_wu(filled: Store) -> None:
    where = PassageFilter(languages=frozenset({"zh"}))
    sources = {filled.passages([i])[i].source for i in allowed(filled, where)}
    assert sources == {"cn/a.txt", "cn/b.txt"}
    got = filled.search_vectors(unit_vectors(1, seed=3), 100, where)
    assert {filled.passages([i])[i].source for i, _s in got} == sources
