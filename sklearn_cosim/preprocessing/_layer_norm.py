"""Per-sample standardisation across features (layer normalisation)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import validate_data

from sklearn_cosim.preprocessing._base import _reject_sparse
from sklearn_cosim.utils._param_validation import (
    Interval,
    _fit_context,
    validate_params,
)
from sklearn_cosim.utils._typing import ArrayLike
from sklearn_cosim.utils.validation import check_no_datetime


def _layer_normalize_inplace(X, eps):
    """Standardise each row of the float ndarray `X` in place.

    Rows whose values are so large that their centred squares (summed in
    float64) could overflow, or (float64 only) so small that they underflow,
    are standardised after an exact scaling by a power of two.
    """
    n_features = X.shape[1]
    info = np.finfo(np.float64)
    largest = np.maximum(np.max(X, axis=1), -np.min(X, axis=1)).astype(np.float64)
    high = np.sqrt(info.max / n_features) / 4.0
    if X.dtype == np.float32:
        high = min(high, float(np.finfo(np.float32).max) / 4.0)
        low = 0.0
    else:
        low = np.sqrt(info.tiny / info.eps)
    extreme = np.flatnonzero((largest > high) | ((largest < low) & (largest > 0)))
    rows = X[extreme].astype(np.float64) if extreme.size else None
    # The extreme rows may overflow or underflow here; they are redone below.
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        X -= np.mean(X, axis=1, dtype=np.float64).astype(X.dtype)[:, None]
        var = np.einsum("ij,ij->i", X, X, dtype=np.float64) / n_features
        denom = np.sqrt(var + eps)
        denom[denom == 0.0] = 1.0  # constant rows (only reachable with eps=0)
        X /= denom.astype(X.dtype)[:, None]
    if extreme.size:
        # y = (x s - m(x s)) / sqrt(v(x s) + eps s^2), with s = 2^k ~ 1 / max|x|.
        scale = np.ldexp(1.0, -np.frexp(largest[extreme])[1])
        rows *= scale[:, None]
        rows -= rows.mean(axis=1, keepdims=True)
        with np.errstate(over="ignore"):
            eps_scaled = eps * scale * scale if eps > 0 else 0.0
        denom = np.sqrt(np.mean(rows**2, axis=1) + eps_scaled)
        denom[denom == 0.0] = 1.0
        X[extreme] = rows / denom[:, None]
    return X


@validate_params(
    {
        "X": ["array-like"],
        "eps": [Interval(Real, 0, None, closed="left")],
        "copy": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def layer_normalize(
    X: ArrayLike, *, eps: float = 1e-5, copy: bool = True
) -> np.ndarray:
    """Standardise each sample across its features (layer normalisation).

    Function twin of :class:`LayerNormalizer`. See it for the formula.

    Read more in the :ref:`User Guide <layer_norm>`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data to normalise.

    eps : float >= 0, default=1e-5
        Added to each row's variance before the square root.

    copy : bool, default=True
        If False, a float ndarray `X` is normalised in place.

    Returns
    -------
    X_tr : ndarray of shape (n_samples, n_features)
        Normalised data, with the dtype of `X` (float32 or float64).

    See Also
    --------
    LayerNormalizer : Transformer version, for pipelines.

    Examples
    --------
    >>> from sklearn_cosim.preprocessing import layer_normalize
    >>> layer_normalize([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]], eps=0.0).round(3)
    array([[-1.225,  0.   ,  1.225],
           [ 0.   ,  0.   ,  0.   ]])
    """
    return LayerNormalizer(eps=eps, copy=copy).fit_transform(X)


class LayerNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    r"""Standardise each sample across its features (layer normalisation).

    Layer normalisation without the learned affine part:

    .. math::

        y_j = \frac{x_j - m(x)}{\sqrt{v(x) + \varepsilon}}, \qquad
        m(x) = \frac{1}{d} \sum_{j=1}^{d} x_j, \quad
        v(x) = \frac{1}{d} \sum_{j=1}^{d} (x_j - m(x))^2,

    with :math:`\varepsilon` = `eps` (ddof=0, as in
    ``torch.nn.LayerNorm``). Every output row has zero mean and norm close to
    :math:`\sqrt{d}`, so the cosine similarity of two outputs is the Pearson
    correlation of the two inputs across features. This transformer is
    stateless: :meth:`fit` only checks the input, like
    :class:`sklearn.preprocessing.Normalizer`.

    Read more in the :ref:`User Guide <layer_norm>`.

    Parameters
    ----------
    eps : float >= 0, default=1e-5
        Added to each row's variance before the square root (the default of
        ``torch.nn.LayerNorm``). It bounds the amplification of rows with a
        tiny spread; scale it with your data if feature values are very
        small.

    copy : bool, default=True
        If False, a float ndarray is normalised in place.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    layer_normalize : Function twin.
    sklearn.preprocessing.Normalizer : Scales rows to unit norm without
        centering them.
    MeanCenterer : Centers each feature (column) instead of each row.

    Notes
    -----
    A constant row has zero variance and is mapped to zeros (never NaN, also
    with ``eps=0``). Sparse input raises a ValueError: centering each row
    makes it dense.

    Examples
    --------
    >>> from sklearn_cosim.preprocessing import LayerNormalizer
    >>> X = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]
    >>> LayerNormalizer(eps=0.0).fit_transform(X).round(3)
    array([[-1.225,  0.   ,  1.225],
           [-1.225,  0.   ,  1.225]])
    """

    _parameter_constraints: dict = {
        "eps": [Interval(Real, 0, None, closed="left")],
        "copy": ["boolean"],
    }

    def __init__(self, *, eps: float = 1e-5, copy: bool = True) -> None:
        self.eps = eps
        self.copy = copy

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "LayerNormalizer":
        """Only validate the input; nothing is learned.

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
        _reject_sparse(X, type(self).__name__)
        check_no_datetime(X)
        validate_data(self, X, dtype=[np.float64, np.float32])
        return self

    def transform(self, X: ArrayLike, copy: bool | None = None) -> np.ndarray:
        """Standardise each sample across its features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to normalise.

        copy : bool, default=None
            Copy the input `X` or not. If None, `self.copy` is used.

        Returns
        -------
        X_tr : ndarray of shape (n_samples, n_features)
            Normalised data, with the dtype of `X` (float32 or float64).
        """
        copy = self.copy if copy is None else copy
        _reject_sparse(X, type(self).__name__)
        check_no_datetime(X)
        X = validate_data(
            self,
            X,
            reset=False,
            dtype=[np.float64, np.float32],
            copy=copy,
            force_writeable=True,
        )
        return _layer_normalize_inplace(X, self.eps)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.sparse = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
