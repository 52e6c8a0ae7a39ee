"""Cross-validated comparison of post-processing and similarity choices."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
import time
import warnings
from collections.abc import Callable
from functools import partial
from numbers import Integral
from typing import Any

import numpy as np
from scipy import stats
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import brier_score_loss, f1_score, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    ParameterGrid,
    StratifiedKFold,
    check_cv,
    cross_validate,
)
from sklearn.pipeline import Pipeline
from sklearn.utils.multiclass import type_of_target

from sklearn_cosim.metrics._retrieval import get_retrieval_scorer
from sklearn_cosim.model_selection._classifier import PairedSimilarityClassifier
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
from sklearn_cosim.utils._typing import ArrayLike, MatrixLike, RandomStateLike

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

    With these grids, :func:`compare_similarities` selects by default the
    simplest candidate within one standard error of the best
    (:func:`one_standard_error_rule`, whose complexity order is none <
    centering, layer norm < PC removal < whitening, cosine < dot, euclidean
    < other measures, no hubness reduction < one); pass it as ``refit`` to
    :class:`~sklearn.model_selection.GridSearchCV` for the same rule there.

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
    one_standard_error_rule : The selection rule.

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


def _estimator(task, n_neighbors, binary=False):
    if task == "pairs":
        return PairedSimilarityClassifier() if binary else PairedSimilarity()
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


def _scoring(task, scoring, n_neighbors, pos_label=None):
    if scoring is not None:
        if isinstance(scoring, dict):
            return scoring
        if isinstance(scoring, str):
            return {scoring: scoring}
        return {"score": scoring}
    if pos_label is not None:  # binary pairs: similar or not
        brier = make_scorer(
            brier_score_loss,
            greater_is_better=False,
            response_method="predict_proba",
            pos_label=pos_label,
        )
        return {
            "neg_brier_score": brier,
            "neg_log_loss": "neg_log_loss",
            "f1": make_scorer(f1_score, pos_label=pos_label),
        }
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


#: Complexity of the preprocessors of the default grids (more fitted
#: parameters, more complex); other transformers count 2.
_PREPROCESSOR_COMPLEXITY = {
    "MeanCenterer": 1,
    "LayerNormalizer": 1,
    "PrincipalComponentRemover": 2,
    "Whitener": 3,
}


def _complexity(params):
    """Default complexity of a candidate: preprocessor + measure + hubness."""
    total = 0
    for key, value in params.items():
        name = key.rsplit("__", 1)[-1]
        if name == "preprocessor":
            if value is not None and not isinstance(value, str):
                total += _PREPROCESSOR_COMPLEXITY.get(type(value).__name__, 2)
        elif name == "metric":
            if not (isinstance(value, str) and value == "cosine"):
                simple = ("dot", "euclidean", "sqeuclidean", "angular")
                total += 1 if isinstance(value, str) and value in simple else 2
        elif name == "hubness" and value is not None:
            total += 2
    return total


def _split_scores(cv_results, score):
    keys = sorted(
        (
            k
            for k in cv_results
            if k.startswith("split") and k.endswith(f"_test_{score}")
        ),
        key=lambda k: int(k[len("split") : k.index("_")]),
    )
    return np.column_stack([np.asarray(cv_results[k], dtype=float) for k in keys])


def one_standard_error_rule(
    cv_results: dict,
    *,
    score: str | None = None,
    complexity: Callable[[dict], float] | None = None,
) -> int:
    """Index of the simplest candidate within one standard error of the best.

    The one-standard-error rule (Breiman et al., 1984; Hastie, Tibshirani &
    Friedman, 2009, sect. 7.10): on a few hundred samples the candidate with
    the best mean cross-validated score often wins by noise. Among the
    candidates whose mean score is at least the best mean minus its
    standard error, pick the least complex (ties: the higher mean). It is a
    ``refit`` callable for :class:`~sklearn.model_selection.GridSearchCV`
    (scikit-learn's pattern for balancing complexity and score)::

        GridSearchCV(PairedSimilarity(), grid, refit=one_standard_error_rule)

    Read more in the :ref:`User Guide <one_standard_error>`.

    Parameters
    ----------
    cv_results : dict
        The ``cv_results_`` of a search (``params``, ``mean_test_<score>``
        and ``split<k>_test_<score>``), or the result of
        :func:`compare_similarities`-like tables with those keys.

    score : str, default=None
        Name of the score (``"score"`` for a single metric). None uses
        ``"score"`` if present, else the first ``mean_test_*`` key.

    complexity : callable, default=None
        ``complexity(params) -> number``. None counts, over the parameters
        (full names like ``estimator__metric`` included): preprocessor none
        0, centering or layer normalisation 1, PC removal 2, whitening 3,
        another transformer 2; measure cosine 0, dot, euclidean,
        sqeuclidean or angular 1, another measure 2; a hubness reduction 2.

    Returns
    -------
    index : int
        Index of the chosen candidate in ``cv_results["params"]``.

    See Also
    --------
    compare_similarities : Uses the rule with ``selection="one_se"``.

    Notes
    -----
    The standard error of the best mean is its sample standard deviation
    over the ``K`` folds (``ddof=1``) divided by ``sqrt(K)``. Candidates
    with a NaN mean (failed fits) are never chosen.

    Examples
    --------
    >>> from sklearn_cosim.model_selection import one_standard_error_rule
    >>> from sklearn_cosim.preprocessing import Whitener
    >>> cv_results = {
    ...     "params": [{"preprocessor": None}, {"preprocessor": Whitener()}],
    ...     "mean_test_score": [0.80, 0.81],
    ...     "split0_test_score": [0.78, 0.80],
    ...     "split1_test_score": [0.82, 0.82],
    ... }
    >>> one_standard_error_rule(cv_results)  # 0.80 is within 0.01 of 0.81
    0
    """
    if score is None:
        means = [k for k in cv_results if k.startswith("mean_test_")]
        if not means:
            raise ValueError("cv_results has no mean_test_<score> key.")
        score = "score" if "mean_test_score" in cv_results else means[0][10:]
    if f"mean_test_{score}" not in cv_results:
        raise ValueError(
            f"cv_results has no 'mean_test_{score}'; score must be one of "
            f"{sorted(k[10:] for k in cv_results if k.startswith('mean_test_'))}."
        )
    complexity = _complexity if complexity is None else complexity
    mean = np.asarray(cv_results[f"mean_test_{score}"], dtype=float)
    if np.all(np.isnan(mean)):
        return 0
    best = int(np.nanargmax(mean))
    splits = _split_scores(cv_results, score)
    n_splits = splits.shape[1]
    se = np.std(splits[best], ddof=1) / np.sqrt(n_splits) if n_splits > 1 else 0.0
    within = np.flatnonzero(mean >= mean[best] - se)
    costs = np.array([complexity(cv_results["params"][i]) for i in within])
    simplest = within[costs == costs.min()]
    return int(simplest[np.argmax(mean[simplest])])


def _corrected_ttest(differences, n_train, n_test):
    """Two-sided p-value of the Nadeau-Bengio corrected paired t-test.

    The variance of the mean difference over `K` folds is corrected for the
    overlap of the training sets: ``(1 / K + n_test / n_train) * s**2``
    (Nadeau & Bengio, 2003), as in scikit-learn's example on statistical
    comparison of models.
    """
    d = np.asarray(differences, dtype=float)
    if np.isnan(d).any():
        return np.nan
    k = d.size
    mean = d.mean()
    var = d.var(ddof=1) if k > 1 else 0.0
    if var == 0:
        return 1.0 if mean == 0 else 0.0
    t = mean / np.sqrt((1 / k + n_test / n_train) * var)
    return float(2 * stats.t.sf(abs(t), df=k - 1))


def _setup(X, y, task, candidates, cv, n_neighbors, scoring, random_state):
    """Estimator, candidates, scorers and folds shared by the compare helpers."""
    if y is None:
        raise ValueError(
            f"y is required for task={task!r}: class labels for classification "
            "and retrieval, similarity judgements or binary labels for pairs."
        )
    binary = task == "pairs" and type_of_target(y) == "binary"
    if n_neighbors is None:
        n_neighbors = 10 if task == "retrieval" else 5
    estimator = _estimator(task, n_neighbors, binary)
    grid = default_grid(task) if candidates is None else candidates
    try:
        candidate_list = list(ParameterGrid(grid))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"candidates is not a parameter grid: {exc}") from None
    if not candidate_list:
        raise ValueError("candidates is empty.")
    pos_label = np.unique(y)[1] if binary else None
    scorers = _scoring(task, scoring, n_neighbors, pos_label)
    if isinstance(cv, Integral):
        stratified = task != "pairs" or binary
        splitter = StratifiedKFold if stratified else KFold
        cv = splitter(n_splits=cv, shuffle=True, random_state=random_state)
    cv = check_cv(cv, y, classifier=task != "pairs" or binary)
    return estimator, candidate_list, scorers, cv, binary


#: Parameter constraints shared by compare_similarities and
#: cross_validate_selection.
_COMPARE_CONSTRAINTS = {
    "X": ["array-like", "sparse matrix"],
    "y": ["array-like", None],
    "task": [StrOptions(set(_TASKS))],
    "candidates": [dict, list, None],
    "cv": ["cv_object"],
    "n_neighbors": [Interval(Integral, 1, None, closed="left"), None],
    "scoring": [str, callable, dict, None],
    "selection": [StrOptions({"one_se", "best"}), callable],
    "n_jobs": [Integral, None],
    "random_state": ["random_state"],
}


@validate_params(
    {
        **_COMPARE_CONSTRAINTS,
        "verbose": ["verbose"],
        "as_frame": ["boolean", StrOptions({"auto"})],
    },
    prefer_skip_nested_validation=False,  # candidates hold estimators
)
def compare_similarities(
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    task: str = "classification",
    candidates: dict | list[dict] | None = None,
    cv: Any = 5,
    n_neighbors: int | None = None,
    scoring: Any = None,
    selection: Any = "one_se",
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
      With binary `y` (similar or not): the Brier score (then log-loss and
      F1) of :class:`PairedSimilarityClassifier`, whose similarity
      threshold is tuned in each training fold.

    One candidate is selected (`selection`, by default the simplest within
    one standard error of the best), and every candidate is tested against
    it with a corrected paired t-test on the fold scores.

    Read more in the :ref:`User Guide <model_selection>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Embeddings, or pairs ``[u | v]`` for ``task="pairs"``.

    y : array-like of shape (n_samples,)
        Class labels (classification, retrieval), similarity judgements or
        binary similar / not-similar labels (pairs).

    task : {"classification", "retrieval", "pairs"}, default="classification"
        What the similarity is for.

    candidates : dict or list of dict, default=None
        Parameter grid(s) in the format of
        :class:`~sklearn.model_selection.ParameterGrid` (values are lists).
        Keys are ``preprocessor`` (a transformer or None), ``metric``,
        ``metric_params``, ``hubness``, ... or any parameter name of the
        task's estimator (e.g. ``objective`` for binary pairs). None uses
        :func:`default_grid`.

    cv : int, cross-validation generator or iterable, default=5
        Folds. An int gives shuffled (stratified, except for graded pairs)
        folds seeded by `random_state`. The folds are drawn once and shared
        by all candidates.

    n_neighbors : int, default=None
        Voting neighbours (classification; default 5) or retrieval cut-off
        `k` (retrieval; default 10).

    scoring : str, callable or dict, default=None
        Scores, as for :func:`~sklearn.model_selection.cross_validate`; the
        first one ranks. None uses the task's scores listed above.

    selection : {"one_se", "best"} or callable, default="one_se"
        Which candidate to select: ``"one_se"``, the simplest within one
        standard error of the best mean (:func:`one_standard_error_rule`);
        ``"best"``, the best mean; or a callable
        ``selection(cv_results) -> index`` (a ``refit`` callable of
        :class:`~sklearn.model_selection.GridSearchCV`).

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
        One row per candidate, best mean first, with ``rank`` (by the mean
        of the first score), ``candidate`` (a readable label),
        ``mean_test_<score>`` and ``std_test_<score>`` for every score,
        ``mean_threshold`` and ``std_threshold`` (binary pairs: the
        similarity threshold tuned in each training fold), ``selected``
        (True for the selected candidate), ``p_value`` (two-sided corrected
        paired t-test of the first score against the selected candidate)
        and ``tied`` (``p_value >= 0.05``: not significantly different from
        the selected candidate), ``mean_fit_time``, ``mean_score_time`` and
        ``params`` (the candidate's parameters, for
        ``estimator.set_params``). A failed candidate has NaN scores (and a
        warning) and ranks last.

    See Also
    --------
    default_grid : The default candidates.
    one_standard_error_rule : The default selection rule.
    cross_validate_selection : Nested-CV estimate of the selected candidate.
    sklearn.model_selection.GridSearchCV : The same with refitting.

    Notes
    -----
    The t-test uses Nadeau and Bengio's (2003) correction of the variance
    for overlapping training sets, ``(1 / K + n_test / n_train) * s**2``,
    where `s` is the standard deviation of the fold-wise score differences.
    With few folds it has little power: "tied" means "not shown to differ".

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
    >>> [bool(t) for t in res["tied"]]  # 3 folds: little power
    [True, True, False, False]
    """
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
    estimator, candidate_list, scorers, cv, binary = _setup(
        X, y, task, candidates, cv, n_neighbors, scoring, random_state
    )
    names = list(scorers)
    splits = list(cv.split(X, y))

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
                est,
                X,
                y,
                cv=splits,
                scoring=scorers,
                n_jobs=n_jobs,
                error_score=np.nan,
                return_estimator=binary,
            )
        row = {"candidate": label}
        for name in names:
            scores = res[f"test_{name}"]
            row[f"mean_test_{name}"] = float(np.mean(scores))
            row[f"std_test_{name}"] = float(np.std(scores))
            row[f"split_test_{name}"] = np.asarray(scores, dtype=float)
        if binary:
            thresholds = [getattr(e, "threshold_", np.nan) for e in res["estimator"]]
            row["mean_threshold"] = float(np.mean(thresholds))
            row["std_threshold"] = float(np.std(thresholds))
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

    first = names[0]
    fold_scores = np.vstack([r[f"split_test_{first}"] for r in rows])
    cv_results = {"params": candidate_list, f"mean_test_{first}": fold_scores.mean(1)}
    for k in range(fold_scores.shape[1]):
        cv_results[f"split{k}_test_{first}"] = fold_scores[:, k]
    if selection == "best":
        chosen = int(np.nanargmax(cv_results[f"mean_test_{first}"]))
    elif selection == "one_se":
        chosen = one_standard_error_rule(cv_results, score=first)
    else:
        chosen = int(selection(cv_results))
    n_test = np.mean([len(test) for _, test in splits])
    n_train = np.mean([len(train) for train, _ in splits])
    for i, row in enumerate(rows):
        row["selected"] = i == chosen
        row["p_value"] = _corrected_ttest(
            fold_scores[chosen] - fold_scores[i], n_train, n_test
        )
        row["tied"] = bool(row["p_value"] >= 0.05)

    ranks = _rank(np.array([r[f"mean_test_{first}"] for r in rows]))
    order = np.argsort(ranks, kind="stable")
    columns = ["rank", "candidate"]
    for name in names:
        columns += [f"mean_test_{name}", f"std_test_{name}"]
    if binary:
        columns += ["mean_threshold", "std_threshold"]
    columns += ["selected", "p_value", "tied"]
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


