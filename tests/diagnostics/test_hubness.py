"""Hubness measures: fixtures, numpy references, graphs and a known hub."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse, stats
from sklearn.neighbors import KNeighborsTransformer

from sklearn_cosim.datasets import make_anisotropic_embeddings
from sklearn_cosim.diagnostics import (
    antihub_occurrence,
    antihubs,
    atkinson_index,
    gini_index,
    groupie_ratio,
    hub_occurrence,
    hubness_measures,
    hubness_skewness,
    hubs,
    k_occurrence,
    robin_hood_index,
)
from sklearn_cosim.diagnostics._k_occurrence import _all_measures
from sklearn_cosim.neighbors import SimilarityNeighbors


def test_methods_fixture_a():
    """methods.md §6.7(a): N_k = [5, 0, 1, 2, 2], k = 2, n = 5."""
    m = _all_measures(np.array([5, 0, 1, 2, 2]), k=2, n_query=5)
    assert_allclose(m["k_skewness"], 0.7683612489, atol=1e-9)
    assert_allclose(m["k_skewness_truncnorm"], 0.8257428356, atol=1e-9)
    assert_allclose(m["gini_index"], 0.44)
    assert_allclose(m["robin_hood_index"], 0.3)
    assert_allclose(m["atkinson_index"], 0.2644379831, atol=1e-9)
    assert_allclose(m["antihub_occurrence"], 0.2)
    assert_allclose(m["hub_occurrence"], 0.5)
    assert_allclose(m["groupie_ratio"], 0.5)
    assert m["n_hubs"] == 1 and m["n_antihubs"] == 1


def _numpy_k_occurrence(X, k):
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = U @ U.T
    np.fill_diagonal(S, -np.inf)
    ind = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return np.bincount(ind.ravel(), minlength=len(X))


@pytest.fixture
def X():
    return np.random.default_rng(0).standard_normal((150, 30)) + 0.3


def test_functions_equal_numpy_reference(X):
    N = _numpy_k_occurrence(X, 5)
    assert_array_equal(k_occurrence(X, n_neighbors=5), N)
    assert N.sum() == 5 * len(X)
    assert_allclose(hubness_skewness(X, n_neighbors=5), stats.skew(N))
    assert_allclose(
        robin_hood_index(X, n_neighbors=5), 0.5 * np.abs(N - 5).sum() / N.sum()
    )
    gini = np.abs(N[:, None] - N[None]).sum() / (2 * len(N) * N.sum())
    assert_allclose(gini_index(X, n_neighbors=5), gini)
    atk = 1 - np.mean(np.sqrt(N)) ** 2 / N.mean()
    assert_allclose(atkinson_index(X, n_neighbors=5), atk)
    is_hub = N >= 10
    assert_allclose(hub_occurrence(X, n_neighbors=5), N[is_hub].sum() / (5 * len(X)))
    assert_allclose(antihub_occurrence(X, n_neighbors=5), np.mean(N == 0))
    assert_allclose(groupie_ratio(X, n_neighbors=5), N.max() / len(X) / 5)
    assert_array_equal(np.sort(hubs(X, n_neighbors=5)), np.flatnonzero(is_hub))
    assert_array_equal(antihubs(X, n_neighbors=5), np.flatnonzero(N == 0))
    assert hubness_measures(X, n_neighbors=5)["max_k_occurrence"] == N.max()


def test_precomputed_graphs_give_the_same_k_occurrence(X):
    ref = k_occurrence(X, n_neighbors=5)
    G = KNeighborsTransformer(n_neighbors=5, metric="cosine").fit_transform(X)
    assert_array_equal(k_occurrence(G, n_neighbors=5, metric="precomputed"), ref)
    G2 = SimilarityNeighbors(n_neighbors=8).fit(X).kneighbors_graph(mode="distance")
    assert_array_equal(k_occurrence(G2, n_neighbors=5, metric="precomputed"), ref)
    assert hubness_skewness(G, n_neighbors=5, metric="precomputed") == pytest.approx(
        hubness_skewness(X, n_neighbors=5)
    )


def test_bad_graphs_raise(X):
    G = KNeighborsTransformer(n_neighbors=5, metric="cosine").fit_transform(X)
    with pytest.raises(ValueError, match="larger than the 5 neighbours"):
        k_occurrence(G, n_neighbors=6, metric="precomputed")
    with pytest.raises(ValueError, match="larger than the 149"):
        k_occurrence(G, n_neighbors=150, metric="precomputed")
    unsorted = G.copy()
    unsorted.data[unsorted.indptr[3] + 1] = 10.0
    with pytest.raises(ValueError, match="not sorted"):
        k_occurrence(unsorted, n_neighbors=5, metric="precomputed")
    extra = np.setdiff1d(np.arange(150), G[0].indices)[0]
    pos = G.indptr[1]
    longer = sparse.csr_matrix(
        (
            np.insert(G.data, pos, 5.0),
            np.insert(G.indices, pos, extra),
            np.r_[0, G.indptr[1:] + 1],
        ),
        shape=G.shape,
    )
    with pytest.raises(ValueError, match="unequal"):
        k_occurrence(longer, n_neighbors=5, metric="precomputed")
    with pytest.raises(ValueError, match="sparse"):
        k_occurrence(G.toarray(), n_neighbors=5, metric="precomputed")
    with pytest.raises(ValueError, match="n_neighbors"):
        k_occurrence(X, n_neighbors=150)
    with pytest.raises(ValueError, match="hubness"):
        k_occurrence(X, hubness="bogus")


def test_known_hub_is_found():
    X, _, _, planted = make_anisotropic_embeddings(
        500, 64, n_hubs=4, return_hubs=True, random_state=0
    )
    found = hubs(X, n_neighbors=10)
    assert set(planted) <= set(found[:8])
    N = k_occurrence(X)
    assert np.all(N[planted] >= 4 * 10)


def test_ties_are_broken_by_the_smaller_index():
    X = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    # rows 0-2 are identical: each takes the smallest other index; row 3 has
    # cosine 0 with all three and takes row 0
    assert_array_equal(k_occurrence(X, n_neighbors=1), [3, 1, 0, 0])


def test_sparse_input_and_hubness_reduction(X):
    assert_array_equal(
        k_occurrence(sparse.csr_matrix(X), n_neighbors=5),
        k_occurrence(X, n_neighbors=5),
    )
    assert k_occurrence(X, n_neighbors=5, hubness="csls").sum() == 5 * len(X)
