"""Hubness of a k-nearest-neighbour relation: k-occurrence and its measures."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from scipy import sparse, stats

from sklearn_cosim.metrics._base import SimilarityMeasure
from sklearn_cosim.neighbors import SimilarityNeighbors
from sklearn_cosim.neighbors._hubness import HUBNESS_METHODS
from sklearn_cosim.utils._param_validation import (
    Interval,
    StrOptions,
    validate_params,
)
from sklearn_cosim.utils._typing import MatrixLike, MetricLike

_NEIGHBOR_CONSTRAINTS = {
    "X": ["array-like", "sparse matrix"],
    "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    "metric": [str, callable, SimilarityMeasure],
    "metric_params": [dict, None],
    "hubness": [StrOptions(set(HUBNESS_METHODS)), None],
    "hubness_params": [dict, None],
    "n_jobs": [Integral, None],
}

_NEIGHBOR_DOC = """\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Vectors, or with ``metric="precomputed"`` a sparse k-neighbours
        graph (as from :class:`sklearn.neighbors.KNeighborsTransformer` or
        :meth:`~sklearn_cosim.neighbors.SimilarityNeighbors.kneighbors_graph`
        with ``mode="distance"``, shape ``(n_queries, n_samples_indexed)``):
        each row stores its neighbours' distances
        in increasing order. In a square graph an entry ``(i, i)`` is the
        sample itself and is dropped (a row that does not store itself
        then drops its last entry instead).

    n_neighbors : int, default=10
        Size ``k`` of each neighbour list. Vectors: each sample's ``k``
        most similar other samples (self excluded; ties broken by the
        smaller index, as the search engine does). Graph: the first ``k``
        stored neighbours of each row.

    metric : str, SimilarityMeasure or callable, default="cosine"
        Similarity measure of :class:`~sklearn_cosim.neighbors.SimilarityNeighbors`,
        or ``"precomputed"`` for a graph.

    metric_params : dict, default=None
        Parameters of the measure.

    hubness : str, default=None
        Hubness reduction applied to the neighbour search (see
        :class:`~sklearn_cosim.neighbors.SimilarityNeighbors`), to measure
        hubness after it.

    hubness_params : dict, default=None
        Parameters of the hubness reduction.

    n_jobs : int, default=None
        Threads of the neighbour search."""


def _check_kneighbors_graph(graph, n_neighbors):
    """Validate a precomputed k-neighbours graph; return its neighbour indices.

    Returns
    -------
    indices : ndarray of shape (n_queries, n_neighbors)
        The first `n_neighbors` stored neighbours of each row (self dropped).

    n_indexed : int
        Number of columns (indexed samples).
    """
    if not sparse.issparse(graph):
        raise ValueError(
            "With metric='precomputed', X must be a sparse k-neighbours graph "
            "(e.g. KNeighborsTransformer(mode='distance').fit_transform(X)), got "
            f"{type(graph).__name__}."
        )
    graph = sparse.csr_matrix(graph)
    n_query, n_indexed = graph.shape
    data = np.asarray(graph.data, dtype=np.float64)
    if not np.all(np.isfinite(data)):
        raise ValueError("The precomputed graph X contains NaN or infinity.")
    counts = np.diff(graph.indptr)
    rows = np.repeat(np.arange(n_query), counts)
    keep = np.ones(len(data), dtype=bool)
    square = n_query == n_indexed
    if square:
        is_self = graph.indices == rows
        if is_self.any():
            keep &= ~is_self
            has_self = np.zeros(n_query, dtype=bool)
            has_self[rows[is_self]] = True
            last = graph.indptr[1:] - 1
            drop_last = ~has_self & (counts > 0)
            keep[last[drop_last]] = False
    for r in np.flatnonzero(counts > 1):
        seg = data[graph.indptr[r] : graph.indptr[r + 1]]
        if np.any(np.diff(seg) < 0):
            raise ValueError(
                f"Row {r} of the precomputed graph X is not sorted by increasing "
                "distance; sort each row first (e.g. with "
                "sklearn.neighbors.sort_graph_by_row_values)."
            )
    kept_counts = np.bincount(rows[keep], minlength=n_query)
    n_candidates = n_indexed - 1 if square else n_indexed
    if n_neighbors > n_candidates:
        raise ValueError(
            f"n_neighbors={n_neighbors} is larger than the {n_candidates} indexed "
            "samples that can be neighbours in the graph X."
        )
    if n_query and kept_counts.min() != kept_counts.max():
        raise ValueError(
            "The precomputed graph X stores unequal numbers of neighbours per row "
            f"(from {kept_counts.min()} to {kept_counts.max()}, self excluded); "
            "every row must store the same number k."
        )
    stored = int(kept_counts.max()) if n_query else 0
    if n_neighbors > stored:
        raise ValueError(
            f"n_neighbors={n_neighbors} is larger than the {stored} neighbours "
            f"stored per row of the graph X (self excluded); use n_neighbors <= "
            f"{stored} or build the graph with more neighbours."
        )
    indices = graph.indices[keep].reshape(n_query, stored)[:, :n_neighbors]
    return np.asarray(indices, dtype=np.intp), n_indexed


def _neighbor_indices(
    X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
):
    """Neighbour lists ``(n_queries, k)`` and the number of indexed samples."""
    if isinstance(metric, str) and metric == "precomputed":
        if hubness is not None:
            raise ValueError(
                "hubness must be None with metric='precomputed'; re-weight the "
                "graph with HubnessReductionTransformer first."
            )
        return _check_kneighbors_graph(X, n_neighbors)
    nn = SimilarityNeighbors(
        n_neighbors=n_neighbors,
        metric=metric,
        metric_params=metric_params,
        hubness=hubness,
        hubness_params=hubness_params,
        n_jobs=n_jobs,
    ).fit(X)
    return nn.kneighbors(return_distance=False), nn.n_samples_fit_


def _counts(X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs):
    ind, n_indexed = _neighbor_indices(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    counts = np.bincount(ind.ravel(), minlength=n_indexed)
    return counts, ind.shape[1], ind.shape[0]


# -- measures of a k-occurrence vector (see the user guide, "Hubness") ------------
def _skewness(N, method="standard"):
    N = np.asarray(N, dtype=np.float64)
    if method == "truncnorm":
        std = N.std(ddof=1) if N.size > 1 else 0.0
        if std == 0:
            return 0.0
        a = (0.0 - N.mean()) / std
        return float(stats.truncnorm(a, np.inf).moment(3))
    centred = N - N.mean()
    m2 = np.mean(centred**2)
    if m2 == 0:
        return 0.0
    return float(np.mean(centred**3) / m2**1.5)


def _robin_hood(N):
    N = np.asarray(N, dtype=np.float64)
    total = N.sum()
    return float(0.5 * np.abs(N - N.mean()).sum() / total) if total else 0.0


def _gini(N):
    N = np.sort(np.asarray(N, dtype=np.float64))
    n, total = N.size, N.sum()
    if total == 0:
        return 0.0
    # sum_i sum_j |N_i - N_j| = 2 sum_i (2i - n - 1) N_(i), i = 1..n
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    return float(2.0 * np.dot(weights, N) / (2.0 * n * total))


def _atkinson(N, epsilon=0.5):
    N = np.asarray(N, dtype=np.float64)
    mean = N.mean()
    if mean == 0:
        return 0.0
    if epsilon == 1:
        if np.any(N == 0):
            return 1.0
        return float(1.0 - np.exp(np.mean(np.log(N))) / mean)
    power = np.mean(N ** (1.0 - epsilon)) ** (1.0 / (1.0 - epsilon))
    return float(1.0 - power / mean)


def _hub_indices(N, k, hub_size):
    hubs = np.flatnonzero(N >= hub_size * k)
    return hubs[np.argsort(-N[hubs], kind="stable")]


def _hub_occurrence(N, k, n_query, hub_size):
    return float(N[_hub_indices(N, k, hub_size)].sum() / (k * n_query))


def _antihub_occurrence(N):
    return float(np.mean(np.asarray(N) == 0))


def _groupie_ratio(N, k, n_query):
    return float(np.max(N) / n_query / k)


def _all_measures(N, k, n_query, hub_size=2, epsilon=0.5):
    return {
        "k_skewness": _skewness(N),
        "k_skewness_truncnorm": _skewness(N, "truncnorm"),
        "robin_hood_index": _robin_hood(N),
        "gini_index": _gini(N),
        "atkinson_index": _atkinson(N, epsilon),
        "hub_occurrence": _hub_occurrence(N, k, n_query, hub_size),
        "antihub_occurrence": _antihub_occurrence(N),
        "groupie_ratio": _groupie_ratio(N, k, n_query),
        "n_hubs": int(len(_hub_indices(N, k, hub_size))),
        "n_antihubs": int(np.sum(N == 0)),
        "max_k_occurrence": int(np.max(N)),
    }


def _doc(func):
    func.__doc__ = func.__doc__.replace("{neighbors}", _NEIGHBOR_DOC)
    return func


# -- public functions -------------------------------------------------------------
@validate_params(dict(_NEIGHBOR_CONSTRAINTS), prefer_skip_nested_validation=False)
@_doc
def k_occurrence(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Number of times each sample is among the k nearest neighbours of others.

    ``N_k(x) = |{y != x : x in kNN(y)}|`` (Radovanović et al. 2010). Within
    one set the lists exclude the sample itself, so ``N_k`` sums to
    ``k * n_samples`` and its mean is ``k``; a *hub* has ``N_k >> k``, an
    *antihub* ``N_k = 0``. The neighbour lists come from
    :class:`~sklearn_cosim.neighbors.SimilarityNeighbors` (``kneighbors()``
    with ``X=None``).

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    Returns
    -------
    k_occurrence : ndarray of shape (n_samples_indexed,)
        ``N_k`` of every indexed sample, as integers.

    See Also
    --------
    hubness_skewness : Skewness of this distribution.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import k_occurrence
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]
    >>> k_occurrence(X, n_neighbors=1)
    array([1, 2, 1, 0])
    """
    return _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )[0]


