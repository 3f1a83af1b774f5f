"""The PostgreSQL keyword index (``postings``): exact term counts where a ``tsvector`` stops
counting (it keeps 256 positions of a word), kept by the writer through replacements and
removals, and a drifted posting caught by ``check``."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.records import KeywordQuery
from askcorpus.store.factory import locate
from tests.store.conformance.conftest import make_document, manifest

TEXTS = {
    "many.txt": ["harbour " * 300 + "ledger"],
    "few.txt": ["harbour harbour ledger copper"],
    "other.txt": ["copper grain barges on the river", "grain and coal"],
}


# Phrases are counted from the tsvector's positions, so a phrase after a word's 256th
# occurrence is missed; the chunker's passages hold at most 200 words, so it never arises.
@pytest.mark.parametrize("clause", [("harbour",), ("ledger",)])
def test_a_word_repeated_past_the_tsvector_limit_scores_as_fts5(
    tmp_path: Path, pg_url: str, clause: tuple[str, ...]
) -> None:
    results = []
    for spec in (str(tmp_path / "index"), pg_url):
        store = locate(spec).create(manifest())
        try:
            with store.writer() as w:
                for seed, (source, texts) in enumerate(sorted(TEXTS.items())):
                    w.add_document(*make_document(source, texts, seed=seed))
                w.commit()
            hits = store.search_lexical(KeywordQuery((clause,)), 10)
            found = store.passages([i for i, _ in hits])
            results.append([(found[i].source, s) for i, s in hits])
        finally:
            store.close()
    local, pg = results
    assert [s for s, _ in pg] == [s for s, _ in local]
    assert [x for _, x in pg] == pytest.approx([x for _, x in local], rel=1e-9)


def test_postings_follow_updates_and_check_catches_a_lost_one(pg_url: str) -> None:
    store = locate(pg_url).create(manifest())
    try:
        with store.writer() as w:
            for seed, (source, texts) in enumerate(sorted(TEXTS.items())):
                w.add_document(*make_document(source, texts, seed=seed))
            w.commit()
        with store.writer() as w:
            w.remove_document("other.txt")
            w.add_document(*make_document("few.txt", ["copper ledger"], seed=7, version="2"))
            w.commit()
        assert store.check(deep=True) == []
        assert store.search_lexical(KeywordQuery((("grain",),)), 10) == []
        (hit,) = store.search_lexical(KeywordQuery((("copper",),)), 10)
        assert store.passages([hit[0]])[hit[0]].source == "few.txt"
        conn = store._conn  # type: ignore[attr-defined]  # the backend's own test may reach in
        conn.execute(f"DELETE FROM \"{store.schema}\".postings WHERE term = 'copper'")  # type: ignore[attr-defined]
        problems = store.check(deep=True)
        assert problems and "keyword statistics" in problems[0].user_message()
    finally:
        store.close()
