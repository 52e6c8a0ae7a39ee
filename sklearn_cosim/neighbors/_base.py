"""Shared machinery of the similarity-neighbour estimators."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_cosim.metrics._base import SimilarityMeasure, lazy_operands
from sklearn_cosim.metrics._registry import REGISTRY, CarriesMeasures
from sklearn_cosim.metrics.pairwise import check_metric
from sklearn_cosim.neighbors._approximate import (
    ALGORITHMS,
    IndexNeighbours,
    approximate_kneighbors,
    build_index,
    check_algorithm_params,
    resolve_algorithm,
)
from sklearn_cosim.neighbors._hubness import HUBNESS_METHODS
from sklearn_cosim.neighbors._query_normalization import (
    QueryNormalizedMeasure,
    fit_measure,
)
from sklearn_cosim.neighbors._search import kneighbors_search, radius_search
from sklearn_cosim.utils._chunking import working_memory_bytes
from sklearn_cosim.utils._param_validation import Interval, StrOptions
from sklearn_cosim.utils._threads import effective_n_jobs
from sklearn_cosim.utils._typing import MatrixLike
from sklearn_cosim.utils.validation import check_no_datetime

_DTYPES = [np.float64, np.float32]

_COMMON_CONSTRAINTS = {
    "metric": [str, callable, SimilarityMeasure],
    "metric_params": [dict, None],
    "n_jobs": [Integral, None],
    "hubness": [StrOptions(set(HUBNESS_METHODS)), None],
    "hubness_params": [dict, None],
    "query_normalize": ["boolean", Interval(Integral, 2, None, closed="left")],
    "verbose": ["verbose"],
    "algorithm": [StrOptions(set(ALGORITHMS))],
    "algorithm_params": [dict, None],
}

_ALGORITHM_DOC = """\
algorithm : {"brute", "faiss", "hnswlib", "auto"}, default="brute"
        How :meth:`kneighbors` (and the neighbourhood statistics of
        hubness reduction) find neighbours. ``"brute"``: the exact engine.
        ``"faiss"`` and ``"hnswlib"``: an approximate index of the measure's
        inner-product form (the base measure's with hubness reduction,
        cosine's for ``"wrd"``) proposes candidates and the exact engine
        re-ranks them, so similarities are exact and only the recall is
        approximate (``pip install "sklearn_cosim[ann]"``). ``"auto"``:
        exact below 200,000 fitted samples, else faiss (or hnswlib, or
        exact, whichever is installed). :meth:`radius_neighbors` is always
        exact. See :ref:`large_corpora`.

    algorithm_params : dict, default=None
        Parameters of the approximate index. ``"faiss"``: ``index`` (an
        ``index_factory`` string, default ``"IVF{nlist},Flat"`` with ``nlist``
        a power of two near ``4 sqrt(n_samples)``), ``nprobe`` (default
        ``max(8, nlist / 128)``), ``efSearch`` (HNSW, default 64);
        ``"hnswlib"``: ``M`` (16), ``ef_construction`` (200), ``ef`` (64);
        both: ``n_candidates`` re-ranked per query (default
        ``max(4 n_neighbors, 40)``). ``nprobe``, ``efSearch``, ``ef`` and
        ``n_candidates`` are read at search time: ``set_params`` changes
        them on a fitted estimator without rebuilding the index."""

_HUBNESS_DOC = """\
hubness : {"csls", "mutual_proximity", "local_scaling", "nicdm", \
"dis_sim_local"}, default=None
        Hubness reduction applied to the measure. Its per-sample statistics
        are computed at :term:`fit` with the same engine (each fitted sample
        excluded from its own neighbours), those of the queries during
        their search (a query with ``X=None`` reuses its fitted statistics),
        and the transform runs inside the blocks of the engine. ``"csls"``
        ranks by ``2 s(x, y) - r(x) - r(y)`` (``r``: mean similarity to the
        ``n_neighbors`` nearest fitted samples, default 10);
        ``"local_scaling"`` by ``exp(-d^2 / (sigma_x sigma_y))``
        (``sigma``: distance to the ``n_neighbors``-th neighbour, default 7);
        ``"nicdm"`` by ``d / sqrt(mu_x mu_y)`` (``mu``: mean distance to the
        ``n_neighbors`` nearest, default 7); ``"mutual_proximity"`` by the
        probability that both are closer to each other than to a random
        fitted sample (``method="normal"``, default, or ``"empiric"``);
        ``"dis_sim_local"`` by ``-(|x - y|^2 - |x - c(x)|^2 - |y - c(y)|^2)``
        (``c``: centroid of the ``n_neighbors`` nearest, default 10) on the
        unit rows for cosine and angular. ``d`` is the measure's distance.
        See :ref:`hubness_reduction`.

    hubness_params : dict, default=None
        Parameters of the hubness method: ``n_neighbors`` (all but
        mutual proximity); ``method``, ``n_samples`` (reference sample size,
        None for every fitted sample) and ``random_state`` for mutual
        proximity.

    query_normalize : bool or int, default=False
        If True, z-score each query's similarities (after hubness reduction)
        over every fitted sample: ``(s - mu_q) / sigma_q``, ddof 0,
        ``sigma_q = 0`` replaced by 1; an integer ``m >= 2`` uses a seeded
        sample of ``m`` fitted samples instead. It never changes the ranking
        of one query; it makes similarity values comparable across queries
        (thresholds, :meth:`radius_neighbors`, fusing scores). The distance
        is then ``-z``."""

_VERBOSE_DOC = """\
verbose : int, default=0
        Progress of long work (the hubness statistics at :term:`fit`,
        searches and graphs of many queries) printed to stderr: blocks done,
        time elapsed and an estimate of the time left; 1 prints every few
        seconds, 2 every block."""

_METRIC_DOC = """\
metric : str, SimilarityMeasure or callable, default="cosine"
        Similarity measure: a name registered in
        :data:`sklearn_cosim.metrics.pairwise.PAIRWISE_SIMILARITY_MEASURES`
        (``"cosine"``, ``"dot"``, ``"euclidean"``, ``"sqeuclidean"``,
        ``"angular"``, ``"soft_cosine"``, ``"scaled_cosine"``, ``"wrd"``,
        ``"radial_cosine"`` or one added with
        :func:`~sklearn_cosim.metrics.pairwise.register_similarity`), a
        :class:`~sklearn_cosim.metrics.SimilarityMeasure`, or a callable
        ``f(X, Y, **metric_params)`` returning the similarity matrix of two
        blocks of rows. A callable is the slow path: it is called once per
        block, materialises its output and is not folded into the matrix
        product."""


def _check_n_neighbors(n_neighbors, n_candidates, name="n_neighbors"):
    if isinstance(n_neighbors, (bool, np.bool_)) or not isinstance(
        n_neighbors, (Integral, np.integer)
    ):
        raise ValueError(
            f"{name} must be a positive integer, got {n_neighbors!r} "
            f"({type(n_neighbors).__name__})."
        )
    if n_neighbors < 1:
        raise ValueError(f"{name} must be a positive integer, got {n_neighbors}.")
    if n_neighbors > n_candidates:
        raise ValueError(
            f"{name}={n_neighbors} is larger than the {n_candidates} fitted "
            "samples that can be neighbours (a query from the fitted set does "
            f"not count itself); use {name} <= {n_candidates}."
        )
    return int(n_neighbors)


class SimilarityNeighborsMixin(CarriesMeasures):
    """Fitting and querying shared by the similarity-neighbour estimators.

    Subclasses define ``n_neighbors`` and optionally ``radius``, ``metric``,
    ``metric_params`` and ``n_jobs`` as constructor parameters. The fitted
    state is the measure (with hubness reduction or query normalisation
    fitted into it) and the prepared rows of the fitted data; queries never
    change it.
    """

    def _fit(self, X):
        check_no_datetime(X)
        X = validate_data(self, X, accept_sparse="csr", dtype=_DTYPES)
        effective_n_jobs(self.n_jobs)  # refuses n_jobs=0 before any work
        measure = check_metric(self.metric, self.metric_params)
        _check_sparse(measure, X)
        algorithm = resolve_algorithm(self.algorithm, X.shape[0])
        params = check_algorithm_params(self.algorithm, self.algorithm_params)
        self._base_measure = measure
        self._corpus = _prepare_corpus(measure, X, approximate=algorithm != "brute")
        self._index = build_index(
            algorithm,
            params,
            measure,
            self._corpus,
            n_jobs=self.n_jobs,
            verbose=getattr(self, "verbose", 0),
        )
        self._fit_statistics()
        self.effective_metric_ = measure.name
        self.effective_metric_params_ = measure.params
        return self

    def _partial_fit(self, X):
        """Add the rows of `X` to the index; the first call fits.

        The rows are validated and prepared alone, handed to
        :meth:`_add_rows`, and the statistics that depend on every fitted
        row (hubness reduction, query normalisation) are recomputed, so the
        result equals one ``fit`` on all the rows seen.
        """
        if not hasattr(self, "_corpus"):
            return self._fit(X)
        check_no_datetime(X)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=self._fit_X.dtype
        )
        _check_sparse(self._base_measure, X)
        self._add_rows(self._base_measure.prepare(X))
        self._fit_statistics()
        return self

    def _add_rows(self, rows):
        """Append prepared rows to the index (the hook of every backend).

        `rows` are the base measure's prepared new rows (already checked).
        The exact engine re-prepares the stacked rows: derived arrays (unit
        rows, float32 copies, soft cosine's term index) are row-wise or
        corpus-wide, and re-preparing makes them bitwise those of one
        ``fit`` on all rows. An approximate index gets the new rows through
        its backend's ``add`` (nothing is rebuilt).
        """
        n_before = len(self._corpus)
        stacked = _stack(self._corpus.X, rows.X)
        approximate = self._index is not None
        self._corpus = _prepare_corpus(self._base_measure, stacked, approximate)
        if self._index is not None:
            self._index.add(self._corpus, n_before, n_jobs=self.n_jobs)

    def _fit_statistics(self):
        """Fit the statistics of every fitted row into the measure."""
        params = check_algorithm_params(self.algorithm, self.algorithm_params)
        self._measure = fit_measure(
            self._base_measure,
            self._corpus,
            hubness=getattr(self, "hubness", None),
            hubness_params=getattr(self, "hubness_params", None),
            query_normalize=getattr(self, "query_normalize", False),
            n_jobs=self.n_jobs,
            verbose=getattr(self, "verbose", 0),
            neighbours=self._index_neighbours(self._index, params),
        )
        self.n_samples_fit_ = len(self._corpus)

    # -- saved indexes ----------------------------------------------------------
    def __getstate__(self):
        # the prepared rows hold derived arrays (unit rows, float32 copies...)
        # as large as the data: keep the data once and prepare again on load
        state = super().__getstate__()
        if "_corpus" in state:
            state = dict(state)
            state["_corpus_data"] = state.pop("_corpus").X
        return state

    def __setstate__(self, state):
        if "_corpus_data" in state:
            state = dict(state)
            state["_corpus"] = _prepare_corpus(
                state["_base_measure"],
                state.pop("_corpus_data"),
                approximate=state.get("_index") is not None,
            )
        super().__setstate__(state)

    def _index_neighbours(self, index, params):
        """The approximate k-NN graph of the fitted rows, or None (exact)."""
        if index is None:
            return None
        return IndexNeighbours(
            index, index.statistics_params(params), n_jobs=self.n_jobs
        )

    @property
    def _fit_X(self):
        return self._corpus.X

    def _prepare_queries(self, X):
        """Prepared queries and whether they are the fitted rows themselves."""
        check_is_fitted(self)
        if X is None:
            return self._corpus, True
        check_no_datetime(X)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=self._fit_X.dtype
        )
        _check_sparse(self._measure, X)
        return self._measure.prepare_queries(X), False

    def to_inner_product(self, X: MatrixLike | None = None) -> np.ndarray:
        """Map rows to vectors whose inner products rank as the fitted measure.

        With ``F = to_inner_product(Q)`` and ``G = to_inner_product()``, the
        inner products ``F @ G.T`` rank the fitted samples for each query
        exactly as the fitted measure does (hubness reduction by CSLS or
        DisSim-local included), so any inner-product index (faiss
        ``IndexFlatIP``, hnswlib ``space="ip"``, a vector database) serves
        the neighbours chosen here. Values differ from the similarities by
        an increasing map per query; query normalisation does not change
        the ranking and is left out.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                default=None
            Queries to map. If None, the fitted samples are mapped (the
            corpus side).

        Returns
        -------
        vectors : {ndarray, sparse matrix} of shape (n_rows, n_dims)
            The mapped rows in the fitted dtype; ``n_dims`` is `n_features`
            plus one column for each per-sample term of the corpus side
            (Euclidean's ``-|c|^2/2``, CSLS's ``r``; ones on the query side).
            Sparse rows give CSR (soft cosine maps sparse queries to dense
            vectors).

        Raises
        ------
        ValueError
            If the fitted measure has no inner-product form (``"wrd"``, a
            callable, mutual proximity, local scaling, NICDM); the message
            names the measures that have one.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_cosim.neighbors import SimilarityNeighbors
        >>> X = np.array([[3.0, 4.0], [1.0, 0.0], [0.0, 2.0]])
        >>> nn = SimilarityNeighbors(n_neighbors=2, metric="euclidean").fit(X)
        >>> G = nn.to_inner_product()  # [c, -|c|^2 / 2]
        >>> F = nn.to_inner_product([[1.0, 1.0]])  # [q, 1]
        >>> np.argsort(-(F @ G.T), axis=1)[:, :2]
        array([[1, 2]])
        >>> nn.kneighbors([[1.0, 1.0]], return_distance=False)
        array([[1, 2]])
        """
        queries, self_query = self._prepare_queries(X)
        measure = self._measure
        if isinstance(measure, QueryNormalizedMeasure):
            measure = measure.inner  # z-scores keep each query's ranking
        if not measure.inner_product_form:
            raise ValueError(
                f"{_describe(measure)} has no inner-product form, so no vectors "
                "rank as it does. Measures with one: "
                f"{', '.join(_inner_product_measures())}; hubness reduction keeps "
                "it with 'dis_sim_local', and with 'csls' on cosine, dot, "
                "sqeuclidean, scaled_cosine and soft_cosine."
            )
        side = "corpus" if self_query else "query"
        vectors = measure.to_inner_product(queries, side)
        return vectors.astype(self._out_dtype(), copy=False)

    def _kneighbors_similarity(self, X, n_neighbors):
        queries, self_query = self._prepare_queries(X)
        n_neighbors = self.n_neighbors if n_neighbors is None else n_neighbors
        n_neighbors = _check_n_neighbors(n_neighbors, self.n_samples_fit_ - self_query)
        if getattr(self, "_index", None) is not None:
            return approximate_kneighbors(
                self._measure,
                queries,
                self._corpus,
                n_neighbors,
                self_query=self_query,
                index=self._index,
                params=check_algorithm_params(self.algorithm, self.algorithm_params),
                n_jobs=self.n_jobs,
                verbose=getattr(self, "verbose", 0),
            )
        return kneighbors_search(
            self._measure,
            queries,
            self._corpus,
            n_neighbors,
            self_query=self_query,
            n_jobs=self.n_jobs,
            verbose=getattr(self, "verbose", 0),
        )

    def _out_dtype(self):
        return self._fit_X.dtype

    def kneighbors(
        self,
        X: MatrixLike | None = None,
        n_neighbors: int | None = None,
        return_distance: bool = True,
        *,
        return_similarity: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Find the nearest (most similar) fitted samples of each query.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                default=None
            Query samples. If None, the fitted samples are queried and each
            sample is excluded from its own neighbours.

        n_neighbors : int, default=None
            Number of neighbours; defaults to the constructor's value.

        return_distance : bool, default=True
            Whether to return the distances (or similarities).

        return_similarity : bool, default=False
            Return similarities (larger is closer, in decreasing order)
            instead of distances. Ignored when `return_distance` is False.

        Returns
        -------
        neigh_dist : ndarray of shape (n_queries, n_neighbors)
            Distances to the neighbours in increasing order (or similarities
            in decreasing order), in the dtype of the fitted data. Only
            present if `return_distance` is True.

        neigh_ind : ndarray of shape (n_queries, n_neighbors)
            Indices of the neighbours in the fitted data; ties are broken by
            the smaller index.
        """
        sims, ind = self._kneighbors_similarity(X, n_neighbors)
        if not return_distance:
            return ind
        if return_similarity:
            return sims.astype(self._out_dtype()), ind
        dist = self._measure.distance(sims)
        return dist.astype(self._out_dtype()), ind

    def kneighbors_graph(
        self,
        X: MatrixLike | None = None,
        n_neighbors: int | None = None,
        mode: str = "connectivity",
    ) -> sparse.csr_matrix:
        """Sparse graph of the k nearest neighbours of each query.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                default=None
            Query samples. If None, the fitted samples, each excluded from
            its own neighbours.

        n_neighbors : int, default=None
            Number of neighbours; defaults to the constructor's value.

        mode : {"connectivity", "distance", "similarity"}, default="connectivity"
            Entries of the graph: ones, distances, or similarities.

        Returns
        -------
        graph : sparse matrix of shape (n_queries, n_samples_fit)
            CSR matrix with `n_neighbors` stored entries per row, sorted by
            increasing distance within each row.
        """
        _check_mode(mode)
        sims, ind = self._kneighbors_similarity(X, n_neighbors)
        n_queries, k = ind.shape
        data = self._graph_values(sims, mode).ravel()
        indptr = np.arange(0, n_queries * k + 1, k)
        return sparse.csr_matrix(
            (data, ind.ravel(), indptr), shape=(n_queries, self.n_samples_fit_)
        )

    def _graph_values(self, sims, mode):
        if mode == "connectivity":
            return np.ones_like(sims, dtype=self._out_dtype())
        if mode == "similarity":
            return sims.astype(self._out_dtype())
        return self._measure.distance(sims).astype(self._out_dtype())

    def _radius(self, radius):
        radius = getattr(self, "radius", None) if radius is None else radius
        if (
            radius is None
            or isinstance(radius, (bool, np.bool_))
            or not isinstance(radius, Real)
            or not np.isfinite(radius)
        ):
            raise ValueError(
                f"radius must be a finite real number, got {radius!r}. To get "
                "every fitted sample of each query, use kneighbors with "
                "n_neighbors=n_samples_fit_ (its memory is known in advance)."
            )
        return float(radius)

    def _radius_similarity(self, X, radius):
        radius = self._radius(radius)
        queries, self_query = self._prepare_queries(X)
        sims, ind = radius_search(
            self._measure,
            queries,
            self._corpus,
            radius,
            self_query=self_query,
            n_jobs=self.n_jobs,
            verbose=getattr(self, "verbose", 0),
        )
        n_found = sum(len(i) for i in ind)
        if n_found * 16 > working_memory_bytes():
            warnings.warn(
                f"radius_neighbors found {n_found:,} neighbours "
                f"({n_found * 16 / 2**20:,.0f} MiB, 2-2.5x that at the peak), "
                "more than the working_memory setting; a smaller radius, or "
                "kneighbors, bounds the memory.",
                UserWarning,
                stacklevel=3,
            )
        return sims, ind

    def radius_neighbors(
        self,
        X: MatrixLike | None = None,
        radius: float | None = None,
        return_distance: bool = True,
        sort_results: bool = False,
        *,
        return_similarity: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Find the fitted samples within a distance of each query.

        The distance is the measure's (e.g. ``1 - cos`` for cosine, so
        ``radius=0.2`` keeps similarities of at least 0.8). The decision is
        exact: candidates found in the fast scores are re-scored in float64.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                default=None
            Query samples. If None, the fitted samples, each excluded from
            its own neighbourhood.

        radius : float, default=None
            Largest distance; defaults to the constructor's value. It must
            be finite. The result holds about 16 bytes per neighbour found,
            and the search peaks at 2-2.5 times that; a warning is issued
            when the result exceeds scikit-learn's ``working_memory``.

        return_distance : bool, default=True
            Whether to return the distances (or similarities).

        sort_results : bool, default=False
            Kept for compatibility with scikit-learn: results are always
            sorted by increasing distance.

        return_similarity : bool, default=False
            Return similarities instead of distances.

        Returns
        -------
        neigh_dist : ndarray of shape (n_queries,) of arrays
            Distances (or similarities) of each query's neighbours. Only
            present if `return_distance` is True.

        neigh_ind : ndarray of shape (n_queries,) of arrays
            Indices of each query's neighbours, closest first.
        """
        sims, ind = self._radius_similarity(X, radius)
        neigh_ind = _object_array(ind)
        if not return_distance:
            return neigh_ind
        dtype = self._out_dtype()
        if return_similarity:
            values = [s.astype(dtype) for s in sims]
        else:
            values = [self._measure.distance(s).astype(dtype) for s in sims]
        return _object_array(values), neigh_ind

    def radius_neighbors_graph(
        self,
        X: MatrixLike | None = None,
        radius: float | None = None,
        mode: str = "connectivity",
        sort_results: bool = False,
    ) -> sparse.csr_matrix:
        """Sparse graph of the fitted samples within a distance of each query.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                default=None
            Query samples. If None, the fitted samples, each excluded from
            its own neighbourhood.

        radius : float, default=None
            Largest distance; defaults to the constructor's value. It must
            be finite. The result holds about 16 bytes per neighbour found,
            and the search peaks at 2-2.5 times that; a warning is issued
            when the result exceeds scikit-learn's ``working_memory``.

        mode : {"connectivity", "distance", "similarity"}, default="connectivity"
            Entries of the graph.

        sort_results : bool, default=False
            Kept for compatibility: rows are always sorted by distance.

        Returns
        -------
        graph : sparse matrix of shape (n_queries, n_samples_fit)
            CSR matrix.
        """
        _check_mode(mode)
        sims, ind = self._radius_similarity(X, radius)
        counts = np.array([len(i) for i in ind], dtype=np.intp)
        indptr = np.concatenate([[0], np.cumsum(counts)])
        flat_ind = np.concatenate(ind) if ind else np.empty(0, dtype=np.intp)
        flat_sims = np.concatenate(sims) if sims else np.empty(0)
        data = self._graph_values(flat_sims, mode)
        return sparse.csr_matrix(
            (data, flat_ind, indptr), shape=(len(ind), self.n_samples_fit_)
        )


def _prepare_corpus(measure, X, approximate):
    """The prepared corpus; held once (scaled operands per tile) if approximate.

    An approximate index re-ranks from the rows themselves (exact pair
    products), so the stored scaled copy the exact engine reads (cosine's
    unit rows) would double the memory for nothing: the index plus the
    corpus once, as for a memory-mapped corpus.
    """
    with lazy_operands(approximate):
        return measure.prepare(X)


def _stack(A, B):
    """Rows of `A` then rows of `B` (CSR if sparse), in `A`'s dtype."""
    if sparse.issparse(A):
        return sparse.vstack([A, B], format="csr", dtype=A.dtype)
    return np.concatenate([A, B.astype(A.dtype, copy=False)])


def _check_sparse(measure, X):
    if sparse.issparse(X) and not measure.accepts_sparse:
        raise ValueError(
            f"metric={measure.name!r} does not accept sparse input; convert "
            "X to a dense array or choose a measure that accepts it."
        )


def _describe(measure):
    method = getattr(measure, "method", None)
    text = f"metric={measure.name!r}"
    return text if method is None else f"hubness={method!r} on {text}"


def _inner_product_measures():
    return sorted(name for name, m in REGISTRY.items() if m.inner_product_form)


def _check_mode(mode):
    if mode not in ("connectivity", "distance", "similarity"):
        raise ValueError(
            f"mode must be 'connectivity', 'distance' or 'similarity', got {mode!r}."
        )


def _object_array(arrays):
    out = np.empty(len(arrays), dtype=object)
    out[:] = arrays
    return out
