"""Approximate candidates from faiss or hnswlib, re-ranked by the exact engine.

The index holds the rows of a measure's inner-product form
(:meth:`~sklearn_cosim.metrics.SimilarityMeasure.to_inner_product`), mapped
to unit rows so that an inner-product index ranks them exactly as the form
does (maximum inner-product search through a cosine index, Bachrach et al.
2014): ``g(c) = [v/M, sqrt(1 - |v|^2 / M^2)]`` and ``f(q) = [u/|u|, 0]`` with
``v``, ``u`` the two sides of the form and ``M`` the largest ``|v|``. The
extra column is left out when every corpus row of the form has the same
norm (cosine). Euclidean and squared Euclidean distances are searched in an
L2 index of the rows themselves instead: their form ``[q, 1] . [c, -|c|^2/2]``
is dominated by the norm column once rows sit far from the origin, and an
IVF or graph index of its unit rows then groups rows by norm, not by place
(recall 0.4 where the L2 index gives 1.0). The index returns
``n_candidates`` rows per query; the exact engine scores them with the
fitted measure (hubness reduction and query normalisation included) and
keeps the best ``k``: the similarities returned
are exact and only the recall is approximate.

The corpus rows themselves stay in the estimator (the prepared rows of the
exact engine); the index is the backend's. Search-time knobs (``nprobe``,
``efSearch``, ``ef``, ``n_candidates``) are read from ``algorithm_params``
at every search, so ``set_params`` changes them without rebuilding.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import re
import time
from numbers import Integral
from typing import Any

import numpy as np
from scipy import sparse

from sklearn_cosim.metrics._measures import (
    CallableMeasure,
    CosineMeasure,
    SqEuclideanMeasure,
)
from sklearn_cosim.neighbors._hubness import HubnessMeasure
from sklearn_cosim.neighbors._query_normalization import QueryNormalizedMeasure
from sklearn_cosim.neighbors._search import kneighbors_search
from sklearn_cosim.utils._progress import Progress
from sklearn_cosim.utils._threads import effective_n_jobs
from sklearn_cosim.utils._typing import MatrixLike

#: Corpus size from which ``algorithm="auto"`` searches approximately.
AUTO_MIN_SAMPLES = 200_000

ALGORITHMS = ("auto", "brute", "faiss", "hnswlib")

_EXTRA = 'pip install "sklearn_cosim[ann]"'

#: Accepted ``algorithm_params`` keys and whether they are read at search time.
_FAISS_KEYS = {"index": False, "nprobe": True, "efSearch": True, "n_candidates": True}
_HNSWLIB_KEYS = {
    "M": False,
    "ef_construction": False,
    "ef": True,
    "n_candidates": True,
}

#: Query rows per candidate search and re-rank.
_BLOCK = 4096
#: Corpus rows per chunk added to an index (bounds the mapped copy).
_ADD_CHUNK = 65536


def import_backend(name):
    """The backend module, or ImportError naming the ``ann`` extra."""
    try:
        if name == "faiss":
            import faiss

            return faiss
        import hnswlib

        return hnswlib
    except ImportError as exc:
        raise ImportError(
            f"algorithm={name!r} needs the {name} package, part of the 'ann' "
            f"extra: {_EXTRA}."
        ) from exc


def _positive_int(key, value):
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, Integral)
        or value < 1
    ):
        raise ValueError(
            f"algorithm_params[{key!r}] must be a positive integer, got {value!r}."
        )
    return int(value)


def check_algorithm_params(algorithm, algorithm_params):
    """Validate `algorithm_params` for `algorithm` (ValueError naming the key)."""
    params = dict(algorithm_params or {})
    if algorithm == "brute":
        if params:
            raise ValueError(
                f"algorithm_params={algorithm_params!r} is given but "
                "algorithm='brute' takes none; choose algorithm='faiss' or "
                "'hnswlib', or drop algorithm_params."
            )
        return params
    keys = _FAISS_KEYS if algorithm == "faiss" else _HNSWLIB_KEYS
    if algorithm == "auto":
        keys = {"n_candidates": True}
    unknown = sorted(set(params) - set(keys))
    if unknown:
        raise ValueError(
            f"Unknown algorithm_params {unknown} for algorithm={algorithm!r}; it "
            f"accepts: {', '.join(sorted(keys))}."
        )
    for key, value in params.items():
        if key == "index":
            if not isinstance(value, str) or not value.strip():
                raise ValueError(
                    "algorithm_params['index'] must be a faiss index_factory "
                    f"string such as 'IVF1024,Flat' or 'HNSW32', got {value!r}."
                )
        elif _positive_int(key, value) < 2 and key == "M":
            raise ValueError(f"algorithm_params['M'] must be at least 2, got {value}.")
    return params


def resolve_algorithm(algorithm, n_samples):
    """The backend `algorithm` runs on (``"brute"``, ``"faiss"`` or ``"hnswlib"``).

    ``"auto"`` is exact below :data:`AUTO_MIN_SAMPLES` fitted rows, and
    above uses faiss, else hnswlib, else the exact engine, whichever is
    installed.
    """
    if algorithm != "auto":
        return algorithm
    if n_samples < AUTO_MIN_SAMPLES:
        return "brute"
    for name in ("faiss", "hnswlib"):
        try:
            import_backend(name)
        except ImportError:
            continue
        return name
    return "brute"


def candidate_measure(measure):
    """The measure whose inner-product form gives the candidates of `measure`.

    Query normalisation keeps the ranking and hubness reduction re-scales
    its base measure: both take the base's candidates (one index serves the
    statistics at fit and the queries). A base without an inner-product form
    (``"wrd"``) takes cosine's; a callable cannot be searched approximately.
    """
    if isinstance(measure, QueryNormalizedMeasure):
        measure = measure.inner
    if isinstance(measure, HubnessMeasure):
        measure = measure.base
    if isinstance(measure, CallableMeasure):
        raise ValueError(
            "A callable metric has no inner-product form and cannot be searched "
            "approximately; use algorithm='brute' or a named measure."
        )
    if measure.inner_product_form:
        return measure
    return CosineMeasure()


def _hubness_k(measure):
    """Neighbours the hubness statistics of a query need (0 without hubness)."""
    if isinstance(measure, QueryNormalizedMeasure):
        measure = measure.inner
    if isinstance(measure, HubnessMeasure):
        return int(measure.options.get("n_neighbors", 0))
    return 0


def with_neighbours(measure, neighbours):
    """A copy of `measure` whose neighbourhood statistics come from `neighbours`."""
    method = getattr(measure, "with_neighbours", None)
    return measure if method is None else method(neighbours)


def _dense32(V):
    if sparse.issparse(V):
        V = V.toarray()
    return np.ascontiguousarray(V, dtype=np.float32)


# ----------------------------------------------------------------------------------
# The indexes
# ----------------------------------------------------------------------------------
class ApproximateIndex:
    """An inner-product index of a measure's form, on unit rows.

    Parameters
    ----------
    measure : SimilarityMeasure
        The measure whose :meth:`to_inner_product` is indexed.

    params : dict
        The validated ``algorithm_params``.
    """

    backend = None
    search_keys = ()

    def __init__(self, measure, params):
        self.measure = measure
        self.build_params = {
            key: value
            for key, value in params.items()
            if not self.keys_at_search().get(key, True)
        }
        self.scale = 1.0
        self.extra_column = False
        self.dim = 0
        self.n_samples = 0
        # euclidean distances: an L2 index of the rows (see the module's notes)
        self.l2 = isinstance(measure, SqEuclideanMeasure)

    @classmethod
    def keys_at_search(cls):
        return _FAISS_KEYS if cls.backend == "faiss" else _HNSWLIB_KEYS

    # -- the unit-row maps ---------------------------------------------------------
    def _fit_map(self, corpus):
        if self.l2:
            self.dim = self._padded(corpus.X.shape[1])
            return
        norms = np.zeros(len(corpus))
        step = _rows_per_chunk(corpus.X.shape[1], _ADD_CHUNK)
        for start in range(0, len(corpus), step):
            sl = slice(start, min(start + step, len(corpus)))
            V = self.measure.to_inner_product(corpus, "corpus", sl)
            norms[sl] = _row_norms(V)
        self.scale = float(norms.max(initial=0.0)) or 1.0
        nonzero = norms[norms > 0]
        spread = np.ptp(nonzero) if nonzero.size else 0.0
        self.extra_column = bool(spread > 1e-4 * self.scale)
        width = self.measure.to_inner_product(corpus, "corpus", slice(0, 1)).shape[1]
        self.dim = self._padded(width + self.extra_column)

    def _padded(self, width):
        return width

    def corpus_vectors(self, corpus, idx):
        """The unit rows ``g(c)`` of corpus rows `idx` (float32; the rows for L2)."""
        if self.l2:
            return self._rows(corpus, idx)
        V = _dense32(self.measure.to_inner_product(corpus, "corpus", idx))
        out = np.zeros((V.shape[0], self.dim), dtype=np.float32)
        out[:, : V.shape[1]] = V
        out[:, : V.shape[1]] /= np.float32(self.scale)
        if self.extra_column:
            sq = np.einsum("ij,ij->i", out[:, : V.shape[1]], out[:, : V.shape[1]])
            # rows added later may exceed the fitted largest norm: clip
            out[:, V.shape[1]] = np.sqrt(np.clip(1.0 - sq, 0.0, None))
        return out

    def query_vectors(self, q, qs):
        """The unit rows ``f(q)`` of query rows `qs` (float32; the rows for L2)."""
        if self.l2:
            return self._rows(q, qs)
        V = _dense32(self.measure.to_inner_product(q, "query", qs))  # may be a view
        norms = _row_norms(V)
        out = np.zeros((V.shape[0], self.dim), dtype=np.float32)
        np.divide(
            V,
            np.where(norms > 0, norms, 1.0).astype(np.float32)[:, None],
            out=out[:, : V.shape[1]],
        )
        return out

    def _rows(self, rows, idx):
        V = _dense32(rows.X[idx])
        out = np.zeros((V.shape[0], self.dim), dtype=np.float32)
        out[:, : V.shape[1]] = V
        return out

    # -- building ---------------------------------------------------------------------
    def build(self, corpus, n_jobs=None, verbose=0):
        """Index every row of `corpus` (prepared rows); returns self."""
        self._fit_map(corpus)
        self._create(corpus, len(corpus))
        self.add(corpus, 0, n_jobs=n_jobs, verbose=verbose)
        return self

    def add(self, corpus, start, n_jobs=None, verbose=0):
        """Add corpus rows ``start:`` (they get their corpus indices)."""
        stop = len(corpus)
        step = _rows_per_chunk(self.dim, _ADD_CHUNK)
        starts = range(start, stop, step)
        progress = Progress(len(starts), f"{self.backend} index", verbose)
        for lo in starts:
            sl = slice(lo, min(lo + step, stop))
            self._add(self.corpus_vectors(corpus, sl), sl, n_jobs)
            progress.update()
        self.n_samples = stop
        return self

    # -- searching --------------------------------------------------------------------
    def statistics_params(self, params):
        """The search knobs of the hubness statistics' graph at :term:`fit`."""
        return params

    def search(self, q, qs, n_candidates, params, n_jobs=None, n_needed=1):
        """Candidate corpus rows of queries `qs`: ints, -1 where none.

        An IVF index probes more lists for queries with fewer than
        `n_needed` candidates.
        """
        n_candidates = min(n_candidates, self.n_samples)
        n_needed = min(n_needed, n_candidates)
        F = self.query_vectors(q, qs)
        return self._search(F, n_candidates, params, n_jobs, n_needed)


