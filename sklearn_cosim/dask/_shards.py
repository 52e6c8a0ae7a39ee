"""The sharded engine: prepared corpus shards on the workers, merged results.

A fitted corpus is a list of shards, each the measure's prepared rows of
one row chunk of a dask array, computed and kept (persisted) where it was
computed. A search runs one task per (query block, shard) with the exact
in-memory engine and merges the per-shard answers by (similarity, global
index) in a tree; that merge is associative, so the result equals the
in-memory search whatever the shards.

Hubness reduction and query normalisation need statistics over the whole
corpus. They are computed in a first distributed pass (the k nearest
neighbours merged over the shards, moment sums added over the shards) and
handed to each shard's measure as known statistics (``given_query_stats``,
``given_moments``): a shard never sees another shard's rows.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
from contextlib import contextmanager

import numpy as np

from sklearn_cosim.neighbors._hubness import (
    DisSimLocalMeasure,
    HubnessMeasure,
    MutualProximityMeasure,
    _check_k,
    inner_product_moments,
    moment_sums,
    reference_indices,
    similarity_moments,
)
from sklearn_cosim.neighbors._query_normalization import QueryNormalizedMeasure
from sklearn_cosim.neighbors._search import kneighbors_search, radius_search
from sklearn_cosim.utils._moments import mean_std

#: Number of partial results merged by one task of a tree reduction.
FAN_IN = 8


def delayed(func):
    """``dask.delayed(func, pure=True)``."""
    import dask

    return dask.delayed(func, pure=True)


def tree_reduce(parts, func, *args, keep=1):
    """Reduce delayed `parts` with ``func(list_of_parts, *args)`` in a tree.

    Returns the one result, or with ``keep > 1`` the list of at most `keep`
    partial results (the last merge then runs on the client).
    """
    parts = list(parts)
    while len(parts) > keep:
        parts = [
            delayed(func)(parts[i : i + FAN_IN], *args)
            for i in range(0, len(parts), FAN_IN)
        ]
    return parts[0] if keep == 1 else parts


# ----------------------------------------------------------------------------------
# Inside a task
# ----------------------------------------------------------------------------------
def task_threads():
    """Threads one task may use: 1 on a ``distributed`` worker, else None.

    A worker runs as many tasks at once as it has threads, so each task
    runs single-threaded BLAS: ``threads_per_worker x workers`` on a host
    should equal its cores (see the user guide). Outside a worker, None
    (the engine's default).
    """
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return None
    return 1


@contextmanager
def limited_blas():
    """BLAS limited to :func:`task_threads` threads; yields the engine's n_jobs."""
    threads = task_threads()
    if threads is None:
        yield None
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        yield threads


def view(measure, corpus_stats=None, query_stats=None, qn_moments=None):
    """The fitted measure as one shard runs it.

    Parameters
    ----------
    measure : SimilarityMeasure
        The fitted measure, its per-row statistics left out.

    corpus_stats : dict, default=None
        Per-row statistics of the shard's rows (hubness reduction).

    query_stats : dict, default=None
        Statistics of the queries over the whole corpus (hubness reduction).

    qn_moments : tuple of ndarray, default=None
        ``(mu, sigma)`` of the queries over the reference set (query
        normalisation).
    """
    if isinstance(measure, QueryNormalizedMeasure):
        out = copy.copy(measure)
        out.inner = view(measure.inner, corpus_stats, query_stats)
        out.given_moments = qn_moments
        return out
    if isinstance(measure, HubnessMeasure):
        out = copy.copy(measure)
        out.stats = {**measure.stats, **(corpus_stats or {})}
        out.given_query_stats = query_stats
        return out
    return measure


def local_ref(ref, start, stop):
    """The reference rows inside ``[start, stop)``, shard-local (None: all)."""
    if ref is None:
        return None
    return ref[(ref >= start) & (ref < stop)] - start


def whole(rows):
    return slice(0, len(rows))


def knn_task(
    measure, q, c, k, self_query, offset, stats=(None, None, None), memory=None
):
    """The shard's top `k` of every query, with global indices."""
    k = min(k, len(c) - self_query)
    if k <= 0:
        return np.empty((len(q), 0)), np.empty((len(q), 0), dtype=np.intp)
    with limited_blas() as n_jobs:
        sims, ind = kneighbors_search(
            view(measure, *stats),
            q,
            c,
            k,
            self_query=self_query,
            n_jobs=n_jobs,
            working_memory=memory,
        )
    return sims, ind + offset


def merge_topk(parts, k):
    """The first `k` of the union of top-k lists, by (-similarity, index)."""
    sims = np.hstack([p[0] for p in parts])
    ind = np.hstack([p[1] for p in parts])
    order = np.lexsort((ind, -sims), axis=-1)[:, :k]
    return np.take_along_axis(sims, order, 1), np.take_along_axis(ind, order, 1)


def radius_task(measure, q, c, max_distance, self_query, offset, stats, memory):
    """The shard's rows within `max_distance` of every query, global indices."""
    with limited_blas() as n_jobs:
        sims, ind = radius_search(
            view(measure, *stats),
            q,
            c,
            max_distance,
            self_query=self_query,
            n_jobs=n_jobs,
            working_memory=memory,
        )
    return sims, [i + offset for i in ind]


def merge_radius(parts):
    """Per query, the union of the neighbours found, most similar first."""
    sims, inds = [], []
    for r in range(len(parts[0][0])):
        s = np.concatenate([p[0][r] for p in parts])
        i = np.concatenate([p[1][r] for p in parts])
        order = np.lexsort((i, -s))
        sims.append(s[order])
        inds.append(i[order])
    return sims, inds


def moment_sums_task(measure, q, c, self_query, ref, stats):
    """Count, sum and sum of squares of each query's similarities over `c`."""
    scorer = view(measure, *stats).scorer(q, c, whole(q), self_query=self_query)
    with limited_blas():
        return moment_sums(scorer, whole(q), len(c), self_query, ref)


def add(parts):
    return sum(parts[1:], parts[0])


def moments_task(measure, rows, ref, corpus_stats):
    """Moments of the shard's inner-product form (None when there are none)."""
    return inner_product_moments(view(measure, corpus_stats), rows, ref)


def merge_gram(parts):
    if any(p is None for p in parts):
        return None
    merged = parts[0]
    for p in parts[1:]:
        merged = merged.merge(p)
    return merged


def similarity_moments_task(measure, moments, q, c, self_query, ref, stats):
    """Mean and std of each query's similarities, from the corpus moments."""
    m = view(measure, *stats)
    scorer = m.scorer(q, c, whole(q), self_query=self_query)
    return similarity_moments(m, moments, scorer, q, c, whole(q), self_query, ref)


def mp_stats_from_sums(hub, sums):
    return hub.stats_from_moments(*mean_std(sums[1], sums[2], sums[0]))


def mp_stats_from_moments(hub, mean_std_pair):
    return hub.stats_from_moments(*mean_std_pair)


def reference_distances_task(hub, q, c, self_query, ref):
    """Distances of the queries to the shard's reference rows (empiric MP)."""
    m = copy.copy(hub)
    m.stats = {"ref": ref}
    return m._reference_distances(q, c, whole(q), self_query)


def hstack_ref_dist(parts):
    return {"ref_dist": np.hstack(parts)}


def qn_from_sums(sums):
    return mean_std(sums[1], sums[2], sums[0])


def neighbour_sums_task(hub, c, knn, start):
    return hub.neighbour_sums(c, knn[1], start)


def neighbour_stats_task(hub, q, knn, centroids):
    """Statistics of the queries from their merged neighbours."""
    if centroids is not None:
        return hub.stats_from_centroids(q, whole(q), centroids)
    return hub.stats_from_neighbours(q, None, whole(q), knn[0], knn[1])


def affine_slope(base, rows):
    """CSLS's single slope of the base measure's affine form, or None."""
    form = base.affine(rows, np.arange(0))
    if base.inner_product_form and form is not None and np.ndim(form[0]) == 0:
        return float(form[0])
    return None


# ----------------------------------------------------------------------------------
# On the client: the graph of a search
# ----------------------------------------------------------------------------------
class QueryBlock:
    """Prepared query rows (delayed, a future or a value) and their shard.

    `shard` is the index of the shard the rows are (a search of the fitted
    data, ``X=None``), else None.
    """

    def __init__(self, rows, shard=None):
        self.rows = rows
        self.shard = shard


class ShardedCorpus:
    """Persisted prepared shards and the fitted measure that searches them.

    Parameters
    ----------
    base : SimilarityMeasure
        The bound base measure.

    shards : list of Delayed
        Persisted prepared rows of each shard.

    bounds : ndarray of shape (n_shards + 1,)
        First global row of each shard, and the number of rows.
    """

    def __init__(self, base, shards, bounds):
        self.base = base
        self.shards = shards
        self.bounds = np.asarray(bounds)
        self.measure = base
        self.hub = None
        self.corpus_stats = [None] * len(shards)

    def __len__(self):
        return int(self.bounds[-1])

    def block_sizes(self):
        return np.diff(self.bounds)

    def self_blocks(self):
        return [QueryBlock(rows, i) for i, rows in enumerate(self.shards)]

    def _local_ref(self, ref, j):
        return local_ref(ref, self.bounds[j], self.bounds[j + 1])

    # -- fitting ------------------------------------------------------------------
    def fit(self, hubness_measure=None):
        """Fit hubness reduction: the statistics of every shard's rows.

        Parameters
        ----------
        hubness_measure : HubnessMeasure, default=None
            Unfitted hubness reduction of the base measure.
        """
        import dask

        if hubness_measure is None:
            return self
        hub = copy.copy(hubness_measure)
        hub.check_base()
        hub.stats = {}
        if hasattr(hub, "slope"):
            slope = delayed(affine_slope)(self.base, self.shards[0])
            hub.slope = dask.compute(slope)[0]
        if isinstance(hub, MutualProximityMeasure):
            self._fit_mp(hub)
        self.hub = self.measure = hub
        self.corpus_stats = list(
            dask.persist(*[self.query_stats(b) for b in self.self_blocks()])
        )
        return self

    def fit_query_normalization(self, qn_measure):
        """Fit query normalisation: the reference rows and their moments.

        Parameters
        ----------
        qn_measure : QueryNormalizedMeasure
            Unfitted query normalisation of the (fitted) measure.
        """
        import dask

        qn = copy.copy(qn_measure)
        qn.ref = reference_indices(len(self), qn.n_samples, qn.random_state)
        parts = [
            delayed(moments_task)(
                qn.inner, rows, self._local_ref(qn.ref, j), self.corpus_stats[j]
            )
            for j, rows in enumerate(self.shards)
        ]
        qn.moments = dask.compute(tree_reduce(parts, merge_gram))[0]
        self.measure = qn
        return self

    def _fit_mp(self, hub):
        n = len(self)
        if n < 2:
            raise ValueError(
                f"hubness='mutual_proximity' needs at least 2 fitted samples, got {n}."
            )
        ref = reference_indices(
            n, hub.options["n_samples"], hub.options["random_state"]
        )
        hub.stats["ref"] = ref
        if hub.options["method"] == "normal":
            import dask

            parts = [
                delayed(moments_task)(self.base, rows, self._local_ref(ref, j), None)
                for j, rows in enumerate(self.shards)
            ]
            hub.stats["moments"] = dask.compute(tree_reduce(parts, merge_gram))[0]

    # -- the statistics of a query block -------------------------------------------
    def query_stats(self, block):
        """Delayed hubness statistics of a query block over the whole corpus."""
        hub = self.hub
        if hub is None:
            return None
        if block.shard is not None and self.corpus_stats[block.shard] is not None:
            return self.corpus_stats[block.shard]
        if isinstance(hub, MutualProximityMeasure):
            return self._mp_stats(hub, block)
        k = hub.options["n_neighbors"]
        _check_k(k, len(self) - (block.shard is not None), hub.method)
        knn = self.kneighbors(block, k, measure=self.base)
        centroids = None
        if isinstance(hub, DisSimLocalMeasure):
            centroids = tree_reduce(
                [
                    delayed(neighbour_sums_task)(hub, rows, knn, self.bounds[j])
                    for j, rows in enumerate(self.shards)
                ],
                add,
            )
        return delayed(neighbour_stats_task)(hub, block.rows, knn, centroids)

    def _mp_stats(self, hub, block):
        ref = hub.stats["ref"]
        if hub.options["method"] == "empiric":
            parts = [
                delayed(reference_distances_task)(
                    hub, block.rows, rows, block.shard == j, self._local_ref(ref, j)
                )
                for j, rows in enumerate(self.shards)
            ]
            return delayed(hstack_ref_dist)(parts)
        moments = hub.stats["moments"]
        if moments is not None:
            j = 0 if block.shard is None else block.shard
            pair = delayed(similarity_moments_task)(
                self.base,
                moments,
                block.rows,
                self.shards[j],
                block.shard is not None,
                self._local_ref(ref, j),
                (None, None, None),
            )
            return delayed(mp_stats_from_moments)(hub, pair)
        sums = self._moment_sums(self.base, block, ref, lambda j: (None, None, None))
        return delayed(mp_stats_from_sums)(hub, sums)

    def _moment_sums(self, measure, block, ref, stats_of):
        parts = [
            delayed(moment_sums_task)(
                measure,
                block.rows,
                rows,
                block.shard == j,
                self._local_ref(ref, j),
                stats_of(j),
            )
            for j, rows in enumerate(self.shards)
        ]
        return tree_reduce(parts, add)

    def qn_moments(self, block, hstats):
        """Delayed ``(mu, sigma)`` of a query block (query normalisation)."""
        qn = self.measure
        if not isinstance(qn, QueryNormalizedMeasure):
            return None
        inner = qn.inner
        if qn.moments is not None:
            j = 0 if block.shard is None else block.shard
            return delayed(similarity_moments_task)(
                inner,
                qn.moments,
                block.rows,
                self.shards[j],
                block.shard is not None,
                self._local_ref(qn.ref, j),
                (self.corpus_stats[j], hstats, None),
            )
        sums = self._moment_sums(
            inner, block, qn.ref, lambda j: (self.corpus_stats[j], hstats, None)
        )
        return delayed(qn_from_sums)(sums)

    def block_stats(self, block):
        """``stats_of(j)``: what shard `j`'s measure needs for this block."""
        hstats = self.query_stats(block)
        qn = self.qn_moments(block, hstats)
        return lambda j: (self.corpus_stats[j], hstats, qn)

    # -- searches -----------------------------------------------------------------
    def kneighbors(self, block, k, measure=None, merge=True):
        """Delayed ``(similarities, indices)`` of the block's top `k`.

        With ``merge=False``, a list of at most :data:`FAN_IN` delayed
        partial merges, for the client to merge (one transfer less for a
        NumPy query batch).
        """
        if measure is None:
            measure, stats_of = self.measure, self.block_stats(block)
        else:
            stats_of = lambda j: (None, None, None)
        memory = _working_memory()
        parts = [
            delayed(knn_task)(
                measure,
                block.rows,
                rows,
                k,
                block.shard == j,
                self.bounds[j],
                stats_of(j),
                memory,
            )
            for j, rows in enumerate(self.shards)
        ]
        return tree_reduce(parts, merge_topk, k, keep=1 if merge else FAN_IN)

    def radius_neighbors(self, block, max_distance, merge=True):
        """Delayed ``(similarities, indices)`` lists of the block's neighbours."""
        stats_of = self.block_stats(block)
        memory = _working_memory()
        parts = [
            delayed(radius_task)(
                self.measure,
                block.rows,
                rows,
                max_distance,
                block.shard == j,
                self.bounds[j],
                stats_of(j),
                memory,
            )
            for j, rows in enumerate(self.shards)
        ]
        return tree_reduce(parts, merge_radius, keep=1 if merge else FAN_IN)


def _working_memory():
    """The client's ``working_memory`` (MiB), which each task then uses."""
    from sklearn import get_config

    return get_config()["working_memory"]
