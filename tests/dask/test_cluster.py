"""A local cluster of worker processes: lost workers, missing packages, threads."""

import os
import signal

import numpy as np
import pytest
from numpy.testing import assert_array_equal

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from sklearn_cosim.dask import SimilarityNeighbors  # noqa: E402
from sklearn_cosim.dask._shards import task_threads  # noqa: E402
from sklearn_cosim.dask._validation import check_workers  # noqa: E402
from sklearn_cosim.neighbors import SimilarityNeighbors as InMemory  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def test_killed_worker_gives_the_full_result(client):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 8)).astype(np.float32)
    Q = rng.standard_normal((20, 8)).astype(np.float32)
    est = SimilarityNeighbors(n_neighbors=4, hubness="csls").fit(
        da.from_array(X, chunks=100)
    )
    ref = InMemory(n_neighbors=4, hubness="csls").fit(X)
    # kill the process of a worker that holds prepared shards: they are lost
    held = client.run_on_scheduler(
        lambda dask_scheduler: {
            ws.address: len(ws.has_what) for ws in dask_scheduler.workers.values()
        }
    )
    victim = max(held, key=held.get)
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    # the scheduler recomputes the lost shards from the graph: full and exact
    assert_array_equal(est.kneighbors(Q)[1], ref.kneighbors(Q)[1])
    graph = est.kneighbors_graph()
    assert_array_equal(graph.indices, ref.kneighbors_graph().indices)


def test_tasks_limit_blas_threads(client):
    # a task on a worker runs single-threaded BLAS (workers x threads = cores)
    threads = [client.submit(task_threads, pure=False).result() for _ in range(4)]
    assert set(threads) == {1}

    def blas_threads_in_task():
        from threadpoolctl import threadpool_info

        from sklearn_cosim.dask._shards import limited_blas

        with limited_blas():
            return {lib["num_threads"] for lib in threadpool_info()}

    assert client.submit(blas_threads_in_task, pure=False).result() == {1}
    assert task_threads() is None  # not on a worker


def test_workers_without_the_package_are_refused(client):
    check_workers()  # every worker has it
    with pytest.raises(ImportError, match="cannot import no_such_package_xyz"):
        check_workers("no_such_package_xyz")
