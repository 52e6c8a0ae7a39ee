"""Relations between item frequency, vector norms and neighbour similarity."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from scipy import sparse, stats
from sklearn.utils import check_array, column_or_1d

from sklearn_cosim.metrics._base import SimilarityMeasure
from sklearn_cosim.neighbors import SimilarityNeighbors
from sklearn_cosim.utils._param_validation import Interval, validate_params
from sklearn_cosim.utils._typing import ArrayLike, MatrixLike, MetricLike
from sklearn_cosim.utils.validation import check_no_datetime


def _check_frequencies(frequencies, n_samples):
    check_no_datetime(frequencies, "frequencies")
    freq = column_or_1d(np.asarray(frequencies, dtype=np.float64))
    if freq.shape[0] != n_samples:
        raise ValueError(
            f"frequencies has {freq.shape[0]} entries but X has {n_samples} rows; "
            "give one frequency per row."
        )
    if not np.all(np.isfinite(freq)) or np.any(freq <= 0):
        raise ValueError(
            "frequencies must be finite and positive (counts or probabilities)."
        )
    return freq


def _scaled_norms(X):
    """Row norms in float64 without overflow or underflow.

    Each row is divided by its largest absolute entry before the squares are
    summed, so entries near the dtype's limits (1e30 in float32, 1e-200 in
    float64) still give their norm instead of inf or 0.
    """
    if sparse.issparse(X):
        X = sparse.csr_matrix(X, dtype=np.float64)
        top = np.asarray(abs(X).max(axis=1).todense(), dtype=np.float64).ravel()
        inv = np.divide(1.0, top, out=np.zeros_like(top), where=top > 0)
        scaled = sparse.diags(inv) @ X
        return top * np.sqrt(np.asarray(scaled.multiply(scaled).sum(axis=1)).ravel())
    out = np.zeros(X.shape[0], dtype=np.float64)
    if X.shape[1] == 0:
        return out
    step = max(1, 2**22 // X.shape[1])
    for start in range(0, X.shape[0], step):
        block = np.asarray(X[start : start + step], dtype=np.float64)
        top = np.abs(block).max(axis=1)
        inv = np.divide(1.0, top, out=np.zeros_like(top), where=top > 0)
        block = block * inv[:, None]
        out[start : start + step] = top * np.sqrt(np.einsum("ij,ij->i", block, block))
    return out


def _spearman(a, b):
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(stats.spearmanr(a, b).statistic)


@validate_params(
    {"X": ["array-like", "sparse matrix"], "frequencies": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def norm_frequency_correlation(X: MatrixLike, frequencies: ArrayLike) -> float:
    """Spearman correlation between vector norms and log frequencies.

    Embeddings trained with a dot-product objective tend to give frequent
    items larger (or smaller) norms; a rank correlation far from 0 says the
    norm carries frequency, which cosine throws away. The log does not
    change a rank correlation; it names the usual scale. A constant input
    gives 0.

    Read more in the :ref:`User Guide <frequency_bias>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Embeddings.

    frequencies : array-like of shape (n_samples,)
        Positive frequency (count or probability) of each item.

    Returns
    -------
    rho : float
        Spearman's rank correlation in [-1, 1].

    See Also
    --------
    frequency_bias : Neighbour similarity of frequent vs rare items.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import norm_frequency_correlation
    >>> X = [[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]]
    >>> norm_frequency_correlation(X, [10, 100, 1000])
    1.0
    """
    check_no_datetime(X)
    X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
    freq = _check_frequencies(frequencies, X.shape[0])
    return _spearman(_scaled_norms(X), np.log(freq))


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "frequencies": ["array-like"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "metric": [str, callable, SimilarityMeasure],
        "metric_params": [dict, None],
        "fraction": [Interval(Real, 0, 0.5, closed="right")],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=False,
)
def frequency_bias(
    X: MatrixLike,
    frequencies: ArrayLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    fraction: float = 0.1,
    n_jobs: int | None = None,
) -> dict:
    """Similarity of frequent vs rare items to their nearest neighbours.

    A frequency-bias check (after Zhou et al. 2022, who find that
    cosine under-estimates the similarity of frequent words): each item's
    mean similarity to its `n_neighbors` most similar other items, compared
    between the most frequent and the least frequent `fraction` of items,
    and its Spearman correlation with log frequency over all items.

    Read more in the :ref:`User Guide <frequency_bias>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Embeddings.

    frequencies : array-like of shape (n_samples,)
        Positive frequency of each item.

    n_neighbors : int, default=10
        Neighbours averaged per item (self excluded).

    metric : str, SimilarityMeasure or callable, default="cosine"
        Similarity measure.

    metric_params : dict, default=None
        Parameters of the measure.

    fraction : float, default=0.1
        Share of items in the high- and in the low-frequency group, in
        (0, 0.5]; each group has at least one item.

    n_jobs : int, default=None
        Threads of the neighbour search.

    Returns
    -------
    result : dict
        ``high_frequency_similarity`` and ``low_frequency_similarity`` (mean
        neighbour similarity of each group), ``difference`` (high minus
        low) and ``spearman`` (correlation of neighbour similarity with log
        frequency).

    See Also
    --------
    norm_frequency_correlation : Norms vs frequency.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.diagnostics import frequency_bias
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 8))
    >>> result = frequency_bias(X, rng.integers(1, 100, 200), n_neighbors=5)
    >>> sorted(result)
    ['difference', 'high_frequency_similarity', 'low_frequency_similarity', 'spearman']
    """
    check_no_datetime(X)
    nn = SimilarityNeighbors(
        n_neighbors=n_neighbors,
        metric=metric,
        metric_params=metric_params,
        n_jobs=n_jobs,
    ).fit(X)
    freq = _check_frequencies(frequencies, nn.n_samples_fit_)
    sims, _ = nn.kneighbors(return_similarity=True)
    neighbour_sim = sims.astype(np.float64).mean(axis=1)
    order = np.argsort(freq, kind="stable")
    size = max(1, int(round(fraction * len(freq))))
    high = float(neighbour_sim[order[-size:]].mean())
    low = float(neighbour_sim[order[:size]].mean())
    return {
        "high_frequency_similarity": high,
        "low_frequency_similarity": low,
        "difference": high - low,
        "spearman": _spearman(neighbour_sim, np.log(freq)),
    }
