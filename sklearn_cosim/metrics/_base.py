"""The measure protocol: immutable row statistics, one formula, per-block scorers.

A measure is an object with its parameters bound (``CosineMeasure()``,
``ScaledCosineMeasure(alpha=0.3)``) that pickles by value and never changes
after construction. It declares

- :meth:`SimilarityMeasure.prepare`: immutable row statistics of a matrix
  (:class:`Rows`), computed once (at ``fit`` for a corpus);
- :meth:`SimilarityMeasure.operand`: the rows whose inner products ``G``
  the formula takes, for queries and for the corpus (unit rows for cosine);
- :meth:`SimilarityMeasure.similarity`: **the** formula, from ``G`` and the
  two sides' statistics, used for pairs, full matrices and re-scoring;
- the search form: ``G + bias_c`` (the corpus side's ``bias``) ranks the
  corpus for each query as the similarity does when
  ``inner_product_form`` is true -- the maps :meth:`to_inner_product` export;
  otherwise :meth:`rank` turns ``G`` into a ranking score;
- :meth:`rank_threshold`: the ranking score of a given similarity.

The engine asks a measure for one :class:`BlockScorer` per block of queries.
The scorer owns everything the block needs (query operands, float32
copies, soft cosine's dense ``(Q S)'``) and is dropped with the block:
nothing is cached on the rows or on the measure.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import contextvars
import copy
import mmap
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import DTypeLike
from scipy import sparse

from sklearn_cosim.utils._linalg import (
    dense,
    gemm,
    pair_dots,
    product_error_factor,
    row_norms64,
    scale_rows,
)
from sklearn_cosim.utils._typing import Matrix

__all__ = ["BlockScorer", "OperandRows", "Rows", "SimilarityMeasure"]


@dataclass(frozen=True, eq=False, repr=False)
class Rows:
    """Immutable statistics of a matrix's rows, computed by ``prepare``.

    Measures subclass it (as frozen dataclasses) to add what they need.

    Attributes
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The validated rows (float32 or float64, CSR when sparse).

    norms : ndarray of shape (n_samples,)
        Euclidean norms of the rows, in float64.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.metrics import get_similarity
    >>> rows = get_similarity("cosine").prepare(np.array([[3.0, 4.0]]))
    >>> rows.norms
    array([5.])
    >>> rows.E
    array([[0.6, 0.8]])
    """

    X: object
    norms: np.ndarray

    def __len__(self):
        return self.X.shape[0]

    @property
    def dtype(self) -> np.dtype:
        """The data's dtype (float32 or float64)."""
        return self.X.dtype

    def __repr__(self):
        return f"<{type(self).__name__} of {len(self)} rows>"


@dataclass(frozen=True, eq=False, repr=False)
class OperandRows(Rows):
    """Rows with the corpus side of the measure's search form.

    Attributes
    ----------
    E : {ndarray, sparse matrix} of shape (n_samples, n_operand)
        The corpus operand of the block products, in the data's dtype.

    bias : ndarray of shape (n_samples,) or None
        Added to every column of a block's product when the rows are the
        corpus (in the data's dtype), or None.

    E_low : ndarray or None
        A float32 copy of `E` for measures that search float64 data in
        float32 (:attr:`SimilarityMeasure.low_precision`), else None.

    E_max : float
        Largest Euclidean norm of a row of `E` (for error bounds).

    bias_max : float
        Largest ``|bias|`` (0 without bias).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.metrics import get_similarity
    >>> rows = get_similarity("sqeuclidean").prepare(np.array([[3.0, 4.0]]))
    >>> rows.bias  # -|c|^2 / 2: the corpus side of the search form
    array([-12.5])
    >>> rows.E_max
    5.0
    """

    E: object = None
    bias: object = None
    E_low: object = None
    E_max: float = 0.0
    bias_max: float = 0.0