def _row_norms(V):
    if sparse.issparse(V):
        return np.sqrt(np.asarray(V.multiply(V).sum(axis=1), dtype=np.float64).ravel())
    V = np.asarray(V)
    return np.sqrt(np.einsum("ij,ij->i", V, V, dtype=np.float64))


class FaissIndex(ApproximateIndex):
    """A faiss ``index_factory`` index (inner-product metric; L2 for euclidean)."""

    backend = "faiss"

    def __init__(self, measure, params):
        super().__init__(measure, params)
        self.index = None

    def factory_string(self, n_samples):
        string = self.build_params.get("index")
        if string is not None:
            return string.strip()
        return f"IVF{default_nlist(n_samples)},Flat"

    def _padded(self, width):
        # product quantisers split the vector in m equal parts: pad with zeros
        string = self.build_params.get("index", "")
        m = re.search(r"PQ(\d+)", string)
        if m:
            parts = int(m.group(1))
            return -(-width // parts) * parts
        return width

    def _create(self, corpus, n):
        faiss = import_backend("faiss")
        string = self.factory_string(n)
        try:
            metric = faiss.METRIC_L2 if self.l2 else faiss.METRIC_INNER_PRODUCT
            index = faiss.index_factory(self.dim, string, metric)
        except RuntimeError as exc:
            raise ValueError(
                f"algorithm_params['index']={string!r} is not a faiss index_factory "
                f"string faiss accepts for {self.dim} dimensions ({_first_line(exc)}); "
                "see faiss' wiki 'The index factory', e.g. 'IVF1024,Flat', "
                "'HNSW32', 'IVF4096,PQ32'."
            ) from None
        if not index.is_trained:
            nlist = _nlist(string)
            size = min(n, max(40 * nlist, 10_000))
            rng = np.random.default_rng(0)
            sample = np.sort(rng.choice(n, size=size, replace=False))
            try:
                index.train(self.corpus_vectors(corpus, sample))
            except RuntimeError as exc:
                raise ValueError(
                    f"algorithm_params['index']={string!r} cannot be trained on "
                    f"{n} rows ({_first_line(exc)}); use fewer lists or codes."
                ) from None
        self.index = index
        self.index_string = string

    def _add(self, V, sl, n_jobs):
        self.index.add(V)

    def _search(self, F, n_candidates, params, n_jobs, n_needed):
        faiss = import_backend("faiss")
        space = faiss.ParameterSpace()
        for key in ("nprobe", "efSearch"):
            value = params.get(key)
            if key == "nprobe" and value is None and _nlist(self.index_string):
                value = default_nprobe(_nlist(self.index_string))
            if key == "efSearch" and "HNSW" in self.index_string:
                value = max(value or 64, n_candidates)
            if value is None:
                continue
            try:
                space.set_index_parameter(self.index, key, int(value))
            except RuntimeError:
                raise ValueError(
                    f"algorithm_params[{key!r}] does not apply to the faiss index "
                    f"{self.index_string!r}; drop it."
                ) from None
        _, ind = self.index.search(F, n_candidates)
        nlist = _nlist(self.index_string)
        nprobe = params.get("nprobe") or default_nprobe(nlist)
        short = np.flatnonzero((ind >= 0).sum(axis=1) < n_needed)
        while short.size and nlist and nprobe < nlist:
            # the probed lists hold too few rows for these queries: probe more
            nprobe = min(2 * nprobe, nlist)
            space.set_index_parameter(self.index, "nprobe", nprobe)
            ind[short] = self.index.search(F[short], n_candidates)[1]
            short = short[(ind[short] >= 0).sum(axis=1) < n_needed]
        return ind

    def __getstate__(self):
        state = self.__dict__.copy()
        if self.index is not None:
            faiss = import_backend("faiss")
            state["index"] = faiss.serialize_index(self.index)
        return state

    def __setstate__(self, state):
        if state.get("index") is not None:
            faiss = import_backend("faiss")
            state["index"] = faiss.deserialize_index(state["index"])
        self.__dict__.update(state)


class HnswlibIndex(ApproximateIndex):
    """An hnswlib graph in the ``"ip"`` space of unit rows (``"l2"`` for euclidean)."""

    backend = "hnswlib"

    def __init__(self, measure, params):
        super().__init__(measure, params)
        self.index = None

    def _create(self, corpus, n):
        hnswlib = import_backend("hnswlib")
        index = hnswlib.Index(space="l2" if self.l2 else "ip", dim=self.dim)
        index.init_index(
            max_elements=max(n, 1),
            M=self.build_params.get("M", 16),
            ef_construction=self.build_params.get("ef_construction", 200),
            random_seed=100,
        )
        self.index = index

    def _add(self, V, sl, n_jobs):
        if sl.stop > self.index.get_max_elements():
            self.index.resize_index(max(sl.stop, 2 * self.index.get_max_elements()))
        self.index.add_items(
            V, np.arange(sl.start, sl.stop), num_threads=_threads(n_jobs)
        )

    def statistics_params(self, params):
        """Search knobs of the fit-time graph: ``ef`` at least ``ef_construction``.

        The hubness statistics are computed once, at fit, and every later
        query is ranked with them: a row the graph reaches badly gets too
        small a neighbourhood similarity and is then over-ranked (CSLS at
        200,000 x 384: recall@10 0.941 with ``ef=64`` at fit, 0.966 with the
        build's 200, for 26% more fit time).
        """
        ef = max(params.get("ef", 64), self.build_params.get("ef_construction", 200))
        return {**params, "ef": ef}

    def _search(self, F, n_candidates, params, n_jobs, n_needed):
        self.index.set_ef(max(params.get("ef", 64), n_candidates))
        labels, _ = self.index.knn_query(
            F, k=n_candidates, num_threads=_threads(n_jobs)
        )
        return labels.astype(np.intp)


def _threads(n_jobs):
    return effective_n_jobs(n_jobs)


def _rows_per_chunk(width, cap):
    """Rows of a dense float32 chunk of `width` columns: at most 2**26 values."""
    return max(1, min(cap, 2**26 // max(width, 1)))


def _first_line(exc):
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(exc).__name__


def _nlist(string):
    m = re.search(r"IVF(\d+)", string or "")
    return int(m.group(1)) if m else 0


def default_nlist(n_samples):
    """Inverted lists of the default IVF index: a power of two near ``4 sqrt(N)``.

    Capped so that faiss has at least 39 training rows per list.
    """
    target = max(1.0, min(4.0 * math.sqrt(n_samples), n_samples / 39.0))
    return 2 ** max(0, round(math.log2(target)))


def default_nprobe(nlist):
    """Lists probed by default: ``nlist / 128``, at least 8 (or every list).

    Measured on clustered 384-dimensional embeddings (200,000 rows, 2,048
    lists): 8 to 16 lists already give recall@10 near 0.97 with re-ranking;
    tune with :func:`tune_approximate_search`.
    """
    return min(nlist, max(8, nlist // 128))


def build_index(algorithm, params, measure, corpus, n_jobs=None, verbose=0):
    """The fitted index of `corpus` for `algorithm`, or None (exact engine)."""
    if algorithm == "brute":
        return None
    base = candidate_measure(measure)
    cls = FaissIndex if algorithm == "faiss" else HnswlibIndex
    import_backend(algorithm)
    return cls(base, params).build(corpus, n_jobs=n_jobs, verbose=verbose)


# ----------------------------------------------------------------------------------
# Search: candidates, then the exact re-rank
# ----------------------------------------------------------------------------------
def n_candidates_for(params, k, measure=None):
    """Candidates per query: ``algorithm_params["n_candidates"]`` or ``4 k``.

    Never fewer than `k` nor than the hubness statistics need.
    """
    wanted = params.get("n_candidates") or max(4 * k, 40)
    return max(int(wanted), k, _hubness_k(measure) if measure is not None else 0)


def _top_k(score_pairs, cand, k, self_rows, n_corpus):
    """Exact top `k` of each row among its candidates; ties by smaller index.

    `score_pairs(i, j)` gives exact float64 similarities of block rows `i`
    with corpus rows `j`. `self_rows` (corpus index of each block row, or
    None) is excluded. Rows with fewer than `k` usable candidates are scored
    against every corpus row.
    """
    n, m = cand.shape
    cand = np.sort(cand, axis=1)  # the stable sort below then breaks ties by index
    valid = cand >= 0
    if self_rows is not None:
        valid &= cand != self_rows[:, None]
    rows = np.broadcast_to(np.arange(n)[:, None], cand.shape)
    sims = np.full(cand.shape, -np.inf)
    sims[valid] = score_pairs(rows[valid], cand[valid])
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    top_s = np.take_along_axis(sims, order, axis=1)
    top_i = np.take_along_axis(cand, order, axis=1)
    short = np.flatnonzero(valid.sum(axis=1) < k)
    for r in short:  # the index found too few: score the row exhaustively
        j = np.arange(n_corpus)
        if self_rows is not None:
            j = j[j != self_rows[r]]
        s = score_pairs(np.full(len(j), r), j)
        best = np.lexsort((j, -s))[:k]
        top_s[r], top_i[r] = s[best], j[best]
    return top_s, top_i


class _CandidateNeighbours:
    """Neighbourhood statistics of a block of queries from its candidates."""

    def __init__(self, cand, qs):
        self.cand, self.qs = cand, qs
        self._pairs = None

    def __call__(self, base, q, c, qs, k, self_query):
        if qs != self.qs:  # pragma: no cover - a block asks for its own rows
            raise RuntimeError("candidate neighbours asked for another block")
        self_rows = np.arange(qs.start, qs.stop) if self_query else None

        def score(i, j):
            values = base.pairs(q, c, i + qs.start, j)
            self._pairs = (i, j, values)
            return values

        return _top_k(score, self.cand, k, self_rows, len(c))

    def base_values(self, i, j):
        """The base similarities of pairs `i`, `j` if they are those just scored.

        The re-rank scores the same candidates in the same order: their base
        similarities are reused instead of computed twice; None otherwise.
        """
        if self._pairs is None:
            return None
        pi, pj, values = self._pairs
        if len(pi) == len(i) and np.array_equal(pi, i) and np.array_equal(pj, j):
            return values
        return None


class IndexNeighbours:
    """Neighbourhood statistics from a fitted index (the approximate k-NN graph).

    Parameters
    ----------
    index : ApproximateIndex
        The fitted index.

    params : dict
        ``algorithm_params`` (search knobs).

    n_jobs : int, default=None
        Threads of the backend's search.
    """

    def __init__(self, index, params, n_jobs=None):
        self.index, self.params, self.n_jobs = index, params, n_jobs

    def __call__(self, base, q, c, qs, k, self_query):
        return approximate_kneighbors(
            base,
            q,
            c,
            k,
            self_query=self_query,
            index=self.index,
            params=self.params,
            qs=qs,
            n_jobs=self.n_jobs,
        )


def approximate_kneighbors(
    measure,
    q,
    c,
    k,
    *,
    self_query,
    index,
    params,
    qs=None,
    n_jobs=None,
    verbose=0,
):
    """The `k` most similar corpus rows of queries `qs`, among the index' candidates.

    Parameters
    ----------
    measure : SimilarityMeasure
        The fitted measure that re-ranks (hubness reduction included).

    q, c : Rows
        Prepared queries and corpus.

    k : int
        Neighbours per query.

    self_query : bool
        `q` is `c`: each row's own index is excluded.

    index : ApproximateIndex
        The fitted index of `c`.

    params : dict
        ``algorithm_params`` (search knobs read now).

    qs : slice, default=None
        Query rows (all when None).

    n_jobs : int, default=None
        Threads of the backend's search.

    verbose : int, default=0
        Progress over the query blocks, printed to stderr.

    Returns
    -------
    similarities : ndarray of shape (n_queries, k)
        Exact similarities in float64, in decreasing order.

    indices : ndarray of shape (n_queries, k)
        Corpus indices; ties are broken by the smaller index.
    """
    qs = slice(0, len(q)) if qs is None else qs
    n_cand = n_candidates_for(params, k, measure) + bool(self_query)
    n_needed = max(k, _hubness_k(measure)) + bool(self_query)
    n_q = qs.stop - qs.start
    sims = np.empty((n_q, k))
    ind = np.empty((n_q, k), dtype=np.intp)
    step = _rows_per_chunk(index.dim, _BLOCK)
    starts = range(qs.start, qs.stop, step)
    progress = Progress(len(starts), f"{index.backend} kneighbors", verbose)
    for lo in starts:
        bs = slice(lo, min(lo + step, qs.stop))
        cand = index.search(q, bs, n_cand, params, n_jobs, n_needed)
        block = with_neighbours(measure, _CandidateNeighbours(cand, bs))
        scorer = block.scorer(q, c, bs, self_query=self_query)
        self_rows = np.arange(bs.start, bs.stop) if self_query else None
        out = slice(bs.start - qs.start, bs.stop - qs.start)
        sims[out], ind[out] = _top_k(scorer.pair_similarity, cand, k, self_rows, len(c))
        progress.update()
    return sims, ind


# ----------------------------------------------------------------------------------
# Recall you can ask for
# ----------------------------------------------------------------------------------
def _sample_queries(estimator, X, n_queries, random_state):
    if X is None:
        X = estimator._fit_X
    elif not sparse.issparse(X) and not hasattr(X, "iloc"):
        X = np.asarray(X)
    n = X.shape[0]
    if n_queries is not None and n_queries < n:
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(n, size=n_queries, replace=False))
        X = X.iloc[rows] if hasattr(X, "iloc") else X[rows]
    return X


def _recall_once(estimator, queries, exact_ind, k):
    start = time.perf_counter()
    approx = estimator._kneighbors_similarity(queries, k)[1]
    elapsed = time.perf_counter() - start
    hits = sum(
        len(np.intersect1d(a, e, assume_unique=True)) for a, e in zip(approx, exact_ind)
    )
    return hits / exact_ind.size, elapsed


def _exact(estimator, queries, k):
    prepared, _ = estimator._prepare_queries(queries)
    start = time.perf_counter()
    _, ind = kneighbors_search(
        estimator._measure,
        prepared,
        estimator._corpus,
        k,
        n_jobs=estimator.n_jobs,
    )
    return ind, time.perf_counter() - start


def _check_approximate(estimator):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    if getattr(estimator, "_corpus_shards", None) is not None:
        raise ValueError(
            "The estimator was fitted on a dask array: measure and tune the "
            "recall on an in-memory estimator fitted on one chunk with the same "
            "algorithm_params, then set them with set_params."
        )
    if getattr(estimator, "_index", None) is None:
        raise ValueError(
            "The estimator searches exactly (algorithm='brute', or 'auto' on a "
            "small corpus): its recall is 1. Fit it with algorithm='faiss' or "
            "'hnswlib'."
        )


def approximate_recall(
    estimator: Any,
    X: MatrixLike | None = None,
    *,
    n_neighbors: int = 10,
    n_queries: int | None = 1000,
    random_state: int | None = 0,
) -> dict:
    """Recall@k of a fitted approximate estimator against the exact engine.

    The same fitted measure (hubness statistics included) ranks both
    searches, so the recall is that of the search alone: the share of each
    query's exact `n_neighbors` nearest fitted samples that the approximate
    search returns, averaged over the queries.

    Parameters
    ----------
    estimator : estimator
        A fitted estimator of this module with ``algorithm="faiss"`` or
        ``"hnswlib"``.

    X : {array-like, sparse matrix} of shape (n_queries, n_features), \
            default=None
        Queries; None samples them from the fitted samples (each then finds
        itself first in both searches).

    n_neighbors : int, default=10
        The ``k`` of recall@k.

    n_queries : int or None, default=1000
        Queries sampled (seeded) from `X`; None uses all of them.

    random_state : int, default=0
        Seed of the sample.

    Returns
    -------
    report : dict
        ``recall`` (in [0, 1]), ``speedup`` (exact search time over
        approximate search time on the same queries, one process),
        ``approximate_seconds``, ``exact_seconds`` and ``n_queries``.

    See Also
    --------
    tune_approximate_search : Raise the search knobs to a target recall.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.neighbors import SimilarityNeighbors, approximate_recall
    >>> X = np.random.default_rng(0).standard_normal((2000, 16)).astype("float32")
    >>> nn = SimilarityNeighbors(
    ...     algorithm="hnswlib", algorithm_params={"ef": 100}).fit(X)
    >>> report = approximate_recall(nn, n_neighbors=10, n_queries=200)
    >>> report["recall"] >= 0.95
    True
    """
    _check_approximate(estimator)
    queries = _sample_queries(estimator, X, n_queries, random_state)
    exact_ind, exact_s = _exact(estimator, queries, n_neighbors)
    recall, approx_s = _recall_once(estimator, queries, exact_ind, n_neighbors)
    return {
        "recall": recall,
        "speedup": exact_s / max(approx_s, 1e-12),
        "approximate_seconds": approx_s,
        "exact_seconds": exact_s,
        "n_queries": queries.shape[0],
    }


def _knobs(estimator, k):
    """The search knobs that trade speed for recall: ``(name, default, low, high)``.

    The backend's own knob first, then ``n_candidates``.
    """
    index = estimator._index
    knobs = []
    if isinstance(index, FaissIndex):
        nlist = _nlist(index.index_string)
        if nlist:
            knobs.append(("nprobe", default_nprobe(nlist), 1, nlist))
        elif "HNSW" in index.index_string:
            knobs.append(("efSearch", 64, k, estimator.n_samples_fit_))
    else:
        knobs.append(("ef", 64, k, estimator.n_samples_fit_))
    knobs.append(("n_candidates", max(4 * k, 40), k, estimator.n_samples_fit_))
    return knobs


def tune_approximate_search(
    estimator: Any,
    X: MatrixLike | None = None,
    *,
    target_recall: float = 0.95,
    n_neighbors: int = 10,
    n_queries: int | None = 1000,
    max_steps: int = 10,
    random_state: int | None = 0,
) -> dict:
    """Raise a fitted estimator's search knobs until recall@k reaches a target.

    Below the target, doubles the backend's knob (faiss IVF ``nprobe``,
    faiss HNSW ``efSearch``, hnswlib ``ef``; then ``n_candidates`` once the
    knob cannot grow, e.g. every list probed, or stops raising the recall)
    until the target is reached;
    above it, halves the knob and then ``n_candidates`` while the target
    still holds (the fastest setting found). Recall@k is measured against
    the exact engine (:func:`approximate_recall`) after each step. The
    knobs are set with ``set_params(algorithm_params=...)``: nothing is
    rebuilt.

    Parameters
    ----------
    estimator : estimator
        A fitted estimator of this module with ``algorithm="faiss"`` or
        ``"hnswlib"``; its ``algorithm_params`` are updated in place.

    X : {array-like, sparse matrix} of shape (n_queries, n_features), \
            default=None
        Queries representative of the use; None samples fitted samples.

    target_recall : float, default=0.95
        Recall@k to reach, in (0, 1].

    n_neighbors : int, default=10
        The ``k`` of recall@k.

    n_queries : int or None, default=1000
        Queries sampled (seeded) from `X`.

    max_steps : int, default=10
        Settings tried at most (besides the current one).

    random_state : int, default=0
        Seed of the sample.

    Returns
    -------
    report : dict
        ``algorithm_params`` (the ones set), ``recall``, ``speedup``
        (exact over approximate search time), ``reached`` (bool) and
        ``history`` (one ``(algorithm_params, recall, speedup)`` per step).

    See Also
    --------
    approximate_recall : One measurement.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.neighbors import (
    ...     SimilarityNeighbors, tune_approximate_search)
    >>> X = np.random.default_rng(0).standard_normal((3000, 16)).astype("float32")
    >>> nn = SimilarityNeighbors(
    ...     algorithm="faiss", algorithm_params={"index": "IVF64,Flat", "nprobe": 1}
    ... ).fit(X)
    >>> report = tune_approximate_search(nn, target_recall=0.95, n_queries=200)
    >>> report["reached"], report["recall"] >= 0.95
    (True, True)
    >>> nn.algorithm_params["nprobe"] > 1
    True
    """
    _check_approximate(estimator)
    if not 0.0 < target_recall <= 1.0:
        raise ValueError(f"target_recall must be in (0, 1], got {target_recall!r}.")
    queries = _sample_queries(estimator, X, n_queries, random_state)
    exact_ind, exact_s = _exact(estimator, queries, n_neighbors)
    history = []

    def measure(params):
        estimator.set_params(algorithm_params=params)
        recall, approx_s = _recall_once(estimator, queries, exact_ind, n_neighbors)
        history.append((dict(params), recall, exact_s / max(approx_s, 1e-12)))
        return recall >= target_recall

    params = dict(estimator.algorithm_params or {})
    knobs = _knobs(estimator, n_neighbors)
    best = params if measure(params) else None
    steps = 0
    if best is not None:  # lower each knob while the target holds
        for key, default, low, _ in knobs:
            while steps < max_steps:
                value = best.get(key, default) // 2
                if value < low:
                    break
                steps += 1
                trial = {**best, key: value}
                if not measure(trial):
                    break
                best = trial
    else:  # raise the backend's knob, then the candidates
        for key, default, _, high in knobs:
            while steps < max_steps and best is None:
                if params.get(key, default) >= high:
                    break
                params = {**params, key: min(params.get(key, default) * 2, high)}
                steps += 1
                if measure(params):
                    best = params
                elif history[-1][1] < history[-2][1] + 0.002:
                    break  # this knob has stopped helping: raise the next one
    chosen = best if best is not None else params
    estimator.set_params(algorithm_params=chosen)
    entry = next(h for h in reversed(history) if h[0] == chosen)
    history_params, recall, speedup = entry
    return {
        "algorithm_params": history_params,
        "recall": recall,
        "speedup": speedup,
        "reached": recall >= target_recall,
        "history": history,
    }
