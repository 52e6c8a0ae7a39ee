"""Single import point for scikit-learn's private validation helpers."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Interval,
    RealNotInt,
    StrOptions,
    validate_params,
)

__all__ = ["Interval", "RealNotInt", "StrOptions", "_fit_context", "validate_params"]
