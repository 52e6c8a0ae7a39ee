"""CSLS and input checks of the graph-in, graph-out hubness transformer."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.neighbors import KNeighborsClassifier, KNeighborsTransformer
from sklearn.pipeline import make_pipeline

from sklearn_cosim.neighbors import HubnessReductionTransformer, SimilarityNeighbors


def _cosine(A, B):
    An = A / np.linalg.norm(A, axis=1, keepdims=True)
    Bn = B / np.linalg.norm(B, axis=1, keepdims=True)
    return An @ Bn.T


def _r_train(C, k):
    """Mean cosine of each training sample to its k most similar others."""
    C = C.copy()
    np.fill_diagonal(C, -np.inf)
    return -np.sort(-C, axis=1)[:, :k].mean(axis=1)


def test_csls_methods_reference_numbers():
    # methods.md 6.7(b): the five non-zero points, cosine, K = 2. Two of them
    # point the same way (cosine distance 0), so only the entries whose r
    # does not involve that pair are compared with the published CSLS:
    # (1,0)-(0,1): -1.524899, (1,0)-(0.5,0.2): 0.115351.
    P = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [3.0, 3.0], [0.5, 0.2]])
    D = np.clip(1.0 - _cosine(P, P), 0.0, None)
    D[2, 3] = D[3, 2] = 0.0
    np.fill_diagonal(D, 0.0)
    out = HubnessReductionTransformer(method="csls", n_neighbors=2).fit_transform(D)
    # r = 1 - (mean distance of the 2 nearest at a positive distance)
    r_min = 0.707107  # point (0, 1): the smallest r, so M = 1 - r_min
    M = 1.0 - r_min
    assert_allclose(out[0, 1], M + 1.524899 / 2, atol=2e-6)
    assert_allclose(out[0, 4], M - 0.115351 / 2, atol=2e-6)
    assert_allclose(np.diag(out), 0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_csls_graph_equals_cosine_formula(dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6))
    Q = rng.standard_normal((9, 6)) * 0.3 + 0.5
    k, n_stored = 4, 12
    knn = KNeighborsTransformer(n_neighbors=n_stored, metric="cosine", mode="distance")
    G = knn.fit_transform(X).astype(dtype)
    hub = HubnessReductionTransformer(method="csls", n_neighbors=k)
    out = hub.fit_transform(G)
    assert out.dtype == dtype
    C = _cosine(X, X)
    # r from the k nearest among the *stored* neighbours = the k nearest
    # overall, since k <= stored; plain CSLS with cosines
    r = _r_train(C, k)
    M = np.max(1.0 - r)
    ref = M - (2.0 * C - r[:, None] - r[None, :]) / 2.0
    coo = out.tocoo()
    off = coo.row != coo.col
    tol = 1e-10 if dtype == np.float64 else 1e-5
    assert_allclose(coo.data[off], ref[coo.row[off], coo.col[off]], atol=tol)
    assert np.all(coo.data >= 0)

    # queries: mu_x from the query's own stored row; shift max(M, mu_x)
    Gq = knn.transform(Q).astype(dtype)
    out_q = hub.transform(Gq).tocoo()
    Cq = _cosine(Q, X)
    r_q = -np.sort(-Cq, axis=1)[:, :k].mean(axis=1)
    shift = np.maximum(M, 1.0 - r_q)
    ref_q = shift[:, None] - (2.0 * Cq - r_q[:, None] - r[None, :]) / 2.0
    assert_allclose(out_q.data, ref_q[out_q.row, out_q.col], atol=tol)
    assert np.all(out_q.data >= 0)


def test_csls_graph_ranks_as_the_estimator():
    # full dense distance matrix: every training sample is stored, so the
    # graph statistics are the estimator's exact ones
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 5))
    D = np.clip(1.0 - _cosine(X, X), 0.0, None)
    np.fill_diagonal(D, 0.0)
    out = HubnessReductionTransformer(method="csls", n_neighbors=5).fit_transform(D)
    np.fill_diagonal(out, np.inf)  # leave-one-out, as kneighbors(X=None)
    graph_ind = np.argsort(out, axis=1, kind="stable")[:, :6]
    est = SimilarityNeighbors(
        n_neighbors=6, hubness="csls", hubness_params={"n_neighbors": 5}
    ).fit(X)
    assert_array_equal(graph_ind, est.kneighbors(return_distance=False))


def test_csls_feeds_a_precomputed_classifier():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 8))
    y = (X[:, 0] > 0).astype(int)
    pipe = make_pipeline(
        KNeighborsTransformer(n_neighbors=15, metric="cosine", mode="distance"),
        HubnessReductionTransformer(method="csls"),
        KNeighborsClassifier(n_neighbors=5, metric="precomputed"),
    )
    assert pipe.fit(X, y).score(X, y) > 0.7
    assert pipe[1].n_neighbors_ == 10  # the CSLS default K of MUSE


@pytest.mark.parametrize("value", [True, False, np.True_])
def test_bool_n_neighbors_is_refused(value):
    D = np.abs(np.random.default_rng(0).standard_normal((6, 6)))
    with pytest.raises(ValueError, match="n_neighbors.* must be an int"):
        HubnessReductionTransformer(n_neighbors=value).fit(D)


def test_dis_sim_local_is_not_a_method():
    D = np.abs(np.random.default_rng(0).standard_normal((6, 6)))
    with pytest.raises(ValueError, match="method"):
        HubnessReductionTransformer(method="dis_sim_local").fit(D)


def test_datetime_graph_is_refused():
    D = np.arange(36).astype("timedelta64[s]").reshape(6, 6)
    with pytest.raises(ValueError, match="dates or durations"):
        HubnessReductionTransformer().fit(D)
