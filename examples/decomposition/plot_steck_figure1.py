"""
=========================================================
Item-item cosine similarities depend on a free rescaling
=========================================================

Reproduces Figure 1 of Steck, Ekanadham & Kallus (2024), *Is
Cosine-Similarity of Embeddings Really About Similarity?*: on simulated
user-item data with 5 item clusters, a linear autoencoder trained with an L2
penalty on the product ``A Bᵀ`` (objective (1)) has a whole family of equally
good solutions ``(A D, B D⁻¹)``, and the item-item cosine similarities of the
item embeddings ``B`` change with the arbitrary diagonal ``D``. Objective (2)
penalises each factor and has a unique answer, which is not the ground truth
either. The sixth panel is the paper's first remedy: the same model trained
for cosine similarity, ``LinearAutoencoder(loss="cosine")``, which fits
``X ≈ s N(XA) N(B)ᵀ`` from objective (1)'s closed form and whose cosines are
fixed by the fit.

Each panel is scored by the ROC AUC with which its cosines separate
same-cluster from different-cluster item pairs (1 = perfect, 0.5 = chance).
The same numbers are printed by ``python -m sklearn_cosim figure1``.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Simulate, fit and compare the five panels
# -----------------------------------------
# The paper's sizes: 20,000 users, 1,000 items, rank 50, λ = 10,000 for
# objective (1) and λ = 100 for objective (2), and 100 L-BFGS iterations for
# the cosine-trained panel. This takes about half a minute.
import matplotlib.pyplot as plt

from sklearn_cosim.decomposition import plot_steck_figure1, steck_figure1

result = steck_figure1(n_users=20000, n_items=1000, n_clusters=5, random_state=0)
for title, score in zip(result.titles, result.scores):
    print(f"{title.splitlines()[0]:<32} {title.splitlines()[1]:<32} AUC={score:.3f}")

fig = plot_steck_figure1(result)
plt.show()

# %%
# A remedy: compare items in the original space
# ---------------------------------------------
# ``A Bᵀ`` does not depend on ``D``. Representing item ``i`` by the scores
# ``e_iᵀ A Bᵀ`` of a user who consumed only that item (``space="original"``)
# gives one cosine matrix for every rescaling. (For item-item cosines it
# coincides with the ``D = diag(s)^(-1/2)`` panel, because the rows of
# ``V_k diag(s) V_kᵀ`` and of ``V_k diag(s)`` have the same Gram matrix: the
# original space does not make cosine "right", it makes it unambiguous.)
import numpy as np

from sklearn_cosim.datasets import make_clustered_interactions
from sklearn_cosim.decomposition import LinearAutoencoder

X, labels, popularity = make_clustered_interactions(random_state=0)
same = labels[:, None] == labels[None, :]
rows, cols = np.triu_indices(len(labels), k=1)


def same_cluster_auc(E):
    from sklearn.metrics import roc_auc_score

    S = E @ E.T  # rows are unit-norm: cosine similarities
    return roc_auc_score(same[rows, cols], S[rows, cols])


lae = LinearAutoencoder(50, alpha=1e4).fit(X)
for d in ["identity", "sqrt_shrinkage", "inv_sqrt_shrinkage"]:
    model = lae.rescaled(d)
    latent = same_cluster_auc(model.item_embeddings(normalize=True))
    original = same_cluster_auc(model.item_embeddings(space="original", normalize=True))
    print(f"D={d:<20} latent AUC={latent:.3f}  original-space AUC={original:.3f}")

# %%
# Another remedy: de-bias the data before the fit
# -----------------------------------------------
# Inverse propensity weighting of the items (``column_weighting="ips"``)
# down-weights popular items before the SVD; the resulting embeddings are
# still subject to the rescaling of objective (1), but popularity no longer
# dominates the leading components.
lae_ips = LinearAutoencoder(50, alpha=1e4, column_weighting="ips").fit(X)
print(
    "IPS, D=identity: latent AUC="
    f"{same_cluster_auc(lae_ips.item_embeddings(normalize=True)):.3f}"
)
