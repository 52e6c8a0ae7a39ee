"""Retrieval scores of ranked neighbour lists, and scorers for cross-validation."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import re
import warnings
from collections.abc import Callable
from math import comb
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import _num_samples

from sklearn_cosim.utils._param_validation import (
    Interval,
    StrOptions,
    validate_params,
)
from sklearn_cosim.utils._typing import ArrayLike
from sklearn_cosim.utils.validation import check_no_datetime

__all__ = [
    "get_retrieval_scorer",
    "make_retrieval_scorer",
    "mean_average_precision",
    "mean_reciprocal_rank",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
]

_COMMON_DOC = """\
y_true : array-like of shape (n_queries,) or (n_queries, n_corpus)
        Relevance. Either the class label of each query -- the relevant
        items of a query are the corpus items with the same label -- or a
        relevance matrix whose entry ``[i, j]`` is the (graded, >= 0)
        relevance of corpus item `j` to query `i`; an item is relevant when
        its relevance is > 0. A sparse relevance matrix is densified.

    neighbors : array-like of int of shape (n_queries, n_retrieved)
        Indices of the retrieved corpus items of each query, most similar
        first, as returned by ``kneighbors(..., return_distance=False)``.

    k : int, default=None
        Cut-off: only the first `k` items of each list are scored. None
        scores every column of `neighbors`.

    corpus_labels : array-like of shape (n_corpus,), default=None
        Class labels of the corpus items, with label `y_true`. If None, the
        corpus is the set of queries itself (leave-one-out retrieval, as
        ``kneighbors(X=None)``): a query is never relevant to itself and is
        not counted among its own relevant items.

    similarities : array-like of shape (n_queries, n_retrieved), default=None
        Similarities of the listed items (or any non-increasing score, e.g.
        minus the distances). Items with equal similarity are *tied* and the
        score is the expected value over every order of the tied items (see
        Notes). If None, the order of `neighbors` is taken as strict.

    no_relevant : "skip" or float in [0, 1], default="skip"
        Score of a query that has no relevant item in the corpus. "skip"
        leaves such queries out of the mean (trec_eval does the same); a
        number gives them that score. When every query is skipped the result
        is 0.0 with an :class:`~sklearn.exceptions.UndefinedMetricWarning`."""

_TIES_NOTE = """\
Ties: with `similarities` given, items of equal similarity form a tied
    group and the score is its expected value when the tied items are put in
    uniformly random order (McSherry & Najork, ECIR 2008). Precision, recall
    and DCG are linear in the relevance at each position, so each position
    gets the mean relevance of its group (also across the cut-off `k`, when
    the list is longer than `k`); reciprocal rank and average precision use
    the exact distribution of the positions of the relevant items inside
    the group. Ties with items that are not in the list are not seen: ask
    the search for more neighbours than `k` to resolve them."""

_NO_RELEVANT = [StrOptions({"skip"}), Interval(Real, 0, 1, closed="both")]

_PARAMS = {
    "y_true": ["array-like", "sparse matrix"],
    "neighbors": ["array-like"],
    "k": [Interval(Integral, 1, None, closed="left"), None],
    "corpus_labels": ["array-like", None],
    "similarities": ["array-like", None],
    "no_relevant": _NO_RELEVANT,
}


def _fill_doc(func):
    func.__doc__ = func.__doc__.format(common=_COMMON_DOC, ties=_TIES_NOTE)
    return func


def _check_inputs(y_true, neighbors, k, corpus_labels, similarities):
    """Return (gains, ideal gains sorted down, n_relevant, k, tie groups)."""
    neighbors = np.asarray(neighbors)
    if neighbors.ndim != 2 or neighbors.shape[1] == 0:
        raise ValueError(
            "neighbors must be a 2-D array of shape (n_queries, n_retrieved), "
            f"got shape {neighbors.shape}."
        )
    if neighbors.dtype.kind not in "iu":
        raise ValueError(f"neighbors must hold integers, got dtype {neighbors.dtype}.")
    n_queries, n_retrieved = neighbors.shape
    k = n_retrieved if k is None else k
    if k > n_retrieved:
        raise ValueError(
            f"k={k} is larger than the number of retrieved items per query, "
            f"{n_retrieved} (the columns of neighbors)."
        )

    if sparse.issparse(y_true):
        y_true = y_true.toarray()
    y_true = np.asarray(y_true)
    if y_true.ndim == 2:  # relevance matrix
        if corpus_labels is not None:
            raise ValueError(
                "corpus_labels must be None when y_true is a relevance matrix."
            )
        relevance = y_true.astype(np.float64)
        if not np.all(np.isfinite(relevance)) or np.any(relevance < 0):
            raise ValueError("y_true: relevance must be finite and >= 0.")
        n_corpus = relevance.shape[1]
        labels_mode = False
    elif y_true.ndim == 1:
        labels_mode = True
        leave_one_out = corpus_labels is None
        corpus_labels = y_true if leave_one_out else np.asarray(corpus_labels)
        if corpus_labels.ndim != 1:
            raise ValueError(
                f"corpus_labels must be 1-D, got shape {corpus_labels.shape}."
            )
        n_corpus = corpus_labels.shape[0]
    else:
        raise ValueError(f"y_true must be 1-D or 2-D, got {y_true.ndim} dimensions.")
    if y_true.shape[0] != n_queries:
        raise ValueError(
            f"y_true has {y_true.shape[0]} queries but neighbors has {n_queries} rows."
        )
    if n_queries == 0:
        raise ValueError("neighbors has no query (0 rows).")
    if neighbors.min() < 0 or neighbors.max() >= n_corpus:
        raise ValueError(
            f"neighbors must index the {n_corpus} corpus items (0 to "
            f"{n_corpus - 1}); got values in [{neighbors.min()}, {neighbors.max()}]."
        )
    ranked = np.sort(neighbors, axis=1)
    repeated = np.flatnonzero(np.any(ranked[:, 1:] == ranked[:, :-1], axis=1))
    if repeated.size:
        i = repeated[0]
        dup = ranked[i, 1:][ranked[i, 1:] == ranked[i, :-1]][0]
        raise ValueError(
            f"neighbors must list each corpus item at most once per query, but "
            f"{repeated.size} rows repeat an item (row {i} lists item {dup} more "
            "than once); a repeated item would be counted twice."
        )

    if labels_mode:
        _, inverse = np.unique(
            np.concatenate([y_true, corpus_labels]), return_inverse=True
        )
        q_codes, c_codes = inverse[:n_queries], inverse[n_queries:]
        gains = (c_codes[neighbors] == q_codes[:, None]).astype(np.float64)
        counts = np.bincount(c_codes, minlength=inverse.max() + 1)
        n_relevant = counts[q_codes].astype(np.int64)
        if leave_one_out:
            n_relevant -= 1
            gains[neighbors == np.arange(n_queries)[:, None]] = 0.0
        ideal = (np.arange(k)[None, :] < n_relevant[:, None]).astype(np.float64)
    else:
        gains = np.take_along_axis(relevance, neighbors, axis=1)
        n_relevant = np.count_nonzero(relevance > 0, axis=1)
        ideal = -np.sort(-relevance, axis=1)[:, :k]
        if ideal.shape[1] < k:  # fewer corpus items than k
            ideal = np.pad(ideal, ((0, 0), (0, k - ideal.shape[1])))

    groups = None
    if similarities is not None:
        check_no_datetime(similarities, "similarities")
        similarities = np.asarray(similarities, dtype=np.float64)
        if np.isnan(similarities).any():
            raise ValueError(
                "similarities must not contain NaN: the order of the items, and "
                "so their ties, would be undefined."
            )
        if similarities.shape != neighbors.shape:
            raise ValueError(
                f"similarities must have the shape of neighbors {neighbors.shape}, "
                f"got {similarities.shape}."
            )
        if np.any(np.diff(similarities, axis=1) > 0):
            raise ValueError(
                "similarities must be non-increasing along each row (most "
                "similar first)."
            )
        # group id of each position: a new group starts where the value drops
        groups = np.concatenate(
            [
                np.zeros((n_queries, 1), dtype=np.intp),
                np.cumsum(np.diff(similarities, axis=1) != 0, axis=1),
            ],
            axis=1,
        )
    return gains, ideal, n_relevant, k, groups


def _average_in_groups(values, groups):
    """Replace each value by the mean of its tie group (row-wise)."""
    if groups is None:
        return values
    out = np.empty_like(values)
    for i in np.flatnonzero(np.any(groups[:, 1:] == groups[:, :-1], axis=1)):
        g = groups[i]
        sums = np.bincount(g, weights=values[i])
        out[i] = (sums / np.bincount(g))[g]
    no_ties = ~np.any(groups[:, 1:] == groups[:, :-1], axis=1)
    out[no_ties] = values[no_ties]
    return out


def _has_ties(groups):
    if groups is None:
        return np.zeros(0, dtype=bool)
    return np.any(groups[:, 1:] == groups[:, :-1], axis=1)


def _position_pmf(m, r, j):
    """P(the j-th of r relevant items in a random order of m is at offset t)."""
    total = comb(m, r)
    return np.array([comb(t, j - 1) * comb(m - 1 - t, r - j) for t in range(m)]) / (
        total
    )


def _tied_rr_ap(rel, group, k):
    """Expected reciprocal rank and AP numerator of one list with ties."""
    rr, ap_sum, found = 0.0, 0.0, 0
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(group)]
    for start, end in zip(starts, ends):
        m, r = end - start, int(rel[start:end].sum())
        if r == 0:
            continue
        positions = start + 1 + np.arange(m)  # 1-based
        inside = positions <= k
        if found == 0:
            rr = float(np.sum(_position_pmf(m, r, 1)[inside] / positions[inside]))
        for j in range(1, r + 1):
            pmf = _position_pmf(m, r, j)
            ap_sum += float(np.sum(pmf[inside] * (found + j) / positions[inside]))
        found += r
    return rr, ap_sum


def _reduce(per_query, n_relevant, no_relevant):
    empty = n_relevant == 0
    if no_relevant == "skip":
        if np.all(empty):
            warnings.warn(
                "No query has a relevant item; the score is undefined and set to 0.0.",
                UndefinedMetricWarning,
                stacklevel=3,
            )
            return 0.0
        return float(np.mean(per_query[~empty]))
    per_query = np.where(empty, float(no_relevant), per_query)
    return float(np.mean(per_query))


def _hits(y_true, neighbors, k, corpus_labels, similarities):
    gains, _, n_relevant, k, groups = _check_inputs(
        y_true, neighbors, k, corpus_labels, similarities
    )
    rel = _average_in_groups((gains > 0).astype(np.float64), groups)
    return rel[:, :k].sum(axis=1), n_relevant, k


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
@_fill_doc
def recall_at_k(
    y_true: ArrayLike,
    neighbors: ArrayLike,
    *,
    k: int | None = None,
    corpus_labels: ArrayLike | None = None,
    similarities: ArrayLike | None = None,
    no_relevant: str = "skip",
) -> float:
    """Recall at `k`: the share of a query's relevant items found in its top `k`.

    ``recall@k = |relevant in top k| / |relevant|``, averaged over queries.
    Note that the "Recall@K" of metric-learning papers (1 if *any* relevant
    item is in the top `k`) is a different quantity, the hit rate.

    Read more in the :ref:`User Guide <retrieval_metrics>`.

    Parameters
    ----------
    {common}

    Returns
    -------
    score : float
        Mean recall at `k`, in [0, 1].

    See Also
    --------
    precision_at_k : The share of the top `k` that is relevant.
    make_retrieval_scorer : A scorer for cross-validation.

    Notes
    -----
    {ties}

    Examples
    --------
    >>> from sklearn_cosim.metrics import recall_at_k
    >>> labels = [0, 0, 1, 1]              # leave-one-out: each query has 1 relevant
    >>> neighbors = [[1, 2], [2, 0], [3, 0], [0, 1]]
    >>> recall_at_k(labels, neighbors, k=1)
    0.5
    >>> recall_at_k(labels, neighbors, k=2)
    0.75
    """
    hits, n_relevant, _ = _hits(y_true, neighbors, k, corpus_labels, similarities)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_query = np.where(n_relevant > 0, hits / np.maximum(n_relevant, 1), 0.0)
    return _reduce(per_query, n_relevant, no_relevant)


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
@_fill_doc
def precision_at_k(
    y_true: ArrayLike,
    neighbors: ArrayLike,
    *,
    k: int | None = None,
    corpus_labels: ArrayLike | None = None,
    similarities: ArrayLike | None = None,
    no_relevant: str = "skip",
) -> float:
    """Precision at `k`: the share of a query's top `k` that is relevant.

    ``precision@k = |relevant in top k| / k``, averaged over queries. The
    denominator is always `k`, even when a query has fewer than `k` relevant
    items (so the best possible value can be below 1).

    Read more in the :ref:`User Guide <retrieval_metrics>`.

    Parameters
    ----------
    {common}

    Returns
    -------
    score : float
        Mean precision at `k`, in [0, 1].

    See Also
    --------
    recall_at_k : The share of the relevant items that is retrieved.

    Notes
    -----
    {ties}

    Examples
    --------
    >>> from sklearn_cosim.metrics import precision_at_k
    >>> labels = [0, 0, 0, 1]
    >>> neighbors = [[1, 3], [2, 0], [3, 1], [0, 1]]
    >>> precision_at_k(labels, neighbors, k=2)
    0.6666666666666666
    """
    hits, n_relevant, k = _hits(y_true, neighbors, k, corpus_labels, similarities)
    return _reduce(hits / k, n_relevant, no_relevant)


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
@_fill_doc
def mean_reciprocal_rank(
    y_true: ArrayLike,
    neighbors: ArrayLike,
    *,
    k: int | None = None,
    corpus_labels: ArrayLike | None = None,
    similarities: ArrayLike | None = None,
    no_relevant: str = "skip",
) -> float:
    """Mean reciprocal rank: the mean of ``1 / rank`` of the first relevant item.

    A query whose first relevant item is not in its top `k` scores 0.

    Read more in the :ref:`User Guide <retrieval_metrics>`.

    Parameters
    ----------
    {common}

    Returns
    -------
    score : float
        MRR at `k`, in [0, 1].

    See Also
    --------
    mean_average_precision : Rewards every relevant item, not only the first.

    Notes
    -----
    {ties}

    Examples
    --------
    >>> from sklearn_cosim.metrics import mean_reciprocal_rank
    >>> labels = [0, 0, 1, 1]
    >>> neighbors = [[1, 2, 3], [2, 3, 0], [0, 1, 3], [2, 0, 1]]
    >>> # (1 + 1/3 + 1/3 + 1) / 4
    >>> print(round(mean_reciprocal_rank(labels, neighbors), 4))
    0.6667
    """
    gains, _, n_relevant, k, groups = _check_inputs(
        y_true, neighbors, k, corpus_labels, similarities
    )
    rel = (gains[:, :] > 0).astype(np.float64)
    first = rel[:, :k].argmax(axis=1)
    per_query = np.where(rel[:, :k].any(axis=1), 1.0 / (first + 1), 0.0)
    for i in np.flatnonzero(_has_ties(groups)):
        per_query[i] = _tied_rr_ap(rel[i], groups[i], k)[0]
    return _reduce(per_query, n_relevant, no_relevant)


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
@_fill_doc
def mean_average_precision(
    y_true: ArrayLike,
    neighbors: ArrayLike,
    *,
    k: int | None = None,
    corpus_labels: ArrayLike | None = None,
    similarities: ArrayLike | None = None,
    no_relevant: str = "skip",
) -> float:
    """Mean average precision at `k` (MAP@k).

    For one query, ``AP@k = sum_{{i <= k}} P@i rel_i / min(k, n_relevant)``,
    where ``rel_i`` is 1 if the item at rank `i` is relevant and ``P@i`` is
    the precision at `i`. Dividing by ``min(k, n_relevant)`` gives 1 to a
    perfect top `k`; when `k` covers the whole corpus it is the usual
    (trec_eval) average precision.

    Read more in the :ref:`User Guide <retrieval_metrics>`.

    Parameters
    ----------
    {common}

    Returns
    -------
    score : float
        MAP at `k`, in [0, 1].

    See Also
    --------
    mean_reciprocal_rank : Only the first relevant item counts.

    Notes
    -----
    {ties}

    Examples
    --------
    >>> from sklearn_cosim.metrics import mean_average_precision
    >>> relevance = [[0, 1, 1, 0]]        # query 0: items 1 and 2 are relevant
    >>> print(round(mean_average_precision(relevance, [[1, 3, 2]]), 4))  # (1 + 2/3)/2
    0.8333
    """
    gains, _, n_relevant, k, groups = _check_inputs(
        y_true, neighbors, k, corpus_labels, similarities
    )
    rel = (gains > 0).astype(np.float64)
    top = rel[:, :k]
    precision = np.cumsum(top, axis=1) / np.arange(1, k + 1)
    ap_sum = np.sum(precision * top, axis=1)
    for i in np.flatnonzero(_has_ties(groups)):
        ap_sum[i] = _tied_rr_ap(rel[i], groups[i], k)[1]
    denom = np.maximum(np.minimum(n_relevant, k), 1)
    return _reduce(ap_sum / denom, n_relevant, no_relevant)


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
@_fill_doc
def ndcg_at_k(
    y_true: ArrayLike,
    neighbors: ArrayLike,
    *,
    k: int | None = None,
    corpus_labels: ArrayLike | None = None,
    similarities: ArrayLike | None = None,
    no_relevant: str = "skip",
) -> float:
    """Normalized discounted cumulative gain at `k` (nDCG@k).

    ``DCG@k = sum_{{i <= k}} g_i / log2(i + 1)`` with the gain ``g_i`` the
    relevance of the item at rank `i` (1 or 0 with class labels, the graded
    value with a relevance matrix: linear gains, as
    :func:`sklearn.metrics.ndcg_score`); nDCG divides by the DCG of the
    ideal ordering of *all* the query's relevant items, cut at `k`.

    Read more in the :ref:`User Guide <retrieval_metrics>`.

    Parameters
    ----------
    {common}

    Returns
    -------
    score : float
        Mean nDCG at `k`, in [0, 1].

    See Also
    --------
    sklearn.metrics.ndcg_score : The same from a full score matrix.

    Notes
    -----
    {ties}

    Examples
    --------
    >>> from sklearn_cosim.metrics import ndcg_at_k
    >>> relevance = [[0.0, 3.0, 1.0]]
    >>> # (1 + 3 / log2(3)) / (3 + 1 / log2(3))
    >>> print(round(ndcg_at_k(relevance, [[2, 1]]), 4))
    0.7967
    """
    gains, ideal, n_relevant, k, groups = _check_inputs(
        y_true, neighbors, k, corpus_labels, similarities
    )
    gains = _average_in_groups(gains, groups)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = gains[:, :k] @ discount
    idcg = ideal[:, :k] @ discount
    with np.errstate(divide="ignore", invalid="ignore"):
        per_query = np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1.0), 0.0)
    return _reduce(per_query, n_relevant, no_relevant)


#: Retrieval score functions by short name.
_RETRIEVAL_FUNCTIONS = {
    "recall": recall_at_k,
    "precision": precision_at_k,
    "mrr": mean_reciprocal_rank,
    "map": mean_average_precision,
    "ndcg": ndcg_at_k,
}


def _final_step(estimator, X):
    """Transform `X` through a pipeline's first steps; return (Xt, last step)."""
    if isinstance(estimator, Pipeline):
        return estimator[:-1].transform(X), estimator[-1]
    return X, estimator


