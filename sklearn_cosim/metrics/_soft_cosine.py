"""Soft cosine: ``x'Sy / sqrt(x'Sx y'Sy)`` for a term-similarity matrix ``S``.

The corpus operand is ``C / |c|_S`` (as sparse as the corpus) and the query
operand ``Q S / |q|_S``: ``S`` is applied on the query side, so a sparse
corpus never becomes the much denser ``C S`` and memory stays proportional
to the corpus. For sparse data each block of queries gets a dense
``(Q S)'`` on the corpus' terms (:class:`_LocalTerms`), owned by the block's
scorer; searches of float64 data multiply it in float32 within a proven
bound and re-score exactly. Soft norms ``|x|_S = sqrt(x'Sx)`` are
accumulated in float64. Empty rows have soft norm 0 and similarity 0 with
every row.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.linalg import get_blas_funcs

from sklearn_cosim.metrics._base import Rows, SimilarityMeasure, col, product_slack
from sklearn_cosim.utils._linalg import (
    abs_max,
    dense,
    gemm,
    inverse_or_zero,
    pair_dots,
    pow2_rows,
    product_error_factor,
    row_norms64,
    scale_rows,
)
from sklearn_cosim.utils._threads import map_row_chunks
from sklearn_cosim.utils._typing import Matrix

__all__ = ["SoftCosineMeasure"]


@dataclass(frozen=True, eq=False, repr=False)
class SoftRows(Rows):
    """Rows of the soft cosine.

    Attributes
    ----------
    S : {ndarray, sparse matrix}
        The term-similarity matrix in the data's dtype.

    s_norms : ndarray of shape (n_samples,)
        Soft norms ``sqrt(x'Sx)`` in float64.

    E : {ndarray, sparse matrix}
        The corpus operand ``X / |x|_S`` in the data's dtype.

    local : _LocalTerms or None
        The rows re-indexed by term for the dense query blocks (CSR rows).

    s_max : float
        Largest ``|S_ij|``.

    E_max : float
        Largest Euclidean norm of a row of `E` (for the rounding bound).
    """

    S: object = None
    s_norms: object = None
    E: object = None
    local: object = None
    s_max: float = 0.0
    E_max: float = 0.0


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
        P = dense(Xb @ sparse.csr_matrix(S[terms].T))
        owner = np.repeat(np.arange(stop - start), np.diff(Xb.indptr))
        vals = P[owner, where.ravel()].astype(np.float64) * Xb.data
        out[start - rows.start : stop - rows.start] = np.bincount(
            owner, weights=vals, minlength=stop - start
        )
        start = stop
    return out


class SoftCosineMeasure(SimilarityMeasure):
    """``x'Sy / sqrt(x'Sx y'Sy)``; distance ``1 - s``; zero S-norm rows give 0.

    Parameters
    ----------
    S : {ndarray, sparse matrix} of shape (n_features, n_features)
        Symmetric term-similarity matrix, positive semi-definite on the data.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.metrics.pairwise import pairwise_similarity
    >>> S = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> pairwise_similarity([[1.0, 0.0]], [[0.0, 1.0]], metric="soft_cosine", S=S)
    array([[0.5]])
    """

    name = "soft_cosine"
    params = {"S": None}
    distance_kind = "one_minus"
    distance_bounds = (0.0, 2.0)
    nonnegative_distance = True
    rows_class = SoftRows

    #: Density of a query block's ``Q S`` (on the corpus' terms) above which
    #: the product with the sparse corpus runs as sparse x dense (vectorised
    #: over the queries) instead of sparse x sparse.
    DENSE_QUERY_DENSITY = 0.03

    def __init__(self, **params: Any) -> None:
        # the registry's prototype has no S yet; binding checks it
        self.params = {**type(self).params, **params}
        self._S32 = None
        if params:
            self.params = self.check_params(params)
            S = self.params["S"]
            self._S32 = None if S is None else S.astype(np.float32)

    def check_params(self, params: dict) -> dict:
        params = super().check_params(params)
        S = params["S"]
        if S is None:
            raise ValueError(
                "metric='soft_cosine' needs the term-similarity matrix `S` "
                "(shape (n_features, n_features)); pass it as S=... or in "
                "metric_params={'S': ...}."
            )
        if np.iscomplexobj(S.data if sparse.issparse(S) else np.asarray(S)):
            raise ValueError(
                "S must be real; got a complex matrix (take its real part "
                "explicitly if that is what you mean)."
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

    def prepare(self, X: Matrix) -> Rows:
        S = self._S_in(X)
        # The soft cosine does not change when a row is scaled: work on rows
        # scaled by powers of two to a largest entry in [0.5, 1), so that x'Sx
        # and x'Sy neither overflow nor underflow for rows whose squares leave
        # the dtype's range. The scaling is exact and idempotent: preparing
        # the prepared rows again (a saved index, partial_fit) gives them
        # bit for bit.
        X = pow2_rows(X)
        norms = row_norms64(X)
        s_max = abs_max(S)
        s_norms = self._soft_norms(self._soft_sq_norms(X, S), norms, s_max)
        E = scale_rows(X, inverse_or_zero(s_norms))
        local = None
        if sparse.issparse(X):
            local = _LocalTerms(X, S, norms, s_norms)
        return SoftRows(
            X=X,
            norms=norms,
            S=S,
            s_norms=s_norms,
            E=E,
            local=local,
            s_max=s_max,
            E_max=float(row_norms64(E).max(initial=0.0)),
        )

    def prepare_queries(self, X: Matrix) -> Rows:
        # a block's scorer gets the soft norms of its queries from its own
        # (Q S)'; no corpus term index, no corpus operand. Rows scaled as in
        # prepare: the soft cosine does not depend on the rows' scale.
        S = self._S_in(X)
        X = pow2_rows(X)
        return SoftRows(X=X, norms=row_norms64(X), S=S, s_max=abs_max(S))

    def _S_in(self, X):
        """S in the data's dtype (the float32 copy is made once, at binding)."""
        S = self.params["S"]
        if S is None:
            self.check_params({})
        if X.shape[1] != S.shape[0]:
            raise ValueError(
                f"S has shape {S.shape} but X has {X.shape[1]} features; S must "
                "be (n_features, n_features)."
            )
        if X.dtype == np.float32 and getattr(self, "_S32", None) is not None:
            return self._S32
        return S.astype(X.dtype) if S.dtype != X.dtype else S

    def bind(self, params: dict | None = None) -> "SimilarityMeasure":
        bound = super().bind(params)
        if bound is not self:
            S = bound.params["S"]
            bound._S32 = None if S is None else S.astype(np.float32)
        return bound

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_S32", None)  # derived from S: not pickled twice
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        S = self.params.get("S")
        self._S32 = None if S is None else S.astype(np.float32)

    def _query_s_norms(self, rows, idx):
        """Soft norms of query rows (computed when the rows do not hold them)."""
        if rows.s_norms is not None:
            return rows.s_norms[idx]
        X = rows.X[idx]
        s_sq = self._soft_sq_norms(X, rows.S)
        return self._soft_norms(s_sq, rows.norms[idx], rows.s_max)

    def operand(self, rows: Rows, idx: slice | np.ndarray, side: str) -> Matrix:
        # G = x'Sy: S on the query side
        if side == "query":
            return self._times_S(rows.X[idx], rows.S)
        return rows.X[idx]

    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        G = G * col(inverse_or_zero(self._query_s_norms(q, slice(None))), qi, G.dtype)
        G *= col(inverse_or_zero(c.s_norms), cj, G.dtype)
        return np.clip(G, -1.0, 1.0, out=G)

    def affine(self, q: Rows, qi: slice | np.ndarray) -> tuple[Any, Any] | None:
        return 1.0, 0.0

    def pairs(self, q: Rows, c: Rows, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        i = np.asarray(i, dtype=np.intp)
        j = np.asarray(j, dtype=np.intp)
        if len(i) == 0:
            return np.zeros(0)
        lo, hi = int(i.min()), int(i.max()) + 1
        XS = self.operand(q, slice(lo, hi), "query")
        if sparse.issparse(XS) and sparse.issparse(c.X):
            G = self._lookup_pair_dots(XS, c.X, i - lo, j)
        else:
            G = pair_dots(XS, c.X, i - lo, j)
        return self.similarity(G, q, c, i, j)

    def to_inner_product(
        self, rows: Rows, side: str, idx: slice | np.ndarray | None = None
    ) -> Matrix:
        idx = slice(None) if idx is None else idx
        if side == "query":
            XS = self.operand(rows, idx, "query")
            return scale_rows(XS, inverse_or_zero(self._query_s_norms(rows, idx)))
        return rows.E[idx]

    def scorer(
        self, q: Rows, c: Rows, qs: slice, *, self_query: bool = False
    ) -> "_SoftScorer":
        return _SoftScorer(self, q, c, qs)

    def block_row_bytes(self, q: Rows, c: Rows) -> int:
        local = c.local if sparse.issparse(q.X) else None
        if local is None:
            return 0
        # the dense (Q S)' column of a query, and its float32 copy
        extra = 4 if q.X.dtype == np.float64 else 0
        return local.n_terms * (q.X.dtype.itemsize + extra)

    @staticmethod
    def _times_S(X, S):
        """``X @ S`` in the dtype of `X`; CSR when `X` is sparse, else ndarray."""
        XS = X @ S
        if sparse.issparse(XS):
            # indices are left unsorted: only the fallback look-up needs them
            # sorted, and it sorts the rows it reads
            return sparse.csr_matrix(XS, dtype=X.dtype)
        return np.asarray(XS, dtype=X.dtype)

    def _soft_sq_norms(self, X, S):
        """``x'Sx`` of every row in float64, in row chunks on threads."""
        n = X.shape[0]
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
                out[rows.start - part.start : rows.stop - part.start] = pair_dots(
                    self._times_S(block, S), block, idx, idx
                )
            return out

        # the sparse products release the GIL: threads over row ranges
        return np.concatenate(map_row_chunks(norms_of, n) or [np.zeros(0)])

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
        inv = inverse_or_zero(s_norms)
        E = scale_rows(X_local, inv)
        self.n_head = int(
            min(
                np.count_nonzero(df[order] >= self.HEAD_DENSITY * n_samples),
                self.MAX_HEAD,
            )
        )
        self._operands = {X.dtype: self._split(E)}
        # the rounding of a block product: m products summed and 6 more
        # roundings (the two operands -- the query's after its normalisation
        # --, the partial sums of the two products, and a margin), times the
        # largest |c|_2 / |c|_S; float64 data is searched in float32 copies
        self.err_scale = {}
        if n_samples:
            m = int(np.diff(X.indptr).max(initial=0)) + 3
            ratio = float((norms * inv).max())
            for dtype in {X.dtype, np.dtype(np.float32)}:
                gamma = product_error_factor(m, dtype)
                if np.isfinite(gamma) and gamma < 0.01:
                    self.err_scale[np.dtype(dtype)] = gamma * ratio
            self.err_tiny = m * float(np.finfo(np.float32).tiny)
            if X.dtype == np.float64 and np.dtype(np.float32) in self.err_scale:
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
            blas_gemm = get_blas_funcs("gemm", dtype=AT.dtype)
            # Y' += AT_head' E_head', in place on the Fortran view of Y
            blas_gemm(1.0, AT[:h].T, head[cs].T, 1.0, Y.T, overwrite_c=True)
        return Y


class _SoftScorer:
    """The block of query rows `qs` as a dense ``(Q S)'`` or a sparse ``Q S``.

    Its ranking scores are the similarities (``threshold_exact``).

    Attributes
    ----------
    AT : ndarray of shape (n_corpus_terms, n_rows) or None
        ``(Q S)'`` on the corpus' terms, in the data's dtype, not normalised
        (None on the sparse route: dense input, or ``Q S`` too sparse).
    AT32 : ndarray or None
        Its float32 copy normalised by ``1 / |q|_S`` (float64 data only).
    slack : ndarray of shape (n_rows,)
        Bound on the rounding of :meth:`scores`.
    """

    threshold_exact = True

    def __init__(
        self, measure: "SimilarityMeasure", q: Rows, c: Rows, qs: slice
    ) -> None:
        self.measure, self.q, self.c, self.qs = measure, q, c, qs
        self.n_rows = qs.stop - qs.start
        self.inv_c = inverse_or_zero(c.s_norms)
        self.local = c.local if sparse.issparse(q.X) else None
        self.AT = self.AT32 = None
        if self.local is not None:
            self.AT = self.local.query_operand(q.X[qs], measure.DENSE_QUERY_DENSITY)
        if self.AT is not None:
            if q.s_norms is None:
                s_norms = self._block_s_norms()
            else:
                s_norms = q.s_norms[qs]
            self.inv = inverse_or_zero(s_norms)
            self.slack = self._dense_slack()
        else:
            self.local = None
            XS = measure.operand(q, qs, "query")
            self.XS = XS
            if q.s_norms is None:
                idx = np.arange(self.n_rows)
                s_sq = pair_dots(XS, q.X[qs], idx, idx)
                s_norms = measure._soft_norms(s_sq, q.norms[qs], q.s_max, qs.start)
            else:
                s_norms = q.s_norms[qs]
            self.inv = inverse_or_zero(s_norms)
            self.E_q = scale_rows(XS, self.inv)
            self.slack = product_slack(self.E_q, c.E, c.E_max, 0.0, q.X.dtype)

    def _block_s_norms(self):
        """``sqrt(x'Sx)`` of the block's rows from its ``(Q S)'``.

        ``x'Sx`` needs ``x S`` at the non-zeros of ``x``: on the corpus'
        terms it is in ``AT``; the other terms come from a small product of
        their rows of S.
        """
        q, local, AT = self.q, self.local, self.AT
        Xb = q.X[self.qs]
        owner = np.repeat(np.arange(self.n_rows), np.diff(Xb.indptr))
        pos = local.term_pos[Xb.indices]
        inside = pos >= 0
        xs = np.zeros(Xb.nnz, dtype=np.float64)
        xs[inside] = AT[pos[inside], owner[inside]]
        if not inside.all():
            terms, where = np.unique(Xb.indices[~inside], return_inverse=True)
            R = dense(q.S[terms] @ Xb.T)
            xs[~inside] = R[where.ravel(), owner[~inside]]
        s_sq = np.bincount(owner, weights=xs * Xb.data, minlength=self.n_rows)
        return self.measure._soft_norms(
            s_sq, q.norms[self.qs], q.s_max, offset=self.qs.start
        )

    def _dense_slack(self):
        local, AT = self.local, self.AT
        err_scale = local.err_scale
        f32 = np.dtype(np.float32)
        if AT.dtype == np.float64 and f32 in err_scale:
            # the float32 copy is normalised, (q S) / |q|_S: its entries do
            # not depend on the scale of the data, so they neither overflow
            # nor underflow where the float64 ones would not
            AT32 = np.empty(AT.shape, dtype=np.float32)
            np.multiply(AT, self.inv, out=AT32, casting="unsafe")
            n = AT.shape[0] + 1
            a2_sq = np.einsum("ij,ij->j", AT32, AT32).astype(np.float64)
            a2 = np.sqrt(a2_sq / (1.0 - n * 2.0**-24)) * (1.0 + 2.0**-23)
            slack = err_scale[f32] * a2 + local.err_tiny
            if np.all(np.isfinite(slack)):
                self.AT32 = AT32
                return slack
        scale = err_scale.get(np.dtype(AT.dtype), np.inf)
        a2 = np.sqrt(np.einsum("ij,ij->j", AT, AT, dtype=np.float64)) * self.inv
        slack = scale * a2 + local.err_tiny
        slack[~np.isfinite(slack)] = np.inf
        return slack

    def scores(self, cs: slice, out: np.ndarray | None = None) -> np.ndarray:
        if self.AT is None:
            G = dense(gemm(self.E_q, self.c.E[cs]))
        elif self.AT32 is not None:
            G = self.local.product(self.AT32, cs).T  # normalised already
        else:
            G = self.local.product(self.AT, cs).T
            G *= self.inv.astype(G.dtype)[:, None]
        # clipped like the similarity: a monotone map of the scores
        return np.clip(G, -1.0, 1.0, out=G)

    def similarities(self, cs: slice) -> np.ndarray:
        if self.AT is None:
            G = dense(gemm(self.E_q, self.c.E[cs]))
        else:
            G = self.local.product(self.AT, cs).T
            G *= self.inv.astype(G.dtype)[:, None]
        G = np.asarray(G, dtype=self.q.X.dtype)
        return np.clip(G, -1.0, 1.0, out=G)

    def pair_similarity(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        i = np.asarray(i, dtype=np.intp)
        j = np.asarray(j, dtype=np.intp)
        if self.AT is not None:
            dots = SoftCosineMeasure._dense_block_dots(self.AT, 0, self.local.X, i, j)
        elif sparse.issparse(self.XS) and sparse.issparse(self.c.X):
            dots = SoftCosineMeasure._lookup_pair_dots(self.XS, self.c.X, i, j)
        else:
            dots = pair_dots(self.XS, self.c.X, i, j)
        return np.clip(dots * self.inv[i] * self.inv_c[j], -1.0, 1.0)

    def rank_threshold(self, similarity: float | np.ndarray) -> np.ndarray | None:
        return np.broadcast_to(
            np.asarray(similarity, dtype=np.float64), (self.n_rows,)
        ).copy()

    def affine(self) -> tuple[Any, Any] | None:
        return 1.0, 0.0
