"""Approximate candidates (faiss, hnswlib) re-ranked by the exact engine.

References: the exact engine (``algorithm="brute"``) and plain numpy
formulas written here. With exhaustive knobs (every IVF list probed, every
row a candidate) the approximate path must reproduce the exact engine
bit for bit, hubness reduction and query normalisation included.
"""

import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_cosim.datasets import make_anisotropic_embeddings
from sklearn_cosim.metrics.pairwise import check_metric
from sklearn_cosim.neighbors import (
    SimilarityKNeighborsClassifier,
    SimilarityKNeighborsRegressor,
    SimilarityKNeighborsTransformer,
    SimilarityNeighbors,
    _approximate,
    approximate_recall,
    tune_approximate_search,
)

faiss = pytest.importorskip("faiss")
hnswlib = pytest.importorskip("hnswlib")

K = 10
BACKENDS = {
    "faiss-ivf": ("faiss", {"index": "IVF32,Flat", "nprobe": 8}),
    "faiss-hnsw": ("faiss", {"index": "HNSW32"}),
    "hnswlib": ("hnswlib", {"ef": 100}),
}
MEASURES = {
    "cosine": {"metric": "cosine"},
    "scaled_cosine": {"metric": "scaled_cosine", "metric_params": {"alpha": 0.5}},
    "csls": {"metric": "cosine", "hubness": "csls"},
}
#: Exhaustive knobs: every list probed, every row a candidate.
EXHAUSTIVE = {"index": "IVF8,Flat", "nprobe": 8, "n_candidates": 10_000}


@pytest.fixture(scope="module")
def data():
    X, _, labels = make_anisotropic_embeddings(
        3300, 24, n_clusters=12, random_state=0, dtype=np.float32
    )
    return X[300:], X[:300], labels[300:]


def _recall(approx, exact):
    return np.mean([len(np.intersect1d(a, e)) / len(e) for a, e in zip(approx, exact)])


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_recall_at_10(data, backend, measure):
    C, Q, _ = data
    algorithm, params = BACKENDS[backend]
    spec = MEASURES[measure]
    approx = SimilarityNeighbors(
        n_neighbors=K, algorithm=algorithm, algorithm_params=params, **spec
    ).fit(C)
    exact = SimilarityNeighbors(n_neighbors=K, **spec).fit(C)
    sims, ind = approx.kneighbors(Q, return_similarity=True)
    ex_sims, ex_ind = exact.kneighbors(Q, return_similarity=True)
    assert _recall(ind, ex_ind) >= 0.95
    # the self graph of the fitted rows (hubness statistics included)
    assert (
        _recall(approx.kneighbors(return_distance=False), exact.kneighbors()[1]) >= 0.95
    )
    # returned similarities are exact: numpy formulas on the returned pairs
    Cd, Qd = C.astype(np.float64), Q.astype(np.float64)
    cq, cc = np.linalg.norm(Qd, axis=1), np.linalg.norm(Cd, axis=1)
    dots = np.einsum("ij,ikj->ik", Qd, Cd[ind])
    cos = dots / (cq[:, None] * cc[ind])
    if measure == "cosine":
        expected = cos
    elif measure == "scaled_cosine":
        expected = 0.5 * cos + 0.5 * (cq[:, None] + cc[ind])
    else:  # CSLS: 2 cos - r(q) - r(c), r from the approximate neighbours
        full = (Qd / cq[:, None]) @ (Cd / cc[:, None]).T
        r_exact = -np.sort(-full, axis=1)[:, :K].mean(axis=1)
        r_c = approx._measure.stats["r"]
        # the mean of k found neighbours is at most that of the k nearest,
        # and equal to it for (nearly) every row
        r_c_exact = exact._measure.stats["r"]
        assert np.all(r_c <= r_c_exact + 1e-9)
        assert np.mean(np.abs(r_c - r_c_exact) < 1e-9) >= 0.9
        r_q = (2 * cos - r_c[ind] - sims).mean(axis=1)  # one r(q) per row
        assert np.all(r_q <= r_exact + 1e-6)
        assert np.mean(np.abs(r_q - r_exact) < 1e-6) >= 0.9
        expected = 2 * cos - r_q[:, None] - r_c[ind]
    assert_allclose(sims, expected, rtol=1e-6, atol=1e-6)
    # in decreasing order, and equal to the exact engine where it agrees
    assert np.all(np.diff(sims, axis=1) <= 0)
    same = ind == ex_ind
    if measure != "csls":
        assert_allclose(sims[same], ex_sims[same], rtol=1e-12, atol=1e-12)


