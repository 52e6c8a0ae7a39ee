"""``compare``: rank post-processing x similarity choices by cross-validation."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from pathlib import Path

import numpy as np

from sklearn_cosim._cli import (
    CLIError,
    check_figure_path,
    check_output_path,
    progress,
)
from sklearn_cosim._cli._io import FORMATS as _FORMATS
from sklearn_cosim._cli._io import load_array, load_table


def _check_finite(X, what):
    if X.dtype.kind not in "fiub":
        raise CLIError(f"{what} must be numeric, got dtype {X.dtype}")
    if not np.all(np.isfinite(X)):
        raise CLIError(f"{what} contains NaN or infinite values")


def _load_task_data(args):
    """Return (X, y, description) for the task."""
    task = args.task
    if args.data is None:
        if args.labels or args.pairs or args.scores:
            raise CLIError("--labels, --pairs and --scores need --data")
        return _builtin(task, args.builtin, args.quick)
    with progress(f"reading {args.data}", quiet=args.quiet):
        X, y_in_file = load_table(args.data, "data", args.label_column)
    if X.ndim != 2:
        raise CLIError(f"--data must be a 2-D array, got shape {X.shape}")
    _check_finite(X, "--data")
    X = X.astype(np.float64)
    if task == "pairs":
        if args.pairs is None or args.scores is None:
            raise CLIError(
                "--task pairs with --data needs --pairs (n_pairs x 2 row indices "
                "into --data) and --scores (one judgement per pair)"
            )
        pairs = load_array(args.pairs, "pairs")
        scores = load_array(args.scores, "scores")
        if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.dtype.kind not in "iuf":
            raise CLIError(
                f"--pairs must be an n_pairs x 2 array of row indices, got shape "
                f"{pairs.shape}"
            )
        if pairs.dtype.kind == "f" and not np.all(pairs == np.round(pairs)):
            raise CLIError("--pairs must hold integer row indices")
        pairs = pairs.astype(np.int64)
        if pairs.min() < 0 or pairs.max() >= X.shape[0]:
            raise CLIError(
                f"--pairs indices must be in [0, {X.shape[0] - 1}] (rows of --data)"
            )
        scores = np.ravel(scores)
        if scores.dtype.kind not in "iuf" or len(scores) != len(pairs):
            raise CLIError(
                f"--scores must hold one number per pair ({len(pairs)}), got "
                f"{len(scores)} values of dtype {scores.dtype}"
            )
        _check_finite(scores, "--scores")
        Xp = np.hstack([X[pairs[:, 0]], X[pairs[:, 1]]])
        return Xp, scores.astype(np.float64), f"{args.data} ({len(pairs)} pairs)"
    if args.pairs or args.scores:
        raise CLIError("--pairs and --scores are for --task pairs")
    # _check_args made sure that one of them is given
    y = y_in_file if y_in_file is not None else load_array(args.labels, "labels")
    if y.ndim == 2 and 1 in y.shape:
        y = y.ravel()
    if y.ndim != 1 or len(y) != len(X):
        raise CLIError(
            f"--labels must hold one label per row of --data ({len(X)}), got "
            f"shape {y.shape}"
        )
    return X, y, f"{args.data} ({X.shape[0]} x {X.shape[1]})"


def _builtin(task, name, quick):
    from sklearn_cosim.model_selection._synthetic import (
        _make_class_embeddings,
        _make_similarity_pairs,
    )

    if task == "pairs":
        n = 200 if quick else 600
        X, y = _make_similarity_pairs(n_pairs=n, n_features=32, random_state=0)
        return X, y, f"generated embedding pairs ({n} pairs, 32 dimensions)"
    if name == "embeddings":
        n = 300 if quick else 1200
        X, y = _make_class_embeddings(n_samples=n, n_features=64, random_state=0)
        return X, y, f"generated anisotropic embeddings ({n} x 64, 6 classes)"
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    source = "scikit-learn digits (1797 images, 64 pixels)"
    if quick:
        X, y = X[:600], y[:600]
        source += ", first 600"
    return X, y, source


def format_table(results):
    """The ranked results of ``compare_similarities`` as text.

    The selected candidate is marked with ``*`` after its rank; ``tied``
    says which candidates are not significantly different from it.
    """
    cols = results.columns if hasattr(results, "columns") else list(results)
    scores = [c[len("mean_test_") :] for c in cols if c.startswith("mean_test_")]
    labels = [str(c) for c in results["candidate"]]
    width = max(len("candidate"), *(len(s) for s in labels))
    cells = {
        s: [
            f"{m:.4f} ± {d:.4f}"
            for m, d in zip(results[f"mean_test_{s}"], results[f"std_test_{s}"])
        ]
        for s in scores
    }
    if "mean_threshold" in cols:
        scores.append("threshold")
        cells["threshold"] = [
            f"{m:.4g} ± {d:.2g}"
            for m, d in zip(results["mean_threshold"], results["std_threshold"])
        ]
    score_w = {s: max(len(s), *(len(c) for c in cells[s])) for s in scores}
    selected = results["selected"] if "selected" in cols else [False] * len(labels)
    tied = results["tied"] if "tied" in cols else None
    head = f"{'rank':>5}  {'candidate':<{width}}"
    head += "".join(f"  {s:>{score_w[s]}}" for s in scores)
    head += "   tied" if tied is not None else ""
    head += f"  {'fit (s)':>8}  {'score (s)':>9}"
    lines = [head, "-" * len(head)]
    fit, score = results["mean_fit_time"], results["mean_score_time"]
    for i, label in enumerate(labels):
        mark = "*" if selected[i] else " "
        line = f"{int(results['rank'][i]):>4} {mark} {label:<{width}}"
        line += "".join(f"  {cells[s][i]:>{score_w[s]}}" for s in scores)
        if tied is not None:
            line += f"  {'yes' if tied[i] else 'no':>5}"
        line += f"  {float(fit[i]):>8.3f}  {float(score[i]):>9.3f}"
        lines.append(line)
    return "\n".join(lines)


def _write_csv(results, path):
    path = Path(path)
    cols = [c for c in (list(results.keys())) if c != "params"]
    try:
        import csv

        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(cols)
            for i in range(len(results["rank"])):
                writer.writerow([_plain(results[c][i]) for c in cols])
    except OSError as exc:
        raise CLIError(f"cannot write {str(path)!r}: {exc.strerror}") from None


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _bar_figure(results, title):
    """Bar chart of the first score, its axis from 0 (losses shown positive)."""
    import matplotlib.pyplot as plt

    cols = list(results.keys())
    score = next(c for c in cols if c.startswith("mean_test_"))
    name = score[len("mean_test_") :]
    labels = [str(c) for c in results["candidate"]][::-1]
    mean = np.asarray(results[score], dtype=float)[::-1]
    std = np.asarray(results[f"std_test_{name}"], dtype=float)[::-1]
    xlabel = f"{name} (mean ± std over folds)"
    if name.startswith("neg_"):  # a loss: plot it positive, lower is better
        mean = -mean
        xlabel = f"{name[4:]} (mean ± std over folds, lower is better)"
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(labels) + 1.2))
    ax.barh(np.arange(len(labels)), mean, xerr=std, color="tab:blue", alpha=0.8)
    ax.set_yticks(np.arange(len(labels)), labels, fontsize=8)
    finite = np.isfinite(mean)
    low = float(np.min(mean[finite] - std[finite])) if finite.any() else 0.0
    ax.set_xlim(min(0.0, low - 0.05 * abs(low)), None)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def _plot(results, path, title):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError("--plot needs matplotlib: pip install matplotlib") from None
    fig = _bar_figure(results, title)
    try:
        fig.savefig(path)
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot write plot {str(path)!r}: {exc}") from None
    finally:
        plt.close(fig)


def _check_args(args):
    """Refuse bad options and unwritable outputs before any data is read."""
    if args.cv < 2:
        raise CLIError(f"--cv must be at least 2, got {args.cv}")
    if args.n_neighbors is not None:
        if args.n_neighbors < 1:
            raise CLIError(f"--n-neighbors must be at least 1, got {args.n_neighbors}")
        if args.task == "pairs":
            raise CLIError("--n-neighbors is for --task classification and retrieval")
    if args.builtin is not None and args.data is not None:
        raise CLIError("--builtin is for runs without --data: give one of them")
    args.builtin = "digits" if args.builtin is None else args.builtin
    if args.label_column is not None:
        if args.data is None:
            raise CLIError("--label-column needs --data")
        if args.labels is not None:
            raise CLIError("give the labels once: --labels or --label-column")
        if args.task == "pairs":
            raise CLIError("--label-column is for --task classification and retrieval")
    if (
        args.data is not None
        and args.task != "pairs"
        and args.labels is None
        and args.label_column is None
    ):
        raise CLIError(
            "--data needs --labels (one class label per row), or --label-column "
            "if a column of --data holds them"
        )
    if args.output:
        args.output = str(check_output_path(args.output, "--output"))
    if args.plot:
        args.plot = str(check_figure_path(args.plot, "--plot"))


def _check_task_data(args, y):
    """Refuse, before cross-validating, what would make every score NaN."""
    if args.task == "pairs":
        if len(y) < 2 * args.cv:
            raise CLIError(f"need at least {2 * args.cv} pairs for --cv={args.cv}")
        return
    _, counts = np.unique(y, return_counts=True)
    if counts.min() < args.cv:
        raise CLIError(
            f"every class needs at least --cv={args.cv} samples; the smallest "
            f"has {counts.min()}"
        )
    if args.task == "classification":
        from sklearn.model_selection import StratifiedKFold

        # The fold sizes do not depend on the shuffling (only which samples).
        folds = StratifiedKFold(n_splits=args.cv).split(np.zeros(len(y)), y)
        n_train = min(len(train) for train, _ in folds)
        k = 5 if args.n_neighbors is None else args.n_neighbors
        if k > n_train:
            given = "" if args.n_neighbors is not None else " (the default)"
            raise CLIError(
                f"--n-neighbors={k}{given} is more than the {n_train} training "
                f"samples of the smallest fold with --cv={args.cv}: use at most "
                f"{n_train}"
            )


#: Short names of the default grids' preprocessors, for ``--candidates``.
_SHORT = {
    "MeanCenterer": "center",
    "PrincipalComponentRemover": "pcr",
    "Whitener": "whiten",
    "LayerNormalizer": "layernorm",
}


def candidate_name(candidate):
    """Short name of a candidate for ``--candidates``, e.g. ``center+cosine``."""
    pre = candidate.get("preprocessor")
    pre = "none" if pre is None or isinstance(pre, str) else type(pre).__name__
    metric = candidate.get("metric", "cosine")
    metric = metric if isinstance(metric, str) else getattr(metric, "__name__", "?")
    name = f"{_SHORT.get(pre, pre.lower())}+{metric}"
    if candidate.get("hubness") is not None:
        name += f"+{candidate['hubness']}"
    return name


def _select_candidates(grid, patterns):
    """The candidates of `grid` whose short name matches one of `patterns`."""
    from fnmatch import fnmatchcase

    from sklearn.model_selection import ParameterGrid

    candidates = list(ParameterGrid(grid))
    if patterns is None:
        return grid
    names = [candidate_name(c) for c in candidates]
    chosen = set()
    for pattern in (p.strip() for p in patterns.split(",")):
        hits = {i for i, n in enumerate(names) if fnmatchcase(n, pattern)}
        if not pattern or not hits:
            raise CLIError(
                f"--candidates: {pattern!r} matches no candidate; the grid has "
                + ", ".join(dict.fromkeys(names))
            )
        chosen |= hits
    return [{k: [v] for k, v in candidates[i].items()} for i in sorted(chosen)]


def _public_module(cls):
    """The public module that exports `cls` (its module without private parts)."""
    import importlib

    parts = cls.__module__.split(".")
    for end in range(1, len(parts) + 1):
        if parts[end - 1].startswith("_"):
            break
        module = ".".join(parts[:end])
        if getattr(importlib.import_module(module), cls.__name__, None) is cls:
            return module
    return cls.__module__


def _code(obj, imports):
    """Python source that rebuilds `obj` (estimators with changed parameters)."""
    import inspect

    from sklearn.base import BaseEstimator

    if isinstance(obj, BaseEstimator):
        cls = type(obj)
        imports.add((_public_module(cls), cls.__name__))
        signature = inspect.signature(cls.__init__).parameters
        args = []
        for key, value in obj.get_params(deep=False).items():
            default = signature[key].default if key in signature else None
            if repr(value) != repr(default):
                args.append(f"{key}={_code(value, imports)}")
        return f"{cls.__name__}({', '.join(args)})"
    if isinstance(obj, (list, tuple)):
        inner = ", ".join(_code(v, imports) for v in obj)
        if isinstance(obj, tuple):
            return f"({inner},)" if len(obj) == 1 else f"({inner})"
        return f"[{inner}]"
    if isinstance(obj, dict):
        items = ", ".join(f"{k!r}: {_code(v, imports)}" for k, v in obj.items())
        return "{" + items + "}"
    return repr(obj.item() if isinstance(obj, np.generic) else obj)


def python_code(estimator):
    """Python source (imports and ``model = ...``) that rebuilds `estimator`."""
    imports = set()
    body = _code(estimator, imports)
    lines = [f"from {module} import {name}" for module, name in sorted(imports)]
    return "\n".join([*lines, "", f"model = {body}"])


def _selected_estimator(args, params, binary):
    from sklearn.base import clone

    from sklearn_cosim.model_selection._compare import _estimator, _full_params

    n_neighbors = args.n_neighbors
    if n_neighbors is None:
        n_neighbors = 10 if args.task == "retrieval" else 5
    estimator = _estimator(args.task, n_neighbors, binary)
    return clone(estimator).set_params(**_full_params(estimator, params))


def _report_selection(results, args, binary):
    """Print the selected candidate, how it was chosen, and how to rebuild it."""
    i = int(np.flatnonzero(results["selected"])[0])
    rule = {
        "one-se": "the simplest candidate within one standard error of the best",
        "best": "the best mean score",
    }[args.selection]
    n_tied = int(np.sum(results["tied"])) - 1
    print(f"\nselected (*): {results['candidate'][i]} ({rule}; --selection)")
    print(
        f"{n_tied} other candidate(s) tied with it (corrected paired t-test on "
        "the folds, p >= 0.05)"
    )
    estimator = _selected_estimator(args, results["params"][i], binary)
    print("\nRebuild it in Python:\n")
    code = python_code(estimator).splitlines()
    print("\n".join(f"    {line}" if line else "" for line in code))


def _selection_options(args, grid):
    """Keyword arguments shared by compare_similarities and the nested CV."""
    return {
        "task": args.task,
        "candidates": grid,
        "cv": args.cv,
        "n_neighbors": args.n_neighbors,
        "selection": args.selection.replace("-", "_"),
        "n_jobs": args.n_jobs,
        "random_state": args.random_state,
    }


def _report_nested(X, y, grid, args):
    from sklearn_cosim.model_selection import cross_validate_selection

    nested = cross_validate_selection(X, y, **_selection_options(args, grid))
    name = next(k for k in nested if k.startswith("mean_test_"))[len("mean_test_") :]
    print(
        f"\nnested {args.cv}-fold CV estimate of the whole selection: {name} "
        f"{nested[f'mean_test_{name}']:.4f} ± {nested[f'std_test_{name}']:.4f}"
    )
    print("selected in the outer folds: " + "; ".join(nested["selected"]))


def _as_list(grid):
    return grid if isinstance(grid, list) else [grid]


def _binary_pairs(y, args):
    """Whether pair labels are binary (similar or not); each class needs --cv."""
    if args.task != "pairs" or np.unique(y).size != 2:
        return False
    counts = np.unique(y, return_counts=True)[1]
    if counts.min() < args.cv:
        raise CLIError(
            f"binary pair labels: each class needs at least --cv={args.cv} pairs; "
            f"the smallest has {counts.min()}"
        )
    return True


def run(args):
    """Run the comparison and print the ranked table."""
    from sklearn_cosim.model_selection import compare_similarities, default_grid

    _check_args(args)
    X, y, source = _load_task_data(args)
    _check_task_data(args, y)
    binary = _binary_pairs(y, args)
    if args.objective is not None and not binary:
        raise CLIError("--objective is for --task pairs with binary labels")
    grid = _select_candidates(
        default_grid(args.task, quick=args.quick), args.candidates
    )
    if binary and args.objective is not None:
        grid = [{**g, "objective": [args.objective]} for g in _as_list(grid)]
    what = {
        "classification": "k-NN accuracy",
        "retrieval": "same-class retrieval",
        "pairs": "rank correlation with the judgements",
    }[args.task]
    if binary:
        what = "similar or not: calibrated probabilities and tuned thresholds"
    title = f"{what}, {args.cv}-fold CV, on {source}"
    print(title, flush=True)
    try:
        results = compare_similarities(
            X,
            y,
            **_selection_options(args, grid),
            verbose=0 if args.quiet else 2,
            as_frame=False,
        )
    except ValueError as exc:
        raise CLIError(" ".join(str(exc).split())) from None
    print(format_table(results))
    _report_selection(results, args, binary)
    if args.nested:
        _report_nested(X, y, grid, args)
    if args.output:
        _write_csv(results, args.output)
        print(f"results written to {args.output}")
    if args.plot:
        _plot(results, args.plot, title)
        print(f"plot written to {args.plot}")
    return 0


def add_parser(subparsers):
    """Add the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare",
        help="rank post-processing x similarity choices by cross-validation",
        description=(
            "Cross-validate every combination of post-processing (none, "
            "centering, PC removal, whitening, layer norm) and similarity "
            "measure (and hubness reduction, when available) and print them "
            "ranked. Without --data, uses built-in data (no download): "
            "scikit-learn's digits, or generated embeddings."
        ),
    )
    parser.add_argument("--data", help=f"embeddings, one per row: {_FORMATS}")
    parser.add_argument("--labels", help="class labels, one per row of --data")
    parser.add_argument(
        "--label-column",
        metavar="COLUMN",
        help="the column of --data that holds the class labels (a header name, "
        "or a number from 0, negative from the end); it is not used as a "
        "feature",
    )
    parser.add_argument(
        "--pairs", help="--task pairs: n_pairs x 2 row indices into --data"
    )
    parser.add_argument("--scores", help="--task pairs: one judgement per pair")
    parser.add_argument(
        "--task",
        choices=("classification", "retrieval", "pairs"),
        default="classification",
        help="k-NN classification (default), same-class retrieval, or pair "
        "similarity judgements",
    )
    parser.add_argument(
        "--builtin",
        choices=("digits", "embeddings"),
        default=None,
        help="built-in data when there is no --data: digits (default) or "
        "embeddings (classification, retrieval)",
    )
    parser.add_argument("--cv", type=int, default=5, help="number of folds (5)")
    parser.add_argument(
        "--n-neighbors",
        type=int,
        default=None,
        help="voting neighbours (5) or retrieval cut-off k (10)",
    )
    parser.add_argument(
        "--candidates",
        help="a subset of the grid: comma-separated short names or patterns "
        "(preprocessor+measure[+hubness], e.g. 'none+cosine,center+*'); the "
        "preprocessors are none, center, pcr, whiten, layernorm",
    )
    parser.add_argument(
        "--selection",
        choices=("one-se", "best"),
        default="one-se",
        help="select the simplest candidate within one standard error of the "
        "best (one-se, default) or the best mean (best)",
    )
    parser.add_argument(
        "--objective",
        choices=("balanced_accuracy", "accuracy", "f1", "recall_at_precision"),
        default=None,
        help="binary --task pairs: what the similarity threshold maximises "
        "(balanced_accuracy)",
    )
    parser.add_argument(
        "--nested",
        action="store_true",
        help="also estimate the selected candidate's score by nested CV "
        "(slower: --cv times the work)",
    )
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="parallel jobs over the folds (-1: all cores)",
    )
    parser.add_argument(
        "--random-state",
        type=int,
        default=0,
        help="seed of the folds (0)",
    )
    parser.add_argument("--output", help="write the table to this .csv file")
    parser.add_argument("--plot", help="save a bar chart (e.g. results.png)")
    parser.add_argument(
        "--quick", action="store_true", help="smaller data and grid (smoke test)"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress lines on stderr"
    )
    parser.set_defaults(func=run)
    return parser
