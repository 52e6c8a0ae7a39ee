"""Generator of anisotropic embeddings with hubs and norm-frequency coupling."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from numpy.typing import DTypeLike
from sklearn.utils import check_random_state

from sklearn_cosim.utils._param_validation import Interval, StrOptions, validate_params
from sklearn_cosim.utils._typing import RandomStateLike


@validate_params(
    {
        "n_samples": [Interval(Integral, 2, None, closed="left")],
        "n_features": [Interval(Integral, 2, None, closed="left")],
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "cluster_std": [Interval(Real, 0, None, closed="left")],
        "common_direction": [Interval(Real, 0, None, closed="left")],
        "spectrum_decay": [Interval(Real, 0, None, closed="left")],
        "zipf_exponent": [Interval(Real, 0, None, closed="left")],
        "norm_frequency_coupling": [Interval(Real, None, None, closed="neither")],
        "n_hubs": [Interval(Integral, 0, None, closed="left")],
        "return_hubs": ["boolean"],
        "dtype": [StrOptions({"float64", "float32"}), type],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_anisotropic_embeddings(
    n_samples: int = 1000,
    n_features: int = 64,
    *,
    n_clusters: int = 8,
    cluster_std: float = 1.0,
    common_direction: float = 1.0,
    spectrum_decay: float = 0.5,
    zipf_exponent: float = 1.0,
    norm_frequency_coupling: float = 0.3,
    n_hubs: int = 5,
    return_hubs: bool = False,
    dtype: DTypeLike = np.float64,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, ...]:
    """Generate embeddings with the failure modes of real ones, seeded.

    The rows are built in four steps:

    1. **Clusters in a skewed spectrum**: Gaussian clusters (unit-variance
       centres, `cluster_std` spread), each coordinate scaled by
       ``(j + 1) ** -spectrum_decay`` and the whole rotated at random, so a
       few directions dominate the variance.
    2. **A common direction**: a shared offset of length ``common_direction``
       times the mean row norm along a random unit vector (anisotropy: the
       mean cosine of distinct pairs is about ``c^2 / (1 + c^2)``).
    3. **Norm-frequency coupling**: item frequencies follow a Zipf law
       ``rank ** -zipf_exponent`` (random ranks); each row is scaled by
       ``exp(norm_frequency_coupling * z)`` with ``z`` the standardised log
       frequency, so frequent items get larger norms when the coupling is
       positive.
    4. **Planted hubs**: `n_hubs` random rows are replaced by the mean of
       their cluster plus 5% noise; close to every member of the cluster,
       they become hubs of the k-nearest-neighbour graph.

    Read more in the :ref:`User Guide <diagnostics>`.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.

    n_features : int, default=64
        Dimension.

    n_clusters : int, default=8
        Number of clusters (the `labels`).

    cluster_std : float, default=1.0
        Spread of each cluster around its centre (before spectrum scaling).

    common_direction : float, default=1.0
        Length of the shared offset in units of the mean row norm.

    spectrum_decay : float, default=0.5
        Decay exponent of the per-direction scales (0: isotropic clusters).

    zipf_exponent : float, default=1.0
        Exponent of the Zipf law of the frequencies.

    norm_frequency_coupling : float, default=0.3
        Coupling of log norm to standardised log frequency (0: none).

    n_hubs : int, default=5
        Number of planted hubs, smaller than `n_samples` (or 0).

    return_hubs : bool, default=False
        Also return the indices of the planted hubs.

    dtype : {np.float64, np.float32}, default=np.float64
        Dtype of `X`, in which it is computed: float32 halves the memory of
        large sets (a million 384-dimensional rows take 1.5 GB); the random
        draws are the same.

    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The embeddings (float64, or `dtype`).

    frequencies : ndarray of shape (n_samples,)
        Item probabilities (positive, summing to 1).

    labels : ndarray of shape (n_samples,)
        Cluster of each row (planted hubs keep their label).

    hubs : ndarray of shape (n_hubs,)
        Sorted indices of the planted hubs. Only if `return_hubs` is True.

    See Also
    --------
    sklearn_cosim.diagnostics.embedding_report : Measures all of the above.

    Examples
    --------
    >>> from sklearn_cosim.datasets import make_anisotropic_embeddings
    >>> X, freq, labels = make_anisotropic_embeddings(200, 16, random_state=0)
    >>> X.shape, freq.shape, labels.shape
    ((200, 16), (200,), (200,))
    >>> X, freq, labels, hubs = make_anisotropic_embeddings(
    ...     200, 16, n_hubs=3, return_hubs=True, random_state=0)
    >>> hubs.shape
    (3,)
    """
    if n_hubs and n_hubs >= n_samples:
        raise ValueError(
            f"n_hubs={n_hubs} must be smaller than n_samples={n_samples}: each "
            "hub is placed at the mean of samples that are not hubs."
        )
    dtype = np.dtype(dtype)
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"dtype must be float64 or float32, got {dtype}.")
    rng = check_random_state(random_state)
    d = n_features
    centres = rng.standard_normal((n_clusters, d))
    labels = rng.randint(n_clusters, size=n_samples)
    # in row chunks: consecutive draws continue the stream, so the rows are
    # those of one draw, without a float64 copy of the whole set
    step = max(1, 2**22 // d)
    X = np.empty((n_samples, d), dtype=dtype)
    for start in range(0, n_samples, step):
        rows = slice(start, min(start + step, n_samples))
        noise = rng.standard_normal((rows.stop - rows.start, d))
        X[rows] = centres[labels[rows]] + cluster_std * noise
    scales = np.arange(1, d + 1, dtype=np.float64) ** -spectrum_decay
    scales *= np.sqrt(d) / np.linalg.norm(scales)
    rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))
    transform = (scales[:, None] * rotation.T).astype(dtype)
    for start in range(0, n_samples, step):
        rows = slice(start, min(start + step, n_samples))
        X[rows] = X[rows] @ transform

    direction = rng.standard_normal(d)
    direction /= np.linalg.norm(direction)
    mean_norm = np.linalg.norm(X, axis=1).mean()
    X += common_direction * mean_norm * direction

    ranks = rng.permutation(n_samples) + 1.0
    frequencies = ranks**-zipf_exponent
    frequencies /= frequencies.sum()
    log_f = np.log(frequencies)
    std = log_f.std()
    z = (log_f - log_f.mean()) / std if std > 0 else np.zeros(n_samples)
    X *= np.exp(norm_frequency_coupling * z).astype(dtype)[:, None]

    hubs = np.sort(rng.choice(n_samples, size=n_hubs, replace=False))
    others = np.ones(n_samples, dtype=bool)
    others[hubs] = False
    for h in hubs:
        members = others & (labels == labels[h])
        centre = X[members].mean(axis=0) if members.any() else X[others].mean(axis=0)
        noise = rng.standard_normal(d) * 0.05 * np.linalg.norm(centre) / np.sqrt(d)
        X[h] = centre + noise
    if return_hubs:
        return X, frequencies, labels, hubs
    return X, frequencies, labels