def operand_rows(
    measure: "SimilarityMeasure",
    X: Matrix,
    norms: np.ndarray,
    E: Matrix,
    bias: np.ndarray | None = None,
    **extra: Any,
) -> "OperandRows":
    """Build the measure's :class:`OperandRows` subclass with its bounds filled in.

    Parameters
    ----------
    measure : SimilarityMeasure
        The measure (its ``rows_class`` and ``low_precision`` are used).

    X, norms, E, bias
        See :class:`OperandRows`.

    **extra : dict
        Fields of the measure's own rows class.

    Returns
    -------
    rows : OperandRows
        The rows.
    """
    E_max = float(row_norms64(E).max()) if E.shape[0] else 0.0
    bias_max = float(np.abs(bias).max()) if bias is not None and len(bias) else 0.0
    E_low = None
    if measure.low_precision and not sparse.issparse(E) and E.dtype == np.float64:
        E_low = E.astype(np.float32)  # lazy when E is (ScaledRows)
    return measure.rows_class(
        X=X,
        norms=norms,
        E=E,
        bias=bias,
        E_low=E_low,
        E_max=E_max,
        bias_max=bias_max,
        **extra,
    )


def is_memory_mapped(X: Matrix) -> bool:
    """Whether `X` is a view of a memory-mapped file (``np.load(mmap_mode=...)``)."""
    while X is not None:
        if isinstance(X, (np.memmap, mmap.mmap)):
            return True
        X = getattr(X, "base", None)
    return False


class ScaledRows:
    """Rows of `X` times per-row factors, computed when sliced, never stored.

    The corpus operand of a memory-mapped corpus (:func:`scaled_operand`):
    each tile of the engine scales its rows of the file, so fitting adds no
    second full-size array to the file's pages. Slicing gives the same
    values, bit for bit, as slicing ``scale_rows(X, factors, dtype)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The rows (a view of the file).

    factors : ndarray of shape (n_samples,)
        One factor per row, in float64.

    dtype : dtype
        The dtype of the scaled rows.
    """

    ndim = 2

    def __init__(self, X: np.ndarray, factors: np.ndarray, dtype: DTypeLike) -> None:
        self.X = X
        self.factors = np.asarray(factors, dtype=np.float64)
        self.dtype = np.dtype(dtype)

    @property
    def shape(self) -> tuple[int, int]:
        """The shape of `X`."""
        return self.X.shape

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, idx):
        return scale_rows(self.X[idx], self.factors[idx], dtype=self.dtype)

    def astype(self, dtype: DTypeLike) -> "ScaledRows":
        """The same rows scaled into `dtype` (still computed when sliced)."""
        return ScaledRows(self.X, self.factors, dtype)


_LAZY_OPERANDS = contextvars.ContextVar("sklearn_cosim_lazy_operands", default=False)


@contextmanager
def lazy_operands(enabled: bool = True):
    """Within the block, :func:`scaled_operand` gives :class:`ScaledRows`.

    Used where the corpus must be held once: an approximate index re-ranks
    its candidates from the rows themselves, so a stored copy of scaled rows
    (cosine's unit rows) would only double the memory.
    """
    token = _LAZY_OPERANDS.set(bool(enabled))
    try:
        yield
    finally:
        _LAZY_OPERANDS.reset(token)


def scaled_operand(X: Matrix, factors: np.ndarray) -> "Matrix | ScaledRows":
    """``factors[:, None] * X`` in X's dtype: stored, or :class:`ScaledRows`.

    A memory-mapped corpus (or one prepared within :func:`lazy_operands`)
    gets the lazy :class:`ScaledRows` (its tiles are scaled as the engine
    reads them); rows in memory get the stored array, which the engine reads
    without a pass per tile.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The rows.

    factors : ndarray of shape (n_samples,)
        The factor of each row.

    Returns
    -------
    E : {ndarray, sparse matrix, ScaledRows}
        The scaled rows.
    """
    if not sparse.issparse(X) and (_LAZY_OPERANDS.get() or is_memory_mapped(X)):
        return ScaledRows(X, factors, X.dtype)
    return scale_rows(X, factors)


def col(values: np.ndarray, idx: slice | np.ndarray, dtype: DTypeLike) -> np.ndarray:
    """``values[idx]`` in `dtype` (a statistic broadcast along a block or pairs)."""
    return np.asarray(values[idx], dtype=dtype)