@validate_params(
    _COMPARE_CONSTRAINTS,
    prefer_skip_nested_validation=False,  # candidates hold estimators
)
def cross_validate_selection(
    X: MatrixLike,
    y: ArrayLike | None = None,
    *,
    task: str = "classification",
    candidates: dict | list[dict] | None = None,
    cv: Any = 5,
    n_neighbors: int | None = None,
    scoring: Any = None,
    selection: Any = "one_se",
    n_jobs: int | None = None,
    random_state: RandomStateLike = 0,
) -> dict:
    """Nested-CV estimate of the candidate :func:`compare_similarities` selects.

    The mean score of the selected candidate in :func:`compare_similarities`
    is optimistic: it was chosen because it scored well on those folds.
    Here the whole selection -- every candidate cross-validated on the
    training part, the `selection` rule applied -- runs inside each outer
    training fold (a :class:`~sklearn.model_selection.GridSearchCV` with a
    ``refit`` rule, cross-validated by
    :func:`~sklearn.model_selection.cross_validate`), and the selected
    candidate is scored on the outer test fold it never saw.

    Read more in the :ref:`User Guide <one_standard_error>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        As for :func:`compare_similarities`.

    y : array-like of shape (n_samples,)
        As for :func:`compare_similarities`.

    task : {"classification", "retrieval", "pairs"}, default="classification"
        As for :func:`compare_similarities`.

    candidates : dict or list of dict, default=None
        As for :func:`compare_similarities`.

    cv : int, cross-validation generator or iterable, default=5
        Outer folds; an int also sets the inner folds (the same kind of
        splitter, with that many folds).

    n_neighbors : int, default=None
        As for :func:`compare_similarities`.

    scoring : str, callable or dict, default=None
        As for :func:`compare_similarities`; the first score selects.

    selection : {"one_se", "best"} or callable, default="one_se"
        As for :func:`compare_similarities`.

    n_jobs : int, default=None
        Parallel jobs of the inner searches.

    random_state : int, RandomState instance or None, default=0
        Seed of the folds when `cv` is an int.

    Returns
    -------
    result : dict
        ``test_<score>`` (ndarray of shape (n_outer_folds,)) for every
        score, ``mean_test_<score>`` and ``std_test_<score>``, and
        ``selected`` (the label of the candidate chosen in each outer
        training fold).

    See Also
    --------
    compare_similarities : The non-nested table.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_cosim.model_selection import cross_validate_selection
    >>> from sklearn_cosim.preprocessing import MeanCenterer
    >>> X, y = load_iris(return_X_y=True)
    >>> grid = {"preprocessor": [None, MeanCenterer()], "metric": ["cosine", "dot"]}
    >>> res = cross_validate_selection(X, y, candidates=grid, cv=3)
    >>> print(round(res["mean_test_accuracy"], 3))
    0.973
    >>> res["selected"]
    ['none | cosine', 'none | cosine', 'none | cosine']
    """
    estimator, candidate_list, scorers, outer, _ = _setup(
        X, y, task, candidates, cv, n_neighbors, scoring, random_state
    )
    names = list(scorers)
    inner = outer  # an int cv: the same kind of folds inside each training part
    if selection == "best":
        refit = names[0]
    elif selection == "one_se":
        refit = partial(one_standard_error_rule, score=names[0])
    else:
        refit = selection
    param_grid = [
        {k: [v] for k, v in _full_params(estimator, c).items()} for c in candidate_list
    ]
    search = GridSearchCV(
        estimator,
        param_grid,
        scoring=scorers,
        refit=refit,
        cv=inner,
        n_jobs=n_jobs,
        error_score=np.nan,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        res = cross_validate(
            search, X, y, cv=outer, scoring=scorers, return_estimator=True
        )
    result = {}
    for name in names:
        scores = np.asarray(res[f"test_{name}"], dtype=float)
        result[f"test_{name}"] = scores
        result[f"mean_test_{name}"] = float(np.mean(scores))
        result[f"std_test_{name}"] = float(np.std(scores))
    result["selected"] = [
        _label(candidate_list[est.best_index_]) for est in res["estimator"]
    ]
    return result
