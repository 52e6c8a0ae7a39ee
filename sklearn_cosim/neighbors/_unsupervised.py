"""Unsupervised neighbour search with any similarity measure."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

from sklearn.base import BaseEstimator

from sklearn_cosim.neighbors._base import (
    _ALGORITHM_DOC,
    _COMMON_CONSTRAINTS,
    _HUBNESS_DOC,
    _METRIC_DOC,
    _VERBOSE_DOC,
    SimilarityNeighborsMixin,
)
from sklearn_cosim.utils._param_validation import Interval, _fit_context
from sklearn_cosim.utils._typing import ArrayLike, MatrixLike, MetricLike
from sklearn_cosim.utils.validation import check_no_datetime


class SimilarityNeighbors(SimilarityNeighborsMixin, BaseEstimator):
    """Unsupervised neighbour search with any similarity measure.

    The API of :class:`sklearn.neighbors.NearestNeighbors`, for similarity
    measures: every named measure of
    :mod:`sklearn_cosim.metrics.pairwise` runs in one exact block engine
    (one matrix product per block in the input dtype, a cheap per-block
    threshold instead of a full partial sort, winners re-scored in float64).
    :meth:`kneighbors` returns the measure's distances in increasing order
    (``1 - cos`` for cosine); ``return_similarity=True`` returns the
    similarities instead.

    Read more in the :ref:`User Guide <similarity_neighbors>`.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours returned by default by :meth:`kneighbors`.

    radius : float, default=1.0
        Default largest distance for :meth:`radius_neighbors`.

    {metric}

    metric_params : dict, default=None
        Parameters of the measure, e.g. ``{{"alpha": 0.7}}`` for
        ``"scaled_cosine"`` or ``{{"S": S}}`` for ``"soft_cosine"``.

    {hubness}

    {algorithm}

    n_jobs : int, default=None
        Threads over blocks of queries, each running single-threaded BLAS.
        None uses as many threads as BLAS may use now (all cores, unless
        limited with ``threadpoolctl`` or inside a joblib worker, so that
        nested parallelism does not oversubscribe); 1 runs the blocks in
        turn with multi-threaded BLAS; -1 uses all cores.

    {verbose}

    Attributes
    ----------
    n_samples_fit_ : int
        Number of samples in the fitted data.

    effective_metric_ : str
        Name of the measure used.

    effective_metric_params_ : dict
        Parameters of the measure, defaults filled in.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn.neighbors.NearestNeighbors : The same API for distance metrics.
    SimilarityKNeighborsClassifier : Classification on the same engine.

    Notes
    -----
    Memory while querying is bounded by scikit-learn's ``working_memory``
    (``sklearn.config_context(working_memory=...)``), not by the corpus
    size. Float32 data are searched in float32 and distances are returned
    in float32. Sparse CSR input is accepted by every built-in measure.

    Examples
    --------
    >>> from sklearn_cosim.neighbors import SimilarityNeighbors
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0]]
    >>> nn = SimilarityNeighbors(n_neighbors=2).fit(X)
    >>> dist, ind = nn.kneighbors([[1.0, 0.05]])
    >>> ind
    array([[0, 1]])
    >>> sim, ind = nn.kneighbors([[1.0, 0.05]], return_similarity=True)
    >>> sim.round(3)
    array([[0.999, 0.998]])
    >>> nn.kneighbors(return_distance=False)  # X=None: each row without itself
    array([[1, 2],
           [0, 2],
           [1, 0],
           [2, 1]])
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "radius": [Interval(Real, None, None, closed="neither")],
        **_COMMON_CONSTRAINTS,
    }

    def __init__(
        self,
        n_neighbors: int = 5,
        *,
        radius: float = 1.0,
        metric: MetricLike = "cosine",
        metric_params: dict | None = None,
        hubness: str | None = None,
        hubness_params: dict | None = None,
        query_normalize: bool = False,
        algorithm: str = "brute",
        algorithm_params: dict | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.radius = radius
        self.metric = metric
        self.metric_params = metric_params
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.hubness = hubness
        self.hubness_params = hubness_params
        self.query_normalize = query_normalize
        self.algorithm = algorithm
        self.algorithm_params = algorithm_params

    @_fit_context(prefer_skip_nested_validation=False)  # metric may be a callable
    def fit(self, X: MatrixLike, y: ArrayLike | None = None) -> "SimilarityNeighbors":
        """Index the samples to search.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples to index.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        check_no_datetime(X)
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=False)  # metric may be a callable
    def partial_fit(
        self, X: MatrixLike, y: ArrayLike | None = None
    ) -> "SimilarityNeighbors":
        """Add samples to the index (the first call fits).

        The result equals one :meth:`fit` on every sample added so far, in
        order: the new rows get the indices that follow the fitted ones.
        The fitted rows are copied once into a larger array (``O(n d)``),
        and statistics of every fitted sample (`hubness`,
        `query_normalize`) are computed again, which costs a search of the
        whole index.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples to add, with the fitted number of features; converted
            to the fitted dtype.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The estimator, fitted on all samples added so far.
        """
        return self._partial_fit(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


SimilarityNeighbors.__doc__ = SimilarityNeighbors.__doc__.format(
    hubness=_HUBNESS_DOC,
    algorithm=_ALGORITHM_DOC,
    metric=_METRIC_DOC,
    verbose=_VERBOSE_DOC,
)