class _RetrievalScorer:
    """Leave-one-out retrieval among the scored samples (see make_retrieval_scorer)."""

    def __init__(self, metric, k, no_relevant):
        self.metric = metric
        self.k = k
        self.no_relevant = no_relevant

    def __call__(self, estimator, X, y_true, **kwargs):
        Xt, final = _final_step(estimator, X)
        if not hasattr(final, "kneighbors"):
            raise ValueError(
                "retrieval scorers need a neighbour estimator (with a kneighbors "
                f"method) or a Pipeline ending in one; got {type(final).__name__}."
            )
        y_true = np.asarray(y_true)
        if y_true.ndim != 1:
            raise ValueError(
                "retrieval scorers need one class label per sample (1-D y), got "
                f"shape {y_true.shape}."
            )
        n_samples = _num_samples(Xt)
        if n_samples < 2:
            raise ValueError("retrieval scorers need at least 2 samples to score.")
        k = min(self.k, n_samples - 1)
        index = clone(final).fit(Xt, y_true)
        dist, ind = index.kneighbors(None, n_neighbors=k)
        func = _RETRIEVAL_FUNCTIONS[self.metric]
        return func(y_true, ind, k=k, similarities=-dist, no_relevant=self.no_relevant)

    def __repr__(self):
        k = "" if self.k is None else f", k={self.k}"
        return f"make_retrieval_scorer({self.metric!r}{k})"


