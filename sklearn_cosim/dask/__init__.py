"""The estimators on dask arrays: a corpus or a query load beyond one machine.

The same names as the in-memory estimators (as dask-ml does), accepting
``dask.array.Array`` input: :class:`SimilarityNeighbors` keeps each row
chunk of the corpus prepared on a worker and merges the per-chunk top k;
:class:`MeanCenterer`, :class:`Whitener` and
:class:`PrincipalComponentRemover` fit by a tree reduction of the float64
moments their ``partial_fit`` uses and transform lazily. Needs the ``dask``
extra (``pip install "sklearn_cosim[dask]"``).
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.dask._validation import require_dask

require_dask()

from sklearn_cosim.dask._neighbors import SimilarityNeighbors  # noqa: E402
from sklearn_cosim.dask._preprocessing import (  # noqa: E402
    MeanCenterer,
    PrincipalComponentRemover,
    Whitener,
)

__all__ = [
    "MeanCenterer",
    "PrincipalComponentRemover",
    "SimilarityNeighbors",
    "Whitener",
]
