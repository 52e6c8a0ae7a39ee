"""A linear map learned for cosine similarity, with contrastive or pair losses."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from scipy import linalg, sparse
from scipy.special import logsumexp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_cosim.utils._optimize import (
    _Progress,
    adam_step,
    lbfgs,
    normalize_rows,
    normalize_rows_backward,
)
from sklearn_cosim.utils._param_validation import Interval, StrOptions, _fit_context
from sklearn_cosim.utils._typing import ArrayLike, MatrixLike, RandomStateLike
from sklearn_cosim.utils.validation import check_no_datetime

_DTYPES = [np.float64, np.float32]
_PAIR_LOSSES = ("cosent", "squared")
#: Largest number of samples for which ``solver="auto"`` fits the supervised
#: contrastive loss on the full batch (an ``n × n`` similarity matrix).
_FULL_BATCH_MAX = 2048
#: Epochs without relative improvement above `tol` before Adam stops.
_N_ITER_NO_CHANGE = 5


def _supcon(Z_hat, labels, temperature):
    """Supervised contrastive loss (Khosla et al. 2020, L_out) and its gradient.

    ``L = mean_i -(1/|P(i)|) Σ_{p ∈ P(i)} log softmax_{a ≠ i}(s_ia / τ)_p`` over
    the anchors ``i`` with at least one positive; returns ``(L, ∂L/∂Z_hat)``.
    Only the softmax is ``n × n``: the positives enter through class sums,
    ``Σ_{p ∈ P(i)} ẑ_p = C_{y_i} - ẑ_i`` with ``C_c = Σ_{y_j = c} ẑ_j``.
    """
    n = Z_hat.shape[0]
    counts = np.bincount(labels)
    n_pos = counts[labels] - 1.0
    valid = n_pos > 0
    n_valid = int(valid.sum())
    if n_valid == 0:
        return 0.0, np.zeros_like(Z_hat)
    positives = _class_sums(Z_hat, labels)[labels] - Z_hat  # Σ_{p ∈ P(i)} ẑ_p
    # E = exp((s_ij - shift)/τ), symmetric, 0 on the diagonal; cosines are at
    # most 1, so shift = 1 cannot overflow (the row maximum when 2/τ could
    # underflow a whole row)
    E = (Z_hat * (1.0 / temperature)) @ Z_hat.T
    np.fill_diagonal(E, -np.inf)
    shift = (
        E.max(axis=1, keepdims=True)
        if temperature < 2.0 / 300
        else np.full((n, 1), 1.0 / temperature)
    )
    E -= shift
    np.exp(E, out=E)
    denom = E.sum(axis=1, keepdims=True)
    log_denom = (np.log(denom) + shift).ravel()
    # ∂L/∂s_ij = c_i E_ij (softmax part) with c_i = 1/(n_valid τ denom_i),
    # 0 for anchors without positives; E is symmetric, so the gradient
    # Σ_j (c_i + c_j) E_ij ẑ_j takes one product, E [ẑ, c ẑ]
    weight = np.where(valid, 1.0 / (n_valid * temperature), 0.0)[:, None]
    c = weight / denom
    k = Z_hat.shape[1]
    both = E @ np.hstack([Z_hat, c * Z_hat])
    grad = c * both[:, :k] + both[:, k:]
    w_pos = np.divide(1.0, n_pos, out=np.zeros(n), where=valid)
    s_pos = np.einsum("ij,ij->i", Z_hat, positives) / temperature
    loss = float(np.mean(log_denom[valid] - (w_pos * s_pos)[valid]))
    # the positives' part is symmetric: both directions give (C_y - ẑ)/|P|
    grad -= (2.0 * weight * w_pos[:, None]) * positives
    return loss, grad


def _cosent(s, y, temperature):
    """CoSENT loss ``log(1 + Σ_{y_a > y_b} exp((s_b - s_a)/τ))`` and ``∂L/∂s``.

    Computed in ``O(m log m)`` from sorted cumulative log-sum-exps.
    """
    lam = 1.0 / temperature
    order = np.argsort(y, kind="stable")
    y_sorted = y[order]
    m = y.shape[0]
    up = np.logaddexp.accumulate((lam * s)[order])  # prefix: log Σ exp(λ s_b)
    down = np.logaddexp.accumulate((-lam * s)[order][::-1])[::-1]  # suffix
    n_less = np.searchsorted(y_sorted, y, side="left")
    n_greater = m - np.searchsorted(y_sorted, y, side="right")
    log_c = np.where(n_less > 0, up[np.maximum(n_less - 1, 0)], -np.inf)
    log_d = np.where(n_greater > 0, down[np.minimum(m - n_greater, m - 1)], -np.inf)
    total = logsumexp(-lam * s + log_c)
    loss = float(np.logaddexp(0.0, total))
    grad = lam * (np.exp(lam * s + log_d - loss) - np.exp(-lam * s + log_c - loss))
    return loss, grad


def _squared(s, target):
    """Mean squared error between cosines and targets in ``[-1, 1]``."""
    diff = s - target
    return float(np.mean(diff**2)), 2.0 * diff / s.shape[0]


def _norm_penalty(norms, strength, target):
    """``strength · Var(log ‖z‖)`` (target None) or ``strength · mean((‖z‖ - t)²)``.

    Returns the value and its gradient with respect to the norms; zero
    vectors are left out of the variance form.
    """
    if strength == 0:
        return 0.0, np.zeros_like(norms)
    if target is not None:
        diff = norms - target
        return strength * float(np.mean(diff**2)), 2 * strength * diff / norms.size
    grad = np.zeros_like(norms)
    nonzero = norms > 0
    if nonzero.sum() < 2:
        return 0.0, grad
    log_norms = np.log(norms[nonzero])
    centred = log_norms - log_norms.mean()
    value = strength * float(np.mean(centred**2))
    grad[nonzero] = 2 * strength * centred / (nonzero.sum() * norms[nonzero])
    return value, grad


def _stratified_subsample(labels, size, rng):
    """Indices of about `size` samples, each class kept in proportion (>= 2)."""
    n = labels.shape[0]
    keep = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        take = min(members.size, max(2, int(round(size * members.size / n))))
        keep.append(rng.choice(members, take, replace=False))
    return np.sort(np.concatenate(keep))


def _class_sums(data, labels):
    """Dense ``(n_classes, d)`` sums of the rows of `data` per label."""
    n = labels.shape[0]
    one_hot = sparse.csr_array(
        (np.ones(n), (labels, np.arange(n))), shape=(labels.max() + 1, n)
    )
    return np.asarray(safe_sparse_dot(one_hot, data, dense_output=True))


def _covariance(data, means, labels):
    """Pooled covariance of the rows of `data` about ``means[labels]``.

    Dense data is centred before the product (no cancellation); sparse data
    keeps its sparsity, and the float64 Gram matrix is corrected by the means.
    """
    n, n_groups = data.shape[0], means.shape[0]
    if sparse.issparse(data):
        counts = np.bincount(labels, minlength=n_groups)
        gram = np.asarray(safe_sparse_dot(data.T, data, dense_output=True))
        scatter = gram - (means.T * counts) @ means
    else:
        centred = data - means[labels]
        scatter = centred.T @ centred
    return scatter / max(n - n_groups, 1)


def _nearest_neighbour_agreement(Z_hat, labels):
    """Fraction of rows whose most cosine-similar other row has their label."""
    similarity = Z_hat @ Z_hat.T
    np.fill_diagonal(similarity, -np.inf)
    return float(np.mean(labels[similarity.argmax(axis=1)] == labels))


class LinearAdapter(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    r"""Linear map of frozen embeddings, trained for the cosine similarity.

    Learns ``W`` of shape ``(n_components, n_features)`` so that the cosine
    similarities of the adapted embeddings ``z = W (x - mean_)`` serve a task:
    samples with the same class label close together (``loss="supcon"``), or
    pairs ranked like human judgements (``loss="cosent"`` or
    ``"squared"``). Put it in front of any cosine-based estimator, e.g.
    :class:`~sklearn_cosim.neighbors.SimilarityKNeighborsClassifier`, and
    tune it with :class:`~sklearn.model_selection.GridSearchCV`.

    With ``ẑ = z / ‖z‖`` and ``s_ij = ẑ_i · ẑ_j`` the objective is

    .. math::

        \min_W \; L_{task}(W)
        + \lambda_n \, R_{norm}(\{\|z_i\|\})
        + \alpha \, \frac{\|W - W_0\|_F^2}{\|W_0\|_F^2}

    - ``loss="supcon"`` (class labels ``y``; Khosla et al. 2020, the
      :math:`L_{out}` form): with :math:`P(i)` the other samples of ``i``'s
      class and :math:`A(i)` all samples but ``i``,
      :math:`L = \mathrm{mean}_i \, -\frac{1}{|P(i)|} \sum_{p \in P(i)}
      \log \frac{\exp(s_{ip}/\tau)}{\sum_{a \in A(i)} \exp(s_{ia}/\tau)}`
      over the samples whose class has another member.
    - ``loss="cosent"`` (pairs; Su 2022): :math:`L = \log(1 + \sum_{y_a >
      y_b} \exp((s_b - s_a)/\tau))` over all pairs of pairs, a ranking loss
      that matches a Spearman evaluation; graded or binary ``y``.
    - ``loss="squared"`` (pairs): :math:`L = \mathrm{mean}_a (s_a -
      \tilde y_a)^2` with ``y`` rescaled to ``[-1, 1]`` by its training
      minimum and maximum.
    - the norm penalty (You 2025's norm-sensitive training) is
      :math:`\mathrm{Var}_i(\log\|z_i\|)` when `norm_target` is None, else
      :math:`\mathrm{mean}_i (\|z_i\| - t)^2`;
    - ``W_0`` is the initial map (`init`) and the last term decays ``W``
      towards it, relative to its size.

    Read more in the :ref:`User Guide <linear_adapter>`.

    Parameters
    ----------
    n_components : int, default=None
        Dimension of the adapted embeddings (a low-rank map when smaller than
        the input dimension). None means the input dimension ``d`` (half the
        columns of ``X`` for the pair losses). Must not exceed ``d``.

    loss : {"supcon", "cosent", "squared"}, default="supcon"
        Training objective, see above. It also fixes the layout of ``X``:

        - ``"supcon"``: ``X`` holds one embedding per row and ``y`` class
          labels;
        - ``"cosent"``, ``"squared"``: ``X`` holds judged pairs side by side,
          ``[u | v]`` (the :class:`~sklearn_cosim.model_selection.PairedSimilarity`
          layout, see :func:`~sklearn_cosim.model_selection.stack_pairs`),
          ``y`` their graded or binary judgements, and :meth:`transform`
          maps both halves, returning ``[W u | W v]``.

    temperature : float, default=0.1
        ``τ > 0``: divides the cosines in ``"supcon"`` and ``"cosent"``
        (Su's CoSENT uses ``λ = 1/τ = 20``). Smaller values weight the
        hardest pairs more.

    norm_penalty : float, default=0.0
        ``λ_n >= 0``, weight of the norm penalty. Cosine ignores norms; the
        penalty makes them carry little (``norm_target=None``: nearly equal
        norms) so that dot product and Euclidean distance on the output agree
        with cosine.

    norm_target : float, default=None
        Target norm ``t > 0`` of the second form of the penalty; None uses
        the variance of the log-norms, which does not depend on the scale.

    alpha : float or "auto", default="auto"
        Weight ``α >= 0`` of the decay towards the initial map; it keeps small
        training sets from overfitting. ``"auto"``: ``α = k d / n`` with ``k``
        the number of components, ``d`` the embedding dimension and ``n`` the
        number of training samples (pairs for the pair losses) -- the
        parameters per sample, which is Akaike's estimate of how much a mean
        log-loss fitted with ``k d`` free parameters flatters itself: moving
        ``W`` by its own size costs that much. The value used is `alpha_`.

    init : {"auto", "identity", "pca", "whitening", "lda"}, default="auto"
        Initial map ``W_0``. ``"identity"`` (needs ``n_components = d``; no
        centring), ``"pca"`` (the leading principal directions, centred),
        ``"whitening"`` (PCA whitening: directions divided by the square
        root of their variance, which is floored at ``1e-6`` times the
        largest), ``"lda"`` (class labels only: unit variance within the
        classes -- the symmetric inverse square root of the pooled
        within-class covariance ``S_w`` at full rank, else the leading
        solutions of ``S_t v = λ S_w v``, Fisher's discriminants first;
        ``S_w``'s eigenvalues are floored like whitening's). ``"auto"``:
        ``"identity"`` when ``n_components`` is None or ``d``, else
        ``"pca"``; for ``loss="supcon"``, ``"lda"`` instead when more
        training samples have their label on their cosine nearest neighbour
        there (leave-one-out 1-NN accuracy, on the subsample of
        ``"lbfgs+adam"`` for large data). Except for ``"identity"``, `mean_`
        is the training mean and the map is applied to centred data. The
        start used is `init_`.

    solver : {"auto", "lbfgs", "adam"}, default="auto"
        ``"lbfgs"``: scipy's L-BFGS on the full training set.
        ``"adam"``: Adam on shuffled minibatches of `batch_size`, from
        ``W_0`` (the contrastive loss costs ``O(n²)`` per full batch).
        ``"auto"``: ``"lbfgs"``, except for ``loss="supcon"`` with more than
        2048 samples: L-BFGS on a class-stratified random subsample of 2048
        samples, then Adam epochs on all samples from there
        (``"lbfgs+adam"``; the pair losses cost ``O(m log m)`` and always
        use the full set). Adam alone can stall on a flat start that
        L-BFGS crosses.

    batch_size : int, default=512
        Minibatch size of ``solver="adam"``: samples for ``"supcon"`` (a
        batch's anchors find their positives and negatives within the
        batch), pairs for the pair losses.

    learning_rate_init : float, default=1e-2
        Step size of Adam, relative to the root-mean-square entry of ``W_0``
        (Adam moves every entry by about the step size, so the relative step
        means the same for any dimension and scale of the input).

    max_iter : int, default=100
        Maximum number of L-BFGS iterations, and of epochs for Adam.

    tol : float, default=1e-3
        L-BFGS stops when the relative decrease of the loss in one iteration
        or the largest gradient entry is below `tol`; Adam when the epoch
        loss has not improved by more than ``tol`` (relative) for 5 epochs.
        The default, a change of a few thousandths of a nat in a loss of a
        few nats, is roughly the sampling error of a mean loss over ``10⁴`` to
        ``10⁵`` samples: smaller steps on the training objective are mostly
        noise for held-out data.

    random_state : int, RandomState instance or None, default=None
        Shuffling of the minibatches and the subsample of
        ``"lbfgs+adam"``; L-BFGS on the full set is deterministic.

    verbose : int, default=0
        If positive, print the loss and the elapsed time to standard error
        every `verbose` iterations (epochs).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, d)
        The learned map ``W``.

    mean_ : ndarray of shape (d,)
        Subtracted before the map (zeros for ``init="identity"``).

    initial_components_ : ndarray of shape (n_components, d)
        The initial map ``W_0``.

    init_ : {"identity", "pca", "whitening", "lda"}
        The start used (`init` with ``"auto"`` resolved).

    alpha_ : float
        The decay weight used (`alpha` with ``"auto"`` resolved).

    n_components_ : int
        The resolved number of components.

    classes_ : ndarray of shape (n_classes,)
        Class labels seen during fit (``loss="supcon"`` only).

    effective_solver_ : {"lbfgs", "adam", "lbfgs+adam"}
        The solver used.

    n_iter_ : int
        Number of L-BFGS iterations plus Adam epochs run.

    loss_curve_ : ndarray of shape (`n_iter_` + 1,)
        The objective (all terms) at ``W_0`` and after each iteration (for
        Adam, the mean minibatch objective of each epoch; for
        ``"lbfgs+adam"``, the L-BFGS curve on the subsample, then Adam's).

    n_features_in_ : int
        Number of features seen during :term:`fit` (``2 d`` for the pair
        losses).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn.neighbors.NeighborhoodComponentsAnalysis : A supervised linear map
        for Euclidean k-NN (softmax over squared distances, no temperature,
        no norm control).
    sklearn_cosim.preprocessing.Whitener : The unsupervised map of
        ``init="whitening"``.
    sklearn_cosim.model_selection.PairedSimilarity : Scores judged pairs;
        put the adapter in front of it in a pipeline.

    Notes
    -----
    Arithmetic is in float64; :meth:`transform` returns the dtype of its
    input (float32 or float64). Sparse input is accepted (the mean is
    subtracted after the map, so sparsity is kept during the fit); the
    output is dense.

    **Judged pairs under cross-validation.** :class:`PairedSimilarity
    <sklearn_cosim.model_selection.PairedSimilarity>` fits its
    ``preprocessor`` without the judgements, so a supervised adapter goes
    *in front of* it, in the same ``[u | v]`` layout::

        pipe = make_pipeline(LinearAdapter(loss="cosent"), PairedSimilarity())
        GridSearchCV(pipe, {"linearadapter__temperature": [0.05, 0.1]})

    The pipeline fits the adapter on the training pairs and their ``y``,
    passes ``[W u | W v]`` on, and scores Spearman's correlation on the
    held-out pairs (``PairedSimilarity.score``).

    Zero input rows map to zero vectors, whose cosine is 0 and whose
    gradient is 0; they are left out of the log-norm variance.

    References
    ----------
    .. [1] P. Khosla et al., "Supervised Contrastive Learning", NeurIPS 2020.
    .. [2] J. Su, "CoSENT: a more efficient sentence vector scheme than
       Sentence-BERT", 2022.
    .. [3] K. You, "Semantics at an Angle: When Cosine Similarity Works Until
       It Doesn't", arXiv:2504.16318, 2025.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.adapters import LinearAdapter
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], 20)
    >>> X = rng.normal(size=(60, 5)) * [10, 10, 1, 1, 1]  # loud noise
    >>> X[:, 2] += 2.0 * y                                 # quiet signal
    >>> adapter = LinearAdapter(n_components=3, random_state=0).fit(X, y)
    >>> adapter.transform(X).shape
    (60, 3)
    >>> bool(adapter.loss_curve_[-1] < adapter.loss_curve_[0])
    True
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "loss": [StrOptions({"supcon", "cosent", "squared"})],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "norm_penalty": [Interval(Real, 0, None, closed="left")],
        "norm_target": [Interval(Real, 0, None, closed="neither"), None],
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "init": [StrOptions({"auto", "identity", "pca", "whitening", "lda"})],
        "solver": [StrOptions({"auto", "lbfgs", "adam"})],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components: int | None = None,
        *,
        loss: str = "supcon",
        temperature: float = 0.1,
        norm_penalty: float = 0.0,
        norm_target: float | None = None,
        alpha: float | str = "auto",
        init: str = "auto",
        solver: str = "auto",
        batch_size: int = 512,
        learning_rate_init: float = 1e-2,
        max_iter: int = 100,
        tol: float = 1e-3,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ) -> None:
        self.n_components = n_components
        self.loss = loss
        self.temperature = temperature
        self.norm_penalty = norm_penalty
        self.norm_target = norm_target
        self.alpha = alpha
        self.init = init
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    # -- data layout ---------------------------------------------------------

    def _pairs(self):
        return self.loss in _PAIR_LOSSES

    @staticmethod
    def _halves(X):
        n_features = X.shape[1]
        if n_features % 2:
            raise ValueError(
                "With a pair loss ('cosent' or 'squared'), X must hold the two "
                "embeddings of each pair side by side, [u | v], so its number "
                f"of columns must be even; got n_features={n_features}. Build "
                "it with sklearn_cosim.model_selection.stack_pairs(U, V), or use "
                "loss='supcon' for one embedding per row with class labels."
            )
        d = n_features // 2
        return X[:, :d], X[:, d:]

    def _check_targets(self, y):
        if self._pairs():
            y = np.asarray(y, dtype=np.float64)
            if np.ptp(y) == 0:
                raise ValueError(
                    f"loss={self.loss!r} needs judgements y that take at least "
                    "two different values; all pairs have the same y."
                )
            return y
        classes, labels = np.unique(y, return_inverse=True)
        if classes.shape[0] < 2:
            raise ValueError(
                "loss='supcon' needs at least two classes in y; got one class "
                f"({classes[0]!r})."
            )
        if np.bincount(labels).max() < 2:
            raise ValueError(
                "loss='supcon' needs a class with at least two samples (a "
                "positive pair); every class in y has one sample."
            )
        self.classes_ = classes
        return labels

    # -- initial map ---------------------------------------------------------

    def _initial_map(self, init, data, n_components, labels):
        """``(mean, W0)`` of the named start (not "auto")."""
        d = data.shape[1]
        if init == "identity":
            if n_components != d:
                raise ValueError(
                    f"init='identity' needs n_components == n_features={d}, got "
                    f"n_components={n_components}; use init='pca' or "
                    "'whitening' for a low-rank map."
                )
            return np.zeros(d), np.eye(d)
        if init == "lda" and self._pairs():
            raise ValueError(
                "init='lda' needs class labels (loss='supcon'); with a pair loss "
                "use init='identity', 'pca' or 'whitening'."
            )
        mean = np.asarray(data.mean(axis=0)).ravel()
        # second moments of data / scale: no overflow or underflow; the
        # eigenvectors do not change, whitening scales by 1/scale
        scale = float(abs(data).max()) if data.shape[0] else 0.0
        scale = scale if 0 < scale < np.inf else 1.0
        data = data * (1.0 / scale)
        cov = _covariance(data, mean[None, :] / scale, np.zeros(data.shape[0], int))
        if init == "lda":
            # whiten the within-class covariance, then take the leading
            # principal directions there: Fisher's discriminants come first
            means = _class_sums(data, labels)
            means /= np.maximum(np.bincount(labels), 1)[:, None]
            within, rotation = linalg.eigh(_covariance(data, means, labels))
            floor = 1e-6 * within[-1] if within[-1] > 0 else 1.0
            axes = rotation / np.sqrt(np.maximum(within, floor))
            if n_components == d:  # the symmetric Sw^(-1/2): no arbitrary rotation
                return mean, axes @ rotation.T / scale
            cov = axes.T @ cov @ axes
        eigvals, eigvecs = linalg.eigh(cov, subset_by_index=(d - n_components, d - 1))
        eigvals, eigvecs = eigvals[::-1], eigvecs[:, ::-1]
        if init == "lda":
            return mean, (axes @ eigvecs).T / scale
        W0 = eigvecs.T.copy()
        if init == "whitening":
            floor = 1e-6 * eigvals[0] if eigvals[0] > 0 else 1.0
            W0 /= np.sqrt(np.maximum(eigvals, floor))[:, None] * scale
        return mean, W0

    def _start(self, data, n_components, target, sub):
        """The initial map; ``init="auto"`` keeps the candidate whose cosine
        nearest neighbours share the label most often.

        The candidates are the identity (full rank) or PCA (low rank) and,
        for class labels, ``"lda"``, all computed from `data` (and the class
        labels `target`); they are compared by leave-one-out 1-NN accuracy on
        the rows `sub`, ties kept by the first. Returns ``(init, mean, W0)``.
        """
        d = data.shape[1]
        if self.init != "auto":
            return self.init, *self._initial_map(self.init, data, n_components, target)
        names = ["identity" if n_components == d else "pca"]
        if self._pairs():
            return names[0], *self._initial_map(names[0], data, n_components, None)
        names.append("lda")
        best = None
        for name in names:
            mean, W0 = self._initial_map(name, data, n_components, target)
            Z_hat = self._embed(W0, mean, data[sub])[0]
            agreement = _nearest_neighbour_agreement(Z_hat, target[sub])
            if best is None or agreement > best[0]:
                best = (agreement, name, mean, W0)
        return best[1:]

    # -- objective -----------------------------------------------------------

    def _embed(self, W, mean, X):
        """``Z = (X - mean) Wᵀ`` and its normalised rows."""
        Z = np.asarray(safe_sparse_dot(X, W.T, dense_output=True)) - W @ mean
        Z_hat, norms = normalize_rows(Z)
        return Z_hat, norms

    def _backprop(self, X, mean, Z_hat, norms, grad_Z_hat, grad_norms):
        """``∂L/∂W`` from the gradients with respect to ``ẑ`` and ``‖z‖``."""
        grad_Z = normalize_rows_backward(Z_hat, norms, grad_Z_hat)
        grad_Z += grad_norms[:, None] * Z_hat
        grad_W = np.asarray(safe_sparse_dot(X.T, grad_Z, dense_output=True)).T
        return grad_W - np.outer(grad_Z.sum(axis=0), mean)

    def _objective(self, W, W0, mean, X, target):
        """Objective and gradient for the rows (or pairs) in `X`."""
        strength, t = self.norm_penalty, self.norm_target
        if self._pairs():
            U, V = self._halves(X)
            U_hat, u_norms = self._embed(W, mean, U)
            V_hat, v_norms = self._embed(W, mean, V)
            s = np.einsum("ij,ij->i", U_hat, V_hat)
            if self.loss == "cosent":
                loss, grad_s = _cosent(s, target, self.temperature)
            else:
                loss, grad_s = _squared(s, target)
            penalty, grad_n = _norm_penalty(
                np.concatenate([u_norms, v_norms]), strength, t
            )
            m = U.shape[0]
            grad_W = self._backprop(
                U, mean, U_hat, u_norms, grad_s[:, None] * V_hat, grad_n[:m]
            )
            grad_W += self._backprop(
                V, mean, V_hat, v_norms, grad_s[:, None] * U_hat, grad_n[m:]
            )
        else:
            Z_hat, norms = self._embed(W, mean, X)
            loss, grad_Z_hat = _supcon(Z_hat, target, self.temperature)
            penalty, grad_n = _norm_penalty(norms, strength, t)
            grad_W = self._backprop(X, mean, Z_hat, norms, grad_Z_hat, grad_n)
        scale = np.sum(W0**2)
        diff = W - W0
        decay = self.alpha_ * float(np.sum(diff**2)) / scale
        grad_W += 2 * self.alpha_ * diff / scale
        return loss + penalty + decay, grad_W

    # -- fit -----------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike) -> "LinearAdapter":
        """Learn the map from labelled embeddings or judged pairs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Embeddings, one per row (``loss="supcon"``), or pairs ``[u | v]``
            of shape ``(n_pairs, 2 d)`` (``loss="cosent"`` or ``"squared"``).

        y : array-like of shape (n_samples,)
            Class labels (``"supcon"``) or judgements of the pairs.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None: class labels for loss='supcon', the judgements of "
                "the pairs for loss='cosent' or 'squared'. (Inside "
                "PairedSimilarity, put the adapter in front of it: "
                "make_pipeline(LinearAdapter(loss='cosent'), PairedSimilarity()); "
                "its preprocessor is fitted without y.)"
            )
        progress = _Progress(type(self).__name__, self.verbose)
        check_no_datetime(X)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=("csr", "csc"),
            dtype=_DTYPES,
            y_numeric=self._pairs(),
        )
        X = X.astype(np.float64, copy=False)
        if sparse.issparse(X):
            X = X.tocsr()
        target = self._check_targets(y)
        if self._pairs():
            U, V = self._halves(X)
            data = sparse.vstack([U, V]) if sparse.issparse(X) else np.vstack([U, V])
            if self.loss == "squared":
                target = 2 * (target - target.min()) / np.ptp(target) - 1
        else:
            data = X
        d = data.shape[1]
        n_components = d if self.n_components is None else self.n_components
        if isinstance(n_components, (bool, np.bool_)) or n_components > d:
            raise ValueError(
                f"n_components must be an int in [1, {d}] (the embedding "
                f"dimension) or None, got {self.n_components!r}."
            )
        # AIC's optimism of a mean log-loss is (parameters / samples): moving
        # W by its own size costs that much
        self.alpha_ = (
            n_components * d / X.shape[0] if self.alpha == "auto" else self.alpha
        )
        rng = check_random_state(self.random_state)
        sub = slice(None)
        large = not self._pairs() and X.shape[0] > _FULL_BATCH_MAX
        if large:  # full-batch work (the start, L-BFGS) on a subsample
            sub = _stratified_subsample(target, _FULL_BATCH_MAX, rng)
        init, mean, W0 = self._start(data, n_components, target, sub)
        solver = self.solver
        if solver == "auto":
            solver = "lbfgs+adam" if large else "lbfgs"
        progress(
            f"{solver} on {X.shape[0]} x {X.shape[1]}, k={n_components}, "
            f"init={init!r}, alpha={self.alpha_:.3g}"
        )
        if solver == "lbfgs":
            W, curve, n_iter = self._fit_lbfgs(W0, mean, X, target, progress)
        elif solver == "adam":
            W, curve, n_iter = self._fit_adam(
                W0, W0, mean, X, target, progress, rng=rng
            )
        else:  # L-BFGS on a stratified subsample, then minibatches of all
            W, curve, n_iter = self._fit_lbfgs(W0, mean, X[sub], target[sub], progress)
            W, curve_adam, n_adam = self._fit_adam(
                W0, W, mean, X, target, progress, rng=rng
            )
            curve = np.concatenate([curve, curve_adam[1:]])
            n_iter += n_adam
        progress(f"done after {n_iter} iterations, loss {curve[-1]:.6g}")
        self.n_components_ = n_components
        self.mean_ = mean
        self.init_ = init
        self.initial_components_ = W0
        self.components_ = W
        self.effective_solver_ = solver
        self.n_iter_ = n_iter
        self.loss_curve_ = curve
        return self

    def _fit_lbfgs(self, W0, mean, X, target, progress):
        shape = W0.shape

        def fun(w):
            loss, grad = self._objective(w.reshape(shape), W0, mean, X, target)
            return loss, grad.ravel()

        w, curve, n_iter = lbfgs(
            fun,
            W0.ravel(),
            max_iter=self.max_iter,
            tol=self.tol,
            progress=progress,
            every=max(int(self.verbose), 1),
        )
        return w.reshape(shape), curve, n_iter

    def _fit_adam(self, W0, W_start, mean, X, target, progress, rng):
        W = W_start.copy()
        state = {}
        n = X.shape[0]

        def batches():
            perm = rng.permutation(n)
            for batch in gen_batches(n, self.batch_size, min_batch_size=2):
                yield perm[batch]

        # the curve holds mean minibatch objectives, starting with W0's
        curve = [
            float(
                np.mean(
                    [
                        self._objective(W, W0, mean, X[i], target[i])[0]
                        for i in batches()
                    ]
                )
            )
        ]
        progress(f"epoch 0, loss {curve[0]:.6g}")
        best, stall, n_iter = curve[0], 0, 0
        # Adam moves every entry by about the step size; relative to the RMS
        # entry of W0 the step means the same for any dimension and input scale
        step = self.learning_rate_init * np.sqrt(np.mean(W0**2))
        for epoch in range(1, self.max_iter + 1):
            losses = []
            for idx in batches():
                loss, grad = self._objective(W, W0, mean, X[idx], target[idx])
                adam_step(W, grad, state, step)
                losses.append(loss)
            epoch_loss = float(np.mean(losses))
            curve.append(epoch_loss)
            n_iter = epoch
            if epoch % max(int(self.verbose), 1) == 0:
                progress(f"epoch {epoch}, loss {epoch_loss:.6g}")
            if epoch_loss < best - self.tol * abs(best):
                best, stall = epoch_loss, 0
            else:
                stall += 1
                if stall >= _N_ITER_NO_CHANGE:
                    break
        return W, np.asarray(curve), n_iter

    # -- transform -----------------------------------------------------------

    def _map(self, X):
        W = self.components_.astype(X.dtype, copy=False)
        Z = np.asarray(safe_sparse_dot(X, W.T, dense_output=True))
        if np.any(self.mean_):
            Z = Z - (self.components_ @ self.mean_).astype(X.dtype)
        return Z

    def transform(self, X: MatrixLike) -> np.ndarray:
        """Apply the map: ``(X - mean_) @ components_.T`` (to each half of pairs).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Embeddings, or pairs ``[u | v]`` for the pair losses.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_components_`) or \
                (n_pairs, 2 * `n_components_`)
            Adapted embeddings (``[W u | W v]`` for pairs), with the dtype
            of `X` (float32 or float64).
        """
        check_is_fitted(self)
        check_no_datetime(X)
        X = validate_data(
            self, X, reset=False, accept_sparse=("csr", "csc"), dtype=_DTYPES
        )
        if self._pairs():
            U, V = self._halves(X)
            return np.hstack([self._map(U), self._map(V)])
        return self._map(X)

    @property
    def _n_features_out(self):
        return self.n_components_ * (2 if self._pairs() else 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
