"""Precision-recall curves and reliability diagrams of pair classifiers."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, precision_recall_curve
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import Bunch
from sklearn.utils.validation import check_array

from sklearn_cosim.model_selection._classifier import (
    PairedSimilarityClassifier,
    _check_binary_pairs,
)
from sklearn_cosim.model_selection._compare import _label
from sklearn_cosim.utils._param_validation import Interval, validate_params
from sklearn_cosim.utils._typing import ArrayLike, RandomStateLike


def _candidate_estimators(candidates):
    """``(label, unfitted PairedSimilarityClassifier)`` for each candidate."""
    if isinstance(candidates, dict):
        items = list(candidates.items())
    else:
        items = [(None, c) for c in candidates]
    if not items:
        raise ValueError("candidates is empty.")
    out = []
    for label, cand in items:
        if isinstance(cand, dict):
            est = PairedSimilarityClassifier().set_params(**cand)
        elif isinstance(cand, PairedSimilarityClassifier):
            est = clone(cand)
        else:
            raise ValueError(
                "candidates must hold PairedSimilarityClassifier instances or "
                f"dicts of their parameters, got {cand!r}."
            )
        if label is None:
            params = est.get_params(deep=False)
            label = _label({k: params[k] for k in ("preprocessor", "metric")})
        out.append((str(label), est))
    return out


def _out_of_fold(X, y, candidates, cv):
    """Out-of-fold similarities, probabilities and predictions per candidate."""
    X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
    y = np.asarray(y)
    _check_binary_pairs(y)
    splits = list(cv.split(X, y))
    result = Bunch(y=y, pos_label=np.unique(y)[1], labels=[], similarity=[])
    result.update(proba=[], pred=[], thresholds=[])
    for label, est in _candidate_estimators(candidates):
        sim = np.empty(len(y))
        proba = np.empty(len(y))
        pred = np.empty(len(y), dtype=y.dtype)
        thresholds = []
        for train, test in splits:
            fitted = clone(est).fit(X[train], y[train])
            sim[test] = fitted.decision_function(X[test])
            proba[test] = fitted.predict_proba(X[test])[:, 1]
            pred[test] = fitted.predict(X[test])
            thresholds.append(fitted.threshold_)
        result.labels.append(label)
        result.similarity.append(sim)
        result.proba.append(proba)
        result.pred.append(pred)
        result.thresholds.append(np.array(thresholds))
    return result


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "candidates": [dict, list],
        "cv": ["cv_object"],
        "n_bins": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
        "axes": ["array-like", None],
    },
    prefer_skip_nested_validation=False,  # candidates hold estimators
)
def plot_similarity_calibration(
    X: ArrayLike,
    y: ArrayLike,
    candidates: dict | list,
    *,
    cv: Any = 5,
    n_bins: int = 10,
    random_state: RandomStateLike = 0,
    axes: Any = None,
) -> Any:
    """Precision-recall curves and reliability diagrams of pair classifiers.

    For each candidate -- a :class:`PairedSimilarityClassifier`, i.e. a
    measure and a post-processing with a tuned threshold and a calibration
    -- the pairs are classified out of fold (each fold by a classifier
    fitted on the other folds). The left panel shows the precision-recall
    curve of the out-of-fold similarities, with a dot at the precision and
    recall of the tuned thresholds; the right panel the reliability diagram
    of the calibrated probabilities (mean predicted probability against the
    fraction of similar pairs, per bin), with the out-of-fold Brier score in
    the legend. Requires matplotlib.

    Read more in the :ref:`User Guide <pair_classification>`.

    Parameters
    ----------
    X : array-like of shape (n_pairs, 2 * n_features)
        Pairs ``[u | v]``.

    y : array-like of shape (n_pairs,)
        Binary labels; ``np.unique(y)[1]`` means similar.

    candidates : dict or list
        :class:`PairedSimilarityClassifier` instances, or dicts of their
        parameters (e.g. the ``params`` column of
        :func:`compare_similarities`); a dict maps legend labels to them.

    cv : int, cross-validation generator or iterable, default=5
        Outer folds; an int gives shuffled
        :class:`~sklearn.model_selection.StratifiedKFold` seeded by
        `random_state`.

    n_bins : int, default=10
        Bins of the reliability diagram (uniform on [0, 1]).

    random_state : int, RandomState instance or None, default=0
        Seed of the folds when `cv` is an int.

    axes : array-like of two matplotlib Axes, default=None
        Where to draw the two panels; None creates a figure.

    Returns
    -------
    fig : matplotlib Figure
        The figure holding the two panels.

    See Also
    --------
    PairedSimilarityClassifier : The classifier of each candidate.
    sklearn.metrics.precision_recall_curve : The left panel's curve.
    sklearn.calibration.calibration_curve : The right panel's curve.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_cosim.model_selection import (
    ...     plot_similarity_calibration, stack_pairs)
    >>> rng = np.random.default_rng(0)
    >>> U = rng.normal(size=(200, 8))
    >>> similar = rng.random(200) < 0.5
    >>> V = np.where(similar[:, None], U, 0) + rng.normal(size=(200, 8))
    >>> fig = plot_similarity_calibration(
    ...     stack_pairs(U, V), similar, [{"metric": "cosine"}, {"metric": "dot"}],
    ...     cv=3)
    >>> len(fig.axes)
    2
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_similarity_calibration requires matplotlib; install it with "
            "`pip install matplotlib` (or `pip install sklearn_cosim[plot]`)."
        ) from exc
    if isinstance(cv, Integral):
        cv = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    cv = check_cv(cv, y, classifier=True)
    oof = _out_of_fold(X, y, candidates, cv)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
    if axes.shape[0] != 2:
        raise ValueError(f"axes must hold 2 Axes, got {axes.shape[0]}.")
    ax_pr, ax_cal = axes
    positive = oof.y == oof.pos_label
    ax_cal.plot([0, 1], [0, 1], ":", color="gray", label="perfectly calibrated")
    for i, label in enumerate(oof.labels):
        color = f"C{i}"
        precision, recall, _ = precision_recall_curve(
            positive, oof.similarity[i], pos_label=True
        )
        ap = average_precision_score(positive, oof.similarity[i])
        ax_pr.plot(
            recall,
            precision,
            drawstyle="steps-post",
            color=color,
            label=f"{label} (AP {ap:.3f})",
        )
        predicted = oof.pred[i] == oof.pos_label
        precision = positive[predicted].mean() if predicted.any() else 0.0
        recall = predicted[positive].mean()
        ax_pr.plot(recall, precision, "o", color=color, markersize=7)
        brier = np.mean((oof.proba[i] - positive) ** 2)
        frac, mean_proba = calibration_curve(positive, oof.proba[i], n_bins=n_bins)
        ax_cal.plot(
            mean_proba,
            frac,
            "s-",
            color=color,
            label=f"{label} (Brier {brier:.3f})",
        )
    ax_pr.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    ax_cal.set(
        xlabel="mean predicted probability of similar",
        ylabel="fraction of similar pairs",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax_pr.set_title("out-of-fold precision-recall (dot: tuned threshold)")
    ax_cal.set_title("reliability of the calibrated probabilities")
    for ax in axes:
        ax.legend(fontsize=8, loc="lower left")
    return ax_pr.figure
