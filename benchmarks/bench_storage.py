"""Memory-mapped corpora: what fitting and querying a ``.npy`` file costs in memory.

Run ``python benchmarks/bench_storage.py`` (``--help`` for the sizes; the
default corpus is 1,000,000 x 384 float32, a 1.5 GB file written in row
chunks to a temporary folder). For each measure, in this one process:

1. fit on ``np.load(path, mmap_mode="r")`` and query ``--queries`` rows;
   the peak memory allocated (numpy allocations seen by ``tracemalloc``)
   while fitting and while querying, as a share of the file, and the
   growth of the process' anonymous resident memory (``RssAnon``: memory
   that is not the file's pages), also as a share of the file;
2. the same fit and queries on the file loaded into memory (``np.load``):
   the query time ratio memory-mapped / in memory (best of ``--repeat``
   interleaved runs),
   and a check that both give the same neighbours.

The file has just been written, so its pages are in the page cache: the
ratio is that of a warm file (a cold file adds the disk's read time once).

Targets (checked at the end, exit code 1 if one is missed, unless
``--no-check``): fitting allocates at most 5% of the file, fit plus queries
at most ``working_memory`` plus 5% of the file, and the memory-mapped
queries take at most 1.3x the in-memory ones (measures whose operand is a
scaled copy of the rows, such as cosine, scale each corpus tile once per
block of queries -- one block per worker thread --; the others read the
file as it is).
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc

import numpy as np
from sklearn import get_config

from sklearn_cosim.neighbors import SimilarityNeighbors


def write_corpus(path, n, d, seed=0, chunk=50_000):
    """Anisotropic float32 embeddings with varied norms, written in row chunks."""
    rng = np.random.default_rng(seed)
    offset = rng.standard_normal(d)
    offset *= 2.0 / np.linalg.norm(offset)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        block = rng.standard_normal((rows, d)) / np.sqrt(d) + offset
        block *= rng.lognormal(0.0, 0.3, (rows, 1))
        out[start : start + rows] = block
    out.flush()
    del out
    Q = rng.standard_normal((1000, d)) / np.sqrt(d) + offset
    return Q.astype(np.float32)


def rss_anon_bytes():
    """The process' anonymous resident memory (Linux), or None elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def traced(func):
    """``(result, peak bytes allocated while func runs)``."""
    gc.collect()
    tracemalloc.start()
    try:
        result = func()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def timed(func):
    """``(seconds, result)`` of one call."""
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="corpus rows")
    parser.add_argument("--d", type=int, default=384, help="dimensions")
    parser.add_argument("--queries", type=int, default=1000, help="query rows")
    parser.add_argument("--k", type=int, default=10, help="neighbours")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs")
    parser.add_argument(
        "--metrics", nargs="+", default=["cosine", "euclidean"], help="measures"
    )
    parser.add_argument("--dir", default=None, help="folder for the .npy file")
    parser.add_argument("--no-check", action="store_true", help="report only")
    args = parser.parse_args(argv)

    folder = tempfile.TemporaryDirectory(dir=args.dir)
    path = os.path.join(folder.name, "corpus.npy")
    start = time.perf_counter()
    Q = write_corpus(path, args.n, args.d)[: args.queries]
    size = os.path.getsize(path)
    print(
        f"corpus {args.n:,} x {args.d} float32: {size / 2**30:.2f} GiB file "
        f"(written in {time.perf_counter() - start:.0f} s); {len(Q)} queries, "
        f"k={args.k}; working_memory {get_config()['working_memory']} MiB"
    )
    working = get_config()["working_memory"] * 2**20
    failures = []
    header = (
        f"{'metric':<12}{'fit alloc':>11}{'fit+query':>11}{'RssAnon':>10}"
        f"{'mmap s':>9}{'memory s':>10}{'ratio':>8}  same"
    )
    rows = []
    for metric in args.metrics:
        mapped = np.load(path, mmap_mode="r")
        rss0 = rss_anon_bytes()
        nn, fit_peak = traced(
            lambda mapped=mapped, metric=metric: SimilarityNeighbors(
                n_neighbors=args.k, metric=metric
            ).fit(mapped)
        )
        (_, ind_mapped), query_peak = traced(lambda nn=nn: nn.kneighbors(Q))
        rss1 = rss_anon_bytes()
        X = np.load(path)
        ref = SimilarityNeighbors(n_neighbors=args.k, metric=metric).fit(X)
        # interleaved runs: the machine's load changes between runs
        t_mapped = t_memory = np.inf
        for _ in range(args.repeat):
            t_mapped = min(t_mapped, timed(lambda nn=nn: nn.kneighbors(Q))[0])
            t, (_, ind_memory) = timed(lambda ref=ref: ref.kneighbors(Q))
            t_memory = min(t_memory, t)
        del nn, mapped, ref, X
        gc.collect()

        rss = None if rss0 is None else (rss1 - rss0) / size
        same = bool(np.array_equal(ind_mapped, ind_memory))
        ratio = t_mapped / t_memory
        peak = max(fit_peak, query_peak)
        rows.append(
            f"{metric:<12}{fit_peak / size:>10.1%}{peak / size:>10.1%}"
            f"{'n/a' if rss is None else f'{rss:.1%}':>10}{t_mapped:>9.2f}"
            f"{t_memory:>10.2f}{ratio:>7.2f}x  {same}"
        )
        if fit_peak > 0.05 * size:
            failures.append(
                f"{metric}: fit allocated {fit_peak / size:.1%} of the file"
            )
        if peak > working + 0.05 * size:
            failures.append(f"{metric}: fit+query peak {peak / 2**20:.0f} MiB")
        if ratio > 1.3:
            failures.append(f"{metric}: memory-mapped queries {ratio:.2f}x in memory")
        if not same:
            failures.append(f"{metric}: memory-mapped neighbours differ")
    print("shares of the file size; times are the best of", args.repeat, "runs")
    print(header)
    print("\n".join(rows))
    folder.cleanup()
    if failures and not args.no_check:
        print("MISSED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
