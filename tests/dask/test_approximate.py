"""Approximate search per shard: one index per shard, candidates re-ranked exactly."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

da = pytest.importorskip("dask.array")
pytest.importorskip("distributed")
pytest.importorskip("faiss")
pytest.importorskip("hnswlib")

from sklearn_cosim.dask import SimilarityNeighbors  # noqa: E402
from sklearn_cosim.neighbors import SimilarityNeighbors as InMemory  # noqa: E402
from sklearn_cosim.neighbors import (  # noqa: E402
    approximate_recall,
    tune_approximate_search,
)

K = 10
BACKENDS = {
    "faiss": {"index": "IVF16,Flat", "nprobe": 4},
    "hnswlib": {"M": 8, "ef": 40},
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    centres = 3 * rng.standard_normal((30, 16))
    labels = rng.integers(0, 30, 3000)
    # norms that differ from row to row: dot ranks unlike cosine
    X = centres[labels] + rng.standard_normal((3000, 16))
    X *= rng.uniform(0.5, 2.0, (3000, 1))
    Q = X[rng.choice(3000, 100, replace=False)] + 0.3 * rng.standard_normal((100, 16))
    return X.astype(np.float32), Q.astype(np.float32)


def _all_similarities(ref, Q):
    """The exact in-memory engine's similarity of every (query, fitted row)."""
    s, i = ref.kneighbors(Q, ref.n_samples_fit_, return_similarity=True)
    S = np.empty_like(s)
    np.put_along_axis(S, i, s, axis=1)
    return S


def _recall(exact, approx):
    hits = sum(len(np.intersect1d(e, a)) for e, a in zip(exact, approx))
    return hits / exact.size


@pytest.mark.parametrize("algorithm", sorted(BACKENDS))
@pytest.mark.parametrize(
    "params",
    [{"metric": "cosine"}, {"metric": "dot"}, {"hubness": "csls"}],
    ids=lambda p: "-".join(map(str, p.values())),
)
def test_recall_and_exact_similarities(client, data, algorithm, params):
    X, Q = data
    ref = InMemory(n_neighbors=K, **params).fit(X)
    exact_s, exact_i = ref.kneighbors(Q, return_similarity=True)
    est = SimilarityNeighbors(
        n_neighbors=K,
        algorithm=algorithm,
        algorithm_params=BACKENDS[algorithm],
        **params,
    ).fit(da.from_array(X, chunks=750))
    assert est.n_shards_ == 4
    sims, ind = est.kneighbors(Q, return_similarity=True)
    assert _recall(exact_i, ind) >= 0.95
    # the returned similarities are the exact ones of the returned rows
    S = _all_similarities(ref, Q)
    assert_allclose(sims, np.take_along_axis(S, ind, axis=1), rtol=1e-6, atol=1e-6)
    assert np.all(np.diff(sims, axis=1) <= 0)
    if params == {"metric": "cosine"}:  # and a plain formula agrees
        Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
        Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
        cos = np.einsum("qd,qkd->qk", Qn.astype(float), Xn[ind].astype(float))
        assert_allclose(sims, cos, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("algorithm", sorted(BACKENDS))
def test_fitted_data_search(client, data, algorithm):
    X, _ = data
    ref = InMemory(n_neighbors=K, hubness="nicdm").fit(X)
    exact_i = ref.kneighbors(return_distance=False)
    est = SimilarityNeighbors(
        n_neighbors=K,
        hubness="nicdm",
        algorithm=algorithm,
        algorithm_params=BACKENDS[algorithm],
    ).fit(da.from_array(X, chunks=1000))
    ind = est.kneighbors(return_distance=False).compute()
    assert not np.any(ind == np.arange(len(X))[:, None])  # each without itself
    assert _recall(exact_i, ind) >= 0.95


def test_one_index_per_shard_merged(client, data):
    """The result is the merge of the in-memory approximate search of each shard."""
    X, Q = data
    params = {"index": "IVF16,Flat", "nprobe": 1, "n_candidates": K}
    est = SimilarityNeighbors(
        n_neighbors=K, algorithm="faiss", algorithm_params=params
    ).fit(da.from_array(X, chunks=1000))
    sims, ind = est.kneighbors(Q, return_similarity=True)
    parts = []
    for start in range(0, 3000, 1000):
        shard = InMemory(n_neighbors=K, algorithm="faiss", algorithm_params=params)
        s, i = shard.fit(X[start : start + 1000]).kneighbors(Q, return_similarity=True)
        parts.append((s, i + start))
    s = np.hstack([p[0] for p in parts])
    i = np.hstack([p[1] for p in parts])
    order = np.lexsort((i, -s), axis=-1)[:, :K]
    assert_array_equal(ind, np.take_along_axis(i, order, 1))
    assert_allclose(sims, np.take_along_axis(s, order, 1), rtol=1e-12)
    # one probed list of 16 and no extra candidates: the index is really used
    exact_i = InMemory(n_neighbors=K).fit(X).kneighbors(Q, return_distance=False)
    assert _recall(exact_i, ind) < 1.0
    # search knobs are read at search time: more lists, better recall
    est.set_params(algorithm_params={**params, "nprobe": 16})
    assert _recall(exact_i, est.kneighbors(Q, return_distance=False)) == 1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"metric": lambda a, b: a @ b.T}, "callable metric"),
        ({"algorithm_params": {"nlist": 4}}, "Unknown algorithm_params"),
        ({"algorithm_params": {"index": "Nonsense9"}}, "index_factory"),
    ],
)
def test_refused(client, data, kwargs, match):
    X, _ = data
    est = SimilarityNeighbors(algorithm="faiss", **kwargs)
    with pytest.raises(ValueError, match=match):
        est.fit(da.from_array(X[:400], chunks=200))


def test_recall_helpers_refuse_dask_fits(client, data):
    X, _ = data
    est = SimilarityNeighbors(algorithm="hnswlib").fit(da.from_array(X, chunks=1500))
    for helper in (approximate_recall, tune_approximate_search):
        with pytest.raises(ValueError, match="fitted on a dask array"):
            helper(est)
