"""Type aliases of the annotations of the public API.

The numpydoc docstrings stay the reference for what each parameter accepts;
the annotations give static checkers and IDEs the broad types.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

#: Input data: a dense array-like or a scipy sparse matrix or array.
MatrixLike: TypeAlias = ArrayLike | sparse.spmatrix | sparse.sparray

#: Output data that is dense or sparse depending on the input.
Matrix: TypeAlias = np.ndarray | sparse.spmatrix | sparse.sparray

#: A seed, a generator or None, as scikit-learn's ``random_state``.
RandomStateLike: TypeAlias = int | np.random.RandomState | None

if TYPE_CHECKING:
    from sklearn_cosim.metrics import SimilarityMeasure

#: A similarity measure: a registered name, a measure object or a callable.
#: (A string at run time, so that this module does not import the metrics.)
MetricLike: TypeAlias = "str | SimilarityMeasure | Callable[..., Any]"

__all__ = ["ArrayLike", "Matrix", "MatrixLike", "MetricLike", "RandomStateLike"]
