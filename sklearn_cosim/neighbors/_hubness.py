"""Hubness reduction as fitted measures wrapping a base similarity measure.

Each method is a :class:`HubnessMeasure`: fitted once on the prepared rows
of the fitted data (statistics of every fitted sample, each excluded from
its own neighbours), then immutable. Its per-block scorer wraps the base
measure's scorer and owns the statistics of the block's queries:

- CSLS, local scaling, NICDM and DisSim need each query's own nearest
  fitted samples only for the *values* of the winners (the query's term is
  constant along its row), so the scorer gathers them from the base tiles of
  the same pass (:class:`~sklearn_cosim.utils._tiles.TopKTracker`) and
  finishes them when the winners are re-scored; radius searches, which need
  them first, search the block once more.
- Mutual proximity needs each query's distance moments before scoring: from
  the moments of the fitted rows' inner-product form in ``O(d^2)`` per query
  when the base similarity is affine in it, else by one pass over the tiles.

Nothing is written into the fitted measure or the rows by a search.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
from numbers import Integral

import numpy as np
from scipy import sparse
from scipy.special import ndtr, ndtri

from sklearn_cosim.metrics._base import SimilarityMeasure
from sklearn_cosim.neighbors._search import kneighbors_search
from sklearn_cosim.utils._chunking import working_memory_bytes
from sklearn_cosim.utils._linalg import gemm, pair_dots, row_norms64
from sklearn_cosim.utils._moments import MAX_MOMENT_DIM, GramMoments, mean_std
from sklearn_cosim.utils._tiles import (
    TILE_COLUMNS,
    Moments,
    TopKTracker,
    entries_at_or_above,
    group_max_threshold,
    map_tiles,
    row_order,
    tile_pass,
)

#: Hubness reduction methods accepted by the ``hubness`` parameter.
HUBNESS_METHODS = (
    "csls",
    "mutual_proximity",
    "local_scaling",
    "nicdm",
    "dis_sim_local",
)

#: Default ``hubness_params`` of each method (see the user guide).
HUBNESS_DEFAULTS = {
    "csls": {"n_neighbors": 10},
    "local_scaling": {"n_neighbors": 7},
    "nicdm": {"n_neighbors": 7},
    "dis_sim_local": {"n_neighbors": 10},
    "mutual_proximity": {"method": "normal", "n_samples": None, "random_state": 0},
}

#: Floor of the per-object scales of local scaling and NICDM (duplicates give 0).
SCALE_FLOOR = 1e-12
#: Floor of the standard deviations of mutual proximity (as hub-toolbox).
MP_SIGMA_FLOOR = 1e-7


def _check_k(k, n_candidates, method):
    if k > n_candidates:
        raise ValueError(
            f"hubness={method!r} uses the {k} nearest neighbours of every fitted "
            f"sample, but only {n_candidates} other samples were fitted; pass "
            f"hubness_params={{'n_neighbors': k}} with k <= {n_candidates}."
        )


def append_column(V, side, corpus_values):
    """``[V, 1]`` for queries, ``[V, corpus_values]`` for the corpus."""
    if side == "query":
        extra = np.ones((V.shape[0], 1), dtype=V.dtype)
    else:
        extra = np.asarray(corpus_values, dtype=V.dtype)[:, None]
    if sparse.issparse(V):
        return sparse.hstack([V, extra], format="csr", dtype=V.dtype)
    return np.hstack([V, extra])


def reference_indices(n, n_samples, random_state):
    """Sorted reference rows: all (None), or a seeded sample of `n_samples`."""
    if n_samples is None or n_samples >= n:
        return None
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=n_samples, replace=False))


def scores_to_similarity(measure, scorer, T, cs):
    """Base similarities of a tile of the base's ranking scores (in place).

    Uses the base's affine form when it declares one, else its formula on
    ``G = T - bias`` (inner-product form) or the scores themselves (a rank
    map is the similarity). Every map is non-decreasing in ``T``.
    """
    form = scorer.affine()
    if form is not None:
        a, b = form
        if np.ndim(a) or a != 1.0:
            T *= np.asarray(a, dtype=T.dtype).reshape(-1, 1) if np.ndim(a) else a
        if np.ndim(b) or b != 0.0:
            T += np.asarray(b, dtype=T.dtype).reshape(-1, 1) if np.ndim(b) else b
        return T
    if not measure.inner_product_form:
        return T
    bias = measure.corpus_bias(scorer.c)
    if bias is not None:
        T -= np.asarray(bias[cs], dtype=T.dtype)
    rows = np.arange(scorer.qs.start, scorer.qs.stop)[:, None]
    cj = np.arange(cs.start, cs.stop)[None, :]
    return measure.similarity(T, scorer.q, scorer.c, rows, cj)


def inner_product_moments(measure, rows, ref):
    """Moments of the corpus side of the measure's inner-product form, or None."""
    if not measure.inner_product_form or measure.affine(rows, np.arange(0)) is None:
        return None
    G = measure.to_inner_product(rows, "corpus")
    if G.shape[1] > MAX_MOMENT_DIM:
        return None
    return GramMoments(G if ref is None else G[ref])


