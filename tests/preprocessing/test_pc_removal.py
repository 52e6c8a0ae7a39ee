import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from sklearn_cosim.preprocessing import (
    PrincipalComponentRemover,
    remove_principal_components,
)

CONTAINERS = [np.asarray, sparse.csr_array, sparse.csc_array]


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return rng.standard_normal((30, 5)) @ np.diag([10.0, 3.0, 1.0, 1.0, 0.5]) + 4.0


def _top_directions(X_c, n):
    return np.linalg.svd(X_c, full_matrices=False)[2][:n]


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_orthogonal_to_removed_directions(X, container, dtype):
    remover = PrincipalComponentRemover(n_components=2)
    X_tr = remover.fit_transform(container(X.astype(dtype)))
    assert isinstance(X_tr, np.ndarray)
    assert X_tr.dtype == dtype
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert_allclose(X_tr @ remover.components_.T, 0.0, atol=tol * np.abs(X).max())
    assert_allclose(X_tr.mean(axis=0), 0.0, atol=tol * np.abs(X).max())


@pytest.mark.parametrize("n_components", [1, 3])
def test_matches_dense_reference_centered(X, n_components):
    remover = PrincipalComponentRemover(n_components).fit(X)
    X_c = X - X.mean(axis=0)
    U = _top_directions(X_c, n_components)
    assert_allclose(remover.transform(X), X_c - X_c @ U.T @ U, atol=1e-10)


def test_matches_dense_reference_raw(X):
    remover = PrincipalComponentRemover(2, project="raw").fit(X)
    mu = X.mean(axis=0)
    U = _top_directions(X - mu, 2)
    expected = (X - mu) - X @ U.T @ U
    assert_allclose(remover.transform(X), expected, atol=1e-10)
    # raw = centered shifted by the constant -sum_i (u_i . mu) u_i
    centered = PrincipalComponentRemover(2).fit_transform(X)
    shift = np.broadcast_to(-(mu @ U.T @ U), X.shape)
    assert_allclose(remover.transform(X) - centered, shift, atol=1e-10)


def test_without_mean_uses_second_moment(X):
    remover = PrincipalComponentRemover(1, with_mean=False).fit(X)
    U = _top_directions(X, 1)
    assert_allclose(remover.mean_, 0.0)
    assert_allclose(remover.transform(X), X - X @ U.T @ U, atol=1e-10)


def test_zero_components_is_centering(X):
    remover = PrincipalComponentRemover(0).fit(X)
    assert remover.components_.shape == (0, 5)
    assert_allclose(remover.transform(X), X - X.mean(axis=0))


@pytest.mark.parametrize("n_features, expected", [(5, 1), (100, 1), (101, 2), (768, 8)])
def test_auto_rule(n_features, expected):
    X = np.random.default_rng(0).standard_normal((120, n_features))
    assert PrincipalComponentRemover().fit(X).n_components_ == expected


def test_sign_invariance_and_deterministic_sign(X):
    remover = PrincipalComponentRemover(2).fit(X)
    comps = remover.components_
    rows = np.arange(2)
    assert (comps[rows, np.argmax(np.abs(comps), axis=1)] > 0).all()


def test_function_twin(X):
    assert_allclose(
        remove_principal_components(X, 2, project="raw"),
        PrincipalComponentRemover(2, project="raw").fit_transform(X),
    )


def test_copy_false_modifies_in_place(X):
    X = X.copy()
    X_tr = PrincipalComponentRemover(1, copy=False).fit(X).transform(X)
    assert X_tr is X


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_components": 6}, "n_components=6 must be <= min"),
        ({"n_components": -1}, "'n_components' parameter"),
        ({"project": "both"}, "'project' parameter"),
    ],
)
def test_bad_params(X, params, match):
    with pytest.raises(ValueError, match=match):
        PrincipalComponentRemover(**params).fit(X)


def test_nan_input_raises(X):
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PrincipalComponentRemover(1).fit(X)