class SimilarityMeasure:
    """A similarity measure the block engine runs, with its parameters bound.

    Subclass it to add a measure (see the developer page "Writing a
    similarity measure"): set :attr:`name` and :attr:`params` (the accepted
    parameters and their defaults), and define :meth:`prepare` (row
    statistics), :meth:`operand` (the rows whose inner products the formula
    takes) and :meth:`similarity` (the formula). Everything else has a
    default. Register an instance with
    :func:`~sklearn_cosim.metrics.pairwise.register_similarity` to use it by
    name, or pass the instance itself as ``metric``.

    Parameters
    ----------
    **params : dict
        Values of the parameters in :attr:`params`; validated by
        :meth:`check_params`.

    Attributes
    ----------
    name : str
        Name under which the measure is registered.

    params : dict
        The measure's parameters (the class attribute holds the defaults,
        an instance its bound values).

    accepts_sparse : bool
        Whether CSR input is accepted.

    inner_product_form : bool
        Whether ``G + bias`` ranks the corpus for each query as the
        similarity does (then :meth:`to_inner_product` exports it).

    low_precision : bool
        Whether dense float64 data may be searched in float32 blocks: the
        engine keeps spare candidates, proves from the error bound that the
        exact top k is among them and re-scores them exactly.

    distance_kind : {"negative", "one_minus"}
        The distance estimators report: ``-s`` or ``1 - s``.

    distance_bounds : tuple or None
        Interval the distance is clipped to (rounding), or None.

    nonnegative_distance : bool
        Whether the distance is never negative (precomputed graphs).

    euclidean_operands : bool
        Whether the measure's distance is a non-decreasing function of the
        squared Euclidean distance of its operands (used by DisSim).

    float64_blocks : bool
        Whether full similarity matrices of float32 data are computed from
        float64 products (as scikit-learn does for Euclidean distances): the
        formula cancels (``|q|^2 + |c|^2 - 2 q.c``) or its terms leave
        float32's range where the result does not.

    Examples
    --------
    A measure that ranks by the dot product of the square roots of
    non-negative features (the Hellinger affinity):

    >>> import numpy as np
    >>> from sklearn_cosim.metrics import Rows, SimilarityMeasure
    >>> from sklearn_cosim.metrics.pairwise import pairwise_similarity
    >>> class Hellinger(SimilarityMeasure):
    ...     name = "hellinger"
    ...     accepts_sparse = False
    ...     def operand(self, rows, idx, side):
    ...         return np.sqrt(np.clip(rows.X[idx], 0, None))
    ...     def similarity(self, G, q, c, qi, cj):
    ...         return G
    >>> pairwise_similarity([[1.0, 0.0], [0.25, 0.25]], metric=Hellinger())
    array([[1. , 0.5],
           [0.5, 0.5]])
    """

    name = None
    params: dict = {}
    accepts_sparse = True
    inner_product_form = True
    low_precision = False
    distance_kind = "negative"
    distance_bounds = None
    nonnegative_distance = False
    euclidean_operands = False
    float64_blocks = False
    rows_class = Rows

    def __init__(self, **params: Any) -> None:
        self.params = self.check_params(params)

    # -- parameters -------------------------------------------------------------
    def check_params(self, params: dict) -> dict:
        """Validate keyword parameters and fill in the defaults.

        Parameters
        ----------
        params : dict
            Parameters given by the user.

        Returns
        -------
        params : dict
            Every parameter of the measure.
        """
        params = dict(params or {})
        defaults = type(self).params
        unknown = sorted(set(params) - set(defaults))
        if unknown:
            accepted = ", ".join(sorted(defaults)) or "none"
            raise ValueError(
                f"Unknown parameter(s) {unknown} for metric={self.name!r}; "
                f"it accepts: {accepted}. Pass measure parameters as keyword "
                "arguments or through `metric_params`."
            )
        return {**defaults, **params}

    def bind(self, params: dict | None = None) -> "SimilarityMeasure":
        """A copy of the measure with `params` validated and bound.

        Parameters
        ----------
        params : dict, default=None
            Parameters; missing ones keep the values of this instance.

        Returns
        -------
        measure : SimilarityMeasure
            The bound measure (this instance when `params` is empty).
        """
        if not params:
            return self
        bound = copy.copy(self)
        bound.params = self.check_params({**getattr(self, "params", {}), **params})
        return bound

    # -- statistics ----------------------------------------------------------------
    def prepare(self, X: Matrix) -> Rows:
        """Immutable statistics of the rows of `X` (at ``fit`` for a corpus).

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Validated rows (finite, float32 or float64, CSR when sparse).

        Returns
        -------
        rows : Rows
            The statistics; the default holds `X` and its norms.
        """
        return Rows(X=X, norms=row_norms64(X))

    def prepare_queries(self, X: Matrix) -> Rows:
        """Statistics of query rows; by default those of :meth:`prepare`.

        A measure whose corpus needs more than its queries (an index of the
        corpus' terms, say) may return less here; its scorer then computes
        what the block needs.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_queries, n_features)
            Validated query rows.

        Returns
        -------
        rows : Rows
            The statistics.
        """
        return self.prepare(X)

    def operand(self, rows: Rows, idx: slice | np.ndarray, side: str) -> Matrix:
        """Rows whose inner products the formula takes.

        Parameters
        ----------
        rows : Rows
            Prepared rows.

        idx : slice or ndarray
            Which rows.

        side : {"query", "corpus"}
            Which side of the product.

        Returns
        -------
        E : {ndarray, sparse matrix}
            The operand rows, in the data's dtype. The default is the rows.
        """
        return rows.X[idx]

    def row_factors(
        self, rows: Rows, idx: slice | np.ndarray, side: str
    ) -> np.ndarray | None:
        """Factors ``f`` with ``operand = f[:, None] * X``, or None (default).

        Measures whose operands are scaled rows (unit rows, say) declare
        them: exact pair values then come from the rows' own float64 products
        times the factors, not from operands rounded to the data's dtype.
        """
        return None

    def corpus_bias(self, rows: Rows) -> np.ndarray | None:
        """Per-row term added to the corpus side of the search form, or None."""
        return getattr(rows, "bias", None)

    # -- the formula ------------------------------------------------------------
    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        """Similarities from the operands' inner products (may work in place).

        Parameters
        ----------
        G : ndarray
            ``operand(q) . operand(c)`` of a block (shape ``(n_q, n_c)``,
            with ``qi`` of shape ``(n_q, 1)`` and ``cj`` of shape
            ``(1, n_c)``) or of pairs (shape ``(n_pairs,)``, with ``qi``
            and ``cj`` of that shape).

        q, c : Rows
            Prepared queries and corpus.

        qi, cj : ndarray
            Row indices of `q` and `c`, broadcast like `G`.

        Returns
        -------
        similarities : ndarray
            Same shape as `G`.
        """
        raise NotImplementedError

    def rank(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        """Ranking scores of a block when there is no inner-product form.

        Must be non-decreasing in ``G`` entry by entry. The default is the
        similarity itself.

        Parameters
        ----------
        G : ndarray
            The block's inner products (may be float32).

        q, c : Rows
            Prepared queries and corpus.

        qi, cj : ndarray
            Row indices, broadcast like `G`.

        Returns
        -------
        scores : ndarray
            Scores, larger is closer, usually `G` itself.
        """
        return self.similarity(G, q, c, qi, cj)

    def affine(self, q: Rows, qi: slice | np.ndarray) -> tuple[Any, Any] | None:
        """``(a, b)`` with ``similarity = a * (G + bias) + b`` per query, or None.

        Declared by measures whose similarity is an affine function of their
        search form; hubness reduction and query normalisation then fold
        their statistics into it (moments, one corpus bias) instead of
        computing similarities.

        Parameters
        ----------
        q : Rows
            Prepared queries.

        qi : ndarray of shape (n_queries,)
            Their rows.

        Returns
        -------
        form : tuple of (float or ndarray, float or ndarray), or None
            ``a > 0`` and ``b``, scalars or one per query.
        """
        return None

    def rank_threshold(
        self, similarity: float | np.ndarray, q: Rows, qi: slice | np.ndarray
    ) -> np.ndarray | None:
        """The ranking score of a pair of the given similarity, per query.

        A pair's similarity is at least `similarity` exactly when its
        ranking score (``G + bias`` or :meth:`rank`) is at least the
        returned value. None means unknown: radius searches then re-score
        every pair and top-k searches need exact blocks.

        Parameters
        ----------
        similarity : float or ndarray of shape (n_queries,)
            Similarities.

        q : Rows
            Prepared queries.

        qi : ndarray of shape (n_queries,)
            Their rows.

        Returns
        -------
        thresholds : ndarray of shape (n_queries,) or None
            Ranking scores, in float64.
        """
        return np.broadcast_to(
            np.asarray(similarity, dtype=np.float64), np.shape(qi)
        ).copy()

    # -- orientation ----------------------------------------------------------------
    def distance(self, similarity: float | np.ndarray) -> float | np.ndarray:
        """Distance reported by estimators for a similarity.

        Parameters
        ----------
        similarity : ndarray
            Similarities.

        Returns
        -------
        distance : ndarray
            Distances, decreasing in the similarity.
        """
        if self.distance_kind == "one_minus":
            distance = 1.0 - similarity
        else:
            distance = -similarity
        if self.distance_bounds is None:
            return distance
        return np.clip(distance, *self.distance_bounds)

    def similarity_from_distance(
        self, distance: float | np.ndarray
    ) -> float | np.ndarray:
        """Inverse of :meth:`distance`.

        Parameters
        ----------
        distance : float or ndarray
            Distances.

        Returns
        -------
        similarity : float or ndarray
            Similarities.
        """
        if self.distance_kind == "one_minus":
            return 1.0 - distance
        return -distance

    # -- blocks -------------------------------------------------------------------
    def scorer(
        self, q: Rows, c: Rows, qs: slice, *, self_query: bool = False
    ) -> "BlockScorer":
        """The per-block context of query rows `qs` against the corpus `c`.

        Parameters
        ----------
        q, c : Rows
            Prepared queries and corpus.

        qs : slice
            Query rows of the block.

        self_query : bool, default=False
            Whether `q` is the prepared corpus itself (``X=None`` queries).

        Returns
        -------
        scorer : BlockScorer
            The block's scorer.
        """
        return BlockScorer(self, q, c, qs, self_query=self_query)

    def pairs(self, q: Rows, c: Rows, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Exact float64 similarities of the pairs ``(q[i[t]], c[j[t]])``.

        The formula on the pairs' float64 inner products.

        Parameters
        ----------
        q, c : Rows
            Prepared rows.

        i, j : ndarray of shape (n_pairs,)
            Row indices.

        Returns
        -------
        similarities : ndarray of shape (n_pairs,)
            In float64.
        """
        i = np.asarray(i, dtype=np.intp)
        j = np.asarray(j, dtype=np.intp)
        if len(i) == 0:
            return np.zeros(0)
        fq = self.row_factors(q, i, "query")
        if fq is not None:
            # operands are scaled rows: exact products of the rows, then scaled
            fc = self.row_factors(c, j, "corpus")
            G = pair_dots(q.X, c.X, i, j)
            G *= fq
            G *= fc
            with np.errstate(over="ignore"):  # an overflow marks a risky pair
                scale = q.norms[i] * c.norms[j]
            risky = np.flatnonzero((scale > 1e290) | (scale < 1e-280))
            if risky.size:  # x.y over- or underflows: scale the rows first
                A = scale_rows(q.X[i[risky]], fq[risky], dtype=np.float64)
                B = scale_rows(c.X[j[risky]], fc[risky], dtype=np.float64)
                idx = np.arange(risky.size)
                G[risky] = pair_dots(A, B, idx, idx)
        else:
            lo, hi = int(i.min()), int(i.max()) + 1
            A = self.operand(q, slice(lo, hi), "query")
            G = pair_dots(A, self.operand(c, slice(None), "corpus"), i - lo, j)
        return np.asarray(self.similarity(G, q, c, i, j), dtype=np.float64)

    def block_row_bytes(self, q: Rows, c: Rows) -> int:
        """Memory a scorer holds per query row besides the score tiles (default 0)."""
        return 0

    def to_inner_product(
        self, rows: Rows, side: str, idx: slice | np.ndarray | None = None
    ) -> Matrix:
        """Vectors whose inner products rank the corpus as the measure does.

        For a query ``f(q)`` and a corpus row ``g(c)``, ``f(q) . g(c)`` is a
        strictly increasing function of the similarity for each query, so
        any inner-product index (faiss, hnswlib, a vector database) returns
        the measure's neighbours. The corpus side has one more column
        holding the bias, the query side a matching column of ones.

        Parameters
        ----------
        rows : Rows
            Prepared rows.

        side : {"query", "corpus"}
            Which map.

        idx : slice or ndarray, default=None
            Which rows (all when None).

        Returns
        -------
        vectors : {ndarray, sparse matrix} of shape (n_rows, n_dims)
            The mapped rows, in the data's dtype.
        """
        if not self.inner_product_form:
            raise ValueError(
                f"metric={self.name!r} has no inner-product form: its ranking is "
                "not an inner product of maps of the two rows."
            )
        idx = slice(None) if idx is None else idx
        E = self.operand(rows, idx, side)
        bias = self.corpus_bias(rows)
        if bias is None:
            return E
        if side == "query":
            extra = np.ones((E.shape[0], 1), dtype=E.dtype)
        else:
            extra = np.asarray(bias[idx], dtype=E.dtype)[:, None]
        if sparse.issparse(E):
            return sparse.hstack([E, extra], format="csr", dtype=E.dtype)
        return np.hstack([E, extra])

    def __eq__(self, other):
        if type(other) is not type(self) or other.name != self.name:
            return NotImplemented
        mine, theirs = self.params, other.params
        if mine.keys() != theirs.keys():
            return False
        return all(_same(mine[key], theirs[key]) for key in mine)

    __hash__ = object.__hash__

    def __repr__(self):
        shown = ", ".join(
            f"{key}={value!r}"
            for key, value in self.params.items()
            if isinstance(value, (Real, str, bool, type(None)))
        )
        return f"<{type(self).__name__} {self.name!r}{' ' + shown if shown else ''}>"


def _same(a, b):
    if a is b:
        return True
    if sparse.issparse(a) or sparse.issparse(b) or isinstance(a, np.ndarray):
        try:
            return (
                np.shape(a) == np.shape(b)
                and abs(dense(a) - dense(b)).max(initial=0.0) == 0.0
            )
        except (TypeError, ValueError):
            return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


class BlockScorer:
    """Scores of one block of queries against tiles of the corpus.

    The engine creates one per block of query rows and drops it when the
    block is done; a scorer owns whatever the block needs (the query
    operand, its float32 copy) and nothing outlives it.

    Parameters
    ----------
    measure : SimilarityMeasure
        The measure.

    q, c : Rows
        Prepared queries and corpus.

    qs : slice
        Query rows of the block.

    self_query : bool, default=False
        Whether `q` is `c` (the fitted rows queried against themselves).

    Attributes
    ----------
    slack : ndarray of shape (n_rows,)
        For each query row, a bound such that every score returned by
        :meth:`scores` plus the row's slack is at least the exact ranking
        score (real arithmetic) of that pair.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.metrics import get_similarity
    >>> measure = get_similarity("cosine")
    >>> c = measure.prepare(np.array([[1.0, 0.0], [1.0, 1.0]]))
    >>> q = measure.prepare(np.array([[2.0, 0.0]]))
    >>> scorer = measure.scorer(q, c, slice(0, 1))
    >>> scorer.scores(slice(0, 2)).round(4)  # float64 data, float32 blocks
    array([[1.    , 0.7071]], dtype=float32)
    >>> bool(0 < scorer.slack[0] < 1e-6)  # their proven rounding bound
    True
    """

    def __init__(
        self,
        measure: "SimilarityMeasure",
        q: Rows,
        c: Rows,
        qs: slice,
        *,
        self_query: bool = False,
    ) -> None:
        self.measure = measure
        self.q, self.c, self.qs = q, c, qs
        self.self_query = self_query
        self.n_rows = qs.stop - qs.start
        self.rows = np.arange(qs.start, qs.stop)[:, None]
        # the ranking threshold of a similarity is the similarity itself
        self.threshold_exact = (
            type(measure).rank_threshold is SimilarityMeasure.rank_threshold
        )
        self.dtype = np.dtype(getattr(c.X, "dtype", np.float64))
        self.bias = measure.corpus_bias(c)
        E_low = getattr(c, "E_low", None)
        A = measure.operand(q, qs, "query")
        if E_low is not None and not sparse.issparse(A) and A.dtype == np.float64:
            self.B = E_low
            self.A = A.astype(np.float32)
            self.compute_dtype = np.dtype(np.float32)
        else:
            self.B = None
            self.A = A
            self.compute_dtype = np.dtype(A.dtype)
        self._product_slack = self._slack(A)
        # a rank map scores the optimistic products: its scores need no slack
        self.slack = (
            self._product_slack if measure.inner_product_form else np.zeros(self.n_rows)
        )

    def _slack(self, A):
        """Rounding bound of the computed search-form scores, per query row."""
        c = self.c
        if not hasattr(c, "E_max"):
            return np.zeros(self.n_rows)
        return product_slack(A, c.E, c.E_max, c.bias_max, self.compute_dtype)

    def _corpus_operand(self, cs):
        if self.B is not None:
            return self.B[cs]
        return self.measure.operand(self.c, cs, "corpus")

    def scores(self, cs: slice, out: np.ndarray | None = None) -> np.ndarray:
        """Ranking scores of the block against corpus rows `cs` (larger is closer).

        Parameters
        ----------
        cs : slice
            Corpus rows of the tile.

        out : ndarray, default=None
            Buffer of the tile's shape and compute dtype to write into.

        Returns
        -------
        scores : ndarray of shape (n_rows, n_cs)
            Scores within :attr:`slack` of the exact ranking scores.
        """
        G = gemm(self.A, self._corpus_operand(cs), out=out)
        if self.bias is not None:
            G += col(self.bias, cs, G.dtype)
        if self.measure.inner_product_form:
            return G
        # a monotone map of the optimistic products bounds the exact scores
        G += self._product_slack.astype(G.dtype)[:, None]
        cj = np.arange(cs.start, cs.stop)[None, :]
        return self.measure.rank(G, self.q, self.c, self.rows, cj)

    def similarities(self, cs: slice) -> np.ndarray:
        """Similarities of the block against corpus rows `cs`, in the data's dtype.

        Parameters
        ----------
        cs : slice
            Corpus rows.

        Returns
        -------
        similarities : ndarray of shape (n_rows, n_cs)
            The measure's formula on the block.
        """
        measure = self.measure
        A = measure.operand(self.q, self.qs, "query")
        B = measure.operand(self.c, cs, "corpus")
        if measure.float64_blocks:
            A = A.astype(np.float64, copy=False)
            B = B.astype(np.float64, copy=False)
        G = dense(gemm(A, B))
        G = np.asarray(G, dtype=np.result_type(G.dtype, self.dtype))
        cj = np.arange(cs.start, cs.stop)[None, :]
        return measure.similarity(G, self.q, self.c, self.rows, cj)

    def pair_similarity(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Exact similarities of block rows `i` (0-based in the block) with corpus `j`.

        Parameters
        ----------
        i, j : ndarray of shape (n_pairs,)
            Block-local query rows and corpus rows.

        Returns
        -------
        similarities : ndarray of shape (n_pairs,)
            In float64.
        """
        return self.measure.pairs(self.q, self.c, i + self.qs.start, j)

    def rank_threshold(self, similarity: float | np.ndarray) -> np.ndarray | None:
        """Ranking scores of the given similarities for the block's rows (or None)."""
        return self.measure.rank_threshold(similarity, self.q, self.rows[:, 0])

    def affine(self) -> tuple[Any, Any] | None:
        """The measure's :meth:`~SimilarityMeasure.affine` form for the block's rows."""
        return self.measure.affine(self.q, self.rows[:, 0])


def product_slack(A, B, B_max, bias_max, dtype):
    """Per row of `A`, a bound on the rounding of ``A @ B.T + bias`` in `dtype`.

    Higham's ``gamma_{n+3}`` (:func:`~sklearn_cosim.utils._linalg.product_error_factor`,
    ``n`` the terms a product can have) times ``|a| max|b|``, the rounding of
    the bias added, and underflow.

    Parameters
    ----------
    A, B : {ndarray, sparse matrix}
        The operands (query rows, corpus rows).

    B_max : float
        Largest Euclidean norm of a row of `B`.

    bias_max : float
        Largest ``|bias|`` (0 without bias).

    dtype : dtype
        The dtype the product is computed in.

    Returns
    -------
    slack : ndarray of shape (n_rows_A,)
        In float64; inf where the bound overflows.
    """
    dtype = np.dtype(dtype)
    u = 2.0**-24 if dtype == np.float32 else 2.0**-53
    n_terms = A.shape[1]
    if sparse.issparse(A) or sparse.issparse(B):
        n_terms = min(n_terms, _max_row_nnz(A), _max_row_nnz(B))
    gamma = product_error_factor(n_terms, dtype)
    tiny = float(np.finfo(dtype).tiny) * (n_terms + 2)
    slack = gamma * row_norms64(A) * B_max + 4 * u * bias_max + tiny
    slack[~np.isfinite(slack)] = np.inf
    return slack


def _max_row_nnz(M):
    if sparse.issparse(M):
        return int(np.diff(sparse.csr_matrix(M).indptr).max(initial=0))
    return M.shape[1]
