"""Cross-validated comparison of post-processing and similarity choices."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
import time
import warnings
from numbers import Integral
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import (
    KFold,
    ParameterGrid,
    StratifiedKFold,
    cross_validate,
)
from sklearn.pipeline import Pipeline

from sklearn_cosim.metrics._retrieval import get_retrieval_scorer
from sklearn_cosim.model_selection._paired import PairedSimilarity, _correlation
from sklearn_cosim.neighbors import SimilarityKNeighborsClassifier, SimilarityNeighbors
from sklearn_cosim.preprocessing import (
    LayerNormalizer,
    MeanCenterer,
    PrincipalComponentRemover,
    Whitener,
)
from sklearn_cosim.utils._param_validation import (
    Interval,
    StrOptions,
    validate_params,
)
from sklearn_cosim.utils._typing import ArrayLike, RandomStateLike

_TASKS = ("classification", "retrieval", "pairs")

#: Hubness reductions tried by the default grids, when the neighbour
#: estimators support them (their ``hubness`` parameter).
_HUBNESS = ("csls", "mutual_proximity", "local_scaling")


def _has_hubness():
    return "hubness" in SimilarityNeighbors().get_params()


def _pearson(estimator, X, y):
    """Pearson's r of a PairedSimilarity's predictions with `y`."""
    return _correlation(y, estimator.predict(X), "pearson")


def _spearman(estimator, X, y):
    """Spearman's rho of a PairedSimilarity's predictions with `y`."""
    return _correlation(y, estimator.predict(X), "spearman")


@validate_params(
    {"task": [StrOptions(set(_TASKS))], "quick": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def default_grid(task: str = "classification", *, quick: bool = False) -> list[dict]:
    """The default grid of preprocessing x measure (x hubness reduction).

    A list of parameter grids in the format of
    :class:`~sklearn.model_selection.ParameterGrid`, with the short
    parameter names of :func:`compare_similarities`: ``preprocessor``,
    ``metric``, ``metric_params`` and, for the neighbour tasks when the
    neighbour estimators have it, ``hubness``.

    Measures that rank like another one in the grid are left out (angular
    ranks like cosine, sqeuclidean like euclidean). Hubness reductions are
    combined with cosine and the first two preprocessors only.

    Read more in the :ref:`User Guide <model_selection>`.

    Parameters
    ----------
    task : {"classification", "retrieval", "pairs"}, default="classification"
        The task the grid is for.

    quick : bool, default=False
        A small grid (3 preprocessors x 3 measures, no hubness reduction),
        for smoke tests.

    Returns
    -------
    grid : list of dict
        Parameter grids; ``len(ParameterGrid(grid))`` candidates.

    See Also
    --------
    compare_similarities : Runs the grid.

    Examples
    --------
    >>> from sklearn.model_selection import ParameterGrid
    >>> from sklearn_cosim.model_selection import default_grid
    >>> len(ParameterGrid(default_grid("pairs")))
    20
    >>> len(ParameterGrid(default_grid("pairs", quick=True)))
    9
    """
    preprocessors = [None, MeanCenterer(), PrincipalComponentRemover()]
    measures = [("cosine", None), ("dot", None), ("euclidean", None)]
    if not quick:
        preprocessors += [Whitener(), LayerNormalizer()]
        measures.append(("radial_cosine", {"beta": 0.5}))
    grid = [
        {"preprocessor": preprocessors, "metric": [name], "metric_params": [params]}
        for name, params in measures
    ]
    if not quick and task != "pairs" and _has_hubness():
        grid.append(
            {
                "preprocessor": preprocessors[:2],
                "metric": ["cosine"],
                "metric_params": [None],
                "hubness": list(_HUBNESS),
            }
        )
    return grid


def _estimator(task, n_neighbors):
    if task == "pairs":
        return PairedSimilarity()
    final = (
        SimilarityKNeighborsClassifier(n_neighbors=n_neighbors)
        if task == "classification"
        else SimilarityNeighbors(n_neighbors=n_neighbors)
    )
    return Pipeline([("preprocessor", "passthrough"), ("estimator", final)])


def _full_params(estimator, candidate):
    """Map the short names of a candidate to the estimator's parameters."""
    valid = estimator.get_params()
    params = {}
    for key, value in candidate.items():
        if isinstance(estimator, Pipeline):
            if key == "preprocessor":
                value = "passthrough" if value is None else value
            elif key not in valid:
                key = f"estimator__{key}"
        if key not in valid:
            raise ValueError(
                f"candidates: unknown parameter {key!r} for "
                f"{type(estimator).__name__}; use preprocessor, metric, "
                "metric_params, hubness, ... or a full parameter name."
            )
        params[key] = value
    return params