def similarity_moments(measure, moments, scorer, q, c, qs, self_query, ref):
    """Mean and std (ddof 0) of each block query's similarities over the reference.

    From the moments when there are some, else by a pass over the tiles of
    exact similarities. A fitted sample queried against the fitted rows
    (`self_query`) leaves itself out.
    """
    n_rows = qs.stop - qs.start
    form = scorer.affine()
    if moments is not None and form is not None:
        F = measure.to_inner_product(q, "query", qs)
        self_raw = None
        if self_query:
            G = measure.to_inner_product(c, "corpus", qs)
            idx = np.arange(n_rows)
            raw = pair_dots(F, G, idx, idx)
            rows = np.arange(qs.start, qs.stop)
            inside = np.ones(n_rows, bool) if ref is None else np.isin(rows, ref)
            self_raw = np.where(inside, raw, np.nan)
        mean, std = moments.mean_std(F, self_raw)
        a, b = form
        return a * mean + b, np.abs(a) * std
    count, total, sq = moment_sums(scorer, qs, len(c), self_query, ref)
    return mean_std(total, sq, count)


def moment_sums(scorer, qs, n_corpus, self_query, ref):
    """Count, sum and sum of squares of each block query's similarities.

    One pass over the tiles of exact similarities against the `ref` rows of
    the corpus (all when None), each fitted sample without itself when
    `self_query`.
    """
    mask = None
    if ref is not None:
        mask = np.zeros(n_corpus, dtype=bool)
        mask[ref] = True
    reducer = Moments(
        self_cols=np.arange(n_corpus) if self_query else None, col_mask=mask
    )
    cols = working_memory_bytes() // (24 * max(qs.stop - qs.start, 1))
    cols = max(256, min(TILE_COLUMNS, cols))
    return reducer.block(scorer, qs, n_corpus, cols)


# ----------------------------------------------------------------------------------
# The fitted measures
# ----------------------------------------------------------------------------------
class HubnessMeasure(SimilarityMeasure):
    """A measure computed from a base measure and statistics of the fitted rows.

    Parameters
    ----------
    base : SimilarityMeasure
        The measure whose similarities are re-scaled.

    options : dict
        The method's ``hubness_params`` (defaults filled in).

    n_jobs : int, default=None
        Threads of the searches that compute the statistics.

    verbose : int, default=0
        Progress of those searches, printed to stderr.
    """

    method = None
    #: Statistics of the rows of the queries searched, when they are known
    #: already (a dict like ``stats``, indexed by query row): a corpus shard
    #: of a sharded search gets the queries' statistics over the whole corpus.
    given_query_stats = None

    def __init__(self, base, options, n_jobs=None, verbose=0):
        self.base = base
        self.options = dict(options)
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.name = base.name
        self.params = base.params
        self.accepts_sparse = base.accepts_sparse
        self.stats = None

    def prepare(self, X):
        return self.base.prepare(X)

    def prepare_queries(self, X):
        return self.base.prepare_queries(X)

    def operand(self, rows, idx, side):
        return self.base.operand(rows, idx, side)

    def block_row_bytes(self, q, c):
        return self.base.block_row_bytes(q, c)

    def check_base(self):
        """Refuse base measures the method cannot work on (ValueError)."""

    def fit(self, corpus):
        """The fitted measure: statistics of every row of `corpus`.

        Parameters
        ----------
        corpus : Rows
            The base measure's prepared rows of the fitted data.

        Returns
        -------
        measure : HubnessMeasure
            A fitted copy.
        """
        self.check_base()
        fitted = copy.copy(self)
        fitted.stats = {}
        fitted.fit_stats(corpus)
        return fitted

    #: Where neighbourhood statistics come from: None for the exact engine, or
    #: ``neighbours(base, q, c, qs, k, self_query) -> (similarities, indices)``
    #: (an approximate index, see ``neighbors/_approximate.py``).
    neighbours = None

    def with_neighbours(self, neighbours):
        """A copy whose neighbourhood statistics come from `neighbours`.

        Parameters
        ----------
        neighbours : callable or None
            ``neighbours(base, q, c, qs, k, self_query)`` returning the
            base similarities (float64, decreasing) and corpus indices of
            the `k` nearest corpus rows of query rows `qs`; None for the
            exact engine.

        Returns
        -------
        measure : HubnessMeasure
            The copy (this measure when nothing changes).
        """
        if neighbours is self.neighbours:
            return self
        out = copy.copy(self)
        out.neighbours = neighbours
        return out

    def knn(self, q, c, k, self_query):
        """The base measure's `k` nearest corpus rows of `q`."""
        _check_k(k, len(c) - self_query, self.method)
        if self.neighbours is not None:
            return self.neighbours(self.base, q, c, slice(0, len(q)), k, self_query)
        return kneighbors_search(
            self.base,
            q,
            c,
            k,
            self_query=self_query,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
            label=f"hubness={self.method!r} statistics",
        )

    def similarity(self, G, q, c, qi, cj):
        raise NotImplementedError(
            "A hubness-reduced similarity depends on neighbourhood statistics; "
            "use the estimator's kneighbors or radius_neighbors."
        )

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<{type(self).__name__} of {self.base!r}>"


