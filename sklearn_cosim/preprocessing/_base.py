"""Shared numerics of the preprocessing transformers (moments, eigenvectors)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy import linalg, sparse

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


def _batch_moments(X, *, with_mean=True, fourth=False):
    """Mean and centred moments of one batch, accumulated in float64.

    The batch is centred first (in its own dtype, by chunks of rows) and the
    scatter matrix is accumulated from the centred chunks, so an offset in the
    data never causes catastrophic cancellation.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Batch. Sparse chunks are densified one at a time.

    with_mean : bool, default=True
        If False the moments are taken about zero (the mean is reported as 0).

    fourth : bool, default=False
        Also return the moments needed by the Ledoit-Wolf shrinkage.

    Returns
    -------
    moments : dict
        ``n`` (int), ``mean`` (n_features,), ``scatter`` (n_features,
        n_features) = sum of ``(x - mean)(x - mean)^T``; if `fourth`,
        ``sq_norm_vec`` = sum of ``|x - mean|^2 (x - mean)`` and ``quartic`` =
        sum of ``|x - mean|^4``.
    """
    n_samples, n_features = X.shape
    if with_mean:
        if sparse.issparse(X):
            mean = np.asarray(X.mean(axis=0, dtype=np.float64)).ravel()
        else:
            mean = np.mean(X, axis=0, dtype=np.float64)
    else:
        mean = np.zeros(n_features)
    mean_x = mean.astype(X.dtype)
    scatter = np.zeros((n_features, n_features))
    sq_norm_vec = np.zeros(n_features)
    quartic = 0.0
    buffer = np.empty((min(_CHUNK_ROWS, n_samples), n_features), dtype=X.dtype)
    for start in range(0, n_samples, _CHUNK_ROWS):
        chunk = X[start : start + _CHUNK_ROWS]
        chunk = chunk.toarray() if sparse.issparse(chunk) else chunk
        centred = np.subtract(chunk, mean_x, out=buffer[: chunk.shape[0]])
        scatter += centred.T @ centred
        if fourth:
            c64 = centred.astype(np.float64, copy=False)
            sq = np.einsum("ij,ij->i", c64, c64)
            sq_norm_vec += sq @ c64
            quartic += float(sq @ sq)
    if with_mean:
        # The chunks were centred at the mean rounded to X.dtype; since
        # sum(x - mean_x) = n (mean - mean_x), the exact correction is a rank-one
        # update with the tiny rounding difference (no cancellation issue).
        delta = mean - mean_x.astype(np.float64)
        scatter -= n_samples * np.outer(delta, delta)
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
