"""Shared numerics of the preprocessing transformers (moments, eigenvectors)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause
import numpy as np
from scipy import linalg, sparse

from sklearn_cosim.utils._linalg import abs_max, pow2_scale

#: Number of rows centred and multiplied at once when computing a scatter matrix.
#: Bounds the extra memory to ``_CHUNK_ROWS * n_features`` values.
_CHUNK_ROWS = 4096


def _reject_sparse(X, estimator_name):
    """Raise a ValueError explaining why centering cannot keep `X` sparse."""
    if sparse.issparse(X):
        raise ValueError(
            f"{estimator_name} does not accept sparse input: subtracting a mean "
            "(centering) turns every zero into a nonzero value, so the result "
            "would be a dense matrix of the same shape. Convert the data "
            "explicitly with X.toarray() if it fits in memory, or skip the "
            "centering step for sparse data (for example use "
            "sklearn.preprocessing.Normalizer or a model that works on "
            "uncentered data)."
        )


#: Rows of the sample whose mean is the shift of the scatter (see _batch_moments).
_SHIFT_SAMPLE_ROWS = 1024


def _magnitude_error(estimator_name, X, problem):
    """ValueError for finite data whose second moments leave float64's range."""
    if problem == "overflow":
        detail = (
            f"its values (up to {abs_max(X):.3g} in magnitude) are so large "
            "that their squares overflow float64 (largest "
            f"{np.finfo(np.float64).max:.3g}). Divide X by a constant first"
        )
    else:
        detail = (
            f"its values (at most {abs_max(X):.3g} in magnitude) are so small "
            "that their squares underflow float64 (smallest normal "
            f"{np.finfo(np.float64).tiny:.3g}). Multiply X by a constant first"
        )
    return ValueError(
        f"{estimator_name} cannot compute the covariance of X: X is finite, but "
        f"{detail}, for example X / np.abs(X).max()."
    )


def _block_products(block, shift, buffer):
    """``(block - shift)^T (block - shift)`` and column sums, in float64.

    The product is one GEMM in the block's dtype (the speed of
    ``X.T @ X``), on the block shifted into `buffer`. If it leaves the dtype's
    safe range (an entry overflows, or the largest diagonal entry is so small
    that products became subnormal) the block is scaled by a power of two
    first and the results are scaled back in float64, which is exact.

    Returns the products, the column sums of ``block - shift`` and whether
    the rescaled products underflowed float64 (only possible for float64
    values below about 1e-146).
    """
    info = np.finfo(block.dtype)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        centred = np.subtract(block, shift, out=buffer[: block.shape[0]])
        products = centred.T @ centred
    diag_max = float(products.diagonal().max())
    # Below this bound the largest product has subnormal neighbours.
    if np.isfinite(diag_max) and (
        diag_max >= float(info.tiny) / float(info.eps) ** 2 * block.shape[0]
        or not np.any(centred)
    ):
        # Column sums as a product with ones (BLAS, in the block's dtype): the
        # shifted values are of the order of the spread, so no digit is lost.
        ones = np.ones(centred.shape[0], dtype=centred.dtype)
        return products.astype(np.float64), (ones @ centred).astype(np.float64), False
    scale = pow2_scale(max(abs_max(block), abs_max(shift)))
    with np.errstate(over="ignore", under="ignore"):
        centred = np.multiply(block, block.dtype.type(scale), out=centred)
        centred -= shift * shift.dtype.type(scale)
        scaled = (centred.T @ centred).astype(np.float64)
        products = scaled / scale / scale
    tiny = np.finfo(np.float64).tiny / np.finfo(np.float64).eps
    underflow = bool(scaled.diagonal().max() > 0 and products.diagonal().max() < tiny)
    return products, centred.sum(axis=0, dtype=np.float64) / scale, underflow


