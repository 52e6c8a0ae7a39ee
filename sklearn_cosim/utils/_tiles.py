"""The tile loop: every search, pairwise matrix and row statistic runs here.

:func:`map_tiles` splits the queries into blocks sized by the working
memory and runs the blocks on worker threads (BLAS single-threaded inside).
For each block it asks a *scorer* (the measure's per-block context, see
:class:`sklearn_cosim.metrics.BlockScorer`) for tiles of scores against the
corpus and feeds them to a *reducer*:

- :class:`TopK`: the exact k best of each query. A tile is reduced without
  sorting it: a safe per-row threshold (the running k-th best, raised on the
  first tile to the k-th largest of the maxima of column groups -- each
  group maximum is a real entry, so at least k entries reach it), then the
  few entries at or above it are merged with the running best by one small
  ``lexsort``. Scores may be rounded (float32 blocks): the scorer bounds the
  rounding (its ``slack``), spare candidates are kept, re-scored exactly,
  and rows where the bound cannot prove the exact top k are searched again.
  Results are those of the exact similarities, whatever the tiling.
- :class:`Radius`: every corpus row within a similarity threshold, decided
  on exact similarities.
- :class:`Moments`: per-query sums of the similarities and their squares.
- :class:`Fill`: the similarity (or distance) matrix itself.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from sklearn_cosim.utils._chunking import working_memory_bytes
from sklearn_cosim.utils._progress import Progress
from sklearn_cosim.utils._threads import effective_n_jobs, map_batches

#: Corpus rows per tile (a float32 tile of 256 x 8192 is 8 MiB).
TILE_COLUMNS = 8192
#: Query rows per block.
BLOCK_ROWS = 256
#: Relative margin for the float64 rounding of exact similarities and thresholds.
EXACT_MARGIN = 1e-12


def block_shape(
    n_queries,
    n_corpus,
    itemsize,
    n_workers,
    working_memory=None,
    row_bytes=0,
    whole_blocks=False,
):
    """Query rows and corpus columns of one block, within the memory budget.

    Each worker holds about three tile-sized arrays (scores, mask and
    temporaries of the measure's transform), plus `row_bytes` per query row
    that the scorer keeps for the block. With `whole_blocks` (a corpus
    operand computed per tile, once per block) each worker gets one block
    of the queries when the budget allows.
    """
    budget = working_memory_bytes(working_memory) // max(n_workers, 1)
    cols = min(n_corpus, TILE_COLUMNS)
    # small corpora: grow the query block so that a tile has ~2M entries
    rows = max(BLOCK_ROWS, (2**21) // max(cols, 1))
    per_worker = max(1, -(-n_queries // n_workers))
    if whole_blocks:  # as many rows as fit the budget with whole tiles
        rows = max(rows, budget // max(cols * itemsize * 3 + row_bytes, 1))
    rows = min(rows, per_worker)

    def size(rows, cols):
        return rows * (cols * itemsize * 3 + row_bytes)

    while size(rows, cols) > budget and cols > 256 and cols * itemsize * 3 > row_bytes:
        cols //= 2
    while size(rows, cols) > budget and rows > 1:
        rows //= 2
    return max(rows, 1), max(cols, 1)


def map_tiles(
    make_scorer,
    reducer,
    n_queries,
    n_corpus,
    *,
    itemsize=8,
    row_bytes=0,
    whole_blocks=False,
    n_jobs=None,
    working_memory=None,
    verbose=0,
    label="search",
):
    """Run `reducer` over every tile of scores, in query blocks on threads.

    Parameters
    ----------
    make_scorer : callable
        ``make_scorer(qs)`` returns the scorer of the query rows `qs`.

    reducer : TopK, Radius, Moments or Fill
        What to compute from the tiles.

    n_queries, n_corpus : int
        Numbers of query and corpus rows.

    itemsize : int, default=8
        Bytes per score.

    row_bytes : int, default=0
        Memory a scorer holds per query row.

    whole_blocks : bool, default=False
        Prefer one block of queries per worker (the corpus operand is
        computed for every block: a memory-mapped corpus).

    n_jobs : int, default=None
        Worker threads (see :func:`~sklearn_cosim.utils._threads.effective_n_jobs`).

    working_memory : float, default=None
        Memory budget in MiB (``sklearn.get_config()["working_memory"]``).

    verbose : int, default=0
        Print the progress over the blocks to stderr (see
        :class:`~sklearn_cosim.utils._progress.Progress`).

    label : str, default="search"
        What the progress lines call the work.

    Returns
    -------
    result
        ``reducer.combine`` of the blocks' results.
    """
    n_workers = effective_n_jobs(n_jobs)
    rows, cols = block_shape(
        n_queries,
        n_corpus,
        itemsize,
        n_workers,
        working_memory,
        row_bytes,
        whole_blocks,
    )
    blocks = [slice(s, min(s + rows, n_queries)) for s in range(0, n_queries, rows)]

    progress = Progress(len(blocks), label, verbose)

    def run(qs):
        scorer = make_scorer(qs)
        result = reducer.block(scorer, qs, n_corpus, cols, make_scorer)
        progress.update()
        return result

    return reducer.combine(map_batches(run, blocks, n_workers), n_queries)


def tile_pass(
    scorer,
    qs,
    n_corpus,
    cols,
    update,
    *,
    self_cols=None,
    exact=False,
    floor=None,
    count=None,
):
    """Feed every tile of the block's scores to ``update(tile, cs)``.

    This is the library's one tile loop. With `exact`, the tiles are the
    measure's similarities (for matrices and statistics) instead of its
    ranking scores. `self_cols` gives, for every query row, a corpus column
    to mask with ``-inf`` (the query itself), or -1. `floor`, a callable
    returning each row's running k-th best score (or None), lets a scorer
    skip the work on entries that cannot reach it; `count` says how many
    entries per row the reducer keeps.
    """
    buf = None
    for start in range(0, n_corpus, cols):
        cs = slice(start, min(start + cols, n_corpus))
        if exact:
            T = scorer.similarities(cs)
        else:
            out = buf if buf is not None and buf.shape[1] == cs.stop - start else None
            if floor is not None and getattr(scorer, "uses_floor", False):
                T = scorer.scores(cs, out=out, floor=floor(), count=count)
            else:
                T = scorer.scores(cs, out=out)
            if buf is None and cs.stop - start == cols and T.flags.c_contiguous:
                buf = T
        if self_cols is not None:
            mask_self(T, self_cols[qs], cs)
        update(T, cs)


def mask_self(T, self_cols, cs):
    """Set each row's own column (``self_cols[row]``, when in `cs`) to -inf."""
    inside = (self_cols >= cs.start) & (self_cols < cs.stop)
    if inside.any():
        rows = np.flatnonzero(inside)
        T[rows, self_cols[rows] - cs.start] = -np.inf


# ------------------------------------------------------------------------------------
# Selection helpers
# ------------------------------------------------------------------------------------
def group_max_threshold(G, k):
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


def row_order(rows, vals, inds, n_rows):
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
    order, rank, _ = row_order(all_rows, all_vals, all_inds, n_rows)
    keep = order[rank < k]
    return all_vals[keep].reshape(n_rows, k), all_inds[keep].reshape(n_rows, k)


def merge_block_topk(top_val, top_ind, G, start, k):
    """Merge a tile of scores into the running top-k of each of its rows.

    `G` holds the scores of the corpus columns ``start, start + 1, ...``;
    `top_val` and `top_ind` (``-inf`` and ``-1`` where still empty) are the
    running k best of each row. Only entries at or above a safe threshold
    are merged. ``-inf`` entries (self pairs) are never selected. `G` may be
    a transposed (Fortran-ordered) view; it is indexed, never copied.

    Returns
    -------
    top_val, top_ind : ndarray of shape (n_rows, k)
        The updated running top-k.
    """
    n_rows = G.shape[0]
    threshold = np.maximum(top_val[:, -1], np.finfo(G.dtype).min)
    use_groups = not np.isfinite(top_val[:, -1]).all()
    if use_groups:
        bound = group_max_threshold(G, k)
        if bound is not None:
            threshold = np.maximum(threshold, bound)
    rows, cols, vals = entries_at_or_above(G, threshold)
    if not use_groups and rows.size > 8 * k * n_rows:
        # scores rising along the corpus: tighten with the group maxima
        bound = group_max_threshold(G, k)
        if bound is not None:
            threshold = np.maximum(threshold, bound)
            rows, cols, vals = entries_at_or_above(G, threshold)
    if rows.size == 0:
        return top_val, top_ind
    return _merge_topk(top_val, top_ind, rows, vals, cols + start, k)


def entries_at_or_above(G, threshold):
    """Rows, columns and values of the entries of `G` at or above the row's threshold.

    A Fortran-ordered `G` (a transposed product) is scanned as its C-ordered
    transpose, so the comparison mask is never copied to C order.
    """
    threshold = np.asarray(threshold)
    if threshold.dtype != G.dtype:
        threshold = round_down(threshold, G.dtype)
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


def round_down(values, dtype):
    """`values` in `dtype`, rounded towards -inf (a threshold that loses nothing)."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore"):
        out = values.astype(dtype)
    above = out > values
    out[above] = np.nextafter(out[above], dtype.type(-np.inf))
    return out


def _margin(values, scorer=None):
    """Rounding margin of ranking thresholds computed from exact similarities.

    A scorer whose threshold is the similarity itself (``threshold_exact``)
    needs a few units in the last place; others a relative ``EXACT_MARGIN``.
    """
    values = np.asarray(values, dtype=np.float64)
    scale = np.abs(np.where(np.isfinite(values), values, 0.0))
    if getattr(scorer, "threshold_exact", False):
        return 4 * np.finfo(np.float64).eps * scale + 1e-300
    return EXACT_MARGIN * scale + 1e-300


# ------------------------------------------------------------------------------------
# Reducers
# ------------------------------------------------------------------------------------
class TopKTracker:
    """The running `k` best of each row of a block, fed tile by tile.

    Spare candidates are kept unless the scorer's scores are exact; see
    :meth:`finish`.

    Parameters
    ----------
    n_rows : int
        Rows of the block.

    k : int
        Neighbours per row.

    n_available : int
        Corpus rows a query can have as neighbours.

    exact : bool
        Whether the scores are the exact similarities (no spares needed).
    """

    def __init__(self, n_rows, k, n_available, exact=False):
        self.n_rows, self.k, self.n_available = n_rows, k, n_available
        self.exact = exact
        self.kk = k if exact else min(k + max(k // 2, 4), n_available)
        self.val = None
        self.ind = np.full((n_rows, self.kk), -1, dtype=np.intp)
        self.seen = 0

    def update(self, T, cs):
        """Merge a tile of scores (columns `cs`)."""
        if self.val is None:
            self.val = np.full((self.n_rows, self.kk), -np.inf, dtype=T.dtype)
        self.val, self.ind = merge_block_topk(self.val, self.ind, T, cs.start, self.kk)
        self.seen += cs.stop - cs.start

    def floor(self):
        """The running k-th best score of each row (-inf while unknown)."""
        if self.val is None:
            return None
        return self.val[:, -1]

    def finish(self, scorer, qs, n_corpus, cols, self_cols=None, make_scorer=None):
        """The exact k best: re-score the candidates, search doubtful rows again.

        An entry left out scores at most the last kept score plus the
        scorer's slack; where that can reach the ranking score of the exact
        k-th best candidate, the row is searched again for every entry that
        can. With `make_scorer`, a few doubtful rows are searched again one
        by one (a product of one row, not of the whole block).
        """
        k, n_rows = self.k, self.n_rows
        if self.val is None or (self.ind < 0).any():
            raise ValueError(
                "The similarity scores are not finite for some queries (data "
                "too large or too small for the dtype?); scale X or use float64."
            )
        rows = np.repeat(np.arange(n_rows), self.kk)
        cand = self.ind.ravel()
        sims = scorer.pair_similarity(rows, cand)
        order, rank, _ = row_order(rows, sims, cand, n_rows)
        if not self.exact and self.kk < self.n_available:
            kth_pos = order[rank == k - 1]
            threshold = scorer.rank_threshold(sims[kth_pos])
            if threshold is None:
                doubt = np.arange(n_rows)
                threshold = np.full(n_rows, -np.inf)
            else:
                last = self.val[:, -1].astype(np.float64)
                best_outside = last + scorer.slack
                reach = best_outside >= threshold - _margin(threshold, scorer)
                # exact scores tied with the k-th best: an outsider scoring
                # the same was left out for a larger index, so it loses the tie
                tied = (
                    (scorer.slack == 0)
                    & (last <= threshold)
                    & (self.val.ravel()[kth_pos] == last)
                )
                doubt = np.flatnonzero(reach & ~tied)
            if doubt.size:
                found = (rows, cand, sims)
                rows, cand, sims = self._search_again(
                    scorer,
                    qs,
                    n_corpus,
                    cols,
                    self_cols,
                    doubt,
                    threshold,
                    found,
                    make_scorer,
                )
                order, rank, _ = row_order(rows, sims, cand, n_rows)
        keep = order[rank < k]
        return sims[keep].reshape(n_rows, k), cand[keep].reshape(n_rows, k)

    def _search_again(
        self,
        scorer,
        qs,
        n_corpus,
        cols,
        self_cols,
        doubt,
        threshold,
        found,
        make_scorer=None,
    ):
        """Every entry of rows `doubt` that can reach its threshold, re-scored."""
        rows, cand, sims = found
        keep = ~np.isin(rows, doubt)
        parts = [(rows[keep], cand[keep], sims[keep])]
        if make_scorer is not None and 4 * doubt.size <= self.n_rows:
            # one row at a time: each costs the product of one query row
            for r in doubt:
                one = slice(qs.start + r, qs.start + r + 1)
                r_rows, r_cols, r_sims = _entries_reaching(
                    make_scorer(one),
                    one,
                    n_corpus,
                    cols,
                    self_cols,
                    threshold[r : r + 1],
                )
                parts.append((r_rows + r, r_cols, r_sims))
        else:
            limit = np.full(self.n_rows, np.inf)
            limit[doubt] = threshold[doubt]
            parts.append(
                _entries_reaching(scorer, qs, n_corpus, cols, self_cols, limit)
            )
        return tuple(np.concatenate(part) for part in zip(*parts))


def _entries_reaching(scorer, qs, n_corpus, cols, self_cols, threshold):
    """Entries whose exact ranking score can reach `threshold`, re-scored exactly."""
    limit = threshold - _margin(threshold, scorer) - scorer.slack
    new_rows, new_cols = [], []

    def update(T, cs):
        r, c, _ = entries_at_or_above(T, limit)
        new_rows.append(r)
        new_cols.append(c + cs.start)

    tile_pass(
        scorer, qs, n_corpus, cols, update, self_cols=self_cols, floor=lambda: limit
    )
    new_rows = np.concatenate(new_rows)
    new_cols = np.concatenate(new_cols)
    return new_rows, new_cols, scorer.pair_similarity(new_rows, new_cols)


class TopK:
    """The exact `k` most similar corpus rows of every query.

    Parameters
    ----------
    k : int
        Neighbours per query.

    self_cols : ndarray of shape (n_queries,), default=None
        Corpus column of each query to skip (-1 for none).

    Returns (from :func:`map_tiles`)
    -------
    similarities : ndarray of shape (n_queries, k)
        Exact float64 similarities, decreasing.

    indices : ndarray of shape (n_queries, k)
        Corpus rows; ties broken by the smaller index.
    """

    def __init__(self, k, self_cols=None):
        self.k = k
        self.self_cols = self_cols

    def block(self, scorer, qs, n_corpus, cols, make_scorer=None):
        n_available = n_corpus - (self.self_cols is not None)
        tracker = TopKTracker(
            qs.stop - qs.start, self.k, n_available, getattr(scorer, "exact", False)
        )
        tile_pass(
            scorer,
            qs,
            n_corpus,
            cols,
            tracker.update,
            self_cols=self.self_cols,
            floor=tracker.floor,
            count=tracker.kk,
        )
        return tracker.finish(scorer, qs, n_corpus, cols, self.self_cols, make_scorer)

    def combine(self, results, n_queries):
        if not results:
            return np.empty((0, self.k)), np.empty((0, self.k), dtype=np.intp)
        return (
            np.vstack([r[0] for r in results]),
            np.vstack([r[1] for r in results]),
        )


class Radius:
    """Every corpus row whose similarity reaches `min_similarity`, per query.

    The decision is made on exact similarities; `accept` (default: the
    similarity is at least `min_similarity`) can refine it (a distance
    threshold, say).

    Returns (from :func:`map_tiles`)
    -------
    similarities, indices : list of ndarray
        For each query, exact similarities (decreasing) and corpus rows.
    """

    def __init__(self, min_similarity, self_cols=None, accept=None):
        self.min_similarity = min_similarity
        self.self_cols = self_cols
        self.accept = accept

    def block(self, scorer, qs, n_corpus, cols, make_scorer=None):
        n_rows = qs.stop - qs.start
        threshold = scorer.rank_threshold(self.min_similarity)
        if threshold is None:
            limit = np.full(n_rows, -np.inf)
        else:
            limit = threshold - _margin(threshold, scorer) - scorer.slack
        found_rows, found_cols, found_sims = [], [], []

        def update(T, cs):
            rows, cols_, _ = entries_at_or_above(T, limit)
            if threshold is None:
                finite = np.isfinite(T[rows, cols_])
                rows, cols_ = rows[finite], cols_[finite]
            if rows.size == 0:
                return
            cols_ = cols_ + cs.start
            sims = scorer.pair_similarity(rows, cols_)
            if self.accept is None:
                keep = sims >= self.min_similarity
            else:
                keep = self.accept(sims)
            found_rows.append(rows[keep])
            found_cols.append(cols_[keep])
            found_sims.append(sims[keep])

        tile_pass(scorer, qs, n_corpus, cols, update, self_cols=self.self_cols)
        if found_rows:
            rows = np.concatenate(found_rows)
            inds = np.concatenate(found_cols)
            sims = np.concatenate(found_sims)
        else:
            rows = np.empty(0, dtype=np.intp)
            inds = np.empty(0, dtype=np.intp)
            sims = np.empty(0)
        order, _, counts = row_order(rows, sims, inds, n_rows)
        splits = np.cumsum(counts)[:-1]
        return np.split(sims[order], splits), np.split(inds[order], splits)

    def combine(self, results, n_queries):
        sims, inds = [], []
        for block_sims, block_inds in results:
            sims.extend(block_sims)
            inds.extend(block_inds)
        return sims, inds


class Moments:
    """Per query: count, sum and sum of squares of ``transform(similarity)``.

    Parameters
    ----------
    self_cols : ndarray of shape (n_queries,), default=None
        Corpus column of each query to leave out (-1 for none).

    transform : callable, default=None
        Applied to each tile of similarities first (a distance, say).

    col_mask : ndarray of shape (n_corpus,), default=None
        Corpus rows to count (all when None).

    Returns (from :func:`map_tiles`)
    -------
    count, total, total_sq : ndarray of shape (n_queries,)
        In float64.
    """

    def __init__(self, self_cols=None, transform=None, col_mask=None):
        self.self_cols = self_cols
        self.transform = transform
        self.col_mask = col_mask

    def block(self, scorer, qs, n_corpus, cols, make_scorer=None):
        n_rows = qs.stop - qs.start
        acc = np.zeros((3, n_rows))

        def update(T, cs):
            T = np.asarray(T, dtype=np.float64)
            valid = np.isfinite(T)  # -inf: the masked self pair
            if self.col_mask is not None:
                valid &= self.col_mask[cs]
            if self.transform is not None:
                T = self.transform(np.where(valid, T, 0.0))
            T = np.where(valid, T, 0.0)
            acc[0] += valid.sum(axis=1)
            acc[1] += T.sum(axis=1)
            acc[2] += np.einsum("ij,ij->i", T, T)

        tile_pass(
            scorer, qs, n_corpus, cols, update, self_cols=self.self_cols, exact=True
        )
        return acc

    def combine(self, results, n_queries):
        if not results:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        acc = np.hstack(results)
        return acc[0], acc[1], acc[2]


class Fill:
    """The matrix of similarities (or ``transform`` of them), in `dtype`.

    Returns (from :func:`map_tiles`)
    -------
    matrix : ndarray of shape (n_queries, n_corpus)
    """

    def __init__(self, out, transform=None):
        self.out = out
        self.transform = transform

    def block(self, scorer, qs, n_corpus, cols, make_scorer=None):
        def update(T, cs):
            if self.transform is not None:
                T = self.transform(T)
            self.out[qs, cs] = T

        tile_pass(scorer, qs, n_corpus, cols, update, exact=True)

    def combine(self, results, n_queries):
        return self.out
