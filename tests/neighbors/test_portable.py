"""Measures that travel: worker processes, saved models, determinism, overflow.

A fitted estimator must give the same answers wherever it goes (joblib
workers, a pickle loaded in a fresh interpreter), whatever the tiling
(``working_memory``) or the threads (``n_jobs``), and must not change when it
is queried. Inner-product forms must rank exactly as their measure.
"""

import io
import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn import config_context
from sklearn.model_selection import GridSearchCV, cross_val_score

from sklearn_cosim.metrics.pairwise import (
    check_metric,
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
from sklearn_cosim.utils._testing import measure_params

D = 12
MEASURES = measure_params(D)
HUBNESS = ["csls", "mutual_proximity", "local_scaling", "nicdm", "dis_sim_local"]


def _near_tied(dtype, n=300, m=40, seed=0):
    """Clustered rows with exact duplicates and near-duplicates (1e-9 apart)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((6, D)) * 3
    X = centres[rng.integers(0, 6, n)] + rng.standard_normal((n, D))
    X = np.abs(X) + 0.1  # non-negative: every measure and S apply
    dup, a, b = n // 10, n // 3, n // 2
    X[a : a + dup] = X[:dup]
    X[b : b + dup] = X[:dup] * (1 + 1e-9)
    Q = np.vstack([X[:10], np.abs(rng.standard_normal((m - 10, D))) + 0.1])
    return X.astype(dtype), Q.astype(dtype)


def _brute_force(measure, X, Q, k):
    """The exact k best of every query from the float64 pair formula."""
    c, q = measure.prepare(X), measure.prepare(Q)
    i, j = np.divmod(np.arange(len(q) * len(c)), len(c))
    S = measure.pairs(q, c, i, j).reshape(len(q), len(c))
    order = np.lexsort((np.broadcast_to(np.arange(len(c)), S.shape), -S), axis=1)
    return np.take_along_axis(S, order, 1)[:, :k], order[:, :k]


def _searches(nn, Q):
    return (
        nn.kneighbors(Q, return_similarity=True),
        nn.kneighbors(return_similarity=True),
        nn.radius_neighbors(Q, radius=nn._radius_for_tests, return_similarity=True),
    )


def _assert_same(a, b):
    (s1, i1), (t1, j1), (r1, k1) = a
    (s2, i2), (t2, j2), (r2, k2) = b
    assert_array_equal(i1, i2)
    assert_array_equal(s1, s2)
    assert_array_equal(j1, j2)
    assert_array_equal(t1, t2)
    for x, y in zip(k1, k2):
        assert_array_equal(x, y)
    for x, y in zip(r1, r2):
        assert_array_equal(x, y)


def _fitted(dtype, n_jobs, **params):
    X, Q = _near_tied(dtype)
    nn = SimilarityNeighbors(n_neighbors=10, n_jobs=n_jobs, **params).fit(X)
    sims, _ = nn.kneighbors(Q[:5])
    # a radius between data values: rounding cannot move a pair across it
    nn._radius_for_tests = float(np.median(sims[:, -1])) * (1 + 1e-6) + 1e-9
    return nn, Q


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("metric", MEASURES)
def test_results_do_not_depend_on_tiling_or_threads(metric, dtype):
    params = {"metric": metric, "metric_params": MEASURES[metric]}
    X, Q = _near_tied(dtype)
    want = None
    for working_memory in (0.02, None):
        for n_jobs in (1, 2, -1):
            with config_context(working_memory=working_memory or 1024):
                nn, _ = _fitted(dtype, n_jobs, **params)
                got = _searches(nn, Q)
            if want is None:
                want = got
            _assert_same(got, want)
    # and they are the exact top k of the float64 formula, ties by index
    ref_sims, ref_ind = _brute_force(check_metric(metric, MEASURES[metric]), X, Q, 10)
    assert_array_equal(want[0][1], ref_ind)
    assert_allclose(want[0][0], ref_sims, rtol=1e-6 if dtype == np.float32 else 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("hubness", HUBNESS + ["query_normalize"])
def test_hubness_does_not_depend_on_tiling_or_threads(hubness, dtype):
    params = {"query_normalize": True} if hubness == "query_normalize" else {}
    if hubness != "query_normalize":
        params["hubness"] = hubness
    X, Q = _near_tied(dtype)
    want = None
    for working_memory in (0.02, None):
        for n_jobs in (1, 2):
            with config_context(working_memory=working_memory or 1024):
                nn, _ = _fitted(dtype, n_jobs, **params)
                got = _searches(nn, Q)
            if want is None:
                want = got
            (s1, i1), (t1, j1), _ = got
            assert_array_equal(i1, want[0][1])
            assert_array_equal(j1, want[1][1])
            assert_allclose(s1, want[0][0], rtol=1e-12, atol=1e-12)
            assert_allclose(t1, want[1][0], rtol=1e-12, atol=1e-12)


ESTIMATORS = [
    SimilarityNeighbors,
    SimilarityKNeighborsClassifier,
    SimilarityKNeighborsRegressor,
    SimilarityKNeighborsTransformer,
]


def _leave_one_out(est):
    """Everything an estimator answers about its own fitted samples."""
    out = [est.kneighbors(return_similarity=True), est.kneighbors_graph().toarray()]
    if hasattr(est, "predict"):
        out.append(est.predict(None))
    if hasattr(est, "predict_proba"):
        out.append(est.predict_proba(None))
    return out


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("hubness", [None, *HUBNESS, "query_normalize"])
def test_joblib_round_trip_keeps_every_answer(Est, hubness):
    X, Q = _near_tied(np.float64, n=120)
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    params = {"n_neighbors": 5}
    if hubness == "query_normalize":
        params["query_normalize"] = True
    elif hubness is not None:
        params["hubness"] = hubness
    if Est is SimilarityKNeighborsTransformer:
        params["mode"] = "connectivity"  # hubness distances can be negative
    est = Est(**params).fit(X, y)
    before = _leave_one_out(est)
    queried = est.kneighbors(Q, return_similarity=True)
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    loaded = joblib.load(buffer)
    after = _leave_one_out(loaded)
    for a, b in zip(before, after):
        if isinstance(a, tuple):
            for x, z in zip(a, b):
                assert_array_equal(x, z)
        else:
            assert_array_equal(a, b)
    for x, z in zip(queried, loaded.kneighbors(Q, return_similarity=True)):
        assert_array_equal(x, z)


@pytest.mark.parametrize("metric", MEASURES)
@pytest.mark.parametrize("hubness", [None, "csls", "mutual_proximity"])
def test_queries_leave_the_fitted_estimator_unchanged(metric, hubness):
    X, Q = _near_tied(np.float64, n=150)
    nn = SimilarityNeighbors(
        n_neighbors=5, metric=metric, metric_params=MEASURES[metric], hubness=hubness
    ).fit(X)
    size = len(pickle.dumps(nn))
    nn.kneighbors(Q)
    nn.kneighbors()
    nn.radius_neighbors(Q, radius=0.5)
    nn.kneighbors_graph()
    assert len(pickle.dumps(nn)) == size


def test_cosine_index_pickle_does_not_grow():
    # the float32 copy of float64 unit rows used to be cached by the first search
    X = np.random.default_rng(0).standard_normal((2000, 64))
    nn = SimilarityNeighbors(n_neighbors=5).fit(X)
    size = len(pickle.dumps(nn))
    nn.kneighbors(X[:50])
    assert len(pickle.dumps(nn)) == size


MODULE = '''
import numpy as np
from sklearn_cosim.metrics import SimilarityMeasure


class TravelHellinger(SimilarityMeasure):
    """Hellinger affinity: the dot product of the square roots."""

    name = "travel_hellinger"
    accepts_sparse = False

    def operand(self, rows, idx, side):
        return np.sqrt(np.clip(rows.X[idx], 0, None))

    def similarity(self, G, q, c, qi, cj):
        return G
'''


@pytest.fixture
def travel_module(tmp_path, monkeypatch):
    """An importable module defining a measure (not registering it)."""
    (tmp_path / "travel_measures.py").write_text(textwrap.dedent(MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "travel_measures", raising=False)
    import travel_measures

    register_similarity(travel_measures.TravelHellinger())
    yield travel_measures
    unregister_similarity("travel_hellinger")
    sys.modules.pop("travel_measures", None)


def test_registered_name_works_in_worker_processes(travel_module):
    X, _ = _near_tied(np.float64, n=90)
    y = np.arange(90) % 3
    knn = SimilarityKNeighborsClassifier(n_neighbors=3, metric="travel_hellinger")
    scores = cross_val_score(knn, X, y, cv=3, n_jobs=2)
    assert_allclose(scores, cross_val_score(knn, X, y, cv=3, n_jobs=1))
    grid = GridSearchCV(knn, {"n_neighbors": [1, 3]}, cv=3, n_jobs=2).fit(X, y)
    assert grid.best_estimator_.effective_metric_ == "travel_hellinger"
    # and the ranking is the measure's: sqrt(x) . sqrt(y)
    R = np.sqrt(X)
    sims, ind = grid.best_estimator_.kneighbors(X[:4], return_similarity=True)
    assert_allclose(sims, np.take_along_axis(R[:4] @ R.T, ind, 1), rtol=1e-12)


def test_fitted_estimator_loads_in_a_fresh_interpreter(travel_module, tmp_path):
    X, Q = _near_tied(np.float64, n=90)
    nn = SimilarityNeighbors(n_neighbors=4, metric="travel_hellinger").fit(X)
    path = tmp_path / "index.joblib"
    joblib.dump(nn, path)
    np.save(tmp_path / "Q.npy", Q)
    code = f"""
import sys
sys.path.insert(0, {str(tmp_path)!r})
import joblib, numpy as np
import travel_measures  # defines the class; nothing is registered
nn = joblib.load({str(path)!r})
sims, ind = nn.kneighbors(np.load({str(tmp_path / "Q.npy")!r}), return_similarity=True)
np.save({str(tmp_path / "ind.npy")!r}, ind)
np.save({str(tmp_path / "sims.npy")!r}, sims)
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    sims, ind = nn.kneighbors(Q, return_similarity=True)
    assert_array_equal(np.load(tmp_path / "ind.npy"), ind)
    assert_array_equal(np.load(tmp_path / "sims.npy"), sims)


def _strictly_increasing_in(values, keys):
    """Along each row, `values` ordered by `keys` never decreases beyond rounding."""
    order = np.argsort(keys, axis=1, kind="stable")
    v = np.take_along_axis(values, order, 1)
    k = np.take_along_axis(keys, order, 1)
    scale = np.abs(v).max(axis=1, keepdims=True) + 1e-300
    step = np.diff(v, axis=1)
    distinct = np.diff(k, axis=1) > 1e-9 * (np.abs(k).max() + 1)
    return bool(
        np.all(step[distinct] > -1e-12 * scale.repeat(step.shape[1], 1)[distinct])
    )


IP_FORMS = [m for m in MEASURES if m != "wrd"]


@pytest.mark.parametrize("container", [np.asarray, sparse.csr_matrix])
@pytest.mark.parametrize("metric", IP_FORMS)
def test_inner_product_forms_rank_as_the_measure(metric, container):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((200, D)) * rng.uniform(0.1, 10, (200, 1))
    Q = rng.standard_normal((30, D)) * rng.uniform(0.1, 10, (30, 1))
    if metric == "soft_cosine":
        X, Q = np.abs(X), np.abs(Q)
    measure = check_metric(metric, MEASURES[metric])
    c, q = measure.prepare(container(X)), measure.prepare(container(Q))
    F = measure.to_inner_product(q, "query")
    G = measure.to_inner_product(c, "corpus")
    IP = np.asarray((F @ G.T).todense() if sparse.issparse(F) else F @ G.T)
    i, j = np.divmod(np.arange(30 * 200), 200)
    S = measure.pairs(q, c, i, j).reshape(30, 200)
    assert _strictly_increasing_in(IP, S)
    assert _strictly_increasing_in(S, IP)


@pytest.mark.parametrize("hubness", ["csls", "dis_sim_local"])
def test_hubness_inner_product_forms_rank_as_the_method(hubness):
    X, Q = _near_tied(np.float64, n=200, seed=4)
    nn = SimilarityNeighbors(n_neighbors=200, hubness=hubness).fit(X)
    sims, ind = nn.kneighbors(Q, return_similarity=True)
    measure = nn._measure
    F = measure.to_inner_product(measure.prepare(Q), "query")
    G = measure.to_inner_product(nn._corpus, "corpus")
    IP = np.take_along_axis(F @ G.T, ind, 1)
    assert _strictly_increasing_in(IP, sims)


@pytest.mark.parametrize("metric", ["wrd"])
@pytest.mark.parametrize(
    "hubness", [None, "local_scaling", "nicdm", "mutual_proximity"]
)
def test_measures_without_inner_product_form_say_so(metric, hubness):
    X, _ = _near_tied(np.float64, n=60)
    nn = SimilarityNeighbors(n_neighbors=3, metric="cosine" if hubness else metric)
    nn.set_params(hubness=hubness).fit(X)
    with pytest.raises(ValueError, match="no inner-product form"):
        nn._measure.to_inner_product(nn._corpus, "corpus")


@pytest.mark.parametrize("metric", ["dot", "euclidean", "sqeuclidean"])
def test_products_that_overflow_float32_are_refused(metric):
    X, Q = _near_tied(np.float32, n=50)
    nn = SimilarityNeighbors(n_neighbors=3, metric=metric)
    with pytest.raises(ValueError, match=r"norm .* overflows float32"):
        nn.fit(X * np.float32(1e19))
    nn.fit(X)
    with pytest.raises(ValueError, match=r"norm .* overflows float32"):
        nn.kneighbors(Q * np.float32(1e19))


@pytest.mark.parametrize("metric", ["cosine", "angular", "scaled_cosine", "wrd"])
@pytest.mark.parametrize("scale", [1e-19, 1e19])
def test_unit_row_measures_are_right_at_any_float32_scale(metric, scale):
    X, Q = _near_tied(np.float32, n=80)
    params = MEASURES[metric]
    X, Q = X * np.float32(scale), Q * np.float32(scale)
    want = SimilarityNeighbors(n_neighbors=4, metric=metric, metric_params=params)
    want = want.fit(X.astype(np.float64)).kneighbors(Q.astype(np.float64))
    nn = SimilarityNeighbors(n_neighbors=4, metric=metric, metric_params=params)
    got = nn.fit(X).kneighbors(Q)
    assert np.isfinite(got[0]).all() and (got[1] >= 0).all()
    assert_array_equal(got[1], want[1])
    # exact re-scoring in float64: the same values as float64 data, to float32
    assert_allclose(got[0], want[0], rtol=1e-6, atol=1e-6 * np.abs(want[0]).max())


@pytest.mark.parametrize("scale", [1e-160, 1e155])
def test_cosine_of_huge_and_tiny_rows(scale):
    X, _ = _near_tied(np.float64, n=20)
    got = pairwise_similarity(X * scale, metric="cosine")
    assert_allclose(got, pairwise_similarity(X, metric="cosine"), rtol=1e-12)
    assert_allclose(np.diag(got), 1.0)


def test_paired_similarity_carries_a_registered_name(travel_module):
    from sklearn_cosim.model_selection import PairedSimilarity

    rng = np.random.default_rng(2)
    U, V = rng.uniform(size=(60, 4)), rng.uniform(size=(60, 4))
    y = np.sqrt(U * V).sum(axis=1) + 0.01 * rng.standard_normal(60)
    est = PairedSimilarity(metric="travel_hellinger")
    two = cross_val_score(est, np.hstack([U, V]), y, cv=3, n_jobs=2)
    one = cross_val_score(est, np.hstack([U, V]), y, cv=3, n_jobs=1)
    assert_allclose(two, one)
    assert np.all(two > 0.9)  # Spearman of sqrt(u).sqrt(v) with y
