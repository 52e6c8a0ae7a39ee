"""Saved indexes, memory-mapped corpora, growing indexes, exported similarities.

A saved index holds the fitted data once and answers exactly as before,
also in a fresh interpreter; a memory-mapped corpus is searched without a
second full-size array; ``partial_fit`` in chunks equals one ``fit``;
``to_inner_product`` ranks the fitted samples as the fitted measure.
"""

import dataclasses
import io
import pickle
import subprocess
import sys
import tracemalloc

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.model_selection import GridSearchCV

from sklearn_cosim.neighbors import (
    SimilarityKNeighborsClassifier,
    SimilarityKNeighborsRegressor,
    SimilarityNeighbors,
)
from sklearn_cosim.utils._testing import measure_params

D = 24
MEASURES = measure_params(D)
S_TERMS = MEASURES["soft_cosine"]["S"]
HUBNESS = ["csls", "mutual_proximity", "local_scaling", "nicdm", "dis_sim_local"]


def _data(n=160, m=25, dtype=np.float64, seed=0):
    """Non-negative rows of varied norms (every measure and S apply), queries."""
    rng = np.random.default_rng(seed)
    X = np.abs(rng.standard_normal((n, D))) * rng.uniform(0.2, 5.0, (n, 1))
    Q = np.abs(rng.standard_normal((m, D))) * rng.uniform(0.2, 5.0, (m, 1))
    return X.astype(dtype), Q.astype(dtype)


def _estimator(metric, hubness, Est=SimilarityKNeighborsClassifier, **params):
    """An estimator of the measure and hubness method (or query normalisation)."""
    params = {"n_neighbors": 6, "metric": metric, **params}
    params["metric_params"] = MEASURES[metric]
    if hubness == "query_normalize":
        params["query_normalize"] = True
    else:
        params["hubness"] = hubness
    return Est(**params)


def _fits(metric, hubness, X, y):
    """The fitted classifier, or None where the method refuses the measure."""
    try:
        return _estimator(metric, hubness).fit(X, y)
    except ValueError as exc:
        assert "hubness=" in str(exc)  # the documented refusals only
        return None


def _answers(est, Q):
    """kneighbors (queries and leave-one-out), graphs and predictions."""
    return [
        *est.kneighbors(Q, return_similarity=True),
        *est.kneighbors(),
        est.kneighbors_graph(Q, mode="distance").toarray(),
        est.kneighbors_graph(mode="similarity").toarray(),
        est.predict(Q),
        est.predict_proba(None),
    ]


COMBINATIONS = [
    (metric, hubness)
    for metric in MEASURES
    for hubness in [None, *HUBNESS, "query_normalize"]
]


# ------------------------------------------------------------------------------
# Saved indexes
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("metric", MEASURES)
def test_pickle_holds_the_fitted_data_once(metric, dtype):
    X, _ = _data(n=3000, dtype=dtype)
    nn = SimilarityNeighbors(metric=metric, metric_params=MEASURES[metric]).fit(X)
    # the prepared rows are larger than the data (unit rows, float32 copies...)
    prepared = sum(
        value.nbytes
        for field in dataclasses.fields(nn._corpus)
        if isinstance(value := getattr(nn._corpus, field.name), np.ndarray)
        and value.ndim == 2
    )
    assert prepared >= X.nbytes
    # the pickle is not: the data once, a few per-row numbers and S
    assert len(pickle.dumps(nn)) <= 1.1 * X.nbytes + 20_000 + 2 * S_TERMS.nbytes


@pytest.mark.parametrize(("metric", "hubness"), COMBINATIONS)
def test_round_trip_answers_exactly_as_before(metric, hubness):
    X, Q = _data()
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    est = _fits(metric, hubness, X, y)
    if est is None:
        return
    before = _answers(est, Q)
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    for loaded in (joblib.load(buffer), pickle.loads(pickle.dumps(est))):
        for a, b in zip(before, _answers(loaded, Q)):
            assert_array_equal(a, b)


@pytest.mark.parametrize("metric", MEASURES)
def test_round_trip_of_sparse_data(metric):
    X, Q = _data()
    X[X < 0.8], Q[Q < 0.8] = 0.0, 0.0
    X, Q = sparse.csr_matrix(X), sparse.csr_matrix(Q)
    nn = SimilarityNeighbors(n_neighbors=6, metric=metric)
    nn.set_params(metric_params=MEASURES[metric]).fit(X)
    saved = pickle.dumps(nn)
    assert len(saved) <= 1.1 * (X.data.nbytes + X.indices.nbytes) + 40_000
    loaded = pickle.loads(saved)
    for a, b in zip(nn.kneighbors(Q), loaded.kneighbors(Q)):
        assert_array_equal(a, b)
    assert_array_equal(
        nn.kneighbors_graph(mode="distance").toarray(),
        loaded.kneighbors_graph(mode="distance").toarray(),
    )


