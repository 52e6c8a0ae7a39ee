"""Row-wise linear algebra shared by the measures, the engine and the estimators.

Everything here accumulates in float64 and never overflows where the answer
is representable: norms of rows of norm 1e300 are right, and so are unit rows
of rows of norm 1e-300.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy import sparse

#: float64 values per operand chunk of the row-wise products (2 MiB).
CHUNK_VALUES = 2**18


def _sum_squares(block):
    return np.einsum("ij,ij->i", block, block)


def row_norms64(X):
    """Euclidean norms of the rows of `X` in float64, without overflow or underflow.

    Rows whose plain sum of squares over- or underflows are rescaled by their
    largest absolute entry first.
    """
    if sparse.issparse(X):
        X = sparse.csr_matrix(X, dtype=np.float64)  # float32 squares underflow
        sq = np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
        out = np.sqrt(sq)
        bad = np.flatnonzero(~np.isfinite(sq) | ((sq < 1e-280) & (sq > 0)))
        bad = np.union1d(bad, np.flatnonzero((sq == 0) & (np.diff(X.indptr) > 0)))
        for i in bad:
            row = X.data[X.indptr[i] : X.indptr[i + 1]].astype(np.float64)
            out[i] = _robust_norm(row)
        return out
    n, d = X.shape
    out = np.empty(n, dtype=np.float64)
    step = max(1, CHUNK_VALUES * 8 // max(d, 1))
    for start in range(0, n, step):
        block = np.asarray(X[start : start + step], dtype=np.float64)
        sq = _sum_squares(block)
        out[start : start + step] = np.sqrt(sq)
        bad = ~np.isfinite(sq) | (sq < 1e-280)
        if bad.any():
            for i in np.flatnonzero(bad):
                out[start + i] = _robust_norm(block[i])
    return out


def _robust_norm(row):
    scale = float(np.max(np.abs(row))) if row.size else 0.0
    if scale == 0.0:
        return 0.0
    return scale * float(np.sqrt(_sum_squares((row / scale)[None, :])[0]))


def inverse_or_zero(values):
    """``1 / values`` where ``values > 0`` and 0 elsewhere (no warning)."""
    values = np.asarray(values, dtype=np.float64)
    out = np.zeros_like(values)
    with np.errstate(over="ignore"):
        np.divide(1.0, values, out=out, where=values > 0)
    out[~np.isfinite(out)] = 0.0
    return out


def scale_rows(X, factors, dtype=None):
    """`X` with row `i` multiplied by ``factors[i]``, in `dtype` (default X's).

    The product is formed in float64 and then cast, so that rows far outside
    the target dtype's range scale into it (unit rows of huge float32 rows).
    """
    dtype = np.dtype(dtype or X.dtype)
    factors = np.asarray(factors, dtype=np.float64)
    if sparse.issparse(X):
        out = sparse.csr_matrix(X, dtype=np.float64, copy=True)
        out.data *= np.repeat(factors, np.diff(out.indptr))
        return out.astype(dtype) if dtype != np.float64 else out
    n, d = X.shape
    out = np.empty((n, d), dtype=dtype)
    step = max(1, CHUNK_VALUES * 8 // max(d, 1))
    for start in range(0, n, step):
        rows = slice(start, start + step)
        np.multiply(X[rows], factors[rows, None], out=out[rows], casting="unsafe")
    return out


def unit_rows(X, norms, dtype=None):
    """Rows of `X` divided by their norms (zero rows stay zero)."""
    return scale_rows(X, inverse_or_zero(norms), dtype=dtype)


def pair_dots(A, B, i, j):
    """Float64 dot products ``A[i[t]] . B[j[t]]`` for every pair ``t``."""
    i = np.asarray(i, dtype=np.intp)
    j = np.asarray(j, dtype=np.intp)
    if sparse.issparse(A) or sparse.issparse(B):
        # in float64, as the dense branch: float32 products of entries near
        # the ends of float32's range would overflow or underflow
        A_rows = sparse.csr_matrix(A[i], dtype=np.float64)
        B_rows = sparse.csr_matrix(B[j], dtype=np.float64)
        prod = A_rows.multiply(B_rows)
        return np.asarray(prod.sum(axis=1), dtype=np.float64).ravel()
    out = np.empty(len(i), dtype=np.float64)
    step = max(1, CHUNK_VALUES // max(A.shape[1], 1))
    for start in range(0, len(i), step):
        a = np.asarray(A[i[start : start + step]], dtype=np.float64)
        b = np.asarray(B[j[start : start + step]], dtype=np.float64)
        out[start : start + step] = np.einsum("ij,ij->i", a, b)
    return out


def sq_norms64(X):
    """``x.x`` of every row in float64, computed exactly as :func:`pair_dots` does.

    So that ``|x|^2 + |y|^2 - 2 x.y`` is exactly 0 for equal rows.
    """
    idx = np.arange(X.shape[0])
    return pair_dots(X, X, idx, idx)


def dense(block):
    """Dense ndarray of a product that may be sparse or a matrix."""
    if sparse.issparse(block):
        return block.toarray()
    return np.asarray(block)


def gemm(A, B, out=None):
    """``A @ B.T`` for dense or sparse operands, into `out` when both are dense."""
    if sparse.issparse(A) or sparse.issparse(B):
        result = dense(A @ B.T)
        if out is not None and out.shape == result.shape and out.dtype == result.dtype:
            out[...] = result
            return out
        return result
    if out is not None and out.dtype == np.result_type(A.dtype, B.dtype):
        return np.matmul(A, B.T, out=out)
    return A @ B.T


#: Unit roundoff of the dtypes the engine computes in.
UNIT_ROUNDOFF = {np.dtype(np.float32): 2.0**-24, np.dtype(np.float64): 2.0**-53}


def product_error_factor(n_terms, dtype):
    """``gamma_{n+3}`` of Higham's *Accuracy and Stability*, 3.1, in `dtype`.

    A dot product of `n_terms` terms computed in `dtype` (in any summation
    order, as BLAS may use) from operands rounded to `dtype` errs by at most
    this factor times ``sum |a_i b_i| <= |a| |b|``. A small margin covers the
    rounding of the operands' own computation.
    """
    u = UNIT_ROUNDOFF[np.dtype(dtype)]
    n = n_terms + 3
    if n * u >= 0.5:
        return np.inf
    return 1.001 * n * u / (1.0 - n * u)


def pow2_scale(value):
    """Power of two ``c`` with ``value * c`` in [0.5, 1); 1 for 0 or non-finite.

    Multiplying by a power of two is exact (barring underflow), so scaling a
    block by `c` and its products back by ``1 / c**2`` changes no digit.
    """
    value = float(value)
    if not np.isfinite(value) or value <= 0.0:
        return 1.0
    return float(np.ldexp(1.0, -int(np.frexp(value)[1])))


def pow2_rows(X):
    """`X` with each row times a power of two that puts its largest |entry| in [0.5, 1).

    Exact (barring underflow) and idempotent: applied to its own output it
    changes no bit, so rows prepared from prepared rows are the same rows.
    Zero rows stay zero.
    """
    if sparse.issparse(X):
        X = sparse.csr_matrix(X, copy=True)
        top = np.asarray(abs(X).max(axis=1).todense()).ravel()
        shift = -np.frexp(top)[1]
        X.data = np.ldexp(X.data, np.repeat(shift, np.diff(X.indptr)))
        return X
    n, d = X.shape
    out = np.empty((n, d), dtype=X.dtype)
    step = max(1, CHUNK_VALUES // max(d, 1))
    for start in range(0, n, step):
        rows = slice(start, start + step)
        shift = -np.frexp(np.abs(X[rows]).max(axis=1, initial=0.0))[1]
        np.ldexp(X[rows], shift[:, None], out=out[rows])
    return out


def abs_max(X):
    """Largest absolute value of a dense or sparse array (0 if empty)."""
    data = X.data if sparse.issparse(X) else X
    return float(np.max(np.abs(data))) if data.size else 0.0
