"""Cross-validating the choice of post-processing and similarity measure."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.model_selection._classifier import PairedSimilarityClassifier
from sklearn_cosim.model_selection._compare import (
    compare_similarities,
    cross_validate_selection,
    default_grid,
    one_standard_error_rule,
)
from sklearn_cosim.model_selection._paired import PairedSimilarity, stack_pairs
from sklearn_cosim.model_selection._plot import plot_similarity_calibration

__all__ = [
    "PairedSimilarity",
    "PairedSimilarityClassifier",
    "compare_similarities",
    "cross_validate_selection",
    "default_grid",
    "one_standard_error_rule",
    "plot_similarity_calibration",
    "stack_pairs",
]
