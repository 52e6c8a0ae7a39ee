"""Input checks shared by the public entry points."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import datetime

import numpy as np

__all__ = ["check_no_datetime"]

_TIME_SCALARS = (np.datetime64, np.timedelta64, datetime.date, datetime.timedelta)


def _first_scalar(X):
    """First element of a (nested) list or tuple, or None when it is empty."""
    while isinstance(X, (list, tuple)):
        if not X:
            return None
        X = X[0]
    return X


def _is_time_dtype(dtype):
    return getattr(dtype, "kind", None) in ("M", "m")


def check_no_datetime(X, name="X"):
    """Refuse dates and durations passed where numbers are expected.

    NumPy casts ``datetime64`` and ``timedelta64`` arrays to floats without
    complaint (days, seconds or nanoseconds since 1970, depending on the
    unit), so scikit-learn's ``check_array`` accepts them as numbers. Here
    they are refused: the unit, and therefore every similarity, would be
    arbitrary.

    The check reads only the dtype (of an array, a sparse matrix, a
    DataFrame's columns) or the first element of a list, so it costs
    nothing next to the conversion that follows it.

    Parameters
    ----------
    X : object
        The input, before any conversion.

    name : str, default="X"
        Parameter name used in the error message.

    Returns
    -------
    X : object
        `X`, unchanged.

    Raises
    ------
    ValueError
        If `X` holds ``datetime64``/``timedelta64`` values (or, for a list,
        starts with a date, a time or a duration).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.utils.validation import check_no_datetime
    >>> check_no_datetime(np.ones((2, 2))).shape
    (2, 2)
    >>> check_no_datetime(np.array([["2024-01-01"]], dtype="datetime64[D]"))
    Traceback (most recent call last):
    ...
    ValueError: X holds dates or durations (dtype datetime64[D]), ...
    """
    dtypes = getattr(X, "dtypes", None)  # pandas DataFrame
    if dtypes is not None and not hasattr(X, "dtype"):
        dtypes = list(dtypes) if np.ndim(dtypes) else [dtypes]
        bad = [dt for dt in dtypes if _is_time_dtype(dt)]
        dtype = bad[0] if bad else None
    elif hasattr(X, "dtype"):
        dtype = X.dtype if _is_time_dtype(X.dtype) else None
    else:
        first = _first_scalar(X)
        dtype = type(first).__name__ if isinstance(first, _TIME_SCALARS) else None
    if dtype is not None:
        raise ValueError(
            f"{name} holds dates or durations (dtype {dtype}), which are not "
            "numbers: their conversion to float depends on the time unit. "
            f"Convert {name} to numeric features first (for instance elapsed "
            "seconds, or the day of the year)."
        )
    return X
