"""The moment-based transformers on dask arrays: tree-reduced fit, lazy transform."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from sklearn_cosim.dask._shards import delayed, tree_reduce
from sklearn_cosim.dask._validation import (
    check_dask_array,
    checked_chunk,
    is_dask_array,
    row_blocks,
)
from sklearn_cosim.preprocessing import MeanCenterer as _MeanCenterer
from sklearn_cosim.preprocessing import (
    PrincipalComponentRemover as _PrincipalComponentRemover,
)
from sklearn_cosim.preprocessing import Whitener as _Whitener
from sklearn_cosim.preprocessing._base import _batch_moments, _merge_moments
from sklearn_cosim.preprocessing._whitening import _FITTED_ATTRIBUTES
from sklearn_cosim.utils._typing import ArrayLike


def _derived_doc(parent, summary, examples):
    """`parent`'s docstring sections with a new summary and new examples."""
    doc = parent.__doc__
    start = doc.index("\n    Parameters\n")
    stop = doc.index("\n    Examples\n")
    return summary + doc[start:stop] + examples


def _chunk_moments(chunk, dtype, name, **options):
    chunk = checked_chunk(chunk, dtype)
    moments = _batch_moments(chunk, estimator_name=name, **options)
    moments["eps"] = float(np.finfo(chunk.dtype).eps)
    return moments


def _merge_all(parts):
    """Chan et al.'s pairwise merge of the moments of disjoint chunks."""
    merged = None
    for part in parts:
        with np.errstate(over="ignore", invalid="ignore"):
            eps = max(part["eps"], merged["eps"]) if merged else part["eps"]
            merged = _merge_moments(merged, part)
        merged["eps"] = eps
    return merged


def _transform_block(block, estimator, method):
    return getattr(estimator, method)(block)


class _DaskMomentsMixin:
    """Fit from tree-reduced moments, transform lazily with ``map_blocks``."""

    def _dask_moments(self, X, **options):
        import dask

        parts = [
            delayed(_chunk_moments)(b, X.dtype, type(self).__name__, **options)
            for b, n in zip(row_blocks(X), X.chunks[0])
            if n > 0
        ]
        moments = dask.compute(tree_reduce(parts, _merge_all))[0]
        if not np.all(np.isfinite(moments["scatter"])):
            raise ValueError(
                f"{type(self).__name__} cannot compute the covariance of X: its "
                "second moments overflow float64. Divide X by a constant first, "
                "for example X / abs(X).max()."
            )
        return moments

    def _start_dask_fit(self, X):
        self._validate_params()
        X = check_dask_array(X)
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_features_in_ = X.shape[1]
        return X

    def _lazy(self, X, method):
        """``method`` of the in-memory estimator on each row chunk, lazily."""
        check_is_fitted(self)
        n_in, n_out = self.n_features_in_, self._n_features_out
        if method == "inverse_transform":
            n_in, n_out = n_out, n_in
        X = check_dask_array(X, n_features=n_in)
        return X.map_blocks(
            _transform_block,
            self,
            method,
            dtype=X.dtype,
            chunks=(X.chunks[0], (n_out,)),
        )


class MeanCenterer(_DaskMomentsMixin, _MeanCenterer):
    def fit(self, X: Any, y: ArrayLike | None = None) -> "MeanCenterer":
        """Compute the mean to subtract (a tree reduction over the chunks).

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_samples, n_features)
            Training data.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        if not is_dask_array(X):
            return super().fit(X, y)
        X = self._start_dask_fit(X)
        moments = self._dask_moments(X, with_mean=True)
        self.mean_ = moments["mean"]
        self.n_samples_seen_ = moments["n"]
        return self

    @property
    def _n_features_out(self):
        return self.n_features_in_

    def transform(self, X: Any, copy: bool | None = None) -> Any:
        """Subtract the fitted mean (lazily for a dask array).

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_samples, n_features)
            Data to center.

        copy : bool, default=None
            Copy the input `X` or not (NumPy input). If None, `self.copy`
            is used.

        Returns
        -------
        X_tr : ndarray or dask.array.Array of shape (n_samples, n_features)
            Centered data, a dask array for a dask array.
        """
        if is_dask_array(X):
            return self._lazy(X, "transform")
        return super().transform(X, copy)

    def inverse_transform(self, X: Any, copy: bool | None = None) -> Any:
        """Add the fitted mean back (lazily for a dask array).

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_samples, n_features)
            Centered data.

        copy : bool, default=None
            Copy the input `X` or not (NumPy input). If None, `self.copy`
            is used.

        Returns
        -------
        X_orig : ndarray or dask.array.Array of shape (n_samples, n_features)
            Data with the mean added back.
        """
        if is_dask_array(X):
            return self._lazy(X, "inverse_transform")
        return super().inverse_transform(X, copy)


MeanCenterer.__doc__ = _derived_doc(
    _MeanCenterer,
    """Subtract the mean of a dask array, fitted by a tree reduction.

    :class:`sklearn_cosim.preprocessing.MeanCenterer` for dask arrays: the
    float64 means of the row chunks merge pairwise (weighted by their
    counts) on the cluster and :meth:`transform` is lazy (``map_blocks``).
    NumPy input runs the in-memory estimator.

    Read more in the :ref:`User Guide <scaling_out>`.
