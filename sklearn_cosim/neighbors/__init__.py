"""Exact neighbour search, classification and graphs with any similarity measure."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.neighbors._approximate import (
    approximate_recall,
    tune_approximate_search,
)
from sklearn_cosim.neighbors._classification import SimilarityKNeighborsClassifier
from sklearn_cosim.neighbors._graph import SimilarityKNeighborsTransformer
from sklearn_cosim.neighbors._hubness_graph import HubnessReductionTransformer
from sklearn_cosim.neighbors._regression import SimilarityKNeighborsRegressor
from sklearn_cosim.neighbors._unsupervised import SimilarityNeighbors

__all__ = [
    "HubnessReductionTransformer",
    "SimilarityKNeighborsClassifier",
    "SimilarityKNeighborsRegressor",
    "SimilarityKNeighborsTransformer",
    "SimilarityNeighbors",
    "approximate_recall",
    "tune_approximate_search",
]