class _NeighbourStatsMeasure(HubnessMeasure):
    """Methods whose statistics come from each row's `k` nearest fitted rows."""

    def fit_stats(self, corpus):
        sims, ind = self.knn(corpus, corpus, self.options["n_neighbors"], True)
        whole = slice(0, len(corpus))
        self.stats.update(self.stats_from_neighbours(corpus, corpus, whole, sims, ind))

    def scorer(self, q, c, qs, *, self_query=False):
        return _NeighbourStatsScorer(self, q, c, qs, self_query)

    #: Whether the ranking is the base's plus a corpus term (``fold``).
    def fold(self, base_scorer):
        return None

    def threshold(self, t, scorer, stats):
        raise NotImplementedError

    def affine_form(self, scorer, stats):
        return None

    # -- the method's formula, for pairs and blocks alike -------------------------
    def base_values(self, scorer, i, j):
        """Float64 base similarities of pairs (block rows `i`, corpus rows `j`)."""
        known = getattr(self.neighbours, "base_values", None)
        values = None if known is None else known(i, j)  # computed for the stats
        return scorer.base.pair_similarity(i, j) if values is None else values

    def base_block(self, scorer, cs):
        """Float64 base similarities of the block against corpus rows `cs`."""
        return np.asarray(scorer.base.similarities(cs), dtype=np.float64)

    def value(self, x, q, c):
        """The method's similarity from base values `x` and the two sides' stats.

        `q` and `c` map each statistic to arrays broadcast like `x`.
        """
        raise NotImplementedError

    def combine(self, scorer, stats, i, j):
        """Exact similarities of pairs: block rows `i`, corpus rows `j`."""
        x = self.base_values(scorer, i, j)
        return self.value(x, _pick(stats, i), _pick(self.stats, j))

    def combine_block(self, scorer, stats, cs):
        """Exact similarities of the block against corpus rows `cs`."""
        x = self.base_block(scorer, cs)
        return self.value(x, _pick(stats, (slice(None), None)), _pick(self.stats, cs))


def _pick(stats, idx):
    """The per-row statistics at `idx` (pairs: a vector; blocks: a column)."""
    return {key: value[idx] for key, value in stats.items()}


class _NeighbourStatsScorer:
    """Scorer of the neighbour-statistics methods (see the module docstring)."""

    uses_floor = False

    def __init__(self, measure, q, c, qs, self_query):
        self.m = measure
        self.base = measure.base.scorer(q, c, qs, self_query=self_query)
        self.q, self.c, self.qs = q, c, qs
        self.n_rows = qs.stop - qs.start
        self.exact = getattr(self.base, "exact", False)
        self._stats = None
        self.tracker = None
        if measure.given_query_stats is not None:
            self._stats = {k: v[qs] for k, v in measure.given_query_stats.items()}
        elif self_query:
            self._stats = {key: value[qs] for key, value in measure.stats.items()}
        else:
            _check_k(measure.options["n_neighbors"], len(c), measure.method)
            if measure.neighbours is None:  # from the tiles of this block's pass
                self.tracker = TopKTracker(
                    self.n_rows, measure.options["n_neighbors"], len(c), self.exact
                )
        self.extra = measure.fold(self.base)
        if self.extra is not None:
            u = 2.0**-24 if self.extra.dtype == np.float32 else 2.0**-53
            extra_max = float(np.abs(self.extra).max(initial=0.0))
            self.slack = self.base.slack + 4 * u * extra_max
        else:
            self.slack = np.zeros(self.n_rows)

    def stats(self):
        """The block's query statistics (computed once, when first asked)."""
        if self._stats is None and self.m.neighbours is not None:
            k = self.m.options["n_neighbors"]
            sims, ind = self.m.neighbours(
                self.m.base, self.q, self.c, self.qs, k, False
            )
            self._stats = self.m.stats_from_neighbours(
                self.q, self.c, self.qs, sims, ind
            )
        if self._stats is None:
            tracker, n_c = self.tracker, len(self.c)
            self.tracker = None
            if tracker.seen < n_c:  # asked before a full pass: search now
                tracker = TopKTracker(
                    self.n_rows, self.m.options["n_neighbors"], n_c, self.exact
                )
                tile_pass(self.base, self.qs, n_c, TILE_COLUMNS, tracker.update)
            sims, ind = tracker.finish(self.base, self.qs, n_c, TILE_COLUMNS)
            self._stats = self.m.stats_from_neighbours(
                self.q, self.c, self.qs, sims, ind
            )
        return self._stats

    def scores(self, cs, out=None):
        T = self.base.scores(cs, out=out)
        if self.tracker is not None and self.tracker.seen < len(self.c):
            self.tracker.update(T, cs)
        if self.extra is not None:
            T += self.extra[cs]
            return T
        T += self.base.slack.astype(T.dtype)[:, None]  # optimistic: maps are monotone
        S = scores_to_similarity(self.m.base, self.base, T, cs)
        return self.m.transform(S, cs)

    def pair_similarity(self, i, j):
        return self.m.combine(self, self.stats(), i, j)

    def similarities(self, cs):
        return self.m.combine_block(self, self.stats(), cs)

    def rank_threshold(self, similarity):
        return self.m.threshold(similarity, self, self.stats())

    def affine(self):
        return self.m.affine_form(self, self.stats())


