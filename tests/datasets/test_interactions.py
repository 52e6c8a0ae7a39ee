import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse

from sklearn_cosim.datasets import make_clustered_interactions


@pytest.fixture(scope="module")
def data():
    return make_clustered_interactions(4000, 300, 4, random_state=0)


def test_output_types_and_binary(data):
    X, labels, popularity = data
    assert sparse.issparse(X) and X.format == "csr"
    assert X.shape == (4000, 300) and X.dtype == np.float64
    assert X.has_sorted_indices
    assert_array_equal(np.unique(X.data), [1.0])
    X.sum_duplicates()
    assert X.max() == 1.0  # sampled without replacement: no duplicates
    assert labels.shape == (300,) and popularity.shape == (300,)
    assert labels.min() >= 0 and labels.max() < 4


def test_seeded(data):
    X, labels, popularity = make_clustered_interactions(4000, 300, 4, random_state=0)
    assert (X != data[0]).nnz == 0
    assert_array_equal(labels, data[1])
    assert_array_equal(popularity, data[2])
    X_other = make_clustered_interactions(4000, 300, 4, random_state=1)[0]
    assert (X_other != X).nnz > 0


def test_items_per_user_law(data):
    X = data[0]
    k = np.diff(X.indptr)
    assert k.min() >= 1 and k.max() <= 300
    # P(k >= m) = m ** -0.5 below the cap
    for m in [2, 4, 25, 100]:
        assert abs(np.mean(k >= m) - m**-0.5) < 0.03


def test_popularity_is_zipf_within_clusters(data):
    X, labels, popularity = data
    counts = np.asarray(X.sum(axis=0)).ravel()
    for c in range(4):
        members = np.flatnonzero(labels == c)
        assert_allclose(popularity[members].sum(), 1.0)
        ranks = np.argsort(np.argsort(-popularity[members])) + 1.0
        # p ∝ rank ** -beta, beta in [0.25, 1.5]
        beta = -np.polyfit(np.log(ranks), np.log(popularity[members]), 1)[0]
        assert 0.25 <= beta <= 1.5
        assert_allclose(popularity[members], ranks**-beta / np.sum(ranks**-beta))
        # observed counts follow the baseline popularity order
        rho = np.corrcoef(np.argsort(np.argsort(counts[members])), -ranks)[0, 1]
        assert rho > 0.8


def test_cluster_proportions():
    weights = np.array([0.5, 0.3, 0.2])
    labels = make_clustered_interactions(
        50, 20000, 3, cluster_weights=weights, max_items_per_user=5, random_state=0
    )[1]
    assert_allclose(np.bincount(labels) / 20000, weights, atol=0.02)


def test_user_concentration_focuses_users():
    def mean_cluster_entropy(concentration):
        X, labels, _ = make_clustered_interactions(
            2000, 200, 4, user_concentration=concentration, random_state=0
        )
        onehot = np.eye(4)[labels]
        per_cluster = X @ onehot
        heavy = per_cluster.sum(axis=1) >= 20
        p = per_cluster[heavy] / per_cluster[heavy].sum(axis=1, keepdims=True)
        return -np.sum(p * np.log(np.where(p > 0, p, 1)), axis=1).mean()

    assert mean_cluster_entropy(0.1) < mean_cluster_entropy(10.0) - 0.3


def test_max_items_per_user():
    X = make_clustered_interactions(500, 50, 2, max_items_per_user=3, random_state=0)[0]
    assert np.diff(X.indptr).max() == 3


def test_paper_size_defaults():
    # the defaults are the paper's size (speed is not asserted in unit tests)
    X, labels, popularity = make_clustered_interactions(random_state=0)
    assert X.shape == (20000, 1000)
    assert labels.shape == popularity.shape == (1000,)
    assert np.diff(X.indptr).min() >= 1  # every user has an item


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_users": 0}, "n_users"),
        ({"n_items": -1}, "n_items"),
        ({"n_clusters": 0}, "n_clusters"),
        ({"beta_item": (1.5, 0.25)}, "beta_item"),
        ({"beta_item": (0.1, 0.2, 0.3)}, "beta_item"),
        ({"beta_item": (-0.1, 0.2)}, "beta_item"),
        ({"beta_user": 0.0}, "beta_user"),
        ({"cluster_weights": [1.0, -1.0, 1.0, 1.0, 1.0]}, "cluster_weights"),
        ({"cluster_weights": [1.0, 1.0]}, "cluster_weights"),
        ({"user_concentration": 0}, "user_concentration"),
        ({"max_items_per_user": 0}, "max_items_per_user"),
    ],
)
def test_bad_input_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_clustered_interactions(**{"n_users": 10, "n_items": 10, **kwargs})