def test_fresh_interpreter_answers_exactly_as_before(tmp_path):
    X, Q = _data()
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    fitted = {
        f"{metric}-{hubness}": est
        for metric, hubness in COMBINATIONS
        if (est := _fits(metric, hubness, X, y)) is not None
    }
    joblib.dump(fitted, tmp_path / "indexes.joblib")
    np.save(tmp_path / "Q.npy", Q)
    code = f"""
import joblib, numpy as np
fitted = joblib.load({str(tmp_path / "indexes.joblib")!r})
Q = np.load({str(tmp_path / "Q.npy")!r})
out = {{}}
for key, est in fitted.items():
    sims, ind = est.kneighbors(Q, return_similarity=True)
    out[key + "/sims"], out[key + "/ind"] = sims, ind
    out[key + "/graph"] = est.kneighbors_graph(mode="distance").toarray()
    out[key + "/predict"] = est.predict(Q)
np.savez({str(tmp_path / "out.npz")!r}, **out)
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
    got = np.load(tmp_path / "out.npz")
    for key, est in fitted.items():
        sims, ind = est.kneighbors(Q, return_similarity=True)
        assert_array_equal(got[key + "/sims"], sims)
        assert_array_equal(got[key + "/ind"], ind)
        graph = est.kneighbors_graph(mode="distance").toarray()
        assert_array_equal(got[key + "/graph"], graph)
        assert_array_equal(got[key + "/predict"], est.predict(Q))


# ------------------------------------------------------------------------------
# Memory-mapped corpora
# ------------------------------------------------------------------------------
def _memmap(tmp_path, X):
    np.save(tmp_path / "X.npy", X)
    return np.load(tmp_path / "X.npy", mmap_mode="r")


def _full_size_arrays(rows, n):
    """The (n, d) arrays the prepared rows hold."""
    return [
        value
        for field in dataclasses.fields(rows)
        if isinstance(value := getattr(rows, field.name), np.ndarray)
        and value.ndim == 2
        and value.shape[0] == n
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("metric", [m for m in MEASURES if m != "soft_cosine"])
def test_memmap_fit_keeps_one_copy_on_disk(metric, dtype, tmp_path):
    X, Q = _data(n=400, dtype=dtype)
    mapped = _memmap(tmp_path, X)
    params = {"metric": metric, "metric_params": MEASURES[metric], "n_neighbors": 7}
    nn = SimilarityNeighbors(**params).fit(mapped)
    # the fitted rows are the file's pages, and so is every full-size array
    assert np.shares_memory(nn._fit_X, mapped)
    arrays = _full_size_arrays(nn._corpus, len(X))
    assert arrays and all(np.shares_memory(a, mapped) for a in arrays)
    # and the answers are those of the data in memory
    ref = SimilarityNeighbors(**params).fit(X)
    for a, b in zip(ref.kneighbors(Q), nn.kneighbors(Q)):
        assert_array_equal(a, b)
    for a, b in zip(ref.kneighbors(), nn.kneighbors()):
        assert_array_equal(a, b)
    # a saved index loads memory-mapped again (joblib's mmap_mode)
    joblib.dump(nn, tmp_path / "index.joblib")
    loaded = joblib.load(tmp_path / "index.joblib", mmap_mode="r")
    assert not loaded._fit_X.flags.owndata
    for a, b in zip(ref.kneighbors(Q), loaded.kneighbors(Q)):
        assert_array_equal(a, b)


def _fit_peak_bytes(path, n, metric):
    """Peak bytes allocated by fitting the first `n` rows of a mapped file."""
    mapped = np.load(path, mmap_mode="r")[:n]
    tracemalloc.start()
    try:
        SimilarityNeighbors(n_neighbors=5, metric=metric).fit(mapped)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_memmap_fit_allocates_per_row_statistics_only(metric, tmp_path):
    X = np.random.default_rng(0).standard_normal((200_000, 64)).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    del X
    # the engine's chunk buffers have a fixed size: what grows with the
    # corpus must be the per-row statistics (norms: 8-24 bytes a row of
    # 256), not a copy of the rows
    small = _fit_peak_bytes(tmp_path / "X.npy", 100_000, metric)
    large = _fit_peak_bytes(tmp_path / "X.npy", 200_000, metric)
    assert large - small < 0.25 * (100_000 * 64 * 4)


def test_memmap_queries_scale_each_tile_once_per_worker(tmp_path, monkeypatch):
    from sklearn_cosim.metrics import _base
    from sklearn_cosim.utils._threads import effective_n_jobs

    X, _ = _data(n=3000, dtype=np.float32)
    Q = X[:600]
    nn = SimilarityNeighbors(n_neighbors=3, n_jobs=2).fit(_memmap(tmp_path, X))
    scaled = []
    get = _base.ScaledRows.__getitem__
    monkeypatch.setattr(
        _base.ScaledRows,
        "__getitem__",
        lambda self, idx: scaled.append(idx) or get(self, idx),
    )
    nn.kneighbors(Q)
    # one block of queries per worker: the corpus is scaled once per worker
    # (in blocks of 256 queries it would be scaled three times)
    rows = sum(idx.stop - idx.start for idx in scaled if isinstance(idx, slice))
    assert rows == effective_n_jobs(2) * len(X)


# ------------------------------------------------------------------------------
# Growing indexes
# ------------------------------------------------------------------------------
def _chunks(n, seed=0):
    """Uneven chunk boundaries, including a one-row chunk."""
    return np.array_split(np.arange(n), [30, 31, 97])


@pytest.mark.parametrize(
    ("metric", "hubness"),
    [
        ("cosine", None),
        ("dot", None),
        ("euclidean", None),
        ("wrd", None),
        ("soft_cosine", None),
        ("cosine", "csls"),
        ("euclidean", "local_scaling"),
        ("angular", "mutual_proximity"),
        ("sqeuclidean", "dis_sim_local"),
        ("scaled_cosine", "query_normalize"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_partial_fit_in_chunks_equals_one_fit(metric, hubness, dtype):
    X, Q = _data(dtype=dtype)
    Est = SimilarityNeighbors
    whole = _estimator(metric, hubness, Est).fit(X)
    grown = _estimator(metric, hubness, Est)
    for rows in _chunks(len(X)):
        assert grown.partial_fit(X[rows]) is grown
    assert grown.n_samples_fit_ == len(X)
    for a, b in zip(whole.kneighbors(Q), grown.kneighbors(Q)):
        assert_array_equal(a, b)
    for a, b in zip(whole.kneighbors(), grown.kneighbors()):
        assert_array_equal(a, b)
    radius = float(np.median(whole.kneighbors(Q)[0][:, -1]))
    for a, b in zip(
        whole.radius_neighbors(Q, radius=radius)[1],
        grown.radius_neighbors(Q, radius=radius)[1],
    ):
        assert_array_equal(a, b)


def test_partial_fit_of_sparse_rows_equals_one_fit():
    X, Q = _data()
    X[X < 0.8] = 0.0
    X, Q = sparse.csr_matrix(X), sparse.csr_matrix(Q)
    whole = SimilarityNeighbors(n_neighbors=5, metric="soft_cosine")
    whole.set_params(metric_params={"S": S_TERMS}).fit(X)
    grown = SimilarityNeighbors(n_neighbors=5, metric="soft_cosine")
    grown.set_params(metric_params={"S": S_TERMS})
    for rows in _chunks(X.shape[0]):
        grown.partial_fit(X[rows])
    for a, b in zip(whole.kneighbors(Q), grown.kneighbors(Q)):
        assert_array_equal(a, b)


def test_supervised_partial_fit_equals_one_fit():
    X, Q = _data()
    rng = np.random.default_rng(1)
    labels = np.array(["a", "b", "c"])[rng.integers(0, 3, len(X))]
    targets = rng.standard_normal((len(X), 2))
    clf = SimilarityKNeighborsClassifier(n_neighbors=5, hubness="csls")
    reg = SimilarityKNeighborsRegressor(n_neighbors=5, weights="distance")
    clf_whole, reg_whole = clf.fit(X, labels), reg.fit(X, targets)
    clf_grown = SimilarityKNeighborsClassifier(n_neighbors=5, hubness="csls")
    reg_grown = SimilarityKNeighborsRegressor(n_neighbors=5, weights="distance")
    for rows in _chunks(len(X)):
        clf_grown.partial_fit(X[rows], labels[rows], classes=["c", "b", "a"])
        reg_grown.partial_fit(X[rows], targets[rows])
    assert_array_equal(clf_grown.classes_, clf_whole.classes_)
    assert_array_equal(clf_grown.predict_proba(Q), clf_whole.predict_proba(Q))
    assert_array_equal(clf_grown.predict(None), clf_whole.predict(None))
    assert_array_equal(reg_grown.predict(Q), reg_whole.predict(Q))
    assert_array_equal(reg_grown.predict(None), reg_whole.predict(None))


def test_multi_output_partial_fit_equals_one_fit():
    X, Q = _data()
    Y = np.random.default_rng(2).integers(0, 3, (len(X), 2))
    whole = SimilarityKNeighborsClassifier(n_neighbors=5).fit(X, Y)
    grown = SimilarityKNeighborsClassifier(n_neighbors=5)
    for rows in _chunks(len(X)):
        grown.partial_fit(X[rows], Y[rows], classes=[[0, 1, 2], [2, 1, 0]])
    for a, b in zip(whole.predict_proba(Q), grown.predict_proba(Q)):
        assert_array_equal(a, b)
    assert_array_equal(whole.predict(None), grown.predict(None))
    with pytest.raises(ValueError, match="one array of classes per output"):
        SimilarityKNeighborsClassifier().partial_fit(X, Y, classes=[0, 1, 2])


def test_partial_fit_classes_cover_labels_not_seen_yet():
    X, Q = _data()
    y = np.where(X[:, 0] > np.median(X[:, 0]), 1, 0)
    clf = SimilarityKNeighborsClassifier(n_neighbors=3)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    assert_array_equal(clf.classes_, [0, 1, 2])
    proba = clf.predict_proba(Q)
    assert proba.shape == (len(Q), 3)
    assert_array_equal(proba[:, 2], 0.0)
    # the share of each label among the 3 neighbours, by a plain search
    ind = SimilarityNeighbors(n_neighbors=3).fit(X).kneighbors(Q)[1]
    assert_array_equal(proba[:, 1], y[ind].mean(axis=1))


def test_partial_fit_refuses_bad_input_and_keeps_the_index():
    X, Q = _data()
    nn = SimilarityNeighbors(n_neighbors=3).partial_fit(X[:50])
    with pytest.raises(ValueError, match="features"):
        nn.partial_fit(X[:5, :-1])
    assert nn.n_samples_fit_ == 50
    clf = SimilarityKNeighborsClassifier(n_neighbors=3)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X[:50], np.zeros(50, int))
    clf.partial_fit(X[:50], np.zeros(50, int), classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels not in classes: array\(\[7\]\)"):
        clf.partial_fit(X[50:60], np.full(10, 7))
    with pytest.raises(ValueError, match="classes differ"):
        clf.partial_fit(X[50:60], np.ones(10, int), classes=[0, 1, 2])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.partial_fit(X[50:60], np.ones(9, int))
    assert clf.n_samples_fit_ == 50 and len(clf._y) == 50
    reg = SimilarityKNeighborsRegressor(n_neighbors=3).partial_fit(X[:50], X[:50, 0])
    with pytest.raises(ValueError, match="output"):
        reg.partial_fit(X[50:60], X[50:60, :2])
    assert reg.n_samples_fit_ == 50


def test_partial_fit_hands_the_prepared_rows_to_one_hook():
    # approximate backends extend `_add_rows` to add the rows to their index
    calls = []

    class Recording(SimilarityNeighbors):
        def _add_rows(self, rows):
            calls.append(rows)
            super()._add_rows(rows)

    X, _ = _data()
    nn = Recording(n_neighbors=3).partial_fit(X[:100]).partial_fit(X[100:])
    assert len(calls) == 1 and len(calls[0]) == len(X) - 100
    assert_array_equal(calls[0].X, X[100:])
    assert_allclose(calls[0].norms, np.linalg.norm(X[100:], axis=1), rtol=1e-12)
    assert nn.n_samples_fit_ == len(X)


def test_partial_fit_of_a_memmapped_index(tmp_path):
    X, Q = _data()
    nn = SimilarityNeighbors(n_neighbors=4).fit(_memmap(tmp_path, X[:100]))
    nn.partial_fit(X[100:])
    for a, b in zip(
        nn.kneighbors(Q), SimilarityNeighbors(n_neighbors=4).fit(X).kneighbors(Q)
    ):
        assert_array_equal(a, b)


# ------------------------------------------------------------------------------
# Exporting the similarity
# ------------------------------------------------------------------------------
def _ranking(F, G):
    """Each query's fitted samples by decreasing inner product (ties by index)."""
    F, G = (M.toarray() if sparse.issparse(M) else M for M in (F, G))
    IP = F @ G.T
    return np.argsort(-IP, axis=1, kind="stable")


