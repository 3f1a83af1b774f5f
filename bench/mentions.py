"""``askcorpus mentions`` at 100k passages (issue #14): every mention of a word in 0.1 %, 1 %
and 10 % of the passages, end to end (:func:`askcorpus.search.mentions.find_mentions`) and its
first step alone (the FTS5 candidates, ``search_lexical`` with k = every passage), with the
total checked against the counts the synthetic index was built with (bench/filters.py builds
and caches it).
"""

from __future__ import annotations

from typing import Any

from askcorpus.records import KeywordQuery, PassageFilter
from askcorpus.search.mentions import find_mentions
from askcorpus.store.local.store import LocalStore
from bench.common import main, median, timed
from bench.filters import NAMED, build_store


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    n = int(cfg.get("filters_passages", 100_000))
    store = LocalStore.open(build_store(n))
    out: dict[str, Any] = {"passages": n, "words": {}}
    for word, share in NAMED.items():
        candidates, ends = [], []
        total = 0
        for _ in range(3):
            seconds, hits = timed(lambda w=word: store.search_lexical(KeywordQuery(((w,),)), n))
            candidates.append(seconds * 1000)
            seconds, found = timed(lambda w=word: find_mentions([store], w))
            ends.append(seconds * 1000)
            total = found.total
        narrow, found_narrow = timed(
            lambda w=word: find_mentions([store], w, PassageFilter(folder="f0"))
        )
        out["words"][word] = {
            "share_of_passages": share,
            "passages_matching": len(hits),
            "total_mentions": total,
            "documents": len(found.documents),
            "fts5_candidates_ms": median(candidates),
            "find_mentions_ms": median(ends),
            "find_mentions_in_1pct_folder_ms": narrow * 1000,
            "mentions_in_1pct_folder": found_narrow.total,
        }
    store.close()
    return out


if __name__ == "__main__":
    main("mentions", run)
