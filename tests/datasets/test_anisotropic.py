"""The anisotropic embedding generator."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_cosim.datasets import make_anisotropic_embeddings
from sklearn_cosim.diagnostics import mean_cosine_similarity


def test_shapes_and_seed():
    X, freq, labels, hubs = make_anisotropic_embeddings(
        300, 20, n_clusters=4, n_hubs=3, return_hubs=True, random_state=0
    )
    assert X.shape == (300, 20) and freq.shape == labels.shape == (300,)
    assert_allclose(freq.sum(), 1.0)
    assert np.all(freq > 0) and set(labels) <= set(range(4)) and len(hubs) == 3
    X2, *_ = make_anisotropic_embeddings(
        300, 20, n_clusters=4, n_hubs=3, random_state=0
    )
    assert_array_equal(X, X2)


def test_common_direction_controls_anisotropy():
    low = make_anisotropic_embeddings(400, 32, common_direction=0.0, random_state=0)
    high = make_anisotropic_embeddings(400, 32, common_direction=2.0, random_state=0)
    assert mean_cosine_similarity(high[0]) > mean_cosine_similarity(low[0]) + 0.3


def test_bad_parameters():
    with pytest.raises(ValueError, match="n_hubs"):
        make_anisotropic_embeddings(10, 4, n_hubs=11)
    with pytest.raises(ValueError, match="n_samples"):
        make_anisotropic_embeddings(1, 4)


def test_every_sample_a_hub_is_refused():
    # n_hubs == n_samples left no sample to take the mean of: NaN rows
    with pytest.raises(ValueError, match="n_hubs=5 must be smaller than n_samples=5"):
        make_anisotropic_embeddings(5, 2, n_hubs=5, random_state=0)
    X = make_anisotropic_embeddings(5, 2, n_hubs=4, random_state=0)[0]
    assert np.all(np.isfinite(X))
