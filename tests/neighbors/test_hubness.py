"""Hubness reduction and query normalisation in the neighbour estimators."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from scipy.special import ndtr
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsTransformer
from sklearn.pipeline import Pipeline

from sklearn_cosim.datasets import make_anisotropic_embeddings
from sklearn_cosim.diagnostics import hubness_skewness
from sklearn_cosim.neighbors import (
    HubnessReductionTransformer,
    SimilarityKNeighborsClassifier,
    SimilarityKNeighborsRegressor,
    SimilarityKNeighborsTransformer,
    SimilarityNeighbors,
)
from sklearn_cosim.preprocessing import MeanCenterer, PrincipalComponentRemover
from sklearn_cosim.utils import _tiles as _engine

METHODS = ["csls", "local_scaling", "nicdm", "mutual_proximity", "dis_sim_local"]
TOY = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [3, 3], [0.5, 0.2]], dtype=float)


def _data(n=40, m=7, d=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) + 1.0, rng.standard_normal((m, d)) + 1.0


def _unit(A):
    return A / np.linalg.norm(A, axis=1, keepdims=True)


def _sorted_without_self(M, exclude_self, largest):
    M = np.array(M, dtype=float)
    if exclude_self:
        np.fill_diagonal(M, -np.inf if largest else np.inf)
    return -np.sort(-M, axis=1) if largest else np.sort(M, axis=1)


def _reference(method, X, Q, exclude_self, params=None):
    """Plain numpy similarity matrix of each method (cosine base measure)."""
    params = params or {}
    U, V = _unit(X), _unit(Q)
    C, S = U @ U.T, V @ U.T
    DC, D = 1 - C, 1 - S
    if method == "csls":
        k = params.get("n_neighbors", 10)
        r_s = _sorted_without_self(C, True, True)[:, :k].mean(1)
        r_t = _sorted_without_self(S, exclude_self, True)[:, :k].mean(1)
        return 2 * S - r_t[:, None] - r_s[None]
    if method == "local_scaling":
        k = params.get("n_neighbors", 7)
        s_c = _sorted_without_self(DC, True, False)[:, k - 1]
        s_q = _sorted_without_self(D, exclude_self, False)[:, k - 1]
        return np.exp(-(D**2) / (s_q[:, None] * s_c[None]))
    if method == "nicdm":
        k = params.get("n_neighbors", 7)
        m_c = _sorted_without_self(DC, True, False)[:, :k].mean(1)
        m_q = _sorted_without_self(D, exclude_self, False)[:, :k].mean(1)
        return -D / np.sqrt(m_q[:, None] * m_c[None])
    if method == "mutual_proximity":
        n = len(X)
        off = ~np.eye(n, dtype=bool)
        mu_c = np.array([DC[i, off[i]].mean() for i in range(n)])
        sd_c = np.array([DC[i, off[i]].std() for i in range(n)])
        if params.get("method", "normal") == "normal":
            mu_q, sd_q = (mu_c, sd_c) if exclude_self else (D.mean(1), D.std(1))
            sf_q = ndtr((mu_q[:, None] - D) / sd_q[:, None])
            return sf_q * ndtr((mu_c[None] - D) / sd_c[None])
        out = np.zeros_like(D)
        for a in range(len(D)):
            dq = D[a].copy()
            if exclude_self:
                dq[a] = -np.inf
            for b in range(n):
                dc = DC[b].copy()
                dc[b] = -np.inf
                out[a, b] = np.sum((dq > D[a, b]) & (dc > D[a, b])) / n
        return out
    if method == "dis_sim_local":
        k = params.get("n_neighbors", 10)

        def residual(P, sims, excl):
            sims = np.array(sims)
            if excl:
                np.fill_diagonal(sims, -np.inf)
            ind = np.argsort(-sims, axis=1, kind="stable")[:, :k]
            return ((P - U[ind].mean(1)) ** 2).sum(1)

        r_c, r_q = residual(U, C, True), residual(V, S, exclude_self)
        sq = ((V[:, None] - U[None]) ** 2).sum(-1)
        return -(sq - r_q[:, None] - r_c[None])
    raise AssertionError(method)


def _expected(ref, exclude_self, k):
    ref = ref.copy()
    if exclude_self:
        np.fill_diagonal(ref, -np.inf)
    ind = np.argsort(-ref, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(ref, ind, 1), ind


@pytest.fixture(params=["one_tile", "many_tiles"])
def tiles(request, monkeypatch):
    if request.param == "many_tiles":
        monkeypatch.setattr(_engine, "TILE_COLUMNS", 7)
        monkeypatch.setattr(_engine, "BLOCK_ROWS", 3)
    return request.param


@pytest.mark.parametrize(
    "method, params",
    [
        ("csls", None),
        ("csls", {"n_neighbors": 3}),
        ("local_scaling", None),
        ("nicdm", {"n_neighbors": 4}),
        ("mutual_proximity", None),
        ("mutual_proximity", {"method": "empiric"}),
        ("dis_sim_local", None),
    ],
)
@pytest.mark.parametrize("query", ["X", "None"])
def test_method_equals_numpy_reference(method, params, query, tiles):
    X, Q = _data()
    exclude_self = query == "None"
    ref = _reference(method, X, X if exclude_self else Q, exclude_self, params)
    ref_sim, ref_ind = _expected(ref, exclude_self, 5)
    nn = SimilarityNeighbors(n_neighbors=5, hubness=method, hubness_params=params)
    sim, ind = nn.fit(X).kneighbors(None if exclude_self else Q, return_similarity=True)
    assert_array_equal(ind, ref_ind)
    assert_allclose(sim, ref_sim, atol=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_float32_and_sparse(method):
    X, Q = _data()
    ref = SimilarityNeighbors(n_neighbors=4, hubness=method).fit(X).kneighbors(Q)
    dist32, ind32 = (
        SimilarityNeighbors(n_neighbors=4, hubness=method)
        .fit(X.astype(np.float32))
        .kneighbors(Q.astype(np.float32))
    )
    assert dist32.dtype == np.float32
    assert_allclose(dist32, ref[0], rtol=1e-4, atol=1e-4)
    dist_sp, ind_sp = (
        SimilarityNeighbors(n_neighbors=4, hubness=method)
        .fit(sparse.csr_matrix(X))
        .kneighbors(sparse.csr_matrix(Q))
    )
    assert_array_equal(ind_sp, ref[1])
    assert_allclose(dist_sp, ref[0], atol=1e-10)


# -- fixtures of methods.md §6.7(b): hub-toolbox outputs on 6 points ---------------
@pytest.mark.parametrize(
    "method, metric, params, row0",
    [
        (
            "mutual_proximity",
            "euclidean",
            {"method": "empiric"},
            [0, 0.833333, 0.833333, 0.833333, 1, 0.5],
        ),
        (
            "mutual_proximity",
            "euclidean",
            None,
            [0, 0.533418, 0.507694, 0.709194, 0.997959, 0.406647],
        ),
        (
            "local_scaling",
            "euclidean",
            {"n_neighbors": 2},
            [0, 0.632121, 0.632121, 0.864665, 0.99321, 0.416387],
        ),
        (
            "dis_sim_local",
            "sqeuclidean",
            {"n_neighbors": 2},
            [-np.inf, -0.145, -0.445, 0.555, 7.1775, -0.3225],
        ),
    ],
)
def test_hub_toolbox_fixtures(method, metric, params, row0):
    nn = SimilarityNeighbors(metric=metric, hubness=method, hubness_params=params)
    dist, ind = nn.fit(TOY).kneighbors(n_neighbors=5)
    assert_allclose(dist[0], np.asarray(row0)[ind[0]], atol=1e-6)


def test_nicdm_fixture_up_to_the_geometric_mean_factor():
    nn = SimilarityNeighbors(metric="euclidean", hubness="nicdm")
    nn.set_params(hubness_params={"n_neighbors": 2}).fit(TOY)
    dist, ind = nn.kneighbors(n_neighbors=5)
    D = np.linalg.norm(TOY[:, None] - TOY[None], axis=-1)
    mu = _sorted_without_self(D, True, False)[:, :2].mean(1)
    row0 = np.array([0, 1.292917, 1.150379, 1.626881, 2.682367, 0.832159])
    # hub-toolbox multiplies by the geometric mean of all mu (a global constant)
    geo = np.exp(np.log(mu).mean())
    assert_allclose(dist[0] * geo, row0[ind[0]], atol=1e-6)


def test_csls_fixture():
    P = _unit(TOY[1:])
    nn = SimilarityNeighbors(hubness="csls", hubness_params={"n_neighbors": 2})
    sim, ind = nn.fit(P).kneighbors(n_neighbors=4, return_similarity=True)
    row = np.array([0.364417, -1.524899, -0.363151, -0.363151, 0.115351])
    assert_allclose(sim[0], row[ind[0]], atol=1e-6)
    r = np.array([0.817792, 0.707107, 0.959573, 0.959573, 0.923811])
    assert_allclose(nn._measure.stats["r"], r, atol=1e-6)


# -- query normalisation --------------------------------------------------------
@pytest.mark.parametrize("hubness", [None, "csls", "nicdm", "dis_sim_local"])
@pytest.mark.parametrize("metric", ["cosine", "sqeuclidean", "angular"])
@pytest.mark.parametrize("query", ["X", "None"])
def test_query_normalize_keeps_ranking_and_z_scores(hubness, metric, query):
    if hubness == "nicdm" and metric == "sqeuclidean":
        metric = "euclidean"
    X, Q = _data()
    q = None if query == "None" else Q
    n_ref = len(X) - (query == "None")
    plain = SimilarityNeighbors(n_neighbors=n_ref, metric=metric, hubness=hubness)
    s_all, i_all = plain.fit(X).kneighbors(q, return_similarity=True)
    normed = SimilarityNeighbors(
        n_neighbors=6, metric=metric, hubness=hubness, query_normalize=True
    ).fit(X)
    z, ind = normed.kneighbors(q, return_similarity=True)
    assert_array_equal(ind, i_all[:, :6])  # the ranking never changes
    mu, sd = s_all.mean(1, keepdims=True), s_all.std(1, keepdims=True)
    assert_allclose(z, (s_all[:, :6] - mu) / sd, atol=1e-8)
    dist, _ = normed.kneighbors(q)
    assert_allclose(dist, -z)


def test_query_normalize_sample_and_constant_similarities():
    X, Q = _data()
    a = SimilarityNeighbors(n_neighbors=3, query_normalize=10).fit(X).kneighbors(Q)
    b = SimilarityNeighbors(n_neighbors=3, query_normalize=10).fit(X).kneighbors(Q)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], SimilarityNeighbors(n_neighbors=3).fit(X).kneighbors(Q)[1])
    same = np.ones((5, 3))  # every cosine is 1: sigma = 0 is replaced by 1
    z, _ = (
        SimilarityNeighbors(n_neighbors=2, query_normalize=True)
        .fit(same)
        .kneighbors(same, return_similarity=True)
    )
    assert np.all(np.isfinite(z))
    assert_allclose(z, 0.0, atol=1e-12)


@pytest.mark.parametrize("hubness", [None, "csls", "local_scaling"])
def test_query_normalize_radius_is_a_z_threshold(hubness):
    X, Q = _data()
    nn = SimilarityNeighbors(hubness=hubness, query_normalize=True).fit(X)
    z_all, i_all = nn.kneighbors(Q, n_neighbors=len(X), return_similarity=True)
    sims, ind = nn.radius_neighbors(Q, radius=-1.0, return_similarity=True)
    for row in range(len(Q)):
        keep = z_all[row] >= 1.0
        assert_array_equal(np.sort(ind[row]), np.sort(i_all[row][keep]))


@pytest.mark.parametrize("method", METHODS)
def test_radius_neighbors_matches_kneighbors(method):
    X, Q = _data()
    nn = SimilarityNeighbors(hubness=method).fit(X)
    dist_all, ind_all = nn.kneighbors(Q, n_neighbors=len(X))
    radius = float(np.median(dist_all[:, 5]))
    dist, ind = nn.radius_neighbors(Q, radius=radius)
    for row in range(len(Q)):
        keep = dist_all[row] <= radius
        assert_array_equal(np.sort(ind[row]), np.sort(ind_all[row][keep]))


# -- hubness is reduced -----------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_reduces_skewness_on_anisotropic_data(method):
    X, _, _ = make_anisotropic_embeddings(600, 128, n_hubs=0, random_state=0)
    before = hubness_skewness(X, n_neighbors=10)
    after = hubness_skewness(X, n_neighbors=10, hubness=method)
    assert before > 0.8
    assert after < 0.9 * before


# -- estimators and bad input -----------------------------------------------------
def test_all_estimators_accept_hubness():
    X, y, _ = make_anisotropic_embeddings(200, 16, n_hubs=0, random_state=0)
    labels = (X[:, 0] > np.median(X[:, 0])).astype(int)
    clf = SimilarityKNeighborsClassifier(hubness="csls", query_normalize=True)
    assert clf.fit(X, labels).score(X, labels) > 0.7
    reg = SimilarityKNeighborsRegressor(hubness="local_scaling").fit(X, X[:, 0])
    assert reg.predict(X[:5]).shape == (5,)
    graph = SimilarityKNeighborsTransformer(hubness="local_scaling").fit_transform(X)
    assert graph.shape == (200, 200) and graph.data.min() >= 0
    with pytest.raises(ValueError, match="negative distances"):
        SimilarityKNeighborsTransformer(hubness="csls").fit(X)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"hubness": "bogus"}, "hubness"),
        ({"hubness": "csls", "hubness_params": {"k": 3}}, "hubness_params"),
        ({"hubness": "csls", "hubness_params": {"n_neighbors": 0}}, "n_neighbors"),
        ({"hubness": "csls", "hubness_params": {"n_neighbors": 40}}, "n_neighbors"),
        ({"hubness_params": {"n_neighbors": 3}}, "hubness=None"),
        ({"hubness": "local_scaling", "metric": "dot"}, "non-negative"),
        ({"hubness": "dis_sim_local", "metric": "dot"}, "dis_sim_local"),
        (
            {"hubness": "mutual_proximity", "hubness_params": {"method": "x"}},
            "method",
        ),
        ({"query_normalize": 1}, "query_normalize"),
    ],
)
def test_bad_parameters_raise(kwargs, match):
    X, _ = _data()
    with pytest.raises(ValueError, match=match):
        SimilarityNeighbors(**kwargs).fit(X)


def test_grid_search_over_hubness_and_preprocessing():
    X, _, labels = make_anisotropic_embeddings(240, 32, n_hubs=0, random_state=0)
    pipe = Pipeline(
        [("post", "passthrough"), ("knn", SimilarityKNeighborsClassifier())]
    )
    grid = GridSearchCV(
        pipe,
        {
            "post": ["passthrough", MeanCenterer(), PrincipalComponentRemover()],
            "knn__hubness": [None, "csls", "mutual_proximity"],
        },
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, labels)
    assert len(grid.cv_results_["params"]) == 9
    assert grid.best_params_["knn__hubness"] in (None, "csls", "mutual_proximity")
    assert grid.best_score_ > 0.5


# -- the graph transformer ------------------------------------------------------------
def _graph_reference(method, D, k):
    """Re-weighted distances of a full distance matrix (self on the diagonal)."""
    Ds = _sorted_without_self(D, True, False)
    if method == "local_scaling":
        s = Ds[:, k - 1]
        return 1 - np.exp(-(D**2) / np.outer(s, s))
    if method == "nicdm":
        m = Ds[:, :k].mean(1)
        return D / np.sqrt(np.outer(m, m))
    m = Ds[:, :k].mean(1)  # stored neighbours: normal MP from the k-NN distances
    s = Ds[:, :k].std(1)
    return 1 - ndtr((m[:, None] - D) / s[:, None]) * ndtr((m[None] - D) / s[None])


@pytest.mark.parametrize("method", ["local_scaling", "nicdm", "mutual_proximity"])
def test_graph_transformer_equals_reference(method):
    X, Q = _data(n=30)
    k = 6
    knn = KNeighborsTransformer(n_neighbors=k, mode="distance").fit(X)
    G_train = knn.transform(X)
    hub = HubnessReductionTransformer(method=method, n_neighbors=k)
    out = hub.fit_transform(G_train)
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    ref = _graph_reference(method, D, k)
    coo = out.tocoo()
    off = coo.row != coo.col
    assert_allclose(coo.data[off], ref[coo.row[off], coo.col[off]], atol=1e-10)
    assert_allclose(coo.data[~off], 0.0)
    for r in range(out.shape[0]):  # rows re-sorted by the new distance
        seg = out.data[out.indptr[r] : out.indptr[r + 1]]
        assert np.all(np.diff(seg) >= 0)
    # queries: their statistics come from their own row
    G_q = knn.transform(Q)
    out_q = hub.transform(G_q)
    assert out_q.shape == G_q.shape and out_q.nnz == G_q.nnz


def test_graph_transformer_rejects_bad_graphs():
    X, _ = _data(n=30)
    G = KNeighborsTransformer(n_neighbors=5, mode="distance").fit_transform(X)
    with pytest.raises(ValueError, match="n_neighbors"):
        HubnessReductionTransformer(n_neighbors=10).fit(G)
    with pytest.raises(ValueError, match="square"):
        HubnessReductionTransformer().fit(G[:10])
    with pytest.raises(ValueError, match="Negative"):
        HubnessReductionTransformer().fit(-G)


@pytest.mark.parametrize("method", ["csls", "local_scaling", "mutual_proximity"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_single_pass_search_equals_separate_statistics(method, dtype, monkeypatch):
    """Gathering query statistics, and pruning MP by its bound, change nothing.

    The reference computes the query statistics by a separate search and
    scores every entry of every tile; many small tiles exercise both paths.
    """
    from sklearn_cosim.neighbors import _hubness

    X, _ = make_anisotropic_embeddings(n_samples=600, n_features=24, random_state=0)[:2]
    X = X.astype(dtype)
    Q = X[:50] + np.random.default_rng(1).normal(0, 0.05, (50, 24)).astype(dtype)
    monkeypatch.setattr(_engine, "TILE_COLUMNS", 64)
    fast = SimilarityNeighbors(n_neighbors=5, hubness=method).fit(X[50:])
    sims_fast, ind_fast = fast.kneighbors(Q, return_similarity=True)

    init = _hubness._NeighbourStatsScorer.__init__

    def separate(self, *args):
        init(self, *args)
        self.stats()  # before any tile: a separate search of the block

    monkeypatch.setattr(_hubness._NeighbourStatsScorer, "__init__", separate)
    monkeypatch.setattr(_hubness._MPScorer, "uses_floor", False)
    slow = SimilarityNeighbors(n_neighbors=5, hubness=method).fit(X[50:])
    sims_slow, ind_slow = slow.kneighbors(Q, return_similarity=True)
    assert_array_equal(ind_fast, ind_slow)
    assert_allclose(sims_fast, sims_slow, rtol=1e-6, atol=1e-6)
