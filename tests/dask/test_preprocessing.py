"""Transformers fitted on dask arrays equal their in-memory fits."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

da = pytest.importorskip("dask.array")

from sklearn_cosim import dask as cosim_dask  # noqa: E402
from sklearn_cosim import preprocessing  # noqa: E402

FITTED = {
    "MeanCenterer": ["mean_", "n_samples_seen_"],
    "Whitener": ["mean_", "covariance_", "whitening_", "explained_variance_"],
    "PrincipalComponentRemover": ["mean_", "components_", "explained_variance_"],
}
PARAMS = [
    ("MeanCenterer", {}),
    ("Whitener", {}),
    ("Whitener", {"method": "zca", "shrinkage": "ledoit-wolf"}),
    ("Whitener", {"n_components": 3, "shrinkage": "oas"}),
    ("PrincipalComponentRemover", {"n_components": 2}),
    ("PrincipalComponentRemover", {"n_components": 1, "with_mean": False}),
]


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    # a large offset: cancellation would show if the moments were uncentred
    scales = np.array([5.0, 2.0, 1.0, 0.5, 0.1, 0.05])
    return rng.standard_normal((301, 6)) * scales + 1e4


@pytest.mark.parametrize("name, params", PARAMS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_equals_in_memory_fit(X, name, params, dtype):
    if dtype == np.float32:  # float32 cannot hold the spread on top of 1e4
        X = X - 1e4 + 3.0
    X = X.astype(dtype)
    ref = getattr(preprocessing, name)(**params).fit(X)
    est = getattr(cosim_dask, name)(**params).fit(da.from_array(X, chunks=(64, 4)))
    rtol = 1e-9 if dtype == np.float64 else 1e-5
    for attr in FITTED[name]:
        expected = getattr(ref, attr)
        scale = rtol * np.abs(expected).max()
        assert_allclose(getattr(est, attr), expected, rtol=rtol, atol=scale)
    # the centred covariance, written here: no cancellation despite the offset
    if name == "Whitener" and "shrinkage" not in params:
        X64 = X.astype(np.float64)
        cov = np.cov(X64, rowvar=False)
        assert_allclose(est.covariance_, cov, atol=rtol * np.abs(cov).max())
    out = est.transform(da.from_array(X, chunks=50))
    assert isinstance(out, da.Array)
    assert out.dtype == dtype
    Xt = out.compute()
    assert Xt.dtype == dtype
    expected = ref.transform(X)
    assert_allclose(Xt, expected, rtol=rtol, atol=rtol * np.abs(expected).max())
    if hasattr(ref, "inverse_transform"):
        back = est.inverse_transform(out).compute()
        expected = ref.inverse_transform(ref.transform(X))
        assert_allclose(back, expected, atol=rtol * np.abs(expected).max())


def test_mean_against_numpy(X):
    est = cosim_dask.MeanCenterer().fit(da.from_array(X, chunks=7))
    assert_allclose(est.mean_, X.mean(axis=0), rtol=1e-14)
    assert est.n_samples_seen_ == X.shape[0]


def test_numpy_input_is_the_in_memory_estimator(X):
    est = cosim_dask.Whitener(n_components=2).fit(X)
    ref = preprocessing.Whitener(n_components=2).fit(X)
    assert_allclose(est.transform(X), ref.transform(X))


def test_errors(X):
    dX = da.from_array(X, chunks=100)
    with pytest.raises(ValueError, match="NaN"):
        cosim_dask.Whitener().fit(da.where(dX > X.max() - 1, np.nan, dX))
    with pytest.raises(ValueError, match="n_components=7 must be <="):
        cosim_dask.PrincipalComponentRemover(n_components=7).fit(dX)
    with pytest.raises(ValueError, match="at least 2 samples"):
        cosim_dask.Whitener().fit(dX[:1])
    est = cosim_dask.MeanCenterer().fit(dX)
    with pytest.raises(ValueError, match="features"):
        est.transform(dX[:, :3])
