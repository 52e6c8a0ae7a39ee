"""Sharded search on dask arrays equals the exact in-memory engine."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from sklearn_cosim.dask import SimilarityNeighbors  # noqa: E402
from sklearn_cosim.neighbors import SimilarityNeighbors as InMemory  # noqa: E402

CASES = [
    {"metric": "cosine"},
    {"metric": "dot"},
    {"metric": "euclidean"},
    {"metric": "angular"},
    {"metric": "scaled_cosine", "metric_params": {"alpha": 0.7}},
    {"hubness": "csls"},
    {"hubness": "local_scaling"},
    {"hubness": "nicdm"},
    {"hubness": "dis_sim_local"},
    {"hubness": "mutual_proximity"},
    # arccos is not affine in the Gram entries: moments by a pass over the tiles
    {"hubness": "mutual_proximity", "metric": "angular"},
    {
        "hubness": "mutual_proximity",
        "hubness_params": {"method": "empiric", "n_samples": 40},
    },
    {"query_normalize": True},
    {"query_normalize": 30},
    {"hubness": "csls", "query_normalize": True},
    {"hubness": "nicdm", "query_normalize": True},
]


@pytest.fixture(scope="module")
def client():
    with distributed.Client(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    ) as client:
        yield client


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    # an offset makes the hubness and normalisation statistics matter
    X = rng.standard_normal((150, 10)) + 0.4
    Q = rng.standard_normal((13, 10))
    return X, Q


def _computed(result):
    if isinstance(result, tuple):
        return tuple(_computed(r) for r in result)
    return result.compute() if isinstance(result, da.Array) else result


def _check_same(expected, got, kind):
    (s0, i0), (s1, i1) = expected, got
    if kind == "radius":
        assert len(i0) == len(i1)
        for a, b, sa, sb in zip(i0, i1, s0, s1):
            assert_array_equal(a, b)
            assert_allclose(sa, sb, rtol=1e-12, atol=1e-12)
        return
    assert_array_equal(i0, i1)
    assert_allclose(s0, s1, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("params", CASES, ids=lambda p: "-".join(map(str, p.values())))
def test_equals_in_memory_engine(client, data, params):
    X, Q = data
    ref = InMemory(n_neighbors=4, **params).fit(X)
    # chunks on both axes: the feature axis is rechunked, rows stay shards
    est = SimilarityNeighbors(n_neighbors=4, **params).fit(
        da.from_array(X, chunks=(40, 4))
    )
    assert est.n_shards_ == 4
    # off any pair's exact value (hubness statistics summed over shards in
    # another order may differ in the last bit)
    radius = float(np.median(ref.kneighbors(Q)[0][:, 1])) * (1 + 1e-6) + 1e-9
    for queries, dask_queries in [
        (Q, Q),
        (Q, da.from_array(Q, chunks=5)),
        (None, None),
    ]:
        expected = ref.kneighbors(queries, return_similarity=True)
        got = est.kneighbors(dask_queries, return_similarity=True)
        dask_in = dask_queries is None or isinstance(dask_queries, da.Array)
        assert isinstance(got[1], da.Array) == dask_in
        _check_same(expected, _computed(got), "knn")
        expected = ref.radius_neighbors(queries, radius, return_similarity=True)
        got = _computed(est.radius_neighbors(dask_queries, radius))
        dist = [ref._measure.distance(s) for s in expected[0]]
        _check_same((dist, expected[1]), got, "radius")


def test_distances_dtype_and_graph(client, data):
    X, Q = data
    X32 = X.astype(np.float32)
    ref = InMemory(n_neighbors=3).fit(X32)
    est = SimilarityNeighbors(n_neighbors=3).fit(da.from_array(X32, chunks=64))
    dist, ind = est.kneighbors(Q)
    dist0, ind0 = ref.kneighbors(Q)
    assert dist.dtype == np.float32 and isinstance(dist, np.ndarray)
    assert_array_equal(ind, ind0)
    assert_allclose(dist, dist0, rtol=1e-6)
    for mode in ["connectivity", "distance", "similarity"]:
        g = est.kneighbors_graph(mode=mode)
        g0 = ref.kneighbors_graph(mode=mode)
        assert_array_equal(g.indices, g0.indices)
        assert_array_equal(g.indptr, g0.indptr)
        assert_allclose(g.data, g0.data, rtol=1e-6)
    g = est.radius_neighbors_graph(Q, radius=0.9, mode="distance")
    g0 = ref.radius_neighbors_graph(Q, radius=0.9, mode="distance")
    assert_array_equal(g.indices, g0.indices)
    assert_allclose(g.data, g0.data, rtol=1e-6)
    assert est.kneighbors(n_neighbors=2, return_distance=False).shape == (150, 2)


def test_ties_broken_by_global_index(client):
    # duplicate rows in different shards: the smaller global index first
    base = np.random.default_rng(1).standard_normal((5, 4))
    X = np.vstack([base, base, base])
    est = SimilarityNeighbors(n_neighbors=3).fit(da.from_array(X, chunks=4))
    ind = est.kneighbors(base, return_distance=False)
    assert_array_equal(ind, np.arange(5)[:, None] + [0, 5, 10])
    ind = est.kneighbors(return_distance=False).compute()
    assert_array_equal(ind[7, :2], [2, 12])  # row 7 is base[2], itself excluded
    assert_array_equal(ind, InMemory(n_neighbors=3).fit(X).kneighbors()[1])


def test_brute_force_reference(client):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 5))
    Q = rng.standard_normal((4, 5))
    est = SimilarityNeighbors(n_neighbors=6).fit(da.from_array(X, chunks=17))
    sims, ind = est.kneighbors(Q, return_similarity=True)
    cos = (Q / np.linalg.norm(Q, axis=1, keepdims=True)) @ (
        X / np.linalg.norm(X, axis=1, keepdims=True)
    ).T
    assert_array_equal(ind, np.argsort(-cos, axis=1, kind="stable")[:, :6])
    assert_allclose(sims, np.sort(cos, axis=1)[:, ::-1][:, :6], rtol=1e-12)


def test_without_distributed_client(data):
    # the local threaded scheduler runs the same graph
    X, Q = data
    est = SimilarityNeighbors(n_neighbors=2, hubness="csls").fit(
        da.from_array(X, chunks=50)
    )
    ref = InMemory(n_neighbors=2, hubness="csls").fit(X)
    assert_array_equal(est.kneighbors(Q)[1], ref.kneighbors(Q)[1])


def test_numpy_fit_is_the_in_memory_estimator(data):
    X, Q = data
    est = SimilarityNeighbors(n_neighbors=2).fit(X)
    assert est.n_shards_ == 0
    assert_array_equal(
        est.kneighbors(Q)[1], InMemory(n_neighbors=2).fit(X).kneighbors(Q)[1]
    )
    with pytest.raises(ValueError, match="fitted on an in-memory array"):
        est.kneighbors(da.from_array(Q))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda X: X[X[:, 0] > 0], "compute_chunk_sizes"),
        (lambda X: X[:, 0], "Expected a 2D dask array"),
        (lambda X: da.where(X > 1.5, np.nan, X), "NaN"),
        (lambda X: da.where(X > 1.5, np.inf, X), "infinity"),
    ],
)
def test_bad_corpus(client, data, make, match):
    X = da.from_array(data[0], chunks=50)
    with pytest.raises(ValueError, match=match):
        SimilarityNeighbors().fit(make(X))


def test_bad_queries(client, data):
    X, Q = data
    est = SimilarityNeighbors(n_neighbors=3).fit(da.from_array(X, chunks=50))
    with pytest.raises(ValueError, match="features"):
        est.kneighbors(da.from_array(Q[:, :4]))
    with pytest.raises(ValueError, match="features"):
        est.kneighbors(Q[:, :4])
    with pytest.raises(ValueError, match="n_neighbors=150 is larger"):
        est.kneighbors(n_neighbors=150)
    with pytest.raises(ValueError, match="radius must be a finite"):
        est.radius_neighbors(Q, radius=np.inf)
    with pytest.raises(ValueError, match="NaN"):
        est.kneighbors(
            da.from_array(np.where(Q > 1, np.nan, Q)), return_distance=False
        ).compute()
    with pytest.raises(ValueError, match="hubness_params"):
        SimilarityNeighbors(hubness="csls", hubness_params={"n_neighbors": 200}).fit(
            da.from_array(X, chunks=50)
        )


@pytest.mark.parametrize("params", [{}, {"hubness": "dis_sim_local"}])
def test_uneven_chunks_with_one_row_shards(client, params):
    # a one-row shard has no neighbour of its own when it queries itself
    X = np.random.default_rng(3).standard_normal((41, 6))
    dX = da.from_array(X, chunks=((1, 20, 1, 19), (6,)))
    est = SimilarityNeighbors(n_neighbors=4, **params).fit(dX)
    ref = InMemory(n_neighbors=4, **params).fit(X)
    sims, ind = est.kneighbors(return_similarity=True)
    sims0, ind0 = ref.kneighbors(return_similarity=True)
    assert_array_equal(ind.compute(), ind0)
    assert_allclose(sims.compute(), sims0, rtol=1e-12)