EXPORTABLE = [
    (metric, hubness)
    for metric, hubness in COMBINATIONS
    if metric != "wrd"
    and hubness in (None, "csls", "dis_sim_local", "query_normalize")
    and not (hubness == "csls" and metric in ("euclidean", "angular", "radial_cosine"))
]


@pytest.mark.parametrize(("metric", "hubness"), EXPORTABLE)
def test_inner_products_rank_as_the_fitted_measure(metric, hubness):
    X, Q = _data(n=150, seed=5)
    try:
        nn = _estimator(metric, hubness, SimilarityNeighbors, n_neighbors=150).fit(X)
    except ValueError as exc:  # dis_sim_local needs Euclidean operands
        assert "dis_sim_local" in str(exc)
        return
    F, G = nn.to_inner_product(Q), nn.to_inner_product()
    assert F.shape[1] == G.shape[1] and G.shape[0] == len(X)
    assert F.dtype == G.dtype == np.float64
    assert_array_equal(_ranking(F, G), nn.kneighbors(Q, return_distance=False))


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "soft_cosine"])
def test_inner_products_of_float32_and_sparse_data(metric):
    X, Q = _data(n=150, seed=6)
    X[X < 0.5], Q[Q < 0.5] = 0.0, 0.0
    params = {"metric": metric, "metric_params": MEASURES[metric], "n_neighbors": 10}
    want = SimilarityNeighbors(**params).fit(X).kneighbors(Q, return_distance=False)
    nn = SimilarityNeighbors(**params).fit(sparse.csr_matrix(X))
    F, G = nn.to_inner_product(sparse.csr_matrix(Q)), nn.to_inner_product()
    assert sparse.issparse(G)  # the corpus side keeps the sparsity
    assert_array_equal(_ranking(F, G)[:, :10], want)
    nn = SimilarityNeighbors(**params).fit(X.astype(np.float32))
    F, G = nn.to_inner_product(Q.astype(np.float32)), nn.to_inner_product()
    assert F.dtype == G.dtype == np.float32
    assert_array_equal(_ranking(F.astype(np.float64), G)[:, :10], want)


