import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.preprocessing import StandardScaler

from sklearn_cosim.preprocessing import MeanCenterer, center


@pytest.fixture
def X():
    return np.random.default_rng(0).standard_normal((40, 4)) * 3.0 + 10.0


def test_matches_standard_scaler_without_std(X):
    ref = StandardScaler(with_std=False).fit(X)
    centerer = MeanCenterer().fit(X)
    assert_allclose(centerer.mean_, ref.mean_)
    assert_allclose(centerer.transform(X), ref.transform(X))


def test_partial_fit_equals_fit(X):
    streamed = MeanCenterer()
    for chunk in np.array_split(X, [1, 10, 33]):
        streamed.partial_fit(chunk.astype(np.float32))
    assert streamed.n_samples_seen_ == 40
    assert_allclose(streamed.mean_, X.astype(np.float32).mean(0, dtype=np.float64))
    assert streamed.mean_.dtype == np.float64


def test_inverse_transform(X):
    centerer = MeanCenterer().fit(X)
    assert_allclose(centerer.inverse_transform(centerer.transform(X)), X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(X, dtype):
    X_tr = MeanCenterer().fit_transform(X.astype(dtype))
    assert X_tr.dtype == dtype


def test_copy_false_in_place(X):
    X = X.copy()
    assert MeanCenterer(copy=False).fit(X).transform(X) is X
    assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)


def test_function_twin(X):
    assert_allclose(center(X), MeanCenterer().fit_transform(X))


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_sparse_input_explains(X, method):
    with pytest.raises(ValueError, match=r"sparse input.*toarray\(\)"):
        getattr(MeanCenterer(), method)(sparse.csr_array(X))
    centerer = MeanCenterer().fit(X)
    with pytest.raises(ValueError, match="densif|dense"):
        centerer.transform(sparse.csr_array(X))


def test_wrong_number_of_features(X):
    centerer = MeanCenterer().fit(X)
    with pytest.raises(ValueError, match="features"):
        centerer.transform(X[:, :3])
    with pytest.raises(ValueError, match="features"):
        centerer.partial_fit(X[:, :3])
