"""Similarity-judgement data: an estimator whose score is a rank correlation."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from typing import Any

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from sklearn_cosim.metrics._base import SimilarityMeasure
from sklearn_cosim.metrics._registry import CarriesMeasures
from sklearn_cosim.metrics.pairwise import check_metric, paired_similarity
from sklearn_cosim.utils._param_validation import (
    StrOptions,
    _fit_context,
    validate_params,
)
from sklearn_cosim.utils._typing import ArrayLike, MetricLike
from sklearn_cosim.utils.validation import check_no_datetime

_DTYPES = [np.float64, np.float32]


def _halves(X, param="X"):
    n_features = X.shape[1]
    if n_features % 2:
        raise ValueError(
            f"{param} must hold the two embeddings of each pair side by side, "
            "[u | v], so its number of columns must be even; got "
            f"n_features={n_features}. "
            "Build it with stack_pairs(U, V)."
        )
    d = n_features // 2
    return X[:, :d], X[:, d:]


def _refuse_3d(X):
    if getattr(X, "ndim", None) == 3:
        raise ValueError(
            f"X must be 2-D, [u | v]; got a 3-D array of shape {X.shape}. "
            "Convert an (n_pairs, 2, n_features) array with stack_pairs(X)."
        )


def _check_numeric_y(y):
    """Refuse non-numeric judgements (e.g. strings), naming ``y``."""
    y_arr = np.asarray(y)
    if y_arr.dtype.kind in "OUS":
        bad = next(
            (v for v in y_arr.ravel() if not isinstance(v, (int, float, np.number))),
            None,
        )
        if y_arr.dtype.kind != "O" or bad is not None:
            raise ValueError(
                "y must hold numeric similarity judgements, got non-numeric "
                f"values such as {bad!r} (dtype {y_arr.dtype}). For labels such "
                "as 'similar' / 'not similar' use PairedSimilarityClassifier."
            )


def _check_fitted_pairs(estimator, X):
    """`X` validated against a fitted pair estimator (2-D, same width)."""
    check_is_fitted(estimator)
    _refuse_3d(X)
    check_no_datetime(X)
    return validate_data(estimator, X, reset=False, dtype=_DTYPES)


def _correlation(y_true, y_pred, scoring):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if np.ptp(y_true) == 0 or np.ptp(y_pred) == 0:
        warnings.warn(
            f"The {scoring} correlation is undefined when the predicted "
            "similarities or the target are constant; returning 0.0.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return 0.0
    if scoring == "spearman":
        return float(stats.spearmanr(y_true, y_pred)[0])
    return float(stats.pearsonr(y_true, y_pred)[0])


@validate_params(
    {"U": ["array-like"], "V": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def stack_pairs(U: ArrayLike, V: ArrayLike | None = None) -> np.ndarray:
    """Put the two embeddings of each pair side by side, ``[u | v]``.

    This is the input layout of :class:`PairedSimilarity`. It is 2-D
    because scikit-learn's input validation, feature counts, pandas
    output and cross-validation tools all expect samples x features.

    Parameters
    ----------
    U : array-like of shape (n_pairs, n_features) or (n_pairs, 2, n_features)
        First embedding of each pair, or both (a 3-D array, ``U[:, 0]`` the
        first and ``U[:, 1]`` the second) when `V` is None.

    V : array-like of shape (n_pairs, n_features), default=None
        Second embedding of each pair.

    Returns
    -------
    X : ndarray of shape (n_pairs, 2 * n_features)
        The pairs, ``X[:, :n_features]`` the first embeddings.

    See Also
    --------
    PairedSimilarity : Scores the pairs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.model_selection import stack_pairs
    >>> stack_pairs([[1.0, 0.0]], [[0.0, 1.0]])
    array([[1., 0., 0., 1.]])
    >>> stack_pairs(np.zeros((5, 2, 3))).shape
    (5, 6)
    """
    if V is None:
        check_no_datetime(U, "U")
        U = check_array(U, allow_nd=True, dtype=_DTYPES)
        if U.ndim != 3 or U.shape[1] != 2:
            raise ValueError(
                "U must have shape (n_pairs, 2, n_features) when V is None, got "
                f"shape {U.shape}."
            )
        return U.reshape(U.shape[0], 2 * U.shape[2])
    check_no_datetime(U, "U")
    U = check_array(U, dtype=_DTYPES)
    check_no_datetime(V, "V")
    V = check_array(V, dtype=_DTYPES)
    if U.shape != V.shape:
        raise ValueError(
            f"U and V must have the same shape, got {U.shape} and {V.shape}."
        )
    return np.hstack([U, V])


class PairedSimilarity(CarriesMeasures, BaseEstimator):
    """Similarity of embedding pairs, scored by correlation with human judgements.

    For similarity-judgement data -- word pairs with human ratings,
    sentence pairs with STS scores -- each sample is a pair. `X` holds the
    two embeddings side by side, ``[u | v]`` (see :func:`stack_pairs`).
    :meth:`fit` fits a clone of `preprocessor` on the stacked halves
    (the ``2 * n_pairs`` embeddings) or on an unlabelled `corpus`;
    :meth:`predict` returns the similarity of each pair after
    preprocessing; :meth:`score` is Spearman's (or Pearson's) correlation
    of the similarities with the judgements `y`. Post-processing and
    measure are then a :class:`~sklearn.model_selection.GridSearchCV`
    question::

        GridSearchCV(PairedSimilarity(), {"preprocessor": [None, MeanCenterer()],
                                          "metric": ["cosine", "dot"]})

    Read more in the :ref:`User Guide <paired_similarity>`.

    Parameters
    ----------
    metric : str, SimilarityMeasure or callable, default="cosine"
        Similarity measure: a name registered in
        :data:`sklearn_cosim.metrics.pairwise.PAIRWISE_SIMILARITY_MEASURES`,
        a :class:`~sklearn_cosim.metrics.SimilarityMeasure` or a callable
        ``f(X, Y, **metric_params)`` (see
        :func:`~sklearn_cosim.metrics.paired_similarity`).

    metric_params : dict, default=None
        Parameters of the measure.

    preprocessor : estimator, "passthrough" or None, default=None
        Transformer (``fit``/``transform``) applied to every embedding
        before the similarity; None or "passthrough" for none. It is cloned
        and fitted in :meth:`fit`; wrap a transformer fitted beforehand in
        :class:`sklearn.frozen.FrozenEstimator` to keep it as it is.

    scoring : {"spearman", "pearson"}, default="spearman"
        Correlation returned by :meth:`score`.

    Attributes
    ----------
    preprocessor_ : estimator or None
        The fitted clone of `preprocessor` (None without one).

    effective_metric_params_ : dict
        Parameters of the measure, defaults filled in.

    n_features_in_ : int
        Number of columns of `X` seen during :term:`fit`, ``2 * d``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    stack_pairs : Builds `X` from the two embeddings (or a 3-D array).
    sklearn_cosim.metrics.paired_similarity : The similarity of row pairs.

    Notes
    -----
    `X` is 2-D, ``[u | v]``, rather than a 3-D array of shape
    ``(n_pairs, 2, d)``: scikit-learn's validation (``validate_data``),
    ``n_features_in_``, feature names, pandas input and the estimator
    checks all require samples x features. :func:`stack_pairs` converts a
    3-D array.

    Without a corpus, the preprocessor is fitted on the pairs of the
    training fold only, so cross-validation does not leak the test pairs;
    an embedding occurring in several pairs counts once per pair. The
    corpus passed to :meth:`fit` is used as is in every fold: in a grid
    search, pass it to ``GridSearchCV.fit`` only if its number of rows
    differs from the number of pairs (otherwise scikit-learn splits it
    with the pairs), or better, fit the transformer on the corpus once and
    wrap it in :class:`~sklearn.frozen.FrozenEstimator`.

    :meth:`score` returns 0.0 with an
    :class:`~sklearn.exceptions.UndefinedMetricWarning` when the
    correlation is undefined (constant similarities or constant `y`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.model_selection import PairedSimilarity, stack_pairs
    >>> from sklearn_cosim.preprocessing import MeanCenterer
    >>> rng = np.random.default_rng(0)
    >>> U, V = rng.normal(size=(50, 8)), rng.normal(size=(50, 8))
    >>> X = stack_pairs(U + 5.0, 0.5 * U + V + 5.0)    # a shared offset of 5
    >>> y = np.einsum("ij,ij->i", U, 0.5 * U + V)         # "human" ratings
    >>> est = PairedSimilarity("cosine", preprocessor=MeanCenterer()).fit(X)
    >>> est.predict(X).shape
    (50,)
    >>> print(round(est.score(X, y), 2))
    0.74
    >>> print(round(PairedSimilarity().fit(X).score(X, y), 2))  # no centering
    0.07
    """

    _parameter_constraints: dict = {
        "metric": [str, callable, SimilarityMeasure],
        "metric_params": [dict, None],
        "preprocessor": "no_validation",  # checked in fit: fit + transform
        "scoring": [StrOptions({"spearman", "pearson"})],
    }

    def __init__(
        self,
        metric: MetricLike = "cosine",
        *,
        metric_params: dict | None = None,
        preprocessor: Any = None,
        scoring: str = "spearman",
    ) -> None:
        self.metric = metric
        self.metric_params = metric_params
        self.preprocessor = preprocessor
        self.scoring = scoring

    def _check_preprocessor(self):
        pre = self.preprocessor
        if pre is None or (isinstance(pre, str) and pre == "passthrough"):
            return None
        if not (hasattr(pre, "fit") and hasattr(pre, "transform")):
            raise ValueError(
                "preprocessor must be a transformer with fit and transform, "
                f"'passthrough' or None; got {pre!r}."
            )
        return pre

    @_fit_context(prefer_skip_nested_validation=False)  # preprocessor is an estimator
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike | None = None,
        *,
        corpus: ArrayLike | None = None,
    ) -> "PairedSimilarity":
        """Fit the preprocessor on the embeddings of the pairs (or on `corpus`).

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2 * n_features)
            Pairs ``[u | v]``.

        y : array-like of shape (n_pairs,), default=None
            Similarity judgements; not used by the fit, validated if given.

        corpus : array-like of shape (n_samples, n_features), default=None
            Unlabelled embeddings to fit the preprocessor on instead of the
            halves of `X` (see Notes of the class).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _refuse_3d(X)
        if y is None:
            check_no_datetime(X)
            X = validate_data(self, X, dtype=_DTYPES)
        else:
            _check_numeric_y(y)
            check_no_datetime(X)
            X, y = validate_data(self, X, y, dtype=_DTYPES, y_numeric=True)
        U, V = _halves(X)
        self.effective_metric_params_ = check_metric(
            self.metric, self.metric_params
        ).params
        pre = self._check_preprocessor()
        if pre is None:
            self.preprocessor_ = None
            return self
        if corpus is None:
            data = np.vstack([U, V])
        else:
            check_no_datetime(corpus, "corpus")
            data = check_array(corpus, dtype=_DTYPES, input_name="corpus")
            if data.shape[1] != U.shape[1]:
                raise ValueError(
                    f"corpus has {data.shape[1]} features but the pairs have "
                    f"{U.shape[1]} per embedding."
                )
        self.preprocessor_ = clone(pre).fit(data, None)
        return self

    def _transform(self, Z):
        if self.preprocessor_ is None:
            return Z
        return self.preprocessor_.transform(Z)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Similarity of the two embeddings of each pair, after preprocessing.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2 * n_features)
            Pairs ``[u | v]``.

        Returns
        -------
        similarities : ndarray of shape (n_pairs,)
            Similarities in float64 (larger is more similar).
        """
        U, V = _halves(_check_fitted_pairs(self, X))
        U = np.asarray(self._transform(U), dtype=np.float64)
        V = np.asarray(self._transform(V), dtype=np.float64)
        return np.asarray(
            paired_similarity(
                U, V, metric=self.metric, **self.effective_metric_params_
            ),
            dtype=np.float64,
        )

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """Correlation of the predicted similarities with the judgements `y`.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2 * n_features)
            Pairs ``[u | v]``.

        y : array-like of shape (n_pairs,)
            Similarity judgements (any monotone scale for Spearman).

        Returns
        -------
        score : float
            Spearman's rho (or Pearson's r, see `scoring`), in [-1, 1].
        """
        _check_numeric_y(y)
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {y.shape}.")
        y_pred = self.predict(X)
        if y.shape[0] != y_pred.shape[0]:
            raise ValueError(
                f"y has {y.shape[0]} values but X has {y_pred.shape[0]} pairs."
            )
        return _correlation(y, y_pred, self.scoring)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.non_deterministic = False
        return tags