@validate_params(
    {**_NEIGHBOR_CONSTRAINTS, "method": [StrOptions({"standard", "truncnorm"})]},
    prefer_skip_nested_validation=False,
)
@_doc
def hubness_skewness(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
    method: str = "standard",
) -> float:
    """Skewness of the k-occurrence distribution (hubness).

    ``method="standard"``: the sample skewness ``m3 / m2^(3/2)`` of ``N_k``
    (``scipy.stats.skew`` with ``bias=True``); ``method="truncnorm"``: the
    third moment of a standard normal truncated at ``(0 - mean) / std``
    (ddof 1) — scikit-hubness's ``k_skewness_truncnorm``, kept for
    comparison. A constant ``N_k`` gives 0. Values above about 1 indicate
    strong hubness.

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    method : {"standard", "truncnorm"}, default="standard"
        Which skewness.

    Returns
    -------
    skewness : float
        Skewness of ``N_k``.

    See Also
    --------
    k_occurrence : The distribution itself.
    robin_hood_index : A bounded alternative.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.diagnostics import hubness_skewness
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 50))
    >>> bool(hubness_skewness(X, n_neighbors=10) > 0)
    True
    """
    N, _, _ = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    return _skewness(N, method)


@validate_params(dict(_NEIGHBOR_CONSTRAINTS), prefer_skip_nested_validation=False)
@_doc
def robin_hood_index(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
) -> float:
    """Robin Hood index of the k-occurrence: share to redistribute for equality.

    ``RH = 0.5 * sum |N_k - mean N_k| / sum N_k`` in [0, 1] (Feldbauer et
    al. 2018); 0 when every sample is equally often a neighbour.

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    Returns
    -------
    index : float
        The Robin Hood index.

    See Also
    --------
    gini_index : Another inequality index of ``N_k``.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import robin_hood_index
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]
    >>> robin_hood_index(X, n_neighbors=1)
    0.25
    """
    N, _, _ = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    return _robin_hood(N)


