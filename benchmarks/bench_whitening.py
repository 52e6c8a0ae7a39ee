"""Benchmark: Whitener fit+transform against scikit-learn's whitening PCA.

Times ``Whitener(n_components).fit_transform(X)`` on offset float32 data (the
shape of sentence embeddings: a large common offset plus a few dominant
directions) against what a user would otherwise run in the same process:
``PCA(whiten=True, svd_solver="covariance_eigh")`` (fast, but it forms the
uncentred Gram matrix minus ``n mu mu^T`` in float32, which loses the
covariance on offset data) and ``PCA(whiten=True, svd_solver="full")``
(accurate, slow). Ratios are times relative to ``covariance_eigh``; the target
is a ratio <= 1.2. Peak memory is measured with :mod:`tracemalloc` in a
separate run; accuracy is ``max |cov(X_w) - I|`` of the whitened training
data, computed in float64.

Run: ``python benchmarks/bench_whitening.py [--repeat 9] [--timer cpu]``
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import tracemalloc

import numpy as np
from sklearn.decomposition import PCA

from sklearn_cosim.preprocessing import Whitener

TARGET = 1.2


def make_offset_embeddings(n_samples, n_features, offset, random_state=0):
    """Gaussian data with decaying variances, a random rotation and an offset."""
    rng = np.random.default_rng(random_state)
    scales = 1.0 / np.sqrt(np.arange(1, n_features + 1))
    rotation, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    X = (rng.standard_normal((n_samples, n_features)) * scales) @ rotation
    X += offset * rng.uniform(0.5, 1.5, size=n_features)
    return X.astype(np.float32)


def peak_memory(func):
    """Peak traced allocation (bytes) of one call of `func`."""
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def identity_error(X_w):
    """max |cov(X_w) - I| in float64 (ddof=1, as both estimators use)."""
    cov = np.cov(X_w.astype(np.float64), rowvar=False)
    return float(np.abs(cov - np.eye(cov.shape[0])).max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--n-samples", type=int, default=50000)
    parser.add_argument("--n-features", type=int, default=384)
    parser.add_argument("--offset", type=float, default=10.0)
    parser.add_argument(
        "--n-components", type=int, nargs="+", default=[0, 32], help="0 means all"
    )
    parser.add_argument(
        "--timer",
        choices=["wall", "cpu"],
        default="wall",
        help="cpu (process time) is steadier on a shared machine; use it with "
        "OPENBLAS_NUM_THREADS=1, as it adds up the time of every thread",
    )
    args = parser.parse_args()
    timer = time.perf_counter if args.timer == "wall" else time.process_time
    X = make_offset_embeddings(args.n_samples, args.n_features, args.offset)
    print(
        f"X: {X.shape[0]} x {X.shape[1]} float32, offset {args.offset:g}; "
        f"fit_transform, {args.timer} time, best of {args.repeat} interleaved "
        f"runs ({max(1, args.repeat // 3)} for the full SVD); ratio = time / time "
        "of PCA(covariance_eigh)\n"
    )
    met = True
    for k in args.n_components:
        n_components = None if k == 0 else k
        candidates = [
            (
                'PCA(whiten=True, svd_solver="covariance_eigh")',
                lambda n=n_components: PCA(
                    n, whiten=True, svd_solver="covariance_eigh"
                ).fit_transform(X),
            ),
            (
                'PCA(whiten=True, svd_solver="full")',
                lambda n=n_components: PCA(
                    n, whiten=True, svd_solver="full"
                ).fit_transform(X),
            ),
            (
                f"Whitener(n_components={n_components})",
                lambda n=n_components: Whitener(n).fit_transform(X),
            ),
        ]
        # Interleaved repeats, so that a change of load on a shared machine
        # hits every candidate alike; the slow full SVD runs fewer times.
        outputs = [func() for _, func in candidates]  # warm-up, and the outputs
        times = [[] for _ in candidates]
        for r in range(args.repeat):
            for i, (_, func) in enumerate(candidates):
                if i != 1 or r < max(1, args.repeat // 3):
                    start = timer()
                    func()
                    times[i].append(timer() - start)
        rows = [
            (name, min(seconds), peak_memory(func), identity_error(X_w))
            for (name, func), seconds, X_w in zip(candidates, times, outputs)
        ]
        t_ref = rows[0][1]
        print(f"n_components={n_components}")
        print(
            f"{'method':<48} {'time [s]':>9} {'ratio':>6} {'peak [MiB]':>11} "
            f"{'max|cov-I|':>11}"
        )
        for name, seconds, peak, err in rows:
            print(
                f"{name:<48} {seconds:>9.3f} {seconds / t_ref:>6.2f} "
                f"{peak / 2**20:>11.1f} {err:>11.1e}"
            )
        ratio = rows[2][1] / t_ref
        speedup = rows[1][1] / rows[2][1]
        ok = ratio <= TARGET and rows[2][3] < 1e-3
        met = met and ok
        print(
            f"Whitener: {ratio:.2f}x covariance_eigh (target <= {TARGET}), "
            f"{speedup:.1f}x faster than full; accuracy < 1e-3: "
            f"{rows[2][3] < 1e-3}; target met: {ok}\n"
        )
    print(f"1.2x target met for every n_components: {met}")


if __name__ == "__main__":
    main()
