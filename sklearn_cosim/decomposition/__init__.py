"""Closed-form matrix-factorisation models whose embeddings cosine is applied to."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.decomposition._figure1 import plot_steck_figure1, steck_figure1
from sklearn_cosim.decomposition._linear_autoencoder import LinearAutoencoder

__all__ = ["LinearAutoencoder", "plot_steck_figure1", "steck_figure1"]
