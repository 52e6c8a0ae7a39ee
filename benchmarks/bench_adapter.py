"""Benchmark: LinearAdapter against NeighborhoodComponentsAnalysis on the same folds.

For each fold of a stratified k-fold split, fits on the training part and
scores 5-NN accuracy on the held-out part:

- raw cosine 5-NN (no map);
- scikit-learn's ``NeighborhoodComponentsAnalysis`` with its defaults
  (``max_iter=50``, on the full training fold) followed by Euclidean 5-NN
  (its own objective) and by cosine 5-NN;
- ``LinearAdapter`` with its defaults (``alpha="auto"``, ``init="auto"``;
  L-BFGS up to 2,048 training samples, L-BFGS on a subsample then minibatch
  Adam above) followed by cosine 5-NN, one row per ``--alphas`` value.

Datasets: scikit-learn's built-in digits, and generated embeddings of
``--n-samples x --n-features`` (default 20,000 x 384) whose classes differ in
low-variance directions under loud ones. It prints the table, the start and
decay the adapter chose per fold, and the ratios adapter / NCA of accuracy
(against NCA's better distance) and of fit time, measured in the same run.
NCA costs ``O(n²)`` memory and time per iteration (n x n float64 arrays of
1.4 GB and 30-120 s per iteration on the 13,333-row training folds);
``--skip-nca-above`` skips it.

Targets (issue 15): adapter accuracy >= NCA's, adapter fit time <= NCA's.
Measured with the defaults, 3 folds (2 CPU cores shared with other jobs, so
the times are only comparable within a run; ratio = adapter / NCA; per fold
the digits time ratio was 0.65, 0.78 and 1.0):

=======================  ==========  ==========  ========  ==========  ==========
dataset                  raw cosine  NCA (best)  adapter   accuracy    fit time
                                                           ratio       ratio
=======================  ==========  ==========  ========  ==========  ==========
digits, 1,797 x 64       0.983       0.982       0.985     1.003       0.75
generated, 20,000 x 384  0.114       0.118       1.000     8.47        0.050
=======================  ==========  ==========  ========  ==========  ==========

On digits the adapter kept the identity start (``alpha_`` = 3.42, 8 L-BFGS
iterations; 3.0 s against NCA's 4.0 s, 3 to 5 iterations); with
``alpha=1.0`` it scored 0.978 (ratio 0.996) in 1.03 times NCA's time. On the
generated data it chose the ``"lda"`` start (``alpha_`` = 11.1; 36 s per
fold), while full NCA on the 13,333-row training folds took 524 to 1,094 s
(9 to 19 iterations, several GB of n x n arrays) and stayed at chance.

Run: ``python benchmarks/bench_adapter.py [--n-samples 20000] [--folds 3]``
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis

from sklearn_cosim.adapters import LinearAdapter


def make_quiet_classes(n_samples, n_features, n_classes, random_state):
    """Classes separated along quiet directions, under loud noise and an offset."""
    rng = np.random.default_rng(random_state)
    y = np.arange(n_samples) % n_classes
    half = n_features // 2
    scales = np.where(np.arange(n_features) < half, 10.0, 1.0)
    X = rng.normal(size=(n_samples, n_features)) * scales + 3.0
    X[:, half:] += 0.5 * rng.normal(size=(n_classes, n_features - half))[y]
    return X.astype(np.float32), y


def knn_accuracy(train, y_train, test, y_test, metric):
    knn = KNeighborsClassifier(5, metric=metric, algorithm="brute")
    return knn.fit(train, y_train).score(test, y_test)


def run(name, X, y, args):
    rows = {}

    def add(method, accuracy, seconds):
        rows.setdefault(method, ([], []))
        rows[method][0].append(accuracy)
        rows[method][1].append(seconds)

    folds = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    for fold, (train, test) in enumerate(folds.split(X, y)):
        X_tr, X_te, y_tr, y_te = X[train], X[test], y[train], y[test]
        add("raw cosine", knn_accuracy(X_tr, y_tr, X_te, y_te, "cosine"), 0.0)

        for alpha in args.alphas:
            start = time.perf_counter()
            adapter = LinearAdapter(alpha=alpha, random_state=0).fit(X_tr, y_tr)
            seconds = time.perf_counter() - start
            Z_tr, Z_te = adapter.transform(X_tr), adapter.transform(X_te)
            label = f"LinearAdapter (alpha={alpha})"
            add(label, knn_accuracy(Z_tr, y_tr, Z_te, y_te, "cosine"), seconds)
            print(
                f"  fold {fold}: {label}: init_={adapter.init_!r}, "
                f"alpha_={adapter.alpha_:.3g}, {adapter.effective_solver_}, "
                f"{adapter.n_iter_} iterations, {seconds:.1f} s",
                flush=True,
            )

        if len(train) > args.skip_nca_above:
            continue
        start = time.perf_counter()
        nca = NeighborhoodComponentsAnalysis(random_state=0).fit(X_tr, y_tr)
        seconds = time.perf_counter() - start
        print(
            f"  fold {fold}: NCA {nca.n_iter_} iterations, {seconds:.1f} s", flush=True
        )
        Z_tr, Z_te = nca.transform(X_tr), nca.transform(X_te)
        add("NCA + euclidean", knn_accuracy(Z_tr, y_tr, Z_te, y_te, "euclidean"),
            seconds)  # fmt: skip
        add("NCA + cosine", knn_accuracy(Z_tr, y_tr, Z_te, y_te, "cosine"), seconds)

    print(f"\n{name}: {X.shape[0]} x {X.shape[1]}, {args.folds} folds, 5-NN accuracy")
    print(f"{'method':<34} {'accuracy':>16} {'fit time (s)':>13}")
    for method, (accuracies, seconds) in rows.items():
        acc = f"{np.mean(accuracies):.3f} ± {np.std(accuracies):.3f}"
        print(f"{method:<34} {acc:>16} {np.mean(seconds):>13.2f}")
    if "NCA + euclidean" not in rows:
        return
    nca_accuracy = max(np.mean(rows[m][0]) for m in ("NCA + euclidean", "NCA + cosine"))
    nca_seconds = np.mean(rows["NCA + euclidean"][1])
    for alpha in args.alphas:
        accuracies, seconds = rows[f"LinearAdapter (alpha={alpha})"]
        print(
            f"ratio adapter (alpha={alpha}) / NCA's best: accuracy "
            f"{np.mean(accuracies) / nca_accuracy:.4f}, fit time "
            f"{np.mean(seconds) / nca_seconds:.3f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--n-features", type=int, default=384)
    parser.add_argument("--n-classes", type=int, default=10)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument(
        "--alphas",
        type=lambda text: [a if a == "auto" else float(a) for a in text.split(",")],
        default=["auto"],
        help="comma-separated alphas of the adapter, one row each (default: auto)",
    )
    parser.add_argument("--skip-nca-above", type=int, default=10**9)
    parser.add_argument(
        "--datasets", default="digits,generated", help="digits, generated or both"
    )
    args = parser.parse_args()

    if "digits" in args.datasets:
        X, y = load_digits(return_X_y=True)
        run("digits (built-in)", X, y, args)
    if "generated" in args.datasets:
        X, y = make_quiet_classes(args.n_samples, args.n_features, args.n_classes, 0)
        run("generated, quiet-direction classes", X, y, args)


if __name__ == "__main__":
    main()
