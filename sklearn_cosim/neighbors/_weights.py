"""Neighbour weights shared by the classifier and the regressor."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

_WEIGHTS_DOC = """\
weights : {"uniform", "similarity", "distance"}, callable or None, \
default="uniform"
        Weight of each neighbour's vote: ``"uniform"`` or None (all equal),
        ``"similarity"`` (the similarity clipped at 0, so that dissimilar
        neighbours do not vote against; a query whose neighbours all have
        weight 0 falls back to uniform weights), ``"distance"`` (inverse
        distance, as scikit-learn; a neighbour at distance 0 takes the whole
        vote; needs a measure with non-negative distances), or a callable
        taking the array of distances and returning finite, non-negative
        weights of the same shape, with at least one positive weight per
        query (a :class:`ValueError` is raised otherwise, as in
        scikit-learn)."""


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
    if weights is None or weights == "uniform":
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
    if np.any(w < 0):
        raise ValueError(
            "The weights callable returned negative weights; weights must be "
            ">= 0 (a negative vote has no meaning in a weighted mean)."
        )
    empty = np.flatnonzero(~(w > 0).any(axis=1))
    if empty.size:
        raise ValueError(
            f"The weights callable gave weight 0 to every neighbour of "
            f"{empty.size} queries (the first is query {empty[0]}), so their "
            "vote is undefined; change the callable so that each query keeps "
            "a positive weight, or use weights='similarity' or 'uniform'."
        )
    return w
