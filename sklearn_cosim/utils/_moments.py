"""Moments of inner products over a reference set, in O(d^2) per query.

For a measure with an inner-product form (vectors ``f(q)`` and ``g(c)`` whose
inner product is affine in the similarity), the mean and variance of one
query's similarities over a set of rows follow from the first and second
moments of the ``g(c)``: ``sum_c f.g(c) = f . m1`` and
``sum_c (f.g(c))^2 = f' M2 f``. Query normalisation and mutual proximity use
this instead of scoring every pair.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy import sparse

#: Largest dimension for which the second moment is kept as a matrix.
MAX_MOMENT_DIM = 4096


class GramMoments:
    """First and second moments of the rows of `G`, accumulated in float64.

    Parameters
    ----------
    G : {ndarray, sparse matrix} of shape (n_rows, n_dims)
        The corpus side of an inner-product form.
    """

    def __init__(self, G):
        n, dim = G.shape
        self.n = n
        self.m1 = np.zeros(dim)
        self.m2 = np.zeros((dim, dim))
        step = max(1, 2**22 // max(dim, 1))
        for start in range(0, n, step):
            A = G[start : start + step]
            A = A.astype(np.float64) if A.dtype != np.float64 else A
            self.m1 += np.asarray(A.sum(axis=0)).ravel()
            prod = A.T @ A
            self.m2 += prod.toarray() if sparse.issparse(prod) else prod

    def merge(self, other):
        """The moments of the rows of both (disjoint sets): the float64 sums add."""
        merged = object.__new__(GramMoments)
        merged.n = self.n + other.n
        merged.m1 = self.m1 + other.m1
        merged.m2 = self.m2 + other.m2
        return merged

    def mean_std(self, F, self_raw=None):
        """Mean and std (ddof 0) of ``F[i] . g`` over the set, per row of `F`.

        Parameters
        ----------
        F : {ndarray, sparse matrix} of shape (n_queries, n_dims)
            Query sides of the form.

        self_raw : ndarray of shape (n_queries,), default=None
            For each query, the product to leave out (its own row in the
            set), NaN where it is not in the set.

        Returns
        -------
        mean, std : ndarray of shape (n_queries,)
            In float64.
        """
        F = F.toarray() if sparse.issparse(F) else np.asarray(F)
        n = F.shape[0]
        # rows padded to whole micro-tiles of the BLAS kernels: a row's
        # result must not depend on where it sits in the block (identical
        # rows get identical moments, whatever the tiling)
        padded = np.zeros((-(-n // 64) * 64, F.shape[1]))
        padded[:n] = F
        total = np.einsum("ij,j->i", padded, self.m1)[:n]
        sq = np.einsum("ij,ij->i", padded @ self.m2, padded)[:n]
        count = np.full(F.shape[0], float(self.n))
        if self_raw is not None:
            inside = np.isfinite(self_raw)
            raw = np.where(inside, self_raw, 0.0)
            total = total - raw
            sq = sq - raw**2
            count = count - inside
        return mean_std(total, sq, count)


def mean_std(total, sq, count):
    """Mean and standard deviation (ddof 0) from sums; never negative variance."""
    count = np.maximum(count, 1)
    mean = total / count
    var = np.maximum(sq / count - mean**2, 0.0)
    return mean, np.sqrt(var)
