"""Levenshtein similarity between terms, vectorised over pairs."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np

from sklearn_cosim.utils._param_validation import Interval, validate_params

__all__ = ["levenshtein_similarity"]


def _codes(terms):
    """Code points of the terms, zero-padded, and their lengths."""
    arr = np.asarray([str(t) for t in terms], dtype=str)
    if arr.size == 0:
        return np.zeros((0, 0), dtype=np.uint32), np.zeros(0, dtype=np.intp)
    width = max(arr.dtype.itemsize // 4, 1)
    codes = np.ascontiguousarray(arr.astype(f"<U{width}")).view(np.uint32)
    codes = codes.reshape(arr.size, width)
    lengths = np.char.str_len(arr).astype(np.intp)
    return codes, lengths


def _distances(a, la, b, lb):
    """Levenshtein distances between every row of `a` and every row of `b`.

    Wagner-Fischer dynamic programming over all pairs at once: one numpy
    operation per cell of the (longest a) x (longest b) table.
    """
    n_a, n_b = a.shape[0], b.shape[0]
    width_a = int(la.max()) if n_a else 0
    width_b = int(lb.max()) if n_b else 0
    out = np.empty((n_a, n_b), dtype=np.intp)
    # row 0 of the table: distance from "" to b[:j] is j
    prev = np.broadcast_to(np.arange(width_b + 1), (n_a, n_b, width_b + 1)).copy()
    done = la == 0
    out[done] = lb[None, :].repeat(done.sum(), axis=0)
    b_idx = np.arange(n_b)
    for i in range(1, width_a + 1):
        cur = np.empty_like(prev)
        cur[..., 0] = i
        ai = a[:, i - 1][:, None]
        for j in range(1, width_b + 1):
            cost = (ai != b[None, :, j - 1]).astype(np.intp)
            np.minimum(prev[..., j] + 1, cur[..., j - 1] + 1, out=cur[..., j])
            np.minimum(cur[..., j], prev[..., j - 1] + cost, out=cur[..., j])
        rows = np.flatnonzero(la == i)
        if rows.size:
            out[rows] = cur[rows][:, b_idx, lb]
        prev = cur
    return out


@validate_params(
    {
        "terms": ["array-like"],
        "other_terms": ["array-like", None],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "beta": [Interval(Real, 0, None, closed="neither")],
        "max_distance": [Interval(Integral, 0, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def levenshtein_similarity(
    terms: Sequence[str],
    other_terms: Sequence[str] | None = None,
    *,
    alpha: float = 1.8,
    beta: float = 5.0,
    max_distance: int | None = None,
) -> np.ndarray:
    """Levenshtein similarity ``alpha (1 - d / max(len))**beta`` between terms.

    ``d`` is the edit distance (insertions, deletions and substitutions of
    single characters) of two terms and ``max(len)`` the length of the
    longer one; two empty terms have similarity `alpha`. This is the term
    similarity of Charlet & Damnati (2017), used with the soft cosine for
    spelling variants. Pass the result to :func:`term_similarity_matrix` or
    :class:`TermSimilarity` with ``metric="precomputed"``.

    Read more in the :ref:`User Guide <soft_cosine>`.

    Parameters
    ----------
    terms : array-like of str of shape (n_terms,)
        Terms.

    other_terms : array-like of str of shape (n_other_terms,), default=None
        Second set of terms. If None, `terms` against itself.

    alpha : float, default=1.8
        Scale of the similarity.

    beta : float, default=5.0
        Power; larger values favour near-identical terms more.

    max_distance : int, default=None
        Pairs farther apart than this edit distance get similarity 0. None
        means no cut-off.

    Returns
    -------
    similarities : ndarray of shape (n_terms, n_other_terms)
        Similarities in float64.

    See Also
    --------
    term_similarity_matrix : Builds a sparse term-similarity matrix from it.

    Notes
    -----
    All pairs are computed with a vectorised dynamic programme whose cost
    is ``n_terms * n_other_terms * len(longest term)**2``; it suits
    vocabularies of a few thousand terms.

    Examples
    --------
    >>> from sklearn_cosim.text import levenshtein_similarity
    >>> levenshtein_similarity(["colour", "color", "cooler"], alpha=1.0, beta=1.0)
    array([[1.        , 0.83333333, 0.5       ],
           [0.83333333, 1.        , 0.66666667],
           [0.5       , 0.66666667, 1.        ]])
    """
    a, la = _codes(terms)
    b, lb = (a, la) if other_terms is None else _codes(other_terms)
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.float64)
    # blocks of `terms` so that the (block, n_other, width + 1) tables stay small
    width_b = int(lb.max()) + 1 if lb.size else 1
    step = max(1, 2**21 // max(b.shape[0] * width_b, 1))
    for start in range(0, a.shape[0], step):
        rows = slice(start, min(start + step, a.shape[0]))
        dist = _distances(a[rows], la[rows], b, lb)
        longest = np.maximum(la[rows][:, None], lb[None, :])
        ratio = np.ones(dist.shape)
        np.divide(dist, longest, out=ratio, where=longest > 0)
        ratio = np.where(longest > 0, ratio, 0.0)
        sim = alpha * (1.0 - ratio) ** beta
        if max_distance is not None:
            sim[dist > max_distance] = 0.0
        out[rows] = sim
    return out
