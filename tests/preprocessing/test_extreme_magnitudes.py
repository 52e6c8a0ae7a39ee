"""Finite but huge or tiny inputs: right values or a clear error, never NaN.

Each transformer is run on rows scaled by 1e-30..1e30 (float32) and
1e-300..1e300 (float64) and compared with a float64 numpy reference computed
on the data divided by its largest value (every transformer here is
equivariant to that scaling), or must raise a ValueError that names the
magnitude problem and the remedy.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from sklearn_cosim.preprocessing import (
    LayerNormalizer,
    MeanCenterer,
    NormFeatureAugmenter,
    PrincipalComponentRemover,
    Whitener,
)

_EXPONENTS = {
    np.float32: [-30, -25, -19, -10, 0, 10, 19, 25, 30],
    np.float64: [-300, -200, -150, -100, 0, 100, 150, 200, 300],
}
_CASES = [(dtype, e) for dtype, exps in _EXPONENTS.items() for e in exps]
_RTOL = {np.float32: 2e-4, np.float64: 1e-9}


def _base(n_samples=40, n_features=5, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n_features, n_features))
    return rng.standard_normal((n_samples, n_features)) @ A + 3.0


def _scaled(dtype, exponent, per_row=False, seed=0):
    X = _base(seed=seed)
    if per_row:  # each row its own magnitude, spanning the dtype's range
        lo, hi = min(_EXPONENTS[dtype]), max(_EXPONENTS[dtype])
        rng = np.random.default_rng(seed + 1)
        return (X * 10.0 ** rng.uniform(lo, hi, size=(len(X), 1))).astype(dtype)
    return (X * 10.0**exponent).astype(dtype)


def _close(actual, expected, dtype):
    atol = _RTOL[dtype] * np.abs(expected).max()
    assert actual.dtype == dtype
    assert np.all(np.isfinite(actual))
    assert_allclose(actual.astype(np.float64), expected, rtol=_RTOL[dtype], atol=atol)


def _unit(X):
    """X in float64 divided by its largest absolute value, and that value."""
    X = X.astype(np.float64)
    top = np.abs(X).max()
    return X / top, top


def _layer_norm_reference(X):
    X = X.astype(np.float64)
    X = X / np.abs(X).max(axis=1, keepdims=True)  # exact per-row invariance
    centred = X - X.mean(axis=1, keepdims=True)
    return centred / np.sqrt((centred**2).mean(axis=1, keepdims=True))


def _norm_feature_reference(X):
    X = X.astype(np.float64)
    top = np.abs(X).max(axis=1, keepdims=True)
    norms = top[:, 0] * np.linalg.norm(X / top, axis=1)
    feature = norms / norms.max()  # standardising is scale invariant
    feature = (feature - feature.mean()) / feature.std()
    return np.hstack([X / norms[:, None], feature[:, None]])


@pytest.mark.parametrize("per_row", [False, True])
@pytest.mark.parametrize("dtype, exponent", _CASES)
def test_row_wise_transformers(dtype, exponent, per_row):
    X = _scaled(dtype, exponent, per_row)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        _close(
            LayerNormalizer(eps=0.0).fit_transform(X), _layer_norm_reference(X), dtype
        )
        _close(
            NormFeatureAugmenter().fit_transform(X), _norm_feature_reference(X), dtype
        )
        sparse_out = NormFeatureAugmenter().fit_transform(sparse.csr_matrix(X))
        _close(sparse_out.toarray(), _norm_feature_reference(X), dtype)


@pytest.mark.parametrize("dtype, exponent", _CASES)
def test_mean_centerer(dtype, exponent):
    X = _scaled(dtype, exponent)
    unit, top = _unit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = MeanCenterer().fit_transform(X)
    _close(out / dtype(top), unit - unit.mean(axis=0), dtype)


def _covariance_ok(dtype, exponent):
    """Whether float64 holds the covariance, of order 1e(2 exponent) here.

    Squares must stay below 1.8e308 and above ``tiny / eps``, about 1e-292.
    """
    return dtype == np.float32 or -140 <= exponent <= 150


def _whitening_reference(unit):
    centred = unit - unit.mean(axis=0)
    vals, vecs = np.linalg.eigh(np.cov(unit, rowvar=False))
    return centred @ vecs @ np.diag(vals**-0.5) @ vecs.T


def _pc_removal_reference(unit):
    centred = unit - unit.mean(axis=0)
    top = np.linalg.eigh(np.cov(unit, rowvar=False))[1][:, -1:]
    return centred - centred @ top @ top.T


@pytest.mark.parametrize("dtype, exponent", _CASES)
def test_covariance_transformers(dtype, exponent):
    X = _scaled(dtype, exponent)
    unit, top = _unit(X)
    estimators = [
        (Whitener(method="zca"), _whitening_reference(unit), 1.0),
        (PrincipalComponentRemover(1), _pc_removal_reference(unit), top),
    ]
    for estimator, expected, factor in estimators:
        if not _covariance_ok(dtype, exponent):
            problem = "large" if exponent > 0 else "small"
            with pytest.raises(ValueError, match=f"so {problem}.*X / np.abs"):
                estimator.fit(X)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            out = estimator.fit_transform(X)
        # float32 rounding of the inputs limits the whitened output to ~1e-4
        _close(out / dtype(factor), expected, dtype)


def test_float32_tiny_whitening_is_not_nan():
    # The case: float32 data of magnitude 1e-25 gave NaN.
    X = _scaled(np.float32, -25)
    out = Whitener().fit_transform(X)
    assert np.all(np.isfinite(out))
    assert_allclose(np.cov(out.astype(np.float64), rowvar=False), np.eye(5), atol=1e-4)


def test_float32_huge_norm_feature_is_not_nan():
    # The case: NormFeatureAugmenter gave NaN at float32 1e19.
    X = _scaled(np.float32, 19)
    out = NormFeatureAugmenter().fit_transform(X)
    assert np.all(np.isfinite(out))
    assert_allclose(np.linalg.norm(out[:, :-1].astype(np.float64), axis=1), 1.0, 1e-6)
