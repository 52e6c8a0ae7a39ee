"""Generator of clustered user-item interactions (Steck et al. 2024, Figure 1)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.utils import check_random_state

from sklearn_cosim.utils._param_validation import Interval, validate_params
from sklearn_cosim.utils._typing import ArrayLike, RandomStateLike

# Number of matrix entries (users x items) drawn at once by the sampler; bounds
# the temporary memory to about 8 bytes * 3 * _CHUNK_ENTRIES.
_CHUNK_ENTRIES = 2**21


def _zipf_popularity(labels, exponents, rng):
    """Within-cluster Zipf popularity ``rank ** -exponent`` (sums to 1 per cluster)."""
    popularity = np.zeros(labels.shape[0], dtype=np.float64)
    for c, exponent in enumerate(exponents):
        members = np.flatnonzero(labels == c)
        if members.size == 0:
            continue
        ranks = rng.permutation(members.size) + 1.0
        weights = ranks**-exponent
        popularity[members] = weights / weights.sum()
    return popularity


def _sample_without_replacement(log_weights_fn, n_items, counts, rng):
    """Sample ``counts[u]`` distinct items per user, vectorised over user chunks.

    Gumbel-top-k (exponential races): the ``k`` largest of
    ``log(w_ui) + Gumbel`` are a sample of ``k`` distinct items drawn one after
    the other with probabilities proportional to the remaining weights.
    """
    n_users = counts.shape[0]
    chunk = max(1, _CHUNK_ENTRIES // max(n_items, 1))
    indices = []
    for start in range(0, n_users, chunk):
        stop = min(start + chunk, n_users)
        keys = log_weights_fn(start, stop)
        keys -= np.log(rng.standard_exponential(size=keys.shape))
        k_chunk = counts[start:stop]
        k_max = int(k_chunk.max(initial=0))
        if k_max == 0:
            continue
        if k_max < n_items:
            # Only the k_max largest keys per row can be selected.
            top = np.argpartition(-keys, k_max - 1, axis=1)[:, :k_max]
            order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1)
            top = np.take_along_axis(top, order, axis=1)
        else:
            top = np.argsort(-keys, axis=1)
        keep = np.arange(top.shape[1]) < k_chunk[:, None]
        indices.append(top[keep])
    indices = np.concatenate(indices) if indices else np.zeros(0, dtype=np.intp)
    indptr = np.concatenate(([0], np.cumsum(counts)))
    X = sparse.csr_matrix(
        (np.ones(indices.shape[0], dtype=np.float64), indices, indptr),
        shape=(n_users, n_items),
    )
    X.sort_indices()
    return X


@validate_params(
    {
        "n_users": [Interval(Integral, 1, None, closed="left")],
        "n_items": [Interval(Integral, 1, None, closed="left")],
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "beta_item": [tuple, list, np.ndarray],
        "beta_user": [Interval(Real, 0, None, closed="neither")],
        "cluster_weights": ["array-like", None],
        "user_concentration": [Interval(Real, 0, None, closed="neither")],
        "max_items_per_user": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_clustered_interactions(
    n_users: int = 20000,
    n_items: int = 1000,
    n_clusters: int = 5,
    *,
    beta_item: tuple[float, float] = (0.25, 1.5),
    beta_user: float = 0.5,
    cluster_weights: ArrayLike | None = None,
    user_concentration: float = 1.0,
    max_items_per_user: int | None = None,
    random_state: RandomStateLike = None,
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Generate binary user-item interactions with clustered items.

    The simulation behind Figure 1 of Steck, Ekanadham & Kallus (2024):
    items belong to clusters, each cluster has its own power-law item
    popularity, each user has preferences over the clusters, and each user
    consumes a power-law distributed number of distinct items.

    1. Each item is assigned to cluster ``c`` with probability
       ``cluster_weights[c]``.
    2. Each cluster draws an exponent ``beta_c ~ Uniform(*beta_item)``; the
       baseline popularity of its items is Zipf-like,
       ``p_i = r_i ** -beta_c / sum_j r_j ** -beta_c`` where ``r_i`` is the
       item's popularity rank within its cluster (a random permutation), so
       that the popularities of each cluster sum to 1.
    3. Each user draws cluster preferences
       ``p_u ~ Dirichlet(user_concentration * ones(n_clusters))``.
    4. The probability that user ``u`` picks item ``i`` is
       ``p_ui = p_{u, c_i} p_i / sum_j p_{u, c_j} p_j``.
    5. Each user consumes ``k_u`` items, with the discrete Pareto law
       ``P(k_u >= m) = m ** -beta_user`` for ``m >= 1`` (drawn as
       ``floor(U ** (-1 / beta_user))``, ``U ~ Uniform(0, 1)``), capped at
       `max_items_per_user`; the ``k_u`` items are sampled **without
       replacement** with probabilities ``p_ui``, so ``X`` is binary.

    The paper fixes the sizes, the exponents' range and ``beta_user``. The
    following are OUR choices where it is silent: the Zipf-by-rank form of
    the item power law and its per-cluster normalisation (step 2), the
    Dirichlet law of the user preferences (step 3), uniform default
    `cluster_weights` (step 1), and the Pareto form of the items-per-user
    law (step 5). Sampling without replacement uses the Gumbel-top-k trick,
    which is exactly sequential sampling proportional to ``p_ui`` among the
    items not drawn yet.

    Read more in the :ref:`User Guide <linear_autoencoder>`.

    Parameters
    ----------
    n_users : int, default=20000
        Number of users (rows of `X`).

    n_items : int, default=1000
        Number of items (columns of `X`).

    n_clusters : int, default=5
        Number of item clusters. A cluster may receive no item when
        `n_clusters` is large compared to `n_items`.

    beta_item : tuple of two floats, default=(0.25, 1.5)
        Range ``(low, high)``, ``0 <= low <= high``, of the uniform law of the
        per-cluster popularity exponents.

    beta_user : float, default=0.5
        Tail exponent of the items-per-user law ``P(k_u >= m) = m ** -beta_user``.
        Smaller values give heavier users.

    cluster_weights : array-like of shape (n_clusters,), default=None
        Probabilities of assigning an item to each cluster (normalised to sum
        to 1). None means uniform weights.

    user_concentration : float, default=1.0
        Concentration of the symmetric Dirichlet law of the user cluster
        preferences. Values below 1 make users focus on fewer clusters.

    max_items_per_user : int, default=None
        Cap on ``k_u``. None means `n_items`.

    random_state : int, RandomState instance or None, default=None
        Seed of the generator. Pass an int for reproducible output.

    Returns
    -------
    X : sparse matrix of shape (n_users, n_items)
        Binary interactions in CSR format, dtype float64, with sorted indices.

    item_labels : ndarray of shape (n_items,)
        Cluster of each item (ints in ``[0, n_clusters)``).

    item_popularity : ndarray of shape (n_items,)
        Baseline popularity ``p_i`` of each item; sums to 1 within each
        non-empty cluster.

    See Also
    --------
    sklearn_cosim.decomposition.LinearAutoencoder : The models fit on this data
        in the paper.
    sklearn_cosim.decomposition.steck_figure1 : Reproduces Figure 1 with this
        generator.

    References
    ----------
    .. [1] H. Steck, C. Ekanadham and N. Kallus, "Is Cosine-Similarity of
       Embeddings Really About Similarity?", WWW '24 Companion, 2024,
       arXiv:2403.05440.

    Examples
    --------
    >>> from sklearn_cosim.datasets import make_clustered_interactions
    >>> X, item_labels, item_popularity = make_clustered_interactions(
    ...     n_users=100, n_items=30, n_clusters=3, random_state=0
    ... )
    >>> X.shape, item_labels.shape
    ((100, 30), (30,))
    >>> bool(set(X.data) == {1.0})
    True
    """
    beta_item = np.asarray(beta_item, dtype=np.float64)
    if (
        beta_item.shape != (2,)
        or not np.all(np.isfinite(beta_item))
        or beta_item[0] < 0
        or beta_item[0] > beta_item[1]
    ):
        raise ValueError(
            "beta_item must be a pair (low, high) of finite floats with "
            f"0 <= low <= high, got {beta_item.tolist()!r}."
        )
    if cluster_weights is None:
        cluster_weights = np.full(n_clusters, 1.0 / n_clusters)
    else:
        cluster_weights = np.asarray(cluster_weights, dtype=np.float64)
        if (
            cluster_weights.shape != (n_clusters,)
            or not np.all(np.isfinite(cluster_weights))
            or np.any(cluster_weights < 0)
            or cluster_weights.sum() <= 0
        ):
            raise ValueError(
                f"cluster_weights must be n_clusters={n_clusters} non-negative "
                f"finite numbers with a positive sum, got {cluster_weights!r}."
            )
        cluster_weights = cluster_weights / cluster_weights.sum()
    k_cap = n_items if max_items_per_user is None else min(max_items_per_user, n_items)

    rng = check_random_state(random_state)
    item_labels = rng.choice(n_clusters, size=n_items, p=cluster_weights)
    exponents = rng.uniform(beta_item[0], beta_item[1], size=n_clusters)
    item_popularity = _zipf_popularity(item_labels, exponents, rng)
    preferences = rng.dirichlet(np.full(n_clusters, float(user_concentration)), n_users)

    # Items per user: discrete Pareto, P(k >= m) = m ** -beta_user.
    u = 1.0 - rng.uniform(size=n_users)  # in (0, 1]
    with np.errstate(over="ignore"):
        counts = np.floor(u ** (-1.0 / beta_user))
    counts = np.minimum(counts, k_cap).astype(np.intp)

    with np.errstate(divide="ignore"):
        log_popularity = np.log(item_popularity)
        log_preferences = np.log(preferences)
    # A user cannot consume more items than have a positive probability.
    positive_items = np.bincount(
        item_labels[item_popularity > 0], minlength=n_clusters
    ).astype(np.intp)
    counts = np.minimum(counts, (preferences > 0) @ positive_items)

    def log_weights(start, stop):
        return log_preferences[start:stop][:, item_labels] + log_popularity

    X = _sample_without_replacement(log_weights, n_items, counts, rng)
    return X, item_labels, item_popularity
