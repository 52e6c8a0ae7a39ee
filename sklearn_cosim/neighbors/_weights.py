"""Neighbour weights shared by the classifier and the regressor."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

_WEIGHTS_DOC = """\
weights : {"uniform", "similarity", "distance"} or callable, default="uniform"
        Weight of each neighbour's vote: ``"uniform"`` (all equal),
        ``"similarity"`` (the similarity clipped at 0, so that dissimilar
        neighbours do not vote against; a query whose neighbours all have
        weight 0 falls back to uniform weights), ``"distance"`` (inverse
        distance, as scikit-learn; a neighbour at distance 0 takes the whole
        vote; needs a measure with non-negative distances), or a callable
        taking the array of distances and returning weights of the same
        shape."""


def check_weights(weights, measure):
    """Validate `weights` against the measure (called at fit)."""
    if weights == "distance" and not measure.nonnegative_distance:
        raise ValueError(
            f"weights='distance' needs non-negative distances, but "
            f"metric={measure.name!r} can report negative ones; use "
            "weights='similarity' or 'uniform'."
        )


def neighbor_weights(weights, sims, measure):
    """Weights of shape (n_queries, n_neighbors) for the given similarities."""
    if weights == "uniform":
        return np.ones_like(sims)
    if weights == "similarity":
        w = np.maximum(sims, 0.0)
        empty = ~(w > 0).any(axis=1)
        w[empty] = 1.0
        return w
    dist = measure.distance(sims)
    if weights == "distance":
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        inf_rows = np.isinf(w).any(axis=1)
        w[inf_rows] = np.isinf(w[inf_rows]).astype(float)
        return w
    w = np.asarray(weights(dist), dtype=np.float64)
    if w.shape != dist.shape or not np.all(np.isfinite(w)):
        raise ValueError(
            "The weights callable must return finite weights of the shape of "
            f"its input {dist.shape}, got shape {w.shape}."
        )
    return w
