"""Similarity measures: the registry, pairwise functions and measure objects."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.metrics._base import (
    BlockScorer,
    OperandRows,
    Rows,
    SimilarityMeasure,
)
from sklearn_cosim.metrics._measures import CallableMeasure
from sklearn_cosim.metrics._retrieval import (
    get_retrieval_scorer,
    make_retrieval_scorer,
    mean_average_precision,
    mean_reciprocal_rank,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
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
    "BlockScorer",
    "CallableMeasure",
    "OperandRows",
    "Rows",
    "SimilarityMeasure",
    "check_metric",
    "get_retrieval_scorer",
    "get_similarity",
    "make_retrieval_scorer",
    "mean_average_precision",
    "mean_reciprocal_rank",
    "ndcg_at_k",
    "paired_distances",
    "paired_similarity",
    "pairwise_distances",
    "pairwise_similarity",
    "precision_at_k",
    "recall_at_k",
    "register_similarity",
    "unregister_similarity",
]
