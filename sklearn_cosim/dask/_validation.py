"""Checks of dask arrays and of the cluster's workers."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib.util

import numpy as np
from sklearn.utils.validation import check_array

EXTRA_HINT = 'pip install "sklearn_cosim[dask]"'


def require_dask():
    """Import ``dask.array``, or raise an ImportError naming the extra."""
    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - CI installs the extra
        raise ImportError(
            f"sklearn_cosim.dask needs dask[array] and distributed: {EXTRA_HINT}."
        ) from exc
    return da


def is_dask_array(X):
    """Whether `X` is a ``dask.array.Array``."""
    da = require_dask()
    return isinstance(X, da.Array)


def check_dask_array(X, *, name="X", n_features=None, dtype=None):
    """A 2-D floating dask array with whole rows in each chunk.

    A chunked feature axis is rechunked into one chunk (each row must be
    whole on one worker); unknown chunk sizes are refused with the call
    that fixes them. Integer and boolean data become float64, like the
    in-memory estimators. NaN and infinities are checked per chunk, inside
    the tasks (see :func:`checked_chunk`).
    """
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2D dask array for {name}, got {X.ndim} dimension(s); "
            "reshape it to (n_samples, n_features)."
        )
    if any(np.isnan(size) for sizes in X.chunks for size in sizes):
        raise ValueError(
            f"{name} has chunks of unknown size (from a boolean mask or a "
            f"dataframe); call {name} = {name}.compute_chunk_sizes() first."
        )
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but the estimator was fitted "
            f"with {n_features} features."
        )
    if X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum "
            "of 1 is required."
        )
    if len(X.chunks[1]) > 1:
        # every task needs whole rows: one chunk along the features
        X = X.rechunk({1: -1})
    if dtype is not None:
        X = X.astype(dtype, copy=False)
    elif X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    return X


def checked_chunk(chunk, dtype):
    """A chunk validated as the in-memory estimators validate their input."""
    return check_array(chunk, dtype=dtype, ensure_min_samples=0)


def row_blocks(X):
    """The delayed row chunks of a 2-D dask array with one feature chunk."""
    return list(X.to_delayed().ravel())


def check_workers(module="sklearn_cosim"):
    """Refuse a cluster whose workers cannot import `module`.

    Runs when a ``distributed`` client is active; without one the tasks
    run in this process, which has the package.
    """
    try:
        from distributed import default_client

        client = default_client()
    except (ImportError, ValueError):
        return
    # a standard-library function: it runs on a worker without the package
    specs = client.run(importlib.util.find_spec, module)
    missing = sorted(addr for addr, spec in specs.items() if spec is None)
    if missing:
        raise ImportError(
            f"The Dask workers {', '.join(missing)} cannot import {module}: "
            "install the same version of the package on every worker "
            f"({EXTRA_HINT}), or start them from this environment."
        )
