"""k-nearest-neighbour regression with any similarity measure."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Callable
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
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


def _check_targets(X, y):
    check_no_datetime(X)
    check_no_datetime(y, "y")
    return np.asarray(y, dtype=np.float64)


class SimilarityKNeighborsRegressor(
    SimilarityNeighborsMixin, RegressorMixin, BaseEstimator
):
    """Regression by the weighted mean target of the most similar samples.

    The API of :class:`sklearn.neighbors.KNeighborsRegressor`, on the block
    engine of :class:`SimilarityNeighbors`.

    Read more in the :ref:`User Guide <similarity_neighbors>`.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours averaged.

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
    sklearn.neighbors.KNeighborsRegressor : The same for distance metrics.
    SimilarityKNeighborsClassifier : Classification on the same engine.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.neighbors import SimilarityKNeighborsRegressor
    >>> angles = np.linspace(0, np.pi / 2, 20)
    >>> X = np.c_[np.cos(angles), np.sin(angles)] * np.arange(1, 21)[:, None]
    >>> reg = SimilarityKNeighborsRegressor(n_neighbors=2).fit(X, angles)
    >>> reg.predict([[1.0, 1.0]]).round(3)  # the direction, not the norm, counts
    array([0.785])
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
    def fit(self, X: MatrixLike, y: ArrayLike) -> "SimilarityKNeighborsRegressor":
        """Store the training samples and their targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : object
            Fitted regressor.
        """
        # y alone first: validating X here too, then again in `_fit`, would
        # reset the feature names to those of the converted array (none).
        y = validate_data(self, y=y, multi_output=True, y_numeric=True)
        y = _check_targets(X, y)
        self._fit(X)  # validates X; sets n_features_in_ and feature_names_in_
        check_consistent_length(self._fit_X, y)
        self._y = y
        check_weights(self.weights, self._measure)
        return self

    @_fit_context(prefer_skip_nested_validation=False)  # metric may be a callable
    def partial_fit(
        self, X: MatrixLike, y: ArrayLike
    ) -> "SimilarityKNeighborsRegressor":
        """Add training samples and their targets (the first call fits).

        The result equals one :meth:`fit` on every sample added so far;
        statistics of every fitted sample (`hubness`, `query_normalize`)
        are computed again, which costs a search of the whole index.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples to add.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their targets, with the fitted number of outputs.

        Returns
        -------
        self : object
            The regressor, fitted on all samples added so far.
        """
        if not hasattr(self, "_corpus"):
            return self.fit(X, y)
        # not validate_data(self, y=y): without X it would drop the fitted
        # feature names
        y = _check_targets(X, check_array(y, ensure_2d=False, input_name="y"))
        if y.shape[1:] != self._y.shape[1:]:
            raise ValueError(
                f"y has {y.shape[1] if y.ndim == 2 else 1} output(s) but the "
                f"regressor was fitted with "
                f"{self._y.shape[1] if self._y.ndim == 2 else 1}; pass targets of "
                "the same shape."
            )
        check_consistent_length(X, y)  # before the index changes
        self._partial_fit(X)
        self._y = np.concatenate([self._y, y])
        return self

    def predict(self, X: MatrixLike | None = None) -> np.ndarray:
        """Predict the weighted mean target of the neighbours.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                default=None
            Queries. If None, leave-one-out predictions for the training
            samples.

        Returns
        -------
        y_pred : ndarray of shape (n_queries,) or (n_queries, n_outputs)
            Predictions, in float64.
        """
        check_is_fitted(self)
        check_no_datetime(X)
        sims, ind = self._kneighbors_similarity(X, None)
        w = neighbor_weights(self.weights, sims, self._measure)
        w = w / w.sum(axis=1, keepdims=True)
        y = self._y[ind]
        if y.ndim == 3:
            return np.einsum("qk,qko->qo", w, y)
        return np.einsum("qk,qk->q", w, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags


SimilarityKNeighborsRegressor.__doc__ = SimilarityKNeighborsRegressor.__doc__.format(
    hubness=_HUBNESS_DOC,
    algorithm=_ALGORITHM_DOC,
    metric=_METRIC_DOC,
    verbose=_VERBOSE_DOC,
    weights=_WEIGHTS_DOC,
)