@validate_params(
    {
        "metric": [StrOptions(set(_RETRIEVAL_FUNCTIONS))],
        "k": [Interval(Integral, 1, None, closed="left")],
        "no_relevant": _NO_RELEVANT,
    },
    prefer_skip_nested_validation=True,
)
def make_retrieval_scorer(
    metric: str = "ndcg", *, k: int = 10, no_relevant: str = "skip"
) -> Callable[..., float]:
    """Make a retrieval scorer for the ``scoring`` parameter of scikit-learn.

    The scorer ``scorer(estimator, X, y)`` measures how well the fitted
    estimator's *similarity* retrieves samples of the same class among the
    scored samples: the samples of `X` are indexed with a clone of the
    neighbour estimator, each one is a query against all the others
    (leave-one-out, ``kneighbors(X=None)``), and its relevant items are the
    other samples with the same label in `y`. With a
    :class:`~sklearn.pipeline.Pipeline`, `X` first goes through the fitted
    steps before the last one, so the preprocessing learned on the training
    fold is applied to the test fold. The training samples are not part of
    the index: retrieval is scored within the test fold, which also works
    when the test classes are not in the training fold (the protocol of
    metric-learning benchmarks).

    Read more in the :ref:`User Guide <retrieval_metrics>`.

    Parameters
    ----------
    metric : {"ndcg", "recall", "precision", "mrr", "map"}, default="ndcg"
        The score: :func:`ndcg_at_k`, :func:`recall_at_k`,
        :func:`precision_at_k`, :func:`mean_reciprocal_rank` or
        :func:`mean_average_precision`.

    k : int, default=10
        Cut-off, capped at ``n_samples - 1`` for small folds.

    no_relevant : "skip" or float in [0, 1], default="skip"
        Score of a query without any other sample of its class.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y) -> float``, greater is better. Ties in
        similarity are averaged (see :func:`ndcg_at_k`).

    See Also
    --------
    get_retrieval_scorer : The same from a name such as ``"recall@10"``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn_cosim.metrics import make_retrieval_scorer
    >>> from sklearn_cosim.neighbors import SimilarityKNeighborsClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SimilarityKNeighborsClassifier(metric="cosine")
    >>> scorer = make_retrieval_scorer("precision", k=5)
    >>> print(cross_val_score(clf, X, y, cv=3, scoring=scorer).round(3))
    [0.984 0.88  0.928]
    """
    return _RetrievalScorer(metric, k, no_relevant)


