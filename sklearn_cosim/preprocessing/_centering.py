"""Mean-centering of embeddings, with streaming estimation of the mean."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_cosim.preprocessing._base import _reject_sparse
from sklearn_cosim.utils._linalg import pow2_scale
from sklearn_cosim.utils._param_validation import _fit_context, validate_params
from sklearn_cosim.utils._typing import ArrayLike
from sklearn_cosim.utils.validation import check_no_datetime


@validate_params(
    {"X": ["array-like"], "copy": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def center(X: ArrayLike, *, copy: bool = True) -> np.ndarray:
    """Subtract the per-feature mean of `X` from each sample.

    Function twin of :class:`MeanCenterer`: ``center(X)`` equals
    ``MeanCenterer().fit_transform(X)``.

    Read more in the :ref:`User Guide <centering>`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data to center. Sparse input is refused because centering makes it
        dense.

    copy : bool, default=True
        If False, a float ndarray `X` is centered in place.

    Returns
    -------
    X_tr : ndarray of shape (n_samples, n_features)
        Centered data, with the dtype of `X` (float32 or float64).

    See Also
    --------
    MeanCenterer : Estimator version that remembers the mean for new data.

    Examples
    --------
    >>> from sklearn_cosim.preprocessing import center
    >>> center([[1.0, 2.0], [3.0, 6.0]])
    array([[-1., -2.],
           [ 1.,  2.]])
    """
    return MeanCenterer(copy=copy).fit_transform(X)


class MeanCenterer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    r"""Subtract the training mean from each sample.

    The transformation is

    .. math::

        \tilde{x} = x - \mu, \qquad
        \mu = \frac{1}{n} \sum_{i=1}^{n} x_i,

    with :math:`\mu` estimated at :term:`fit` (or accumulated over calls to
    :meth:`partial_fit`). Embeddings often share a common offset direction
    that makes all cosine similarities large; centering removes it. This is
    :class:`sklearn.preprocessing.StandardScaler` with ``with_std=False``,
    plus a float32-preserving transform and a float64 streaming mean.

    Read more in the :ref:`User Guide <centering>`.

    Parameters
    ----------
    copy : bool, default=True
        If False, a float ndarray is centered in place by :meth:`transform`
        and :meth:`inverse_transform`.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Per-feature mean of the training data, in float64.

    n_samples_seen_ : int
        Number of samples used to estimate `mean_`.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    center : Function twin.
    Whitener : Also decorrelates and rescales the centered data.
    PrincipalComponentRemover : Also removes the dominant directions.
    sklearn.preprocessing.StandardScaler : Centers and scales each feature.

    Notes
    -----
    Sparse input raises a ValueError: subtracting a mean turns every stored
    zero into a nonzero value. Densify explicitly (``X.toarray()``) or skip
    centering for sparse data.

    The mean is accumulated in float64 over :meth:`partial_fit` calls with the
    pairwise update :math:`\mu = \mu_a + (\mu_b - \mu_a) n_b / (n_a + n_b)`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.preprocessing import MeanCenterer
    >>> X = np.array([[1.0, 2.0], [3.0, 6.0]])
    >>> centerer = MeanCenterer().fit(X)
    >>> centerer.mean_
    array([2., 4.])
    >>> centerer.transform([[2.0, 5.0]])
    array([[0., 1.]])
    """

    _parameter_constraints: dict = {"copy": ["boolean"]}

    def __init__(self, *, copy: bool = True) -> None:
        self.copy = copy

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "MeanCenterer":
        """Compute the mean to subtract.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        for attr in ("mean_", "n_samples_seen_"):
            if hasattr(self, attr):
                delattr(self, attr)
        return self._partial_fit(X, reset=True)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "MeanCenterer":
        """Update the mean with a batch of samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Batch of training data.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        return self._partial_fit(X, reset=not hasattr(self, "mean_"))

    def _partial_fit(self, X, reset):
        _reject_sparse(X, type(self).__name__)
        check_no_datetime(X)
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        n_b = X.shape[0]
        mean_b = np.mean(X, axis=0, dtype=np.float64)
        if not np.all(np.isfinite(mean_b)):
            # The float64 sum of values near the largest float overflows:
            # average after an exact scaling by a power of two.
            scale = pow2_scale(np.max(np.abs(X)))
            mean_b = np.mean(X * scale, axis=0, dtype=np.float64) / scale
        if reset:
            self.mean_ = mean_b
            self.n_samples_seen_ = n_b
        else:
            n = self.n_samples_seen_ + n_b
            self.mean_ = self.mean_ + (mean_b - self.mean_) * (n_b / n)
            self.n_samples_seen_ = n
        return self

    def transform(self, X: ArrayLike, copy: bool | None = None) -> np.ndarray:
        """Subtract the fitted mean.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to center.

        copy : bool, default=None
            Copy the input `X` or not. If None, `self.copy` is used.

        Returns
        -------
        X_tr : ndarray of shape (n_samples, n_features)
            Centered data, with the dtype of `X` (float32 or float64).
        """
        check_is_fitted(self)
        X = self._validate_transform_input(X, copy)
        X -= self.mean_.astype(X.dtype, copy=False)
        return X

    def inverse_transform(self, X: ArrayLike, copy: bool | None = None) -> np.ndarray:
        """Add the fitted mean back.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Centered data.

        copy : bool, default=None
            Copy the input `X` or not. If None, `self.copy` is used.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Data in the original space.
        """
        check_is_fitted(self)
        X = self._validate_transform_input(X, copy)
        X += self.mean_.astype(X.dtype, copy=False)
        return X

    def _validate_transform_input(self, X, copy):
        copy = self.copy if copy is None else copy
        _reject_sparse(X, type(self).__name__)
        check_no_datetime(X)
        return validate_data(
            self,
            X,
            reset=False,
            dtype=[np.float64, np.float32],
            copy=copy,
            force_writeable=True,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