def _batch_moments(X, *, with_mean=True, fourth=False, estimator_name="estimator"):
    """Mean and centred moments of one batch, accumulated in float64.

    The scatter is accumulated from blocks of rows shifted by ``s``: without
    `fourth`, the float64 mean of an evenly spaced sample of at most 1024
    rows, rounded to the dtype of `X`; with `fourth`, the float64 mean of `X`
    (the fourth moments need the exact centre). An offset in the data thus
    never causes catastrophic cancellation, and no centred copy of `X` is
    made: each block is shifted into a buffer and multiplied once. The
    scatter is moved to the mean by the exact rank-one correction
    ``S = S_s - d d^T / n`` with ``d = sum(x - s)``, whose size is that of the
    spread, not of the offset (so it loses no digits), and ``mean = s + d /
    n``. Blocks whose products overflow or underflow the dtype are rescaled
    exactly by a power of two.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Batch of finite values. Sparse blocks are densified one at a time.

    with_mean : bool, default=True
        If False the moments are taken about zero (the mean is reported as 0).

    fourth : bool, default=False
        Also return the moments needed by the Ledoit-Wolf shrinkage.

    estimator_name : str, default="estimator"
        Name used in the ValueError raised when float64 cannot hold the
        moments of `X` (values beyond about 1e154, or all below about
        1e-146 in magnitude).

    Returns
    -------
    moments : dict
        ``n`` (int), ``mean`` (n_features,), ``scatter`` (n_features,
        n_features) = sum of ``(x - mean)(x - mean)^T``; if `fourth`,
        ``sq_norm_vec`` = sum of ``|x - mean|^2 (x - mean)`` and ``quartic`` =
        sum of ``|x - mean|^4``.
    """
    n_samples, n_features = X.shape
    if not with_mean:
        shift64 = np.zeros(n_features)
    elif fourth:
        shift64 = np.asarray(X.mean(axis=0, dtype=np.float64)).ravel()
    else:
        sample = X[:: max(1, n_samples // _SHIFT_SAMPLE_ROWS)]
        sample = sample.toarray() if sparse.issparse(sample) else sample
        scale = pow2_scale(abs_max(sample))
        shift64 = np.mean(sample * scale, axis=0, dtype=np.float64) / scale
    shift = shift64.astype(X.dtype)
    scatter = np.zeros((n_features, n_features))
    total = np.zeros(n_features)
    sq_norm_vec = np.zeros(n_features)
    quartic = 0.0
    underflow = False
    buffer = np.empty((min(_CHUNK_ROWS, n_samples), n_features), dtype=X.dtype)
    for start in range(0, n_samples, _CHUNK_ROWS):
        chunk = X[start : start + _CHUNK_ROWS]
        chunk = chunk.toarray() if sparse.issparse(chunk) else chunk
        products, sums, block_underflow = _block_products(chunk, shift, buffer)
        scatter += products
        total += sums
        underflow = underflow or block_underflow
        if fourth:
            c64 = chunk.astype(np.float64) - shift64
            sq = np.einsum("ij,ij->i", c64, c64)
            sq_norm_vec += sq @ c64
            quartic += float(sq @ sq)
    # sum(x - shift) = total: the exact centred scatter is a rank-one update.
    mean = shift.astype(np.float64)
    if with_mean:
        delta = total / n_samples
        mean += delta
        with np.errstate(over="ignore", invalid="ignore"):
            scatter -= n_samples * np.outer(delta, delta)
    finite = [scatter, mean] + ([sq_norm_vec, quartic] if fourth else [])
    if not all(np.all(np.isfinite(value)) for value in finite):
        raise _magnitude_error(estimator_name, X, "overflow")
    tiny = np.finfo(np.float64).tiny / np.finfo(np.float64).eps
    if underflow and float(np.max(np.diag(scatter))) < tiny:
        raise _magnitude_error(estimator_name, X, "underflow")
    moments = {"n": n_samples, "mean": mean, "scatter": scatter}
    if fourth:
        moments["sq_norm_vec"] = sq_norm_vec
        moments["quartic"] = quartic
    return moments


def _merge_moments(a, b):
    """Merge the moments of two disjoint batches (Chan et al. pairwise update).

    ``mean = mean_a + delta n_b / n``; ``scatter = S_a + S_b + delta delta^T
    n_a n_b / n`` with ``delta = mean_b - mean_a``. Third and fourth order terms
    (for Ledoit-Wolf) are shifted to the new mean with the binomial expansion.
    """
    if a is None or a["n"] == 0:
        return b
    if b["n"] == 0:
        return a
    n_a, n_b = a["n"], b["n"]
    n = n_a + n_b
    delta = b["mean"] - a["mean"]
    mean = a["mean"] + delta * (n_b / n)
    scatter = a["scatter"] + b["scatter"] + np.outer(delta, delta) * (n_a * n_b / n)
    merged = {"n": n, "mean": mean, "scatter": scatter}
    if "quartic" in a and "quartic" in b:
        # Shift each batch's moments from its own mean m to the merged mean:
        # e = m - mean, sums over y = x - m with sum(y) = 0.
        merged["sq_norm_vec"] = 0.0
        merged["quartic"] = 0.0
        for part in (a, b):
            e = part["mean"] - mean
            S, v, q, k = (
                part["scatter"],
                part["sq_norm_vec"],
                part["quartic"],
                part["n"],
            )
            Se = S @ e
            ee = float(e @ e)
            tr = float(np.trace(S))
            merged["sq_norm_vec"] = (
                merged["sq_norm_vec"] + v + 2.0 * Se + tr * e + k * ee * e
            )
            merged["quartic"] += (
                q + 4.0 * float(e @ Se) + k * ee**2 + 4.0 * float(v @ e) + 2.0 * ee * tr
            )
    return merged


def _ledoit_wolf_shrinkage(moments):
    """Ledoit-Wolf shrinkage coefficient from streamed moments.

    Same estimate as :func:`sklearn.covariance.ledoit_wolf_shrinkage` on the
    centred data: with ``S = scatter / n`` and ``m = tr(S) / p``,
    ``alpha = min(b2, d2) / d2`` where ``d2 = |S - m I|_F^2`` and ``b2 =
    (sum_k |x_k - mean|^4 / n - |S|_F^2) / n``.
    """
    n = moments["n"]
    S = moments["scatter"] / n
    p = S.shape[0]
    m = np.trace(S) / p
    d2 = float(np.sum(S**2) - 2.0 * m * np.trace(S) + p * m**2)
    if d2 <= 0.0:
        return 0.0
    b2 = (moments["quartic"] / n - float(np.sum(S**2))) / n
    return float(min(max(b2, 0.0), d2) / d2)


def _oas_shrinkage(moments):
    """Oracle approximating shrinkage (Chen et al. 2010) from streamed moments.

    Same estimate as :class:`sklearn.covariance.OAS`: with ``S = scatter / n``,
    ``mu = tr(S) / p`` and ``a = mean(S_ij^2)``, ``alpha = min(1, (a + mu^2) /
    ((n + 1) (a - mu^2 / p)))``.
    """
    n = moments["n"]
    S = moments["scatter"] / n
    p = S.shape[0]
    mu = np.trace(S) / p
    alpha = float(np.mean(S**2))
    den = (n + 1) * (alpha - mu**2 / p)
    if den <= 0.0:
        return 1.0
    return float(min((alpha + mu**2) / den, 1.0))


def _sorted_eigh(cov, n_components=None):
    """Eigenpairs of a symmetric matrix, largest first, with a fixed sign.

    Returns ``eigenvalues`` (k,) and ``components`` (k, n_features), where
    each row is signed so that its entry of largest magnitude is positive.
    """
    p = cov.shape[0]
    if n_components is None or n_components >= p:
        eigvals, eigvecs = linalg.eigh(cov)
    else:
        eigvals, eigvecs = linalg.eigh(cov, subset_by_index=(p - n_components, p - 1))
    eigvals = eigvals[::-1]
    components = eigvecs[:, ::-1].T
    rows = np.arange(components.shape[0])
    signs = np.sign(components[rows, np.argmax(np.abs(components), axis=1)])
    signs[signs == 0] = 1.0
    components *= signs[:, None]
    return eigvals, components
