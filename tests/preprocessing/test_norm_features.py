import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from sklearn_cosim.preprocessing import NormFeatureAugmenter, add_norm_feature


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((25, 4)) * rng.uniform(0.1, 5.0, size=(25, 1))
    X[3] = 0.0
    return X


@pytest.mark.parametrize("norm_transform, f", [("identity", None), ("log1p", np.log1p)])
@pytest.mark.parametrize("norm_weight", [1.0, 0.5])
def test_matches_numpy_reference(X, norm_transform, f, norm_weight):
    norms = np.linalg.norm(X, axis=1)
    feature = norms if f is None else f(norms)
    column = norm_weight * (feature - feature.mean()) / feature.std()
    direction = X / np.where(norms > 0, norms, 1.0)[:, None]
    augmenter = NormFeatureAugmenter(
        norm_transform=norm_transform, norm_weight=norm_weight
    )
    X_tr = augmenter.fit_transform(X)
    assert_allclose(X_tr, np.column_stack([direction, column]), rtol=1e-12)
    assert_allclose(X_tr[3, :4], 0.0)  # zero row: direction 0


def test_log_transform_and_zero_rows(X):
    X_pos = np.delete(X, 3, axis=0)
    X_tr = NormFeatureAugmenter(norm_transform="log").fit_transform(X_pos)
    log_norms = np.log(np.linalg.norm(X_pos, axis=1))
    assert_allclose(X_tr[:, -1], (log_norms - log_norms.mean()) / log_norms.std())
    with pytest.raises(ValueError, match="norm_transform='log'.*log1p"):
        NormFeatureAugmenter(norm_transform="log").fit(X)


def test_constant_norms_give_zero_feature():
    X = np.eye(3)
    augmenter = NormFeatureAugmenter().fit(X)
    assert augmenter.norm_scale_ == 1.0
    assert_allclose(augmenter.transform(X)[:, -1], 0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_and_dtype(X, dtype):
    X = X.astype(dtype)
    dense = NormFeatureAugmenter().fit_transform(X)
    X_sp = NormFeatureAugmenter().fit_transform(sparse.csr_array(X))
    assert sparse.issparse(X_sp) and X_sp.format == "csr"
    assert dense.dtype == X_sp.dtype == dtype
    assert_allclose(X_sp.toarray(), dense, rtol=1e-5)


def test_feature_names_and_function_twin(X):
    augmenter = NormFeatureAugmenter().fit(X)
    assert list(augmenter.get_feature_names_out()) == ["x0", "x1", "x2", "x3", "norm"]
    assert_allclose(
        add_norm_feature(X, norm_weight=2.0),
        NormFeatureAugmenter(norm_weight=2.0).fit_transform(X),
    )


def test_norm_matters_for_euclidean_distance():
    # two samples with the same direction but different norms become distinct
    X = np.array([[1.0, 0.0], [10.0, 0.0], [0.0, 1.0]])
    X_tr = NormFeatureAugmenter().fit_transform(X)
    assert np.linalg.norm(X_tr[0] - X_tr[1]) > 1.0


def test_bad_params(X):
    with pytest.raises(ValueError, match="'norm_transform' parameter"):
        NormFeatureAugmenter(norm_transform="sqrt").fit(X)
    with pytest.raises(ValueError, match="'norm_weight' parameter"):
        NormFeatureAugmenter(norm_weight=-1).fit(X)
