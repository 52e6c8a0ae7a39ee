"""Small helpers shared by the tests and benchmarks (not public API)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def edit_distance(a, b):
    """Levenshtein distance by the plain Wagner-Fischer double loop.

    The reference for :func:`sklearn_cosim.text.levenshtein_similarity`:
    insertions, deletions and substitutions of single characters, cost 1.

    Parameters
    ----------
    a, b : str
        The two strings.

    Returns
    -------
    distance : int
        The edit distance.

    Examples
    --------
    >>> from sklearn_cosim.utils._testing import edit_distance
    >>> edit_distance("kitten", "sitting")
    3
    """
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def term_similarity(n_features, seed=3):
    """A positive definite term-similarity matrix ``0.6 I + 0.4 C``.

    ``C`` is the correlation matrix of a random rank-3 Gram matrix: every
    entry in [-1, 1], a unit diagonal, and ``S`` symmetric positive definite.
    """
    W = np.random.default_rng(seed).standard_normal((n_features, 3))
    G = W @ W.T
    return 0.6 * np.eye(n_features) + 0.4 * G / np.sqrt(
        np.outer(np.diag(G), np.diag(G))
    )


def measure_params(n_features):
    """Every built-in measure's name with parameters for tests on `n_features`."""
    return {
        "cosine": {},
        "dot": {},
        "euclidean": {},
        "sqeuclidean": {},
        "angular": {},
        "scaled_cosine": {"alpha": 0.3},
        "wrd": {"lam": 0.5},
        "radial_cosine": {"beta": 0.5},
        "soft_cosine": {"S": term_similarity(n_features)},
    }