class CSLSMeasure(_NeighbourStatsMeasure):
    """Cross-domain similarity local scaling (Conneau et al. 2018).

    ``CSLS(x, y) = 2 s(x, y) - r(x) - r(y)`` with ``r`` the mean similarity
    of an object to its `n_neighbors` most similar fitted samples (a fitted
    sample never counts itself). When the base similarity is affine in its
    inner-product form with one slope, ``-r(y)`` is folded into the corpus
    side and CSLS keeps an inner-product form.
    """

    method = "csls"

    def stats_from_neighbours(self, q, c, qs, sims, ind):
        return {"r": sims.mean(axis=1)}

    slope = None

    def fit_stats(self, corpus):
        # one slope a for every query: -r(y) / (2a) folds into the corpus side
        form = self.base.affine(corpus, np.arange(0))
        if self.base.inner_product_form and form is not None and np.ndim(form[0]) == 0:
            self.slope = float(form[0])
        super().fit_stats(corpus)

    @property
    def inner_product_form(self):
        return self.slope is not None

    def fold(self, base_scorer):
        a = self.slope
        if a is None or not self.base.inner_product_form:
            return None
        dtype = np.result_type(base_scorer.c.X.dtype, np.float32)
        if getattr(base_scorer, "compute_dtype", None) is not None:
            dtype = base_scorer.compute_dtype
        return (-self.stats["r"] / (2.0 * a)).astype(dtype)

    def transform(self, S, cs):
        S *= 2.0
        S -= self.stats["r"][cs].astype(S.dtype)
        return S

    def value(self, s, q, c):
        return 2.0 * s - q["r"] - c["r"]

    def threshold(self, t, scorer, stats):
        r_q = stats["r"]
        a = self.slope
        if a is None or not self.base.inner_product_form:
            return t + r_q
        _, b = scorer.base.affine()
        # 2 (a raw + b) - r_q - r_c >= t  <=>  raw - r_c / (2a) >= ...
        return (t + r_q - 2.0 * np.asarray(b)) / (2.0 * a)

    def affine_form(self, scorer, stats):
        a = self.slope
        if a is None or not self.base.inner_product_form:
            return None
        _, b = scorer.base.affine()
        return 2.0 * a, 2.0 * np.asarray(b) - stats["r"]

    def affine(self, q, qi):
        return None  # needs the queries' neighbours: see the scorer's affine

    def to_inner_product(self, rows, side, idx=None):
        a = self.slope
        if a is None:
            return super().to_inner_product(rows, side, idx)
        r = self.stats["r"] if idx is None else self.stats["r"][idx]
        V = self.base.to_inner_product(rows, side, idx)
        return append_column(V, side, -r / (2.0 * a))


class _DistanceScaled(_NeighbourStatsMeasure):
    """Methods that rescale the base measure's (non-negative) distances."""

    inner_product_form = False
    distance_kind = "negative"

    def check_base(self):
        if not self.base.nonnegative_distance:
            raise ValueError(
                f"hubness={self.method!r} works on non-negative distances, but "
                f"metric={self.base.name!r} can report negative ones; use a "
                "measure such as 'cosine', 'angular' or 'euclidean'."
            )

    def stats_from_neighbours(self, q, c, qs, sims, ind):
        dist = np.asarray(self.base.distance(sims))
        scale = np.maximum(self.scale_of(dist), SCALE_FLOOR)
        return {"scale": scale, "inv": 1.0 / self.column_scale(scale)}

    def column_scale(self, scale):
        return scale

    def _base_distance(self, s):
        return np.asarray(self.base.distance(s))


