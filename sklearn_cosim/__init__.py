"""Choosing the similarity measure for embeddings, the scikit-learn way.

``sklearn_cosim`` post-processes embeddings, compares them with many similarity
measures, searches neighbours fast with any of them and cross-validates every
choice in :class:`~sklearn.pipeline.Pipeline` and
:class:`~sklearn.model_selection.GridSearchCV`.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

__version__ = "0.1.0.dev0"

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
