"""Fixtures shared by the test modules."""

import numpy as np
import pytest


@pytest.fixture
def float32_block_gap():
    """``f(measure, X, Q)``: a block scorer's float32 scores of float64 data vs exact.

    Prepares `X` as the corpus and `Q` as queries, scores every pair with the
    measure's block scorer (float32 blocks for float64 data) and exactly
    (the float64 pair formula), and returns ``(gap, slack, exact, q, c)``:
    the absolute differences, the scorer's rounding bound of each query row,
    the exact similarities and the prepared rows.
    """

    def run(measure, X, Q):
        c = measure.prepare(X)
        q = measure.prepare(Q)
        scorer = measure.scorer(q, c, slice(0, Q.shape[0]))
        approx = scorer.scores(slice(0, X.shape[0]))
        i, j = np.divmod(np.arange(Q.shape[0] * X.shape[0]), X.shape[0])
        exact = measure.pairs(q, c, i, j).reshape(Q.shape[0], X.shape[0])
        assert approx.dtype == np.float32 and exact.dtype == np.float64
        return np.abs(approx.astype(np.float64) - exact), scorer.slack, exact, q, c

    return run
