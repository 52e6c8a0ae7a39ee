import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from sklearn_cosim.preprocessing import LayerNormalizer, layer_normalize


@pytest.fixture
def X():
    return np.random.default_rng(0).standard_normal((20, 8)) * 2.0 + 1.0


@pytest.mark.parametrize("eps", [0.0, 1e-5, 1.0])
def test_matches_numpy_formula(X, eps):
    mean = X.mean(axis=1, keepdims=True)
    var = X.var(axis=1, keepdims=True)
    expected = (X - mean) / np.sqrt(var + eps)
    assert_allclose(LayerNormalizer(eps=eps).fit_transform(X), expected, rtol=1e-12)


def test_cosine_of_output_is_pearson_correlation(X):
    Y = LayerNormalizer(eps=0.0).fit_transform(X)
    Y_unit = Y / np.linalg.norm(Y, axis=1, keepdims=True)
    assert_allclose(Y_unit @ Y_unit.T, np.corrcoef(X), atol=1e-12)


@pytest.mark.parametrize("eps", [0.0, 1e-5])
def test_constant_rows_map_to_zero(eps):
    X = np.array([[3.0, 3.0, 3.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    Y = LayerNormalizer(eps=eps).fit_transform(X)
    assert np.isfinite(Y).all()
    assert_allclose(Y[:2], 0.0)


def test_stateless_transform_without_fit(X):
    assert LayerNormalizer().__sklearn_tags__().requires_fit is False
    assert_allclose(LayerNormalizer().transform(X), LayerNormalizer().fit_transform(X))


def test_float32_and_function_twin(X):
    X32 = X.astype(np.float32)
    Y = layer_normalize(X32)
    assert Y.dtype == np.float32
    assert_allclose(Y, LayerNormalizer().fit_transform(X), rtol=1e-5, atol=1e-5)


def test_bad_input(X):
    with pytest.raises(ValueError, match="'eps' parameter"):
        LayerNormalizer(eps=-1.0).fit(X)
    with pytest.raises(ValueError, match="sparse"):
        LayerNormalizer().fit(sparse.csr_array(X))
    X_inf = X.copy()
    X_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        LayerNormalizer().fit_transform(X_inf)
