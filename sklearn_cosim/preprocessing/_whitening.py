"""PCA and ZCA whitening with shrinkage, partial whitening and streaming fits."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    OneToOneFeatureMixin,
    TransformerMixin,
)
from sklearn.covariance import shrunk_covariance
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_cosim.preprocessing._base import (
    _CHUNK_ROWS,
    _batch_moments,
    _ledoit_wolf_shrinkage,
    _magnitude_error,
    _merge_moments,
    _oas_shrinkage,
    _reject_sparse,
    _sorted_eigh,
)
from sklearn_cosim.utils._param_validation import (
    Interval,
    StrOptions,
    _fit_context,
    validate_params,
)
from sklearn_cosim.utils._typing import ArrayLike
from sklearn_cosim.utils.validation import check_no_datetime

#: Fitted attributes, removed while partial_fit has too few samples.
_FITTED_ATTRIBUTES = (
    "mean_",
    "covariance_",
    "shrinkage_",
    "components_",
    "explained_variance_",
    "n_components_",
    "whitening_",
    "n_samples_seen_",
    "_bias_error",
)

#: transform folds the mean into the product when the rounding error this
#: causes is at most this fraction of each output column's spread.
_FOLD_RTOL = 1e-3


class _NotEnoughSamples(ValueError):
    """The samples seen so far do not determine the requested whitening."""


_PARAMETER_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left"), None],
    "method": [StrOptions({"pca", "zca"})],
    "shrinkage": [
        None,
        StrOptions({"ledoit-wolf", "oas"}),
        Interval(Real, 0, 1, closed="both"),
    ],
    "power": [Interval(Real, 0, None, closed="left")],
    "rtol": [Interval(Real, 0, 1, closed="left"), None],
}


@validate_params(
    {"X": ["array-like"], **_PARAMETER_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def whiten(
    X: ArrayLike,
    n_components: int | None = None,
    *,
    method: str = "pca",
    shrinkage: float | str | None = None,
    power: float = 0.5,
    rtol: float | None = None,
) -> np.ndarray:
    """Whiten `X`: center it and make its covariance the identity.

    Function twin of :class:`Whitener`: ``whiten(X, **params)`` equals
    ``Whitener(**params).fit_transform(X)``. See :class:`Whitener` for the
    formulas and the rule applied to null directions.

    Read more in the :ref:`User Guide <whitening>`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data to whiten, with at least 2 samples.

    n_components : int, default=None
        Number of leading principal directions kept. If None, every direction
        whose variance is not numerically zero is kept.

    method : {"pca", "zca"}, default="pca"
        ``"pca"`` outputs coordinates on the principal axes; ``"zca"`` rotates
        them back to the input axes (symmetric whitening).

    shrinkage : {"ledoit-wolf", "oas"} or float in [0, 1], default=None
        Shrinkage of the covariance towards a scaled identity before it is
        inverted. None means no shrinkage.

    power : float >= 0, default=0.5
        Exponent of the eigenvalues in the scaling; 0.5 whitens fully, smaller
        values whiten partially, 0 only rotates (and projects).

    rtol : float in [0, 1), default=None
        Eigenvalues at or below ``rtol * max_eigenvalue`` are null. If None,
        ``n_features * eps`` of the input dtype.

    Returns
    -------
    X_tr : ndarray of shape (n_samples, `n_components_`) or \
            (n_samples, n_features)
        Whitened data, with the dtype of `X` (float32 or float64). The second
        shape is for ``method="zca"``.

    See Also
    --------
    Whitener : Estimator version that can whiten new data.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.preprocessing import whiten
    >>> X = np.random.default_rng(0).standard_normal((100, 3)) * [5.0, 1.0, 0.1]
    >>> X_w = whiten(X, method="zca")
    >>> np.allclose(np.cov(X_w, rowvar=False), np.eye(3))
    True
    """
    return Whitener(
        n_components,
        method=method,
        shrinkage=shrinkage,
        power=power,
        rtol=rtol,
    ).fit_transform(X)


class Whitener(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    r"""Center the data and map its covariance to the identity.

    With the training mean :math:`\mu` and the covariance
    :math:`\Sigma = \frac{1}{n - 1}\sum_i (x_i - \mu)(x_i - \mu)^\top
    = U \Lambda U^\top` (ddof=1, as in :class:`~sklearn.decomposition.PCA`),
    optionally shrunk, the transformation is

    .. math::

        z_{\mathrm{pca}} = \Lambda_k^{-p}\, U_k^\top (x - \mu), \qquad
        z_{\mathrm{zca}} = U_k \Lambda_k^{-p}\, U_k^\top (x - \mu),

    where :math:`U_k, \Lambda_k` hold the `n_components` leading eigenpairs and
    :math:`p` is `power`. With ``power=0.5`` the output covariance is the
    identity (on the kept subspace for ``"zca"``): ``"pca"`` is BERT-whitening
    and equals ``PCA(n_components, whiten=True)`` up to the sign of each
    column; ``"zca"`` (:math:`W = \Sigma^{-1/2}`, symmetric) is the whitening
    closest to the input. With all components the two give identical dot
    products, norms and cosines; they differ once components are dropped.

    Read more in the :ref:`User Guide <whitening>`.

    Parameters
    ----------
    n_components : int, default=None
        Number of leading principal directions kept (the *k* of
        BERT-whitening). If None, every non-null direction is kept. A value
        larger than the numerical rank of the covariance raises a ValueError.

    method : {"pca", "zca"}, default="pca"
        ``"pca"`` outputs ``n_components_`` coordinates on the principal axes;
        ``"zca"`` rotates them back and outputs ``n_features`` columns.

    shrinkage : {"ledoit-wolf", "oas"} or float in [0, 1], default=None
        Regularise the covariance as :math:`(1 - \alpha)\Sigma + \alpha
        \frac{\operatorname{tr}\Sigma}{d} I` before inverting it (the form of
        :func:`sklearn.covariance.shrunk_covariance`). A float is
        :math:`\alpha` itself (as in
        :class:`~sklearn.covariance.ShrunkCovariance`); ``"ledoit-wolf"`` and
        ``"oas"`` estimate it as :class:`~sklearn.covariance.LedoitWolf` and
        :class:`~sklearn.covariance.OAS` do. Any positive shrinkage makes the
        covariance full rank, the usual remedy when ``n_samples <=
        n_features``.

    power : float >= 0, default=0.5
        Exponent :math:`p` of the eigenvalues. 0.5 whitens fully; values in
        (0, 0.5) whiten partially; 0 applies no scaling (a rotation for
        ``"pca"``, a centering and projection for ``"zca"``). A power that
        takes an eigenvalue outside the range of float64 raises a ValueError.

    rtol : float in [0, 1), default=None
        Relative tolerance of the null-direction rule (see Notes). If None,
        ``n_features * eps`` where ``eps`` is the machine epsilon of the input
        dtype (about 9e-5 for 768 float32 features).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Per-feature training mean, in float64.

    covariance_ : ndarray of shape (n_features, n_features)
        Covariance that was diagonalised (ddof=1, after shrinkage), float64.

    shrinkage_ : float
        Shrinkage coefficient :math:`\alpha` that was applied (0 if none).

    components_ : ndarray of shape (`n_components_`, n_features)
        Kept principal axes (rows), by decreasing `explained_variance_`. Each
        row is signed so that its entry of largest magnitude is positive.

    explained_variance_ : ndarray of shape (`n_components_`,)
        Eigenvalues of `covariance_` along `components_`.

    n_components_ : int
        Number of kept directions.

    whitening_ : ndarray of shape (n_features, n_output_features)
        ``n_output_features`` is `n_components_` for ``method="pca"`` and
        `n_features_in_` for ``method="zca"``. Matrix :math:`W` applied as
        ``(X - mean_) @ whitening_``, float64.

    n_samples_seen_ : int
        Number of samples the statistics were computed from.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    whiten : Function twin.
    MeanCenterer : Only removes the mean.
    PrincipalComponentRemover : Removes the dominant directions instead.
    sklearn.decomposition.PCA : ``PCA(whiten=True)`` is the ``"pca"`` method.

    Notes
    -----
    **Null directions.** An eigenvalue :math:`\lambda_i \le \mathrm{rtol}\,
    \lambda_{\max}` is treated as exactly zero: its direction carries no
    variance that could be rescaled, only round-off. With
    ``n_components=None`` such directions are dropped by ``"pca"`` (so
    ``n_components_`` is the numerical rank) and mapped to 0 by ``"zca"``;
    they are never scaled by :math:`\lambda_i^{-p}`, so rank-deficient data
    (``n_samples <= n_features``, duplicate rows, constant features) gives
    finite output. An explicit `n_components` above the rank raises a
    ValueError; ``"pca"`` on data of rank 0 (all samples identical) too.

    **Statistics.** The mean and the centred scatter matrix are accumulated
    in float64 from blocks of rows shifted by a close estimate of the mean
    (the mean of an evenly spaced sample of rows), with an exact rank-one
    correction to the mean: one product per block in the input dtype, no
    centred copy of `X`, and no cancellation on data with an offset (the
    uncentred Gram matrix minus :math:`n\mu\mu^\top` is never formed).
    Blocks whose products would overflow or underflow the dtype are scaled by
    a power of two (exact), so float32 data of any finite magnitude whiten
    right; float64 data whose covariance float64 cannot hold (values beyond
    about 1e154 or all below about 1e-146) raise a ValueError.
    :meth:`partial_fit` merges batches with the pairwise update of Chan et
    al.: :math:`\mu = \mu_a + \delta n_b / n`,
    :math:`S = S_a + S_b + \delta\delta^\top n_a n_b / n`,
    :math:`\delta = \mu_b - \mu_a`. The eigendecomposition is recomputed after
    each :meth:`partial_fit` call; while the samples seen cannot give the
    requested whitening (fewer than 2, fewer than ``n_components + 1``, or a
    numerical rank below `n_components`) the statistics are kept and the
    transformer stays unfitted. The input is never modified.

    **Transform.** :meth:`transform` computes ``X @ whitening_ - mean_ @
    whitening_`` (one product, the bias folded in) when the rounding this
    costs is below 1e-3 of each output column's standard deviation
    (:math:`\epsilon \lVert\mu\rVert \lVert W_k\rVert \le 10^{-3}
    \operatorname{sd}(z_k)`), and otherwise centres blocks of rows first,
    so a large offset never costs accuracy.

    Sparse input raises a ValueError (centering makes it dense).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.preprocessing import Whitener
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3)) @ [[3.0, 1.0, 0.0], [0.0, 1.0, 0.0],
    ...                                      [0.0, 0.0, 0.2]]
    >>> whitener = Whitener(n_components=2).fit(X)
    >>> X_w = whitener.transform(X)
    >>> X_w.shape
    (200, 2)
    >>> np.allclose(np.cov(X_w, rowvar=False), np.eye(2))
    True
    """

    _parameter_constraints: dict = dict(_PARAMETER_CONSTRAINTS)

    def __init__(
        self,
        n_components: int | None = None,
        *,
        method: str = "pca",
        shrinkage: float | str | None = None,
        power: float = 0.5,
        rtol: float | None = None,
    ) -> None:
        self.n_components = n_components
        self.method = method
        self.shrinkage = shrinkage
        self.power = power
        self.rtol = rtol

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "Whitener":
        """Estimate the mean, the covariance and the whitening matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, with at least 2 samples.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        for attr in ("_moments", "_not_fitted_reason", *_FITTED_ATTRIBUTES):
            if hasattr(self, attr):
                delattr(self, attr)
        return self._partial_fit(X, reset=True, partial=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "Whitener":
        """Update the mean and covariance with a batch, then refit the whitening.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Batch of training data. The transformer is fitted once the
            samples seen in total allow it: at least 2, at least
            ``n_components + 1``, spanning `n_components` directions. Until
            then the statistics are kept and :meth:`transform` raises a
            :class:`~sklearn.exceptions.NotFittedError` that says why.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        return self._partial_fit(X, reset=not hasattr(self, "_moments"), partial=True)

    def _partial_fit(self, X, reset, partial):
        _reject_sparse(X, type(self).__name__)
        check_no_datetime(X)
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        batch = _batch_moments(
            X,
            fourth=self.shrinkage == "ledoit-wolf",
            estimator_name=type(self).__name__,
        )
        batch["eps"] = float(np.finfo(X.dtype).eps)
        if reset:
            moments = batch
        else:
            eps = max(self._moments["eps"], batch["eps"])
            if (self.shrinkage == "ledoit-wolf") != ("quartic" in self._moments):
                raise ValueError(
                    "shrinkage was changed between partial_fit calls; call fit "
                    "to start again with the new value."
                )
            with np.errstate(over="ignore", invalid="ignore"):
                moments = _merge_moments(self._moments, batch)
            if not np.all(np.isfinite(moments["scatter"])):
                raise _magnitude_error(type(self).__name__, X, "overflow")
            moments["eps"] = eps
        try:
            self._finalize(moments)
            if hasattr(self, "_not_fitted_reason"):
                del self._not_fitted_reason
        except _NotEnoughSamples as exc:
            if not partial:
                raise ValueError(str(exc)) from None
            # Not enough samples (or directions) for the requested whitening
            # yet: keep the statistics and stay unfitted until a later batch.
            for attr in _FITTED_ATTRIBUTES:
                if hasattr(self, attr):
                    delattr(self, attr)
            self._not_fitted_reason = str(exc)
        self._moments = moments
        return self

    def _finalize(self, moments):
        n, n_features = moments["n"], moments["scatter"].shape[0]
        if self.n_components is not None and self.n_components > n_features:
            raise ValueError(
                f"n_components={self.n_components} must be <= n_features={n_features}."
            )
        if n < 2:
            raise _NotEnoughSamples(
                f"Whitener needs at least 2 samples to estimate a covariance "
                f"(ddof=1), got n_samples = {n}."
            )
        if self.n_components is not None and n <= self.n_components:
            # The centred scatter of n samples has rank <= n - 1.
            raise _NotEnoughSamples(
                f"n_components={self.n_components} needs at least "
                f"{self.n_components + 1} samples (the covariance of n samples "
                f"has rank <= n - 1), got n_samples = {n}."
            )
        cov = moments["scatter"] / (n - 1)
        if self.shrinkage is None:
            alpha = 0.0
        elif self.shrinkage == "ledoit-wolf":
            alpha = _ledoit_wolf_shrinkage(moments)
        elif self.shrinkage == "oas":
            alpha = _oas_shrinkage(moments)
        else:
            alpha = float(self.shrinkage)
        if alpha > 0.0:
            cov = shrunk_covariance(cov, shrinkage=alpha)

        eigvals, components = _sorted_eigh(cov, self.n_components)
        rtol = n_features * moments["eps"] if self.rtol is None else self.rtol
        threshold = rtol * max(eigvals[0], 0.0)
        rank = int(np.count_nonzero(eigvals > threshold))
        if self.n_components is not None and self.n_components > rank:
            raise _NotEnoughSamples(
                f"n_components={self.n_components} is larger than the numerical "
                f"rank {rank} of the covariance of the {n} samples seen "
                "(eigenvalues <= rtol * max are null). Lower n_components, "
                "provide samples spanning more directions, or regularise the "
                "covariance with shrinkage='ledoit-wolf'."
            )
        if rank == 0 and self.method == "pca":
            raise _NotEnoughSamples(
                "The covariance of X is numerically zero (all samples are "
                "identical up to rtol), so method='pca' has no direction to "
                "keep. Check the input, use method='zca' (which outputs zeros) "
                "or set shrinkage."
            )
        eigvals, components = eigvals[:rank], components[:rank]

        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            scale = eigvals ** (-self.power)
            unscale = eigvals**self.power
        if rank and not (
            np.all(np.isfinite(scale) & (scale > 0))
            and np.all(np.isfinite(unscale) & (unscale > 0))
        ):
            raise ValueError(
                f"power={self.power} takes the eigenvalues of the covariance "
                f"(from {eigvals[-1]:.3g} to {eigvals[0]:.3g}) to the power "
                f"-{self.power}, which is outside the range of float64. Use a "
                "power in [0, 0.5] (0.5 whitens fully, smaller values whiten "
                "partially)."
            )
        whitening = components.T * scale
        if self.method == "zca":
            whitening = whitening @ components
        self.mean_ = moments["mean"]
        self.covariance_ = cov
        self.shrinkage_ = alpha
        self.components_ = components
        self.explained_variance_ = eigvals
        self.n_components_ = rank
        self.whitening_ = whitening
        self.n_samples_seen_ = n
        self._bias_error = self._folded_bias_error(eigvals, components, scale)

    def _folded_bias_error(self, eigvals, components, scale):
        """Bound on the error of folding the mean into the product, per eps.

        ``transform`` may compute ``X @ W - mean_ @ W`` (one product, no
        centred copy) instead of ``(X - mean_) @ W``. Rounding the product of
        uncentred data costs about ``eps * |mean_| * |W[:, k]|`` in output
        column ``k``, whose standard deviation is ``sqrt(W[:, k]^T C W[:, k])``;
        this returns the largest ratio of the two divided by ``eps``.
        """
        if eigvals.size == 0:
            return np.inf
        if self.method == "pca":
            col_norms, col_stds = scale, np.sqrt(eigvals) * scale
        else:
            weights = components**2
            col_norms = np.sqrt(weights.T @ scale**2)
            col_stds = np.sqrt(weights.T @ (eigvals * scale**2))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = col_norms / col_stds
        ratio = float(np.max(np.where(col_stds > 0, ratios, np.inf)))
        return float(np.linalg.norm(self.mean_)) * ratio

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Center and whiten `X` with the fitted statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to whiten.

        Returns
        -------
        X_tr : ndarray of shape (n_samples, `n_components_`) or \
                (n_samples, n_features)
            Whitened data, with the dtype of `X` (float32 or float64). The
            second shape is for ``method="zca"``.
        """
        if not hasattr(self, "whitening_") and hasattr(self, "_not_fitted_reason"):
            raise NotFittedError(
                f"This Whitener instance is not fitted yet: {self._not_fitted_reason}"
                " Call partial_fit with more samples, or fit."
            )
        check_is_fitted(self)
        _reject_sparse(X, type(self).__name__)
        check_no_datetime(X)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        with np.errstate(over="ignore"):
            whitening = self.whitening_.astype(X.dtype)
        if not np.all(np.isfinite(whitening)):
            raise ValueError(
                f"The whitening matrix has entries up to "
                f"{np.abs(self.whitening_).max():.3g}, beyond the range of "
                f"{X.dtype}: the training data vary too little along some "
                "direction for this dtype. Pass X as float64 "
                "(X.astype(np.float64)), or scale the training data up."
            )
        if np.finfo(X.dtype).eps * self._bias_error <= _FOLD_RTOL:
            # The mean is small next to the spread: one product, the bias
            # subtracted from the (smaller or equal) output.
            out = X @ whitening
            out -= (self.mean_ @ self.whitening_).astype(X.dtype)
            return out
        mean = self.mean_.astype(X.dtype)
        out = np.empty((X.shape[0], whitening.shape[1]), dtype=X.dtype)
        buffer = np.empty((min(_CHUNK_ROWS, X.shape[0]), X.shape[1]), dtype=X.dtype)
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            chunk = X[start : start + _CHUNK_ROWS]
            centred = np.subtract(chunk, mean, out=buffer[: chunk.shape[0]])
            np.matmul(centred, whitening, out=out[start : start + _CHUNK_ROWS])
        # The rows were centred at the mean rounded to X.dtype: remove the
        # constant that rounding left (exact to the output's precision).
        out -= ((self.mean_ - mean.astype(np.float64)) @ self.whitening_).astype(
            X.dtype
        )
        return out

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """Map whitened data back to the input space.

        Exact on the kept subspace: directions that were dropped or null are
        restored as the mean.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_components_`) or \
                (n_samples, n_features)
            Whitened data (the second shape for ``method="zca"``).

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Data in the input space.
        """
        check_is_fitted(self)
        X = self._check_inverse_input(X)
        unwhitening = self.components_ * (self.explained_variance_**self.power)[:, None]
        if self.method == "zca":
            unwhitening = self.components_.T @ unwhitening
        out = X @ unwhitening.astype(X.dtype)
        out += self.mean_.astype(X.dtype)
        return out

    def _check_inverse_input(self, X):
        check_no_datetime(X)
        X = check_array(X, dtype=[np.float64, np.float32])
        n_expected = self.whitening_.shape[1]
        if X.shape[1] != n_expected:
            raise ValueError(
                f"X has {X.shape[1]} features, but inverse_transform expects "
                f"{n_expected} (the output width of transform)."
            )
        return X

    def __sklearn_is_fitted__(self):
        return hasattr(self, "whitening_")

    @property
    def _n_features_out(self):
        return self.whitening_.shape[1]

    def get_feature_names_out(
        self, input_features: ArrayLike | None = None
    ) -> np.ndarray:
        """Get output feature names for transformation.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names, used only for ``method="zca"``, whose output
            columns correspond to the input features.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``"whitener0"``, ``"whitener1"``, ... for ``method="pca"``; the
            input feature names for ``method="zca"``.
        """
        check_is_fitted(self)
        if self.method == "zca":
            return OneToOneFeatureMixin.get_feature_names_out(self, input_features)
        return super().get_feature_names_out(input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
