"""The neighbour estimators against scikit-learn and a brute-force numpy search."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn import config_context
from sklearn.datasets import load_digits
from sklearn.manifold import Isomap
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    KNeighborsTransformer,
    NearestNeighbors,
)
from sklearn.pipeline import Pipeline, make_pipeline

from sklearn_cosim.metrics import BlockScorer
from sklearn_cosim.metrics._measures import CosineMeasure
from sklearn_cosim.metrics.pairwise import (
    check_metric,
    pairwise_distances,
    pairwise_similarity,
    register_similarity,
    unregister_similarity,
)
from sklearn_cosim.neighbors import (
    SimilarityKNeighborsClassifier,
    SimilarityKNeighborsRegressor,
    SimilarityKNeighborsTransformer,
    SimilarityNeighbors,
)
from sklearn_cosim.utils import _tiles as _engine


def _S(d):
    rng = np.random.default_rng(5)
    W = rng.standard_normal((d, 3))
    S = W @ W.T
    S /= np.sqrt(np.outer(np.diag(S), np.diag(S)))
    return 0.5 * S + 0.5 * np.eye(d)


MEASURES = [
    ("cosine", None),
    ("dot", None),
    ("euclidean", None),
    ("sqeuclidean", None),
    ("angular", None),
    ("soft_cosine", {"S": _S(8)}),
    ("scaled_cosine", {"alpha": 0.6}),
    ("wrd", {"lam": 1.5}),
    ("wrd", {"lam": 0.3, "signed": True}),
    ("radial_cosine", {"beta": 0.7}),
]


def _data(n=300, m=40, d=8, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.2, 3.0, (n, 1))
    Q = rng.standard_normal((m, d)) * rng.uniform(0.2, 3.0, (m, 1))
    X[7] = 0.0
    Q[3] = 0.0
    return X.astype(dtype), Q.astype(dtype)


def brute_force(S, k, exclude_self=False):
    """Top-k of a similarity matrix: decreasing similarity, ties by index."""
    S = np.array(S, dtype=np.float64)
    if exclude_self:
        np.fill_diagonal(S, -np.inf)
    cols = np.arange(S.shape[1])
    ind = np.array([np.lexsort((cols, -row))[:k] for row in S])
    return np.take_along_axis(S, ind, axis=1), ind


@pytest.fixture(params=["one_tile", "many_tiles"])
def tiles(request, monkeypatch):
    """Run the engine with its default tiles, and with tiny ones."""
    if request.param == "many_tiles":
        monkeypatch.setattr(_engine, "TILE_COLUMNS", 37)
        monkeypatch.setattr(_engine, "BLOCK_ROWS", 6)
    return request.param


@pytest.mark.parametrize("metric, params", MEASURES)
@pytest.mark.parametrize("query", ["X", "None"])
def test_kneighbors_every_measure_matches_brute_force(metric, params, query, tiles):
    X, Q = _data()
    nn = SimilarityNeighbors(n_neighbors=6, metric=metric, metric_params=params)
    nn.fit(X)
    queries = X if query == "None" else Q
    S = pairwise_similarity(queries, X, metric=metric, **(params or {}))
    ref_sim, ref_ind = brute_force(S, 6, exclude_self=query == "None")
    dist, ind = nn.kneighbors(None if query == "None" else Q)
    assert_array_equal(ind, ref_ind)
    ref_dist = pairwise_distances(queries, X, metric=metric, **(params or {}))
    assert_allclose(dist, np.take_along_axis(ref_dist, ref_ind, axis=1), atol=1e-9)
    assert np.all(np.diff(dist, axis=1) >= -1e-12)
    sim, ind2 = nn.kneighbors(None if query == "None" else Q, return_similarity=True)
    assert_array_equal(ind2, ind)
    assert_allclose(sim, ref_sim, atol=1e-9)


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "sqeuclidean"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("container", [np.asarray, sparse.csr_matrix])
@pytest.mark.parametrize("query", ["X", "None"])
def test_equals_scikit_learn_brute(metric, dtype, container, query, tiles):
    X, Q = _data(n=400, m=50, d=20, dtype=dtype)
    X, Q = X[np.abs(X).sum(1) > 0], Q[np.abs(Q).sum(1) > 0]  # sklearn: no zeros
    if metric == "sqeuclidean" and container is not np.asarray:
        pytest.skip("scikit-learn has no sparse sqeuclidean")
    ref = NearestNeighbors(n_neighbors=5, metric=metric, algorithm="brute").fit(
        container(X)
    )
    ours = SimilarityNeighbors(n_neighbors=5, metric=metric).fit(container(X))
    q = None if query == "None" else container(Q)
    d_ref, i_ref = ref.kneighbors(q)
    d, i = ours.kneighbors(q)
    assert d.dtype == dtype
    assert_array_equal(i, i_ref)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert_allclose(d, d_ref, rtol=tol, atol=tol)


def test_sorted_corpus_and_ties(monkeypatch):
    """Scores rising along the corpus (adversarial for thresholds), and ties."""
    monkeypatch.setattr(_engine, "TILE_COLUMNS", 512)
    rng = np.random.default_rng(3)
    q = rng.standard_normal(16)
    X = rng.standard_normal((5000, 16))
    X = X[np.argsort(X @ q)]  # increasing similarity to q
    X = np.vstack([X, X[-3:], X[-3:]])  # exact duplicates: ties
    nn = SimilarityNeighbors(n_neighbors=10, metric="dot").fit(X)
    sim, ind = nn.kneighbors(q[None], return_similarity=True)
    ref_sim, ref_ind = brute_force(q[None] @ X.T, 10)
    assert_array_equal(ind, ref_ind)
    assert_allclose(sim, ref_sim)


def test_n_jobs_and_working_memory_give_same_result():
    X, Q = _data(n=2000, m=300, d=16)
    base = SimilarityNeighbors(n_neighbors=4).fit(X).kneighbors(Q)
    threaded = SimilarityNeighbors(n_neighbors=4, n_jobs=2).fit(X).kneighbors(Q)
    with config_context(working_memory=1):
        small = SimilarityNeighbors(n_neighbors=4, n_jobs=-1).fit(X).kneighbors(Q)
    for other in (threaded, small):
        assert_array_equal(other[1], base[1])
        assert_allclose(other[0], base[0])


def test_block_shape_respects_working_memory():
    rows, cols = _engine.block_shape(10_000, 1_000_000, 4, 1, working_memory=1)
    assert rows * cols * 4 * 3 <= 2**20
    rows, cols = _engine.block_shape(10_000, 1_000_000, 4, 2, working_memory=1024)
    assert cols == _engine.TILE_COLUMNS and rows == _engine.BLOCK_ROWS
    assert _engine.block_shape(3, 10, 8, 2)[0] == 2  # queries split over workers


@pytest.mark.parametrize("metric, params", MEASURES)
@pytest.mark.parametrize("query", ["X", "None"])
def test_radius_neighbors_every_measure(metric, params, query, tiles):
    X, Q = _data(n=200, m=25)
    D = pairwise_distances(
        X if query == "None" else Q, X, metric=metric, **(params or {})
    )
    if query == "None":
        np.fill_diagonal(D, np.inf)
    radius = float(np.quantile(D[np.isfinite(D)], 0.05))
    nn = SimilarityNeighbors(radius=radius, metric=metric, metric_params=params)
    nn.fit(X)
    dist, ind = nn.radius_neighbors(None if query == "None" else Q)
    for row, (d_row, i_row) in enumerate(zip(dist, ind)):
        expected = np.flatnonzero(D[row] <= radius)
        assert_array_equal(np.sort(i_row), expected)
        assert_allclose(d_row, D[row, i_row], atol=1e-9)
        assert np.all(np.diff(d_row) >= -1e-12)
    graph = nn.radius_neighbors_graph(None if query == "None" else Q, mode="distance")
    assert graph.nnz == sum(len(i) for i in ind)


def test_radius_neighbors_similarity_and_sklearn():
    X, Q = _data(n=300, m=30, d=10)
    X, Q = X[np.abs(X).sum(1) > 0], Q[np.abs(Q).sum(1) > 0]
    ref = NearestNeighbors(radius=0.4, metric="cosine", algorithm="brute").fit(X)
    ours = SimilarityNeighbors(radius=0.4).fit(X)
    d_ref, i_ref = ref.radius_neighbors(Q, sort_results=True)
    s, i = ours.radius_neighbors(Q, return_similarity=True)
    for a, b, sa, db in zip(i_ref, i, s, d_ref):
        assert_array_equal(a, b)
        assert_allclose(sa, 1 - db)
    g_ref = ref.radius_neighbors_graph(Q, mode="distance", sort_results=True)
    g = ours.radius_neighbors_graph(Q, mode="distance")
    assert_allclose(g.toarray(), g_ref.toarray(), atol=1e-12)


@pytest.mark.parametrize("mode", ["connectivity", "distance"])
def test_kneighbors_graph_equals_scikit_learn(mode):
    X, Q = _data(n=100, m=10)
    X = X[np.abs(X).sum(1) > 0]
    ref = NearestNeighbors(n_neighbors=3, metric="cosine", algorithm="brute").fit(X)
    ours = SimilarityNeighbors(n_neighbors=3).fit(X)
    for q in (None, Q[np.abs(Q).sum(1) > 0]):
        assert_allclose(
            ours.kneighbors_graph(q, mode=mode).toarray(),
            ref.kneighbors_graph(q, mode=mode).toarray(),
            atol=1e-12,
        )
    sim_graph = ours.kneighbors_graph(mode="similarity")
    dist_graph = ours.kneighbors_graph(mode="distance")
    assert_allclose(sim_graph.data, 1 - dist_graph.data)


def test_float32_in_float32_out():
    X, Q = _data(dtype=np.float32)
    nn = SimilarityNeighbors(n_neighbors=3, radius=0.3).fit(X)
    assert nn.kneighbors(Q)[0].dtype == np.float32
    assert nn.kneighbors(Q, return_similarity=True)[0].dtype == np.float32
    assert nn.radius_neighbors(Q)[0][0].dtype == np.float32
    assert nn.kneighbors_graph(Q, mode="distance").dtype == np.float32


def test_callable_metric_is_the_slow_equivalent():
    X, Q = _data()

    def my_cosine(A, B):
        return pairwise_similarity(A, B, metric="cosine")

    fast = SimilarityNeighbors(n_neighbors=4).fit(X)
    fast = fast.kneighbors(Q, return_similarity=True)
    slow = SimilarityNeighbors(n_neighbors=4, metric=my_cosine).fit(X)
    slow = slow.kneighbors(Q, return_similarity=True)
    assert_array_equal(slow[1], fast[1])
    assert_allclose(slow[0], fast[0], atol=1e-12)


# -- supervised estimators -----------------------------------------------------
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_classifier_equals_scikit_learn(weights):
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float64)
    ref = KNeighborsClassifier(
        n_neighbors=7, metric="cosine", algorithm="brute", weights=weights
    ).fit(X[:1200], y[:1200])
    ours = SimilarityKNeighborsClassifier(n_neighbors=7, weights=weights).fit(
        X[:1200], y[:1200]
    )
    assert_array_equal(ours.predict(X[1200:]), ref.predict(X[1200:]))
    assert_allclose(ours.predict_proba(X[1200:]), ref.predict_proba(X[1200:]))


def test_classifier_similarity_weights_reference():
    X, Q = _data(n=120, m=15)
    y = np.arange(len(X)) % 3
    clf = SimilarityKNeighborsClassifier(n_neighbors=5, weights="similarity").fit(X, y)
    S = pairwise_similarity(Q, X)
    sims, ind = brute_force(S, 5)
    proba = np.zeros((len(Q), 3))
    for r in range(len(Q)):
        w = np.maximum(sims[r], 0)
        if not (w > 0).any():
            w = np.ones(5)
        for wi, j in zip(w, ind[r]):
            proba[r, y[j]] += wi
    proba /= proba.sum(1, keepdims=True)
    assert_allclose(clf.predict_proba(Q), proba)
    assert_array_equal(clf.predict(Q), proba.argmax(1))


def test_classifier_multioutput_and_loo():
    X, Q = _data(n=80, m=10)
    Y = np.c_[np.arange(80) % 2, np.arange(80) % 3]
    clf = SimilarityKNeighborsClassifier(n_neighbors=3).fit(X, Y)
    pred = clf.predict(Q)
    assert pred.shape == (10, 2)
    single = SimilarityKNeighborsClassifier(n_neighbors=3).fit(X, Y[:, 1])
    assert_array_equal(pred[:, 1], single.predict(Q))
    # X=None is leave-one-out
    loo = single.predict()
    ind = single.kneighbors(return_distance=False)
    assert not np.any(ind == np.arange(80)[:, None])
    assert loo.shape == (80,)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_regressor_equals_scikit_learn(weights):
    X, Q = _data(n=200, m=30)
    X, Q = X[np.abs(X).sum(1) > 0], Q[np.abs(Q).sum(1) > 0]
    y = np.sin(X[:, 0]) + X[:, 1]
    ref = KNeighborsRegressor(
        n_neighbors=4, metric="euclidean", algorithm="brute", weights=weights
    ).fit(X, y)
    ours = SimilarityKNeighborsRegressor(
        n_neighbors=4, metric="euclidean", weights=weights
    ).fit(X, y)
    assert_allclose(ours.predict(Q), ref.predict(Q))
    Y2 = np.c_[y, -y]
    both = SimilarityKNeighborsRegressor(n_neighbors=4, metric="euclidean").fit(X, Y2)
    assert_allclose(both.predict(Q)[:, 1], -both.predict(Q)[:, 0])


def test_weights_distance_needs_nonnegative_distances():
    X, _ = _data(n=20)
    with pytest.raises(ValueError, match="weights='distance' needs non-negative"):
        SimilarityKNeighborsClassifier(metric="dot", weights="distance").fit(
            X, np.arange(20) % 2
        )


def test_transformer_equals_scikit_learn_and_feeds_precomputed():
    X, _ = load_digits(return_X_y=True)
    # jitter breaks the exact ties of duplicate images (ties aside)
    X = X[:400] + np.random.default_rng(0).uniform(0, 1e-3, (400, 64))
    ours = SimilarityKNeighborsTransformer(n_neighbors=8, metric="euclidean")
    ref = KNeighborsTransformer(n_neighbors=8, metric="euclidean", algorithm="brute")
    G, G_ref = ours.fit_transform(X), ref.fit_transform(X)
    # scikit-learn leaves ~1e-6 of rounding on self-distances; ours are exact
    assert_allclose(G.toarray(), G_ref.toarray(), atol=1e-5)
    y = np.arange(400) % 4
    piped = make_pipeline(
        SimilarityKNeighborsTransformer(n_neighbors=8, metric="angular"),
        KNeighborsClassifier(n_neighbors=8, metric="precomputed"),
    ).fit(X[:300], y[:300])
    direct = SimilarityKNeighborsClassifier(n_neighbors=8, metric="angular")
    direct.fit(X[:300], y[:300])
    assert_array_equal(piped.predict(X[300:]), direct.predict(X[300:]))
    emb = Isomap(n_neighbors=15, metric="precomputed").fit_transform(
        SimilarityKNeighborsTransformer(n_neighbors=15).fit_transform(X)
    )
    assert emb.shape == (400, 2) and np.all(np.isfinite(emb))
    with pytest.raises(ValueError, match="negative distances"):
        SimilarityKNeighborsTransformer(metric="dot").fit(X)
    G_sim = SimilarityKNeighborsTransformer(mode="similarity", metric="dot").fit(X)
    assert G_sim.transform(X[:5]).shape == (5, 400)


def test_grid_search_over_metric_and_parameter():
    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    grid = GridSearchCV(
        Pipeline([("knn", SimilarityKNeighborsClassifier(n_neighbors=3))]),
        {
            "knn__metric": ["cosine", "euclidean", "scaled_cosine"],
            "knn__metric_params": [None],
        },
        cv=3,
    )
    grid.fit(X, y)
    assert grid.best_score_ > 0.9
    grid2 = GridSearchCV(
        SimilarityKNeighborsClassifier(metric="scaled_cosine"),
        {"metric_params": [{"alpha": a} for a in (0.0, 0.5, 1.0)]},
        cv=3,
    ).fit(X, y)
    scores = grid2.cv_results_["mean_test_score"]
    # alpha = 1 is the cosine; alpha = 0 ranks by norm alone (much worse)
    assert scores[2] > scores[0] + 0.3
    assert grid2.best_params_ == {"metric_params": {"alpha": 1.0}}


# -- bad input -----------------------------------------------------------------
@pytest.mark.parametrize("n_neighbors", [0, -1, 1.5, 21, True])
def test_bad_n_neighbors(n_neighbors):
    X, _ = _data(n=20)
    nn = SimilarityNeighbors().fit(X)
    with pytest.raises(ValueError, match="n_neighbors"):
        nn.kneighbors(X, n_neighbors=n_neighbors)
    if not isinstance(n_neighbors, bool) and n_neighbors != 21:
        with pytest.raises(ValueError, match="n_neighbors"):
            SimilarityNeighbors(n_neighbors=n_neighbors).fit(X)


def test_n_neighbors_counts_self_exclusion():
    X, _ = _data(n=20)
    nn = SimilarityNeighbors().fit(X)
    assert nn.kneighbors(X, n_neighbors=20)[1].shape == (20, 20)
    with pytest.raises(ValueError, match="n_neighbors=20 is larger than the 19"):
        nn.kneighbors(n_neighbors=20)


@pytest.mark.parametrize(
    "X_query, match",
    [
        ([[np.nan] * 8], "NaN"),
        ([[np.inf] * 8], "infinity"),
        ([[1.0] * 7], "features"),
        ([1.0] * 8, "2D array"),
        (np.empty((0, 8)), "0 sample"),
    ],
)
def test_bad_queries(X_query, match):
    X, _ = _data(n=20)
    nn = SimilarityNeighbors(n_neighbors=2).fit(X)
    with pytest.raises(ValueError, match=match):
        nn.kneighbors(X_query)


def test_bad_fit_input_and_metric():
    X, _ = _data(n=20)
    with pytest.raises(ValueError, match="NaN"):
        SimilarityNeighbors().fit(np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="metric='nope' is not a registered"):
        SimilarityNeighbors(metric="nope").fit(X)
    with pytest.raises(ValueError, match="S must be symmetric"):
        SimilarityNeighbors(
            metric="soft_cosine", metric_params={"S": np.triu(np.ones((8, 8)))}
        ).fit(X)
    with pytest.raises(ValueError, match="Unknown parameter"):
        SimilarityNeighbors(metric_params={"alpha": 1.0}).fit(X)
    with pytest.raises(ValueError, match="radius"):
        SimilarityNeighbors().fit(X).radius_neighbors(X, radius=np.nan)
    with pytest.raises(ValueError, match="mode"):
        SimilarityNeighbors().fit(X).kneighbors_graph(X, mode="weird")


@pytest.mark.parametrize("container", [np.asarray, sparse.csr_matrix])
def test_soft_cosine_query_outside_psd_raises(container):
    """A query row with x'Sx < 0 is refused, also on the lazy sparse path."""
    S = np.array([[1.0, 1.5, 0], [1.5, 1.0, 0], [0, 0, 1.0]])  # not PSD
    X = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]])  # x'Sx > 0
    nn = SimilarityNeighbors(
        n_neighbors=1, metric="soft_cosine", metric_params={"S": S}
    )
    nn.fit(container(X))
    with pytest.raises(ValueError, match="positive semi-definite"):
        nn.kneighbors(container(np.array([[1.0, -1.0, 0.0]])))
    sim, ind = nn.kneighbors(
        container(np.array([[2.0, 2.0, 0.0]])), return_similarity=True
    )
    assert ind[0, 0] == 0 and sim[0, 0] == pytest.approx(1.0)