""",
    """
    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklearn_cosim.dask import MeanCenterer
    >>> X = da.from_array(np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 7.0]]), chunks=2)
    >>> centerer = MeanCenterer().fit(X)
    >>> centerer.mean_
    array([3., 5.])
    >>> centerer.transform(X).compute()
    array([[-2., -3.],
           [ 0.,  1.],
           [ 2.,  2.]])
    """,
)


class Whitener(_DaskMomentsMixin, _Whitener):
    def fit(self, X: Any, y: ArrayLike | None = None) -> "Whitener":
        """Estimate the mean, the covariance and the whitening matrix.

        On a dask array the float64 moments of the row chunks (those
        :meth:`partial_fit` accumulates) merge in a tree on the cluster.

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_samples, n_features)
            Training data, with at least 2 samples.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        if not is_dask_array(X):
            return super().fit(X, y)
        for attr in ("_moments", "_not_fitted_reason", *_FITTED_ATTRIBUTES):
            if hasattr(self, attr):
                delattr(self, attr)
        X = self._start_dask_fit(X)
        moments = self._dask_moments(X, fourth=self.shrinkage == "ledoit-wolf")
        self._finalize(moments)
        self._moments = moments
        return self

    def transform(self, X: Any) -> Any:
        """Whiten (lazily for a dask array).

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_samples, n_features)
            Data to whiten.

        Returns
        -------
        X_tr : ndarray or dask.array.Array of shape (n_samples, `n_components_`)
            Whitened data (``n_features`` columns for ``method="zca"``), a
            dask array for a dask array.
        """
        if is_dask_array(X):
            return self._lazy(X, "transform")
        return super().transform(X)

    def inverse_transform(self, X: Any) -> Any:
        """Map whitened data back (lazily for a dask array).

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_samples, `n_components_`)
            Whitened data.

        Returns
        -------
        X_orig : ndarray or dask.array.Array of shape (n_samples, n_features)
            Data in the original space.
        """
        if is_dask_array(X):
            return self._lazy(X, "inverse_transform")
        return super().inverse_transform(X)


Whitener.__doc__ = _derived_doc(
    _Whitener,
    """Whitening of a dask array, fitted by a tree reduction of moments.

    :class:`sklearn_cosim.preprocessing.Whitener` for dask arrays: the
    float64 centred moments of the row chunks (those :meth:`partial_fit`
    accumulates, merged pairwise by Chan et al.'s rule, without
    cancellation) reduce in a tree on the cluster; :meth:`transform` is lazy
    (``map_blocks``). NumPy input runs the in-memory estimator.

    Read more in the :ref:`User Guide <scaling_out>`.
""",
    """
    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklearn_cosim.dask import Whitener
    >>> X = np.random.default_rng(0).standard_normal((200, 3)) * [1.0, 5.0, 0.2]
    >>> whitener = Whitener().fit(da.from_array(X, chunks=50))
    >>> Z = whitener.transform(da.from_array(X, chunks=50))
    >>> np.allclose(np.cov(Z.compute(), rowvar=False), np.eye(3))
    True
    """,
)


class PrincipalComponentRemover(_DaskMomentsMixin, _PrincipalComponentRemover):
    def fit(self, X: Any, y: ArrayLike | None = None) -> "PrincipalComponentRemover":
        """Estimate the mean and the directions to remove.

        On a dask array the float64 moments of the row chunks merge in a
        tree on the cluster.

        Parameters
        ----------
        X : dask.array.Array or {array-like, sparse matrix} of shape \
                (n_samples, n_features)
            Training data.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        if not is_dask_array(X):
            return super().fit(X, y)
        X = self._start_dask_fit(X)
        n_components = self._check_n_components(*X.shape)
        moments = self._dask_moments(X, with_mean=self.with_mean)
        return self._fit_moments(moments, n_components)

    @property
    def _n_features_out(self):
        return self.n_features_in_

    def transform(self, X: Any, copy: bool | None = None) -> Any:
        """Subtract the mean and project out the directions (lazily for dask).

        Parameters
        ----------
        X : dask.array.Array or {array-like, sparse matrix} of shape \
                (n_samples, n_features)
            Data to transform.

        copy : bool, default=None
            Copy the input `X` or not (NumPy input). If None, `self.copy`
            is used.

        Returns
        -------
        X_tr : ndarray or dask.array.Array of shape (n_samples, n_features)
            Transformed data, a dask array for a dask array.
        """
        if is_dask_array(X):
            return self._lazy(X, "transform")
        return super().transform(X, copy)


PrincipalComponentRemover.__doc__ = _derived_doc(
    _PrincipalComponentRemover,
    """Principal-component removal of a dask array, fitted by a tree reduction.

    :class:`sklearn_cosim.preprocessing.PrincipalComponentRemover` for dask
    arrays: the float64 centred moments of the row chunks merge pairwise in
    a tree on the cluster; :meth:`transform` is lazy (``map_blocks``). NumPy
    input runs the in-memory estimator.

    Read more in the :ref:`User Guide <scaling_out>`.
""",
    """
    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklearn_cosim.dask import PrincipalComponentRemover
    >>> X = np.random.default_rng(0).standard_normal((200, 4)) + [5.0, 0, 0, 0]
    >>> remover = PrincipalComponentRemover(n_components=1)
    >>> X_tr = remover.fit(da.from_array(X, chunks=50)).transform(
    ...     da.from_array(X, chunks=50))
    >>> np.allclose(X_tr.compute() @ remover.components_.T, 0.0)
    True
    """,
)
