"""Figure 1 of Steck, Ekanadham & Kallus (2024): item-item cosines under rescaling."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.utils import Bunch

from sklearn_cosim.datasets import make_clustered_interactions
from sklearn_cosim.decomposition._linear_autoencoder import (
    RESCALINGS,
    LinearAutoencoder,
)
from sklearn_cosim.utils._param_validation import Interval, validate_params
from sklearn_cosim.utils._typing import RandomStateLike

_TITLES = {
    "identity": "obj. (1), D = I\nB = V diag(s)^(1/2)",
    "sqrt_shrinkage": "obj. (1), D = diag(s)^(1/2)\nB = V",
    "inv_sqrt_shrinkage": "obj. (1), D = diag(s)^(-1/2)\nB = V diag(s)",
    "inv_sqrt_singular_values": "obj. (1), D = diag(σ)^(-1/2)\nB = V diag(σ s)^(1/2)",
}


def _cosine_matrix(E):
    """Cosine similarities between the rows of `E`; zero rows give 0."""
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    unit = np.divide(E, norms, out=np.zeros_like(E), where=norms > 0)
    return unit @ unit.T


def _same_cluster_auc(similarity, labels):
    """ROC AUC of off-diagonal similarities for "same cluster" vs "different"."""
    rows, cols = np.triu_indices(labels.shape[0], k=1)
    same = labels[rows] == labels[cols]
    if same.all() or not same.any():
        return float("nan")
    return float(roc_auc_score(same, similarity[rows, cols]))


@validate_params(
    {
        "n_users": [Interval(Integral, 1, None, closed="left")],
        "n_items": [Interval(Integral, 2, None, closed="left")],
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "alpha_product": [Interval(Real, 0, None, closed="left")],
        "alpha_factors": [Interval(Real, 0, None, closed="left")],
        "rescalings": [list, tuple],
        "cosine_max_iter": [Interval(Integral, 0, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def steck_figure1(
    n_users: int = 20000,
    n_items: int = 1000,
    n_clusters: int = 5,
    *,
    n_components: int = 50,
    alpha_product: float = 10000.0,
    alpha_factors: float = 100.0,
    rescalings: Sequence[str] = ("identity", "sqrt_shrinkage", "inv_sqrt_shrinkage"),
    cosine_max_iter: int | None = 100,
    random_state: RandomStateLike = 0,
) -> Bunch:
    """Compute the panels of Figure 1 of Steck, Ekanadham & Kallus (2024).

    Simulates clustered interactions with
    :func:`~sklearn_cosim.datasets.make_clustered_interactions`, fits
    :class:`LinearAutoencoder` with objective (1) (``alpha=alpha_product``)
    and objective (2) (``alpha=alpha_factors``), and returns the item-item
    cosine matrices ``cosSim(B, B)``: the ground truth (same-cluster
    indicator), objective (1) under each rescaling in `rescalings`,
    objective (2), and -- the paper's first remedy -- the model trained for
    cosine similarity (``LinearAutoencoder(loss="cosine")``, started from
    objective (1)'s closed form). Items are sorted by cluster, and within a
    cluster by decreasing baseline popularity, as in the paper.

    Each panel gets one number: the ROC AUC with which its off-diagonal
    similarities separate same-cluster from different-cluster item pairs
    (1 is perfect, 0.5 is chance; the ground truth scores 1). The paper's
    figure is qualitative; the score is OURS, and so is the choice of the
    three default rescalings (the figure's panel titles were not readable).

    Read more in the :ref:`User Guide <linear_autoencoder>`.

    Parameters
    ----------
    n_users : int, default=20000
        Number of simulated users.

    n_items : int, default=1000
        Number of simulated items.

    n_clusters : int, default=5
        Number of item clusters.

    n_components : int, default=50
        Rank ``k`` of both models. Must not exceed `n_items`.

    alpha_product : float, default=10000.0
        ``λ`` of objective (1), as in the paper.

    alpha_factors : float, default=100.0
        ``λ`` of objective (2), as in the paper.

    rescalings : sequence of str, \
            default=("identity", "sqrt_shrinkage", "inv_sqrt_shrinkage")
        Named rescalings of :meth:`LinearAutoencoder.rescaled`, one panel
        each.

    cosine_max_iter : int or None, default=100
        L-BFGS iterations of the cosine-trained panel (``max_iter`` of
        ``LinearAutoencoder(loss="cosine")``); None leaves the panel out.

    random_state : int, RandomState instance or None, default=0
        Seed of the simulation.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        similarities : list of ndarray of shape (n_items, n_items)
            Item-item matrices in panel order, rows and columns sorted by
            `order`.
        titles : list of str
            Panel titles.
        scores : ndarray of shape (n_panels,)
            Same-cluster ROC AUC of each panel.
        order : ndarray of shape (n_items,)
            Item permutation used to sort the matrices.
        item_labels : ndarray of shape (n_items,)
            Cluster of each item (unsorted).
        item_popularity : ndarray of shape (n_items,)
            Baseline popularity of each item (unsorted).

    See Also
    --------
    plot_steck_figure1 : Draws the panels.
    LinearAutoencoder : The model whose embeddings are compared.

    Examples
    --------
    >>> from sklearn_cosim.decomposition import steck_figure1
    >>> fig1 = steck_figure1(n_users=300, n_items=40, n_clusters=3,
    ...                      n_components=5, alpha_product=10.0,
    ...                      alpha_factors=1.0, random_state=0)
    >>> len(fig1.similarities), fig1.similarities[0].shape
    (6, (40, 40))
    >>> float(fig1.scores[0])
    1.0
    """
    rescalings = list(rescalings)
    for name in rescalings:
        if name not in RESCALINGS:
            raise ValueError(
                f"rescalings must contain names from {RESCALINGS}, got {name!r}."
            )
    if n_components > n_items:
        raise ValueError(f"n_components={n_components} must be <= n_items={n_items}.")
    X, labels, popularity = make_clustered_interactions(
        n_users, n_items, n_clusters, random_state=random_state
    )
    order = np.lexsort((-popularity, labels))
    sorted_labels = labels[order]

    product = LinearAutoencoder(n_components, alpha=alpha_product).fit(X)
    factors = LinearAutoencoder(
        n_components, alpha=alpha_factors, regularization="factors"
    ).fit(X)

    similarities = [
        (sorted_labels[:, None] == sorted_labels[None, :]).astype(np.float64)
    ]
    titles = ["ground truth\n(same cluster)"]
    for name in rescalings:
        B = product.rescaled(name).decoder_[order]
        similarities.append(_cosine_matrix(B))
        titles.append(_TITLES[name])
    similarities.append(_cosine_matrix(factors.decoder_[order]))
    titles.append("obj. (2) (unique)\nB = V diag(σ (1 - λ/σ)₊)^(1/2)")
    if cosine_max_iter is not None:
        cosine = LinearAutoencoder(
            n_components, alpha=alpha_product, loss="cosine", max_iter=cosine_max_iter
        ).fit(X)
        similarities.append(_cosine_matrix(cosine.decoder_[order]))
        titles.append("trained for cosine\n‖X - s N(XA) N(B)ᵀ‖², from obj. (1)")
    scores = np.array([_same_cluster_auc(S, sorted_labels) for S in similarities])
    return Bunch(
        similarities=similarities,
        titles=titles,
        scores=scores,
        order=order,
        item_labels=labels,
        item_popularity=popularity,
    )


def plot_steck_figure1(result: Bunch, *, axes: Any = None, cmap: str = "RdBu_r") -> Any:
    """Draw the panels returned by :func:`steck_figure1` as heat maps.

    Requires matplotlib.

    Parameters
    ----------
    result : :class:`~sklearn.utils.Bunch`
        Output of :func:`steck_figure1`.

    axes : array-like of matplotlib Axes, default=None
        One Axes per panel. None creates a new figure with one row of panels.

    cmap : str or matplotlib Colormap, default="RdBu_r"
        Colour map; the colour scale is fixed to ``[-1, 1]``.

    Returns
    -------
    fig : matplotlib Figure
        The figure holding the panels.

    See Also
    --------
    steck_figure1 : Computes the panels.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_cosim.decomposition import plot_steck_figure1, steck_figure1
    >>> fig1 = steck_figure1(n_users=200, n_items=30, n_clusters=3,
    ...                      n_components=4, alpha_product=10.0,
    ...                      alpha_factors=1.0)
    >>> fig = plot_steck_figure1(fig1)
    >>> len(fig.axes) >= 5
    True
    """
    if not all(hasattr(result, key) for key in ("similarities", "titles", "scores")):
        raise ValueError(
            "result must be the Bunch returned by steck_figure1 (with "
            f"similarities, titles and scores), got {type(result).__name__}."
        )
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_steck_figure1 requires matplotlib; install it with "
            "`pip install matplotlib` (or `pip install sklearn_cosim[plot]`)."
        ) from exc
    n_panels = len(result.similarities)
    if axes is None:
        fig, axes = plt.subplots(
            1, n_panels, figsize=(3.2 * n_panels, 3.8), layout="constrained"
        )
    axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
    if axes.shape[0] != n_panels:
        raise ValueError(
            f"axes must hold {n_panels} Axes (one per panel), got {axes.shape[0]}."
        )
    image = None
    for ax, S, title, score in zip(
        axes, result.similarities, result.titles, result.scores
    ):
        image = ax.imshow(S, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
        ax.set_title(f"{title}\nAUC = {score:.3f}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig = axes[0].figure
    fig.colorbar(image, ax=list(axes), shrink=0.7, label="cosine similarity")
    return fig