HUBNESS = ["csls", "local_scaling", "nicdm", "dis_sim_local", "mutual_proximity"]


@pytest.mark.parametrize(
    "spec",
    [
        {"metric": "euclidean"},
        {"metric": "angular"},
        {"metric": "radial_cosine", "metric_params": {"beta": 0.5}},
        {"metric": "wrd"},
        {"metric": "cosine", "query_normalize": True},
        *({"metric": "cosine", "hubness": h} for h in HUBNESS),
        {"metric": "euclidean", "hubness": "csls", "query_normalize": True},
    ],
    ids=lambda s: "-".join(str(v) for v in s.values() if not isinstance(v, dict)),
)
def test_exhaustive_knobs_reproduce_the_exact_engine(data, spec):
    C, Q, _ = data
    C, Q = C[:600], Q[:30]
    approx = SimilarityNeighbors(
        n_neighbors=K, algorithm="faiss", algorithm_params=EXHAUSTIVE, **spec
    ).fit(C)
    exact = SimilarityNeighbors(n_neighbors=K, **spec).fit(C)
    for X in (Q, None):
        sims, ind = approx.kneighbors(X, return_similarity=True)
        ex_sims, ex_ind = exact.kneighbors(X, return_similarity=True)
        assert_array_equal(ind, ex_ind)
        assert_allclose(sims, ex_sims, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "metric, params",
    [
        ("cosine", {}),
        ("dot", {}),
        ("euclidean", {}),
        ("sqeuclidean", {}),
        ("angular", {}),
        ("scaled_cosine", {"alpha": 0.3}),
        ("radial_cosine", {"beta": 0.5}),
    ],
)
def test_unit_row_maps_rank_as_the_measure(metric, params):
    # the vectors the backends index: <f(q), g(c)> ranks as the measure does
    rng = np.random.default_rng(4)
    C = rng.standard_normal((200, 6)) * rng.lognormal(0, 0.7, (200, 1))
    Q = rng.standard_normal((20, 6)) * 3
    measure = check_metric(metric, params)
    corpus, queries = measure.prepare(C), measure.prepare_queries(Q)
    index = _approximate.ApproximateIndex(measure, {})
    index._fit_map(corpus)
    G = index.corpus_vectors(corpus, slice(None)).astype(np.float64)
    F = index.query_vectors(queries, slice(None)).astype(np.float64)
    if index.l2:  # euclidean distances: an L2 index of the rows themselves
        scores = -((F[:, None] - G[None]) ** 2).sum(-1)
    else:
        assert_allclose(np.linalg.norm(G, axis=1), 1.0, rtol=1e-5)  # unit rows
        scores = F @ G.T
    # the measure's similarities, written here
    cq, cc = np.linalg.norm(Q, axis=1), np.linalg.norm(C, axis=1)
    cos = (Q @ C.T) / np.outer(cq, cc)
    expected = {
        "cosine": cos,
        "dot": Q @ C.T,
        "euclidean": -np.sqrt(((Q[:, None] - C[None]) ** 2).sum(-1)),
        "sqeuclidean": -((Q[:, None] - C[None]) ** 2).sum(-1),
        "angular": 1 - np.arccos(np.clip(cos, -1, 1)) / np.pi,
        "scaled_cosine": 0.3 * cos + 0.7 * (cq[:, None] + cc[None]),
        "radial_cosine": cos * cc[None] ** 0.5,
    }[metric]
    top = np.argsort(-expected, axis=1)[:, :20]
    assert_array_equal(np.argsort(-scores, axis=1, kind="stable")[:, :20], top)


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_euclidean_far_from_the_origin(backend, metric):
    # rows far from the origin with spread norms: the inner-product form is
    # dominated by its -|c|^2/2 column, so euclidean runs in an L2 index
    rng = np.random.default_rng(7)
    centres = 3 * rng.standard_normal((12, 24))
    X = centres[rng.integers(0, 12, 3300)] + rng.standard_normal((3300, 24))
    X = (X * rng.uniform(0.5, 2.0, (3300, 1))).astype(np.float32)
    C, Q = X[300:], X[:300]
    algorithm, params = BACKENDS[backend]
    approx = SimilarityNeighbors(
        n_neighbors=K, metric=metric, algorithm=algorithm, algorithm_params=params
    ).fit(C)
    dist, ind = approx.kneighbors(Q)
    Cd, Qd = C.astype(np.float64), Q.astype(np.float64)
    D = ((Qd[:, None] - Cd[None]) ** 2).sum(-1)  # plain numpy reference
    exact = np.argsort(D, axis=1, kind="stable")[:, :K]
    assert _recall(ind, exact) >= 0.95
    expected = np.take_along_axis(D, ind, axis=1)
    expected = np.sqrt(expected) if metric == "euclidean" else expected
    assert_allclose(dist, expected, rtol=1e-5)