@pytest.mark.parametrize(
    ("metric", "hubness", "named"),
    [
        ("wrd", None, "metric='wrd'"),
        ("cosine", "mutual_proximity", "hubness='mutual_proximity'"),
        ("cosine", "local_scaling", "hubness='local_scaling'"),
        ("euclidean", "nicdm", "hubness='nicdm'"),
        ("angular", "csls", "hubness='csls' on metric='angular'"),
    ],
)
def test_measures_without_inner_product_form_are_named(metric, hubness, named):
    X, Q = _data(n=60)
    nn = _estimator(metric, hubness, SimilarityNeighbors, n_neighbors=3).fit(X)
    with pytest.raises(ValueError, match="no inner-product form") as info:
        nn.to_inner_product(Q)
    assert named in str(info.value)
    assert "cosine, dot, euclidean" in str(info.value)  # those that have one
    callable_nn = SimilarityNeighbors(n_neighbors=3, metric=lambda A, B: A @ B.T)
    with pytest.raises(ValueError, match="no inner-product form"):
        callable_nn.fit(X).to_inner_product()


def test_export_of_a_cross_validated_choice_serves_from_faiss():
    faiss = pytest.importorskip("faiss")
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((4, D)).astype(np.float32)
    labels = rng.integers(0, 4, 300)
    X = centres[labels] + 0.8 * rng.standard_normal((300, D)).astype(np.float32)
    X *= rng.uniform(0.5, 3.0, (300, 1)).astype(np.float32)
    grid = GridSearchCV(
        SimilarityKNeighborsClassifier(n_neighbors=5),
        {"metric": ["cosine", "dot", "euclidean"], "hubness": [None, "csls"]},
        cv=3,
    ).fit(X[:250], labels[:250])
    best = grid.best_estimator_
    G = np.ascontiguousarray(best.to_inner_product(), dtype=np.float32)
    index = faiss.IndexFlatIP(G.shape[1])
    index.add(G)
    F = np.ascontiguousarray(best.to_inner_product(X[250:]), dtype=np.float32)
    _, ind = index.search(F, 5)
    assert_array_equal(ind, best.kneighbors(X[250:], return_distance=False))
