"""Levenshtein similarity between terms, vectorised over pairs."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np

from sklearn_cosim.utils._param_validation import Interval, validate_params

__all__ = ["levenshtein_similarity"]


#: Elements (int32) of the largest dynamic-programming table held at once.
_TABLE_ELEMENTS = 2**21


def _codes(terms, name):
    """Code points of the terms, zero-padded, and their lengths."""
    if getattr(terms, "ndim", 1) != 1:
        raise ValueError(
            f"{name} must be one-dimensional (one term per entry), got an array "
            f"of shape {terms.shape}."
        )
    terms = list(terms)
    for i, term in enumerate(terms):
        if not isinstance(term, str):
            raise TypeError(
                f"{name} must hold str, got {type(term).__name__} {term!r} at "
                f"position {i}; decode bytes and convert numbers or None "
                "explicitly (no silent str())."
            )
    arr = np.asarray(terms, dtype=str)
    if arr.size == 0:
        return np.zeros((0, 0), dtype=np.uint32), np.zeros(0, dtype=np.intp)
    width = max(arr.dtype.itemsize // 4, 1)
    codes = np.ascontiguousarray(arr.astype(f"<U{width}")).view(np.uint32)
    codes = codes.reshape(arr.size, width)
    lengths = np.char.str_len(arr).astype(np.intp)
    return codes, lengths


def _length_bins(lengths):
    """Groups of indices whose lengths differ little (at most 2 or 25 %).

    Each group's table is as wide as its longest term, so one long term no
    longer widens the tables of every short one.
    """
    order = np.argsort(lengths, kind="stable")
    sorted_len = lengths[order]
    bins, start = [], 0
    while start < len(order):
        low = sorted_len[start]
        stop = np.searchsorted(sorted_len, max(low + 2, int(low * 1.25)), "right")
        bins.append(order[start:stop])
        start = stop
    return bins


def _table(a, la, b, lb, cap):
    """Edit distances of every row of `a` to every row of `b` (one table).

    Wagner-Fischer, one vectorised step per character of `a`: within a row
    of the table ``D[i, j] = min(D[i-1, j] + 1, D[i-1, j-1] + cost,
    D[i, j-1] + 1)``; the last term is a running minimum,
    ``D[i, j] = j + min_{k <= j} (T[k] - k)`` with ``T`` the first two terms,
    so a whole row is ``np.minimum.accumulate``. With a `cap`, the search
    stops as soon as every pair left is above it (a row minimum never
    decreases further down); those pairs get ``cap + 1``.
    """
    n_a, n_b = a.shape[0], b.shape[0]
    width_a, width_b = int(la.max()), int(lb.max())
    cols = np.arange(width_b + 1, dtype=np.int32)
    res = np.empty((n_a, n_b), dtype=np.int32)
    res[la == 0] = lb
    prev = np.broadcast_to(cols, (n_a, n_b, width_b + 1)).copy()
    t = np.empty_like(prev)
    b_codes = b[None, :, :width_b]
    b_idx = np.arange(n_b)
    for i in range(1, width_a + 1):
        cost = a[:, i - 1, None, None] != b_codes
        t[..., 0] = i
        np.add(prev[..., 1:], 1, out=t[..., 1:])
        np.minimum(t[..., 1:], prev[..., :-1] + cost, out=t[..., 1:])
        t -= cols
        np.minimum.accumulate(t, axis=-1, out=prev)
        prev += cols
        rows = np.flatnonzero(la == i)
        if rows.size:
            res[rows] = prev[rows][:, b_idx, lb]
        if cap is not None and i < width_a:
            left = la > i
            if np.all(prev[left].min(axis=-1) > cap):
                res[left] = cap + 1
                break
    return res


def _distances(a, la, b, lb, cap=None):
    """Levenshtein distances between every row of `a` and every row of `b`.

    Pairs are grouped by length (see :func:`_length_bins`); with a `cap`
    (``max_distance``), groups whose lengths differ by more than the cap are
    skipped (the distance is at least the difference of the lengths) and
    get ``cap + 1``.
    """
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.intp)
    for ia in _length_bins(la):
        for ib in _length_bins(lb):
            gap = max(la[ia].min() - lb[ib].max(), lb[ib].min() - la[ia].max())
            if cap is not None and gap > cap:
                out[np.ix_(ia, ib)] = cap + 1
                continue
            width_a, width_b = int(la[ia].max()), int(lb[ib].max())
            if width_a == 0 or width_b == 0:
                out[np.ix_(ia, ib)] = np.maximum(la[ia][:, None], lb[ib][None, :])
                continue
            # blocks so that a table has at most _TABLE_ELEMENTS entries
            step_b = max(1, _TABLE_ELEMENTS // (width_b + 1))
            for sb in range(0, len(ib), step_b):
                jb = ib[sb : sb + step_b]
                step_a = max(1, _TABLE_ELEMENTS // (len(jb) * (width_b + 1)))
                for sa in range(0, len(ia), step_a):
                    ja = ia[sa : sa + step_a]
                    out[np.ix_(ja, jb)] = _table(
                        a[ja, :width_a], la[ja], b[jb, :width_b], lb[jb], cap
                    )
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

    Raises
    ------
    TypeError
        If a term is not a str (None, a number, bytes): nothing is
        converted silently.

    See Also
    --------
    term_similarity_matrix : Builds a sparse term-similarity matrix from it.

    Notes
    -----
    Cost. The edit distance of two terms of lengths ``m`` and ``n`` costs
    ``m n`` cell updates. Terms are grouped by length (lengths within 25 %
    of each other share a table) and each table row is one vectorised
    step, so the work is close to ``sum over pairs of m n`` and the number
    of Python-level steps is the total length of the longest term of each
    group: a long term costs in proportion to its own length times the
    lengths of the terms it is compared with, and no longer slows every
    other pair. Two 5,000-character terms take a fraction of a second. The
    tables are computed in blocks of at most about two million cells.

    With `max_distance`, pairs whose lengths differ by more than
    `max_distance` are skipped (the distance is at least the difference of
    the lengths), and a group stops as soon as every pair in it is farther
    than `max_distance`; pass it whenever only close variants matter. The
    memory is bounded by the blocks, whatever the lengths.

    Examples
    --------
    >>> from sklearn_cosim.text import levenshtein_similarity
    >>> levenshtein_similarity(["colour", "color", "cooler"], alpha=1.0, beta=1.0)
    array([[1.        , 0.83333333, 0.5       ],
           [0.83333333, 1.        , 0.66666667],
           [0.5       , 0.66666667, 1.        ]])
    """
    a, la = _codes(terms, "terms")
    b, lb = (a, la) if other_terms is None else _codes(other_terms, "other_terms")
    dist = _distances(a, la, b, lb, max_distance)
    longest = np.maximum(la[:, None], lb[None, :])
    ratio = np.zeros(dist.shape)
    np.divide(dist, longest, out=ratio, where=longest > 0)
    sim = alpha * (1.0 - ratio) ** beta
    if max_distance is not None:
        sim[dist > max_distance] = 0.0
    return sim
