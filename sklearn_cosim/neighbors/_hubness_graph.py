"""Hubness reduction of any precomputed k-nearest-neighbour distance graph."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from scipy import sparse
from scipy.special import ndtr
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_cosim.neighbors._hubness import MP_SIGMA_FLOOR, SCALE_FLOOR
from sklearn_cosim.utils._param_validation import Interval, StrOptions, _fit_context
from sklearn_cosim.utils._typing import ArrayLike, MatrixLike
from sklearn_cosim.utils.validation import check_no_datetime

#: Default ``n_neighbors`` of each method (methods §6.6; CSLS: K = 10 of MUSE).
_DEFAULT_K = {"local_scaling": 7, "nicdm": 7, "csls": 10}


def _graph_rows(G):
    """Per-row (sorted) stored entries of a square-or-not distance graph.

    Returns CSR pieces with each row sorted by increasing distance, and a
    mask of self entries ``(i, i)`` (only in a square graph).
    """
    n_rows, n_cols = G.shape
    if sparse.issparse(G):
        G = sparse.csr_matrix(G)
        indptr, indices, data = G.indptr, G.indices.copy(), G.data.copy()
    else:
        dense = np.asarray(G)
        indptr = np.arange(0, n_rows * n_cols + 1, n_cols)
        indices = np.tile(np.arange(n_cols), n_rows)
        data = dense.ravel().copy()
    rows = np.repeat(np.arange(n_rows), np.diff(indptr))
    order = np.lexsort((indices, data, rows))
    indices, data = indices[order], data[order]
    is_self = (indices == rows) if n_rows == n_cols else np.zeros(len(rows), bool)
    return indptr, indices, data, rows, is_self


class HubnessReductionTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Re-weight a k-nearest-neighbour distance graph to reduce hubness.

    Graph in, graph out: ``fit`` takes the training graph (for instance
    ``KNeighborsTransformer(mode="distance").fit_transform(X_train)``) and
    learns a scale per training sample from its stored neighbours;
    ``transform`` re-weights a query graph (``transform(X_query)`` of the
    same neighbours transformer) with the query's own scale from its row,
    so the result feeds any estimator taking ``metric="precomputed"``.

    Zero distances (a sample stored as its own neighbour, as scikit-learn's
    transformers do, or an exact duplicate) are left out of every statistic
    and stay at distance 0; no column is assumed to be self, and each row is
    treated on its own, so ``fit_transform`` equals ``fit().transform()``.
    Rows are re-sorted by the new distance.

    Read more in the :ref:`User Guide <hubness_reduction>`.

    Parameters
    ----------
    method : {"mutual_proximity", "local_scaling", "nicdm", "csls"}, \
            default="mutual_proximity"
        ``"mutual_proximity"``: ``1 - SF(d; mu_x, sigma_x) SF(d; mu_y,
        sigma_y)``, normal survival functions with the mean and standard
        deviation (ddof 0) of each sample's ``n_neighbors`` stored distances
        (an approximation of the full-corpus statistics, which
        :class:`SimilarityNeighbors` computes exactly);
        ``"local_scaling"``: ``1 - exp(-d^2 / (sigma_x sigma_y))``, sigma the
        ``n_neighbors``-th stored distance; ``"nicdm"``: ``d / sqrt(mu_x
        mu_y)``, mu the mean of the ``n_neighbors`` stored distances;
        ``"csls"``: ``d - (mu_x + mu_y) / 2 + max(M, mu_x)``, mu as for
        NICDM and ``M`` the largest mu of the training samples, that is
        ``max(M, mu_x) - CSLS(x, y) / 2`` (see Notes). ``"dis_sim_local"``
        of the estimators' ``hubness=`` is not offered: see Notes.

    n_neighbors : int, default=None
        Neighbours used per row (self excluded). None: every stored
        neighbour for mutual proximity, ``min(7, stored)`` for local scaling
        and NICDM, ``min(10, stored)`` for CSLS.

    Attributes
    ----------
    n_neighbors_ : int
        Neighbours used per row.

    n_samples_fit_ : int
        Number of training samples (columns of the graphs).

    n_features_in_ : int
        Number of columns seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    SimilarityNeighbors : Exact hubness reduction on vectors (``hubness=``).
    sklearn.neighbors.KNeighborsTransformer : Builds the graphs.

    Notes
    -----
    Unlike scikit-hubness, self entries are never assumed in column 0 and
    never enter a statistic (neither at fit nor for queries), and local
    scaling keeps the exponential. Every row must store at least
    `n_neighbors` entries at a positive distance; rows need not be sorted.
    Dense input is read as a full distance matrix and gives dense output.

    CSLS on a graph. CSLS (Conneau et al. 2018) ranks by ``2 s(x, y) -
    r(x) - r(y)``, ``r`` the mean similarity to the ``n_neighbors`` nearest
    training samples. A graph holds distances only; with the similarity
    ``s = c - d`` of every measure whose distance is ``c - s`` (cosine:
    ``1 - cos``; dot, squared Euclidean: ``-s``; for a Euclidean graph
    ``s = -|x - y|``), ``r = c - mu`` and ``CSLS(x, y) = mu_x + mu_y -
    2 d``, whatever ``c``. Estimators taking ``metric="precomputed"`` need
    non-negative distances, so the output is ``max(M, mu_x) - CSLS / 2``:
    at least ``d`` (hence >= 0), the ordering of each row is the CSLS
    ordering, and wherever ``mu_x <= M`` (every training row, and queries
    that are not farther from the training set than its most isolated
    sample) the value is ``M - CSLS / 2`` with one constant ``M``, so
    values compare across rows (and the training graph is symmetric where
    both entries are stored).

    DisSim Local is not offered on graphs: it needs ``|x - c(x)|^2``, the
    squared distance of a sample to the centroid of its neighbours, which
    by ``|x - c|^2 = mean_i |x - y_i|^2 - mean_ij |y_i - y_j|^2 / 2`` needs
    the distances *between* the neighbours ``y_i`` themselves; a
    k-neighbours graph stores only the distances from each sample to its
    neighbours (and a query graph none between training samples), so only
    the vectors give it. Use ``SimilarityNeighbors(hubness="dis_sim_local")``
    or the classifier/regressor with that option.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier, KNeighborsTransformer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_cosim.neighbors import HubnessReductionTransformer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> pipe = make_pipeline(
    ...     KNeighborsTransformer(n_neighbors=10, mode="distance"),
    ...     HubnessReductionTransformer(method="local_scaling"),
    ...     KNeighborsClassifier(n_neighbors=5, metric="precomputed"),
    ... )
    >>> pipe.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    #: Inputs are precomputed distances (read by scikit-learn's common checks).
    metric = "precomputed"

    _parameter_constraints: dict = {
        "method": [StrOptions({"mutual_proximity", "local_scaling", "nicdm", "csls"})],
        "n_neighbors": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self, method: str = "mutual_proximity", *, n_neighbors: int | None = None
    ) -> None:
        self.method = method
        self.n_neighbors = n_neighbors

    def _validate(self, X, reset):
        check_no_datetime(X)
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
        )
        data = X.data if sparse.issparse(X) else X
        if np.any(data < 0):
            raise ValueError(
                "Negative values in data passed to HubnessReductionTransformer: "
                "X must hold non-negative distances (a k-neighbours graph in "
                "mode='distance')."
            )
        return X

    def _row_stats(self, X, k=None):
        """(per-row statistics, k, pieces of the sorted graph).

        Statistics use each row's first `k` stored entries with a positive
        distance: zero distances (the sample itself, or exact duplicates)
        carry no scale and are left out.
        """
        indptr, indices, data, rows, _ = _graph_rows(X)
        positive = data > 0
        counts = np.bincount(rows[positive], minlength=X.shape[0])
        stored = int(counts.min()) if X.shape[0] else 0
        if k is None:
            if self.n_neighbors is None:
                k = min(_DEFAULT_K.get(self.method, stored), stored)
            else:
                k = self.n_neighbors
        if k > stored or k < 1:
            raise ValueError(
                f"n_neighbors={k} needs at least that many stored neighbours at a "
                f"positive distance in every row of X, but a row has {stored}; "
                "build the graph with more neighbours or lower n_neighbors."
            )
        pos_rows = rows[positive]
        starts = np.searchsorted(pos_rows, np.arange(X.shape[0]))
        rank = np.arange(len(pos_rows)) - starts[pos_rows]
        take = rank < k
        neigh = data[positive][take].reshape(X.shape[0], k).astype(np.float64)
        if self.method == "local_scaling":
            stats = (np.maximum(neigh[:, -1], SCALE_FLOOR),)
        elif self.method == "nicdm":
            stats = (np.maximum(neigh.mean(axis=1), SCALE_FLOOR),)
        elif self.method == "csls":
            stats = (neigh.mean(axis=1),)
        else:
            stats = (neigh.mean(axis=1), np.maximum(neigh.std(axis=1), MP_SIGMA_FLOOR))
        return stats, k, (indptr, indices, data, rows)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: MatrixLike, y: ArrayLike | None = None
    ) -> "HubnessReductionTransformer":
        """Learn the scale of every training sample from its stored neighbours.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_samples)
            Training distance graph (or full distance matrix), square.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        if isinstance(self.n_neighbors, (bool, np.bool_)):
            raise ValueError(
                "n_neighbors must be an integer >= 1 or None, got "
                f"{self.n_neighbors!r} (a bool); pass the number of neighbours."
            )
        X = self._validate(X, reset=True)
        if X.shape[0] != X.shape[1]:
            raise ValueError(
                "The training graph X must be square (n_samples, n_samples), "
                f"got shape {X.shape}."
            )
        if X.shape[0] < 2:
            raise ValueError(
                f"HubnessReductionTransformer needs n_samples >= 2, got "
                f"n_samples={X.shape[0]}."
            )
        self._stats, self.n_neighbors_, _ = self._row_stats(X)
        if self.method == "csls":  # M: the largest training mean distance
            self._stats = (*self._stats, float(self._stats[0].max()))
        self.n_samples_fit_ = X.shape[0]
        self._n_features_out = X.shape[1]
        return self

    def transform(self, X: MatrixLike) -> sparse.csr_matrix:
        """Re-weight a graph of queries (rows) against the training samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_samples_fit)
            Distance graph of the queries (or full distance matrix).

        Returns
        -------
        graph : sparse matrix or ndarray of shape (n_queries, n_samples_fit)
            Re-weighted distances, each row sorted by increasing distance
            (sparse input gives CSR output with the same entries).
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        q_stats, _, (indptr, indices, data, rows) = self._row_stats(
            X, self.n_neighbors_
        )
        d = data.astype(np.float64)
        if self.method == "local_scaling":
            (s_q,), (s_c,) = q_stats, self._stats
            new = 1.0 - np.exp(-(d**2) / (s_q[rows] * s_c[indices]))
        elif self.method == "nicdm":
            (m_q,), (m_c,) = q_stats, self._stats
            new = d / np.sqrt(m_q[rows] * m_c[indices])
        elif self.method == "csls":
            (m_q,), (m_c, top) = q_stats, self._stats
            shift = np.maximum(m_q, top)[rows]  # >= both means: new >= d >= 0
            new = d + (0.5 * (shift - m_q[rows]) + 0.5 * (shift - m_c[indices]))
        else:
            (m_q, s_q), (m_c, s_c) = q_stats, self._stats
            sf_q = ndtr((m_q[rows] - d) / s_q[rows])
            sf_c = ndtr((m_c[indices] - d) / s_c[indices])
            new = 1.0 - sf_q * sf_c
        new[d == 0] = 0.0
        order = np.lexsort((indices, new, rows))
        out = sparse.csr_matrix(
            (new[order].astype(X.dtype), indices[order], indptr), shape=X.shape
        )
        if not sparse.issparse(X):
            return out.toarray()
        return out

    def fit_transform(
        self, X: MatrixLike, y: ArrayLike | None = None
    ) -> sparse.csr_matrix:
        """Fit to the training graph, then re-weight it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_samples)
            Training distance graph.

        y : None
            Ignored.

        Returns
        -------
        graph : sparse matrix or ndarray of shape (n_samples, n_samples)
            Re-weighted training graph.
        """
        return self.fit(X).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.pairwise = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
