"""Choosing the similarity measure for embeddings, the scikit-learn way.

``sklearn_cosim`` post-processes embeddings, compares them with many similarity
measures, searches neighbours fast with any of them and cross-validates every
choice in :class:`~sklearn.pipeline.Pipeline` and
:class:`~sklearn.model_selection.GridSearchCV`.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import TYPE_CHECKING

from sklearn_cosim.utils._lazy import attach

__version__ = "0.1.0.dev0"

__all__ = [
    "__version__",
    "adapters",
    "datasets",
    "decomposition",
    "diagnostics",
    "metrics",
    "model_selection",
    "neighbors",
    "preprocessing",
    "text",
]

# The subpackages are imported on first use (PEP 562), so that
# ``import sklearn_cosim`` stays cheap: ``sklearn_cosim.neighbors`` and
# ``from sklearn_cosim.neighbors import SimilarityNeighbors`` work as usual.
__getattr__, __dir__ = attach(__name__, __all__[1:])

if TYPE_CHECKING:  # static analysers and IDEs see the subpackages
    from sklearn_cosim import (
        adapters,
        datasets,
        decomposition,
        diagnostics,
        metrics,
        model_selection,
        neighbors,
        preprocessing,
        text,
    )
