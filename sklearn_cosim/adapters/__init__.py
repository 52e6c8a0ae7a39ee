"""Learned linear maps on top of frozen embeddings, trained for cosine similarity."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.adapters._linear import LinearAdapter

__all__ = ["LinearAdapter"]
