"""The AUC that bench.absence_languages and bench.absence_reader report, against scikit-learn's."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.absence_languages import auc


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5).map(float), st.booleans()), min_size=2, max_size=60
    ).filter(lambda rows: len({a for _v, a in rows}) == 2)
)
def test_auc_is_scikit_learn_s_roc_auc_ties_counting_half(rows: list[tuple[float, bool]]) -> None:
    from sklearn.metrics import roc_auc_score

    values = np.array([v for v, _a in rows])
    answered = np.array([a for _v, a in rows])
    assert abs(auc(values, answered) - roc_auc_score(answered, values)) < 1e-9


def test_auc_of_one_class_is_undefined() -> None:
    assert np.isnan(auc(np.array([0.3, 0.9]), np.array([True, True])))