@validate_params(dict(_NEIGHBOR_CONSTRAINTS), prefer_skip_nested_validation=False)
@_doc
def gini_index(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
) -> float:
    """Gini index of the k-occurrence distribution.

    ``G = sum_i sum_j |N_i - N_j| / (2 n sum N)``, computed from the sorted
    values in O(n log n).

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    Returns
    -------
    index : float
        The Gini index, in [0, 1).

    See Also
    --------
    robin_hood_index : Another inequality index of ``N_k``.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import gini_index
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]
    >>> gini_index(X, n_neighbors=1)
    0.375
    """
    N, _, _ = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    return _gini(N)


@validate_params(
    {**_NEIGHBOR_CONSTRAINTS, "epsilon": [Interval(Real, 0, None, closed="left")]},
    prefer_skip_nested_validation=False,
)
@_doc
def atkinson_index(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
    epsilon: float = 0.5,
) -> float:
    """Atkinson index of the k-occurrence distribution.

    ``A = 1 - (mean(N^(1 - eps)))^(1 / (1 - eps)) / mean(N)``;
    ``epsilon=1`` uses the geometric mean (1 if some ``N_k = 0``).
    scikit-hubness uses ``epsilon=0.5`` (the default here), hub-toolbox 0.75.

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    epsilon : float, default=0.5
        Inequality aversion, ``>= 0``.

    Returns
    -------
    index : float
        The Atkinson index, in [0, 1].

    See Also
    --------
    gini_index : Another inequality index of ``N_k``.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import atkinson_index
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]
    >>> round(atkinson_index(X, n_neighbors=1), 3)
    0.271
    """
    N, _, _ = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    return _atkinson(N, epsilon)


