"""``compare``: cross-validated k-NN accuracy of every similarity measure."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, cross_validate

from sklearn_cosim._cli import CLIError
from sklearn_cosim.neighbors import SimilarityKNeighborsClassifier


def default_candidates(X):
    """(label, metric, metric_params) of every built-in measure for data `X`.

    The soft cosine uses the feature correlation matrix as term similarity
    (symmetric, positive semi-definite, unit diagonal).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(X, rowvar=False)
    corr = np.nan_to_num(corr, nan=0.0)
    np.fill_diagonal(corr, 1.0)
    return [
        ("cosine", "cosine", None),
        ("dot", "dot", None),
        ("euclidean", "euclidean", None),
        ("sqeuclidean", "sqeuclidean", None),
        ("angular", "angular", None),
        ("soft_cosine (S = feature correlation)", "soft_cosine", {"S": corr}),
        ("scaled_cosine alpha=0.9", "scaled_cosine", {"alpha": 0.9}),
        ("wrd lam=1", "wrd", {"lam": 1.0}),
        ("radial_cosine beta=0.5", "radial_cosine", {"beta": 0.5}),
    ]


def _load(path, what):
    path = Path(path)
    if not path.exists():
        raise CLIError(f"{what} file {str(path)!r} does not exist")
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                return data[data.files[0]]
        if path.suffix in (".csv", ".txt"):
            return np.loadtxt(path, delimiter="," if path.suffix == ".csv" else None)
    except (ValueError, OSError) as exc:
        raise CLIError(f"cannot read {what} file {str(path)!r}: {exc}") from None
    raise CLIError(f"{what} file {str(path)!r}: use .npy, .npz, .csv or .txt")


def compare_measures(X, y, *, cv=5, n_neighbors=5, candidates=None, progress=None):
    """Cross-validate a k-NN classifier with each measure; rows sorted by score.

    Returns a list of dicts with keys ``rank``, ``measure``, ``mean``,
    ``std`` and ``seconds``.
    """
    candidates = default_candidates(X) if candidates is None else candidates
    splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=0)
    rows = []
    for step, (label, metric, params) in enumerate(candidates, start=1):
        if progress is not None:
            progress(f"[{step}/{len(candidates)}] {label}")
        clf = SimilarityKNeighborsClassifier(
            n_neighbors=n_neighbors, metric=metric, metric_params=params
        )
        start = time.perf_counter()
        scores = cross_validate(clf, X, y, cv=splitter)["test_score"]
        rows.append(
            {
                "measure": label,
                "mean": float(scores.mean()),
                "std": float(scores.std()),
                "seconds": time.perf_counter() - start,
            }
        )
    rows.sort(key=lambda r: -r["mean"])
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def format_table(rows):
    """The ranked table as text."""
    width = max(len("measure"), *(len(r["measure"]) for r in rows))
    lines = [f"{'rank':>4}  {'measure':<{width}}  {'accuracy':>17}  {'time (s)':>8}"]
    lines.append("-" * len(lines[0]))
    for r in rows:
        acc = f"{r['mean']:.4f} ± {r['std']:.4f}"
        lines.append(
            f"{r['rank']:>4}  {r['measure']:<{width}}  {acc:>17}  {r['seconds']:>8.2f}"
        )
    return "\n".join(lines)


def run(args):
    """Run the comparison and print the ranked table."""
    if args.cv < 2:
        raise CLIError(f"--cv must be at least 2, got {args.cv}")
    if args.n_neighbors < 1:
        raise CLIError(f"--n-neighbors must be at least 1, got {args.n_neighbors}")
    if args.data is None:
        X, y = load_digits(return_X_y=True)
        source = "scikit-learn digits (1797 images, 64 pixels)"
        if args.quick:
            X, y = X[:600], y[:600]
            source += ", first 600"
    else:
        if args.labels is None:
            raise CLIError("--data needs --labels (one class label per row)")
        X, y = _load(args.data, "data"), _load(args.labels, "labels")
        if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
            raise CLIError(
                f"--data must be 2-D and --labels 1-D of the same length; got "
                f"shapes {X.shape} and {y.shape}"
            )
        source = f"{args.data} ({X.shape[0]} x {X.shape[1]})"
    print(f"k-NN accuracy (k={args.n_neighbors}, {args.cv}-fold CV) on {source}")
    rows = compare_measures(
        np.asarray(X, dtype=np.float64),
        y,
        cv=args.cv,
        n_neighbors=args.n_neighbors,
        progress=lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    print(format_table(rows))
    return 0


def add_parser(subparsers):
    """Add the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare",
        help="rank similarity measures by cross-validated k-NN accuracy",
        description=(
            "Rank every similarity measure by the cross-validated accuracy of a "
            "k-nearest-neighbour classifier. Without --data, uses scikit-learn's "
            "digits data set (no download)."
        ),
    )
    parser.add_argument("--data", help="samples: .npy, .npz, .csv or .txt file")
    parser.add_argument("--labels", help="class labels, one per row of --data")
    parser.add_argument("--cv", type=int, default=5, help="number of folds (5)")
    parser.add_argument(
        "--n-neighbors", type=int, default=5, help="neighbours that vote (5)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smaller built-in set (smoke test)"
    )
    parser.set_defaults(func=run)
    return parser
