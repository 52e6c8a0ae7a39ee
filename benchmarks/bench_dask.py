"""Sharded search on a local Dask cluster against the in-memory engine.

Run ``python benchmarks/bench_dask.py`` (``--help`` for the sizes; the
default is the issue's 1,000,000 x 384 float32 corpus, allow a few minutes
and about 6 GB of memory). Both sides search the same data: each row chunk
is generated from its own seed, on the workers for the cluster (the corpus
never passes through the client) and in this process for the in-memory
engine. The cluster is a ``LocalCluster`` of 2 single-threaded worker
processes; the in-memory engine runs on 2 threads. Times are the best of
``--repeat`` runs (``--graph-repeat`` for the graph), the two sides
alternating; the table reports ratios (cluster / in-memory).

Targets (issue 14), checked at the end (exit code 1 if one is missed,
unless ``--no-check``):

- kneighbors of the queries at most 1.3x the in-memory time;
- the self k-NN graph of the ``--graph-samples`` subset at most 1.2x;
- peak memory of each worker about its shards (reported, not checked).
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import gc
import os
import sys
import time

import numpy as np


def make_chunk(index, rows, d, seed=0):
    """Row chunk `index`: anisotropic float32 embeddings (a common offset)."""
    offset = np.random.default_rng(seed).standard_normal(d)
    offset *= 2.0 / np.linalg.norm(offset)
    rng = np.random.default_rng([seed, index])
    C = rng.standard_normal((rows, d)) / np.sqrt(d) + offset
    C *= rng.lognormal(0.0, 0.3, (rows, 1))
    return C.astype(np.float32)


def chunk_sizes(n, chunk_rows):
    return [min(chunk_rows, n - s) for s in range(0, n, chunk_rows)]


def local_array(n, d, chunk_rows):
    return np.vstack(
        [make_chunk(i, r, d) for i, r in enumerate(chunk_sizes(n, chunk_rows))]
    )


def dask_array(n, d, chunk_rows):
    import dask
    import dask.array as da

    return da.concatenate(
        [
            da.from_delayed(
                dask.delayed(make_chunk)(i, r, d), shape=(r, d), dtype=np.float32
            )
            for i, r in enumerate(chunk_sizes(n, chunk_rows))
        ]
    )


def best_time(func, repeat):
    best = np.inf
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def process_cpu():
    """CPU seconds (user + system) of this process, all threads."""
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system


def timed(func, client=None):
    """Wall seconds and CPU seconds of `func` (this process and the workers)."""
    cpu0 = process_cpu() + (sum(client.run(process_cpu).values()) if client else 0)
    start = time.perf_counter()
    func()
    wall = time.perf_counter() - start
    cpu1 = process_cpu() + (sum(client.run(process_cpu).values()) if client else 0)
    return wall, cpu1 - cpu0


def worker_memory(client):
    """Resident memory of each worker process, in MiB."""
    import psutil

    rss = client.run(lambda: psutil.Process().memory_info().rss)
    return {addr: value / 2**20 for addr, value in rss.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=1_000_000)
    parser.add_argument("--n-features", type=int, default=384)
    parser.add_argument("--n-queries", type=int, default=1_000)
    parser.add_argument("--graph-samples", type=int, default=100_000)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--graph-chunk-rows", type=int, default=50_000)
    parser.add_argument("--n-neighbors", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--graph-repeat", type=int, default=1)
    parser.add_argument("--no-check", action="store_true")
    args = parser.parse_args(argv)

    from distributed import Client, LocalCluster
    from threadpoolctl import threadpool_limits

    from sklearn_cosim.dask import SimilarityNeighbors as ShardedNeighbors
    from sklearn_cosim.neighbors import SimilarityNeighbors

    n, d, k = args.n_samples, args.n_features, args.n_neighbors
    m = min(args.graph_samples, n)
    queries = make_chunk(-1 % 2**32, args.n_queries, d, seed=1)
    rows = []

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = Client(cluster)
    try:
        idle = worker_memory(client)
        start = time.perf_counter()
        sharded = ShardedNeighbors(n_neighbors=k).fit(dask_array(n, d, args.chunk_rows))
        fit_cluster = time.perf_counter() - start
        loaded = worker_memory(client)
        stored = client.run_on_scheduler(
            lambda dask_scheduler: {
                ws.address: ws.nbytes / 2**20 for ws in dask_scheduler.workers.values()
            }
        )
        X = local_array(n, d, args.chunk_rows)
        with threadpool_limits(limits=2, user_api="blas"):
            start = time.perf_counter()
            local = SimilarityNeighbors(n_neighbors=k, n_jobs=2).fit(X)
            fit_local = time.perf_counter() - start
            # alternate the two so that the load of a shared machine hits both
            t_local = t_cluster = c_local = c_cluster = np.inf
            for _ in range(args.repeat):
                wall, cpu = timed(lambda: local.kneighbors(queries))
                t_local, c_local = min(t_local, wall), min(c_local, cpu)
                wall, cpu = timed(lambda: sharded.kneighbors(queries), client)
                t_cluster, c_cluster = min(t_cluster, wall), min(c_cluster, cpu)
            after = worker_memory(client)
            assert np.array_equal(
                local.kneighbors(queries, return_distance=False),
                sharded.kneighbors(queries, return_distance=False),
            ), "the cluster's neighbours differ from the in-memory engine's"
            local = sharded = X = None
            gc.collect()

            graph_sharded = ShardedNeighbors(n_neighbors=k).fit(
                dask_array(m, d, args.graph_chunk_rows)
            )
            X_graph = local_array(m, d, args.graph_chunk_rows)
            graph_local = SimilarityNeighbors(n_neighbors=k, n_jobs=2).fit(X_graph)
            g_local = g_cluster = gc_local = gc_cluster = np.inf
            for _ in range(args.graph_repeat):
                out = {}
                wall, cpu = timed(lambda: out.update(a=graph_local.kneighbors_graph()))
                g_local, gc_local = min(g_local, wall), min(gc_local, cpu)
                wall, cpu = timed(
                    lambda: out.update(b=graph_sharded.kneighbors_graph()), client
                )
                g_cluster, gc_cluster = min(g_cluster, wall), min(gc_cluster, cpu)
            graph, graph_cluster = out["a"], out["b"]
            assert np.array_equal(graph.indices, graph_cluster.indices), (
                "the cluster's graph differs from the in-memory engine's"
            )
    finally:
        client.close()
        cluster.close()

    shard_mib = args.chunk_rows * d * 4 / 2**20
    n_shards = len(chunk_sizes(n, args.chunk_rows))
    rows.append(
        (
            f"kneighbors {args.n_queries} queries, k={k}",
            t_local,
            t_cluster,
            1.3,
            c_local,
            c_cluster,
        )
    )
    rows.append(
        (
            f"self k-NN graph of {m:,} rows",
            g_local,
            g_cluster,
            1.2,
            gc_local,
            gc_cluster,
        )
    )
    print(
        f"\n{n:,} x {d} float32 corpus ({n * d * 4 / 2**30:.2f} GiB) in "
        f"{n_shards} chunks of {args.chunk_rows:,} rows ({shard_mib:.0f} MiB); "
        f"LocalCluster of 2 single-threaded worker processes vs the in-memory "
        f"engine on 2 threads; cpu_count={os.cpu_count()}"
    )
    print(
        f"fit: cluster {fit_cluster:.2f} s (generate + prepare), "
        f"in-memory {fit_local:.2f} s (prepare)"
    )
    print(
        f"\n{'task':<36} {'wall: local':>11} {'cluster':>8} {'ratio':>6} "
        f"{'target':>6} | {'cpu: local':>10} {'cluster':>8} {'ratio':>6}"
    )
    failed = []
    for name, a, b, target, ca, cb in rows:
        ok = b / a <= target
        print(
            f"{name:<36} {a:11.2f} {b:8.2f} {b / a:6.2f} {target:5.1f}x | "
            f"{ca:10.2f} {cb:8.2f} {cb / ca:6.2f}{'' if ok else '  (wall: MISSED)'}"
        )
        if not ok:
            failed.append(name)
    print(
        "CPU: seconds of all threads of this process (and of the worker "
        "processes for the cluster): the work done, less sensitive than the "
        "wall time to other jobs on a shared machine."
    )
    print(
        "\nper worker (MiB): data held (dask's count) | resident memory idle / "
        f"after fit / after queries; {n_shards} shards of {shard_mib:.0f} MiB"
    )
    for addr in idle:
        print(
            f"  {addr}: {stored.get(addr, np.nan):.0f} | {idle[addr]:.0f} / "
            f"{loaded.get(addr, np.nan):.0f} / {after.get(addr, np.nan):.0f}"
        )
    if failed and not args.no_check:
        print(f"targets missed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