_NAME = re.compile(r"^(ndcg|recall|precision|mrr|map)(?:@(\d+))?$")


@validate_params({"name": [str]}, prefer_skip_nested_validation=True)
def get_retrieval_scorer(name: str) -> Callable[..., float]:
    """Return the retrieval scorer named ``"<metric>@<k>"``, e.g. ``"ndcg@10"``.

    `metric` is one of ``ndcg``, ``recall``, ``precision``, ``mrr``, ``map``;
    without ``@<k>`` the cut-off is 10. Use a dict of them as the
    ``scoring`` of :func:`~sklearn.model_selection.cross_validate` or
    :class:`~sklearn.model_selection.GridSearchCV` for several scores.

    Read more in the :ref:`User Guide <retrieval_metrics>`.

    Parameters
    ----------
    name : str
        The name, e.g. ``"recall@5"``, ``"mrr"`` or ``"map@100"``.

    Returns
    -------
    scorer : callable
        The scorer made by :func:`make_retrieval_scorer`.

    See Also
    --------
    make_retrieval_scorer : All the options.

    Examples
    --------
    >>> from sklearn_cosim.metrics import get_retrieval_scorer
    >>> get_retrieval_scorer("recall@5")
    make_retrieval_scorer('recall', k=5)
    """
    match = _NAME.match(name)
    if match is None or match.group(2) == "0":
        raise ValueError(
            f"name={name!r} is not a retrieval scorer; use '<metric>@<k>' with "
            "metric in ndcg, recall, precision, mrr, map and k >= 1, e.g. 'ndcg@10'."
        )
    k = 10 if match.group(2) is None else int(match.group(2))
    return make_retrieval_scorer(match.group(1), k=k)
