"""Post-processing of embeddings: centering, whitening, PC removal, row scaling."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.preprocessing._centering import MeanCenterer, center
from sklearn_cosim.preprocessing._layer_norm import LayerNormalizer, layer_normalize
from sklearn_cosim.preprocessing._norm_features import (
    NormFeatureAugmenter,
    add_norm_feature,
)
from sklearn_cosim.preprocessing._pc_removal import (
    PrincipalComponentRemover,
    remove_principal_components,
)
from sklearn_cosim.preprocessing._whitening import Whitener, whiten

__all__ = [
    "LayerNormalizer",
    "MeanCenterer",
    "NormFeatureAugmenter",
    "PrincipalComponentRemover",
    "Whitener",
    "add_norm_feature",
    "center",
    "layer_normalize",
    "remove_principal_components",
    "whiten",
]
