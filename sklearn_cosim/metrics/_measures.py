"""Similarity measures as objects the block engine can run fast."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import threading
from numbers import Real

import numpy as np
from scipy import sparse
from scipy.linalg import get_blas_funcs

from sklearn_cosim.utils._chunking import working_memory_bytes
from sklearn_cosim.utils._threads import map_row_chunks

__all__ = ["PreparedRows", "SimilarityMeasure"]


def _row_norms64(X):
    """Euclidean norms of the rows of `X`, accumulated in float64."""
    if sparse.issparse(X):
        sq = np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
        return np.sqrt(sq)
    out = np.empty(X.shape[0], dtype=np.float64)
    step = max(1, 2**22 // max(X.shape[1], 1))
    for start in range(0, X.shape[0], step):
        block = np.asarray(X[start : start + step], dtype=np.float64)
        out[start : start + step] = np.sqrt(np.einsum("ij,ij->i", block, block))
    return out


def _scale_rows(X, factors):
    """Return `X` with row `i` multiplied by ``factors[i]``, in the dtype of `X`."""
    factors = factors.astype(X.dtype, copy=False)
    if sparse.issparse(X):
        out = sparse.csr_matrix(X, dtype=X.dtype, copy=True)
        out.data *= np.repeat(factors, np.diff(out.indptr))
        return out
    return X * factors[:, None]


def _inverse_or_zero(values):
    """``1 / values`` where ``values > 0`` and 0 elsewhere (no warning)."""
    out = np.zeros_like(values, dtype=np.float64)
    np.divide(1.0, values, out=out, where=values > 0)
    return out


def _pair_dots(A, B, i, j):
    """Float64 dot products ``A[i[t]] . B[j[t]]`` for every pair ``t``."""
    if sparse.issparse(A) or sparse.issparse(B):
        A_rows = A[i] if sparse.issparse(A) else sparse.csr_matrix(A[i])
        B_rows = B[j] if sparse.issparse(B) else sparse.csr_matrix(B[j])
        prod = A_rows.multiply(B_rows)
        return np.asarray(prod.sum(axis=1), dtype=np.float64).ravel()
    out = np.empty(len(i), dtype=np.float64)
    # chunks of 2**18 values (2 MiB in float64) per operand
    step = max(1, 2**18 // max(A.shape[1], 1))
    for start in range(0, len(i), step):
        a = np.asarray(A[i[start : start + step]], dtype=np.float64)
        b = np.asarray(B[j[start : start + step]], dtype=np.float64)
        out[start : start + step] = np.einsum("ij,ij->i", a, b)
    return out


def _dense(block):
    """Dense ndarray of a GEMM result that may be sparse or a matrix."""
    if sparse.issparse(block):
        return block.toarray()
    return np.asarray(block)


def _gemm(A, B, out=None):
    """``A @ B.T`` for dense or sparse operands, into `out` when both are dense."""
    if sparse.issparse(A) or sparse.issparse(B):
        result = _dense(A @ B.T)
        if out is not None and out.shape == result.shape:
            out[...] = result
            return out
        return result
    if out is not None:
        return np.matmul(A, B.T, out=out)
    return A @ B.T


class PreparedRows:
    """Rows of a matrix with what a measure needs of them.

    The engine builds one for the fitted corpus (once, at ``fit``) and one for
    every block of queries.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The validated rows.

    E : {ndarray, sparse matrix} of shape (n_samples, n_embedded), default=None
        The operand of the block product. The engine computes
        ``E_query @ E_corpus.T`` for each block. None when the measure computes
        its blocks without a product.

    norms : ndarray of shape (n_samples,), default=None
        Euclidean norms of the rows of `X`, in float64.

    **extra : dict
        Other per-row statistics (for instance ``bias``, added to every column
        of a block by the engine when it belongs to the corpus).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.metrics import get_similarity
    >>> rows = get_similarity("cosine").prepare(np.array([[3.0, 4.0]]), {})
    >>> rows.norms
    array([5.])
    >>> rows.E
    array([[0.6, 0.8]])
    """

    def __init__(self, X, E=None, norms=None, **extra):
        self.X = X
        self.E = E
        self.norms = norms
        self.extra = extra

    def __len__(self):
        return self.X.shape[0]


class SimilarityMeasure:
    """A similarity measure the block engine can run.

    Subclass it and register an instance with
    :func:`~sklearn_cosim.metrics.pairwise.register_similarity` to add a
    named measure that every function and estimator of the library accepts.
    The engine computes, for each block of queries and each tile of the
    corpus, ``G = E_query @ E_corpus.T`` (one BLAS product in the input dtype),
    adds the corpus ``bias`` if the prepared corpus has one, then calls
    :meth:`score_block` to turn ``G`` in place into a *ranking score*: a
    value that orders the corpus for each query exactly as the similarity
    does (larger is closer). The top entries are then re-scored exactly with
    :meth:`similarity_pairs`.

    A measure whose similarity is a function of inner products and norms
    only needs :meth:`prepare` and :meth:`similarity_pairs`: the default
    :meth:`score_block` keeps ``G`` as it is.

    Attributes
    ----------
    name : str
        Name under which the measure is registered.

    params : dict
        Accepted keyword parameters and their defaults.

    accepts_sparse : bool
        Whether CSR input is accepted.

    nonnegative_distance : bool
        Whether :meth:`distance` is never negative (needed by estimators
        that take ``metric="precomputed"`` graphs).

    queries_as_corpus : bool
        Whether :meth:`prepare` gives the same rows for queries as for the
        corpus, so that searching the fitted set itself (``X=None``) reuses
        the prepared corpus instead of preparing it again.

    accepts_floor : bool
        Whether :meth:`scores` takes a ``floor`` keyword: the running k-th
        best score of each query row during a top-k search. Entries that
        certainly score below it may then be returned as any value below it,
        which lets an expensive measure skip them.

    approximate_scores : bool
        Whether :meth:`scores` takes an ``approximate`` keyword. With
        ``approximate=True`` it may return scores in a lower precision than
        the data (float32 for float64 data), each within
        :meth:`score_error` of the exact score; the engine then keeps extra
        candidates, proves from the bound that the exact top-k is among
        them (or searches again with a widened threshold) and re-scores
        them exactly, so results are those of the exact computation.

    Examples
    --------
    A measure that ranks by the dot product of the square roots of
    non-negative features (the Hellinger affinity):

    >>> import numpy as np
    >>> from sklearn_cosim.metrics import PreparedRows, SimilarityMeasure
    >>> from sklearn_cosim.metrics.pairwise import (
    ...     pairwise_similarity, register_similarity, unregister_similarity)
    >>> class Hellinger(SimilarityMeasure):
    ...     name = "hellinger"
    ...     accepts_sparse = False
    ...     def prepare(self, X, params, corpus=None):
    ...         return PreparedRows(X, E=np.sqrt(np.clip(X, 0, None)))
    ...     def similarity_pairs(self, q, c, i, j, params):
    ...         return np.einsum("ij,ij->i", q.E[i], c.E[j])
    >>> register_similarity(Hellinger())
    >>> pairwise_similarity([[1.0, 0.0], [0.25, 0.25]], metric="hellinger")
    array([[1. , 0.5],
           [0.5, 0.5]])
    >>> unregister_similarity("hellinger")
    """

    name = None
    params: dict = {}
    accepts_sparse = True
    nonnegative_distance = False
    queries_as_corpus = False
    accepts_floor = False
    approximate_scores = False

    # -- parameters -----------------------------------------------------------
    def check_params(self, params):
        """Validate the measure's keyword parameters and fill in defaults.

        Parameters
        ----------
        params : dict
            Parameters given by the user.

        Returns
        -------
        params : dict
            All parameters of the measure.
        """
        params = dict(params or {})
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            accepted = ", ".join(sorted(self.params)) or "none"
            raise ValueError(
                f"Unknown parameter(s) {unknown} for metric={self.name!r}; "
                f"it accepts: {accepted}. Pass measure parameters as keyword "
                "arguments or through `metric_params`."
            )
        return {**self.params, **params}

    # -- the engine's hooks -----------------------------------------------------
    def prepare(self, X, params, corpus=None):
        """Compute the product operand and row statistics of `X`.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Validated input rows (finite, float32 or float64).

        params : dict
            Parameters returned by :meth:`check_params`.

        corpus : PreparedRows, default=None
            None when `X` is the corpus; the prepared corpus when `X` holds
            queries.

        Returns
        -------
        rows : PreparedRows
            The prepared rows.
        """
        return PreparedRows(X, E=X, norms=_row_norms64(X))

    def score_block(self, G, q, c, qs, cs, params):
        """Turn the block product into ranking scores, in place.

        Parameters
        ----------
        G : ndarray of shape (n_block_queries, n_block_corpus)
            ``q.E[qs] @ c.E[cs].T`` plus the corpus bias, if any.

        q, c : PreparedRows
            Prepared queries and corpus.

        qs, cs : slice
            Rows of `q` and `c` that the block covers.

        params : dict
            Parameters of the measure.

        Returns
        -------
        G : ndarray
            The ranking scores (larger is closer), usually `G` itself.
        """
        return G

    def scores(self, q, c, qs, cs, params, out=None):
        """Ranking scores of a block of queries against a tile of the corpus.

        Parameters
        ----------
        q, c : PreparedRows
            Prepared queries and corpus.

        qs, cs : slice
            Rows of `q` and `c` that the block covers.

        params : dict
            Parameters of the measure.

        out : ndarray, default=None
            Buffer of the block's shape and dtype to write into.

        Returns
        -------
        G : ndarray of shape (n_block_queries, n_block_corpus)
            Ranking scores, larger is closer.
        """
        G = _gemm(q.E[qs], c.E[cs], out=out)
        bias = c.extra.get("bias")
        if bias is not None:
            G += bias[cs]
        return self.score_block(G, q, c, qs, cs, params)

    def score_error(self, q, c, qs, params):
        """Bound on the error of approximate scores of query rows `qs`.

        Only called for measures with ``approximate_scores = True``, before
        the block's first :meth:`scores` call and after its last.

        Parameters
        ----------
        q, c : PreparedRows
            Prepared queries and corpus.

        qs : slice
            Rows of `q` of the block.

        params : dict
            Parameters of the measure.

        Returns
        -------
        error : ndarray of shape (n_block_queries,) or None
            For each query row, a bound on ``|approximate - exact|`` of its
            scores against every corpus row; None when the scores are exact.
        """
        return None

    def query_row_bytes(self, q, c):
        """Memory the measure holds per query row of a block, besides the scores.

        The engine sizes its blocks so that this, with the score tiles, fits
        the working memory. The default is 0.

        Parameters
        ----------
        q, c : PreparedRows
            Prepared queries and corpus.

        Returns
        -------
        n_bytes : int
            Bytes per query row.
        """
        return 0

    def release(self, q, qs):
        """Drop what was cached for the query rows `qs`; the engine is done with them.

        Parameters
        ----------
        q : PreparedRows
            Prepared queries.

        qs : slice
            Rows of `q` of the finished block.
        """

    def similarity_pairs(self, q, c, i, j, params):
        """Exact similarities of the pairs ``(q[i[t]], c[j[t]])``, in float64.

        Parameters
        ----------
        q, c : PreparedRows
            Prepared queries and corpus.

        i, j : ndarray of shape (n_pairs,)
            Row indices into `q` and `c`.

        params : dict
            Parameters of the measure.

        Returns
        -------
        similarities : ndarray of shape (n_pairs,)
            Similarities in float64.
        """
        raise NotImplementedError

    def similarity_block(self, q, c, qs, cs, params):
        """Exact similarities of a block (used for full pairwise matrices).

        The default re-scores every pair with :meth:`similarity_pairs`.

        Parameters
        ----------
        q, c : PreparedRows
            Prepared rows.

        qs, cs : slice
            Rows of `q` and `c` that the block covers.

        params : dict
            Parameters of the measure.

        Returns
        -------
        similarities : ndarray of shape (n_block_queries, n_block_corpus)
            Similarities in float64.
        """
        rows = np.arange(qs.start, qs.stop)
        cols = np.arange(cs.start, cs.stop)
        i = np.repeat(rows, len(cols))
        j = np.tile(cols, len(rows))
        return self.similarity_pairs(q, c, i, j, params).reshape(len(rows), -1)

    def score_threshold(self, min_similarity, q, qs, params):
        """Smallest ranking score a pair of similarity `min_similarity` can have.

        Used by radius searches. The default suits measures whose score is
        the similarity itself; None means no score bound is known, and every
        pair is re-scored exactly.

        Parameters
        ----------
        min_similarity : float
            Similarity threshold.

        q : PreparedRows
            Prepared queries.

        qs : slice
            Rows of `q` the thresholds are for.

        params : dict
            Parameters of the measure.

        Returns
        -------
        thresholds : ndarray of shape (n_block_queries,) or None
            Score thresholds, one per query.
        """
        if type(self).score_block is not SimilarityMeasure.score_block:
            return None
        return np.full(qs.stop - qs.start, min_similarity, dtype=np.float64)

    # -- orientation --------------------------------------------------------------
    def distance(self, similarity, params):
        """Distance reported by estimators for a similarity (default ``-s``).

        Parameters
        ----------
        similarity : ndarray
            Similarities.

        params : dict
            Parameters of the measure.

        Returns
        -------
        distance : ndarray
            Distances, decreasing in the similarity.
        """
        return -similarity

    def similarity_from_distance(self, distance, params):
        """Inverse of :meth:`distance`.

        Parameters
        ----------
        distance : float or ndarray
            Distances.

        params : dict
            Parameters of the measure.

        Returns
        -------
        similarity : float or ndarray
            Similarities.
        """
        return -distance

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


# ------------------------------------------------------------------------------------
# The built-in measures
# ------------------------------------------------------------------------------------
class _OneMinusDistance:
    """Mixin: the distance is ``1 - s``, clipped to `distance_bounds` if set."""

    distance_bounds = None

    def distance(self, similarity, params):
        distance = 1.0 - similarity
        if self.distance_bounds is None:
            return distance
        return np.clip(distance, *self.distance_bounds)

    def similarity_from_distance(self, distance, params):
        return 1.0 - distance


def _check_real(name, value, low=None, high=None):
    """A finite real number within [low, high]; ValueError naming `name`."""
    if (
        not isinstance(value, Real)
        or isinstance(value, (bool, np.bool_))
        or not np.isfinite(value)
    ):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value!r}.")
    return value


class _CosineFamily(SimilarityMeasure):
    """Helpers for measures that rank by the cosine of the unit rows."""

    def _unit(self, X):
        norms = _row_norms64(X)
        return norms, _scale_rows(X, _inverse_or_zero(norms))

    def _cosine_pairs(self, q, c, i, j):
        dots = _pair_dots(q.X, c.X, i, j)
        cos = dots * _inverse_or_zero(q.norms[i] * c.norms[j])
        return np.clip(cos, -1.0, 1.0)

    def _cosine_block(self, q, c, qs, cs):
        G = _dense(_gemm(q.X[qs], c.X[cs])).astype(np.float64, copy=False)
        G *= _inverse_or_zero(q.norms[qs])[:, None]
        G *= _inverse_or_zero(c.norms[cs])
        return np.clip(G, -1.0, 1.0, out=G)


def _float32_error_factor(X):
    """Bound on ``|fl32(a.b) - a.b| / (|a| |b|)`` for dense float64 rows, or None.

    Rounding both operands to float32 and a float32 dot product of
    ``n_features`` terms (in any order, as BLAS may sum) err by at most
    ``gamma_{n+3} = (n+3)u / (1 - (n+3)u)`` times ``sum |a_i b_i| <= |a| |b|``,
    with ``u = 2**-24`` (Higham, *Accuracy and Stability of Numerical
    Algorithms*, 3.1); a margin covers the float64 rounding of the unit rows
    and underflow. None for sparse or float32 data, or when the bound would
    be too loose to be useful.
    """
    if sparse.issparse(X) or X.dtype != np.float64:
        return None
    n = X.shape[1] + 3
    unit = 2.0**-24
    if n * unit >= 0.01:
        return None
    return 1.001 * n * unit / (1.0 - n * unit) + n * float(np.finfo(np.float32).tiny)


class CosineMeasure(_OneMinusDistance, _CosineFamily):
    """``cos(x, y) = x.y / (|x| |y|)``; distance ``1 - cos``; zero rows give 0."""

    name = "cosine"
    queries_as_corpus = True
    nonnegative_distance = True
    distance_bounds = (0.0, 2.0)
    approximate_scores = True

    def prepare(self, X, params, corpus=None):
        norms, unit = self._unit(X)
        return PreparedRows(X, E=unit, norms=norms)

    # Dense float64 data: top-k and radius searches multiply float32 copies
    # of the unit rows (made on the first search, then kept) and re-score
    # the candidates exactly; full similarity matrices never need them.
    _float32_lock = threading.Lock()

    @classmethod
    def _float32_rows(cls, rows):
        E32 = rows.extra.get("E32")
        if E32 is None:
            with cls._float32_lock:  # once, whichever block thread asks first
                E32 = rows.extra.get("E32")
                if E32 is None:
                    E32 = rows.extra["E32"] = rows.E.astype(np.float32)
        return E32

    @staticmethod
    def _float32_gamma(q, c):
        """The float32 error factor if queries and corpus are dense float64."""
        if _float32_error_factor(c.X) is None:
            return None
        return _float32_error_factor(q.X)

    def score_error(self, q, c, qs, params):
        gamma = self._float32_gamma(q, c)
        if gamma is None:
            return None
        # |fl32(a.b) - a.b| <= gamma |a| |b| for the unit rows (norms <= 1)
        return np.full(qs.stop - qs.start, gamma)

    def scores(self, q, c, qs, cs, params, out=None, approximate=False):
        if approximate and self._float32_gamma(q, c) is not None:
            A = self._float32_rows(q)[qs]
            B = self._float32_rows(c)[cs]
            if out is not None and out.dtype == np.float32:
                return np.matmul(A, B.T, out=out)
            return A @ B.T
        return super().scores(q, c, qs, cs, params, out=out)

    def similarity_pairs(self, q, c, i, j, params):
        return self._cosine_pairs(q, c, i, j)

    def similarity_block(self, q, c, qs, cs, params):
        return np.clip(_dense(_gemm(q.E[qs], c.E[cs])), -1.0, 1.0)


class DotMeasure(SimilarityMeasure):
    """``x.y``; distance ``-x.y``."""

    name = "dot"
    queries_as_corpus = True

    def similarity_pairs(self, q, c, i, j, params):
        return _pair_dots(q.X, c.X, i, j)

    def similarity_block(self, q, c, qs, cs, params):
        return _dense(_gemm(q.X[qs], c.X[cs]))


class SqEuclideanMeasure(SimilarityMeasure):
    """Similarity ``-|x - y|^2``; distance ``|x - y|^2``."""

    name = "sqeuclidean"
    queries_as_corpus = True
    nonnegative_distance = True

    def prepare(self, X, params, corpus=None):
        norms = _row_norms64(X)
        rows = PreparedRows(X, E=X, norms=norms)
        if corpus is None:
            # score = q.c - |c|^2 / 2 orders the corpus as -|q - c|^2 does
            rows.extra["bias"] = (-0.5 * norms**2).astype(X.dtype)
        return rows

    def _sq_pairs(self, q, c, i, j):
        if not (sparse.issparse(q.X) or sparse.issparse(c.X)):
            out = np.empty(len(i), dtype=np.float64)
            step = max(1, 2**20 // max(q.X.shape[1], 1))
            for start in range(0, len(i), step):
                a = np.asarray(q.X[i[start : start + step]], dtype=np.float64)
                a -= c.X[j[start : start + step]]
                out[start : start + step] = np.einsum("ij,ij->i", a, a)
            return out
        sq = q.norms[i] ** 2 + c.norms[j] ** 2 - 2.0 * _pair_dots(q.X, c.X, i, j)
        return np.maximum(sq, 0.0)

    def _sq_block(self, q, c, qs, cs):
        A, B = q.X[qs], c.X[cs]
        A = A.astype(np.float64) if A.dtype != np.float64 else A
        B = B.astype(np.float64) if B.dtype != np.float64 else B
        G = _dense(_gemm(A, B))
        G *= -2.0
        G += (q.norms[qs] ** 2)[:, None]
        G += c.norms[cs] ** 2
        return np.maximum(G, 0.0, out=G)

    def similarity_pairs(self, q, c, i, j, params):
        return -self._sq_pairs(q, c, i, j)

    def similarity_block(self, q, c, qs, cs, params):
        return -self._sq_block(q, c, qs, cs)

    def score_threshold(self, min_similarity, q, qs, params):
        # -|q-c|^2 >= s  <=>  q.c - |c|^2/2 >= (s + |q|^2) / 2
        return 0.5 * (min_similarity + q.norms[qs] ** 2)

    def distance(self, similarity, params):
        return np.maximum(-similarity, 0.0)


class EuclideanMeasure(SqEuclideanMeasure):
    """Similarity ``-|x - y|``; distance ``|x - y|``."""

    name = "euclidean"

    def similarity_pairs(self, q, c, i, j, params):
        return -np.sqrt(self._sq_pairs(q, c, i, j))

    def similarity_block(self, q, c, qs, cs, params):
        return -np.sqrt(self._sq_block(q, c, qs, cs))

    def score_threshold(self, min_similarity, q, qs, params):
        sq = -(min(min_similarity, 0.0) ** 2)
        return super().score_threshold(sq, q, qs, params)


class AngularMeasure(CosineMeasure):
    """Distance ``arccos(cos) / pi`` in [0, 1]; similarity ``1 - distance``."""

    name = "angular"
    distance_bounds = (0.0, 1.0)

    def similarity_pairs(self, q, c, i, j, params):
        return 1.0 - np.arccos(self._cosine_pairs(q, c, i, j)) / np.pi

    def similarity_block(self, q, c, qs, cs, params):
        cos = super().similarity_block(q, c, qs, cs, params)
        return 1.0 - np.arccos(cos) / np.pi

    def score_threshold(self, min_similarity, q, qs, params):
        angle = np.pi * (1.0 - np.clip(min_similarity, 0.0, 1.0))
        return np.full(qs.stop - qs.start, np.cos(angle))


class _LazySoftQueryRows(PreparedRows):
    """Soft-cosine query rows whose operand and soft norms are built on first use.

    The fast search path never needs them: it normalises each block's dense
    ``Q S`` on the engine's threads. Any other use of :attr:`E` (or of the
    ``s_norms`` entry, through :meth:`SoftCosineMeasure._query_s_norms`)
    builds both once, under a lock.
    """

    def __init__(self, X, norms, finish, **extra):
        self._E = None
        self._finish = finish
        self._lock = threading.Lock()
        super().__init__(X, E=None, norms=norms, **extra)

    @property
    def E(self):
        if self._E is None:
            with self._lock:
                if self._E is None:
                    E, s_norms = self._finish(self)
                    self.extra["s_norms"] = s_norms
                    self._E = E
        return self._E

    @E.setter
    def E(self, value):
        if value is not None:
            self._E = value


def _sparse_soft_sq_norms(X, S, rows, max_entries=2**22):
    """``x'Sx`` of the CSR rows `rows` of `X`, for a symmetric CSR `S`, in float64.

    ``x'Sx`` only needs ``x S`` at the non-zeros of ``x``. For a block of
    rows, the product is restricted to the columns of the terms the block
    uses: ``X_b S[:, T_b]`` with ``S[:, T_b] = S[T_b].T`` (S is symmetric),
    a small fraction of the full ``X_b S`` when the rows are short.
    """
    out = np.empty(rows.stop - rows.start, dtype=np.float64)
    start = rows.start
    while start < rows.stop:
        stop = min(start + 256, rows.stop)
        while True:
            Xb = X[start:stop]
            terms, where = np.unique(Xb.indices, return_inverse=True)
            if (stop - start) * terms.size <= max_entries or stop - start == 1:
                break
            stop = start + (stop - start) // 2
        P = _dense(Xb @ sparse.csr_matrix(S[terms].T))
        owner = np.repeat(np.arange(stop - start), np.diff(Xb.indptr))
        vals = P[owner, where.ravel()].astype(np.float64) * Xb.data
        out[start - rows.start : stop - rows.start] = np.bincount(
            owner, weights=vals, minlength=stop - start
        )
        start = stop
    return out


class SoftCosineMeasure(_OneMinusDistance, _CosineFamily):
    """``x'Sy / sqrt(x'Sx y'Sy)``; distance ``1 - s``; zero S-norm rows give 0.

    The corpus operand is ``C / |c|_S`` (as sparse as the corpus) and the
    query operand ``Q S / |q|_S``: `S` is applied on the query side, so a
    sparse corpus never becomes the much denser ``C S`` and memory stays
    proportional to the corpus. For sparse data each block of queries gets
    a dense ``(Q S)'`` on the corpus' terms (:class:`_SoftQueryBlock`,
    :class:`_LocalTerms`); top-k searches on float64 data multiply it in
    float32 within :meth:`score_error` and re-score exactly. Soft norms
    ``|x|_S = sqrt(x'Sx)`` are accumulated in float64. Empty (all-zero) rows
    have soft norm 0 and similarity 0 with every row.
    """

    name = "soft_cosine"
    distance_bounds = (0.0, 2.0)
    params = {"S": None}
    nonnegative_distance = True

    def check_params(self, params):
        params = super().check_params(params)
        S = params["S"]
        if S is None:
            raise ValueError(
                "metric='soft_cosine' needs the term-similarity matrix `S` "
                "(shape (n_features, n_features)); pass it as S=... or in "
                "metric_params={'S': ...}."
            )
        if sparse.issparse(S):
            S = sparse.csr_matrix(S, dtype=np.float64)
            S.sum_duplicates()
            data = S.data
        else:
            S = np.asarray(S, dtype=np.float64)
            data = S
        if S.ndim != 2 or S.shape[0] != S.shape[1]:
            raise ValueError(
                f"S must be a square (n_features, n_features) matrix, got shape "
                f"{S.shape}."
            )
        if not np.all(np.isfinite(data)):
            raise ValueError("S contains NaN or infinity; every entry must be finite.")
        asym = abs(S - S.T)
        asym = asym.max() if asym.size or sparse.issparse(asym) else 0.0
        scale = abs(data).max() if data.size else 0.0
        if asym > 1e-8 * max(scale, 1.0):
            raise ValueError(
                f"S must be symmetric (max |S - S.T| = {float(asym):.3g}); "
                "symmetrise it, e.g. with (S + S.T) / 2."
            )
        params["S"] = S
        return params

    @staticmethod
    def _times_S(X, S):
        """``X @ S`` in the dtype of `X`; CSR when `X` is sparse, else ndarray."""
        XS = X @ S
        if sparse.issparse(XS):
            # indices are left unsorted: only the fallback look-up needs them
            # sorted, and it sorts the rows it reads
            return sparse.csr_matrix(XS, dtype=X.dtype)
        return np.asarray(XS, dtype=X.dtype)

    def _soft_sq_norms(self, X, S, XS=None):
        """``x'Sx`` of every row in float64, in row chunks when `XS` is None."""
        n = X.shape[0]
        if XS is not None:
            return _pair_dots(XS, X, np.arange(n), np.arange(n))
        if sparse.issparse(X) and sparse.issparse(S):
            return np.concatenate(
                map_row_chunks(lambda part: _sparse_soft_sq_norms(X, S, part), n)
                or [np.zeros(0)]
            )
        nnz_row = S.nnz / max(S.shape[0], 1) if sparse.issparse(S) else S.shape[0]
        step = max(1, int(2**23 // max(nnz_row * 8, X.shape[1], 1)))

        def norms_of(part):  # row chunks of `part`, bounded memory
            out = np.empty(part.stop - part.start, dtype=np.float64)
            for start in range(part.start, part.stop, step):
                rows = slice(start, min(start + step, part.stop))
                block = X[rows]
                idx = np.arange(block.shape[0])
                out[rows.start - part.start : rows.stop - part.start] = _pair_dots(
                    self._times_S(block, S), block, idx, idx
                )
            return out

        # the sparse products release the GIL: threads over row ranges
        return np.concatenate(map_row_chunks(norms_of, n) or [np.zeros(0)])

    def prepare(self, X, params, corpus=None):
        S = params["S"]
        if X.shape[1] != S.shape[0]:
            raise ValueError(
                f"S has shape {S.shape} but X has {X.shape[1]} features; S must "
                "be (n_features, n_features)."
            )
        S = S.astype(X.dtype) if S.dtype != X.dtype else S
        norms = _row_norms64(X)
        s_max = float(abs(S).max()) if S.size else 0.0
        if corpus is None:
            s_norms = self._soft_norms(self._soft_sq_norms(X, S), norms, s_max)
            E = _scale_rows(X, _inverse_or_zero(s_norms))
            rows = PreparedRows(X, E=E, norms=norms, s_norms=s_norms)
            if sparse.issparse(X):
                rows.extra["local"] = _LocalTerms(X, S, norms, s_norms)
            return rows

        def finish(rows):
            XS = rows.extra["XS"] = self._times_S(X, S)
            s_norms = self._soft_norms(self._soft_sq_norms(X, S, XS), norms, s_max)
            return _scale_rows(XS, _inverse_or_zero(s_norms)), s_norms

        # Q S, the soft norms and the operand are built per block on the
        # engine's threads (see _query_block), or here on first other use
        return _LazySoftQueryRows(X, norms, finish, S=S, s_max=s_max)

    @staticmethod
    def _soft_norms(s_sq, norms, s_max, offset=0):
        """``sqrt(x'Sx)``; a clearly negative ``x'Sx`` means S is not PSD."""
        bad = np.flatnonzero(s_sq < -1e-5 * norms**2 * s_max)
        if bad.size:
            raise ValueError(
                f"S is not positive semi-definite on the data: row "
                f"{bad[0] + offset} has x'Sx = {s_sq[bad[0]]:.3g} < 0, so its soft "
                "norm is undefined. Make S positive semi-definite (e.g. clip its "
                "negative eigenvalues, or build it diagonally dominant)."
            )
        return np.sqrt(np.maximum(s_sq, 0.0))

    @staticmethod
    def _query_s_norms(q):
        q.E
        return q.extra["s_norms"]

    @staticmethod
    def _lookup_pair_dots(A, B, i, j):
        """``A[i[t]] . B[j[t]]`` in float64 for CSR `A` (dense rows) and `B`.

        Walks the few non-zeros of the rows of `B` and looks the matching
        entries of `A` up by binary search, instead of multiplying the long
        rows of `A` (the query rows ``q S``) element-wise.
        """
        if len(i) == 0:
            return np.zeros(0)
        lo, hi = int(i.min()), int(i.max()) + 1
        was_sorted = A.has_sorted_indices
        A = A[lo:hi]
        if was_sorted:
            A.has_sorted_indices = True
        A.sort_indices()
        n_cols = A.shape[1]
        keys = np.repeat(np.arange(hi - lo, dtype=np.int64), np.diff(A.indptr))
        keys = keys * n_cols + A.indices
        B_rows = B[j]
        counts = np.diff(B_rows.indptr)
        pair = np.repeat(np.arange(len(i)), counts)
        wanted = (i[pair] - lo).astype(np.int64) * n_cols + B_rows.indices
        pos = np.searchsorted(keys, wanted)
        pos = np.minimum(pos, max(keys.size - 1, 0))
        found = keys[pos] == wanted if keys.size else np.zeros(wanted.size, bool)
        prod = np.where(found, A.data[pos] if keys.size else 0.0, 0.0)
        prod = prod.astype(np.float64) * B_rows.data
        return np.bincount(pair, weights=prod, minlength=len(i))

    @staticmethod
    def _dense_block_dots(AT, start, B, i, j):
        """``E_q[i] . B[j]`` read from a block's dense ``E_q.T`` (rows from `start`)."""
        B_rows = B[j]
        counts = np.diff(B_rows.indptr)
        pair = np.repeat(np.arange(len(i)), counts)
        vals = AT[B_rows.indices, i[pair] - start].astype(np.float64)
        vals *= B_rows.data
        return np.bincount(pair, weights=vals, minlength=len(i))

    def similarity_pairs(self, q, c, i, j, params):
        blocks = q.extra.get("blocks", {})
        if len(i) and blocks:
            lo, hi = int(i.min()), int(i.max()) + 1
            for (start, stop), block in list(blocks.items()):
                if block is not None and start <= lo and hi <= stop:
                    # the block's dense (Q S)' is at hand
                    local = c.extra["local"]
                    dots = self._dense_block_dots(block.AT_exact, start, local.X, i, j)
                    inv_c = _inverse_or_zero(c.extra["s_norms"][j])
                    s = dots * block.inv[i - start] * inv_c
                    return np.clip(s, -1.0, 1.0)
        q_norms = self._query_s_norms(q)  # builds the query rows' Q S if lazy
        XS = q.extra["XS"]
        if sparse.issparse(XS) and sparse.issparse(c.X):
            dots = self._lookup_pair_dots(XS, c.X, i, j)
        else:
            dots = _pair_dots(XS, c.X, i, j)
        s = dots * _inverse_or_zero(q_norms[i] * c.extra["s_norms"][j])
        return np.clip(s, -1.0, 1.0)

    # -- block products ------------------------------------------------------------
    #: Density of a query block's ``Q S`` (on the corpus' terms) above which
    #: the product with the sparse corpus runs as sparse x dense (vectorised
    #: over the queries) instead of sparse x sparse.
    DENSE_QUERY_DENSITY = 0.03
    #: Query rows densified at a time by :meth:`similarity_block`.
    DENSE_QUERY_ROWS = 256
    #: Query blocks whose dense operand is kept at most (threads in flight).
    MAX_CACHED_BLOCKS = 8

    approximate_scores = True

    @staticmethod
    def _local_terms(q, c):
        """The corpus' term map when these queries take the dense-block route."""
        return c.extra.get("local") if sparse.issparse(q.X) else None

    def _query_block(self, q, c, qs):
        """The dense operand of query rows `qs`, built once per block (or None).

        None means the sparse route: no local term map, dense input, or a
        ``Q S`` too sparse to densify.
        """
        local = self._local_terms(q, c)
        if local is None:
            return None
        blocks = q.extra.setdefault("blocks", {})
        key = (qs.start, qs.stop)
        if key not in blocks:
            block = _SoftQueryBlock.build(self, q, local, qs)
            while len(blocks) >= self.MAX_CACHED_BLOCKS:
                try:  # a safety net: the engine releases blocks it is done with
                    blocks.pop(next(iter(blocks)), None)
                except (RuntimeError, StopIteration):  # pragma: no cover
                    break
            blocks[key] = block
        return blocks[key]

    def release(self, q, qs):
        q.extra.get("blocks", {}).pop((qs.start, qs.stop), None)

    def query_row_bytes(self, q, c):
        local = self._local_terms(q, c)
        if local is None:
            return 0
        # the dense (Q S)' column of a query, and its float32 copy
        itemsize = q.X.dtype.itemsize + (4 if local.err_scale is not None else 0)
        return local.n_terms * itemsize

    def score_error(self, q, c, qs, params):
        block = self._query_block(q, c, qs)
        return None if block is None else block.err

    def _block(self, q, c, qs, cs, out=None, approximate=False):
        """``q.E[qs] @ c.E[cs].T`` as a dense block.

        With `approximate`, float64 data may be multiplied in float32 (see
        :meth:`score_error`).
        """
        block = self._query_block(q, c, qs)
        if block is not None:
            local = c.extra["local"]
            # a transposed view: the engine reads it without a copy
            if approximate and block.err is not None:
                return local.product(block.AT32, cs).T  # normalised already
            G = local.product(block.AT_exact, cs).T
            G *= block.inv.astype(G.dtype)[:, None]
            return G
        return _dense(_gemm(q.E[qs], c.E[cs], out=out))

    def scores(self, q, c, qs, cs, params, out=None, approximate=False):
        # clipped like the similarity, so that an approximate score is within
        # score_error of the exact similarity even where S is not PSD
        G = self._block(q, c, qs, cs, out=out, approximate=approximate)
        return np.clip(G, -1.0, 1.0, out=G)

    def similarity_block(self, q, c, qs, cs, params):
        row_bytes = self.query_row_bytes(q, c)
        step = self.DENSE_QUERY_ROWS
        if row_bytes:
            step = max(1, min(step, working_memory_bytes() // 2 // row_bytes))
        out = None
        for start in range(qs.start, qs.stop, step):
            rows = slice(start, min(start + step, qs.stop))
            try:
                block = self._block(q, c, rows, cs)
            finally:
                self.release(q, rows)
            if out is None:
                out = np.empty((qs.stop - qs.start, cs.stop - cs.start), block.dtype)
            out[rows.start - qs.start : rows.stop - qs.start] = block
        if out is None:
            return np.empty((0, cs.stop - cs.start))
        return np.clip(out, -1.0, 1.0, out=out)


class _LocalTerms:
    """The fitted corpus' terms, re-indexed for the dense query blocks.

    Only the terms that occur in the corpus meet a query's ``q S`` in the
    block product, so a block's dense operand ``AT`` has one row per corpus
    term, the most frequent first (their rows are read most often and stay
    together in cache). Queries' other terms only enter their soft norms.

    The block product ``E @ AT`` is split by term frequency: the corpus
    columns of the terms in at least :attr:`HEAD_DENSITY` of the rows (the
    "head", at most :attr:`MAX_HEAD` terms) are stored dense and multiplied
    by GEMM, which does a dense entry about 8 times faster than the sparse
    product does a stored one; the other columns stay sparse.
    """

    HEAD_DENSITY = 0.15
    MAX_HEAD = 128

    def __init__(self, X, S, norms, s_norms):
        n_samples, n_features = X.shape
        df = np.bincount(X.indices, minlength=n_features)
        used = np.flatnonzero(df)
        order = used[np.argsort(-df[used], kind="stable")]
        self.n_terms = order.size
        self.term_pos = np.full(n_features, -1, dtype=np.intp)
        self.term_pos[order] = np.arange(order.size)
        self.S = S
        # the columns of S on the corpus terms: a block's operand is
        # (Q S_cols)', with S_cols = S[:, order] = S[order].T
        self.S_cols = sparse.csr_matrix(S[order].T) if sparse.issparse(S) else None
        self.S_dense_cols = None if sparse.issparse(S) else S[:, order]
        X_local = sparse.csr_matrix(
            (X.data.copy(), self.term_pos[X.indices], X.indptr.copy()),
            shape=(n_samples, self.n_terms),
        )
        X_local.sort_indices()
        self.X = X_local
        inv = _inverse_or_zero(s_norms)
        E = _scale_rows(X_local, inv)
        self.n_head = int(
            min(
                np.count_nonzero(df[order] >= self.HEAD_DENSITY * n_samples),
                self.MAX_HEAD,
            )
        )
        self._operands = {X.dtype: self._split(E)}
        # float64 data: top-k blocks are multiplied in float32 and the
        # winners re-scored exactly; the error bound needs the corpus' row
        # lengths and the largest |c|_2 / |c|_S
        self.err_scale = None
        if X.dtype == np.float64 and n_samples:
            # m products summed, 6 more roundings: the two operands (the
            # query's after its normalisation), the partial sums of the two
            # products, and a margin
            m = int(np.diff(X.indptr).max()) + 6
            unit = 2.0**-24
            if m * unit < 0.01:
                gamma = m * unit / (1.0 - m * unit) + 1e-12
                self.err_scale = gamma * float((norms * inv).max())
                self.err_tiny = m * float(np.finfo(np.float32).tiny)
                E32 = sparse.csr_matrix(E, dtype=np.float32)
                self._operands[np.dtype(np.float32)] = self._split(E32)

    def _split(self, E):
        h = self.n_head
        head = E[:, :h].toarray() if h else None
        tail = E[:, h:] if h else E
        return head, sparse.csr_matrix(tail)

    #: A query term is multiplied densely (its row of S times the block's
    #: dense column of it, by the multi-vector sparse product) when this
    #: many queries of the block have it; rarer terms by a sparse product.
    QUERY_HEAD_COUNT = 4

    def query_operand(self, Xb, min_density):
        """``(Xb S)'`` on the corpus terms, C-ordered, or None if too sparse."""
        n_rows = Xb.shape[0]
        if self.S_cols is None:
            return np.ascontiguousarray(np.asarray(Xb @ self.S_dense_cols).T)
        S_cols = self.S_cols
        terms = Xb.indices
        row_nnz = np.diff(S_cols.indptr)
        if row_nnz[terms].sum() < min_density * max(self.n_terms * n_rows, 1):
            return None  # Q S would be sparse: leave the product sparse
        owner = np.repeat(np.arange(n_rows), np.diff(Xb.indptr))
        counts = np.bincount(terms, minlength=Xb.shape[1])
        in_head = counts[terms] >= self.QUERY_HEAD_COUNT
        head = np.flatnonzero(counts >= self.QUERY_HEAD_COUNT)
        if head.size:
            hpos = np.zeros(Xb.shape[1], dtype=np.intp)
            hpos[head] = np.arange(head.size)
            Xh = np.zeros((head.size, n_rows), dtype=Xb.dtype)
            np.add.at(Xh, (hpos[terms[in_head]], owner[in_head]), Xb.data[in_head])
            # rows of S times dense rows of the block (multi-vector product)
            AT = np.asarray(sparse.csr_matrix(S_cols[head].T) @ Xh)
        else:
            AT = np.zeros((self.n_terms, n_rows), dtype=Xb.dtype)
        tail = ~in_head
        if tail.any():
            indptr = np.concatenate(
                [[0], np.cumsum(np.bincount(owner[tail], minlength=n_rows))]
            )
            X_tail = sparse.csr_matrix(
                (Xb.data[tail], terms[tail], indptr), shape=Xb.shape
            )
            P = X_tail @ S_cols
            P_rows = np.repeat(np.arange(n_rows), np.diff(P.indptr))
            AT[P.indices, P_rows] += P.data  # (term, query) pairs are unique
        return AT

    def product(self, AT, cs):
        """``E[cs] @ AT`` (C-ordered) for the operand dtype of `AT`."""
        head, tail = self._operands[AT.dtype]
        h = self.n_head
        Y = np.asarray(tail[cs] @ AT[h:])
        if h:
            gemm = get_blas_funcs("gemm", dtype=AT.dtype)
            # Y' += AT_head' E_head', in place on the Fortran view of Y
            gemm(1.0, AT[:h].T, head[cs].T, 1.0, Y.T, overwrite_c=True)
        return Y


class _SoftQueryBlock:
    """A block of soft-cosine queries as a dense ``(Q S)'``.

    Attributes
    ----------
    AT_exact : ndarray of shape (n_corpus_terms, n_rows)
        ``(Q S)'`` on the corpus' terms, in the data's dtype, not normalised.
    inv : ndarray of shape (n_rows,)
        ``1 / |q|_S`` (0 for a zero soft norm), in float64.
    AT32 : ndarray or None
        Its float32 copy normalised by ``inv`` (float64 data only).
    err : ndarray of shape (n_rows,) or None
        Bound on ``|float32 score - float64 score|`` of each query row.
    """

    __slots__ = ("AT_exact", "AT32", "err", "inv")

    @classmethod
    def build(cls, measure, q, local, qs):
        Xb = q.X[qs]
        AT = local.query_operand(Xb, measure.DENSE_QUERY_DENSITY)
        if AT is None:
            return None
        n_rows = Xb.shape[0]
        # x'Sx needs (x S) at the non-zeros of x: the corpus terms are in
        # AT, the others come from a small product of their rows of S
        owner = np.repeat(np.arange(n_rows), np.diff(Xb.indptr))
        pos = local.term_pos[Xb.indices]
        inside = pos >= 0
        xs = np.zeros(Xb.nnz, dtype=np.float64)
        xs[inside] = AT[pos[inside], owner[inside]]
        if not inside.all():
            terms, where = np.unique(Xb.indices[~inside], return_inverse=True)
            R = _dense(local.S[terms] @ Xb.T)
            xs[~inside] = R[where.ravel(), owner[~inside]]
        s_sq = np.bincount(owner, weights=xs * Xb.data, minlength=n_rows)
        s_norms = measure._soft_norms(
            s_sq, q.norms[qs], q.extra["s_max"], offset=qs.start
        )
        block = cls()
        # AT stays unnormalised: exact blocks are scaled instead
        block.AT_exact = AT
        block.inv = _inverse_or_zero(s_norms)
        block.AT32 = block.err = None
        if local.err_scale is not None:
            # the float32 copy is normalised, (q S) / |q|_S: its entries do
            # not depend on the scale of the data, so they neither overflow
            # nor underflow where the float64 ones would not
            block.AT32 = np.empty(AT.shape, dtype=np.float32)
            np.multiply(AT, block.inv, out=block.AT32, casting="unsafe")
            # |A_q|_2 from the float32 sum of squares, made an upper bound
            n = AT.shape[0] + 1
            a2_sq = np.einsum("ij,ij->j", block.AT32, block.AT32)
            if n * 2.0**-24 < 0.5:
                a2_sq = a2_sq.astype(np.float64) / (1.0 - n * 2.0**-24)
            else:  # pragma: no cover - vocabularies of millions of terms
                a2_sq = np.einsum("ij,ij->j", AT, AT) * block.inv**2
            a2 = np.sqrt(a2_sq) * (1.0 + 2.0**-23)  # and the float32 rounding
            block.err = local.err_scale * a2 + local.err_tiny
            if not np.all(np.isfinite(block.err)):
                block.AT32 = block.err = None  # the exact product instead
        return block


class ScaledCosineMeasure(_OneMinusDistance, _CosineFamily):
    """``alpha cos(x, y) + (1 - alpha)(|x| + |y|)``; distance ``1 - s``."""

    name = "scaled_cosine"
    params = {"alpha": 0.5}

    def check_params(self, params):
        params = super().check_params(params)
        _check_real("alpha", params["alpha"], 0.0, 1.0)
        return params

    def prepare(self, X, params, corpus=None):
        alpha = params["alpha"]
        norms, unit = self._unit(X)
        if corpus is None:
            # score = alpha cos + (1 - alpha)|c|; the query's own norm is constant
            bias = ((1.0 - alpha) * norms).astype(X.dtype)
            return PreparedRows(X, E=unit, norms=norms, bias=bias)
        return PreparedRows(X, E=unit * X.dtype.type(alpha), norms=norms)

    def similarity_pairs(self, q, c, i, j, params):
        alpha = params["alpha"]
        cos = self._cosine_pairs(q, c, i, j)
        return alpha * cos + (1.0 - alpha) * (q.norms[i] + c.norms[j])

    def similarity_block(self, q, c, qs, cs, params):
        alpha = params["alpha"]
        G = self._cosine_block(q, c, qs, cs)
        G *= alpha
        G += (1.0 - alpha) * q.norms[qs][:, None]
        G += (1.0 - alpha) * c.norms[cs]
        return G

    def score_threshold(self, min_similarity, q, qs, params):
        return min_similarity - (1.0 - params["alpha"]) * q.norms[qs]


class RadialCosineMeasure(_OneMinusDistance, _CosineFamily):
    """``cos(x, y) (|x| |y|)^beta``; distance ``1 - s``; zero rows give 0."""

    name = "radial_cosine"
    params = {"beta": 0.5}

    def check_params(self, params):
        params = super().check_params(params)
        _check_real("beta", params["beta"])
        return params

    def _weights(self, norms, beta):
        weights = np.zeros_like(norms)
        np.power(norms, beta, out=weights, where=norms > 0)
        return weights

    def prepare(self, X, params, corpus=None):
        norms, unit = self._unit(X)
        if corpus is None:
            E = _scale_rows(unit, self._weights(norms, params["beta"]))
            return PreparedRows(X, E=E, norms=norms)
        return PreparedRows(X, E=unit, norms=norms)

    def similarity_pairs(self, q, c, i, j, params):
        beta = params["beta"]
        cos = self._cosine_pairs(q, c, i, j)
        return cos * self._weights(q.norms[i], beta) * self._weights(c.norms[j], beta)

    def similarity_block(self, q, c, qs, cs, params):
        beta = params["beta"]
        G = self._cosine_block(q, c, qs, cs)
        G *= self._weights(q.norms[qs], beta)[:, None]
        G *= self._weights(c.norms[cs], beta)
        return G

    def score_threshold(self, min_similarity, q, qs, params):
        weights = self._weights(q.norms[qs], params["beta"])
        thresholds = np.where(min_similarity <= 0, -np.inf, np.inf)
        thresholds = np.full(len(weights), thresholds)
        np.divide(min_similarity, weights, out=thresholds, where=weights > 0)
        return thresholds


class WRDMeasure(_CosineFamily):
    """Distance ``|(|x| - |y|)| + lam * arccos(cos)``; similarity ``-distance``."""

    name = "wrd"
    queries_as_corpus = True
    params = {"lam": 1.0, "signed": False}
    nonnegative_distance = True

    def check_params(self, params):
        params = super().check_params(params)
        _check_real("lam", params["lam"], 0.0)
        if not isinstance(params["signed"], (bool, np.bool_)):
            raise ValueError(f"signed must be a boolean, got {params['signed']!r}.")
        return params

    def prepare(self, X, params, corpus=None):
        norms, unit = self._unit(X)
        rows = PreparedRows(X, E=unit, norms=norms, norms_dtype=norms.astype(X.dtype))
        return rows

    def score_block(self, G, q, c, qs, cs, params):
        lam = G.dtype.type(params["lam"])
        np.clip(G, -1.0, 1.0, out=G)
        np.arccos(G, out=G)
        G *= -lam
        c_norms = c.extra["norms_dtype"][cs]
        if params["signed"]:
            # score = -(|q| - |c| + lam theta); the query's |q| is constant
            G += c_norms
            return G
        diff = np.subtract.outer(q.extra["norms_dtype"][qs], c_norms)
        np.abs(diff, out=diff)
        G -= diff
        return G

    def similarity_pairs(self, q, c, i, j, params):
        theta = np.arccos(self._cosine_pairs(q, c, i, j))
        diff = q.norms[i] - c.norms[j]
        if not params["signed"]:
            diff = np.abs(diff)
        return -(diff + params["lam"] * theta)

    def similarity_block(self, q, c, qs, cs, params):
        theta = np.arccos(self._cosine_block(q, c, qs, cs))
        diff = np.subtract.outer(q.norms[qs], c.norms[cs])
        if not params["signed"]:
            diff = np.abs(diff)
        return -(diff + params["lam"] * theta)

    def score_threshold(self, min_similarity, q, qs, params):
        if params["signed"]:
            return min_similarity + q.norms[qs]
        return np.full(qs.stop - qs.start, float(min_similarity))

    def distance(self, similarity, params):
        distance = -similarity
        return distance if params["signed"] else np.maximum(distance, 0.0)


class CallableMeasure(SimilarityMeasure):
    """Wrap a user function ``f(X, Y, **params) -> similarities`` (slow path).

    The function is called once per block with the raw rows; no product is
    folded, no row statistic is cached, and the function's output is
    materialised for every block.

    Parameters
    ----------
    func : callable
        ``func(X, Y, **params)`` returning an array of shape
        ``(n_samples_X, n_samples_Y)``, larger meaning more similar.

    name : str, default=None
        Name to register it under; defaults to ``func.__name__``.

    distance : {"negative", "one_minus"}, default="negative"
        Distance reported by estimators: ``-s`` or ``1 - s``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.metrics import CallableMeasure
    >>> from sklearn_cosim.metrics.pairwise import pairwise_distances
    >>> def manhattan_similarity(X, Y):
    ...     return -np.abs(X[:, None, :] - Y[None, :, :]).sum(axis=-1)
    >>> measure = CallableMeasure(manhattan_similarity)
    >>> pairwise_distances([[0.0, 0.0], [1.0, 2.0]], metric=measure)
    array([[0., 3.],
           [3., 0.]])
    """

    def __init__(self, func, name=None, distance="negative"):
        if distance not in ("negative", "one_minus"):
            raise ValueError(
                f"distance must be 'negative' or 'one_minus', got {distance!r}."
            )
        self.func = func
        self.name = name or getattr(func, "__name__", "callable")
        self.distance_kind = distance

    def check_params(self, params):
        return dict(params or {})

    def prepare(self, X, params, corpus=None):
        return PreparedRows(X)

    def _call(self, A, B, params):
        out = np.asarray(self.func(A, B, **params), dtype=np.float64)
        if out.shape != (A.shape[0], B.shape[0]):
            raise ValueError(
                f"The metric callable {self.name!r} returned shape {out.shape}, "
                f"expected {(A.shape[0], B.shape[0])}."
            )
        if not np.all(np.isfinite(out)):
            raise ValueError(
                f"The metric callable {self.name!r} returned NaN or infinity."
            )
        return out

    def scores(self, q, c, qs, cs, params, out=None):
        return self._call(q.X[qs], c.X[cs], params)

    def similarity_block(self, q, c, qs, cs, params):
        return self._call(q.X[qs], c.X[cs], params)

    def similarity_pairs(self, q, c, i, j, params):
        out = np.empty(len(i), dtype=np.float64)
        for t in range(len(i)):
            out[t] = self._call(q.X[i[t] : i[t] + 1], c.X[j[t] : j[t] + 1], params)[
                0, 0
            ]
        return out

    def score_threshold(self, min_similarity, q, qs, params):
        return np.full(qs.stop - qs.start, float(min_similarity))

    def distance(self, similarity, params):
        if self.distance_kind == "one_minus":
            return 1.0 - similarity
        return -similarity

    def similarity_from_distance(self, distance, params):
        if self.distance_kind == "one_minus":
            return 1.0 - distance
        return -distance


BUILTIN_MEASURES = (
    CosineMeasure(),
    DotMeasure(),
    EuclideanMeasure(),
    SqEuclideanMeasure(),
    AngularMeasure(),
    SoftCosineMeasure(),
    ScaledCosineMeasure(),
    WRDMeasure(),
    RadialCosineMeasure(),
)
