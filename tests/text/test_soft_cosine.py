import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
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


def _assert_top_k(sims, ind, ref, atol):
    """`sims` are the k largest of each row of `ref`, found at `ind`."""
    k = sims.shape[1]
    assert_allclose(sims, np.sort(ref, axis=1)[:, ::-1][:, :k], atol=atol)
    assert_allclose(np.take_along_axis(ref, ind, axis=1), sims, atol=atol)


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
    _assert_top_k(sims, ind, ref, atol=1e-5)
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


# -- the fitted-index search: dense query blocks, float32 blocks for float64 data --
def _corpus_and_queries(seed=3, n_terms=60, n_docs=120, n_queries=40):
    """tf-like rows with frequent and rare terms; queries use unseen terms too."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n_terms, 5))
    S = term_similarity_matrix(W, nonzero_limit=8, positive_semidefinite="scale")
    p = 1.0 / np.arange(1, n_terms + 1) ** 0.9
    p /= p.sum()

    def rows(n, unseen):
        X = np.zeros((n, n_terms))
        for i in range(n):
            terms = rng.choice(n_terms, size=rng.integers(2, 15), p=p)
            np.add.at(X[i], terms, rng.uniform(0.2, 2.0, terms.size))
        X[:, unseen] = 0.0
        return X

    unseen = np.arange(n_terms - 6, n_terms)  # terms no corpus row has
    X = rows(n_docs, unseen)
    Y = rows(n_queries, [])
    Y[:5, unseen] = rng.uniform(0.5, 1.0, (5, unseen.size))
    X[[4, 9]] = 0.0  # empty documents
    Y[2] = 0.0
    return X, Y, S


ROUTES = {
    "default": {},
    "all_dense": {"HEAD_DENSITY": 0.0, "MAX_HEAD": 10**6, "QUERY_HEAD_COUNT": 1},
    "all_sparse": {"HEAD_DENSITY": 2.0, "QUERY_HEAD_COUNT": 10**6},
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("s_fmt", ["csr", "dense"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fitted_search_every_route_matches_reference(route, s_fmt, dtype, monkeypatch):
    from sklearn_cosim.metrics import _soft_cosine

    for name, value in ROUTES[route].items():
        monkeypatch.setattr(_soft_cosine._LocalTerms, name, value)
    X, Y, S = _corpus_and_queries()
    S_arg = S if s_fmt == "csr" else S.toarray()
    C, Q = sparse.csr_matrix(X.astype(dtype)), sparse.csr_matrix(Y.astype(dtype))
    nn = SimilarityNeighbors(
        n_neighbors=7, metric="soft_cosine", metric_params={"S": S_arg}
    ).fit(C)
    sims, ind = nn.kneighbors(Q, return_similarity=True)
    ref = _reference(Y, X, S)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    _assert_top_k(sims, ind, ref, atol=tol)
    full = pairwise_similarity(Q, C, metric="soft_cosine", S=S_arg)
    assert_allclose(full, ref, atol=tol)
    # radius search uses the same blocks and their error bound
    dist, rind = nn.radius_neighbors(Q, radius=0.4)
    for q in range(Q.shape[0]):
        expected = np.flatnonzero(1.0 - ref[q] <= 0.4)
        assert_array_equal(np.sort(rind[q]), expected)
        assert_allclose(dist[q], 1.0 - ref[q, rind[q]], atol=tol)


def test_non_canonical_query_rows():
    X, Y, S = _corpus_and_queries(seed=4)
    Q = sparse.coo_matrix(Y)
    # every entry stored as two halves: duplicates, unsorted within a row
    rows = np.concatenate([Q.row, Q.row])
    order = np.argsort(rows, kind="stable")
    raw = sparse.csr_matrix(
        (
            np.concatenate([Q.data / 2, Q.data / 2])[order],
            np.concatenate([Q.col, Q.col])[order],
            np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=Q.shape[0]))]),
        ),
        shape=Q.shape,
    )
    assert not raw.has_canonical_format
    nn = SimilarityNeighbors(
        n_neighbors=5, metric="soft_cosine", metric_params={"S": S}
    ).fit(sparse.csr_matrix(X))
    sims, ind = nn.kneighbors(raw, return_similarity=True)
    ref = _reference(Y, X, S)
    _assert_top_k(sims, ind, ref, atol=1e-12)


def test_very_sparse_products_stay_sparse():
    # S = I over a large vocabulary: Q S is too sparse to densify, and the
    # soft cosine is the cosine
    from sklearn.metrics.pairwise import cosine_similarity

    C = sparse.random(80, 3000, density=0.002, random_state=1, format="csr")
    Q = sparse.random(20, 3000, density=0.002, random_state=2, format="csr")
    C = sparse.csr_matrix(sparse.diags((np.arange(80) != 3).astype(float)) @ C)
    S = sparse.identity(3000, format="csr")
    nn = SimilarityNeighbors(
        n_neighbors=3, metric="soft_cosine", metric_params={"S": S}
    ).fit(C)
    sims, ind = nn.kneighbors(Q, return_similarity=True)
    ref = cosine_similarity(Q, C)
    _assert_top_k(sims, ind, ref, atol=1e-12)


def test_score_error_bounds_the_float32_blocks(float32_block_gap):
    # signed data and a PSD S with negative entries: the float32 block of
    # float64 data stays within score_error of the exact block, and the bound
    # is small enough to be useful
    from sklearn_cosim.metrics.pairwise import check_metric

    rng = np.random.default_rng(7)
    n_terms = 50
    W = rng.standard_normal((n_terms, 4))
    S = W @ W.T
    S = S / np.sqrt(np.outer(np.diag(S), np.diag(S)))
    S = sparse.csr_matrix(0.7 * S + 0.3 * np.eye(n_terms))
    X = sparse.random(200, n_terms, density=0.3, random_state=3, format="csr")
    X.data = rng.standard_normal(X.nnz) * 10.0 ** rng.uniform(-3, 3, X.nnz)
    Y = sparse.random(30, n_terms, density=0.4, random_state=4, format="csr")
    Y.data = rng.standard_normal(Y.nnz)
    measure = check_metric("soft_cosine", {"S": S})
    gap, slack, exact, q, c = float32_block_gap(measure, X, Y)
    assert np.all(gap <= slack[:, None])
    assert 0 < gap.max() and slack.max() < 1e-3
    assert_allclose(exact, np.clip(_reference(Y, X, S), -1, 1), atol=1e-12)


def test_doubtful_rows_are_searched_again(monkeypatch):
    # a huge error bound leaves every row in doubt: the engine collects every
    # entry within the bound and re-scores it; near-duplicate documents tie
    from sklearn_cosim.metrics._soft_cosine import _SoftScorer

    X, Y, S = _corpus_and_queries(seed=5)
    X = np.vstack([X, X[:30] * (1 + 1e-9), X[:30]])
    calls = []

    def loose(self):
        calls.append(self.qs)
        return np.full(self.n_rows, 0.5)

    C, Q = sparse.csr_matrix(X), sparse.csr_matrix(Y)
    ref = _reference(Y, X, S)
    expected = (
        SimilarityNeighbors(n_neighbors=6, metric="soft_cosine", metric_params={"S": S})
        .fit(C)
        .kneighbors(Q, return_similarity=True)
    )
    monkeypatch.setattr(_SoftScorer, "_dense_slack", loose)
    nn = SimilarityNeighbors(
        n_neighbors=6, metric="soft_cosine", metric_params={"S": S}
    ).fit(C)
    sims, ind = nn.kneighbors(Q, return_similarity=True)
    assert calls
    assert_array_equal(ind, expected[1])
    assert_allclose(sims, expected[0], atol=1e-15)
    assert_allclose(np.take_along_axis(ref, ind, axis=1), sims, atol=1e-12)


def test_block_restricted_soft_norms():
    from sklearn_cosim.metrics._soft_cosine import _sparse_soft_sq_norms

    X, _, S = _corpus_and_queries(seed=6)
    ref = np.einsum("ij,jk,ik->i", X, S.toarray(), X)
    Xc = sparse.csr_matrix(X)
    for max_entries in (1, 50, 2**22):  # blocks halved down to single rows
        got = _sparse_soft_sq_norms(Xc, S, slice(0, X.shape[0]), max_entries)
        assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_pairwise_on_threads_equals_one_thread():
    from threadpoolctl import threadpool_limits

    X, Y, S = _corpus_and_queries(seed=8, n_docs=300, n_queries=700)
    C, Q = sparse.csr_matrix(X), sparse.csr_matrix(Y)
    with threadpool_limits(limits=1, user_api="blas"):
        one = pairwise_similarity(Q, C, metric="soft_cosine", S=S)
    with threadpool_limits(limits=2, user_api="blas"):
        two = pairwise_similarity(Q, C, metric="soft_cosine", S=S)
    # blocks differ, so which terms are multiplied densely differs: rounding
    assert_allclose(one, two, rtol=0, atol=1e-15)
    assert_allclose(one, _reference(Y, X, S), atol=1e-12)


def test_query_blocks_fit_the_working_memory():
    from sklearn import config_context

    from sklearn_cosim.metrics.pairwise import check_metric
    from sklearn_cosim.utils import _tiles as _engine

    X, Y, S = _corpus_and_queries(seed=9, n_terms=400, n_docs=150, n_queries=60)
    C, Q = sparse.csr_matrix(X), sparse.csr_matrix(Y)
    measure = check_metric("soft_cosine", {"S": S})
    c = measure.prepare(C)
    q = measure.prepare(Q)
    row_bytes = measure.block_row_bytes(q, c)
    # one float64 column of (Q S)' and its float32 copy per query
    assert row_bytes == 12 * c.local.n_terms
    budget = 2**14
    rows, cols = _engine.block_shape(60, 150, 8, 1, budget / 2**20, row_bytes)
    assert rows * (cols * 8 * 3 + row_bytes) <= budget or rows == 1
    assert rows < 60
    ref = _reference(Y, X, S)
    with config_context(working_memory=budget / 2**20):
        nn = SimilarityNeighbors(
            n_neighbors=4, metric="soft_cosine", metric_params={"S": S}
        ).fit(C)
        sims, ind = nn.kneighbors(Q, return_similarity=True)
        full = pairwise_similarity(Q, C, metric="soft_cosine", S=S)
    assert_allclose(sims, np.sort(ref, axis=1)[:, ::-1][:, :4], atol=1e-12)
    assert_allclose(full, ref, atol=1e-12)


@pytest.mark.parametrize("scale", [1e-30, 1.0, 1e25])
def test_float64_search_at_any_data_scale(scale, float32_block_gap):
    # the float32 copies are normalised: data far outside float32's range
    # still gets float32 blocks within the bound, and exact neighbours
    from sklearn_cosim.metrics.pairwise import check_metric

    X, Y, S = _corpus_and_queries(seed=10)
    Xs, Ys = X * scale, Y * scale
    measure = check_metric("soft_cosine", {"S": S})
    gap, slack, *_ = float32_block_gap(
        measure, sparse.csr_matrix(Xs), sparse.csr_matrix(Ys)
    )
    assert np.all(gap <= slack[:, None]) and slack.max() < 1e-4
    nn = SimilarityNeighbors(
        n_neighbors=5, metric="soft_cosine", metric_params={"S": S}
    ).fit(sparse.csr_matrix(Xs))
    sims, ind = nn.kneighbors(sparse.csr_matrix(Ys), return_similarity=True)
    ref = _reference(Y, X, S)
    _assert_top_k(sims, ind, ref, atol=1e-12)
