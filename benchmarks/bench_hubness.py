"""Cost of hubness reduction and of the embedding report.

Run ``python benchmarks/bench_hubness.py`` (``--help`` for the sizes). For
each hubness method the table gives the fit time (per-sample statistics: one
self-search of the corpus, or the closed-form moments for mutual proximity)
and the query time of ``kneighbors`` for ``--n-queries`` queries, as a ratio
to plain cosine search on the same data in the same process (one run each),
and the time of :func:`~sklearn_cosim.diagnostics.embedding_report` (one
self-search plus the anisotropy passes).
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np

from sklearn_cosim.datasets import make_anisotropic_embeddings
from sklearn_cosim.diagnostics import embedding_report
from sklearn_cosim.neighbors import SimilarityNeighbors

METHODS = [None, "csls", "local_scaling", "nicdm", "mutual_proximity", "dis_sim_local"]


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-samples", type=int, default=100_000)
    parser.add_argument("--n-features", type=int, default=384)
    parser.add_argument("--n-queries", type=int, default=1000)
    parser.add_argument("--n-neighbors", type=int, default=10)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args(argv)

    X, _, _ = make_anisotropic_embeddings(
        args.n_samples + args.n_queries, args.n_features, n_hubs=0, random_state=0
    )
    X = X.astype(np.float32)
    corpus, queries = X[: args.n_samples], X[args.n_samples :]
    print(
        f"corpus {corpus.shape} float32, {len(queries)} queries, k={args.n_neighbors}"
    )
    rows = []
    base_query = None
    for method in METHODS:
        nn = SimilarityNeighbors(n_neighbors=args.n_neighbors, hubness=method)
        fit_s, _ = timed(lambda: nn.fit(corpus))
        # best of three: the first query run also pays one-off warm-up costs
        query_s = min(timed(lambda: nn.kneighbors(queries))[0] for _ in range(3))
        if method is None:
            base_query = query_s
        rows.append((method or "plain cosine", fit_s, query_s, query_s / base_query))
    print(f"{'method':<18}{'fit s':>10}{'query s':>10}{'query / plain':>15}")
    for name, fit_s, query_s, ratio in rows:
        print(f"{name:<18}{fit_s:>10.2f}{query_s:>10.3f}{ratio:>15.2f}")
    if not args.no_report:
        report_s, _ = timed(lambda: embedding_report(corpus))
        print(f"embedding_report on {corpus.shape}: {report_s:.1f} s")


if __name__ == "__main__":
    main()