class _NoisyScorer(BlockScorer):
    """Cosine scores off by up to the measure's `error` (deterministic)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slack = self.slack + self.measure.error

    def scores(self, cs, out=None):
        G = super().scores(cs, out=out)
        i = np.arange(self.qs.start, self.qs.stop)[:, None]
        j = np.arange(cs.start, cs.stop)[None, :]
        return G + self.measure.error * np.sin(7.0 * i + 3.0 * j)  # within +-error


class _NoisyCosine(CosineMeasure):
    """Cosine whose block scores are off by up to `error`, within the slack."""

    name = "noisy_cosine"
    error = 0.02

    def scorer(self, q, c, qs, *, self_query=False):
        return _NoisyScorer(self, q, c, qs, self_query=self_query)


@pytest.mark.parametrize("error", [1e-4, 0.02, 0.5])
@pytest.mark.parametrize("query", ["X", "None"])
def test_approximate_scores_give_exact_results(error, query, tiles):
    # the engine proves the top k from the bound, or searches the doubtful
    # rows again: results equal the exact cosine, ties and self-exclusion too
    X, Q = _data(n=250, m=30)
    X[100:110] = X[50]  # exact ties
    measure = _NoisyCosine()
    measure.error = error
    register_similarity(measure)
    try:
        nn = SimilarityNeighbors(n_neighbors=5, metric="noisy_cosine").fit(X)
        exact = SimilarityNeighbors(n_neighbors=5, metric="cosine").fit(X)
        args = () if query == "None" else (Q,)
        got = nn.kneighbors(*args, return_similarity=True)
        want = exact.kneighbors(*args, return_similarity=True)
        assert_array_equal(got[1], want[1])
        assert_allclose(got[0], want[0], rtol=0, atol=1e-15)
        got_r = nn.radius_neighbors(*args, radius=0.3, sort_results=True)
        want_r = exact.radius_neighbors(*args, radius=0.3, sort_results=True)
        for a, b in zip(got_r[1], want_r[1]):
            assert_array_equal(a, b)
    finally:
        unregister_similarity("noisy_cosine")


@pytest.mark.parametrize("metric", ["cosine", "angular"])
@pytest.mark.parametrize("query", ["X", "None"])
def test_float64_cosine_runs_float32_blocks_with_exact_results(
    metric, query, tiles, monkeypatch
):
    # dense float64 data: the blocks are float32 (faster) and the results are
    # those of the float64 computation, near-duplicates and ties included
    rng = np.random.default_rng(11)
    X = rng.standard_normal((400, 24)) * rng.uniform(1e-3, 1e3, (400, 1))
    X[200:260] = X[:60] * (1 + 1e-10 * rng.standard_normal((60, 1)))
    X[300:310] = X[5]
    X[17] = 0.0
    Q = np.vstack([X[:10] + 1e-9, rng.standard_normal((20, 24))])
    args = () if query == "None" else (Q,)

    def search():
        nn = SimilarityNeighbors(n_neighbors=8, metric=metric).fit(X)
        knn = nn.kneighbors(*args, return_similarity=True)
        return knn, nn.radius_neighbors(*args, radius=0.05, sort_results=True)

    seen = []
    scores = BlockScorer.scores

    def spy(self, cs, out=None):
        G = scores(self, cs, out=out)
        seen.append(G.dtype)
        return G

    monkeypatch.setattr(BlockScorer, "scores", spy)
    (sims, ind), (dist, rind) = search()
    assert set(seen) == {np.dtype(np.float32)}
    # the reference: the exact similarity of every pair, as re-scored
    measure = check_metric(metric)
    c = measure.prepare(X)
    q = c if query == "None" else measure.prepare(Q)
    i, j = np.divmod(np.arange(len(q) * len(c)), len(c))
    ref = measure.pairs(q, c, i, j).reshape(len(q), len(c))
    ref_sim, ref_ind = brute_force(ref, 8, exclude_self=query == "None")
    assert_array_equal(ind, ref_ind)
    assert_array_equal(sims, ref_sim)
    if query == "None":
        np.fill_diagonal(ref, -np.inf)
    for row, found, d in zip(ref, rind, dist):
        inside = np.flatnonzero(measure.distance(row) <= 0.05)
        assert_array_equal(np.sort(found), inside)
        assert_array_equal(d, measure.distance(row[found]))
    # float64 blocks give the same results
    monkeypatch.setattr(CosineMeasure, "low_precision", False)
    seen.clear()
    (sims64, ind64), _ = search()
    assert set(seen) == {np.dtype(np.float64)}
    assert_array_equal(ind64, ind)
    assert_array_equal(sims64, sims)


def test_cosine_score_error_bounds_the_float32_block(float32_block_gap):
    rng = np.random.default_rng(12)
    measure = check_metric("cosine")
    for d in (3, 100, 700):
        X = rng.standard_normal((300, d)) * 10.0 ** rng.uniform(-4, 4, (300, d))
        Q = rng.standard_normal((40, d))
        gap, slack, *_ = float32_block_gap(measure, X, Q)
        assert np.all(gap <= slack[:, None])
        assert 0 < gap.max() and slack.max() < (d + 4) * 2.0**-23
    # float32 and sparse data keep no float32 copy
    for X in (X.astype(np.float32), sparse.csr_matrix(X)):
        assert measure.prepare(X).E_low is None