class LocalScalingMeasure(_DistanceScaled):
    """Local scaling: similarity ``exp(-d^2 / (sigma_x sigma_y))``.

    ``sigma_x`` is the distance of `x` to its `n_neighbors`-th nearest fitted
    sample (self excluded); the distance reported is ``1 - similarity``.
    """

    method = "local_scaling"
    distance_kind = "one_minus"
    distance_bounds = (0.0, 1.0)
    nonnegative_distance = True

    def scale_of(self, dist):
        return dist[:, -1]

    def transform(self, S, cs):
        D = self._base_distance(S)
        np.multiply(D, D, out=D)
        D *= -self.stats["inv"][cs].astype(D.dtype)
        return D

    def value(self, s, q, c):
        d = self._base_distance(s)
        return np.exp(-(d**2) / (q["scale"] * c["scale"]))

    def threshold(self, t, scorer, stats):
        scale = stats["scale"]
        t = np.broadcast_to(np.asarray(t, dtype=np.float64), scale.shape)
        out = np.where(t > 1.0, np.inf, -np.inf)
        ok = (t > 0.0) & (t <= 1.0)
        out[ok] = scale[ok] * np.log(t[ok])
        return out


class NICDMMeasure(_DistanceScaled):
    """Non-iterative contextual dissimilarity ``d / sqrt(mu_x mu_y)``.

    ``mu_x`` is the mean distance of `x` to its `n_neighbors` nearest fitted
    samples (self excluded). The similarity is ``-NICDM``.
    """

    method = "nicdm"
    nonnegative_distance = True

    def scale_of(self, dist):
        return dist.mean(axis=1)

    def column_scale(self, scale):
        return np.sqrt(scale)

    def transform(self, S, cs):
        D = self._base_distance(S)
        D *= -self.stats["inv"][cs].astype(D.dtype)
        return D

    def value(self, s, q, c):
        return -self._base_distance(s) / np.sqrt(q["scale"] * c["scale"])

    def threshold(self, t, scorer, stats):
        return np.asarray(t, dtype=np.float64) * np.sqrt(stats["scale"])

    def distance(self, similarity):
        return np.maximum(-similarity, 0.0)


class DisSimLocalMeasure(_NeighbourStatsMeasure):
    """DisSim-local (Hara et al. 2016) on squared Euclidean distances.

    ``DisSim(x, y) = |x - y|^2 - |x - c_k(x)|^2 - |y - c_k(y)|^2`` with
    ``c_k(z)`` the mean of the `n_neighbors` nearest fitted samples of `z`
    (self excluded), on the base measure's operands (unit rows for cosine
    and angular, rows for euclidean and sqeuclidean). The similarity is
    ``-DisSim``, which can be positive; it keeps an inner-product form.
    """

    method = "dis_sim_local"

    def check_base(self):
        if not self.base.euclidean_operands:
            raise ValueError(
                "hubness='dis_sim_local' works on squared Euclidean distances "
                "of vectors: use metric='cosine' or 'angular' (unit rows) or "
                f"'euclidean'/'sqeuclidean', got metric={self.base.name!r}."
            )

    def _vectors(self, rows, idx, side="corpus"):
        return self.base.operand(rows, idx, side)

    def stats_from_neighbours(self, q, c, qs, sims, ind):
        return self.stats_from_centroids(q, qs, self.neighbour_sums(c, ind))

    def neighbour_sums(self, c, ind, start=0):
        """``sum_j v(c_j) / k`` over each row's neighbours `ind` among the rows of `c`.

        `c` holds the rows ``start, start + 1, ...`` of the fitted data (all
        of them, or one shard: the centroids are then the sum over shards);
        neighbours outside it are skipped.
        """
        n, k = ind.shape
        local = np.asarray(ind).ravel() - start
        inside = (local >= 0) & (local < len(c))
        # only the neighbours' rows, in float64 (not a copy of the corpus)
        used, where = np.unique(local[inside], return_inverse=True)
        C64 = self._vectors(c, used).astype(np.float64)
        rows = np.repeat(np.arange(n), k)[inside]
        P = sparse.csr_matrix(
            (np.full(len(rows), 1.0 / k), (rows, where.ravel())),
            shape=(n, C64.shape[0]),
        )
        return P @ C64

    def stats_from_centroids(self, q, qs, centroids):
        """``r = |v(q) - centroid|^2`` and ``|v(q)|^2`` of the query rows `qs`."""
        V = self._vectors(q, qs, "query")
        V64 = V.astype(np.float64) if V.dtype != np.float64 else V
        diff = V64 - centroids
        if sparse.issparse(diff):
            r = np.asarray(diff.multiply(diff).sum(axis=1)).ravel()
        else:
            r = np.einsum("ij,ij->i", diff, diff)
        return {"r": r, "sq": row_norms64(V) ** 2}

    def fold(self, base_scorer):
        bias = self.base.corpus_bias(base_scorer.c)
        extra = 0.5 * (self.stats["r"] - self.stats["sq"])
        if bias is not None:
            extra = extra - bias
        dtype = getattr(base_scorer, "compute_dtype", base_scorer.c.X.dtype)
        return extra.astype(dtype)

    def base_values(self, scorer, i, j):
        # inner products of the vectors; value() turns them into squared distances
        A = self._vectors(scorer.q, scorer.qs, "query")
        return pair_dots(A, self._vectors(scorer.c, slice(None)), i, j)

    def base_block(self, scorer, cs):
        A = self._vectors(scorer.q, scorer.qs, "query")
        return np.asarray(gemm(A, self._vectors(scorer.c, cs)), dtype=np.float64)

    def value(self, G, q, c):
        sq = np.maximum(q["sq"] + c["sq"] - 2.0 * G, 0.0)
        return -(sq - q["r"] - c["r"])

    def threshold(self, t, scorer, stats):
        # -DisSim = 2 (v_q.v_c + (r_c - sq_c) / 2) + r_q - sq_q
        return 0.5 * (np.asarray(t, dtype=np.float64) - stats["r"] + stats["sq"])

    def affine_form(self, scorer, stats):
        return 2.0, stats["r"] - stats["sq"]

    def to_inner_product(self, rows, side, idx=None):
        idx = slice(None) if idx is None else idx
        V = self.base.operand(rows, idx, side)
        return append_column(V, side, 0.5 * (self.stats["r"] - self.stats["sq"])[idx])


