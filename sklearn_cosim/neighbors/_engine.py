"""The block engine: exact top-k and radius search for any registered measure.

For a block of queries and a tile of the corpus the engine computes the
measure's ranking scores with one BLAS product in the input dtype (plus the
measure's in-place transform), then selects without sorting the block:

1. a safe per-row threshold: the running k-th best score of the row, raised
   on the first tile (or when too many entries pass) to the k-th largest of
   the maxima of column groups -- every group maximum is a real entry, so at
   least k entries reach it;
2. the few entries at or above the threshold (one comparison pass and one
   ``flatnonzero``), merged with the running top-k by one small ``lexsort``.

The winners are re-scored exactly (float64, from the original rows) and
sorted. Tiles are small enough to stay in cache; no ``n_queries x n_samples``
matrix is ever built, and memory is bounded by ``working_memory``.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from sklearn_cosim.utils._chunking import working_memory_bytes
from sklearn_cosim.utils._threads import effective_n_jobs, map_batches

#: Corpus rows per tile (a float32 tile of 256 x 8192 is 8 MiB).
TILE_COLUMNS = 8192
#: Query rows per block.
BLOCK_ROWS = 256


def block_shape(
    n_queries, n_corpus, itemsize, n_workers, working_memory=None, row_bytes=0
):
    """Query rows and corpus columns of one block, within the memory budget.

    Each worker holds about three tile-sized arrays (scores, mask and
    temporaries of the measure's transform), plus `row_bytes` per query row
    that the measure keeps for the block (:meth:`query_row_bytes`).
    """
    budget = working_memory_bytes(working_memory) // max(n_workers, 1)
    cols = min(n_corpus, TILE_COLUMNS)
    # small corpora: grow the query block so that a tile has ~2M entries
    rows = max(BLOCK_ROWS, (2**21) // max(cols, 1))
    rows = min(rows, max(1, -(-n_queries // n_workers)))

    def size(rows, cols):
        return rows * (cols * itemsize * 3 + row_bytes)

    while size(rows, cols) > budget and cols > 256 and cols * itemsize * 3 > row_bytes:
        cols //= 2
    while size(rows, cols) > budget and rows > 1:
        rows //= 2
    return max(rows, 1), max(cols, 1)


def _map_blocks(block_func, measure, q, c, n_jobs, working_memory):
    """Run ``block_func(qs, cols)`` over blocks of queries, on worker threads.

    `qs` is the slice of query rows of a block and `cols` the number of
    corpus rows per tile, both sized by :func:`block_shape`.
    """
    n_queries = len(q)
    n_workers = effective_n_jobs(n_jobs)
    itemsize = getattr(c.X, "dtype", np.dtype(np.float64)).itemsize
    rows, cols = block_shape(
        n_queries,
        len(c),
        itemsize,
        n_workers,
        working_memory,
        row_bytes=measure.query_row_bytes(q, c),
    )
    blocks = [slice(s, min(s + rows, n_queries)) for s in range(0, n_queries, rows)]
    return map_batches(lambda b: block_func(b, cols), blocks, n_workers)


def _group_max_threshold(G, k):
    """k-th largest of column-group maxima of each row (a safe lower bound).

    Groups are formed by folding the row in halves (``max(a[:h], a[h:])``),
    which numpy vectorises well; at least k groups remain.
    """
    a = G
    target = max(4 * k, 64)
    while a.shape[1] >= 2 * target and a.shape[1] % 2 == 0:
        half = a.shape[1] // 2
        a = np.maximum(a[:, :half], a[:, half:])
    if a.shape[1] <= k:
        return None
    return np.partition(a, a.shape[1] - k, axis=1)[:, a.shape[1] - k]


def _mask_self(G, qs, cs):
    """Set the score of each query with itself to -inf (query set == corpus)."""
    lo, hi = max(qs.start, cs.start), min(qs.stop, cs.stop)
    if lo < hi:
        idx = np.arange(lo, hi)
        G[idx - qs.start, idx - cs.start] = -np.inf


def _row_order(rows, vals, inds, n_rows):
    """Entries ordered by row, decreasing value, increasing index (ties).

    Returns the order, the rank of each ordered entry within its row, and
    the number of entries of each row.
    """
    order = np.lexsort((inds, -vals, rows))
    counts = np.bincount(rows, minlength=n_rows)
    starts = np.cumsum(counts) - counts
    rank = np.arange(order.size) - starts[rows[order]]
    return order, rank, counts


def _merge_topk(top_val, top_ind, rows, vals, inds, k):
    """Merge candidate entries into the running top-k of each row."""
    n_rows = top_val.shape[0]
    all_rows = np.concatenate([np.repeat(np.arange(n_rows), k), rows])
    all_vals = np.concatenate([top_val.ravel(), vals])
    all_inds = np.concatenate([top_ind.ravel(), inds])
    order, rank, _ = _row_order(all_rows, all_vals, all_inds, n_rows)
    keep = order[rank < k]
    return all_vals[keep].reshape(n_rows, k), all_inds[keep].reshape(n_rows, k)


def merge_block_topk(top_val, top_ind, G, start, k):
    """Merge a block of scores into the running top-k of each of its rows.

    `G` holds the scores of the corpus columns ``start, start + 1, ...``;
    `top_val` and `top_ind` (``-inf`` and ``-1`` where still empty) are the
    running k best of each row. Only entries at or above a safe threshold
    are merged: the running k-th best, raised on a row's first block (or
    when too many entries pass) to the k-th largest column-group maximum.
    ``-inf`` entries (self pairs) are never selected. `G` may be a
    transposed (Fortran-ordered) view; it is indexed, never copied.

    Returns
    -------
    top_val, top_ind : ndarray of shape (n_rows, k)
        The updated running top-k (new arrays when anything was merged).
    """
    n_rows = G.shape[0]
    threshold = np.maximum(top_val[:, -1], np.finfo(G.dtype).min)
    use_groups = not np.isfinite(top_val[:, -1]).all()
    if use_groups:
        bound = _group_max_threshold(G, k)
        if bound is not None:
            threshold = np.maximum(threshold, bound)
    rows, cols, vals = _entries_at_or_above(G, threshold)
    if not use_groups and rows.size > 8 * k * n_rows:
        # scores rising along the corpus: tighten with the group maxima
        bound = _group_max_threshold(G, k)
        if bound is not None:
            threshold = np.maximum(threshold, bound)
            rows, cols, vals = _entries_at_or_above(G, threshold)
    if rows.size == 0:
        return top_val, top_ind
    return _merge_topk(top_val, top_ind, rows, vals, cols + start, k)


def _entries_at_or_above(G, threshold):
    """Rows, columns and values of the entries of `G` at or above the row's threshold.

    A Fortran-ordered `G` (a transposed product) is scanned as its C-ordered
    transpose, so the comparison mask is never copied to C order.
    """
    if G.flags.f_contiguous and not G.flags.c_contiguous:
        GT = G.T
        flat = np.flatnonzero(GT >= threshold[None, :])
        height = GT.shape[1]
        cols = flat // height
        rows = flat - cols * height
        return rows, cols, GT.reshape(-1)[flat]
    flat = np.flatnonzero(G >= threshold[:, None])
    width = G.shape[1]
    rows = flat // width
    cols = flat - rows * width
    vals = G.reshape(-1)[flat] if G.flags.c_contiguous else G[rows, cols]
    return rows, cols, vals


def _tile_scores(measure, params, q, c, qs, cs, out=None, floor=None):
    kwargs = {}
    if measure.approximate_scores:
        kwargs["approximate"] = True
    if floor is not None and measure.accepts_floor:
        kwargs["floor"] = floor
    return measure.scores(q, c, qs, cs, params, out=out, **kwargs)


def _topk_block(measure, params, q, c, k, exclude_self, cols, qs):
    try:
        return _topk_block_scored(measure, params, q, c, k, exclude_self, cols, qs)
    finally:
        measure.release(q, qs)


def _topk_block_scored(measure, params, q, c, k, exclude_self, cols, qs):
    n_rows = qs.stop - qs.start
    n_corpus = len(c)
    n_available = n_corpus - bool(exclude_self)
    # approximate scores: keep spare candidates to prove the top k from
    error = None
    if measure.approximate_scores:
        error = measure.score_error(q, c, qs, params)
    kk = k if error is None else min(k + max(k, 8), n_available)
    top_val = None
    top_ind = np.full((n_rows, kk), -1, dtype=np.intp)
    buf = None
    for start in range(0, n_corpus, cols):
        cs = slice(start, min(start + cols, n_corpus))
        width = cs.stop - cs.start
        out = None
        if buf is not None and width == buf.shape[1]:
            out = buf
        floor = None if top_val is None else top_val[:, -1]
        G = _tile_scores(measure, params, q, c, qs, cs, out=out, floor=floor)
        if buf is None and width == cols and G.flags.c_contiguous:
            buf = G
        if top_val is None:
            top_val = np.full((n_rows, kk), -np.inf, dtype=G.dtype)
        if exclude_self:
            _mask_self(G, qs, cs)
        top_val, top_ind = merge_block_topk(top_val, top_ind, G, start, kk)
    rows = np.repeat(np.arange(n_rows), kk)
    cols_ = top_ind.ravel()
    if error is not None and kk < n_available:
        # an entry outside the kept kk scores at most top_val[:, -1] + error,
        # and the k-th best at least top_val[:, k - 1] - error
        kth = top_val[:, k - 1].astype(np.float64)
        last = top_val[:, -1].astype(np.float64)
        doubt = np.flatnonzero(last >= kth - 2.0 * error)
        if doubt.size:
            keep = ~np.isin(rows, doubt)
            extra_rows, extra_cols = _entries_within(
                measure,
                params,
                q,
                c,
                qs,
                cols,
                exclude_self,
                doubt,
                kth[doubt] - 2.0 * error[doubt],
            )
            rows = np.concatenate([rows[keep], extra_rows])
            cols_ = np.concatenate([cols_[keep], extra_cols])
    return _rescore_topk(measure, params, q, c, qs, rows, cols_, k)


def _entries_within(measure, params, q, c, qs, cols, exclude_self, doubt, floor):
    """Every entry of rows `doubt` (of block `qs`) scoring at least `floor`."""
    n_rows = qs.stop - qs.start
    threshold = np.full(n_rows, np.inf)
    threshold[doubt] = floor
    found_rows, found_cols = [], []
    for start in range(0, len(c), cols):
        cs = slice(start, min(start + cols, len(c)))
        G = _tile_scores(measure, params, q, c, qs, cs)
        if exclude_self:
            _mask_self(G, qs, cs)
        rows, cols_, _ = _entries_at_or_above(G, _round_down(threshold, G.dtype))
        found_rows.append(rows)
        found_cols.append(cols_ + start)
    return np.concatenate(found_rows), np.concatenate(found_cols)


def _round_down(values, dtype):
    """`values` in `dtype`, rounded towards -inf (a threshold that loses nothing)."""
    out = values.astype(dtype)
    above = out > values
    out[above] = np.nextafter(out[above], dtype.type(-np.inf))
    return out


def _rescore_topk(measure, params, q, c, qs, rows, cols, k):
    """Exact similarities of candidate entries; the k best of each row, in order.

    Every row of the block has at least `k` candidates.
    """
    n_rows = qs.stop - qs.start
    sims = measure.similarity_pairs(q, c, rows + qs.start, cols, params)
    order, rank, _ = _row_order(rows, sims, cols, n_rows)
    keep = order[rank < k]
    return sims[keep].reshape(n_rows, k), cols[keep].reshape(n_rows, k)


def kneighbors_search(
    measure, params, q, c, k, *, exclude_self=False, n_jobs=None, working_memory=None
):
    """The `k` most similar corpus rows of every query.

    Parameters
    ----------
    measure : SimilarityMeasure
        The measure.

    params : dict
        Its validated parameters.

    q, c : PreparedRows
        Prepared queries and corpus.

    k : int
        Number of neighbours, at most ``len(c) - exclude_self``.

    exclude_self : bool, default=False
        Queries are the corpus itself: skip each row's own index.

    n_jobs : int, default=None
        Worker threads over query blocks (BLAS single-threaded inside).

    working_memory : float, default=None
        Memory budget in MiB (``sklearn.get_config()["working_memory"]``).

    Returns
    -------
    similarities : ndarray of shape (n_queries, k)
        Exact similarities in float64, in decreasing order.

    indices : ndarray of shape (n_queries, k)
        Corpus indices; ties are broken by the smaller index.
    """

    def run(qs, cols):
        return _topk_block(measure, params, q, c, k, exclude_self, cols, qs)

    results = _map_blocks(run, measure, q, c, n_jobs, working_memory)
    if not results:
        return np.empty((0, k)), np.empty((0, k), dtype=np.intp)
    return np.vstack([r[0] for r in results]), np.vstack([r[1] for r in results])


def _radius_block(measure, params, q, c, max_distance, exclude_self, cols, qs):
    try:
        return _radius_block_scored(
            measure, params, q, c, max_distance, exclude_self, cols, qs
        )
    finally:
        measure.release(q, qs)


def _radius_block_scored(measure, params, q, c, max_distance, exclude_self, cols, qs):
    n_rows = qs.stop - qs.start
    min_sim = measure.similarity_from_distance(max_distance, params)
    thresholds = measure.score_threshold(min_sim, q, qs, params)
    error = None
    if measure.approximate_scores:
        error = measure.score_error(q, c, qs, params)
    found_rows, found_cols, found_sims = [], [], []
    for start in range(0, len(c), cols):
        cs = slice(start, min(start + cols, len(c)))
        G = _tile_scores(measure, params, q, c, qs, cs)
        if exclude_self:
            _mask_self(G, qs, cs)
        if thresholds is None:
            flat = np.flatnonzero(np.isfinite(G))
            width = cs.stop - cs.start
            rows = flat // width
            cols_ = flat - rows * width
        else:
            # relax by the rounding error of the scores, then decide exactly
            scale = np.maximum(np.abs(G.max(axis=1)), np.abs(G.min(axis=1)))
            scale[~np.isfinite(scale)] = 0.0
            eps = 1e-3 if G.dtype == np.float32 else 1e-9
            finite = np.isfinite(thresholds)
            relaxed = thresholds.astype(np.float64, copy=True)
            relaxed[finite] -= eps * (np.abs(relaxed[finite]) + scale[finite] + 1.0)
            if error is not None:
                relaxed -= error
            rows, cols_, _ = _entries_at_or_above(G, relaxed)
        if rows.size == 0:
            continue
        cols_ = cols_ + start
        sims = measure.similarity_pairs(q, c, rows + qs.start, cols_, params)
        keep = measure.distance(sims, params) <= max_distance
        found_rows.append(rows[keep])
        found_cols.append(cols_[keep])
        found_sims.append(sims[keep])
    if found_rows:
        rows = np.concatenate(found_rows)
        cols_ = np.concatenate(found_cols)
        sims = np.concatenate(found_sims)
    else:
        rows = np.empty(0, dtype=np.intp)
        cols_ = np.empty(0, dtype=np.intp)
        sims = np.empty(0)
    order, _, counts = _row_order(rows, sims, cols_, n_rows)
    splits = np.cumsum(counts)[:-1]
    return np.split(sims[order], splits), np.split(cols_[order], splits)


def radius_search(
    measure,
    params,
    q,
    c,
    max_distance,
    *,
    exclude_self=False,
    n_jobs=None,
    working_memory=None,
):
    """Corpus rows within `max_distance` of every query, most similar first.

    Parameters
    ----------
    measure : SimilarityMeasure
        The measure.

    params : dict
        Its validated parameters.

    q, c : PreparedRows
        Prepared queries and corpus.

    max_distance : float
        Largest distance (in the measure's distance) to report.

    exclude_self : bool, default=False
        Queries are the corpus itself: skip each row's own index.

    n_jobs : int, default=None
        Worker threads over query blocks.

    working_memory : float, default=None
        Memory budget in MiB.

    Returns
    -------
    similarities : list of ndarray
        For each query, exact similarities in decreasing order.

    indices : list of ndarray
        For each query, the matching corpus indices.
    """

    def run(qs, cols):
        return _radius_block(
            measure, params, q, c, max_distance, exclude_self, cols, qs
        )

    sims, inds = [], []
    blocks = _map_blocks(run, measure, q, c, n_jobs, working_memory)
    for block_sims, block_inds in blocks:
        sims.extend(block_sims)
        inds.extend(block_inds)
    return sims, inds
