"""Removal of the mean and of the dominant principal directions (all-but-the-top)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_cosim.preprocessing._base import _batch_moments, _sorted_eigh
from sklearn_cosim.utils._param_validation import (
    Interval,
    StrOptions,
    _fit_context,
    validate_params,
)
from sklearn_cosim.utils._typing import ArrayLike, MatrixLike
from sklearn_cosim.utils.validation import check_no_datetime

_PARAMETER_CONSTRAINTS = {
    "n_components": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
    "with_mean": ["boolean"],
    "project": [StrOptions({"centered", "raw"})],
    "copy": ["boolean"],
}


@validate_params(
    {"X": ["array-like", "sparse matrix"], **_PARAMETER_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def remove_principal_components(
    X: MatrixLike,
    n_components: int | str = "auto",
    *,
    with_mean: bool = True,
    project: str = "centered",
    copy: bool = True,
) -> np.ndarray:
    """Remove the mean and the top principal directions of `X` (all-but-the-top).

    Function twin of :class:`PrincipalComponentRemover`:
    ``remove_principal_components(X, **params)`` equals
    ``PrincipalComponentRemover(**params).fit_transform(X)``.

    Read more in the :ref:`User Guide <pc_removal>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Data to post-process.

    n_components : int >= 0 or "auto", default="auto"
        Number of leading directions removed; ``"auto"`` is
        ``ceil(n_features / 100)``.

    with_mean : bool, default=True
        Subtract the mean and take directions from the covariance. If False,
        directions come from the uncentred second-moment matrix.

    project : {"centered", "raw"}, default="centered"
        Whether the projection coefficients are taken on the centred
        (``"centered"``) or on the raw input (``"raw"``).

    copy : bool, default=True
        If False, a dense float ndarray `X` is modified in place.

    Returns
    -------
    X_tr : ndarray of shape (n_samples, n_features)
        Post-processed data (dense), with the dtype of `X`.

    See Also
    --------
    PrincipalComponentRemover : Estimator version that can process new data.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.preprocessing import remove_principal_components
    >>> X = np.array([[2.0, 0.0], [4.0, 1.0], [6.0, 0.0]])
    >>> remove_principal_components(X, n_components=1).shape
    (3, 2)
    """
    return PrincipalComponentRemover(
        n_components, with_mean=with_mean, project=project, copy=copy
    ).fit_transform(X)


class PrincipalComponentRemover(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    r"""Remove the mean and the top principal directions from each sample.

    This is *all-but-the-top* (Mu & Viswanath, ICLR 2018). With the training
    mean :math:`\mu` and the rows :math:`u_1, \dots, u_D` of `components_`
    (the `n_components` leading eigenvectors of the training covariance),

    .. math::

        x' = (x - \mu) - \sum_{i=1}^{D} \left(u_i^\top (x - \mu)\right) u_i
        \quad \text{(project="centered")},

    .. math::

        x' = (x - \mu) - \sum_{i=1}^{D} \left(u_i^\top x\right) u_i
        \quad \text{(project="raw")}.

    Embedding spaces are often dominated by a common offset and a few
    directions shared by all vectors (anisotropy), so that every cosine
    similarity is large; removing them makes cosine reflect the remaining
    structure.

    Read more in the :ref:`User Guide <pc_removal>`.

    Parameters
    ----------
    n_components : int >= 0 or "auto", default="auto"
        Number :math:`D` of leading principal directions removed. ``"auto"``
        is the paper's rule of thumb :math:`D \approx d / 100`, computed as
        ``ceil(n_features / 100)`` (1 for up to 100 features, 8 for 768).
        0 only centers. Must not exceed ``min(n_samples, n_features)``.

    with_mean : bool, default=True
        If True, subtract the training mean and take the directions from the
        covariance. If False, :math:`\mu = 0` and the directions come from
        the uncentred second-moment matrix (both `project` modes coincide).

    project : {"centered", "raw"}, default="centered"
        What the projection coefficients are computed on. Public copies of
        the algorithm disagree: ``"centered"`` projects the centred vector,
        so the output has zero mean and no component along the removed
        directions; ``"raw"`` projects the input vector (as in a widely
        copied re-implementation), which shifts every output by the constant
        :math:`-\sum_i (u_i^\top \mu) u_i`: Euclidean distances are identical,
        cosines differ.

    copy : bool, default=True
        If False, dense input of a floating dtype is modified in place.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Per-feature training mean, or zeros when `with_mean=False`.

    components_ : ndarray of shape (`n_components_`, n_features)
        Removed directions, sorted by decreasing `explained_variance_`, each
        signed so that its entry of largest magnitude is positive.

    explained_variance_ : ndarray of shape (`n_components_`,)
        Variance (ddof=1) of the training data along each removed direction
        (second moment when `with_mean=False`).

    n_components_ : int
        Number of removed directions (resolves ``"auto"``).

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    remove_principal_components : Function twin.
    MeanCenterer : Removes only the mean (``n_components=0``).
    Whitener : Rescales all directions instead of removing the top ones.
    sklearn.decomposition.PCA : Keeps the leading directions instead.

    Notes
    -----
    Sparse input is accepted; the output is always a dense ndarray because
    centering destroys sparsity. Statistics are computed in float64 from
    blocks of rows shifted by a close estimate of the mean, rescaled by a power
    of two where their products would overflow or underflow the dtype; float64
    data whose covariance float64 cannot hold (values beyond about 1e154 or
    all below about 1e-146) raise a ValueError.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.preprocessing import PrincipalComponentRemover
    >>> X = np.array([[2.0, 0.0], [4.0, 1.0], [6.0, 0.0]])
    >>> remover = PrincipalComponentRemover(n_components=1).fit(X)
    >>> remover.components_.shape
    (1, 2)
    >>> X_tr = remover.transform(X)
    >>> np.allclose(X_tr @ remover.components_.T, 0.0)
    True
    """

    _parameter_constraints: dict = dict(_PARAMETER_CONSTRAINTS)

    def __init__(
        self,
        n_components: int | str = "auto",
        *,
        with_mean: bool = True,
        project: str = "centered",
        copy: bool = True,
    ) -> None:
        self.n_components = n_components
        self.with_mean = with_mean
        self.project = project
        self.copy = copy

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: MatrixLike, y: ArrayLike | None = None
    ) -> "PrincipalComponentRemover":
        """Estimate the mean and the directions to remove.

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
        X = validate_data(
            self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32]
        )
        n_samples, n_features = X.shape
        n_components = self._check_n_components(n_samples, n_features)
        if sparse.issparse(X):
            X = X.tocsr()
        moments = _batch_moments(
            X, with_mean=self.with_mean, estimator_name=type(self).__name__
        )
        return self._fit_moments(moments, n_components)

    def _check_n_components(self, n_samples, n_features):
        if self.n_components == "auto":
            n_components = math.ceil(n_features / 100)
        else:
            n_components = self.n_components
        if n_components > min(n_samples, n_features):
            raise ValueError(
                f"n_components={n_components} must be <= min(n_samples, "
                f"n_features)={min(n_samples, n_features)} (n_samples={n_samples}"
                f", n_features={n_features})."
            )
        return n_components

    def _fit_moments(self, moments, n_components):
        """The fitted attributes from the moments of every training sample."""
        n_samples, n_features = moments["n"], moments["scatter"].shape[0]
        if n_components > 0:
            cov = moments["scatter"] / max(n_samples - 1, 1)
            eigvals, components = _sorted_eigh(cov, n_components)
        else:
            eigvals, components = np.zeros(0), np.zeros((0, n_features))
        self.mean_ = moments["mean"]
        self.components_ = components
        self.explained_variance_ = np.maximum(eigvals, 0.0)
        self.n_components_ = n_components
        return self

    def transform(self, X: MatrixLike, copy: bool | None = None) -> np.ndarray:
        """Subtract the mean and project out the fitted directions.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to transform.

        copy : bool, default=None
            Copy the input `X` or not. If None, `self.copy` is used.

        Returns
        -------
        X_tr : ndarray of shape (n_samples, n_features)
            Transformed data (dense), with the dtype of `X` (float32 or
            float64).
        """
        check_is_fitted(self)
        copy = self.copy if copy is None else copy
        check_no_datetime(X)
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse=("csr", "csc"),
            dtype=[np.float64, np.float32],
            copy=copy,
            force_writeable=True,
        )
        mean = self.mean_.astype(X.dtype, copy=False)
        components = self.components_.astype(X.dtype, copy=False)
        if self.project == "raw":
            scores = safe_sparse_dot(X, components.T, dense_output=True)
        X = X.toarray() if sparse.issparse(X) else X
        X -= mean
        if self.project == "centered":
            scores = X @ components.T
        X -= scores @ components
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
