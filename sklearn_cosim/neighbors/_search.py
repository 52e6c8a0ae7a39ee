"""Exact top-k and radius search of prepared rows, on the tile loop."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from sklearn_cosim.metrics._base import ScaledRows
from sklearn_cosim.utils._tiles import Radius, TopK, map_tiles


def _run(measure, q, c, reducer, self_query, n_jobs, working_memory, verbose, label):
    return map_tiles(
        lambda qs: measure.scorer(q, c, qs, self_query=self_query),
        reducer,
        len(q),
        len(c),
        itemsize=np.dtype(getattr(c.X, "dtype", np.float64)).itemsize,
        row_bytes=measure.block_row_bytes(q, c),
        whole_blocks=isinstance(getattr(c, "E", None), ScaledRows),
        n_jobs=n_jobs,
        working_memory=working_memory,
        verbose=verbose,
        label=label,
    )


def kneighbors_search(
    measure,
    q,
    c,
    k,
    *,
    self_query=False,
    n_jobs=None,
    working_memory=None,
    verbose=0,
    label="kneighbors",
):
    """The `k` most similar corpus rows of every query.

    Parameters
    ----------
    measure : SimilarityMeasure
        The measure (fitted, for hubness reduction).

    q, c : Rows
        Prepared queries and corpus.

    k : int
        Number of neighbours, at most ``len(c) - self_query``.

    self_query : bool, default=False
        `q` is `c` itself: skip each row's own index.

    n_jobs : int, default=None
        Worker threads over query blocks (BLAS single-threaded inside).

    working_memory : float, default=None
        Memory budget in MiB (``sklearn.get_config()["working_memory"]``).

    verbose : int, default=0
        Progress over the query blocks, printed to stderr.

    label : str, default="kneighbors"
        What the progress lines call the search.

    Returns
    -------
    similarities : ndarray of shape (n_queries, k)
        Exact similarities in float64, in decreasing order.

    indices : ndarray of shape (n_queries, k)
        Corpus indices; ties are broken by the smaller index.
    """
    self_cols = np.arange(len(q)) if self_query else None
    reducer = TopK(k, self_cols)
    return _run(
        measure, q, c, reducer, self_query, n_jobs, working_memory, verbose, label
    )


def radius_search(
    measure,
    q,
    c,
    max_distance,
    *,
    self_query=False,
    n_jobs=None,
    working_memory=None,
    verbose=0,
):
    """Corpus rows within `max_distance` of every query, most similar first.

    Parameters
    ----------
    measure : SimilarityMeasure
        The measure.

    q, c : Rows
        Prepared queries and corpus.

    max_distance : float
        Largest distance (in the measure's distance) to report.

    self_query : bool, default=False
        `q` is `c` itself: skip each row's own index.

    n_jobs : int, default=None
        Worker threads over query blocks.

    working_memory : float, default=None
        Memory budget in MiB.

    verbose : int, default=0
        Progress over the query blocks, printed to stderr.

    Returns
    -------
    similarities : list of ndarray
        For each query, exact similarities in decreasing order.

    indices : list of ndarray
        For each query, the matching corpus indices.
    """
    self_cols = np.arange(len(q)) if self_query else None
    reducer = Radius(
        measure.similarity_from_distance(max_distance),
        self_cols,
        accept=lambda sims: measure.distance(sims) <= max_distance,
    )
    return _run(
        measure,
        q,
        c,
        reducer,
        self_query,
        n_jobs,
        working_memory,
        verbose,
        "radius_neighbors",
    )
