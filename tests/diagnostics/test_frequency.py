"""Norm-frequency correlation at the limits of the dtype."""

import numpy as np
import pytest
from scipy import sparse, stats

from sklearn_cosim.diagnostics import norm_frequency_correlation


@pytest.mark.parametrize("scale", [1.0, 1e200, 1e-200])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_norms_do_not_overflow_or_underflow(scale, fmt):
    # rows are multiples of one direction: their norms rank as the multipliers
    multipliers = np.array([1.0, 4.0, 2.0, 3.0, 5.0])
    X = np.outer(multipliers, [3.0, 0.0, 4.0]) * scale
    X = sparse.csr_matrix(X) if fmt == "csr" else X
    frequencies = np.array([10.0, 1.0, 30.0, 20.0, 5.0])
    expected = stats.spearmanr(multipliers, np.log(frequencies)).statistic
    assert norm_frequency_correlation(X, frequencies) == pytest.approx(expected)
    assert np.isfinite(expected) and expected != 0.0


def test_float32_near_its_largest_values():
    multipliers = np.array([1.0, 3.0, 2.0])
    X = (np.outer(multipliers, [1.0, 1.0]) * 1e37).astype(np.float32)
    expected = stats.spearmanr(multipliers, np.log([1.0, 2.0, 3.0])).statistic
    assert norm_frequency_correlation(X, [1.0, 2.0, 3.0]) == pytest.approx(expected)
