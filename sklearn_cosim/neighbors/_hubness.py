"""Hubness reduction and query normalisation as wrappers of a similarity measure."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import threading
from numbers import Integral

import numpy as np
from scipy import sparse
from scipy.special import ndtr, ndtri

from sklearn_cosim.metrics._measures import (
    AngularMeasure,
    CosineMeasure,
    DotMeasure,
    EuclideanMeasure,
    PreparedRows,
    RadialCosineMeasure,
    ScaledCosineMeasure,
    SimilarityMeasure,
    SoftCosineMeasure,
    SqEuclideanMeasure,
    _gemm,
    _OneMinusDistance,
    _pair_dots,
    _row_norms64,
)
from sklearn_cosim.neighbors._engine import (
    TILE_COLUMNS,
    kneighbors_search,
    merge_block_topk,
)

#: Hubness reduction methods accepted by the ``hubness`` parameter.
HUBNESS_METHODS = (
    "csls",
    "mutual_proximity",
    "local_scaling",
    "nicdm",
    "dis_sim_local",
)

#: Default ``hubness_params`` of each method (see the user guide, methods §6.6).
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
#: Largest number of product columns for which moments are kept as a matrix.
_MAX_MOMENT_DIM = 4096

# Distances that are affine in the similarity: d = a * s + b.
_DISTANCE_AFFINE = {
    CosineMeasure: (-1.0, 1.0),
    DotMeasure: (-1.0, 0.0),
    SqEuclideanMeasure: (-1.0, 0.0),
    SoftCosineMeasure: (-1.0, 1.0),
    ScaledCosineMeasure: (-1.0, 1.0),
    RadialCosineMeasure: (-1.0, 1.0),
}


# ----------------------------------------------------------------------------------
# Helpers on base measures
# ----------------------------------------------------------------------------------
def _affine(measure, params, q, qs):
    """``(alpha, beta, post)`` with ``s = post(alpha * raw + beta)``, or None.

    ``raw = E_q . E_c + bias_c`` is the block product of the prepared rows;
    `alpha` and `beta` are scalars or per-query arrays; `post` is None or the
    name of an elementwise map. None means the similarity is not an
    elementwise function of the product (the block is computed exactly).
    """
    kind = type(measure)
    if kind in (CosineMeasure, DotMeasure, SoftCosineMeasure):
        return 1.0, 0.0, None
    if kind is AngularMeasure:
        return 1.0, 0.0, "angular"
    if kind is SqEuclideanMeasure:
        return 2.0, -(q.norms[qs] ** 2), None
    if kind is EuclideanMeasure:
        return 2.0, -(q.norms[qs] ** 2), "euclidean"
    if kind is ScaledCosineMeasure:
        return 1.0, (1.0 - params["alpha"]) * q.norms[qs], None
    if kind is RadialCosineMeasure:
        return measure._weights(q.norms[qs], params["beta"]), 0.0, None
    return None


def _as_column(value, dtype):
    if np.ndim(value) == 0:
        return dtype.type(value)
    return np.asarray(value, dtype=dtype)[:, None]


def _raw_block(q, c, qs, cs, out=None):
    """``E_q[qs] @ E_c[cs].T + bias_c[cs]`` in the dtype of the operands."""
    G = _gemm(q.E[qs], c.E[cs], out=out)
    bias = c.extra.get("bias")
    if bias is not None:
        G += bias[cs]
    return G


def _apply_post(G, post):
    if post == "angular":
        np.clip(G, -1.0, 1.0, out=G)
        np.arccos(G, out=G)
        G *= -1.0 / np.pi
        G += 1.0
    elif post == "euclidean":
        np.negative(G, out=G)
        np.maximum(G, 0.0, out=G)
        np.sqrt(G, out=G)
        np.negative(G, out=G)
    return G


def _similarity_tile(measure, params, q, c, qs, cs, out=None):
    """Similarities of a block, in the dtype of the data (fast when affine)."""
    form = _affine(measure, params, q, qs)
    if form is None:
        S = measure.similarity_block(q, c, qs, cs, params)
        dtype = getattr(q.X, "dtype", np.dtype(np.float64))
        return np.asarray(S, dtype=dtype)
    alpha, beta, post = form
    G = _raw_block(q, c, qs, cs, out=out)
    if not (np.ndim(alpha) == 0 and alpha == 1.0):
        G *= _as_column(alpha, G.dtype)
    if not (np.ndim(beta) == 0 and beta == 0.0):
        G += _as_column(beta, G.dtype)
    return _apply_post(G, post)


def _check_k(k, n_candidates, method):
    if k > n_candidates:
        raise ValueError(
            f"hubness={method!r} uses the {k} nearest neighbours of every fitted "
            f"sample, but only {n_candidates} other samples were fitted; pass "
            f"hubness_params={{'n_neighbors': k}} with k <= {n_candidates}."
        )


class _Moments:
    """First and second moments of the rows ``[E, bias]`` of a reference set.

    For a measure whose similarity is ``alpha_q * (E_q . E_c + bias_c) +
    beta_q``, the mean and variance of one query's similarities over the
    reference set follow from these moments in O(d^2) per query.
    """

    def __init__(self, E, bias):
        n = E.shape[0]
        step = max(1, 2**22 // max(E.shape[1] + 1, 1))
        dim = E.shape[1] + 1
        self.m1 = np.zeros(dim)
        self.m2 = np.zeros((dim, dim))
        for start in range(0, n, step):
            A = self._augment(E[start : start + step], bias, slice(start, start + step))
            self.m1 += np.asarray(A.sum(axis=0)).ravel()
            prod = A.T @ A
            self.m2 += prod.toarray() if sparse.issparse(prod) else prod
        self.n = n

    @staticmethod
    def _augment(E, bias, rows):
        """``[E, bias[rows]]`` in float64; `bias` None gives a zero column."""
        if bias is None:
            col = np.zeros((E.shape[0], 1))
        elif isinstance(bias, str):  # "ones": the query side
            col = np.ones((E.shape[0], 1))
        else:
            col = np.asarray(bias[rows], dtype=np.float64)[:, None]
        if sparse.issparse(E):
            return sparse.hstack([E.astype(np.float64), col], format="csr")
        return np.hstack([np.asarray(E, dtype=np.float64), col])

    def raw_moments(self, Eq):
        """Sum and sum of squares of ``[E_q, 1] . [E_c, bias_c]`` over the set."""
        A = self._augment(Eq, "ones", slice(None))
        if sparse.issparse(A):
            A = A.toarray()
        total = A @ self.m1
        sq = np.einsum("ij,ij->i", A @ self.m2, A)
        return total, sq

    def mean_std(self, q, c, self_index, ref):
        """Mean and std of each query's raw products over the set.

        With `self_index` (queries are the fitted rows), each query's product
        with itself is left out when its row is in the reference set `ref`
        (None: every row).
        """
        total, sq = self.raw_moments(q.E)
        count = np.full(len(q), float(self.n))
        if self_index is not None:
            in_ref = np.ones(len(q), bool) if ref is None else np.isin(self_index, ref)
            raw_self = _raw_self(q, c)
            total = total - np.where(in_ref, raw_self, 0.0)
            sq = sq - np.where(in_ref, raw_self**2, 0.0)
            count = count - in_ref
        return _mean_std(total, sq, count)


def _moments_supported(E):
    return E is not None and E.shape[1] + 1 <= _MAX_MOMENT_DIM


def _mean_std(total, sq, count):
    count = np.maximum(count, 1)
    mean = total / count
    var = np.maximum(sq / count - mean**2, 0.0)
    return mean, np.sqrt(var)


def _reference_indices(n, n_samples, random_state):
    """Sorted reference rows: all, or a seeded sample of `n_samples`."""
    if n_samples is None or n_samples >= n:
        return None
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=n_samples, replace=False))


# Measures whose queries are prepared exactly as the corpus (bias aside).


def _is_self_query(X, corpus):
    return corpus is not None and X is corpus.X


class _QueryNeighbours:
    """The `k` nearest fitted samples of each query, gathered during the search.

    Methods whose query statistics come from the query's own neighbours
    (CSLS, local scaling, NICDM, DisSim) do not need them to *rank*: the
    per-query term is constant along a row. The search therefore feeds every
    tile of base ranking scores here (one comparison pass over a tile, with
    the engine's threshold-and-merge), and the statistics of a block of
    queries are computed when its winners are re-scored, instead of in a
    second search over the whole corpus. Blocks cover disjoint rows, so
    threads never write the same slice.
    """

    def __init__(self, n_rows, k, dtype, corpus):
        self.k = k
        self.corpus = corpus
        self.values = np.full((n_rows, k), -np.inf, dtype=dtype)
        self.indices = np.full((n_rows, k), -1, dtype=np.intp)
        self.ready = np.zeros(n_rows, dtype=bool)
        self.seen = np.zeros(n_rows, dtype=np.intp)  # corpus columns tracked
        self.complete = False
        self.lock = threading.Lock()

    def update(self, T, qs, cs):
        """Merge a tile of base ranking scores ``T`` (rows `qs`, columns `cs`)."""
        self.seen[qs] += cs.stop - cs.start
        self.values[qs], self.indices[qs] = merge_block_topk(
            self.values[qs], self.indices[qs], T, cs.start, self.k
        )


# ----------------------------------------------------------------------------------
# Wrappers
# ----------------------------------------------------------------------------------
class _WrappedMeasure(SimilarityMeasure):
    """A measure computed from another (the *base*) with fitted statistics.

    Prepared rows hold the base's prepared rows in ``extra["base"]``; the
    engine sees the wrapper only.
    """

    method = None

    def __init__(self, base, base_params, options=None, n_jobs=None):
        self.base = base
        self.base_params = base_params
        self.options = dict(options or {})
        self.n_jobs = n_jobs
        self.name = base.name
        self.accepts_sparse = base.accepts_sparse

    def check_params(self, params):
        return dict(params or {})

    def _base_rows(self, X, corpus):
        base_corpus = None if corpus is None else corpus.extra["base"]
        return self.base.prepare(X, self.base_params, corpus=base_corpus)

    def _query_view(self, rows):
        """Wrapper rows of the corpus prepared as queries (for fit statistics)."""
        base = rows.extra["base"]
        if not self.base.queries_as_corpus:
            base = self.base.prepare(rows.X, self.base_params, corpus=base)
        return PreparedRows(rows.X, E=base.E, norms=base.norms, base=base)

    def _knn(self, q, c, k, exclude_self):
        _check_k(k, len(c) - exclude_self, self.method)
        return kneighbors_search(
            self.base,
            self.base_params,
            q,
            c,
            k,
            exclude_self=exclude_self,
            n_jobs=self.n_jobs,
        )

    def _base_similarity(self, q, c, qs, cs, out=None):
        return _similarity_tile(
            self.base, self.base_params, q.extra["base"], c.extra["base"], qs, cs, out
        )

    def _base_pairs(self, q, c, i, j):
        return self.base.similarity_pairs(
            q.extra["base"], c.extra["base"], i, j, self.base_params
        )

    def _base_distance(self, s):
        return np.asarray(self.base.distance(s, self.base_params))

    #: Whether the query statistics come from the query's own k nearest
    #: fitted samples and can be gathered during the search (see
    #: :class:`_QueryNeighbours`); such methods define ``_query_stats``.
    lazy_query_stats = False

    def prepare(self, X, params, corpus=None):
        base_rows = self._base_rows(X, corpus)
        rows = PreparedRows(X, E=base_rows.E, norms=base_rows.norms, base=base_rows)
        if corpus is None:
            self._fit_rows(rows)
        elif _is_self_query(X, corpus):
            self._copy_rows(rows, corpus)
        elif self.lazy_query_stats:
            _check_k(self.options["n_neighbors"], len(corpus), self.method)
            n = X.shape[0]
            for key in self._row_keys:
                rows.extra[key] = np.full(n, np.nan)
            self._query_eager_stats(rows, corpus)
            dtype = getattr(rows.E, "dtype", np.dtype(np.float64))
            rows.extra["pending"] = _QueryNeighbours(
                n, self.options["n_neighbors"], dtype, corpus
            )
        else:
            self._query_rows(rows, corpus)
        return rows

    def _query_eager_stats(self, rows, corpus):
        """Statistics of lazy methods that need no neighbours (set at prepare)."""

    def _query_rows(self, rows, corpus):
        """Query statistics from a separate search (the eager path)."""
        k = self.options["n_neighbors"]
        sims, ind = self._knn(rows.extra["base"], corpus.extra["base"], k, False)
        idx = np.arange(len(rows))
        for key in self._row_keys:
            rows.extra.setdefault(key, np.full(len(rows), np.nan))
        self._query_eager_stats(rows, corpus)
        self._query_stats(rows, corpus, idx, sims, ind)

    def _extra_bias(self, c):
        """What the wrapper adds to the base's corpus bias (float64, cached)."""
        extra = c.extra.get("extra_bias")
        if extra is None:
            base_bias = c.extra["base"].extra.get("bias")
            extra = c.extra["bias"].astype(np.float64)
            if base_bias is not None:
                extra = extra - base_bias
            c.extra["extra_bias"] = extra
        return extra

    def _track_raw(self, q, c, qs, cs, G):
        """Track a raw block whose corpus bias includes the wrapper's term."""
        pending = q.extra.get("pending")
        if pending is not None and not pending.complete:
            pending.update(G - self._extra_bias(c)[cs].astype(G.dtype), qs, cs)

    def _track(self, q, qs, cs, T):
        """Feed a tile of base ranking scores to the pending query neighbours."""
        pending = q.extra.get("pending")
        if pending is not None and not pending.complete:
            pending.update(T, qs, cs)

    def _ready(self, q, i=None):
        """Make the query statistics of rows `i` (all when None) available.

        Rows whose tiles were all tracked are finished from the gathered
        neighbours; otherwise (radius search, query normalisation, which need
        the statistics before the tiles) every row is computed by a separate
        search once.
        """
        pending = q.extra.get("pending")
        if pending is None or pending.complete:
            return
        c = pending.corpus
        if i is not None:
            rows = np.unique(i)
            rows = rows[~pending.ready[rows]]
            if rows.size == 0:
                return
            if np.any(pending.seen[rows] < len(c)):
                i = None  # asked before the search saw every tile: search now
        if i is None:
            with pending.lock:
                if not pending.complete:
                    self._query_rows(q, c)
                    pending.complete = True
            return
        ind = pending.indices[rows]
        k = ind.shape[1]
        sims = self.base.similarity_pairs(
            q.extra["base"],
            c.extra["base"],
            np.repeat(rows, k),
            ind.ravel(),
            self.base_params,
        ).reshape(len(rows), k)
        order = np.lexsort((ind, -sims), axis=-1)
        sims = np.take_along_axis(sims, order, axis=1)
        ind = np.take_along_axis(ind, order, axis=1)
        self._query_stats(q, c, rows, sims, ind)
        pending.ready[rows] = True

    # per-row statistics: subclasses set them in rows.extra
    def _fit_rows(self, rows):  # pragma: no cover - abstract
        raise NotImplementedError

    def _copy_rows(self, rows, corpus):
        for key in self._row_keys:
            rows.extra[key] = corpus.extra[key]

    def similarity_block(self, q, c, qs, cs, params):
        rows = np.arange(qs.start, qs.stop)
        cols = np.arange(cs.start, cs.stop)
        i = np.repeat(rows, len(cols))
        j = np.tile(cols, len(rows))
        return self.similarity_pairs(q, c, i, j, params).reshape(len(rows), -1)

    def linear_form(self, q, qs):
        """``(alpha, beta)`` with ``s = alpha * (E_q . E_c + bias_c) + beta``."""
        return None

    def __repr__(self):
        return f"<{type(self).__name__} of {self.base!r}>"


class CSLSMeasure(_WrappedMeasure):
    """Cross-domain similarity local scaling (Conneau et al. 2018).

    ``CSLS(x, y) = 2 s(x, y) - r_T(x) - r_S(y)`` with ``r`` the mean
    similarity of an object to its `n_neighbors` most similar fitted samples
    (a fitted sample never counts itself).
    """

    method = "csls"
    _row_keys = ("r",)

    def _fold(self):
        """Scalar alpha of an affine base without post-map: fold r_S into the bias."""
        kind = type(self.base)
        if kind in (CosineMeasure, DotMeasure, SoftCosineMeasure, ScaledCosineMeasure):
            return 1.0
        if kind is SqEuclideanMeasure:
            return 2.0
        return None

    def _fit_rows(self, rows):
        k = self.options["n_neighbors"]
        view = self._query_view(rows)
        sims, _ = self._knn(view.extra["base"], rows.extra["base"], k, True)
        rows.extra["r"] = sims.mean(axis=1)
        alpha = self._fold()
        if alpha is not None:
            base_bias = rows.extra["base"].extra.get("bias")
            bias = -rows.extra["r"] / (2.0 * alpha)
            if base_bias is not None:
                bias = bias + base_bias
            dtype = getattr(rows.E, "dtype", np.dtype(np.float64))
            rows.extra["bias"] = bias.astype(dtype)

    lazy_query_stats = True

    def _query_stats(self, rows, corpus, idx, sims, ind):
        rows.extra["r"][idx] = sims.mean(axis=1)

    def scores(self, q, c, qs, cs, params, out=None):
        if self._fold() is not None:
            G = _raw_block(q, c, qs, cs, out=out)
            self._track_raw(q, c, qs, cs, G)
            return G
        S = self._base_similarity(q, c, qs, cs, out)
        self._track(q, qs, cs, S)
        S *= 2.0
        S -= c.extra["r"][cs].astype(S.dtype)
        return S

    def similarity_pairs(self, q, c, i, j, params):
        self._ready(q, i)
        s = self._base_pairs(q, c, i, j)
        return 2.0 * s - q.extra["r"][i] - c.extra["r"][j]

    def _alpha_beta(self, q, qs):
        alpha, beta, _ = _affine(self.base, self.base_params, q.extra["base"], qs)
        return alpha, beta

    def linear_form(self, q, qs):
        alpha = self._fold()
        if alpha is None:
            return None
        self._ready(q)
        _, beta = self._alpha_beta(q, qs)
        return 2.0 * alpha, 2.0 * beta - q.extra["r"][qs]

    def score_threshold(self, min_similarity, q, qs, params):
        self._ready(q)
        alpha = self._fold()
        if alpha is None:
            return min_similarity + q.extra["r"][qs]
        _, beta = self._alpha_beta(q, qs)
        return (min_similarity - 2.0 * beta + q.extra["r"][qs]) / (2.0 * alpha)


class _DistanceScaled(_WrappedMeasure):
    """Methods that work on the base measure's distances."""

    def _check_base(self):
        if not self.base.nonnegative_distance:
            raise ValueError(
                f"hubness={self.method!r} works on non-negative distances, but "
                f"metric={self.base.name!r} can report negative ones; use a "
                "measure such as 'cosine', 'angular' or 'euclidean'."
            )

    def _scales(self, sims):
        """``(scale, 1 / column scale)`` of rows from their k nearest similarities."""
        scale = np.maximum(self._scale(self._base_distance(sims)), SCALE_FLOOR)
        return scale, 1.0 / self._column_scale(scale)

    def _column_scale(self, scale):
        return scale

    def _fit_rows(self, rows):
        self._check_base()
        view = self._query_view(rows).extra["base"]
        k = self.options["n_neighbors"]
        sims, _ = self._knn(view, rows.extra["base"], k, True)
        scale, inv = self._scales(sims)
        dtype = getattr(rows.E, "dtype", np.dtype(np.float64))
        rows.extra["scale"], rows.extra["inv_scale"] = scale, inv.astype(dtype)

    lazy_query_stats = True
    _row_keys = ("scale", "inv_scale")

    def _query_eager_stats(self, rows, corpus):
        self._check_base()

    def _query_stats(self, rows, corpus, idx, sims, ind):
        rows.extra["scale"][idx], rows.extra["inv_scale"][idx] = self._scales(sims)


class LocalScalingMeasure(_OneMinusDistance, _DistanceScaled):
    """Local scaling: similarity ``exp(-d^2 / (sigma_x sigma_y))``.

    ``sigma_x`` is the distance of `x` to its `n_neighbors`-th nearest fitted
    sample (self excluded); the distance reported is ``1 - similarity``.
    """

    method = "local_scaling"
    nonnegative_distance = True
    distance_bounds = (0.0, 1.0)

    def _scale(self, dist):
        return dist[:, -1]

    def scores(self, q, c, qs, cs, params, out=None):
        S = self._base_similarity(q, c, qs, cs, out)
        self._track(q, qs, cs, S)
        D = self._base_distance(S)
        np.multiply(D, D, out=D)
        D *= -c.extra["inv_scale"][cs]
        return D

    def similarity_pairs(self, q, c, i, j, params):
        self._ready(q, i)
        d = self._base_distance(self._base_pairs(q, c, i, j))
        return np.exp(-(d**2) / (q.extra["scale"][i] * c.extra["scale"][j]))

    def score_threshold(self, min_similarity, q, qs, params):
        self._ready(q)
        scale = q.extra["scale"][qs]
        t = np.broadcast_to(np.asarray(min_similarity, dtype=np.float64), scale.shape)
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

    def _scale(self, dist):
        return dist.mean(axis=1)

    def _column_scale(self, scale):
        return np.sqrt(scale)

    def scores(self, q, c, qs, cs, params, out=None):
        S = self._base_similarity(q, c, qs, cs, out)
        self._track(q, qs, cs, S)
        D = self._base_distance(S)
        D *= -c.extra["inv_scale"][cs]
        return D

    def similarity_pairs(self, q, c, i, j, params):
        self._ready(q, i)
        d = self._base_distance(self._base_pairs(q, c, i, j))
        return -d / np.sqrt(q.extra["scale"][i] * c.extra["scale"][j])

    def score_threshold(self, min_similarity, q, qs, params):
        self._ready(q)
        return min_similarity * np.sqrt(q.extra["scale"][qs])

    def distance(self, similarity, params):
        return np.maximum(-similarity, 0.0)


class MutualProximityMeasure(_OneMinusDistance, _WrappedMeasure):
    """Mutual proximity (Schnitzer et al. 2012) of the base distances.

    ``method="normal"``: ``MP(x, y) = SF(d; mu_x, sigma_x) SF(d; mu_y,
    sigma_y)`` with the mean and standard deviation (ddof 0) of each object's
    distances to every fitted sample (self excluded), SF the normal survival
    function. ``method="empiric"``: the share of reference samples ``j``
    farther from both, ``|{j: d_xj > d_xy and d_yj > d_yx}| / n_reference``.
    The distance reported is ``1 - MP``.
    """

    method = "mutual_proximity"
    nonnegative_distance = True
    distance_bounds = (0.0, 1.0)

    @property
    def _row_keys(self):
        if self.options["method"] == "normal":
            return ("mu", "sigma")
        return ("ref_dist",)

    def _reference(self, n):
        if not hasattr(self, "_ref_cache") or self._ref_cache[0] != n:
            ref = _reference_indices(
                n, self.options["n_samples"], self.options["random_state"]
            )
            self._ref_cache = (n, ref)
        return self._ref_cache[1]

    # -- distance moments over the reference set ------------------------------------
    def _distance_moments(self, q, c, self_index):
        """Mean and std of each query's base distances to the reference rows."""
        qb, cb = q.extra["base"], c.extra["base"]
        ref = c.extra["ref"]
        affine = _affine(self.base, self.base_params, qb, slice(0, len(qb)))
        dist_affine = _DISTANCE_AFFINE.get(type(self.base))
        if (
            affine is not None
            and affine[2] is None
            and dist_affine is not None
            and "moments" in c.extra
        ):
            alpha, beta, _ = affine
            mean_raw, std_raw = c.extra["moments"].mean_std(qb, cb, self_index, ref)
            mean_s = alpha * mean_raw + beta
            std_s = np.abs(alpha) * std_raw
            a, b = dist_affine
            return a * mean_s + b, abs(a) * std_s
        total = np.zeros(len(qb))
        sq = np.zeros(len(qb))
        count = np.zeros(len(qb))
        for D, cols, qs in self._distance_tiles(q, c, ref):
            mask = np.ones(D.shape, dtype=bool)
            if self_index is not None:
                mask &= self_index[qs][:, None] != cols[None, :]
            Dm = np.where(mask, D, 0.0)
            total[qs] += Dm.sum(axis=1)
            sq[qs] += (Dm**2).sum(axis=1)
            count[qs] += mask.sum(axis=1)
        return _mean_std(total, sq, count)

    def _distance_tiles(self, q, c, ref, pairs=False):
        """Exact float64 distances of the queries to the reference columns.

        With `pairs`, the distances come from ``similarity_pairs`` (the same
        rounding as the pair values compared with them, so ties stay ties).
        """
        n_q, n_c = len(q), len(c)
        rows = max(1, 2**20 // max(n_c, 1))
        for qstart in range(0, n_q, rows):
            qs = slice(qstart, min(qstart + rows, n_q))
            for cstart in range(0, n_c, TILE_COLUMNS):
                cs = slice(cstart, min(cstart + TILE_COLUMNS, n_c))
                cols = np.arange(cs.start, cs.stop)
                if ref is not None:
                    keep = np.isin(cols, ref)
                    if not keep.any():
                        continue
                if pairs:
                    i = np.repeat(np.arange(qs.start, qs.stop), len(cols))
                    j = np.tile(cols, qs.stop - qs.start)
                    S = self.base.similarity_pairs(
                        q.extra["base"], c.extra["base"], i, j, self.base_params
                    ).reshape(qs.stop - qs.start, -1)
                else:
                    S = self.base.similarity_block(
                        q.extra["base"], c.extra["base"], qs, cs, self.base_params
                    )
                D = self._base_distance(np.asarray(S, dtype=np.float64))
                if ref is not None:
                    D, cols = D[:, keep], cols[keep]
                yield D, cols, qs

    def _reference_distances(self, q, c, self_index):
        """Dense ``(n_queries, n_reference)`` distances; self pairs at -inf."""
        ref = c.extra["ref"]
        n_ref = len(c) if ref is None else len(ref)
        out = np.empty((len(q), n_ref))
        for D, cols, qs in self._distance_tiles(q, c, ref, pairs=True):
            pos = cols if ref is None else np.searchsorted(ref, cols)
            block = D
            if self_index is not None:
                block = np.where(self_index[qs][:, None] == cols[None, :], -np.inf, D)
            out[qs, pos[0] : pos[-1] + 1] = block
        return out

    def _fit_rows(self, rows):
        n = len(rows)
        if n < 2:
            raise ValueError(
                f"hubness='mutual_proximity' needs at least 2 fitted samples, got {n}."
            )
        ref = self._reference(n)
        rows.extra["ref"] = ref
        cb = rows.extra["base"]
        if (
            self.options["method"] == "normal"
            and type(self.base) in _DISTANCE_AFFINE
            and _moments_supported(cb.E)
        ):
            bias = cb.extra.get("bias")
            if ref is not None:
                bias = None if bias is None else bias[ref]
                rows.extra["moments"] = _Moments(cb.E[ref], bias)
            else:
                rows.extra["moments"] = _Moments(cb.E, bias)
        view = self._query_view(rows)
        self._stats(view, rows, np.arange(n))
        for key in self._row_keys:
            rows.extra[key] = view.extra[key]

    def _stats(self, rows, corpus, self_index):
        if self.options["method"] == "normal":
            mu, sigma = self._distance_moments(rows, corpus, self_index)
            rows.extra["mu"] = mu
            rows.extra["sigma"] = np.maximum(sigma, MP_SIGMA_FLOOR)
        else:
            rows.extra["ref_dist"] = self._reference_distances(rows, corpus, self_index)

    def _query_rows(self, rows, corpus):
        self._stats(rows, corpus, None)

    def _mp_above(self, D, mu_q, sigma_q, c, cs, floor):
        """Normal MP of the entries that can reach `floor`; 0 for the others.

        ``MP <= SF(d; mu_q, sigma_q)``, so an entry reaches ``floor`` only if
        ``d <= mu_q - sigma_q * Phi^-1(floor)``: one comparison per entry,
        and the two survival functions for the few that pass.
        """
        d_max = mu_q - sigma_q * ndtri(np.minimum(floor.astype(np.float64), 1.0))
        d_max += 8 * np.finfo(D.dtype).eps * (np.abs(d_max) + 1.0)  # rounding of D
        flat = np.flatnonzero(D <= d_max.astype(D.dtype)[:, None])
        width = D.shape[1]
        rows, cols = flat // width, flat % width + cs.start
        d = D.reshape(-1)[flat].astype(np.float64)
        mp = ndtr((mu_q[rows] - d) / sigma_q[rows])
        mp *= ndtr((c.extra["mu"][cols] - d) / c.extra["sigma"][cols])
        D[...] = 0.0
        D.reshape(-1)[flat] = mp
        return D

    def _mp(self, D, mu_q, sigma_q, mu_c, sigma_c):
        """Normal MP of a distance block (rows: queries, columns: corpus)."""
        A = np.subtract(mu_q, D)
        A /= sigma_q
        ndtr(A, out=A)
        B = np.subtract(mu_c, D, out=D)
        B /= sigma_c
        ndtr(B, out=B)
        B *= A
        return B

    @property
    def accepts_floor(self):
        return self.options["method"] == "normal"

    def scores(self, q, c, qs, cs, params, out=None, floor=None):
        S = self._base_similarity(q, c, qs, cs, out)
        D = self._base_distance(S)
        if self.options["method"] == "normal":
            dtype = D.dtype
            mu_q, sigma_q = q.extra["mu"][qs], q.extra["sigma"][qs]
            if floor is not None and np.all(floor > 0):
                return self._mp_above(D, mu_q, sigma_q, c, cs, floor)
            return self._mp(
                D,
                mu_q[:, None].astype(dtype),
                sigma_q[:, None].astype(dtype),
                c.extra["mu"][cs].astype(dtype),
                c.extra["sigma"][cs].astype(dtype),
            )
        Dq = q.extra["ref_dist"][qs]
        Dc = c.extra["ref_dist"][cs]
        counts = np.zeros(D.shape, dtype=np.float64)
        for r in range(Dq.shape[1]):
            counts += (Dq[:, r, None] > D) & (Dc[None, :, r] > D)
        counts /= Dq.shape[1]
        return counts.astype(D.dtype)

    def similarity_pairs(self, q, c, i, j, params):
        d = self._base_distance(self._base_pairs(q, c, i, j))
        if self.options["method"] == "normal":
            sf_q = ndtr((q.extra["mu"][i] - d) / q.extra["sigma"][i])
            sf_c = ndtr((c.extra["mu"][j] - d) / c.extra["sigma"][j])
            return sf_q * sf_c
        Dq = q.extra["ref_dist"][i]
        Dc = c.extra["ref_dist"][j]
        d = d[:, None]
        return ((Dq > d) & (Dc > d)).sum(axis=1) / Dq.shape[1]

    def score_threshold(self, min_similarity, q, qs, params):
        return np.full(qs.stop - qs.start, float(min_similarity))


def _raw_self(q, c):
    """``[E_i, 1] . [E_i, bias_i]`` of fitted rows queried against themselves."""
    n = len(q)
    idx = np.arange(n)
    raw = _pair_dots(q.E, c.E, idx, idx)
    bias = c.extra.get("bias")
    if bias is not None:
        raw = raw + bias
    return raw


class DisSimLocalMeasure(_WrappedMeasure):
    """DisSim-local (Hara et al. 2016) on squared Euclidean distances.

    ``DisSim(x, y) = |x - y|^2 - |x - c_k(x)|^2 - |y - c_k(y)|^2`` with
    ``c_k(z)`` the mean of the `n_neighbors` nearest fitted samples of `z`
    (self excluded). Cosine and angular work on the unit rows (whose squared
    Euclidean distances are ``2 - 2 cos``), euclidean and sqeuclidean on the
    rows. The similarity is ``-DisSim``, which can be positive.
    """

    method = "dis_sim_local"
    _row_keys = ("r", "sq_norms")

    def _check_base(self):
        if type(self.base) not in (
            CosineMeasure,
            AngularMeasure,
            EuclideanMeasure,
            SqEuclideanMeasure,
        ):
            raise ValueError(
                "hubness='dis_sim_local' works on squared Euclidean distances "
                "of vectors: use metric='cosine' or 'angular' (unit rows) or "
                f"'euclidean'/'sqeuclidean', got metric={self.base.name!r}."
            )

    def _residuals(self, V, ind, corpus_V):
        """``|v - mean(corpus_V[ind])|^2`` for every row of `V`."""
        n, k = ind.shape
        P = sparse.csr_matrix(
            (np.full(n * k, 1.0 / k), ind.ravel(), np.arange(0, n * k + 1, k)),
            shape=(n, corpus_V.shape[0]),
        )
        V64 = V.astype(np.float64) if V.dtype != np.float64 else V
        C64 = corpus_V.astype(np.float64) if corpus_V.dtype != np.float64 else corpus_V
        cent = P @ C64
        diff = V64 - cent
        if sparse.issparse(diff):
            return np.asarray(diff.multiply(diff).sum(axis=1)).ravel()
        return np.einsum("ij,ij->i", diff, diff)

    def _set_rows(self, rows, r):
        V = rows.E
        sq = _row_norms64(V) ** 2
        rows.extra["r"] = r
        rows.extra["sq_norms"] = sq
        return sq

    def _fit_rows(self, rows):
        self._check_base()
        base = rows.extra["base"]
        _, ind = self._knn(base, base, self.options["n_neighbors"], True)
        sq = self._set_rows(rows, self._residuals(rows.E, ind, rows.E))
        dtype = getattr(rows.E, "dtype", np.dtype(np.float64))
        rows.extra["bias"] = (0.5 * (rows.extra["r"] - sq)).astype(dtype)

    lazy_query_stats = True

    def _query_eager_stats(self, rows, corpus):
        self._check_base()
        rows.extra["sq_norms"] = _row_norms64(rows.E) ** 2

    def _query_stats(self, rows, corpus, idx, sims, ind):
        rows.extra["r"][idx] = self._residuals(rows.E[idx], ind, corpus.E)

    def scores(self, q, c, qs, cs, params, out=None):
        G = _raw_block(q, c, qs, cs, out=out)
        self._track_raw(q, c, qs, cs, G)
        return G

    def similarity_pairs(self, q, c, i, j, params):
        self._ready(q, i)
        dots = _pair_dots(q.E, c.E, i, j)
        sq = np.maximum(q.extra["sq_norms"][i] + c.extra["sq_norms"][j] - 2 * dots, 0)
        return -(sq - q.extra["r"][i] - c.extra["r"][j])

    def linear_form(self, q, qs):
        self._ready(q)
        return 2.0, q.extra["r"][qs] - q.extra["sq_norms"][qs]

    def score_threshold(self, min_similarity, q, qs, params):
        self._ready(q)
        return 0.5 * (min_similarity + q.extra["sq_norms"][qs] - q.extra["r"][qs])


class QueryNormalizedMeasure(SimilarityMeasure):
    """Z-score each query's similarities over a reference set of fitted rows.

    ``z(q, c) = (s(q, c) - mu_q) / sigma_q`` with the mean and standard
    deviation (ddof 0) of ``s(q, .)`` over the reference set (every fitted
    sample, or a seeded sample of them; a fitted sample queried with
    ``X=None`` leaves itself out). ``sigma_q = 0`` is replaced by 1. The
    ranking of each query is the inner measure's; only the values change.
    The distance reported is ``-z``.
    """

    def __init__(self, inner, base_params, n_samples=None, random_state=0):
        self.inner = inner
        self.base_params = base_params
        self.n_samples = n_samples
        self.random_state = random_state
        self.name = inner.name
        self.accepts_sparse = inner.accepts_sparse

    def check_params(self, params):
        return dict(params or {})

    def _linear(self, q, qs):
        if isinstance(self.inner, _WrappedMeasure):
            return self.inner.linear_form(q, qs)
        form = _affine(self.inner, self.base_params, q, qs)
        if form is None or form[2] is not None:
            return None
        return form[0], form[1]

    def prepare(self, X, params, corpus=None):
        rows = self.inner.prepare(X, params, corpus=corpus)
        if corpus is None:
            ref = _reference_indices(len(rows), self.n_samples, self.random_state)
            rows.extra["qn_ref"] = ref
            if self._linear(rows, slice(0, 0)) is not None and _moments_supported(
                rows.E
            ):
                bias = rows.extra.get("bias")
                if ref is None:
                    rows.extra["qn_moments"] = _Moments(rows.E, bias)
                else:
                    bias = None if bias is None else bias[ref]
                    rows.extra["qn_moments"] = _Moments(rows.E[ref], bias)
            return rows
        self_index = np.arange(len(rows)) if _is_self_query(X, corpus) else None
        mu, sigma = self._moments(rows, corpus, self_index)
        rows.extra["qn_mu"] = mu
        rows.extra["qn_sigma"] = np.where(sigma > 0, sigma, 1.0)
        return rows

    def _moments(self, q, c, self_index):
        ref = c.extra["qn_ref"]
        whole = slice(0, len(q))
        form = self._linear(q, whole)
        if form is not None and "qn_moments" in c.extra:
            alpha, beta = form
            mean, std = c.extra["qn_moments"].mean_std(q, c, self_index, ref)
            return alpha * mean + beta, np.abs(alpha) * std
        total = np.zeros(len(q))
        sq = np.zeros(len(q))
        count = np.zeros(len(q))
        n_c = len(c)
        rows_per = max(1, 2**18 // max(n_c, 1))
        for qstart in range(0, len(q), rows_per):
            qs = slice(qstart, min(qstart + rows_per, len(q)))
            for cstart in range(0, n_c, TILE_COLUMNS):
                cs = slice(cstart, min(cstart + TILE_COLUMNS, n_c))
                cols = np.arange(cs.start, cs.stop)
                mask = np.ones((qs.stop - qs.start, len(cols)), dtype=bool)
                if ref is not None:
                    mask &= np.isin(cols, ref)[None, :]
                    if not mask.any():
                        continue
                if self_index is not None:
                    mask &= self_index[qs][:, None] != cols[None, :]
                S = np.asarray(
                    self.inner.similarity_block(q, c, qs, cs, self.base_params),
                    dtype=np.float64,
                )
                S = np.where(mask, S, 0.0)
                total[qs] += S.sum(axis=1)
                sq[qs] += (S**2).sum(axis=1)
                count[qs] += mask.sum(axis=1)
        return _mean_std(total, sq, count)

    def scores(self, q, c, qs, cs, params, out=None):
        return self.inner.scores(q, c, qs, cs, params, out=out)

    def similarity_pairs(self, q, c, i, j, params):
        s = self.inner.similarity_pairs(q, c, i, j, params)
        return (s - q.extra["qn_mu"][i]) / q.extra["qn_sigma"][i]

    def similarity_block(self, q, c, qs, cs, params):
        S = np.asarray(self.inner.similarity_block(q, c, qs, cs, params), np.float64)
        return (S - q.extra["qn_mu"][qs, None]) / q.extra["qn_sigma"][qs, None]

    def score_threshold(self, min_similarity, q, qs, params):
        inner_min = q.extra["qn_mu"][qs] + q.extra["qn_sigma"][qs] * min_similarity
        try:
            thresholds = self.inner.score_threshold(inner_min, q, qs, params)
        except (TypeError, ValueError):
            return None
        if thresholds is None or np.shape(thresholds) != (qs.stop - qs.start,):
            return None
        return np.asarray(thresholds, dtype=np.float64)

    def __repr__(self):
        return f"<QueryNormalizedMeasure of {self.inner!r}>"


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
    return params


def wrap_measure(
    measure,
    params,
    *,
    hubness=None,
    hubness_params=None,
    query_normalize=False,
    n_jobs=None,
):
    """The measure the engine runs for the given hubness/normalisation options."""
    options = check_hubness_params(hubness, hubness_params)
    wrapped = measure
    if hubness is not None:
        wrapped = _METHOD_CLASSES[hubness](measure, params, options, n_jobs=n_jobs)
        if isinstance(wrapped, _DistanceScaled):
            wrapped._check_base()
        if isinstance(wrapped, DisSimLocalMeasure):
            wrapped._check_base()
    if query_normalize is not False and query_normalize is not None:
        if isinstance(query_normalize, (bool, np.bool_)):
            n_samples = None
        elif isinstance(query_normalize, Integral) and query_normalize >= 2:
            n_samples = int(query_normalize)
        else:
            raise ValueError(
                "query_normalize must be a boolean or an integer >= 2 (the size "
                f"of a seeded reference sample), got {query_normalize!r}."
            )
        if query_normalize is True or n_samples is not None:
            wrapped = QueryNormalizedMeasure(wrapped, params, n_samples=n_samples)
    return wrapped
