"""Exact similarity search of a corpus held as a row-chunked dask array."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import partial
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_cosim.dask._shards import (
    QueryBlock,
    ShardedCorpus,
    delayed,
    merge_radius,
    merge_topk,
)
from sklearn_cosim.dask._validation import (
    check_dask_array,
    check_workers,
    checked_chunk,
    is_dask_array,
    require_dask,
    row_blocks,
)
from sklearn_cosim.metrics.pairwise import check_metric
from sklearn_cosim.neighbors import SimilarityNeighbors as _InMemoryNeighbors
from sklearn_cosim.neighbors._base import (
    _ALGORITHM_DOC,
    _HUBNESS_DOC,
    _METRIC_DOC,
    _VERBOSE_DOC,
    _check_n_neighbors,
    _object_array,
)
from sklearn_cosim.neighbors._hubness import _METHOD_CLASSES, check_hubness_params
from sklearn_cosim.neighbors._query_normalization import (
    QueryNormalizedMeasure,
    check_query_normalize,
)
from sklearn_cosim.utils._typing import ArrayLike


def _prepare_shard(measure, chunk, dtype):
    return measure.prepare(checked_chunk(chunk, dtype))


def _prepare_queries(measure, chunk, dtype):
    return measure.prepare_queries(checked_chunk(chunk, dtype))


def _finish_knn(measure, dtype, return_distance, return_similarity, result):
    sims, ind = result
    if not return_distance:
        return ind
    values = sims if return_similarity else measure.distance(sims)
    return np.asarray(values).astype(dtype), ind


def _finish_radius(measure, dtype, return_distance, return_similarity, result):
    sims, ind = result
    neigh_ind = _object_array(ind)
    if not return_distance:
        return neigh_ind
    if return_similarity:
        values = [s.astype(dtype) for s in sims]
    else:
        values = [np.asarray(measure.distance(s)).astype(dtype) for s in sims]
    return _object_array(values), neigh_ind


def _identity(result):
    return result


def _gathered(result):
    """`result` computed if it is (a tuple of) dask arrays."""
    import dask

    return dask.compute(*result) if not isinstance(result[-1], np.ndarray) else result


def _broadcast(value):
    """`value` scattered to every worker when a distributed client is active.

    Else (or if a worker is lost during the scatter) one key of the graph,
    which the scheduler ships to the workers that need it.
    """
    import dask

    try:
        from distributed import default_client

        client = default_client()
    except (ImportError, ValueError):
        client = None
    if client is not None:
        try:
            return client.scatter(value, broadcast=True, hash=False)
        except OSError:  # CommClosedError: a worker died; the graph copes
            pass
    return dask.delayed(value, pure=False)


class SimilarityNeighbors(_InMemoryNeighbors):
    """Exact neighbour search of a corpus held as a row-chunked dask array.

    The API and results of
    :class:`sklearn_cosim.neighbors.SimilarityNeighbors` for a corpus that
    lives on a Dask cluster. :meth:`fit` prepares each row chunk of the
    dask array on a worker and keeps it there (persisted); the corpus is
    never gathered on the client. A search runs one task per (query block,
    chunk) with the exact in-memory engine and merges the per-chunk top k by
    (similarity, global index) in a tree, so indices, ties and similarities
    are those of the in-memory estimator. Hubness reduction and query
    normalisation compute their corpus statistics in a first distributed
    pass.

    NumPy queries are broadcast to the workers and the results come back
    as NumPy arrays; dask queries give dask arrays (one block per query
    chunk); ``X=None`` searches the fitted data chunk by chunk (each sample
    without itself) and returns dask arrays. Fitted on a NumPy array, the
    estimator is the in-memory one.

    Read more in the :ref:`User Guide <scaling_out>`.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours returned by default by :meth:`kneighbors`.

    radius : float, default=1.0
        Default largest distance for :meth:`radius_neighbors`.

    {metric}

    metric_params : dict, default=None
        Parameters of the measure.

    {hubness}

    {algorithm}

    n_jobs : int, default=None
        Threads of the in-memory engine when fitted on a NumPy array. On a
        cluster each task uses the cores of its worker divided by the
        worker's threads (BLAS limited to as many), so that workers do not
        oversubscribe the cores.

    {verbose}

    Attributes
    ----------
    n_samples_fit_ : int
        Number of samples in the fitted data.

    n_shards_ : int
        Number of row chunks the fitted corpus is held in (0 when fitted on
        a NumPy array).

    effective_metric_ : str
        Name of the measure used.

    effective_metric_params_ : dict
        Parameters of the measure, defaults filled in.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit` (NumPy input with string
        feature names only).

    See Also
    --------
    sklearn_cosim.neighbors.SimilarityNeighbors : The in-memory estimator.

    Notes
    -----
    Chunks: each row chunk is one shard and one task per query block; keep
    chunks large (tens to hundreds of MB, e.g. 100,000 x 384 float32 is
    150 MB) so that scheduler overhead (about a millisecond per task) stays
    small, and have at least one chunk per worker. A chunked feature axis is
    rechunked to one chunk. If a worker dies, the scheduler recomputes the
    lost shards from the task graph and retries the tasks (a task that
    kills ``distributed.scheduler.allowed-failures`` workers fails the
    computation with ``KilledWorker``): a search never returns partial
    results.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklearn_cosim.dask import SimilarityNeighbors
    >>> X = np.random.default_rng(0).standard_normal((100, 8))
    >>> nn = SimilarityNeighbors(n_neighbors=3).fit(da.from_array(X, chunks=25))
    >>> nn.n_shards_
    4
    >>> dist, ind = nn.kneighbors(X[:2])
    >>> ind[:, 0]
    array([0, 1])
    >>> graph = nn.kneighbors_graph()  # each sample without itself
    >>> graph.shape, graph.nnz
    ((100, 100), 300)
    """

    def fit(self, X: Any, y: ArrayLike | None = None) -> "SimilarityNeighbors":
        """Prepare each row chunk of `X` on the workers and keep it there.

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_samples, n_features)
            Samples to index: a dask array (searched on the cluster) or a
            NumPy array (the in-memory estimator).

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._corpus_shards = None
        self.n_shards_ = 0
        if not is_dask_array(X):
            return super().fit(X, y)
        self._validate_params()
        return self._fit_dask(X)

    def _fit_dask(self, X):
        import dask

        X = check_dask_array(X)
        algorithm = getattr(self, "algorithm", "brute")  # the approximate backends
        if algorithm not in ("brute", "auto"):
            raise ValueError(
                f"algorithm={algorithm!r} is not available on dask arrays yet: "
                "each shard is searched exactly; use algorithm='brute'."
            )
        base = check_metric(self.metric, self.metric_params)
        options = check_hubness_params(self.hubness, self.hubness_params)
        normalize, n_samples = check_query_normalize(self.query_normalize)
        check_workers()
        blocks = [b for b, n in zip(row_blocks(X), X.chunks[0]) if n > 0]
        shards = dask.persist(
            *[delayed(_prepare_shard)(base, b, X.dtype) for b in blocks]
        )
        # errors of the chunks (NaN, infinities) surface here, not later
        sizes = dask.compute(*[delayed(len)(s) for s in shards])
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        corpus = ShardedCorpus(base, list(shards), bounds)
        hub = None
        if self.hubness is not None:
            hub = _METHOD_CLASSES[self.hubness](base, options)
        corpus.fit(hub)
        if normalize:
            corpus.fit_query_normalization(
                QueryNormalizedMeasure(corpus.measure, n_samples=n_samples)
            )
        for attr in ("feature_names_in_", "_corpus"):
            if hasattr(self, attr):
                delattr(self, attr)
        self._corpus_shards = corpus
        self._measure = corpus.measure
        self._dtype = X.dtype
        self.n_shards_ = len(shards)
        self.n_features_in_ = X.shape[1]
        self.n_samples_fit_ = int(bounds[-1])
        self.effective_metric_ = base.name
        self.effective_metric_params_ = base.params
        return self

    # -- queries ------------------------------------------------------------------
    def _out_dtype(self):
        if getattr(self, "_corpus_shards", None) is None:
            return super()._out_dtype()
        return self._dtype

    def _query_blocks(self, X):
        """Query blocks and how to return their results (numpy, dask, self)."""
        corpus = self._corpus_shards
        if X is None:
            return corpus.self_blocks(), "dask"
        if is_dask_array(X):
            X = check_dask_array(X, n_features=self.n_features_in_, dtype=self._dtype)
            base = corpus.base
            blocks = [
                QueryBlock(delayed(_prepare_queries)(base, b, self._dtype))
                for b in row_blocks(X)
            ]
            return blocks, "dask"
        X = validate_data(self, X, reset=False, dtype=self._dtype)
        rows = corpus.base.prepare_queries(X)
        return [QueryBlock(_broadcast(rows))], "numpy"

    def _sharded(self, X):
        """Whether the search runs on the shards (refuses a mismatch)."""
        check_is_fitted(self)
        sharded = getattr(self, "_corpus_shards", None) is not None
        if not sharded and is_dask_array(X):
            raise ValueError(
                "This estimator was fitted on an in-memory array; pass NumPy "
                "queries, or fit it on a dask array to search with dask queries."
            )
        return sharded

    def _search(self, X, method, arg, finish, shape, dtypes):
        """Run `method` of the shards; NumPy for NumPy queries, else dask arrays.

        `finish` turns a block's merged ``(similarities, indices)`` into the
        outputs, of shapes ``(n_block_rows, *shape)`` and `dtypes`.
        """
        import dask

        corpus = self._corpus_shards
        blocks, kind = self._query_blocks(X)
        search = getattr(corpus, method)
        if kind == "numpy":
            parts = dask.compute(*search(blocks[0], arg, merge=False))
            if method == "kneighbors":
                return finish(merge_topk(parts, arg))
            return finish(merge_radius(parts))
        da = require_dask()
        sizes = corpus.block_sizes() if X is None else X.chunks[0]
        outs = [delayed(finish)(search(b, arg)) for b in blocks]
        arrays = [
            da.concatenate(
                [
                    da.from_delayed(
                        o[i] if len(dtypes) > 1 else o,
                        shape=(n, *shape),
                        dtype=dtype,
                    )
                    for o, n in zip(outs, sizes)
                ]
            )
            for i, dtype in enumerate(dtypes)
        ]
        return tuple(arrays) if len(arrays) > 1 else arrays[0]

    def _kneighbors_similarity(self, X, n_neighbors):
        if not self._sharded(X):
            return super()._kneighbors_similarity(X, n_neighbors)
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        k = _check_n_neighbors(k, self.n_samples_fit_ - (X is None))
        out = self._search(X, "kneighbors", k, _identity, (k,), [np.float64, np.intp])
        return _gathered(out)

    def _radius_similarity(self, X, radius):
        if not self._sharded(X):
            return super()._radius_similarity(X, radius)
        radius = self._radius(radius)
        out = self._search(X, "radius_neighbors", radius, _identity, (), [object] * 2)
        return tuple(list(v) for v in _gathered(out))

    def kneighbors(
        self,
        X: Any = None,
        n_neighbors: int | None = None,
        return_distance: bool = True,
        *,
        return_similarity: bool = False,
    ) -> Any:
        """Find the nearest (most similar) fitted samples of each query.

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_queries, n_features), \
                default=None
            Query samples. If None, the fitted samples, each excluded from
            its own neighbours.

        n_neighbors : int, default=None
            Number of neighbours; defaults to the constructor's value.

        return_distance : bool, default=True
            Whether to return the distances (or similarities).

        return_similarity : bool, default=False
            Return similarities (in decreasing order) instead of distances.

        Returns
        -------
        neigh_dist : ndarray or dask.array.Array of shape (n_queries, n_neighbors)
            Distances in increasing order (or similarities in decreasing
            order): NumPy for NumPy queries, dask for dask queries and
            ``X=None`` (when fitted on a dask array). Only present if
            `return_distance` is True.

        neigh_ind : ndarray or dask.array.Array of shape (n_queries, n_neighbors)
            Indices of the neighbours in the fitted data; ties are broken by
            the smaller index.
        """
        if not self._sharded(X):
            return super().kneighbors(
                X, n_neighbors, return_distance, return_similarity=return_similarity
            )
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        k = _check_n_neighbors(k, self.n_samples_fit_ - (X is None))
        finish = partial(
            _finish_knn,
            self._measure,
            self._dtype,
            return_distance,
            return_similarity,
        )
        dtypes = [self._dtype, np.intp] if return_distance else [np.intp]
        return self._search(X, "kneighbors", k, finish, (k,), dtypes)

    def radius_neighbors(
        self,
        X: Any = None,
        radius: float | None = None,
        return_distance: bool = True,
        sort_results: bool = False,
        *,
        return_similarity: bool = False,
    ) -> Any:
        """Find the fitted samples within a distance of each query.

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_queries, n_features), \
                default=None
            Query samples. If None, the fitted samples, each excluded from
            its own neighbourhood.

        radius : float, default=None
            Largest distance (the measure's); defaults to the constructor's
            value. It must be finite.

        return_distance : bool, default=True
            Whether to return the distances (or similarities).

        sort_results : bool, default=False
            Kept for compatibility: results are always sorted.

        return_similarity : bool, default=False
            Return similarities instead of distances.

        Returns
        -------
        neigh_dist : ndarray or dask.array.Array of shape (n_queries,) of arrays
            Distances (or similarities) of each query's neighbours, closest
            first: NumPy object arrays for NumPy queries, dask arrays of
            dtype object for dask queries and ``X=None``. Only present if
            `return_distance` is True.

        neigh_ind : ndarray or dask.array.Array of shape (n_queries,) of arrays
            Indices of each query's neighbours, closest first.
        """
        if not self._sharded(X):
            return super().radius_neighbors(
                X,
                radius,
                return_distance,
                sort_results,
                return_similarity=return_similarity,
            )
        radius = self._radius(radius)
        finish = partial(
            _finish_radius,
            self._measure,
            self._dtype,
            return_distance,
            return_similarity,
        )
        dtypes = [object] * (2 if return_distance else 1)
        return self._search(X, "radius_neighbors", radius, finish, (), dtypes)


SimilarityNeighbors.__doc__ = SimilarityNeighbors.__doc__.format(
    hubness=_HUBNESS_DOC,
    algorithm=_ALGORITHM_DOC
    + "\n        A dask corpus is searched exactly by its shards: ``algorithm``"
    '\n        must then be ``"brute"`` or ``"auto"``.',
    metric=_METRIC_DOC,
    verbose=_VERBOSE_DOC,
)
