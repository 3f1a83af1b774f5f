"""The bounded least-recently-used map the local store's per-connection caches share
(store/local/state.py: parsed postings, passages, documents, clause tokens)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.store.local.state import Recent

PUTS = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 12)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(PUTS, st.integers(0, 30))
def test_weights_stay_within_the_bound_and_the_newest_are_kept(
    puts: list[tuple[int, int]], bound: int
) -> None:
    recent: Recent[int, int] = Recent(lambda: bound, lambda weight: weight)
    for key, weight in puts:
        recent.put(key, weight)
        assert recent.size == sum(recent.get(k) or 0 for k in list(recent)) <= bound
        if weight <= bound:
            assert list(recent)[-1] == key and recent.get(key) == weight
    # What is kept is a run of the most recent distinct keys (least recent first).
    latest = list(dict.fromkeys(k for k, w in reversed(puts) if w <= bound))
    kept = list(recent)
    assert kept == list(reversed(latest[: len(kept)]))