def _label(candidate):
    pre = candidate.get("preprocessor")
    pre = "none" if pre is None or isinstance(pre, str) else repr(pre)
    metric = candidate.get("metric", "cosine")
    metric = metric if isinstance(metric, str) else getattr(metric, "__name__", "?")
    params = candidate.get("metric_params")
    if params:
        metric += "(" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")"
    parts = [pre, metric]
    parts += [
        f"{k}={v}"
        for k, v in candidate.items()
        if k not in ("preprocessor", "metric", "metric_params")
        and v is not None
        and not isinstance(v, BaseEstimator)
    ]
    return " | ".join(parts)


def _scoring(task, scoring, n_neighbors):
    if scoring is not None:
        if isinstance(scoring, dict):
            return scoring
        if isinstance(scoring, str):
            return {scoring: scoring}
        return {"score": scoring}
    if task == "classification":
        return {"accuracy": "accuracy"}
    if task == "retrieval":
        names = (f"ndcg@{n_neighbors}", f"recall@{n_neighbors}", "mrr")
        return {name: get_retrieval_scorer(name) for name in names}
    return {"spearman": _spearman, "pearson": _pearson}


def _rank(values):
    """Rank 1 for the largest value; NaN last; ties share the smallest rank."""
    key = np.where(np.isnan(values), np.inf, -values)
    return rankdata(key, method="min").astype(np.int64)


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like", None],
        "task": [StrOptions(set(_TASKS))],
        "candidates": [dict, list, None],
        "cv": ["cv_object"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left"), None],
        "scoring": [str, callable, dict, None],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "as_frame": ["boolean", StrOptions({"auto"})],
    },
    prefer_skip_nested_validation=False,  # candidates hold estimators
)
def compare_similarities(
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    task: str = "classification",
    candidates: list[dict] | None = None,
    cv: Any = 5,
    n_neighbors: int | None = None,
    scoring: Any = None,
    n_jobs: int | None = None,
    verbose: int = 1,
    random_state: RandomStateLike = 0,
    as_frame: bool | str = "auto",
) -> Any:
    """Rank post-processing x similarity choices by cross-validation.

    Every candidate -- a preprocessor, a measure with its parameters and,
    for neighbour tasks, a hubness reduction -- is cross-validated on the
    same folds, and the candidates are ranked by the mean of the first
    score:

    - ``task="classification"``: accuracy of
      ``Pipeline([preprocessor, SimilarityKNeighborsClassifier])``;
    - ``task="retrieval"``: nDCG@k (then recall@k and MRR) of same-class
      retrieval within each test fold, with ``Pipeline([preprocessor,
      SimilarityNeighbors])`` (see
      :func:`~sklearn_cosim.metrics.make_retrieval_scorer`);
    - ``task="pairs"``: Spearman's (then Pearson's) correlation of
      :class:`PairedSimilarity` with the judgements `y`; `X` is ``[u | v]``.

    Read more in the :ref:`User Guide <model_selection>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Embeddings, or pairs ``[u | v]`` for ``task="pairs"``.

    y : array-like of shape (n_samples,)
        Class labels (classification, retrieval) or similarity judgements
        (pairs).

    task : {"classification", "retrieval", "pairs"}, default="classification"
        What the similarity is for.

    candidates : dict or list of dict, default=None
        Parameter grid(s) in the format of
        :class:`~sklearn.model_selection.ParameterGrid` (values are lists).
        Keys are ``preprocessor`` (a transformer or None), ``metric``,
        ``metric_params``, ``hubness``, ... or any parameter name of the
        task's estimator. None uses :func:`default_grid`.

    cv : int, cross-validation generator or iterable, default=5
        Folds. An int gives shuffled (stratified, for classification and
        retrieval) folds seeded by `random_state`.

    n_neighbors : int, default=None
        Voting neighbours (classification; default 5) or retrieval cut-off
        `k` (retrieval; default 10).

    scoring : str, callable or dict, default=None
        Scores, as for :func:`~sklearn.model_selection.cross_validate`; the
        first one ranks. None uses the task's scores listed above.

    n_jobs : int, default=None
        Parallel jobs of :func:`~sklearn.model_selection.cross_validate`.

    verbose : int, default=1
        0: silent; 1: progress on stderr once the run has taken more than
        2 seconds; 2: progress for every candidate.

    random_state : int, RandomState instance or None, default=0
        Seed of the folds when `cv` is an int.

    as_frame : bool or "auto", default="auto"
        Return a :class:`pandas.DataFrame` (True), a dict of arrays (False)
        or a DataFrame when pandas is installed ("auto").

    Returns
    -------
    results : pandas.DataFrame or dict of ndarray
        One row per candidate, best first, with ``rank``, ``candidate`` (a
        readable label), ``mean_test_<score>`` and ``std_test_<score>`` for
        every score, ``mean_fit_time``, ``mean_score_time`` and ``params``
        (the candidate's parameters, for ``estimator.set_params``). A failed
        candidate has NaN scores (and a warning) and ranks last.

    See Also
    --------
    default_grid : The default candidates.
    sklearn.model_selection.GridSearchCV : The same with refitting.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_cosim.model_selection import compare_similarities
    >>> from sklearn_cosim.preprocessing import MeanCenterer
    >>> X, y = load_iris(return_X_y=True)
    >>> grid = {"preprocessor": [None, MeanCenterer()], "metric": ["cosine", "dot"]}
    >>> res = compare_similarities(X, y, candidates=grid, cv=3, as_frame=False)
    >>> [str(c) for c in res["candidate"]]
    ['none | cosine', 'MeanCenterer() | cosine', 'MeanCenterer() | dot', 'none | dot']
    >>> print(res["mean_test_accuracy"].round(3))
    [0.973 0.873 0.687 0.333]
    """
    if y is None:
        raise ValueError(
            f"y is required for task={task!r}: class labels for classification "
            "and retrieval, similarity judgements for pairs."
        )
    if as_frame is True or as_frame == "auto":
        try:
            import pandas as pd
        except ImportError:
            if as_frame is True:
                raise ImportError(
                    "as_frame=True needs pandas: pip install pandas"
                ) from None
            pd = None
    else:
        pd = None

    if n_neighbors is None:
        n_neighbors = 10 if task == "retrieval" else 5
    estimator = _estimator(task, n_neighbors)
    grid = default_grid(task) if candidates is None else candidates
    try:
        candidate_list = list(ParameterGrid(grid))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"candidates is not a parameter grid: {exc}") from None
    if not candidate_list:
        raise ValueError("candidates is empty.")
    scorers = _scoring(task, scoring, n_neighbors)
    names = list(scorers)
    if isinstance(cv, Integral):
        splitter = KFold if task == "pairs" else StratifiedKFold
        cv = splitter(n_splits=cv, shuffle=True, random_state=random_state)

    rows = []
    start = time.perf_counter()
    n = len(candidate_list)
    for step, candidate in enumerate(candidate_list, start=1):
        label = _label(candidate)
        elapsed = time.perf_counter() - start
        if verbose >= 2 or (verbose == 1 and elapsed > 2.0):
            print(
                f"[{step}/{n}] {label} ({elapsed:.0f} s)", file=sys.stderr, flush=True
            )
        est = clone(estimator).set_params(**_full_params(estimator, candidate))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            res = cross_validate(
                est, X, y, cv=cv, scoring=scorers, n_jobs=n_jobs, error_score=np.nan
            )
        row = {"candidate": label}
        for name in names:
            scores = res[f"test_{name}"]
            row[f"mean_test_{name}"] = float(np.mean(scores))
            row[f"std_test_{name}"] = float(np.std(scores))
        row["mean_fit_time"] = float(np.mean(res["fit_time"]))
        row["mean_score_time"] = float(np.mean(res["score_time"]))
        row["params"] = candidate
        rows.append(row)
    if verbose >= 2 or (verbose == 1 and time.perf_counter() - start > 2.0):
        print(
            f"done: {n} candidates in {time.perf_counter() - start:.1f} s",
            file=sys.stderr,
            flush=True,
        )

    ranks = _rank(np.array([r[f"mean_test_{names[0]}"] for r in rows]))
    order = np.argsort(ranks, kind="stable")
    columns = ["rank", "candidate"]
    for name in names:
        columns += [f"mean_test_{name}", f"std_test_{name}"]
    columns += ["mean_fit_time", "mean_score_time", "params"]
    results = {}
    for col in columns:
        if col == "rank":
            results[col] = ranks[order]
        elif col in ("candidate", "params"):
            values = np.empty(n, dtype=object)
            values[:] = [rows[i][col] for i in order]
            results[col] = values
        else:
            results[col] = np.array([rows[i][col] for i in order])
    if pd is not None:
        return pd.DataFrame(results)
    return results
