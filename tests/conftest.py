"""Fixtures shared by the test modules."""

import numpy as np
import pytest


@pytest.fixture
def float32_block_gap():
    """``f(measure, params, X, Q)``: the float32 block of float64 data vs exact.

    Prepares `X` as the corpus and `Q` as queries, computes the block of all
    rows with ``approximate=True`` and exactly, and returns ``(gap, error,
    exact, q, c)``: the absolute differences, the measure's ``score_error``
    of each query row, the exact block and the prepared rows.
    """

    def run(measure, params, X, Q):
        c = measure.prepare(X, params)
        q = measure.prepare(Q, params, corpus=c)
        qs, cs = slice(0, Q.shape[0]), slice(0, X.shape[0])
        approx = measure.scores(q, c, qs, cs, params, approximate=True)
        exact = measure.scores(q, c, qs, cs, params)
        error = measure.score_error(q, c, qs, params)
        assert approx.dtype == np.float32 and exact.dtype == np.float64
        return np.abs(approx.astype(np.float64) - exact), error, exact, q, c

    return run