def test_pickle_round_trip_and_fresh_process(data, tmp_path):
    C, Q, _ = data
    C = C[:1500]
    results = {}
    for backend, (algorithm, params) in BACKENDS.items():
        nn = SimilarityNeighbors(
            n_neighbors=K, hubness="csls", algorithm=algorithm, algorithm_params=params
        ).fit(C)
        results[backend] = nn.kneighbors(Q, return_similarity=True)
        loaded = pickle.loads(pickle.dumps(nn))
        s2, i2 = loaded.kneighbors(Q, return_similarity=True)
        assert_array_equal(i2, results[backend][1])
        assert_array_equal(s2, results[backend][0])
        joblib.dump(nn, tmp_path / f"{backend}.joblib")
    np.save(tmp_path / "Q.npy", Q)
    code = f"""
import joblib, numpy as np
Q = np.load({str(tmp_path / "Q.npy")!r})
for name in {list(BACKENDS)!r}:
    nn = joblib.load({str(tmp_path)!r} + "/" + name + ".joblib")
    sims, ind = nn.kneighbors(Q, return_similarity=True)
    np.save({str(tmp_path)!r} + "/" + name + "-ind.npy", ind)
    np.save({str(tmp_path)!r} + "/" + name + "-sims.npy", sims)
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    for backend, (sims, ind) in results.items():
        assert_array_equal(np.load(tmp_path / f"{backend}-ind.npy"), ind)
        assert_array_equal(np.load(tmp_path / f"{backend}-sims.npy"), sims)


def test_search_knobs_change_without_rebuilding(data):
    C, Q, _ = data
    nn = SimilarityNeighbors(
        n_neighbors=K,
        algorithm="faiss",
        algorithm_params={"index": "IVF32,Flat", "nprobe": 1, "n_candidates": 10},
    ).fit(C)
    exact = SimilarityNeighbors(n_neighbors=K).fit(C).kneighbors(Q)[1]
    index = nn._index
    low = _recall(nn.kneighbors(Q)[1], exact)
    nn.set_params(algorithm_params={"index": "IVF32,Flat", "nprobe": 32})
    assert nn._index is index
    assert_array_equal(nn.kneighbors(Q)[1], exact)  # every list probed
    assert low < 0.95


@pytest.mark.parametrize("backend", ["faiss-ivf", "hnswlib"])
def test_tune_reaches_the_target(backend):
    # isotropic rows: one IVF list or a tiny ef misses neighbours
    rng = np.random.default_rng(5)
    C = rng.standard_normal((3000, 16)).astype(np.float32)
    Q = rng.standard_normal((200, 16)).astype(np.float32)
    algorithm, params = BACKENDS[backend]
    params = {**params, **({"nprobe": 1} if algorithm == "faiss" else {"ef": 10})}
    params["n_candidates"] = 10
    if algorithm == "faiss":
        params["index"] = "IVF64,Flat"
    nn = SimilarityNeighbors(
        metric="dot", algorithm=algorithm, algorithm_params=params
    ).fit(C)
    before = approximate_recall(nn, Q, n_neighbors=K)
    report = tune_approximate_search(nn, Q, target_recall=0.99, n_neighbors=K)
    assert report["reached"] and report["recall"] >= 0.99
    assert report["history"][0][1] == pytest.approx(before["recall"])
    assert before["recall"] < 0.99
    assert nn.algorithm_params == report["algorithm_params"]
    # the recall reported is the one measured independently here
    exact = SimilarityNeighbors(n_neighbors=K, metric="dot").fit(C).kneighbors(Q)[1]
    assert _recall(nn.kneighbors(Q, n_neighbors=K)[1], exact) == pytest.approx(
        report["recall"]
    )
    assert report["speedup"] > 0


def test_graph_and_supervised_estimators(data):
    C, Q, labels = data
    y = labels.astype(float)
    for Est, kw in [
        (SimilarityKNeighborsClassifier, {}),
        (SimilarityKNeighborsRegressor, {}),
        (SimilarityKNeighborsTransformer, {"mode": "distance"}),
    ]:
        approx = Est(
            n_neighbors=5, algorithm="faiss", algorithm_params=EXHAUSTIVE, **kw
        ).fit(C, y if Est is not SimilarityKNeighborsClassifier else labels)
        exact = Est(n_neighbors=5, **kw).fit(
            C, y if Est is not SimilarityKNeighborsClassifier else labels
        )
        if Est is SimilarityKNeighborsTransformer:
            a, e = approx.transform(Q), exact.transform(Q)
            assert_array_equal(a.indices, e.indices)
            assert_allclose(a.data, e.data, rtol=1e-6)
        else:
            assert_allclose(approx.predict(Q), exact.predict(Q))
    nn = SimilarityNeighbors(
        n_neighbors=5, algorithm="hnswlib", algorithm_params={"ef": 200}
    ).fit(C)
    graph = nn.kneighbors_graph(mode="similarity")
    exact = (
        SimilarityNeighbors(n_neighbors=5).fit(C).kneighbors_graph(mode="similarity")
    )
    assert graph.shape == exact.shape == (len(C), len(C))
    assert (graph.diagonal() == 0).all()  # self excluded
    rows = graph.indices.reshape(-1, 5)
    assert _recall(rows, exact.indices.reshape(-1, 5)) >= 0.99


def test_radius_neighbors_is_exact(data):
    C, Q, _ = data
    approx = SimilarityNeighbors(algorithm="hnswlib").fit(C)
    exact = SimilarityNeighbors().fit(C)
    a_d, a_i = approx.radius_neighbors(Q[:20], radius=0.3)
    e_d, e_i = exact.radius_neighbors(Q[:20], radius=0.3)
    for x, y in zip(a_i, e_i):
        assert_array_equal(x, y)


def test_auto_switches_on_corpus_size(data, monkeypatch):
    C, Q, _ = data
    assert SimilarityNeighbors(algorithm="auto").fit(C)._index is None
    monkeypatch.setattr(_approximate, "AUTO_MIN_SAMPLES", 1000)
    nn = SimilarityNeighbors(algorithm="auto").fit(C)
    assert nn._index is not None and nn._index.backend == "faiss"


@pytest.mark.parametrize("algorithm", ["faiss", "hnswlib"])
def test_missing_backend_names_the_extra(data, algorithm, monkeypatch):
    C, _, _ = data
    monkeypatch.setitem(sys.modules, algorithm, None)  # import raises ImportError
    with pytest.raises(ImportError, match=r'pip install "sklearn_cosim\[ann\]"'):
        SimilarityNeighbors(algorithm=algorithm).fit(C[:100])


@pytest.mark.parametrize(
    "algorithm, params, match",
    [
        ("faiss", {"nprobe": 0}, r"algorithm_params\['nprobe'\] must be a positive"),
        ("faiss", {"nprob": 4}, r"Unknown algorithm_params \['nprob'\]"),
        ("faiss", {"index": "IVF-bogus"}, r"algorithm_params\['index'\]='IVF-bogus'"),
        ("faiss", {"index": ""}, r"algorithm_params\['index'\] must be a faiss"),
        ("faiss", {"ef": 10}, r"Unknown algorithm_params \['ef'\]"),
        ("hnswlib", {"ef": -1}, r"algorithm_params\['ef'\] must be a positive"),
        ("hnswlib", {"M": 1}, r"algorithm_params\['M'\] must be at least 2"),
        ("hnswlib", {"n_candidates": 2.5}, r"'n_candidates'\] must be a positive"),
        ("brute", {"nprobe": 4}, r"algorithm='brute' takes none"),
        ("auto", {"ef": 4}, r"Unknown algorithm_params \['ef'\]"),
    ],
)
def test_bad_algorithm_params(data, algorithm, params, match):
    C, _, _ = data
    with pytest.raises(ValueError, match=match):
        SimilarityNeighbors(algorithm=algorithm, algorithm_params=params).fit(C[:500])


def test_refusals(data):
    C, Q, _ = data
    with pytest.raises(ValueError, match="callable metric"):
        SimilarityNeighbors(metric=lambda X, Y: X @ Y.T, algorithm="hnswlib").fit(
            C[:100]
        )
    exact = SimilarityNeighbors().fit(C[:100])
    with pytest.raises(ValueError, match="recall is 1"):
        approximate_recall(exact, Q)
    nn = SimilarityNeighbors(algorithm="hnswlib").fit(C[:100])
    with pytest.raises(ValueError, match="target_recall"):
        tune_approximate_search(nn, Q, target_recall=1.5)


def test_too_few_candidates_fall_back_to_every_row(data):
    # IVF probing one list of 64 rarely holds k rows: those queries are
    # scored against every row, so the result is still complete and exact
    C, Q, _ = data
    nn = SimilarityNeighbors(
        n_neighbors=K,
        algorithm="faiss",
        algorithm_params={"index": "IVF256,Flat", "nprobe": 1, "n_candidates": 10},
    ).fit(C[:2600])
    sims, ind = nn.kneighbors(Q, return_similarity=True)
    assert (ind >= 0).all() and np.isfinite(sims).all()
    Cd = C[:2600].astype(np.float64)
    cos = np.einsum("ij,ikj->ik", Q.astype(np.float64), Cd[ind]) / (
        np.linalg.norm(Q, axis=1)[:, None] * np.linalg.norm(Cd[ind], axis=2)
    )
    assert_allclose(sims, cos, rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_partial_fit_adds_rows_to_the_index(data, backend):
    C, Q, _ = data
    algorithm, params = BACKENDS[backend]
    nn = SimilarityNeighbors(
        n_neighbors=K, hubness="csls", algorithm=algorithm, algorithm_params=params
    )
    nn.partial_fit(C[:2000])
    index = nn._index
    nn.partial_fit(C[2000:])
    assert nn._index is index and nn._index.n_samples == len(C) == nn.n_samples_fit_
    exact = SimilarityNeighbors(n_neighbors=K, hubness="csls").fit(C)
    ind = nn.kneighbors(Q)[1]
    assert _recall(ind, exact.kneighbors(Q)[1]) >= 0.95
    assert (ind >= 2000).any()  # the added rows are found
    # the graph statistics were recomputed on every row, from the index
    assert _recall(nn.kneighbors()[1], exact.kneighbors()[1]) >= 0.95


def test_partial_fit_with_exhaustive_knobs_equals_one_fit(data):
    C, Q, _ = data
    C = C[:900]
    grown = SimilarityNeighbors(
        n_neighbors=K, algorithm="faiss", algorithm_params=EXHAUSTIVE, metric="dot"
    )
    for part in np.array_split(C, 3):
        grown.partial_fit(part)
    exact = SimilarityNeighbors(n_neighbors=K, metric="dot").fit(C)
    s, i = grown.kneighbors(Q, return_similarity=True)
    es, ei = exact.kneighbors(Q, return_similarity=True)
    assert_array_equal(i, ei)
    assert_allclose(s, es, rtol=1e-12)


def test_tune_lowers_knobs_above_the_target(data):
    C, Q, _ = data
    params = {"index": "IVF32,Flat", "nprobe": 32, "n_candidates": 160}
    nn = SimilarityNeighbors(algorithm="faiss", algorithm_params=params).fit(C)
    report = tune_approximate_search(nn, Q, target_recall=0.9, n_neighbors=K)
    chosen = report["algorithm_params"]
    assert report["reached"] and report["recall"] >= 0.9
    assert chosen["nprobe"] < 32 and chosen["n_candidates"] < 160
    assert report["history"][0][1] == 1.0  # every list probed: exact
    # the recall reported is the one measured here with the chosen knobs
    exact = SimilarityNeighbors(n_neighbors=K).fit(C).kneighbors(Q)[1]
    recall = _recall(nn.kneighbors(Q, n_neighbors=K)[1], exact)
    assert recall == pytest.approx(report["recall"])


def test_hubness_statistics_graph_searches_at_the_build_breadth(data, monkeypatch):
    # the fit-time graph of hnswlib searches with ef >= ef_construction; the
    # queries keep the search knob given
    C, Q, _ = data
    seen = []
    search = _approximate.HnswlibIndex._search

    def spy(self, F, n_candidates, params, *args):
        seen.append(params.get("ef"))
        return search(self, F, n_candidates, params, *args)

    monkeypatch.setattr(_approximate.HnswlibIndex, "_search", spy)
    params = {"ef": 16, "ef_construction": 120}
    nn = SimilarityNeighbors(
        hubness="csls", algorithm="hnswlib", algorithm_params=params
    ).fit(C)
    assert seen and set(seen) == {120}
    seen.clear()
    nn.kneighbors(Q)
    assert seen and set(seen) == {16}


def _prepared_bytes(rows):
    """Bytes of the arrays the prepared rows store (ScaledRows store none)."""
    return sum(
        value.nbytes for value in vars(rows).values() if isinstance(value, np.ndarray)
    )


@pytest.mark.parametrize("metric", ["cosine", "scaled_cosine", "angular"])
def test_approximate_index_holds_the_corpus_once(data, metric):
    # the re-rank scores pairs from the rows themselves: no stored unit rows
    C, Q, _ = data
    params = {"index": "IVF16,Flat", "nprobe": 16, "n_candidates": 40}
    nn = SimilarityNeighbors(
        n_neighbors=K, metric=metric, algorithm="faiss", algorithm_params=params
    ).fit(C[:2000])
    exact = SimilarityNeighbors(n_neighbors=K, metric=metric).fit(C[:2000])
    assert _prepared_bytes(exact._corpus) >= 2 * C[:2000].nbytes  # X and E
    for est in (nn, pickle.loads(pickle.dumps(nn)), nn.partial_fit(C[2000:2100])):
        X = est._corpus.X
        assert _prepared_bytes(est._corpus) <= X.nbytes + 64 * len(X)  # + norms
    # the same neighbours as the exact engine on the grown corpus
    exact.partial_fit(C[2000:2100])
    sims, ind = nn.kneighbors(Q, return_similarity=True)
    ex_sims, ex_ind = exact.kneighbors(Q, return_similarity=True)
    assert _recall(ind, ex_ind) >= 0.99
    same = ind == ex_ind
    assert_allclose(sims[same], ex_sims[same], rtol=1e-12)
