"""Pairwise similarities and distances, and the registry of named measures.

Every measure is registered under a name that the ``metric`` parameter of
the library's functions and estimators accepts. Each has a *similarity*
(larger is closer) and the *distance* estimators report (smaller is closer,
a decreasing function of the similarity):

- ``cosine``: similarity ``x.y / (norm(x) norm(y))``, distance ``1 - s``;
- ``dot``: similarity ``x.y``, distance ``-s``;
- ``euclidean``: similarity ``-norm(x - y)``, distance ``norm(x - y)``;
- ``sqeuclidean``: similarity ``-norm(x - y)**2``, distance ``norm(x - y)**2``;
- ``angular``: similarity ``1 - arccos(cos(x, y)) / pi``, distance
  ``arccos(cos(x, y)) / pi``;
- ``soft_cosine``: similarity ``x'Sy / sqrt(x'Sx y'Sy)``, distance ``1 - s``;
- ``scaled_cosine``: similarity ``alpha cos + (1 - alpha)(norm(x) + norm(y))``,
  distance ``1 - s``;
- ``wrd``: similarity ``-(abs(norm(x) - norm(y)) + lam arccos(cos))``,
  distance ``-s``;
- ``radial_cosine``: similarity ``cos(x, y) (norm(x) norm(y))**beta``,
  distance ``1 - s``.

A zero vector has cosine 0 with every vector, itself included (so angle
``pi/2`` for ``angular`` and ``wrd``, soft cosine 0 for a zero soft norm):
never a NaN, never a warning.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.metrics.pairwise import check_paired_arrays, check_pairwise_arrays

from sklearn_cosim.metrics._base import SimilarityMeasure
from sklearn_cosim.metrics._measures import CallableMeasure, SqEuclideanMeasure
from sklearn_cosim.metrics._registry import BUILTIN_NAMES, REGISTRY, resolve
from sklearn_cosim.utils._param_validation import Interval, validate_params
from sklearn_cosim.utils._tiles import Fill, map_tiles
from sklearn_cosim.utils._typing import MatrixLike, MetricLike
from sklearn_cosim.utils.validation import check_no_datetime

__all__ = [
    "PAIRWISE_SIMILARITY_MEASURES",
    "angular_distances",
    "check_metric",
    "cosine_similarity",
    "dot_similarity",
    "euclidean_distances",
    "get_similarity",
    "paired_distances",
    "paired_similarity",
    "pairwise_distances",
    "pairwise_similarity",
    "radial_cosine_similarity",
    "register_similarity",
    "scaled_cosine_similarity",
    "soft_cosine_similarity",
    "sqeuclidean_distances",
    "unregister_similarity",
    "wrd_distances",
]

#: Registered measures by name; add to it with :func:`register_similarity`.
PAIRWISE_SIMILARITY_MEASURES = REGISTRY

_XY = {"X": ["array-like", "sparse matrix"], "Y": ["array-like", "sparse matrix", None]}


def register_similarity(
    measure: SimilarityMeasure | Callable[..., Any],
    *,
    name: str | None = None,
    overwrite: bool = False,
) -> None:
    """Register a similarity measure under a name.

    Once registered, the name is accepted by the ``metric`` parameter of
    every function and estimator of the library, and the measure runs in
    the same block engine as the built-in ones.

    Parameters
    ----------
    measure : SimilarityMeasure or callable
        A :class:`~sklearn_cosim.metrics.SimilarityMeasure` instance (fast:
        the engine folds it into one matrix product per block), or a
        callable ``f(X, Y, **params)`` returning the similarity matrix of
        two blocks of rows (slower: it is called once per block and its
        output is materialised; see
        :class:`~sklearn_cosim.metrics.CallableMeasure`).

    name : str, default=None
        Name to register under. Defaults to ``measure.name`` or the
        callable's ``__name__``.

    overwrite : bool, default=False
        Whether an existing name other than a built-in one may be replaced.

    See Also
    --------
    unregister_similarity : Remove a registered name.
    SimilarityMeasure : Base class of the measures.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.metrics.pairwise import (
    ...     pairwise_similarity, register_similarity, unregister_similarity)
    >>> def neg_manhattan(X, Y):
    ...     return -np.abs(X[:, None, :] - Y[None, :, :]).sum(axis=-1)
    >>> register_similarity(neg_manhattan)
    >>> pairwise_similarity([[0.0, 1.0]], [[1.0, 1.0]], metric="neg_manhattan")
    array([[-1.]])
    >>> unregister_similarity("neg_manhattan")
    """
    if not isinstance(measure, SimilarityMeasure):
        if not callable(measure):
            raise ValueError(
                "measure must be a SimilarityMeasure instance or a callable "
                f"f(X, Y, **params); got {type(measure).__name__}."
            )
        measure = CallableMeasure(measure, name=name)
    name = name or measure.name
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}.")
    if name in BUILTIN_NAMES:
        raise ValueError(f"name={name!r} is a built-in measure and cannot be replaced.")
    if name in PAIRWISE_SIMILARITY_MEASURES and not overwrite:
        raise ValueError(
            f"name={name!r} is already registered; pass overwrite=True to replace it."
        )
    measure.name = name
    PAIRWISE_SIMILARITY_MEASURES[name] = measure


def unregister_similarity(name: str) -> None:
    """Remove a measure registered with :func:`register_similarity`.

    After removal the name is no longer accepted by the ``metric`` parameter.

    Parameters
    ----------
    name : str
        Registered name. Built-in measures cannot be removed.

    See Also
    --------
    register_similarity : Add a named measure.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import (
    ...     register_similarity, unregister_similarity)
    >>> register_similarity(lambda X, Y: X @ Y.T, name="my_dot")
    >>> unregister_similarity("my_dot")
    """
    if name in BUILTIN_NAMES:
        raise ValueError(f"name={name!r} is a built-in measure and cannot be removed.")
    if name not in PAIRWISE_SIMILARITY_MEASURES:
        raise ValueError(f"name={name!r} is not registered.")
    del PAIRWISE_SIMILARITY_MEASURES[name]


def get_similarity(metric: MetricLike) -> SimilarityMeasure:
    """Return the measure object for a metric name, measure or callable.

    This is how every function and estimator of the library resolves its
    ``metric`` parameter.

    Parameters
    ----------
    metric : str, SimilarityMeasure or callable
        A registered name, a measure, or a callable ``f(X, Y, **params)``
        returning similarities (wrapped in a
        :class:`~sklearn_cosim.metrics.CallableMeasure`).

    Returns
    -------
    measure : SimilarityMeasure
        The measure.

    See Also
    --------
    check_metric : Resolve a metric and validate its parameters.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import get_similarity
    >>> get_similarity("cosine")
    <CosineMeasure 'cosine'>
    """
    return resolve(metric)


def check_metric(
    metric: MetricLike, metric_params: dict | None = None
) -> SimilarityMeasure:
    """Resolve a metric and validate its parameters.

    Unknown or invalid parameters raise a ``ValueError`` that names them;
    missing ones are filled with the measure's defaults.

    Parameters
    ----------
    metric : str, SimilarityMeasure or callable
        The metric.

    metric_params : dict, default=None
        Parameters of the measure.

    Returns
    -------
    measure : SimilarityMeasure
        The measure with its parameters bound (defaults filled in).

    See Also
    --------
    get_similarity : Resolve the metric only.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import check_metric
    >>> check_metric("wrd", {"lam": 2.0}).params
    {'lam': 2.0, 'signed': False}
    """
    return get_similarity(metric).bind(metric_params)


def _check_input(name, value):
    if value is None or np.ndim(value) == 0 and not sparse.issparse(value):
        raise ValueError(
            f"{name} must be a 2-d array-like or sparse matrix of shape "
            f"(n_samples, n_features), got {type(value).__name__} {value!r}."
        )
    check_no_datetime(value, name)


def _validate_pair(X, Y, measure):
    _check_input("X", X)
    if Y is not None:
        check_no_datetime(Y, "Y")
    accept_sparse = "csr" if measure.accepts_sparse else False
    return check_pairwise_arrays(X, Y, accept_sparse=accept_sparse)


def _pairwise(X, Y, metric, params, to_distance):
    measure = check_metric(metric, params)
    same = Y is None
    X, Y = _validate_pair(X, Y, measure)
    corpus = measure.prepare(Y)
    queries = corpus if same else measure.prepare_queries(X)
    out = np.empty((X.shape[0], Y.shape[0]), dtype=X.dtype)
    transform = measure.distance if to_distance else None
    map_tiles(
        lambda qs: measure.scorer(queries, corpus, qs, self_query=same),
        Fill(out, transform),
        X.shape[0],
        Y.shape[0],
        itemsize=8,
        row_bytes=measure.block_row_bytes(queries, corpus),
    )
    if same and isinstance(measure, SqEuclideanMeasure):
        np.fill_diagonal(out, 0.0)  # exact, as scikit-learn does
    return out


def pairwise_similarity(
    X: MatrixLike,
    Y: MatrixLike | None = None,
    *,
    metric: MetricLike = "cosine",
    **params: Any,
) -> np.ndarray:
    """Compute similarities between rows with any registered measure.

    The matrix is computed in row blocks whose temporaries fit scikit-learn's
    ``working_memory``. Larger values mean more similar.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows. Sparse input is accepted as CSR by every built-in measure.

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    metric : str, SimilarityMeasure or callable, default="cosine"
        A name from :data:`PAIRWISE_SIMILARITY_MEASURES`, a measure, or a
        callable ``f(X, Y, **params)`` returning similarities.

    **params : dict
        Parameters of the measure (e.g. ``alpha`` for ``"scaled_cosine"``).

    Returns
    -------
    similarities : ndarray of shape (n_samples_X, n_samples_Y)
        Similarities; float32 when both inputs are float32, else float64.

    See Also
    --------
    pairwise_distances : The distances of the same measures.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import pairwise_similarity
    >>> X = [[3.0, 4.0], [0.0, 1.0]]
    >>> pairwise_similarity(X, metric="cosine")
    array([[1. , 0.8],
           [0.8, 1. ]])
    >>> pairwise_similarity(X, metric="radial_cosine", beta=1.0)  # = dot
    array([[25.,  4.],
           [ 4.,  1.]])
    """
    return _pairwise(X, Y, metric, params, to_distance=False)


def pairwise_distances(
    X: MatrixLike,
    Y: MatrixLike | None = None,
    *,
    metric: MetricLike = "cosine",
    **params: Any,
) -> np.ndarray:
    """Compute distances between rows with any registered measure.

    Each measure's distance is a decreasing function of its similarity (see
    the table in the module docstring); it is what the estimators report.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    metric : str, SimilarityMeasure or callable, default="cosine"
        The measure.

    **params : dict
        Parameters of the measure.

    Returns
    -------
    distances : ndarray of shape (n_samples_X, n_samples_Y)
        Distances; float32 when both inputs are float32, else float64.

    See Also
    --------
    pairwise_similarity : The similarities of the same measures.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import pairwise_distances
    >>> pairwise_distances([[0.0, 1.0], [1.0, 0.0]], metric="angular")
    array([[0. , 0.5],
           [0.5, 0. ]])
    """
    return _pairwise(X, Y, metric, params, to_distance=True)


def _paired(X, Y, metric, params, to_distance):
    measure = check_metric(metric, params)
    _check_input("X", X)
    _check_input("Y", Y)
    X, Y = check_paired_arrays(X, Y)
    if not measure.accepts_sparse and (sparse.issparse(X) or sparse.issparse(Y)):
        raise ValueError(f"metric={measure.name!r} does not accept sparse input.")
    X = X.tocsr() if sparse.issparse(X) else X
    Y = Y.tocsr() if sparse.issparse(Y) else Y
    rows = np.arange(X.shape[0])
    values = measure.pairs(measure.prepare(X), measure.prepare(Y), rows, rows)
    if to_distance:
        values = measure.distance(values)
    return values.astype(X.dtype, copy=False)


@validate_params(
    {"X": ["array-like", "sparse matrix"], "Y": ["array-like", "sparse matrix"]},
    prefer_skip_nested_validation=True,
)
def paired_similarity(
    X: MatrixLike, Y: MatrixLike | None, *, metric: MetricLike = "cosine", **params: Any
) -> np.ndarray:
    """Compute the similarity of each row of `X` with the same row of `Y`.

    Useful for pair data (word pairs, sentence pairs): no full matrix is
    computed.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        First rows of the pairs.

    Y : {array-like, sparse matrix} of shape (n_samples, n_features)
        Second rows of the pairs.

    metric : str, SimilarityMeasure or callable, default="cosine"
        The measure.

    **params : dict
        Parameters of the measure.

    Returns
    -------
    similarities : ndarray of shape (n_samples,)
        ``similarity(X[i], Y[i])`` for every `i`, computed in float64 and
        returned in the input dtype.

    See Also
    --------
    paired_distances : The distances of the same pairs.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import paired_similarity
    >>> paired_similarity([[1.0, 0.0], [0.0, 2.0]], [[1.0, 1.0], [0.0, 0.0]])
    array([0.70710678, 0.        ])
    """
    return _paired(X, Y, metric, params, to_distance=False)


@validate_params(
    {"X": ["array-like", "sparse matrix"], "Y": ["array-like", "sparse matrix"]},
    prefer_skip_nested_validation=True,
)
def paired_distances(
    X: MatrixLike, Y: MatrixLike | None, *, metric: MetricLike = "cosine", **params: Any
) -> np.ndarray:
    """Compute the distance of each row of `X` to the same row of `Y`.

    The distance is the one estimators report for the measure.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        First rows of the pairs.

    Y : {array-like, sparse matrix} of shape (n_samples, n_features)
        Second rows of the pairs.

    metric : str, SimilarityMeasure or callable, default="cosine"
        The measure.

    **params : dict
        Parameters of the measure.

    Returns
    -------
    distances : ndarray of shape (n_samples,)
        ``distance(X[i], Y[i])`` for every `i`.

    See Also
    --------
    paired_similarity : The similarities of the same pairs.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import paired_distances
    >>> paired_distances([[0.0, 0.0]], [[3.0, 4.0]], metric="euclidean")
    array([5.])
    """
    return _paired(X, Y, metric, params, to_distance=True)


@validate_params(_XY, prefer_skip_nested_validation=True)
def cosine_similarity(X: MatrixLike, Y: MatrixLike | None = None) -> np.ndarray:
    """Cosine similarity ``x.y / (|x| |y|)`` between the rows of `X` and `Y`.

    Distance used by estimators: ``1 - cos`` (clipped to [0, 2]). A zero row
    has similarity 0 with every row, itself included.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    Returns
    -------
    similarities : ndarray of shape (n_samples_X, n_samples_Y)
        Values in [-1, 1].

    See Also
    --------
    dot_similarity : The same product without normalisation.
    angular_distances : The angle, a metric on directions.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import cosine_similarity
    >>> cosine_similarity([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]).round(3)
    array([[1.   , 0.707, 0.   ],
           [0.707, 1.   , 0.   ],
           [0.   , 0.   , 0.   ]])
    """
    return pairwise_similarity(X, Y, metric="cosine")


@validate_params(_XY, prefer_skip_nested_validation=True)
def dot_similarity(X: MatrixLike, Y: MatrixLike | None = None) -> np.ndarray:
    """Inner product ``x.y`` between the rows of `X` and `Y`.

    Distance used by estimators: ``-x.y`` (can be negative: use it for
    ranking, not with estimators that need non-negative distances). Zero
    rows have similarity 0.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    Returns
    -------
    similarities : ndarray of shape (n_samples_X, n_samples_Y)
        Inner products.

    See Also
    --------
    cosine_similarity : The inner product of the unit rows.
    radial_cosine_similarity : Interpolates between cosine and dot.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import dot_similarity
    >>> dot_similarity([[1.0, 2.0]], [[3.0, 4.0], [0.0, 0.0]])
    array([[11.,  0.]])
    """
    return pairwise_similarity(X, Y, metric="dot")


@validate_params(_XY, prefer_skip_nested_validation=True)
def euclidean_distances(X: MatrixLike, Y: MatrixLike | None = None) -> np.ndarray:
    """Euclidean distances ``|x - y|`` between the rows of `X` and `Y`.

    The similarity of ``metric="euclidean"`` is the negated distance.
    Float32 input is computed in float64 blocks and returned as float32; the
    diagonal is exactly 0 when `Y` is None.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    Returns
    -------
    distances : ndarray of shape (n_samples_X, n_samples_Y)
        Non-negative distances.

    See Also
    --------
    sqeuclidean_distances : The squared distances.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import euclidean_distances
    >>> euclidean_distances([[0.0, 0.0]], [[3.0, 4.0]])
    array([[5.]])
    """
    return pairwise_distances(X, Y, metric="euclidean")


@validate_params(_XY, prefer_skip_nested_validation=True)
def sqeuclidean_distances(X: MatrixLike, Y: MatrixLike | None = None) -> np.ndarray:
    """Squared Euclidean distances ``|x - y|^2`` between the rows of `X` and `Y`.

    The similarity of ``metric="sqeuclidean"`` is the negated distance.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    Returns
    -------
    distances : ndarray of shape (n_samples_X, n_samples_Y)
        Non-negative squared distances.

    See Also
    --------
    euclidean_distances : The distances themselves.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import sqeuclidean_distances
    >>> sqeuclidean_distances([[0.0, 0.0]], [[3.0, 4.0]])
    array([[25.]])
    """
    return pairwise_distances(X, Y, metric="sqeuclidean")


@validate_params(_XY, prefer_skip_nested_validation=True)
def angular_distances(X: MatrixLike, Y: MatrixLike | None = None) -> np.ndarray:
    """Angular distance ``arccos(cos(x, y)) / pi`` between rows, in [0, 1].

    Unlike ``1 - cos`` it is a metric on directions (it satisfies the
    triangle inequality). The similarity of ``metric="angular"`` is
    ``1 - distance``. A zero row is at distance 0.5 (cosine 0) from every
    row.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    Returns
    -------
    distances : ndarray of shape (n_samples_X, n_samples_Y)
        Values in [0, 1].

    See Also
    --------
    cosine_similarity : The cosine itself.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import angular_distances
    >>> angular_distances([[1.0, 0.0]], [[0.0, 1.0], [-1.0, 0.0]])
    array([[0.5, 1. ]])
    """
    return pairwise_distances(X, Y, metric="angular")


@validate_params(
    {**_XY, "S": ["array-like", "sparse matrix"]}, prefer_skip_nested_validation=True
)
def soft_cosine_similarity(
    X: MatrixLike, Y: MatrixLike | None = None, *, S: MatrixLike
) -> np.ndarray:
    """Soft cosine ``x'Sy / (sqrt(x'Sx) sqrt(y'Sy))`` between rows.

    `S` is a term-similarity matrix (``S = I`` gives the cosine). It must be
    symmetric (checked) and positive semi-definite on the data: a row with
    ``x'Sx < 0`` (beyond rounding) raises a ``ValueError``; rounding-level
    negatives are clipped to 0. Results are clipped to [-1, 1]. A row with
    zero soft norm has similarity 0 with every row. Distance: ``1 - s``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows (for instance bag-of-words or tf-idf counts).

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    S : {array-like, sparse matrix} of shape (n_features, n_features)
        Symmetric term-similarity matrix.

    Returns
    -------
    similarities : ndarray of shape (n_samples_X, n_samples_Y)
        Values in [-1, 1].

    See Also
    --------
    cosine_similarity : The case ``S = I``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.metrics.pairwise import soft_cosine_similarity
    >>> S = np.full((5, 5), 0.5) + 0.5 * np.eye(5)
    >>> x = [[2.0, 1.0, 0.0, 0.0, 0.0]]
    >>> y = [[1.0, 0.0, 1.0, 0.0, 0.0]]
    >>> round(float(soft_cosine_similarity(x, y, S=S)[0, 0]), 10)
    0.8728715609
    """
    return pairwise_similarity(X, Y, metric="soft_cosine", S=S)


@validate_params(
    {**_XY, "alpha": [Interval(Real, 0, 1, closed="both")]},
    prefer_skip_nested_validation=True,
)
def scaled_cosine_similarity(
    X: MatrixLike, Y: MatrixLike | None = None, *, alpha: float = 0.5
) -> np.ndarray:
    """Norm-aware ``alpha cos(x, y) + (1 - alpha)(|x| + |y|)`` between rows.

    The scaled similarity of Kisung You, *Semantics at an Angle* (2025). For one query
    ``|x|`` is a constant, so its ranking depends on
    ``alpha cos + (1 - alpha)|y|`` only: larger norms rank higher. Distance:
    ``1 - s`` (can be negative). ``alpha=1`` is the cosine.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    alpha : float, default=0.5
        Weight of the cosine, in [0, 1].

    Returns
    -------
    similarities : ndarray of shape (n_samples_X, n_samples_Y)
        Similarities.

    See Also
    --------
    radial_cosine_similarity : Multiplicative norm weighting.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import scaled_cosine_similarity
    >>> scaled_cosine_similarity([[3.0, 4.0]], [[0.0, 1.0]], alpha=0.5)
    array([[3.4]])
    """
    return pairwise_similarity(X, Y, metric="scaled_cosine", alpha=alpha)


@validate_params(
    {**_XY, "lam": [Interval(Real, 0, None, closed="left")], "signed": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def wrd_distances(
    X: MatrixLike,
    Y: MatrixLike | None = None,
    *,
    lam: float = 1.0,
    signed: bool = False,
) -> np.ndarray:
    """Norm difference plus angle: ``||x| - |y|| + lam * arccos(cos(x, y))``.

    The WRD of Kisung You, *Semantics at an Angle* (2025). With
    ``signed=True`` its literal form, ``|x| - |y| + lam * angle``, is used:
    it is antisymmetric and
    not a distance (it can be negative). The default absolute form is a
    metric on non-zero vectors. The similarity of ``metric="wrd"`` is the
    negated distance. A zero row has angle ``pi/2`` to every row.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    lam : float, default=1.0
        Weight of the angle (in radians), non-negative.

    signed : bool, default=False
        Use the signed norm difference of the paper.

    Returns
    -------
    distances : ndarray of shape (n_samples_X, n_samples_Y)
        Distances.

    See Also
    --------
    angular_distances : The angle alone.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import wrd_distances
    >>> wrd_distances([[2.0, 0.0]], [[0.0, 1.0]], lam=1.0).round(4)
    array([[2.5708]])
    """
    return pairwise_distances(X, Y, metric="wrd", lam=lam, signed=signed)


@validate_params(
    {**_XY, "beta": [Interval(Real, None, None, closed="neither")]},
    prefer_skip_nested_validation=True,
)
def radial_cosine_similarity(
    X: MatrixLike, Y: MatrixLike | None = None, *, beta: float = 0.5
) -> np.ndarray:
    """Radially weighted cosine ``cos(x, y) * (|x| |y|)^beta`` between rows.

    ``beta=0`` is the cosine and ``beta=1`` the dot product; values in
    between let the norms (confidence, frequency) count partly. Zero rows
    have similarity 0. Distance: ``1 - s``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.

    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
            default=None
        Second set of rows. If None, `Y = X`.

    beta : float, default=0.5
        Exponent of the norm weights.

    Returns
    -------
    similarities : ndarray of shape (n_samples_X, n_samples_Y)
        Similarities.

    See Also
    --------
    cosine_similarity : ``beta=0``.
    dot_similarity : ``beta=1``.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import radial_cosine_similarity
    >>> radial_cosine_similarity([[4.0, 0.0]], [[1.0, 0.0]], beta=0.5)
    array([[2.]])
    """
    return pairwise_similarity(X, Y, metric="radial_cosine", beta=beta)
