"""Anisotropy and isotropy of an embedding space."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from scipy import linalg, sparse
from scipy.special import logsumexp
from sklearn.utils import check_array, check_random_state

from sklearn_cosim.utils._linalg import abs_max, pow2_scale
from sklearn_cosim.utils._param_validation import Interval, validate_params
from sklearn_cosim.utils._typing import MatrixLike, RandomStateLike
from sklearn_cosim.utils.validation import check_no_datetime

_CHUNK = 2**22  # entries per chunk of float64 work


def _check_X(X, min_samples=2):
    check_no_datetime(X)
    return check_array(
        X,
        accept_sparse="csr",
        dtype=[np.float64, np.float32],
        ensure_min_samples=min_samples,
        input_name="X",
    )


def _rows_chunks(X, scale=1.0):
    """Blocks of rows of `X` in float64, multiplied by `scale`."""
    step = max(1, _CHUNK // max(X.shape[1], 1))
    for start in range(0, X.shape[0], step):
        block = X[start : start + step]
        block = block.toarray() if sparse.issparse(block) else block
        block = np.asarray(block, dtype=np.float64)
        yield block * scale if scale != 1.0 else block


def _unit_scale(X):
    """Power of two bringing the largest absolute value of `X` near 1.

    The scale-invariant statistics below (eigenvectors, IsoScore) are computed
    on ``X * scale`` so that finite but huge or tiny values (float64 beyond
    about 1e154 or below 1e-146) neither overflow nor underflow when squared.
    Multiplying by a power of two is exact.
    """
    return pow2_scale(abs_max(X))


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "max_samples": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def mean_cosine_similarity(
    X: MatrixLike,
    *,
    max_samples: int | None = None,
    random_state: RandomStateLike = None,
) -> float:
    """Mean cosine similarity of distinct pairs of samples (anisotropy).

    Computed exactly in O(n d) time and O(d) memory from the sum of the unit
    rows ``s``: ``sum_{i != j} cos(x_i, x_j) = |s|^2 - sum_i |u_i|^2``, so no
    ``n x n`` matrix is built. Zero rows have cosine 0 with everything and
    count as pairs. Near 0 for isotropic data; close to 1 when all vectors
    share a direction (Ethayarajh 2019 uses it as the anisotropy baseline).

    Read more in the :ref:`User Guide <anisotropy>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Embeddings.

    max_samples : int, default=None
        If given and smaller than `n_samples`, the mean over a random subset
        of this many rows (drawn with `random_state`), for a cheaper
        estimate. None uses every row (exact).

    random_state : int, RandomState instance or None, default=None
        Seed of the subset when `max_samples` is used.

    Returns
    -------
    mean : float
        Mean of ``cos(x_i, x_j)`` over ordered pairs ``i != j``.

    See Also
    --------
    isotropy_score : IsoScore, a measure of how evenly variance spreads.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import mean_cosine_similarity
    >>> round(mean_cosine_similarity([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), 4)
    0.4714
    """
    X = _check_X(X)
    n = X.shape[0]
    if max_samples is not None and max_samples < n:
        rng = check_random_state(random_state)
        X = X[np.sort(rng.choice(n, size=max_samples, replace=False))]
        n = max_samples
    total = np.zeros(X.shape[1])
    n_nonzero = 0
    for block in _rows_chunks(X):
        # Cosine ignores each row's scale: divide by the row's largest value
        # first so that its squared norm neither overflows nor underflows.
        largest = np.max(np.abs(block), axis=1, initial=0.0)
        block = block / np.where(largest > 0, largest, 1.0)[:, None]
        norms = np.sqrt(np.einsum("ij,ij->i", block, block))
        nonzero = norms > 0
        total += (block[nonzero] / norms[nonzero, None]).sum(axis=0)
        n_nonzero += int(nonzero.sum())
    pair_sum = float(total @ total) - n_nonzero
    return float(pair_sum / (n * (n - 1)))


@validate_params(
    {"X": ["array-like", "sparse matrix"]},
    prefer_skip_nested_validation=True,
)
def partition_isotropy_score(X: MatrixLike) -> float:
    """Partition-function isotropy of Mu & Viswanath (2018).

    ``I = min_c Z(c) / max_c Z(c)`` with ``Z(c) = sum_i exp(c . x_i)``, the
    unit vectors ``c`` ranging over the eigenvectors of the uncentred
    ``X.T @ X`` **and their negatives** (an eigenvector's sign is arbitrary
    and ``Z(c) != Z(-c)``). ``log Z`` is computed with ``logsumexp`` so large
    norms do not overflow, and the eigenvectors with ``eigh``. 1 means
    isotropic, values near 0 anisotropic.

    Read more in the :ref:`User Guide <anisotropy>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Embeddings.

    Returns
    -------
    score : float
        The isotropy ``I`` in (0, 1].

    See Also
    --------
    isotropy_score : IsoScore.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.diagnostics import partition_isotropy_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((1000, 5))
    >>> bool(partition_isotropy_score(X) > partition_isotropy_score(X + 3.0))
    True
    """
    X = _check_X(X, min_samples=1)
    gram = np.zeros((X.shape[1], X.shape[1]))
    for block in _rows_chunks(X, _unit_scale(X)):
        gram += block.T @ block
    _, vectors = linalg.eigh(gram)
    directions = np.hstack([vectors, -vectors])
    log_z = None
    for block in _rows_chunks(X):
        part = logsumexp(block @ directions, axis=0)
        log_z = part if log_z is None else np.logaddexp(log_z, part)
    return float(np.exp(log_z.min() - log_z.max()))


@validate_params(
    {"X": ["array-like", "sparse matrix"]},
    prefer_skip_nested_validation=True,
)
def isotropy_score(X: MatrixLike) -> float:
    """IsoScore (Rudman et al. 2022): how evenly variance spreads over dimensions.

    With ``Sigma_D`` the variances of ``X`` along its principal axes (the
    eigenvalues of the covariance, ddof 1) and ``d = n_features``:
    ``Sigma = sqrt(d) Sigma_D / |Sigma_D|``,
    ``delta = |Sigma - 1| / sqrt(2 (d - sqrt(d)))`` and
    ``IsoScore = ((d - delta^2 (d - sqrt(d)))^2 - d) / (d (d - 1))``, in
    [0, 1]: 1 when the variance is the same in every direction, 0 when it
    lies in one direction. Constant data give 0.

    Read more in the :ref:`User Guide <anisotropy>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Embeddings, with at least 2 samples and 2 features.

    Returns
    -------
    score : float
        The IsoScore.

    See Also
    --------
    partition_isotropy_score : Mu & Viswanath's partition-function measure.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.diagnostics import isotropy_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((2000, 4))
    >>> bool(isotropy_score(X) > 0.95)
    True
    >>> round(isotropy_score(X * [10.0, 0.0, 0.0, 0.0]), 2)
    0.0
    """
    X = _check_X(X)
    n, d = X.shape
    if d < 2:
        raise ValueError(f"isotropy_score needs n_features >= 2, got {d}.")
    scale = _unit_scale(X)  # IsoScore does not depend on the scale of X
    mean = np.zeros(d)
    for block in _rows_chunks(X, scale):
        mean += block.sum(axis=0)
    mean /= n
    cov = np.zeros((d, d))
    for block in _rows_chunks(X, scale):
        centred = block - mean  # never in place: `block` may be a view of X
        cov += centred.T @ centred
    cov /= n - 1
    variances = np.clip(linalg.eigvalsh(cov), 0.0, None)
    norm = np.linalg.norm(variances)
    if norm == 0:
        return 0.0
    root_d = np.sqrt(d)
    scaled = root_d * variances / norm
    defect = np.linalg.norm(scaled - 1.0) / np.sqrt(2.0 * (d - root_d))
    score = ((d - defect**2 * (d - root_d)) ** 2 - d) / (d * (d - 1))
    return float(np.clip(score, 0.0, 1.0))
