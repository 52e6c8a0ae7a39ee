"""Benchmark: the Figure-1 generator and LinearAutoencoder at the paper's size.

Times ``make_clustered_interactions`` at 20,000 users x 1,000 items and
fitting objective (1) with ``n_components=50`` for each solver, against what a
user would otherwise run in the same process: ``numpy.linalg.svd`` of the dense
matrix and scikit-learn's ``TruncatedSVD`` (randomized and arpack). Ratios are
times relative to the numpy SVD.

Run: ``python benchmarks/bench_linear_autoencoder.py [--repeat 3]``
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
from sklearn.decomposition import TruncatedSVD

from sklearn_cosim.datasets import make_clustered_interactions
from sklearn_cosim.decomposition import LinearAutoencoder


def best_time(func, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n-users", type=int, default=20000)
    parser.add_argument("--n-items", type=int, default=1000)
    parser.add_argument("--n-components", type=int, default=50)
    args = parser.parse_args()
    k, alpha = args.n_components, 1e4

    t_gen, (X, _, _) = best_time(
        lambda: make_clustered_interactions(args.n_users, args.n_items, random_state=0),
        args.repeat,
    )
    print(
        f"make_clustered_interactions({args.n_users}, {args.n_items}): "
        f"{t_gen:.3f} s, nnz={X.nnz} ({X.nnz / np.prod(X.shape):.1%} dense)\n"
    )

    X_dense = X.toarray()

    def numpy_reference():
        _, s, Vt = np.linalg.svd(X_dense, full_matrices=False)
        V = Vt[:k].T
        return V * np.sqrt(s[:k] ** 2 / (s[:k] ** 2 + alpha))

    t_ref, B_ref = best_time(numpy_reference, args.repeat)
    rows = [("numpy.linalg.svd (dense) + closed form", t_ref, None)]
    for solver in ["auto", "covariance_eigh", "randomized", "arpack", "full"]:
        model = LinearAutoencoder(k, alpha=alpha, svd_solver=solver, random_state=0)
        t, fitted = best_time(lambda m=model: m.fit(X), args.repeat)
        product = fitted.encoder_ @ fitted.decoder_.T
        err = np.abs(product - B_ref @ B_ref.T).max()
        rows.append((f"LinearAutoencoder(svd_solver={solver!r})", t, err))
    for algorithm in ["randomized", "arpack"]:
        tsvd = TruncatedSVD(k, algorithm=algorithm, random_state=0)
        t, _ = best_time(lambda m=tsvd: m.fit(X), args.repeat)
        rows.append((f"sklearn TruncatedSVD(algorithm={algorithm!r})", t, None))

    print(f"fit, n_components={k}, alpha={alpha:g} (best of {args.repeat})")
    print(f"{'method':<48} {'time [s]':>9} {'ratio':>7} {'max|ΔABᵀ|':>10}")
    for name, t, err in rows:
        err_text = "" if err is None else f"{err:.1e}"
        print(f"{name:<48} {t:>9.3f} {t / t_ref:>7.2f} {err_text:>10}")


if __name__ == "__main__":
    main()
