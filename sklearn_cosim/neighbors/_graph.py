"""Sparse k-nearest-neighbour graphs for estimators taking precomputed input."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted

from sklearn_cosim.neighbors._base import (
    _ALGORITHM_DOC,
    _COMMON_CONSTRAINTS,
    _HUBNESS_DOC,
    _METRIC_DOC,
    _VERBOSE_DOC,
    SimilarityNeighborsMixin,
)
from sklearn_cosim.utils._param_validation import Interval, StrOptions, _fit_context
from sklearn_cosim.utils._typing import ArrayLike, MatrixLike, MetricLike
from sklearn_cosim.utils.validation import check_no_datetime


class SimilarityKNeighborsTransformer(
    SimilarityNeighborsMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Transform samples into a sparse graph of their most similar neighbours.

    The API of :class:`sklearn.neighbors.KNeighborsTransformer`: the output
    feeds any estimator that accepts ``metric="precomputed"`` sparse graphs
    (:class:`~sklearn.manifold.Isomap`, :class:`~sklearn.cluster.DBSCAN`,
    :class:`~sklearn.manifold.TSNE`, scikit-learn's neighbour estimators),
    so that they run with any similarity measure of this library.

    Read more in the :ref:`User Guide <similarity_neighbors>`.

    Parameters
    ----------
    mode : {{"distance", "connectivity", "similarity"}}, default="distance"
        Entries of the graph. ``"distance"`` stores the measure's distances
        and needs a measure whose distances are non-negative (as estimators
        taking precomputed distances do); ``"similarity"`` stores the
        similarities (for affinity consumers such as
        :class:`~sklearn.cluster.SpectralClustering`).

    n_neighbors : int, default=5
        Number of neighbours of each sample. In ``"distance"`` mode each
        row stores ``n_neighbors + 1`` entries: :meth:`transform` of the
        training set counts each sample as its own first neighbour, as
        scikit-learn's transformer does.

    {metric}

    metric_params : dict, default=None
        Parameters of the measure.

    {hubness}

    {algorithm}

    n_jobs : int, default=None
        Threads over blocks of queries (see :class:`SimilarityNeighbors`).

    {verbose}

    Attributes
    ----------
    n_samples_fit_ : int
        Number of fitted samples (columns of the graph).

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
    sklearn.neighbors.KNeighborsTransformer : The same for distance metrics.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.manifold import Isomap
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_cosim.neighbors import SimilarityKNeighborsTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> pipe = make_pipeline(
    ...     SimilarityKNeighborsTransformer(n_neighbors=15, metric="angular"),
    ...     Isomap(n_neighbors=15, metric="precomputed"),
    ... )
    >>> pipe.fit_transform(X[:500]).shape
    (500, 2)
    """

    _parameter_constraints: dict = {
        "mode": [StrOptions({"distance", "connectivity", "similarity"})],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        **_COMMON_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        mode: str = "distance",
        n_neighbors: int = 5,
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
        self.mode = mode
        self.n_neighbors = n_neighbors
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
    def fit(
        self, X: MatrixLike, y: ArrayLike | None = None
    ) -> "SimilarityKNeighborsTransformer":
        """Index the samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples to index.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        check_no_datetime(X)
        self._fit(X)
        if self.mode == "distance" and not self._measure.nonnegative_distance:
            raise ValueError(
                f"mode='distance' with metric={self._measure.name!r} would give "
                "negative distances, which estimators taking "
                "metric='precomputed' reject; use mode='similarity' or "
                "'connectivity', or a measure with non-negative distances."
            )
        self._n_features_out = self.n_samples_fit_
        return self

    def transform(self, X: MatrixLike) -> sparse.csr_matrix:
        """Sparse graph of the neighbours of each sample of `X`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features)
            Samples to transform.

        Returns
        -------
        graph : sparse matrix of shape (n_queries, n_samples_fit)
            CSR graph, entries sorted by increasing distance in each row.
        """
        check_is_fitted(self)
        check_no_datetime(X)
        add_one = self.mode == "distance"
        return self.kneighbors_graph(
            X, mode=self.mode, n_neighbors=self.n_neighbors + add_one
        )

    def fit_transform(
        self, X: MatrixLike, y: ArrayLike | None = None
    ) -> sparse.csr_matrix:
        """Fit to `X`, then transform `X`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        y : None
            Ignored.

        Returns
        -------
        graph : sparse matrix of shape (n_samples, n_samples)
            CSR graph.
        """
        return self.fit(X).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


SimilarityKNeighborsTransformer.__doc__ = (
    SimilarityKNeighborsTransformer.__doc__.format(
        hubness=_HUBNESS_DOC,
        algorithm=_ALGORITHM_DOC,
        metric=_METRIC_DOC,
        verbose=_VERBOSE_DOC,
    )
)
