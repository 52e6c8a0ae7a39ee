"""Synthetic data sets for studying similarity measures."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.datasets._anisotropic import make_anisotropic_embeddings
from sklearn_cosim.datasets._interactions import make_clustered_interactions

__all__ = ["make_anisotropic_embeddings", "make_clustered_interactions"]
