import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from sklearn_cosim.metrics.pairwise import (
    pairwise_distances,
    pairwise_similarity,
    soft_cosine_similarity,
)
from sklearn_cosim.neighbors import SimilarityNeighbors
from sklearn_cosim.text import term_similarity_matrix


def _reference(X, Y, S):
    """u'Sv / sqrt(u'Su v'Sv), 0 for an empty (zero soft norm) row."""
    X, Y, S = (
        np.asarray(a.toarray() if sparse.issparse(a) else a, float) for a in (X, Y, S)
    )
    num = X @ S @ Y.T
    nx = np.sqrt(np.einsum("ij,jk,ik->i", X, S, X))
    ny = np.sqrt(np.einsum("ij,jk,ik->i", Y, S, Y))
    den = np.outer(nx, ny)
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return np.clip(out, -1, 1)


def _data(seed=0, n_terms=40, dense_frac=0.25):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n_terms, 6))
    S = term_similarity_matrix(W, nonzero_limit=5, positive_semidefinite="scale")
    X = rng.poisson(dense_frac, size=(25, n_terms)).astype(float)
    Y = rng.poisson(dense_frac, size=(18, n_terms)).astype(float)
    X[[2, 7]] = 0.0  # empty documents
    Y[5] = 0.0
    return X, Y, S


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("s_fmt", ["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_soft_cosine_matches_numpy_reference(fmt, s_fmt, dtype):
    X, Y, S = _data()
    ref = _reference(X, Y, S)
    Xc, Yc = X.astype(dtype), Y.astype(dtype)
    if fmt == "csr":
        Xc, Yc = sparse.csr_matrix(Xc), sparse.csr_matrix(Yc)
    Sc = S if s_fmt == "csr" else S.toarray()
    got = soft_cosine_similarity(Xc, Yc, S=Sc)
    assert got.dtype == dtype
    assert_allclose(got, ref, atol=1e-5 if dtype == np.float32 else 1e-12)
    assert_allclose(got[[2, 7]], 0.0)  # empty documents: similarity 0
    assert_allclose(got[:, 5], 0.0)
    dist = pairwise_distances(Xc, Yc, metric="soft_cosine", S=Sc)
    assert_allclose(dist, 1 - got, atol=1e-6)


def test_dense_query_path_is_used_and_exact():
    # dense Q S rows take the sparse x dense product; check both paths agree
    X, Y, S = _data(1, n_terms=30, dense_frac=1.5)
    got = pairwise_similarity(
        sparse.csr_matrix(X), sparse.csr_matrix(Y), metric="soft_cosine", S=S
    )
    assert_allclose(got, _reference(X, Y, S), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_similarity_neighbors_soft_cosine_sparse(dtype):
    X, Y, S = _data(2, dense_frac=0.8)
    C, Q = sparse.csr_matrix(X.astype(dtype)), sparse.csr_matrix(Y.astype(dtype))
    nn = SimilarityNeighbors(
        n_neighbors=4, metric="soft_cosine", metric_params={"S": S}
    ).fit(C)
    sims, ind = nn.kneighbors(Q, return_similarity=True)
    assert sims.dtype == dtype
    ref = _reference(Y, X, S)
    assert_allclose(sims, np.sort(ref, axis=1)[:, ::-1][:, :4], atol=1e-5)
    assert_allclose(np.take_along_axis(ref, ind, axis=1), sims, atol=1e-5)
    # queries from the fitted set (X=None) exclude themselves
    sims_self, ind_self = nn.kneighbors(return_similarity=True)
    assert not (ind_self == np.arange(C.shape[0])[:, None]).any()


def test_gensim_fixture():
    S = np.full((5, 5), 0.5) + 0.5 * np.eye(5)
    x = np.array([[2.0, 1.0, 0, 0, 0]])
    y = np.array([[1.0, 0, 1.0, 0, 0]])
    for conv in (np.asarray, sparse.csr_matrix):
        got = soft_cosine_similarity(conv(x), conv(y), S=sparse.csr_matrix(S))
        assert got[0, 0] == pytest.approx(4 / np.sqrt(21))
        assert got[0, 0] == pytest.approx(0.8728715609)
    assert (x @ S @ y.T)[0, 0] == 4.0  # inner product of the fixture


def test_bad_S():
    X = sparse.csr_matrix(np.ones((2, 3)))
    with pytest.raises(ValueError, match="S"):
        soft_cosine_similarity(X, S=sparse.eye(4))  # wrong shape
    with pytest.raises(ValueError, match="symmetric"):
        soft_cosine_similarity(X, S=sparse.csr_matrix(np.triu(np.ones((3, 3)))))
    with pytest.raises(ValueError, match="positive semi-definite"):
        S = np.eye(3)
        S[0, 1] = S[1, 0] = -2.0
        soft_cosine_similarity(
            sparse.csr_matrix([[1.0, 1.0, 0.0]]), S=sparse.csr_matrix(S)
        )
