"""Similarity measures: the registry, pairwise functions and measure objects."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.metrics._measures import (
    CallableMeasure,
    PreparedRows,
    SimilarityMeasure,
)
from sklearn_cosim.metrics.pairwise import (
    check_metric,
    get_similarity,
    paired_distances,
    paired_similarity,
    pairwise_distances,
    pairwise_similarity,
    register_similarity,
    unregister_similarity,
)

__all__ = [
    "CallableMeasure",
    "PreparedRows",
    "SimilarityMeasure",
    "check_metric",
    "get_similarity",
    "paired_distances",
    "paired_similarity",
    "pairwise_distances",
    "pairwise_similarity",
    "register_similarity",
    "unregister_similarity",
]
