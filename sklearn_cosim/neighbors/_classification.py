"""k-nearest-neighbour classification with any similarity measure."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from collections.abc import Callable
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from sklearn_cosim.neighbors._base import (
    _ALGORITHM_DOC,
    _COMMON_CONSTRAINTS,
    _HUBNESS_DOC,
    _METRIC_DOC,
    _VERBOSE_DOC,
    SimilarityNeighborsMixin,
)
from sklearn_cosim.neighbors._weights import (
    _WEIGHTS_DOC,
    check_weights,
    neighbor_weights,
)
from sklearn_cosim.utils._param_validation import Interval, StrOptions, _fit_context
from sklearn_cosim.utils._typing import ArrayLike, MatrixLike, MetricLike
from sklearn_cosim.utils.validation import check_no_datetime


def _check_classes(classes, n_outputs, outputs_2d):
    """The sorted unique classes of each output (a list)."""
    per_output = list(classes) if outputs_2d else [classes]
    if len(per_output) != n_outputs:
        raise ValueError(
            f"classes gives {len(per_output)} output(s) but y has {n_outputs}; "
            "pass one array of classes per output."
        )
    return [np.unique(np.asarray(cls)) for cls in per_output]


def _encode(labels, classes):
    """Positions of `labels` in the sorted `classes` (ValueError if absent)."""
    where = np.clip(np.searchsorted(classes, labels), 0, len(classes) - 1)
    unknown = classes[where] != labels
    if np.any(unknown):
        raise ValueError(
            f"y contains labels not in classes: {np.unique(labels[unknown])!r}; "
            "pass every possible label in classes on the first call."
        )
    return where


class SimilarityKNeighborsClassifier(
    SimilarityNeighborsMixin, ClassifierMixin, BaseEstimator
):
    """Classifier voting among the most similar training samples.

    The API of :class:`sklearn.neighbors.KNeighborsClassifier`, on the
    block engine of :class:`SimilarityNeighbors`, so that the similarity
    measure and its parameters are hyper-parameters to cross-validate
    (``GridSearchCV(..., {{"metric": [...], "metric_params": [...]}})``).

    Read more in the :ref:`User Guide <similarity_neighbors>`.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours that vote.

    {weights}

    {metric}

    metric_params : dict, default=None
        Parameters of the measure.

    {hubness}

    {algorithm}

    n_jobs : int, default=None
        Threads over blocks of queries (see :class:`SimilarityNeighbors`).

    {verbose}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or list of such arrays
        Class labels (one array per output for multi-output `y`).

    outputs_2d_ : bool
        Whether `y` had several outputs at fit.

    n_samples_fit_ : int
        Number of training samples.

    effective_metric_ : str
        Name of the measure used.

    effective_metric_params_ : dict
        Parameters of the measure, defaults filled in.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn.neighbors.KNeighborsClassifier : The same for distance metrics.
    SimilarityKNeighborsRegressor : Regression on the same engine.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn_cosim.neighbors import SimilarityKNeighborsClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SimilarityKNeighborsClassifier(n_neighbors=5, metric="cosine")
    >>> print(round(float(cross_val_score(clf, X, y, cv=5).mean()), 3))
    0.98
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "weights": [StrOptions({"uniform", "similarity", "distance"}), callable, None],
        **_COMMON_CONSTRAINTS,
    }

    def __init__(
        self,
        n_neighbors: int = 5,
        *,
        weights: str | Callable[[np.ndarray], np.ndarray] | None = "uniform",
        metric: MetricLike = "cosine",
        metric_params: dict | None = None,
        hubness: str | None = None,
        hubness_params: dict | None = None,
        query_normalize: bool = False,
        algorithm: str = "brute",
        algorithm_params: dict | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.metric = metric
        self.metric_params = metric_params
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.hubness = hubness
        self.hubness_params = hubness_params
        self.query_normalize = query_normalize
        self.algorithm = algorithm
        self.algorithm_params = algorithm_params

    @_fit_context(prefer_skip_nested_validation=False)  # metric may be a callable
    def fit(self, X: MatrixLike, y: ArrayLike) -> "SimilarityKNeighborsClassifier":
        """Store the training samples and their labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels.

        Returns
        -------
        self : object
            Fitted classifier.
        """
        # y alone first: validating X here too, then again in `_fit`, would
        # reset the feature names to those of the converted array (none).
        y = validate_data(self, y=y, multi_output=True)
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples,), for example "
                "using ravel().",
                DataConversionWarning,
                stacklevel=2,
            )
            y = y.ravel()
        check_no_datetime(X)
        self._fit(X)  # validates X; sets n_features_in_ and feature_names_in_
        check_consistent_length(self._fit_X, y)
        self.outputs_2d_ = y.ndim == 2
        y2 = y if self.outputs_2d_ else y[:, None]
        classes, encoded = [], np.empty(y2.shape, dtype=np.intp)
        for k in range(y2.shape[1]):
            cls, encoded[:, k] = np.unique(y2[:, k], return_inverse=True)
            classes.append(cls)
        self.classes_ = classes if self.outputs_2d_ else classes[0]
        self._y = encoded
        check_weights(self.weights, self._measure)
        return self

    @_fit_context(prefer_skip_nested_validation=False)  # metric may be a callable
    def partial_fit(
        self, X: MatrixLike, y: ArrayLike, classes: ArrayLike | None = None
    ) -> "SimilarityKNeighborsClassifier":
        """Add training samples and their labels (the first call fits).

        As scikit-learn's incremental classifiers, the first call needs
        `classes`, every label `y` can ever take: they are the columns of
        :meth:`predict_proba` from the start. With ``classes`` the labels of
        all the samples, the result equals one :meth:`fit` on every sample
        added so far; statistics of every fitted sample (`hubness`,
        `query_normalize`) are computed again, which costs a search of the
        whole index.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples to add.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their labels, each among `classes`.

        classes : array-like of shape (n_classes,) or list of such arrays, \
                default=None
            Every possible label (one array per output when `y` is 2-D).
            Required on the first call; later calls may omit it or repeat
            the same classes.

        Returns
        -------
        self : object
            The classifier, fitted on all samples added so far.
        """
        first = not hasattr(self, "_corpus")
        if first and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every "
                "label y can take, e.g. classes=np.unique(y_all)."
            )
        if first:
            # y alone first: the feature names are set when `_fit` validates X
            y = validate_data(self, y=y, multi_output=True)
        else:
            y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        check_classification_targets(y)
        check_no_datetime(X)
        check_consistent_length(X, y)  # before the index changes
        y2 = y[:, None] if y.ndim == 1 else y
        if first:
            outputs_2d = y.ndim == 2 and y.shape[1] > 1
            wanted = _check_classes(classes, y2.shape[1], outputs_2d)
        else:
            outputs_2d = self.outputs_2d_
            have = self.classes_ if outputs_2d else [self.classes_]
            if classes is not None:
                wanted = _check_classes(classes, y2.shape[1], outputs_2d)
                if len(wanted) != len(have) or any(
                    not np.array_equal(a, b) for a, b in zip(wanted, have)
                ):
                    raise ValueError(
                        "classes differ from those of the first call to "
                        f"partial_fit ({self.classes_!r}); pass the same classes "
                        "or none."
                    )
            wanted = have
        if y2.shape[1] != len(wanted):
            raise ValueError(
                f"y has {y2.shape[1]} output(s) but classes gives {len(wanted)}; "
                "pass one array of classes per output."
            )
        encoded = np.empty(y2.shape, dtype=np.intp)
        for k, cls in enumerate(wanted):
            encoded[:, k] = _encode(y2[:, k], cls)
        if first:
            self._fit(X)
            self.outputs_2d_ = outputs_2d
            self.classes_ = wanted if outputs_2d else wanted[0]
            self._y = encoded
            check_weights(self.weights, self._measure)
        else:
            self._partial_fit(X)
            self._y = np.concatenate([self._y, encoded])
        return self

    def predict_proba(
        self, X: MatrixLike | None = None
    ) -> np.ndarray | list[np.ndarray]:
        """Class probabilities: the weighted share of each class among the neighbours.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                default=None
            Queries. If None, the training samples, each excluded from its
            own neighbours (leave-one-out).

        Returns
        -------
        proba : ndarray of shape (n_queries, n_classes) or list of such arrays
            Probabilities, columns ordered as `classes_`.
        """
        check_is_fitted(self)
        check_no_datetime(X)
        sims, ind = self._kneighbors_similarity(X, None)
        w = neighbor_weights(self.weights, sims, self._measure)
        n_queries = ind.shape[0]
        rows = np.repeat(np.arange(n_queries), ind.shape[1])
        classes = self.classes_ if self.outputs_2d_ else [self.classes_]
        probas = []
        for k, cls in enumerate(classes):
            labels = self._y[ind.ravel(), k]
            proba = np.bincount(
                rows * len(cls) + labels,
                weights=w.ravel(),
                minlength=n_queries * len(cls),
            ).reshape(n_queries, len(cls))
            proba /= proba.sum(axis=1, keepdims=True)
            probas.append(proba)
        return probas if self.outputs_2d_ else probas[0]

    def predict(self, X: MatrixLike | None = None) -> np.ndarray:
        """Predict the class with the largest weighted vote.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                default=None
            Queries. If None, leave-one-out predictions for the training
            samples.

        Returns
        -------
        y_pred : ndarray of shape (n_queries,) or (n_queries, n_outputs)
            Predicted labels; ties go to the first class in `classes_`.
        """
        probas = self.predict_proba(X)
        if not self.outputs_2d_:
            return self.classes_[np.argmax(probas, axis=1)]
        return np.stack(
            [cls[np.argmax(p, axis=1)] for cls, p in zip(self.classes_, probas)],
            axis=1,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags


SimilarityKNeighborsClassifier.__doc__ = SimilarityKNeighborsClassifier.__doc__.format(
    hubness=_HUBNESS_DOC,
    algorithm=_ALGORITHM_DOC,
    metric=_METRIC_DOC,
    verbose=_VERBOSE_DOC,
    weights=_WEIGHTS_DOC,
)
