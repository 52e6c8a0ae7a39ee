"""``compare``: rank post-processing x similarity choices by cross-validation."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from pathlib import Path

import numpy as np

from sklearn_cosim._cli import CLIError

_FORMATS = ".npy, .npz, .csv, .txt or .parquet"


def _numeric(line):
    try:
        [float(field) for field in line.split(",")]
    except ValueError:
        return False
    return True


def _read_table(path, what):
    """Read a numeric (or, for labels, text) table from a .csv or .txt file.

    A .csv file may start with a header line: a first line that is not
    numeric above numeric lines, or one ``csv.Sniffer`` detects.
    """
    import csv

    skiprows = 0
    if path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8", newline="") as f:
            sample = f.read(16384)
        lines = sample.splitlines()
        if len(lines) >= 2 and not _numeric(lines[0]) and _numeric(lines[1]):
            skiprows = 1
        else:
            try:
                skiprows = int(csv.Sniffer().has_header(sample))
            except csv.Error:
                skiprows = 0
    delimiter = "," if path.suffix.lower() == ".csv" else None
    dtypes = (np.float64,) if what == "data" else (np.float64, str)
    for dtype in dtypes:
        try:
            return np.loadtxt(
                path, delimiter=delimiter, skiprows=skiprows, dtype=dtype, ndmin=1
            )
        except ValueError as exc:
            error = exc
    raise ValueError(str(error).splitlines()[0])


def load_array(path, what="data"):
    """Load an array from .npy, .npz (first array), .csv/.txt or .parquet.

    Errors become a one-line :class:`CLIError`.
    """
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"{what} file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            try:
                data = np.load(path, allow_pickle=False)
            except ValueError as exc:
                if "pickle" not in str(exc):
                    raise
                raise ValueError(
                    "not a NumPy .npy file of numbers (or it holds Python objects)"
                ) from None
        elif suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                if not archive.files:
                    raise ValueError("the archive holds no array")
                data = archive[archive.files[0]]
        elif suffix in (".csv", ".txt"):
            data = _read_table(path, what)
        elif suffix == ".parquet":
            try:
                import pandas as pd

                data = pd.read_parquet(path).to_numpy()
            except ImportError as exc:
                raise CLIError(
                    f"reading .parquet needs pandas and pyarrow ({exc.name} is "
                    "missing): pip install pandas pyarrow"
                ) from None
        else:
            raise CLIError(f"{what} file {str(path)!r}: use {_FORMATS}")
    except CLIError:
        raise
    except Exception as exc:  # any reader error is one line for the user
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise CLIError(f"cannot read {what} file {str(path)!r}: {message}") from None
    if data.dtype == object:
        raise CLIError(f"{what} file {str(path)!r} holds non-numeric objects")
    return data


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
    X = load_array(args.data, "data")
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
    if args.labels is None:
        raise CLIError("--data needs --labels (one class label per row)")
    y = load_array(args.labels, "labels")
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

    if args.cv < 2:
        raise CLIError(f"--cv must be at least 2, got {args.cv}")
    if args.n_neighbors is not None and args.n_neighbors < 1:
        raise CLIError(f"--n-neighbors must be at least 1, got {args.n_neighbors}")
    X, y, source = _load_task_data(args)
    if args.task != "pairs":
        _, counts = np.unique(y, return_counts=True)
        if counts.min() < args.cv:
            raise CLIError(
                f"every class needs at least --cv={args.cv} samples; the smallest "
                f"has {counts.min()}"
            )
    elif len(y) < 2 * args.cv:
        raise CLIError(f"need at least {2 * args.cv} pairs for --cv={args.cv}")
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
        default="digits",
        help="built-in data without --data (classification, retrieval)",
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