class MutualProximityMeasure(HubnessMeasure):
    """Mutual proximity (Schnitzer et al. 2012) of the base distances.

    ``method="normal"``: ``MP(x, y) = SF(d; mu_x, sigma_x) SF(d; mu_y,
    sigma_y)`` with the mean and standard deviation (ddof 0) of each object's
    distances to every fitted sample (self excluded), SF the normal survival
    function. ``method="empiric"``: the share of reference samples ``j``
    farther from both, ``|{j: d_xj > d_xy and d_yj > d_yx}| / n_reference``.
    The distance reported is ``1 - MP``.
    """

    method = "mutual_proximity"
    inner_product_form = False
    distance_kind = "one_minus"
    distance_bounds = (0.0, 1.0)
    nonnegative_distance = True

    def fit_stats(self, corpus):
        n = len(corpus)
        if n < 2:
            raise ValueError(
                f"hubness='mutual_proximity' needs at least 2 fitted samples, got {n}."
            )
        options = self.options
        ref = reference_indices(n, options["n_samples"], options["random_state"])
        self.stats["ref"] = ref
        if options["method"] == "normal":
            self.stats["moments"] = inner_product_moments(self.base, corpus, ref)
        self.stats.update(
            map_tiles(
                lambda qs: _MPStatsOnly(self, corpus, corpus, qs, True),
                _Collect(),
                n,
                n,
                n_jobs=self.n_jobs,
                verbose=self.verbose,
                label="hubness='mutual_proximity' statistics",
            )
        )

    def query_stats(self, base_scorer, q, c, qs, self_query):
        """Distance statistics of the query rows `qs` over the reference set."""
        ref = self.stats["ref"]
        if self.options["method"] == "normal":
            mean, std = similarity_moments(
                self.base, self.stats["moments"], base_scorer, q, c, qs, self_query, ref
            )
            return self.stats_from_moments(mean, std)
        return {"ref_dist": self._reference_distances(q, c, qs, self_query)}

    def stats_from_moments(self, mean, std):
        """Distance statistics from the mean and std of the base similarities."""
        if self.base.distance_kind == "one_minus":
            mu = 1.0 - mean
        else:
            mu = -mean
        return {"mu": mu, "sigma": np.maximum(std, MP_SIGMA_FLOOR)}

    def _reference_distances(self, q, c, qs, self_query):
        """Dense ``(n_rows, n_reference)`` distances; self pairs at -inf."""
        ref = self.stats["ref"]
        cols = np.arange(len(c)) if ref is None else ref
        n_rows = qs.stop - qs.start
        out = np.empty((n_rows, len(cols)))
        step = max(1, 2**20 // max(len(cols), 1))
        for start in range(0, n_rows, step):
            rows = np.arange(start, min(start + step, n_rows))
            i = np.repeat(rows + qs.start, len(cols))
            j = np.tile(cols, len(rows))
            s = self.base.pairs(q, c, i, j).reshape(len(rows), -1)
            d = np.asarray(self.base.distance(s), dtype=np.float64)
            if self_query:
                d = np.where((rows + qs.start)[:, None] == cols[None, :], -np.inf, d)
            out[rows] = d
        return out

    def scorer(self, q, c, qs, *, self_query=False):
        return _MPScorer(self, q, c, qs, self_query)


class _Collect:
    """Reducer gathering the per-block dictionaries of statistics."""

    def block(self, scorer, qs, n_corpus, cols, make_scorer=None):
        return scorer.stats

    def combine(self, results, n_queries):
        if not results:
            return {}
        return {key: np.concatenate([r[key] for r in results]) for key in results[0]}


class _MPStatsOnly:
    """The statistics of a block of fitted rows (used by ``fit``)."""

    def __init__(self, measure, q, c, qs, self_query):
        base = measure.base.scorer(q, c, qs, self_query=self_query)
        self.stats = measure.query_stats(base, q, c, qs, self_query)


class _MPScorer:
    """Mutual proximity of a block: normal SF products or empiric counts."""

    #: Entries that cannot reach the running k-th best are not scored.
    uses_floor = True
    threshold_exact = True

    def __init__(self, measure, q, c, qs, self_query):
        self.m = measure
        self.base = measure.base.scorer(q, c, qs, self_query=self_query)
        self.q, self.c, self.qs = q, c, qs
        self.n_rows = qs.stop - qs.start
        self.slack = np.zeros(self.n_rows)
        self.normal = measure.options["method"] == "normal"
        self.self_query = self_query
        # the block's float64 tile, zero but for the entries last written
        self._tile = None
        self._written = None
        if measure.given_query_stats is not None:
            self.qstats = {k: v[qs] for k, v in measure.given_query_stats.items()}
        elif self_query:
            self.qstats = {
                key: value[qs]
                for key, value in measure.stats.items()
                if key in ("mu", "sigma", "ref_dist")
            }
        else:
            self.qstats = measure.query_stats(self.base, q, c, qs, False)

    def _similarities(self, cs, out=None):
        """Optimistic base similarities of a tile (in place in the scores)."""
        T = self.base.scores(cs, out=out)
        T += self.base.slack.astype(T.dtype)[:, None]
        return scores_to_similarity(self.m.base, self.base, T, cs)

    def _to_distance(self, S):
        """The base distances of a tile of similarities, in place when it can."""
        base = self.m.base
        if type(base).distance is not SimilarityMeasure.distance:
            return np.asarray(base.distance(S))
        if base.distance_kind == "one_minus":
            D = np.subtract(1.0, S, out=S)
        else:
            D = np.negative(S, out=S)
        if base.distance_bounds is not None:
            np.clip(D, *base.distance_bounds, out=D)
        return D

    def _start_floor(self, S, cs, count):
        """A floor that at least `count` real entries of each row reach.

        The entries of largest base similarity (smallest distance) are found
        without sorting (the group-maximum threshold); the count-th largest
        of their MP values is a floor that `count` real entries reach.
        """
        bound = group_max_threshold(S, count)
        if bound is None:
            return None
        rows, cols, s = entries_at_or_above(S, bound)
        d = np.asarray(self.m.base.distance(s.astype(np.float64)))
        cols = cols + cs.start
        mp = ndtr((self.qstats["mu"][rows] - d) / self.qstats["sigma"][rows])
        mp *= ndtr((self.m.stats["mu"][cols] - d) / self.m.stats["sigma"][cols])
        order, rank, _ = row_order(rows, mp, cols, S.shape[0])
        return mp[order[rank == count - 1]]

    def scores(self, cs, out=None, floor=None, count=None):
        S = self._similarities(cs, out)
        if not self.normal:
            return self._empiric(self._to_distance(S), cs)
        mu_q, sigma_q = self.qstats["mu"], self.qstats["sigma"]
        if count is not None and (floor is None or not np.all(floor > 0)):
            start = self._start_floor(S, cs, count)
            if start is not None:
                floor = start if floor is None else np.maximum(floor, start)
        D = self._to_distance(S)
        if floor is not None:
            # rows without a positive floor yet keep every entry (d_max = inf)
            return self._mp_above(D, mu_q, sigma_q, cs, floor)
        # MP saturates near 1 for close pairs: float64 keeps them apart, so
        # the top k can be proved without searching again
        D = D.astype(np.float64)
        dtype = D.dtype
        stats = self.m.stats
        A = np.subtract(mu_q[:, None].astype(dtype), D)
        A /= sigma_q[:, None].astype(dtype)
        ndtr(A, out=A)
        B = np.subtract(stats["mu"][cs].astype(dtype), D, out=D)
        B /= stats["sigma"][cs].astype(dtype)
        ndtr(B, out=B)
        B *= A
        return B

    def _mp_above(self, D, mu_q, sigma_q, cs, floor):
        """Normal MP of the entries that can reach `floor`; 0 for the others.

        ``MP <= SF(d; mu_q, sigma_q)``, so an entry reaches ``floor`` only if
        ``d <= mu_q - sigma_q * Phi^-1(floor)``: one comparison per entry,
        and the two survival functions for the few that pass.
        """
        stats = self.m.stats
        floor = np.clip(np.asarray(floor, dtype=np.float64), 0.0, 1.0)
        with np.errstate(over="ignore", invalid="ignore"):
            d_max = mu_q - sigma_q * ndtri(floor)  # +inf where floor is 0
            d_max += 8 * np.finfo(D.dtype).eps * (np.abs(d_max) + 1.0)  # rounding
        d_max = np.where(floor > 0, d_max, np.inf)
        flat = np.flatnonzero(D <= d_max.astype(D.dtype)[:, None])
        width = D.shape[1]
        rows, cols = flat // width, flat % width + cs.start
        d = D.reshape(-1)[flat].astype(np.float64)
        mp = ndtr((mu_q[rows] - d) / sigma_q[rows])
        mp *= ndtr((stats["mu"][cols] - d) / stats["sigma"][cols])
        out = self._zero_tile(D.shape)  # float64: see scores
        out.reshape(-1)[flat] = mp
        written = [flat]
        if self.self_query:  # the engine masks the self pairs in the tile
            r = np.arange(self.n_rows)
            c = self.qs.start + r - cs.start
            inside = (c >= 0) & (c < width)
            written.append(r[inside] * width + c[inside])
        self._written = np.concatenate(written)
        return out

    def _zero_tile(self, shape):
        """The block's float64 tile, reset to zeros where it was last written.

        Zeroing only the few entries written by the previous tile costs far
        less than a new tile each time (the tiles are a few MiB).
        """
        if self._tile is None or self._tile.shape != shape:
            self._tile = np.zeros(shape)
        elif self._written is not None:
            self._tile.reshape(-1)[self._written] = 0.0
        return self._tile

    def _empiric(self, D, cs):
        Dq = self.qstats["ref_dist"]
        Dc = self.m.stats["ref_dist"][cs]
        counts = np.zeros(D.shape, dtype=np.float64)
        for r in range(Dq.shape[1]):
            counts += (Dq[:, r, None] > D) & (Dc[None, :, r] > D)
        counts /= Dq.shape[1]
        return counts.astype(D.dtype)

    def _values(self, d, i, j):
        stats = self.m.stats
        if self.normal:
            sf_q = ndtr((self.qstats["mu"][i] - d) / self.qstats["sigma"][i])
            sf_c = ndtr((stats["mu"][j] - d) / stats["sigma"][j])
            return sf_q * sf_c
        Dq = self.qstats["ref_dist"][i]
        Dc = stats["ref_dist"][j]
        d = d[:, None]
        return ((Dq > d) & (Dc > d)).sum(axis=1) / Dq.shape[1]

    def pair_similarity(self, i, j):
        d = np.asarray(self.m.base.distance(self.base.pair_similarity(i, j)))
        return self._values(d, i, j)

    def similarities(self, cs):
        S = np.asarray(self.base.similarities(cs), dtype=np.float64)
        n, m = S.shape
        i = np.repeat(np.arange(n), m)
        j = np.tile(np.arange(cs.start, cs.stop), n)
        d = np.asarray(self.m.base.distance(S.ravel()))
        return self._values(d, i, j).reshape(n, m)

    def rank_threshold(self, similarity):
        return np.broadcast_to(
            np.asarray(similarity, dtype=np.float64), (self.n_rows,)
        ).copy()

    def affine(self):
        return None


_METHOD_CLASSES = {
    "csls": CSLSMeasure,
    "local_scaling": LocalScalingMeasure,
    "nicdm": NICDMMeasure,
    "mutual_proximity": MutualProximityMeasure,
    "dis_sim_local": DisSimLocalMeasure,
}


def check_hubness_params(hubness, hubness_params):
    """Validate `hubness_params` for `hubness` and fill in the defaults."""
    params = dict(hubness_params or {})
    if hubness is None:
        if params:
            raise ValueError(
                f"hubness_params={hubness_params!r} is given but hubness=None; "
                "choose a hubness reduction method or drop hubness_params."
            )
        return {}
    if hubness not in _METHOD_CLASSES:
        raise ValueError(
            f"hubness must be one of {sorted(_METHOD_CLASSES)} or None, got "
            f"{hubness!r}."
        )
    defaults = HUBNESS_DEFAULTS[hubness]
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(
            f"Unknown hubness_params {unknown} for hubness={hubness!r}; it "
            f"accepts: {', '.join(sorted(defaults))}."
        )
    params = {**defaults, **params}
    k = params.get("n_neighbors")
    if "n_neighbors" in params and (
        isinstance(k, (bool, np.bool_)) or not isinstance(k, Integral) or k < 1
    ):
        raise ValueError(
            f"hubness_params['n_neighbors'] must be a positive integer, got {k!r}."
        )
    if hubness == "mutual_proximity":
        if params["method"] not in ("normal", "empiric"):
            raise ValueError(
                "hubness_params['method'] must be 'normal' or 'empiric', got "
                f"{params['method']!r}."
            )
        m = params["n_samples"]
        if m is not None and (
            isinstance(m, (bool, np.bool_)) or not isinstance(m, Integral) or m < 2
        ):
            raise ValueError(
                "hubness_params['n_samples'] must be None or an integer >= 2, "
                f"got {m!r}."
            )
        seed = params["random_state"]
        if seed is not None and (
            isinstance(seed, (bool, np.bool_)) or not isinstance(seed, Integral)
        ):
            raise ValueError(
                "hubness_params['random_state'] must be None or an integer seed, "
                f"got {seed!r}."
            )
    return params
