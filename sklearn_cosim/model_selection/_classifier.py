"""Similar or not: a classifier on pairs with a tuned threshold and calibration."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import make_scorer
from sklearn.model_selection import TunedThresholdClassifierCV, check_cv
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import validate_data

from sklearn_cosim.metrics import SimilarityMeasure
from sklearn_cosim.metrics._registry import CarriesMeasures
from sklearn_cosim.model_selection._paired import (
    _DTYPES,
    PairedSimilarity,
    _check_fitted_pairs,
    _refuse_3d,
)
from sklearn_cosim.utils._param_validation import (
    Interval,
    StrOptions,
    _fit_context,
)
from sklearn_cosim.utils._typing import ArrayLike, MetricLike
from sklearn_cosim.utils.validation import check_no_datetime

_OBJECTIVES = ("accuracy", "balanced_accuracy", "f1", "recall_at_precision")


def _check_binary_pairs(y):
    """Refuse targets that are not two classes of pair labels."""
    kind = type_of_target(y, input_name="y", raise_unknown=True)
    if kind == "binary" and np.unique(y).size == 2:
        return
    n_classes = np.unique(y).size
    if n_classes == 1:
        raise ValueError(
            "y has only one class; PairedSimilarityClassifier needs pairs of "
            "both classes (similar and not similar) to tune a threshold."
        )
    raise ValueError(
        "Only binary classification is supported: y must hold two labels "
        f"(similar / not similar), got a {kind!r} target with {n_classes} "
        "distinct values. For graded similarity judgements use PairedSimilarity."
    )


def _counts(y_true, y_pred, pos_label):
    """True/false positives and negatives of binary predictions."""
    truth = np.asarray(y_true) == pos_label
    pred = np.asarray(y_pred) == pos_label
    tp = np.count_nonzero(truth & pred)
    fp = np.count_nonzero(~truth & pred)
    fn = np.count_nonzero(truth & ~pred)
    return tp, fp, fn, truth.size - tp - fp - fn


# The objectives are evaluated at every candidate threshold of every fold
# (100 x 5 calls per fit): computed from the four counts, they cost
# microseconds instead of the milliseconds of the validated metric functions
# (tests/model_selection/test_classifier.py checks them against scikit-learn's).
def _accuracy(y_true, y_pred, *, pos_label):
    tp, fp, fn, tn = _counts(y_true, y_pred, pos_label)
    return (tp + tn) / (tp + fp + fn + tn)


def _balanced_accuracy(y_true, y_pred, *, pos_label):
    tp, fp, fn, tn = _counts(y_true, y_pred, pos_label)
    recalls = [r / n for r, n in ((tp, tp + fn), (tn, tn + fp)) if n]
    return float(np.mean(recalls))


def _f1(y_true, y_pred, *, pos_label):
    tp, fp, fn, _ = _counts(y_true, y_pred, pos_label)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def _recall_at_precision(y_true, y_pred, *, min_precision, pos_label, penalty):
    """Recall if precision >= `min_precision`, else a large negative score.

    Averaged over validation folds, any threshold that misses the precision
    in one fold scores below every threshold that meets it in all folds
    (`penalty` is the number of folds); among the former, higher precision
    scores higher.
    """
    tp, fp, fn, _ = _counts(y_true, y_pred, pos_label)
    precision = tp / (tp + fp) if tp + fp else 0.0
    if precision >= min_precision:
        return tp / (tp + fn) if tp + fn else 0.0
    return -penalty - (min_precision - precision)


_OBJECTIVE_FUNCTIONS = {
    "accuracy": _accuracy,
    "balanced_accuracy": _balanced_accuracy,
    "f1": _f1,
}


class _PairScore(ClassifierMixin, BaseEstimator):
    """The raw similarity of a pair as the decision function of a classifier."""

    def __init__(self, metric="cosine", metric_params=None, preprocessor=None):
        self.metric = metric
        self.metric_params = metric_params
        self.preprocessor = preprocessor

    def fit(self, X, y):
        self.similarity_ = PairedSimilarity(
            self.metric,
            metric_params=self.metric_params,
            preprocessor=self.preprocessor,
        ).fit(X)
        self.classes_ = np.unique(y)
        return self

    def decision_function(self, X):
        return self.similarity_.predict(X)

    def predict(self, X):
        return self.classes_[(self.decision_function(X) >= 0).astype(int)]


class PairedSimilarityClassifier(CarriesMeasures, ClassifierMixin, BaseEstimator):
    """Similar or not: a similarity threshold and probabilities tuned by CV.

    A binary classifier on pairs in the layout of :class:`PairedSimilarity`
    (``X = [u | v]``): the decision function is the similarity of the two
    embeddings after `preprocessor` (fitted on the training rows of both
    sides); a pair is predicted "similar" (the positive class,
    ``classes_[1]``) when its similarity is at least :attr:`threshold_`.
    The threshold is tuned by internal cross-validation for `objective`
    with :class:`~sklearn.model_selection.TunedThresholdClassifierCV`, and
    :meth:`predict_proba` is calibrated on out-of-fold similarities (Platt's
    sigmoid or isotonic regression) with
    :class:`~sklearn.calibration.CalibratedClassifierCV`. Measure,
    post-processing and objective can then be chosen with
    :class:`~sklearn.model_selection.GridSearchCV`.

    Read more in the :ref:`User Guide <pair_classification>`.

    Parameters
    ----------
    metric : str, SimilarityMeasure or callable, default="cosine"
        Similarity measure, as for :class:`PairedSimilarity`.

    metric_params : dict, default=None
        Parameters of the measure.

    preprocessor : estimator, "passthrough" or None, default=None
        Transformer applied to every embedding before the similarity,
        fitted on the ``2 * n_pairs`` embeddings of the training pairs.

    objective : {"balanced_accuracy", "accuracy", "f1", \
            "recall_at_precision"} or callable, default="balanced_accuracy"
        What the threshold maximises, averaged over the internal folds.
        ``"recall_at_precision"``: the highest recall among the thresholds
        whose precision is at least `min_precision` in every internal fold
        (if none reaches it, the threshold of highest precision, with a
        warning). A callable is a scorer ``scorer(estimator, X, y)`` (see
        :func:`sklearn.metrics.make_scorer`).

    min_precision : float, default=0.9
        Precision target of ``objective="recall_at_precision"``; ignored
        otherwise.

    calibration : {"sigmoid", "isotonic"}, default="sigmoid"
        Calibration of :meth:`predict_proba`: Platt's sigmoid of the
        similarity (two parameters, for small data) or isotonic regression
        (monotone, non-parametric, for a few thousand pairs or more).

    cv : int, cross-validation generator or iterable, default=5
        Internal folds for the threshold and the calibration; an int gives
        :class:`~sklearn.model_selection.StratifiedKFold`.

    thresholds : int or array-like, default=100
        Candidate thresholds: that many evenly spaced similarities between
        the smallest and the largest out-of-fold similarity, or the values
        given.

    n_jobs : int, default=None
        Parallel jobs over the internal folds.

    Attributes
    ----------
    threshold_ : float
        The tuned similarity cut-off: a pair is positive when its
        similarity is ``>= threshold_``.

    objective_score_ : float
        Mean internal cross-validated `objective` at `threshold_`.

    classes_ : ndarray of shape (2,)
        Class labels; ``classes_[1]`` is the positive ("similar") class.

    estimator_ : estimator
        The similarity model fitted on all the pairs (its
        ``decision_function`` is the similarity).

    calibrated_classifier_ : CalibratedClassifierCV
        The fitted calibration.

    n_features_in_ : int
        Number of columns of `X` seen during :term:`fit`, ``2 * d``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    PairedSimilarity : The same pairs with graded judgements.
    sklearn.model_selection.TunedThresholdClassifierCV : Tunes the threshold.
    sklearn.calibration.CalibratedClassifierCV : Calibrates the probabilities.

    Notes
    -----
    The raw similarity is not a probability: ``(cos + 1) / 2`` is neither
    calibrated nor comparable between measures or post-processings, and the
    best cut-off moves with both. Threshold and calibration are therefore
    learned per measure and preprocessor.

    Fitting costs ``2 * cv + 2`` fits of the preprocessor: one per internal
    fold for the threshold and for the calibration, and one on all pairs
    for each.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.model_selection import (
    ...     PairedSimilarityClassifier, stack_pairs)
    >>> rng = np.random.default_rng(0)
    >>> U = rng.normal(size=(400, 8))
    >>> similar = rng.random(400) < 0.5
    >>> V = np.where(similar[:, None], U, 0) + rng.normal(size=(400, 8))
    >>> clf = PairedSimilarityClassifier().fit(stack_pairs(U, V), similar)
    >>> print(round(clf.threshold_, 1))
    0.5
    >>> print(round(clf.score(stack_pairs(U, V), similar), 2))
    0.91
    >>> clf.predict_proba(stack_pairs(U[:2], V[:2])).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        "metric": [str, callable, SimilarityMeasure],
        "metric_params": [dict, None],
        "preprocessor": "no_validation",  # checked by PairedSimilarity
        "objective": [StrOptions(set(_OBJECTIVES)), callable],
        "min_precision": [Interval(Real, 0, 1, closed="right")],
        "calibration": [StrOptions({"sigmoid", "isotonic"})],
        "cv": ["cv_object"],
        "thresholds": [Interval(Integral, 2, None, closed="left"), "array-like"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        metric: MetricLike = "cosine",
        *,
        metric_params: dict | None = None,
        preprocessor: Any = None,
        objective: str | Callable[..., Any] = "balanced_accuracy",
        min_precision: float = 0.9,
        calibration: str = "sigmoid",
        cv: Any = 5,
        thresholds: int | ArrayLike = 100,
        n_jobs: int | None = None,
    ) -> None:
        self.metric = metric
        self.metric_params = metric_params
        self.preprocessor = preprocessor
        self.objective = objective
        self.min_precision = min_precision
        self.calibration = calibration
        self.cv = cv
        self.thresholds = thresholds
        self.n_jobs = n_jobs

    def _scorer(self, pos_label, n_splits):
        if callable(self.objective):
            return self.objective
        if self.objective in _OBJECTIVE_FUNCTIONS:
            func = _OBJECTIVE_FUNCTIONS[self.objective]
            return make_scorer(func, pos_label=pos_label)
        if self.objective == "recall_at_precision":
            return make_scorer(
                _recall_at_precision,
                min_precision=self.min_precision,
                pos_label=pos_label,
                penalty=n_splits,
            )
        return self.objective

    @_fit_context(prefer_skip_nested_validation=False)  # preprocessor is an estimator
    def fit(self, X: ArrayLike, y: ArrayLike) -> "PairedSimilarityClassifier":
        """Tune the threshold and calibrate the probabilities.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2 * n_features)
            Pairs ``[u | v]``.

        y : array-like of shape (n_pairs,)
            Binary labels; ``classes_[1]`` (e.g. 1 or True) means similar.

        Returns
        -------
        self : object
            Fitted classifier.
        """
        _refuse_3d(X)
        check_no_datetime(X)
        X, y = validate_data(self, X, y, dtype=_DTYPES)
        _check_binary_pairs(y)
        base = _PairScore(self.metric, self.metric_params, self.preprocessor)
        self.classes_ = np.unique(y)
        cv = check_cv(self.cv, y, classifier=True)
        splits = list(cv.split(X, y))
        tuned = TunedThresholdClassifierCV(
            base,
            scoring=self._scorer(self.classes_[1], len(splits)),
            response_method="decision_function",
            thresholds=self.thresholds,
            cv=splits,
            n_jobs=self.n_jobs,
        ).fit(X, y)
        self.estimator_ = tuned.estimator_
        self.threshold_ = float(tuned.best_threshold_)
        self.objective_score_ = float(tuned.best_score_)
        if self.objective == "recall_at_precision" and self.objective_score_ < 0:
            warnings.warn(
                f"No threshold reaches precision >= min_precision="
                f"{self.min_precision} in every internal fold; threshold_ is the "
                "one of highest precision. Lower min_precision or add pairs.",
                UserWarning,
                stacklevel=2,
            )
        self.calibrated_classifier_ = CalibratedClassifierCV(
            base,
            method=self.calibration,
            cv=splits,
            ensemble=False,
            n_jobs=self.n_jobs,
        ).fit(X, y)
        return self

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Similarity of each pair (larger is more similar).

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2 * n_features)
            Pairs ``[u | v]``.

        Returns
        -------
        similarities : ndarray of shape (n_pairs,)
            The raw similarities; compare them with :attr:`threshold_`.
        """
        X = _check_fitted_pairs(self, X)  # before reading estimator_
        return self.estimator_.decision_function(X)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict ``classes_[1]`` where the similarity is ``>= threshold_``.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2 * n_features)
            Pairs ``[u | v]``.

        Returns
        -------
        y_pred : ndarray of shape (n_pairs,)
            Predicted labels.
        """
        positive = self.decision_function(X) >= self.threshold_
        return self.classes_[positive.astype(int)]

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Calibrated probabilities of each class.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2 * n_features)
            Pairs ``[u | v]``.

        Returns
        -------
        proba : ndarray of shape (n_pairs, 2)
            Probabilities of ``classes_[0]`` and ``classes_[1]``.
        """
        X = _check_fitted_pairs(self, X)
        return self.calibrated_classifier_.predict_proba(X)

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Logarithm of the calibrated probabilities.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2 * n_features)
            Pairs ``[u | v]``.

        Returns
        -------
        log_proba : ndarray of shape (n_pairs, 2)
            Log-probabilities of ``classes_[0]`` and ``classes_[1]``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.non_deterministic = False
        return tags