@validate_params(
    {**_NEIGHBOR_CONSTRAINTS, "hub_size": [Interval(Real, 0, None, closed="neither")]},
    prefer_skip_nested_validation=False,
)
@_doc
def hub_occurrence(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
    hub_size: float = 2,
) -> float:
    """Share of all neighbour slots taken by hubs.

    Hubs are the samples with ``N_k >= hub_size * k``; the hub occurrence is
    ``sum_{hubs} N_k / (k * n_queries)``.

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    hub_size : float, default=2
        A hub occurs at least ``hub_size`` times as often as the mean ``k``.

    Returns
    -------
    occurrence : float
        Share in [0, 1].

    See Also
    --------
    hubs : The hubs themselves.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import hub_occurrence
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]
    >>> hub_occurrence(X, n_neighbors=1)
    0.5
    """
    N, k, n_query = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    return _hub_occurrence(N, k, n_query, hub_size)


@validate_params(dict(_NEIGHBOR_CONSTRAINTS), prefer_skip_nested_validation=False)
@_doc
def antihub_occurrence(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
) -> float:
    """Share of indexed samples that are nobody's neighbour (``N_k = 0``).

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    Returns
    -------
    occurrence : float
        Share in [0, 1].

    See Also
    --------
    antihubs : The antihubs themselves.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import antihub_occurrence
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]
    >>> antihub_occurrence(X, n_neighbors=1)
    0.25
    """
    N, _, _ = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    return _antihub_occurrence(N)


@validate_params(dict(_NEIGHBOR_CONSTRAINTS), prefer_skip_nested_validation=False)
@_doc
def groupie_ratio(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
) -> float:
    """Largest k-occurrence relative to all neighbour slots.

    ``max N_k / n_queries / k``: the share of the neighbour slots that the
    biggest hub takes.

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    Returns
    -------
    ratio : float
        The groupie ratio.

    See Also
    --------
    hubs : The hubs, largest first.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import groupie_ratio
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]
    >>> groupie_ratio(X, n_neighbors=1)
    0.5
    """
    N, k, n_query = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    return _groupie_ratio(N, k, n_query)


@validate_params(
    {**_NEIGHBOR_CONSTRAINTS, "hub_size": [Interval(Real, 0, None, closed="neither")]},
    prefer_skip_nested_validation=False,
)
@_doc
def hubs(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
    hub_size: float = 2,
) -> np.ndarray:
    """Find the hubs (``N_k >= hub_size * k``), most frequent first.

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    hub_size : float, default=2
        A hub occurs at least ``hub_size`` times as often as the mean ``k``.

    Returns
    -------
    indices : ndarray of shape (n_hubs,)
        Indices of the hubs, by decreasing ``N_k`` (ties: smaller index).

    See Also
    --------
    antihubs : Samples that are nobody's neighbour.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import hubs
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]
    >>> hubs(X, n_neighbors=1)
    array([1])
    """
    N, k, _ = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    return _hub_indices(N, k, hub_size)


@validate_params(dict(_NEIGHBOR_CONSTRAINTS), prefer_skip_nested_validation=False)
@_doc
def antihubs(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Find the antihubs: samples in nobody's neighbour list.

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    Returns
    -------
    indices : ndarray of shape (n_antihubs,)
        Increasing indices of the samples with ``N_k = 0``.

    See Also
    --------
    hubs : The samples that are everybody's neighbour.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import antihubs
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]
    >>> antihubs(X, n_neighbors=1)
    array([3])
    """
    N, _, _ = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    return np.flatnonzero(N == 0)


@validate_params(
    {
        **_NEIGHBOR_CONSTRAINTS,
        "hub_size": [Interval(Real, 0, None, closed="neither")],
        "epsilon": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=False,
)
@_doc
def hubness_measures(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    n_jobs: int | None = None,
    hub_size: float = 2,
    epsilon: float = 0.5,
) -> dict:
    """Every hubness measure from one neighbour search.

    Read more in the :ref:`User Guide <hubness>`.

    Parameters
    ----------
    {neighbors}

    hub_size : float, default=2
        Hub threshold, as in :func:`hub_occurrence`.

    epsilon : float, default=0.5
        Inequality aversion of the Atkinson index.

    Returns
    -------
    measures : dict
        ``k_skewness``, ``k_skewness_truncnorm``, ``robin_hood_index``,
        ``gini_index``, ``atkinson_index``, ``hub_occurrence``,
        ``antihub_occurrence``, ``groupie_ratio``, ``n_hubs``,
        ``n_antihubs`` and ``max_k_occurrence``.

    See Also
    --------
    embedding_report : These and the anisotropy measures in one table.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics import hubness_measures
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]]
    >>> hubness_measures(X, n_neighbors=1)["robin_hood_index"]
    0.25
    """
    N, k, n_query = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    return _all_measures(N, k, n_query, hub_size, epsilon)
