"""Diagnostics of an embedding space: hubness, anisotropy, isotropy, frequency bias."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.diagnostics._anisotropy import (
    isotropy_score,
    mean_cosine_similarity,
    partition_isotropy_score,
)
from sklearn_cosim.diagnostics._frequency import (
    frequency_bias,
    norm_frequency_correlation,
)
from sklearn_cosim.diagnostics._k_occurrence import (
    antihub_occurrence,
    antihubs,
    atkinson_index,
    gini_index,
    groupie_ratio,
    hub_occurrence,
    hubness_measures,
    hubness_skewness,
    hubs,
    k_occurrence,
    robin_hood_index,
)
from sklearn_cosim.diagnostics._report import embedding_report

__all__ = [
    "antihub_occurrence",
    "antihubs",
    "atkinson_index",
    "embedding_report",
    "frequency_bias",
    "gini_index",
    "groupie_ratio",
    "hub_occurrence",
    "hubness_measures",
    "hubness_skewness",
    "hubs",
    "isotropy_score",
    "k_occurrence",
    "mean_cosine_similarity",
    "norm_frequency_correlation",
    "partition_isotropy_score",
    "robin_hood_index",
]
