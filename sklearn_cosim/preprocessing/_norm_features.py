"""Split each sample into its unit direction and a standardised norm feature."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_cosim.utils._linalg import pow2_scale, row_norms64
from sklearn_cosim.utils._param_validation import (
    Interval,
    StrOptions,
    _fit_context,
    validate_params,
)
from sklearn_cosim.utils._typing import ArrayLike, Matrix, MatrixLike
from sklearn_cosim.utils.validation import check_no_datetime

_PARAMETER_CONSTRAINTS = {
    "norm_transform": [StrOptions({"identity", "log", "log1p"})],
    "norm_weight": [Interval(Real, 0, None, closed="left")],
}


@validate_params(
    {"X": ["array-like", "sparse matrix"], **_PARAMETER_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def add_norm_feature(
    X: MatrixLike, *, norm_transform: str = "identity", norm_weight: float = 1.0
) -> Matrix:
    """Replace each sample by its unit direction plus a standardised norm column.

    Function twin of :class:`NormFeatureAugmenter`: the norm feature is
    standardised with the mean and standard deviation over `X` itself.

    Read more in the :ref:`User Guide <norm_features>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Data to augment.

    norm_transform : {"identity", "log", "log1p"}, default="identity"
        Function :math:`f` applied to the norm before standardisation.

    norm_weight : float >= 0, default=1.0
        Multiplier of the standardised norm feature.

    Returns
    -------
    X_tr : {ndarray, sparse matrix} of shape (n_samples, n_features + 1)
        Unit directions followed by the norm feature; CSR if `X` is sparse.

    See Also
    --------
    NormFeatureAugmenter : Estimator version that can process new data.

    Examples
    --------
    >>> from sklearn_cosim.preprocessing import add_norm_feature
    >>> add_norm_feature([[3.0, 4.0], [0.0, 1.0]])
    array([[ 0.6,  0.8,  1. ],
           [ 0. ,  1. , -1. ]])
    """
    return NormFeatureAugmenter(
        norm_transform=norm_transform, norm_weight=norm_weight
    ).fit_transform(X)


class NormFeatureAugmenter(TransformerMixin, BaseEstimator):
    r"""Replace each sample by its unit direction plus a standardised norm column.

    Cosine similarity discards the vector norm, which often carries
    frequency, certainty or salience. This transformer keeps both parts as
    separate features for a downstream model:

    .. math::

        x \mapsto \left[\frac{x}{\lVert x \rVert},\;
        w \, \frac{f(\lVert x \rVert) - m}{s}\right],

    where :math:`f` is `norm_transform`, :math:`w` is `norm_weight`, and
    :math:`m, s` are the mean and standard deviation (ddof=0) of
    :math:`f(\lVert x \rVert)` over the training samples (:math:`s = 1` if
    it is 0). The direction block has norm 1 and pairwise Euclidean
    distances in [0, 2]; the standardised norm feature has unit variance, so
    with ``norm_weight=1`` it weighs about as much as the direction in a
    Euclidean or linear model, whatever the scale of the embeddings. Tune
    `norm_weight` (0 removes the norm's influence) in a grid search.

    Read more in the :ref:`User Guide <norm_features>`.

    Parameters
    ----------
    norm_transform : {"identity", "log", "log1p"}, default="identity"
        Function :math:`f` applied to the Euclidean norm. ``"log"`` requires
        every row to be nonzero; ``"log1p"`` accepts zero rows.

    norm_weight : float >= 0, default=1.0
        Multiplier :math:`w` of the standardised norm feature.

    Attributes
    ----------
    norm_mean_ : float
        Mean :math:`m` of :math:`f(\lVert x \rVert)` over the training data.

    norm_scale_ : float
        Standard deviation :math:`s` of :math:`f(\lVert x \rVert)` over the
        training data, or 1 where it is 0.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    add_norm_feature : Function twin.
    sklearn.preprocessing.Normalizer : Keeps only the unit direction.

    Notes
    -----
    A zero row has direction 0 and norm 0 (``"identity"`` and ``"log1p"``).
    Sparse input gives a CSR output. The output feature names are the input
    feature names followed by ``"norm"``.

    Examples
    --------
    >>> from sklearn_cosim.preprocessing import NormFeatureAugmenter
    >>> X = [[3.0, 4.0], [0.0, 1.0], [0.0, 0.0]]
    >>> augmenter = NormFeatureAugmenter().fit(X)
    >>> augmenter.norm_mean_, round(augmenter.norm_scale_, 3)
    (2.0, 2.16)
    >>> augmenter.transform(X).round(3)
    array([[ 0.6  ,  0.8  ,  1.389],
           [ 0.   ,  1.   , -0.463],
           [ 0.   ,  0.   , -0.926]])
    """

    _parameter_constraints: dict = dict(_PARAMETER_CONSTRAINTS)

    def __init__(
        self, *, norm_transform: str = "identity", norm_weight: float = 1.0
    ) -> None:
        self.norm_transform = norm_transform
        self.norm_weight = norm_weight

    def _norm_feature(self, X):
        """``f(||x||)`` for each row, in float64, and the norms."""
        norms = row_norms64(X)
        if self.norm_transform == "log":
            if np.any(norms == 0.0):
                raise ValueError(
                    "norm_transform='log' is undefined for rows of zeros; "
                    "remove them or use norm_transform='log1p'."
                )
            return np.log(norms), norms
        if self.norm_transform == "log1p":
            return np.log1p(norms), norms
        return norms, norms

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike | None = None) -> "NormFeatureAugmenter":
        """Learn the mean and scale of the norm feature.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        check_no_datetime(X)
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32])
        feature, _ = self._norm_feature(X)
        # Scaled by a power of two so that huge norms do not overflow the
        # squares of the standard deviation (exact, and the identity otherwise).
        factor = pow2_scale(np.max(np.abs(feature)))
        self.norm_mean_ = float(np.mean(feature * factor) / factor)
        scale = float(np.std(feature * factor) / factor)
        self.norm_scale_ = scale if scale > 0.0 else 1.0
        return self

    def transform(self, X: MatrixLike) -> Matrix:
        """Compute the unit directions and the standardised norm feature.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to augment.

        Returns
        -------
        X_tr : {ndarray, sparse matrix} of shape (n_samples, n_features + 1)
            Unit directions followed by the norm feature, with the dtype of
            `X` (float32 or float64); CSR if `X` is sparse.
        """
        check_is_fitted(self)
        check_no_datetime(X)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        feature, norms = self._norm_feature(X)
        column = self.norm_weight * (feature - self.norm_mean_) / self.norm_scale_
        column = column.astype(X.dtype)[:, None]
        safe = np.where(norms > 0.0, norms, 1.0)
        if sparse.issparse(X):
            direction = sparse.csr_matrix(X, copy=True)
            direction.data /= np.repeat(safe, np.diff(direction.indptr)).astype(X.dtype)
            return sparse.hstack([direction, column], format="csr", dtype=X.dtype)
        out = np.empty((X.shape[0], X.shape[1] + 1), dtype=X.dtype)
        np.divide(X, safe.astype(X.dtype)[:, None], out=out[:, :-1])
        out[:, -1:] = column
        return out

    @property
    def _n_features_out(self):
        return self.n_features_in_ + 1

    def get_feature_names_out(
        self, input_features: ArrayLike | None = None
    ) -> np.ndarray:
        """Get output feature names for transformation.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names. If None, `feature_names_in_` is used when
            defined, else ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The input feature names followed by ``"norm"``.
        """
        names = OneToOneFeatureMixin.get_feature_names_out(self, input_features)
        return np.append(names, "norm").astype(object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
