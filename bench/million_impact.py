"""What a writer-kept impact-ordered table would buy, simulated on bench/million.py's index
before it is built: for each frequent term the keyword side leaves out, its top ``N`` passages
by BM25 impact (tf and length, as FTS5 weighs them) join the candidates the kept terms ranked,
and every candidate gets its exact score over all the terms. Keyword recall@10 against every
term ranked, beside today's (the left-out terms re-scored for what the kept terms found). The
table's cost is not measured here (it does not exist): reading ``N`` rows per left-out term
from an index is ~1 us a row, and the writer would keep ``N`` rows per frequent term.

``BENCH_CONFIG='{"im_index": "/work/scratch6/scale/local-1000000", "im_queries": 100}'
python -m bench.million_impact`` writes bench/out/million-impact.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bench.common import main

LIST_SIZES = (0, 1_000, 5_000, 20_000)


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Recall@10 of the keyword words' side for each list size (0: today)."""
    from askcorpus.store.local import lexical, postings
    from askcorpus.store.local.impact import K1, B, idf
    from askcorpus.text.query import keyword_query
    from bench.million_data import PASSAGES_PER_DOC, Corpus
    from bench.million_query import open_index

    folder = Path(cfg.get("im_index", "/work/scratch6/scale/local-1000000"))
    documents = int(folder.name.split("-")[-1]) // PASSAGES_PER_DOC

    class Unused:
        def __getitem__(self, i: int) -> np.ndarray:
            return np.zeros(384, np.float32)

    questions = Corpus().questions(documents, cfg.get("im_queries", 100), Unused())  # type: ignore[arg-type]
    index = open_index(folder, [])
    conn = index.store._conn
    rows, total = postings._averages(conn)
    average = total / rows
    recall: dict[int, list[float]] = {n: [] for n in LIST_SIZES}
    candidates: dict[int, list[int]] = {n: [] for n in LIST_SIZES}
    for q in questions:
        parts = lexical._quoted_clauses(keyword_query(q.text))
        kept = lexical._without_frequent_terms(conn, parts)
        words = postings.clause_tokens(parts)
        found = postings.word_postings(conn, [w[0] for w in words if len(w) == 1])
        lengths = postings._lengths(conn, max(int(d[-1]) for d, _t in found.values() if d.size))
        assert lengths is not None
        impact: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        full: dict[int, float] = {}
        for part, w in zip(parts, words, strict=True):
            docs, tf = found[w]
            size = lengths[docs].astype(np.float64)
            value = (tf * (K1 + 1.0)) / (tf + K1 * (1 - B + B * size / average))
            impact[part] = (docs, value)
            for d, v in zip(docs.tolist(), (idf(rows, docs.size) * value).tolist(), strict=True):
                full[d] = full.get(d, 0.0) + v
        truth = set(sorted(full, key=lambda d: (-full[d], d))[:10])
        ranked = postings.ranked(conn, kept, 50) or []
        for n in LIST_SIZES:
            pool = {pid for pid, _s in ranked}
            if n:
                for part in parts:
                    if part not in kept:
                        docs, value = impact[part]
                        top = docs[np.argsort(-value, kind="stable")[:n]]
                        pool.update(top.tolist())
            # n = 0: today (the 50 the kept terms rank, re-scored with the terms left out).
            got = set(sorted(pool, key=lambda d: (-full[d], d))[:10])
            recall[n].append(len(got & truth) / max(1, len(truth)))
            candidates[n].append(len(pool))
    index.close()
    out = {
        "index": str(folder),
        "rows": [
            {
                "list_size": n,
                "recall10_keyword_words": float(np.mean(recall[n])),
                "candidates_mean": float(np.mean(candidates[n])),
            }
            for n in LIST_SIZES
        ],
    }
    for row in out["rows"]:
        print(f"million_impact: {row}", flush=True)
    return out


if __name__ == "__main__":
    main("million-impact", run)
