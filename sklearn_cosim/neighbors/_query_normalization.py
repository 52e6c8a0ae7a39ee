"""Query normalisation: z-scores of each query's similarities over the fitted rows."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
from numbers import Integral

import numpy as np

from sklearn_cosim.metrics._base import SimilarityMeasure
from sklearn_cosim.neighbors._hubness import (
    _METHOD_CLASSES,
    check_hubness_params,
    inner_product_moments,
    reference_indices,
    similarity_moments,
)


class QueryNormalizedMeasure(SimilarityMeasure):
    """Z-score each query's similarities over a reference set of fitted rows.

    ``z(q, c) = (s(q, c) - mu_q) / sigma_q`` with the mean and standard
    deviation (ddof 0) of ``s(q, .)`` over the reference set (every fitted
    sample, or a seeded sample of them; a fitted sample queried with
    ``X=None`` leaves itself out). ``sigma_q = 0`` is replaced by 1. The
    ranking of each query is the inner measure's; only the values change.
    The distance reported is ``-z``.

    Parameters
    ----------
    inner : SimilarityMeasure
        The measure normalised (fitted, for hubness reduction).

    n_samples : int, default=None
        Size of the seeded reference sample; None for every fitted sample.

    random_state : int, default=0
        Seed of the reference sample.
    """

    def __init__(self, inner, n_samples=None, random_state=0):
        self.inner = inner
        self.n_samples = n_samples
        self.random_state = random_state
        self.name = inner.name
        self.params = inner.params
        self.accepts_sparse = inner.accepts_sparse
        self.inner_product_form = inner.inner_product_form
        self.ref = None
        self.moments = None
        #: ``(mu, sigma)`` of the queries searched, when known already (a
        #: corpus shard of a sharded search gets them over the whole corpus).
        self.given_moments = None

    def prepare(self, X):
        return self.inner.prepare(X)

    def prepare_queries(self, X):
        return self.inner.prepare_queries(X)

    def operand(self, rows, idx, side):
        return self.inner.operand(rows, idx, side)

    def block_row_bytes(self, q, c):
        return self.inner.block_row_bytes(q, c)

    def to_inner_product(self, rows, side, idx=None):
        return self.inner.to_inner_product(rows, side, idx)

    def with_neighbours(self, neighbours):
        """A copy whose inner measure takes its statistics from `neighbours`."""
        inner = getattr(self.inner, "with_neighbours", None)
        if inner is None or inner(neighbours) is self.inner:
            return self
        out = copy.copy(self)
        out.inner = inner(neighbours)
        return out

    def fit(self, corpus):
        """The fitted measure: the reference set and its moments."""
        fitted = copy.copy(self)
        fitted.ref = reference_indices(len(corpus), self.n_samples, self.random_state)
        fitted.moments = inner_product_moments(self.inner, corpus, fitted.ref)
        return fitted

    def scorer(self, q, c, qs, *, self_query=False):
        return _QueryNormalizedScorer(self, q, c, qs, self_query)

    def similarity(self, G, q, c, qi, cj):
        raise NotImplementedError(
            "A query-normalised similarity depends on the fitted rows; use the "
            "estimator's kneighbors or radius_neighbors."
        )

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<QueryNormalizedMeasure of {self.inner!r}>"


class _QueryNormalizedScorer:
    """The inner scorer's ranking, with each row's values z-scored."""

    def __init__(self, measure, q, c, qs, self_query):
        self.inner = measure.inner.scorer(q, c, qs, self_query=self_query)
        self.n_rows = qs.stop - qs.start
        self.slack = self.inner.slack
        self.exact = getattr(self.inner, "exact", False)
        self.uses_floor = getattr(self.inner, "uses_floor", False)
        self.threshold_exact = False
        if measure.given_moments is not None:
            mu, sigma = (v[qs] for v in measure.given_moments)
        else:
            mu, sigma = similarity_moments(
                measure.inner,
                measure.moments,
                self.inner,
                q,
                c,
                qs,
                self_query,
                measure.ref,
            )
        self.mu = mu
        self.sigma = np.where(sigma > 0, sigma, 1.0)

    def scores(self, cs, out=None, **hint):
        return self.inner.scores(cs, out=out, **hint)

    def pair_similarity(self, i, j):
        return (self.inner.pair_similarity(i, j) - self.mu[i]) / self.sigma[i]

    def similarities(self, cs):
        S = np.asarray(self.inner.similarities(cs), dtype=np.float64)
        return (S - self.mu[:, None]) / self.sigma[:, None]

    def rank_threshold(self, similarity):
        inner = self.mu + self.sigma * np.asarray(similarity, dtype=np.float64)
        return self.inner.rank_threshold(inner)

    def affine(self):
        return None


def fit_measure(
    measure,
    corpus,
    *,
    hubness=None,
    hubness_params=None,
    query_normalize=False,
    n_jobs=None,
    verbose=0,
    neighbours=None,
):
    """The measure the estimators run: hubness reduction and normalisation fitted.

    Parameters
    ----------
    measure : SimilarityMeasure
        The bound base measure.

    corpus : Rows
        Its prepared rows of the fitted data.

    hubness : str, default=None
        Hubness reduction method.

    hubness_params : dict, default=None
        Its parameters.

    query_normalize : bool or int, default=False
        Query normalisation over every fitted row (True) or a seeded sample
        of that many.

    n_jobs : int, default=None
        Threads of the searches that compute the statistics.

    verbose : int, default=0
        Progress of those searches, printed to stderr.

    neighbours : callable, default=None
        Where the hubness statistics' neighbours come from (an approximate
        index, see :meth:`HubnessMeasure.with_neighbours`); None for the
        exact engine. The fitted measure does not keep it.

    Returns
    -------
    measure : SimilarityMeasure
        The measure to run (the base measure when nothing is asked).
    """
    options = check_hubness_params(hubness, hubness_params)
    if hubness is not None:
        method = _METHOD_CLASSES[hubness](
            measure, options, n_jobs=n_jobs, verbose=verbose
        )
        measure = method.with_neighbours(neighbours).fit(corpus).with_neighbours(None)
    enabled, n_samples = check_query_normalize(query_normalize)
    if not enabled:
        return measure
    return QueryNormalizedMeasure(measure, n_samples=n_samples).fit(corpus)


def check_query_normalize(query_normalize):
    """Whether to normalise, and the reference sample size (None: every row)."""
    if query_normalize is False or query_normalize is None:
        return False, None
    if isinstance(query_normalize, (bool, np.bool_)):
        return True, None
    if isinstance(query_normalize, Integral) and query_normalize >= 2:
        return True, int(query_normalize)
    raise ValueError(
        "query_normalize must be a boolean or an integer >= 2 (the size "
        f"of a seeded reference sample), got {query_normalize!r}."
    )
