"""Small synthetic data sets for the compare helper, the CLI, tests and examples."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import check_random_state


def _make_similarity_pairs(
    n_pairs=400, n_features=32, *, offset=20.0, noise=0.05, random_state=0
):
    """Embedding pairs ``[u | v]`` and "human" similarity ratings.

    The ratings are the cosine of latent vectors with a decaying spectrum
    (plus noise). The observed embeddings are the latent vectors times a
    random per-row norm (0.5 to 2) plus a shared offset of norm `offset`.
    By construction, the best choice is mean-centering (removes the offset)
    followed by cosine (ignores the norms); whitening and PC removal distort
    the latent geometry, dot and euclidean see the norms.
    """
    rng = check_random_state(random_state)
    scale = np.linspace(2.0, 0.5, n_features)
    z_u = rng.standard_normal((n_pairs, n_features)) * scale
    rho = rng.uniform(-0.3, 1.0, size=(n_pairs, 1))
    z_v = (
        rho * z_u
        + np.sqrt(1 - rho**2) * rng.standard_normal((n_pairs, n_features)) * scale
    )
    cos = np.einsum("ij,ij->i", z_u, z_v) / (
        np.linalg.norm(z_u, axis=1) * np.linalg.norm(z_v, axis=1)
    )
    y = cos + noise * rng.standard_normal(n_pairs)
    c = rng.standard_normal(n_features)
    c *= offset / np.linalg.norm(c)
    u = z_u * rng.uniform(0.5, 2.0, size=(n_pairs, 1)) + c
    v = z_v * rng.uniform(0.5, 2.0, size=(n_pairs, 1)) + c
    return np.hstack([u, v]), y


def _make_class_embeddings(
    n_samples=600, n_features=64, n_classes=6, *, random_state=0
):
    """Anisotropic embeddings with class structure (text-embedding-like).

    Class means plus noise, then a large shared offset, three dominant
    directions of large variance unrelated to the classes, and a per-row
    norm that varies by a factor of 4.
    """
    rng = check_random_state(random_state)
    y = rng.randint(n_classes, size=n_samples)
    means = rng.standard_normal((n_classes, n_features))
    X = means[y] + 1.5 * rng.standard_normal((n_samples, n_features))
    offset = rng.standard_normal(n_features)
    X += 30.0 * offset / np.linalg.norm(offset)
    dominant = np.linalg.qr(rng.standard_normal((n_features, 3)))[0].T
    X += (rng.standard_normal((n_samples, 3)) * [15.0, 10.0, 8.0]) @ dominant
    X *= rng.uniform(0.5, 2.0, size=(n_samples, 1))
    return X, y
