"""
===================================================
Choosing the similarity for text-like embeddings
===================================================

Which post-processing and which similarity measure should we use for a set of
embeddings? This example answers the question by cross-validation, for the
two uses of a similarity on text embeddings:

* **sentence-pair similarity** (STS-like data: pairs of embeddings with a
  human rating), scored by Spearman's correlation with
  :class:`~sklearn_cosim.model_selection.PairedSimilarity`;
* **retrieval** of items of the same topic, scored by nDCG@10 with
  :func:`~sklearn_cosim.metrics.make_retrieval_scorer`.

Both are run with :func:`~sklearn_cosim.model_selection.compare_similarities`
and plotted.

Read more in the :ref:`User Guide <model_selection>`.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Text-embedding-like pairs
# -------------------------
# Sentence encoders give anisotropic embeddings: a large shared offset, a
# norm that carries frequency rather than meaning, and a few dominant
# directions. We generate pairs of such embeddings whose "human" rating is the
# cosine of the *latent* meaning vectors. The latent vectors have a decaying
# spectrum, so whitening distorts them; the observed embeddings add a random
# norm and a shared offset.
import matplotlib.pyplot as plt
import numpy as np

rng = np.random.default_rng(0)
n_pairs, dim = 500, 32
scale = np.linspace(2.0, 0.5, dim)
z_u = rng.standard_normal((n_pairs, dim)) * scale
rho = rng.uniform(-0.3, 1.0, size=(n_pairs, 1))
z_v = rho * z_u + np.sqrt(1 - rho**2) * rng.standard_normal((n_pairs, dim)) * scale
ratings = np.einsum("ij,ij->i", z_u, z_v) / (
    np.linalg.norm(z_u, axis=1) * np.linalg.norm(z_v, axis=1)
)
ratings += 0.05 * rng.standard_normal(n_pairs)
offset = rng.standard_normal(dim)
offset *= 20.0 / np.linalg.norm(offset)
u = z_u * rng.uniform(0.5, 2.0, size=(n_pairs, 1)) + offset
v = z_v * rng.uniform(0.5, 2.0, size=(n_pairs, 1)) + offset

# %%
# Rank the choices on the pairs
# -----------------------------
# `X` holds the two embeddings side by side (:func:`stack_pairs`). Every
# preprocessor is fitted on the training pairs of each fold only.
from sklearn_cosim.model_selection import compare_similarities, stack_pairs
from sklearn_cosim.preprocessing import (
    LayerNormalizer,
    MeanCenterer,
    PrincipalComponentRemover,
    Whitener,
)

X_pairs = stack_pairs(u, v)
grid = {
    "preprocessor": [
        None,
        MeanCenterer(),
        PrincipalComponentRemover(n_components=1),
        Whitener(),
        LayerNormalizer(),
    ],
    "metric": ["cosine", "dot", "euclidean"],
}
pairs_results = compare_similarities(
    X_pairs, ratings, task="pairs", candidates=grid, cv=5, as_frame=False
)
for i in range(5):
    print(
        f"{pairs_results['rank'][i]:>2}  {pairs_results['candidate'][i]:<52}"
        f"{pairs_results['mean_test_spearman'][i]:.3f}"
    )

# %%
# Retrieval of same-topic items
# -----------------------------
# Topic embeddings with the same distortions; a query's relevant items are the
# other items of its topic, retrieved within each test fold.
topics = rng.integers(6, size=600)
X_topics = rng.standard_normal((6, 64))[topics] + 1.5 * rng.standard_normal((600, 64))
X_topics += 30.0 * offset[rng.permutation(64) % dim] / np.linalg.norm(offset)
dominant = np.linalg.qr(rng.standard_normal((64, 3)))[0].T
X_topics += (rng.standard_normal((600, 3)) * [15.0, 10.0, 8.0]) @ dominant
X_topics *= rng.uniform(0.5, 2.0, size=(600, 1))
retrieval_results = compare_similarities(
    X_topics, topics, task="retrieval", candidates=grid, cv=5, as_frame=False
)


# %%
# Plot both rankings
# ------------------
def plot(ax, results, score, title):
    labels = [str(c) for c in results["candidate"]][::-1]
    mean = results[f"mean_test_{score}"][::-1]
    std = results[f"std_test_{score}"][::-1]
    ax.barh(np.arange(len(labels)), mean, xerr=std, color="tab:blue", alpha=0.8)
    ax.set_yticks(np.arange(len(labels)), labels, fontsize=7)
    ax.set_xlabel(f"{score} (mean ± std over 5 folds)")
    ax.set_title(title)


fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
plot(axes[0], pairs_results, "spearman", "Sentence-pair similarity")
plot(axes[1], retrieval_results, "ndcg@10", "Same-topic retrieval")
fig.tight_layout()
plt.show()

# %%
# Mean-centering followed by cosine wins on the pairs, as the construction
# implies: centering removes the shared offset and cosine ignores the norms,
# while whitening rescales the meaningful directions. The best choice for
# retrieval differs, which is why the choice belongs to cross-validation.
