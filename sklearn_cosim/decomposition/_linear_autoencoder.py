"""Closed-form linear autoencoders of Steck, Ekanadham & Kallus (2024)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
from numbers import Integral, Real

import numpy as np
from scipy import linalg, sparse
from scipy.sparse.linalg import LinearOperator, svds
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from sklearn_cosim.utils._optimize import (
    _Progress,
    lbfgs,
    normalize_rows,
    normalize_rows_backward,
)
from sklearn_cosim.utils._param_validation import Interval, StrOptions, _fit_context
from sklearn_cosim.utils._typing import ArrayLike, MatrixLike, RandomStateLike
from sklearn_cosim.utils.validation import check_no_datetime

#: Named rescalings ``D`` accepted by :meth:`LinearAutoencoder.rescaled`.
RESCALINGS = (
    "identity",
    "sqrt_shrinkage",
    "inv_sqrt_shrinkage",
    "inv_sqrt_singular_values",
)


def _column_statistics(X):
    """Column means and sums of squares of `X` (dense or sparse), in float64."""
    if sparse.issparse(X):
        X = X.astype(np.float64)
        mean = np.asarray(X.mean(axis=0)).ravel()
        sum_sq = np.asarray(X.multiply(X).sum(axis=0)).ravel()
    else:
        X = np.asarray(X, dtype=np.float64)
        mean = X.mean(axis=0)
        sum_sq = np.einsum("ij,ij->j", X, X)
    return mean, sum_sq


class _ShiftedScaled:
    """The matrix ``(X - mean) * weights`` without forming it (keeps sparsity)."""

    def __init__(self, X, mean, weights):
        self.X = X
        self._XT = None
        self.mean = mean
        self.weights = weights
        self.shape = X.shape

    @property
    def XT(self):
        # row-major transpose, built once: faster products with sparse X.T
        if self._XT is None:
            self._XT = self.X.T.tocsr() if sparse.issparse(self.X) else self.X.T
        return self._XT

    def matmat(self, M):
        WM = self.weights[:, None] * M
        out = np.asarray(safe_sparse_dot(self.X, WM, dense_output=True))
        return out - (self.mean @ WM)[None, :]

    def rmatmat(self, N):
        out = np.asarray(safe_sparse_dot(self.XT, N, dense_output=True))
        out -= np.outer(self.mean, N.sum(axis=0))
        return self.weights[:, None] * out

    def dense(self):
        X = self.X.toarray() if sparse.issparse(self.X) else np.array(self.X)
        return (X - self.mean) * self.weights

    def gram(self):
        """``Xtᵀ Xt`` for ``Xt = (X - mean) * weights``."""
        if sparse.issparse(self.X):
            G = np.asarray(safe_sparse_dot(self.X.T, self.X, dense_output=True))
            G = G - self.shape[0] * np.outer(self.mean, self.mean)
        else:
            Xc = self.X - self.mean
            G = Xc.T @ Xc
        return self.weights[:, None] * G * self.weights[None, :]

    def linear_operator(self):
        return LinearOperator(
            self.shape,
            matvec=lambda v: self.matmat(v.reshape(-1, 1)).ravel(),
            rmatvec=lambda v: self.rmatmat(v.reshape(-1, 1)).ravel(),
            matmat=self.matmat,
            rmatmat=self.rmatmat,
            dtype=np.float64,
        )


def _randomized_svd(op, n_components, n_oversamples, n_iter, rng):
    """Halko et al. randomized SVD through products with `op` only."""
    n_random = min(n_components + n_oversamples, min(op.shape))
    Q = op.matmat(rng.standard_normal((op.shape[1], n_random)))
    Q = linalg.qr(Q, mode="economic")[0]
    for _ in range(n_iter):
        Q = linalg.qr(op.rmatmat(Q), mode="economic")[0]
        Q = linalg.qr(op.matmat(Q), mode="economic")[0]
    small = op.rmatmat(Q).T  # Qᵀ Xt
    _, s, Vt = linalg.svd(small, full_matrices=False)
    return s[:n_components], Vt[:n_components]


def _top_singular(op, n_components, solver, tol, n_oversamples, n_iter, rng):
    """Leading singular values (descending) and right vectors of `op`."""
    n_samples, n_features = op.shape
    if solver == "full":
        s, Vt = linalg.svd(op.dense(), full_matrices=False)[1:]
        s, Vt = s[:n_components], Vt[:n_components]
        rtol = max(n_samples, n_features) * np.finfo(np.float64).eps
    elif solver == "covariance_eigh":
        first = n_features - n_components
        ev, V = linalg.eigh(op.gram(), subset_by_index=(first, n_features - 1))
        ev, V = ev[::-1], V[:, ::-1]
        s, Vt = np.sqrt(np.clip(ev, 0.0, None)), V.T
        # eigenvalues carry an absolute error of about eps * ev_max
        rtol = np.sqrt(max(n_samples, n_features) * np.finfo(np.float64).eps)
    elif solver == "arpack":
        v0 = rng.uniform(-1, 1, size=min(op.shape))
        _, s, Vt = svds(op.linear_operator(), k=n_components, tol=tol, v0=v0)
        order = np.argsort(s)[::-1]
        s, Vt = s[order], Vt[order]
        rtol = max(n_samples, n_features) * np.finfo(np.float64).eps
    else:  # randomized
        s, Vt = _randomized_svd(op, n_components, n_oversamples, n_iter, rng)
        rtol = max(n_samples, n_features) * np.finfo(np.float64).eps
    s = np.array(s, dtype=np.float64)
    if s.size:
        s[s <= rtol * s[0]] = 0.0
    # Deterministic signs: the largest entry (in absolute value) of each
    # component is positive (cosines do not depend on this choice).
    Vt = np.array(Vt, dtype=np.float64)
    if Vt.size:
        signs = np.sign(Vt[np.arange(Vt.shape[0]), np.argmax(np.abs(Vt), axis=1)])
        signs[signs == 0] = 1.0
        Vt *= signs[:, None]
    return s, Vt


def _normalize_rows(E):
    """Scale rows to unit L2 norm; zero rows stay zero."""
    return normalize_rows(E)[0]


def _cosine_loss(A, B, scale, op, sq_norm):
    """Loss ``‖Xt - s N(Xt A) N(B)ᵀ‖²_F`` and its gradients in ``A, B, s``.

    `op` is the (implicitly shifted and weighted) data ``Xt``; `sq_norm` is
    ``‖Xt‖²_F``. The ``n_samples × n_features`` reconstruction is never
    formed: ``⟨Xt, P̂ Q̂ᵀ⟩ = Σ P̂ ∘ (Xt Q̂)`` and ``‖P̂ Q̂ᵀ‖² = Σ (P̂ᵀP̂) ∘ (Q̂ᵀQ̂)``.
    """
    k = A.shape[1]
    Q_hat, q_norms = normalize_rows(B)
    XAQ = op.matmat(np.hstack([A, Q_hat]))  # one pass over the data for both
    P_hat, p_norms = normalize_rows(XAQ[:, :k])
    XQ = XAQ[:, k:]
    cross = float(np.einsum("ij,ij->", P_hat, XQ))
    GP, GQ = P_hat.T @ P_hat, Q_hat.T @ Q_hat
    quad = float(np.einsum("ij,ij->", GP, GQ))
    loss = sq_norm - 2.0 * scale * cross + scale**2 * quad
    grad_P_hat = -2.0 * scale * XQ + 2.0 * scale**2 * (P_hat @ GQ)
    grad_P = normalize_rows_backward(P_hat, p_norms, grad_P_hat)
    XtPG = op.rmatmat(np.hstack([P_hat, grad_P]))  # and one pass back
    grad_Q_hat = -2.0 * scale * XtPG[:, :k] + 2.0 * scale**2 * (Q_hat @ GP)
    grad_A = XtPG[:, k:]
    grad_B = normalize_rows_backward(Q_hat, q_norms, grad_Q_hat)
    grad_scale = -2.0 * cross + 2.0 * scale * quad
    return loss, grad_A, grad_B, grad_scale, cross, quad


class LinearAutoencoder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    r"""Closed-form linear autoencoder with an L2 penalty on the product or the factors.

    Learns ``A, B`` of shape ``(n_features, n_components)`` such that
    ``X ≈ X A Bᵀ``, by one of the two objectives studied by Steck, Ekanadham
    & Kallus (2024). With ``n_samples`` users and ``n_features`` items, the
    rows of ``X A`` (:meth:`transform`) are the user embeddings and the rows
    of ``B`` (`decoder_`) the item embeddings; ``X A Bᵀ`` are the scores.

    ``regularization="product"`` (objective (1), equivalent to dropout/
    denoising in linear models):

    .. math::

        \min_{A,B} \|X - XAB^\top\|_F^2 + \alpha \|AB^\top\|_F^2

    ``regularization="factors"`` (objective (2), weight decay as in usual
    matrix factorisation with ``P = XA``, ``Q = B``):

    .. math::

        \min_{A,B} \|X - XAB^\top\|_F^2 + \alpha (\|XA\|_F^2 + \|B\|_F^2)

    With the SVD :math:`X = U \Sigma V^\top` and :math:`V_k` the right
    singular vectors of the `n_components` largest singular values
    :math:`\sigma_i`, the solutions are

    .. math::

        \hat A_{(1)} = \hat B_{(1)} = V_k \,
            \mathrm{diag}\Big(\frac{1}{1 + \alpha/\sigma_i^2}\Big)^{1/2}

        \hat A_{(2)} = V_k \, \mathrm{diag}\Big(\sqrt{\tfrac{1}{\sigma_i}
            (1 - \alpha/\sigma_i)_+}\Big), \quad
        \hat B_{(2)} = V_k \, \mathrm{diag}\Big(\sqrt{\sigma_i
            (1 - \alpha/\sigma_i)_+}\Big)

    so `alpha` is compared with :math:`\sigma_i^2` in objective (1) (every
    component is shrunk, none removed) and with :math:`\sigma_i` in objective
    (2) (components with :math:`\sigma_i \le \alpha` become exactly zero).

    Objective (1) is also minimised by :math:`(\hat A D, \hat B D^{-1})` for
    every invertible diagonal ``D``, and each ``D`` gives different cosine
    similarities between the embeddings: see :meth:`rescaled`. Objective
    (2)'s solution is unique up to a rotation, so its cosines are unique.

    ``loss="cosine"`` trains for the cosine similarity itself (the paper's
    first remedy): starting from the closed-form solution chosen by `alpha`
    and `regularization`, L-BFGS minimises

    .. math::

        \min_{A,B,s} \|X - s\, N(XA)\, N(B)^\top\|_F^2

    where :math:`N` scales each row to unit norm and ``s`` is a learned (or
    fixed, `scale`) scalar. The scores are then ``s`` times the user-item
    cosines, and the loss is *not* invariant under ``(A D, B D⁻¹)``: the fit
    fixes the cosine similarities, so :meth:`rescaled` does not apply. It has
    no penalty term of its own: the loss does not change when ``A`` is
    multiplied by a scalar or a row of ``B`` by a positive number, so an L2
    penalty on ``A`` or ``B`` would only shrink them towards zero; the rank,
    the closed-form start and `max_iter` control the fit.

    Read more in the :ref:`User Guide <linear_autoencoder>`.

    Parameters
    ----------
    n_components : int, default=None
        Number of latent dimensions ``k``. None means
        ``min(n_samples, n_features)``. Must not exceed
        ``min(n_samples, n_features)``.

    alpha : float, default=1.0
        Regularisation strength :math:`\lambda >= 0`.

    regularization : {"product", "factors"}, default="product"
        Penalise ``‖ABᵀ‖²`` (objective (1)) or ``‖XA‖² + ‖B‖²`` (objective (2)).

    column_weighting : {"ips", "standardize"}, default=None
        De-biasing of `X` before the fit (a remedy of the paper); the fitted
        column statistics are reused by :meth:`transform` and
        :meth:`inverse_transform`, so the model takes raw `X`.

        - None: fit on `X` itself.
        - ``"ips"``: inverse propensity weighting of items; column ``i`` is
          multiplied by ``w_i ∝ pop_i ** -propensity_exponent`` where
          ``pop_i = ‖X[:, i]‖²`` (the item's count for binary `X`). The
          weights are scaled so that ``‖X W‖_F = ‖X‖_F``, so that `alpha`
          keeps its scale; items absent from the training data get weight 0.
        - ``"standardize"``: each column gets zero mean and unit variance
          (as :class:`~sklearn.preprocessing.StandardScaler`; constant
          columns are only centred). Centring is done implicitly, so sparse
          `X` stays sparse except with ``svd_solver="full"``.

    propensity_exponent : float, default=0.5
        Exponent ``γ >= 0`` of ``column_weighting="ips"``. Since the weights
        multiply the columns of `X`, the squared error of item ``i`` is
        weighted by ``pop_i ** (-2 γ)``: the default 0.5 is classical
        inverse propensity weighting of the loss with propensities
        proportional to popularity, and it makes every column unit-norm.

    svd_solver : {"auto", "full", "covariance_eigh", "arpack", "randomized"}
        Default ``"auto"``.
        How the leading singular triplets of (the weighted) `X` are found, as
        in :class:`~sklearn.decomposition.PCA`:

        - ``"full"``: LAPACK SVD of the dense matrix (sparse input is
          densified).
        - ``"covariance_eigh"``: eigendecomposition of the ``n_features ×
          n_features`` Gram matrix ``XᵀX``; fast when ``n_samples >>
          n_features``, keeps sparse input sparse, and resolves small
          singular values to about ``sqrt(eps) σ_1`` only.
        - ``"arpack"``: :func:`scipy.sparse.linalg.svds`; requires
          ``n_components < min(n_samples, n_features)``.
        - ``"randomized"``: randomized SVD (Halko et al. 2011), for
          ``n_components << min(n_samples, n_features)``.
        - ``"auto"``: PCA's policy: ``"covariance_eigh"`` if ``n_features <=
          1000`` and ``n_samples >= 10 n_features``; else ``"full"`` if
          ``max(n_samples, n_features) <= 500`` or ``n_components >= 0.8
          min(n_samples, n_features)``; else ``"randomized"``.

    tol : float, default=0.0
        Tolerance of the ``"arpack"`` solver (0 means machine precision).
        With ``loss="cosine"``, also the stopping tolerance of L-BFGS on the
        relative decrease of the loss in one iteration and on the largest
        gradient entry (0 means: run `max_iter` iterations unless no further
        decrease is possible).

    iterated_power : int or "auto", default="auto"
        Number of power iterations of the ``"randomized"`` solver; "auto"
        means 7 if ``n_components < 0.1 min(n_samples, n_features)``, else 4.

    n_oversamples : int, default=10
        Extra random vectors of the ``"randomized"`` solver.

    random_state : int, RandomState instance or None, default=None
        Seed of the ``"arpack"`` and ``"randomized"`` solvers.

    loss : {"squared", "cosine"}, default="squared"
        ``"squared"``: the closed forms of objectives (1) and (2) above.
        ``"cosine"``: the closed form (with ``D = I``) is the starting point
        of an L-BFGS fit of ``‖X - s N(XA) N(B)ᵀ‖²_F``, whose user and item
        cosines are what it was trained for.

    scale : "auto" or float, default="auto"
        The scalar ``s`` of ``loss="cosine"``: ``"auto"`` learns it (starting
        from its optimal value at the closed form), a positive float keeps it
        fixed (1.0 makes the scores of binary `X` the cosines themselves).
        Ignored with ``loss="squared"``.

    max_iter : int, default=100
        Maximum number of L-BFGS iterations of ``loss="cosine"``.

    verbose : int, default=0
        If positive, print progress (solver, L-BFGS iterations with the loss,
        elapsed time) to standard error; with ``loss="cosine"``, one line
        every `verbose` iterations.

    Attributes
    ----------
    encoder_ : ndarray of shape (n_features, n_components)
        ``A``; user embeddings are ``(X - mean_) @ encoder_``. The column
        weights are folded in: ``encoder_ = diag(column_weights_) @ Â``.

    decoder_ : ndarray of shape (n_features, n_components)
        ``B``, whose rows are the item embeddings.

    components_ : ndarray of shape (n_components, n_features)
        Right singular vectors ``V_kᵀ`` of the (weighted) training data, in
        scikit-learn's layout: unit-norm rows, sorted by decreasing
        `singular_values_`, sign fixed so that the largest entry of each row
        is positive. As in :class:`~sklearn.decomposition.TruncatedSVD`, the
        data are not centred (except with ``column_weighting="standardize"``).

    singular_values_ : ndarray of shape (n_components,)
        The ``σ_i`` of the (weighted) training data; values below the
        solver's numerical resolution are set to 0.

    shrinkage_ : ndarray of shape (n_components,)
        Factor by which the fit shrinks each component, so that
        ``Â B̂ᵀ = V_k diag(shrinkage_) V_kᵀ``: ``σ²/(σ² + α)`` for objective
        (1), ``(1 - α/σ)₊`` for objective (2); 0 where ``σ = 0``.

    rescaling_ : ndarray of shape (n_components,)
        The diagonal of ``D`` such that ``encoder_, decoder_`` hold
        ``(Â D, B̂ D⁻¹)`` with ``Â, B̂`` the solutions above. All ones after
        :meth:`fit`; set by :meth:`rescaled`.

    scale_ : float
        The scalar ``s`` of ``loss="cosine"`` (1.0 with ``loss="squared"``).

    n_iter_ : int
        Number of L-BFGS iterations (0 with ``loss="squared"``).

    loss_curve_ : ndarray of shape (`n_iter_` + 1,)
        ``‖Xt - s N(Xt A) N(B)ᵀ‖²_F`` at the closed-form start and after each
        L-BFGS iteration, with ``Xt`` the (weighted) training data; never
        above its first entry. Only with ``loss="cosine"``.

    column_weights_ : ndarray of shape (n_features,)
        Weights applied to the columns of `X` before the fit (ones if
        `column_weighting` is None).

    mean_ : ndarray of shape (n_features,)
        Column means removed before weighting (zeros unless
        ``column_weighting="standardize"``).

    n_components_ : int
        The resolved number of components.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn.decomposition.TruncatedSVD : The unregularised rank-k projection.
    sklearn_cosim.datasets.make_clustered_interactions : The paper's simulation.
    steck_figure1 : Figure 1 of the paper, built on this estimator.

    Notes
    -----
    All arithmetic is done in float64; :meth:`transform` and
    :meth:`inverse_transform` return the dtype of their input (float32 or
    float64). Outputs are dense.

    Items (columns) that are zero in the training data have zero embeddings.
    Components whose singular value is numerically zero (``n_components``
    above the rank of `X`) are zero columns of `encoder_` and `decoder_`; so
    are the components with ``σ_i <= alpha`` of objective (2). Cosine
    similarities with a zero vector are 0 by this library's convention.

    References
    ----------
    .. [1] H. Steck, C. Ekanadham and N. Kallus, "Is Cosine-Similarity of
       Embeddings Really About Similarity?", WWW '24 Companion, 2024,
       arXiv:2403.05440.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.decomposition import LinearAutoencoder
    >>> X = np.random.default_rng(0).binomial(1, 0.3, size=(50, 8)).astype(float)
    >>> lae = LinearAutoencoder(n_components=3, alpha=10.0).fit(X)
    >>> lae.transform(X).shape, lae.decoder_.shape
    ((50, 3), (8, 3))
    >>> scores = lae.inverse_transform(lae.transform(X))  # X A Bᵀ
    >>> other = lae.rescaled("sqrt_shrinkage")  # same scores, other cosines
    >>> np.allclose(other.inverse_transform(other.transform(X)), scores)
    True
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "regularization": [StrOptions({"product", "factors"})],
        "column_weighting": [StrOptions({"ips", "standardize"}), None],
        "propensity_exponent": [Interval(Real, 0, None, closed="left")],
        "svd_solver": [
            StrOptions({"auto", "full", "covariance_eigh", "arpack", "randomized"})
        ],
        "tol": [Interval(Real, 0, None, closed="left")],
        "iterated_power": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "n_oversamples": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "loss": [StrOptions({"squared", "cosine"})],
        "scale": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components: int | None = None,
        *,
        alpha: float = 1.0,
        regularization: str = "product",
        column_weighting: str | None = None,
        propensity_exponent: float = 0.5,
        svd_solver: str = "auto",
        tol: float = 0.0,
        iterated_power: int | str = "auto",
        n_oversamples: int = 10,
        random_state: RandomStateLike = None,
        loss: str = "squared",
        scale: float | str = "auto",
        max_iter: int = 100,
        verbose: int = 0,
    ) -> None:
        self.n_components = n_components
        self.alpha = alpha
        self.regularization = regularization
        self.column_weighting = column_weighting
        self.propensity_exponent = propensity_exponent
        self.svd_solver = svd_solver
        self.tol = tol
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.random_state = random_state
        self.loss = loss
        self.scale = scale
        self.max_iter = max_iter
        self.verbose = verbose

    def _column_transform(self, X):
        """Return ``(mean, weights, null)`` of the chosen column weighting.

        `null` marks the columns that are zero after the transformation.
        """
        n_samples, n_features = X.shape
        mean, sum_sq = _column_statistics(X)
        weights = np.ones(n_features)
        null = sum_sq == 0
        if self.column_weighting == "ips":
            mean = np.zeros(n_features)
            seen = sum_sq > 0
            weights = np.zeros(n_features)
            weights[seen] = sum_sq[seen] ** -self.propensity_exponent
            total = sum_sq.sum()
            weighted = np.sum(weights**2 * sum_sq)
            if weighted > 0:
                weights *= np.sqrt(total / weighted)
        elif self.column_weighting == "standardize":
            var = np.maximum(sum_sq / n_samples - mean**2, 0.0)
            std = np.sqrt(var)
            tiny = std < 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1)
            weights = np.where(tiny, 1.0, 1.0 / np.where(tiny, 1.0, std))
            null = tiny
        else:
            mean = np.zeros(n_features)
        return mean, weights, null

    def _resolve_solver(self, n_samples, n_features, n_components):
        if self.svd_solver != "auto":
            return self.svd_solver
        if n_features <= 1000 and n_samples >= 10 * n_features:
            return "covariance_eigh"
        if max(n_samples, n_features) <= 500 or n_components >= 0.8 * min(
            n_samples, n_features
        ):
            return "full"
        return "randomized"

    def _factors(self, rescaling):
        """``(encoder, decoder)`` for the diagonal `rescaling` of ``D``."""
        V = self.components_.T
        s = self.singular_values_
        if self.regularization == "product":
            root = np.sqrt(self.shrinkage_)
            A, B = V * (root * rescaling), V * (root / rescaling)
        else:
            positive = s > 0
            inv_s = np.divide(1.0, s, out=np.zeros_like(s), where=positive)
            A = V * np.sqrt(inv_s * self.shrinkage_)
            B = V * np.sqrt(s * self.shrinkage_)
        return self.column_weights_[:, None] * A, B

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike | None = None) -> "LinearAutoencoder":
        """Fit the closed-form solution from the SVD of `X`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (users × items).

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        check_no_datetime(X)
        if isinstance(self.n_components, (bool, np.bool_)):
            raise ValueError(
                "n_components must be an int in [1, min(n_samples, n_features)] "
                f"or None, got the boolean {self.n_components!r}."
            )
        progress = _Progress(type(self).__name__, self.verbose)
        X = validate_data(
            self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32]
        )
        n_samples, n_features = X.shape
        max_components = min(n_samples, n_features)
        n_components = (
            max_components if self.n_components is None else self.n_components
        )
        if n_components > max_components:
            raise ValueError(
                f"n_components={n_components} must be <= min(n_samples, "
                f"n_features)={max_components} (n_samples={n_samples}, "
                f"n_features={n_features})."
            )
        solver = self._resolve_solver(n_samples, n_features, n_components)
        if solver == "arpack" and n_components >= max_components:
            raise ValueError(
                f"svd_solver='arpack' requires n_components < min(n_samples, "
                f"n_features)={max_components} (n_samples={n_samples}, "
                f"n_features={n_features}), got n_components={n_components}."
            )
        n_iter = self.iterated_power
        if n_iter == "auto":
            n_iter = 7 if n_components < 0.1 * max_components else 4

        rng = check_random_state(self.random_state)
        X64 = X.astype(np.float64, copy=False)
        mean, weights, null = self._column_transform(X64)
        op = _ShiftedScaled(X64, mean, weights)
        progress(f"{solver} SVD of {n_samples} x {n_features}, k={n_components}")
        s, Vt = _top_singular(
            op, n_components, solver, self.tol, self.n_oversamples, n_iter, rng
        )
        progress("closed form done")
        # Items that are zero in the training data get exactly zero embeddings
        # (instead of round-off noise that cosine would blow up).
        Vt[:, null] = 0.0

        alpha = float(self.alpha)
        positive = s > 0
        inv_s = np.divide(1.0, s, out=np.zeros_like(s), where=positive)
        if self.regularization == "product":
            # s^2 / (s^2 + alpha) as 1 / (1 + alpha / s^2): s^2 overflows for
            # finite data of entries near 1e155
            with np.errstate(over="ignore"):
                ratio = alpha * inv_s * inv_s if alpha > 0 else np.zeros_like(s)
            shrinkage = np.where(positive, 1.0 / (1.0 + ratio), 0.0)
        else:
            shrinkage = np.where(positive, np.maximum(1.0 - alpha * inv_s, 0.0), 0.0)

        self.n_components_ = n_components
        self.mean_ = mean
        self.column_weights_ = weights
        self.components_ = Vt
        self.singular_values_ = s
        self.shrinkage_ = shrinkage
        self.rescaling_ = np.ones(n_components)
        self.encoder_, self.decoder_ = self._factors(self.rescaling_)
        self.scale_ = 1.0
        self.n_iter_ = 0
        if self.loss == "cosine":
            self._fit_cosine(op, progress)
        return self

    def _fit_cosine(self, op, progress):
        """Refine the closed form by L-BFGS on the cosine loss (``loss="cosine"``)."""
        p, k = self.decoder_.shape
        A0 = self._factors(self.rescaling_)[0]
        w = self.column_weights_
        A0 = np.divide(A0, w[:, None], out=np.zeros_like(A0), where=w[:, None] != 0)
        B0 = self.decoder_
        mean, weights = op.mean, op.weights
        with np.errstate(over="ignore", invalid="ignore"):
            sum_sq = _column_statistics(op.X)[1]
            sq_norm = float(np.sum(weights**2 * (sum_sq - op.shape[0] * mean**2)))
        if not np.isfinite(sq_norm):
            raise ValueError(
                "loss='cosine' cannot fit X: X is finite, but the sum of its "
                "squares overflows float64 (largest singular value "
                f"{self.singular_values_.max():.3g}). Divide X by a constant "
                "first, for example X / np.abs(X).max()."
            )
        learn_scale = isinstance(self.scale, str)
        if learn_scale:
            _, _, _, _, cross, quad = _cosine_loss(A0, B0, 0.0, op, sq_norm)
            s0 = cross / quad if quad > 0 else 1.0
        else:
            s0 = float(self.scale)

        def unpack(x):
            A, B = x[: p * k].reshape(p, k), x[p * k : 2 * p * k].reshape(p, k)
            return A, B, (x[-1] if learn_scale else s0)

        def fun(x):
            A, B, scale = unpack(x)
            loss, gA, gB, gs = _cosine_loss(A, B, scale, op, sq_norm)[:4]
            parts = [gA.ravel(), gB.ravel()] + ([[gs]] if learn_scale else [])
            return loss, np.concatenate(parts)

        x0 = np.concatenate([A0.ravel(), B0.ravel()] + ([[s0]] if learn_scale else []))
        x, curve, n_iter = lbfgs(
            fun,
            x0,
            max_iter=self.max_iter,
            tol=self.tol,
            progress=progress,
            every=max(int(self.verbose), 1),
        )
        A, B, scale = unpack(x)
        progress(f"L-BFGS done after {n_iter} iterations, loss {curve.min():.6g}")
        self.encoder_ = w[:, None] * A
        self.decoder_ = normalize_rows(B)[0]
        self.scale_ = float(scale)
        self.n_iter_ = n_iter
        self.loss_curve_ = curve

    def transform(self, X: MatrixLike) -> np.ndarray:
        """Embed samples: ``(X - mean_) @ encoder_``, the user embeddings ``XA``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data (users × items).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Embeddings, with the dtype of `X` (float32 or float64).
        """
        check_is_fitted(self)
        check_no_datetime(X)
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse=("csr", "csc"),
            dtype=[np.float64, np.float32],
        )
        encoder = self.encoder_.astype(X.dtype, copy=False)
        Z = np.asarray(safe_sparse_dot(X, encoder, dense_output=True))
        if np.any(self.mean_):
            Z = Z - (self.mean_ @ self.encoder_).astype(X.dtype)
        return Z

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """Map embeddings back to the item space: the scores ``Z Bᵀ``.

        ``inverse_transform(transform(X))`` is ``X A Bᵀ``, the reconstruction
        of `X` (the "smoothed" `X`, whose rows do not depend on the rescaling
        ``D`` of :meth:`rescaled`). Column weights and means of
        `column_weighting` are undone, so the result lives in the space of
        the raw `X`. With ``loss="cosine"`` the scores are ``s N(Z) N(B)ᵀ``:
        the rows of `X` are normalised and multiplied by `scale_` (`decoder_`
        has unit rows).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Embeddings, e.g. the output of :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Scores, with the dtype of `X` (float32 or float64).
        """
        check_is_fitted(self)
        Z = self._check_embeddings(X)
        decoder = self._unweighted_decoder().astype(Z.dtype, copy=False)
        if self.loss == "cosine":
            Z = (self.scale_ * _normalize_rows(Z)).astype(Z.dtype, copy=False)
        out = Z @ decoder.T
        if np.any(self.mean_):
            out += self.mean_.astype(Z.dtype)
        return out

    def _check_embeddings(self, Z):
        check_no_datetime(Z, "Z")
        Z = check_array(Z, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {Z.shape[1]} features, but inverse_transform expects "
                f"n_components_={self.n_components_} features."
            )
        return Z

    def _unweighted_decoder(self):
        w = self.column_weights_
        inv_w = np.divide(1.0, w, out=np.zeros_like(w), where=w != 0)
        return inv_w[:, None] * self.decoder_

    def score(self, X: MatrixLike, y: ArrayLike | None = None) -> float:
        """Negative mean squared reconstruction error per sample.

        ``-‖X - inverse_transform(transform(X))‖_F² / n_samples``; higher is
        better, so it can select `alpha` in
        :class:`~sklearn.model_selection.GridSearchCV`. For recommendation, a
        ranking score on held-out interactions is the better criterion.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data (users × items).

        y : None
            Ignored.

        Returns
        -------
        score : float
            Negative mean squared reconstruction error.
        """
        reconstruction = self.inverse_transform(self.transform(X))
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse=("csr", "csc"),
            dtype=[np.float64, np.float32],
        )
        X = X.toarray() if sparse.issparse(X) else X
        residual = np.asarray(X, dtype=np.float64) - reconstruction
        return -float(np.einsum("ij,ij->", residual, residual)) / X.shape[0]

    def user_embeddings(
        self, X: MatrixLike, *, space: str = "latent", normalize: bool = False
    ) -> np.ndarray:
        """Return user embeddings (rows of `X`), in the latent or the item space.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data (users × items).

        space : {"latent", "original"}, default="latent"
            ``"latent"``: ``X A`` (:meth:`transform`), whose cosines depend
            on the rescaling ``D`` of objective (1). ``"original"``: the rows
            of ``X A Bᵀ`` (:meth:`inverse_transform` of :meth:`transform`),
            vectors over the items that do not depend on ``D`` — the
            paper's remedy of computing similarities back in the original
            space.

        normalize : bool, default=False
            If True, scale each row to unit L2 norm (zero rows stay zero), so
            that dot products are cosine similarities.

        Returns
        -------
        embeddings : ndarray of shape (n_samples, n_components) or \
                (n_samples, n_features)
            User embeddings, with the dtype of `X`.
        """
        if space not in ("latent", "original"):
            raise ValueError(f"space must be 'latent' or 'original', got {space!r}.")
        E = self.transform(X)
        if space == "original":
            E = self.inverse_transform(E) - self.mean_.astype(E.dtype)
        return _normalize_rows(E) if normalize else E

    def item_embeddings(
        self, *, space: str = "latent", normalize: bool = False
    ) -> np.ndarray:
        """Return item embeddings (columns of the training data).

        Parameters
        ----------
        space : {"latent", "original"}, default="latent"
            ``"latent"``: the rows of `decoder_` (``B``), whose cosines
            depend on the rescaling ``D`` of objective (1). ``"original"``:
            row ``i`` is the score vector over all items of a user who
            consumed item ``i`` only, ``e_iᵀ A Bᵀ`` (with the column weights
            undone); it does not depend on ``D``.

        normalize : bool, default=False
            If True, scale each row to unit L2 norm (zero rows stay zero), so
            that dot products are cosine similarities.

        Returns
        -------
        embeddings : ndarray of shape (n_features, n_components) or \
                (n_features, n_features)
            Item embeddings (float64).
        """
        check_is_fitted(self)
        if space not in ("latent", "original"):
            raise ValueError(f"space must be 'latent' or 'original', got {space!r}.")
        if space == "latent":
            E = self.decoder_.copy()
        else:
            encoder = self.encoder_
            if self.loss == "cosine":
                encoder = self.scale_ * _normalize_rows(encoder)
            E = encoder @ self._unweighted_decoder().T
        return _normalize_rows(E) if normalize else E

    def rescaled(self, d: str | ArrayLike) -> "LinearAutoencoder":
        """Return the equally optimal solution ``(Â D, B̂ D⁻¹)`` of objective (1).

        ``Â B̂ᵀ`` and hence the objective value, the scores
        ``X A Bᵀ`` and :meth:`inverse_transform` are unchanged, while every
        cosine similarity of the embeddings changes with ``D``. ``D`` is
        applied to the solution ``Â = B̂ = V_k diag(s)^{1/2}`` of :meth:`fit`
        (``s`` = `shrinkage_`), not to the current `encoder_`: rescalings
        replace each other, they do not compose.

        Parameters
        ----------
        d : {"identity", "sqrt_shrinkage", "inv_sqrt_shrinkage", \
                "inv_sqrt_singular_values"} or array-like of shape (n_components,)
            Diagonal of ``D``. The named choices, with the item embeddings
            ``B = B̂ D⁻¹`` they give:

            - ``"identity"``: ``D = I``; ``A = B = V_k diag(s)^{1/2}``
              (Eq. (5) of the paper, the model after :meth:`fit`).
            - ``"sqrt_shrinkage"``: ``D = diag(s)^{1/2}``; ``A = V_k diag(s)``,
              ``B = V_k``. With ``n_components = n_features`` the item-item
              cosine matrix is the identity.
            - ``"inv_sqrt_shrinkage"``: ``D = diag(s)^{-1/2}``; ``A = V_k``,
              ``B = V_k diag(s)``.
            - ``"inv_sqrt_singular_values"``: ``D = diag(σ)^{-1/2}``;
              ``B = V_k diag(σ s)^{1/2}``, mimicking objective (2)'s
              ``V_k diag(σ (1 - α/σ)₊)^{1/2}``.

            Components with ``σ_i = 0`` are zero whatever ``D``; named
            choices use ``d_i = 1`` there. An array must be finite and
            nonzero.

        Returns
        -------
        model : LinearAutoencoder
            A new fitted estimator (a deep copy) with `encoder_`, `decoder_`
            and `rescaling_` replaced.
        """
        check_is_fitted(self)
        if self.loss == "cosine":
            raise ValueError(
                "rescaled() does not apply to loss='cosine': its loss changes "
                "under (A D, B D⁻¹), so the fit itself fixed the cosine "
                "similarities; use loss='squared' to study the rescalings."
            )
        if self.regularization != "product":
            raise ValueError(
                "rescaled() is only defined for regularization='product' "
                "(objective (1)); the solution of regularization='factors' "
                "(objective (2)) is unique up to a rotation, so no diagonal "
                "rescaling D leaves its objective unchanged."
            )
        d = self._resolve_rescaling(d)
        model = copy.deepcopy(self)
        model.rescaling_ = d
        model.encoder_, model.decoder_ = model._factors(d)
        return model

    def _resolve_rescaling(self, d):
        s, sigma = self.shrinkage_, self.singular_values_
        active = s > 0
        if isinstance(d, str):
            if d not in RESCALINGS:
                raise ValueError(
                    f"d must be one of {RESCALINGS} or an array of shape "
                    f"(n_components_,)=({self.n_components_},), got {d!r}."
                )
            out = np.ones_like(s)
            if d == "sqrt_shrinkage":
                out[active] = np.sqrt(s[active])
            elif d == "inv_sqrt_shrinkage":
                out[active] = 1.0 / np.sqrt(s[active])
            elif d == "inv_sqrt_singular_values":
                out[active] = 1.0 / np.sqrt(sigma[active])
            return out
        try:
            out = np.asarray(d, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"d must be a name or an array of floats: {exc}") from exc
        if out.shape != (self.n_components_,):
            raise ValueError(
                f"d must have shape (n_components_,)=({self.n_components_},), "
                f"got shape {out.shape}."
            )
        if not np.all(np.isfinite(out)) or np.any(out == 0):
            raise ValueError(
                f"d must be finite and nonzero (D is inverted), got {out!r}."
            )
        return out.copy()

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
