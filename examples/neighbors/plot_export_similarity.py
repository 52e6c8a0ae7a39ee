"""
==============================================
Serve a cross-validated similarity from faiss
==============================================

Choose the similarity by cross-validation here, then serve it from any
inner-product index. The estimators' ``to_inner_product`` (see
:meth:`~sklearn_cosim.neighbors.SimilarityNeighbors.to_inner_product`)
maps the fitted samples and the queries to vectors whose inner products
rank exactly as the chosen measure (hubness reduction by CSLS included), so
a faiss ``IndexFlatIP`` built on them returns the same neighbours as the
estimator. faiss is the ``ann`` extra: ``pip install "sklearn_cosim[ann]"``.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Embeddings whose norms carry the label
# --------------------------------------
# Two labels share each direction cluster; their vectors differ in norm,
# which cosine ignores and Euclidean distance sees.
import faiss
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV

from sklearn_cosim.neighbors import SimilarityKNeighborsClassifier

rng = np.random.default_rng(0)
n_features, n_topics, n_per_label = 32, 4, 100
centers = rng.standard_normal((n_topics, n_features))
X, y = [], []
for topic in range(n_topics):
    for label, scale in ((2 * topic, 1.0), (2 * topic + 1, 2.5)):
        directions = centers[topic] + 0.7 * rng.standard_normal(
            (n_per_label, n_features)
        )
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        X.append(directions * scale * rng.lognormal(0.0, 0.15, (n_per_label, 1)))
        y += [label] * n_per_label
X, y = np.vstack(X).astype(np.float32), np.array(y)
order = rng.permutation(len(X))
X, y = X[order], y[order]
X_fit, y_fit, X_new = X[:700], y[:700], X[700:]

# %%
# Choose the measure and the hubness reduction by cross-validation
# ----------------------------------------------------------------
# Every candidate keeps an inner-product form. (``"sqeuclidean"`` ranks as
# ``"euclidean"`` and, unlike it, keeps its form under CSLS, whose values
# are affine in the similarity.)
grid = GridSearchCV(
    SimilarityKNeighborsClassifier(n_neighbors=10),
    {
        "metric": ["cosine", "dot", "sqeuclidean", "scaled_cosine"],
        "hubness": [None, "csls"],
    },
    cv=5,
).fit(X_fit, y_fit)
results = pd.DataFrame(grid.cv_results_)
labels = [f"{p['metric']}, {p['hubness'] or 'no reduction'}" for p in results["params"]]
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.barh(labels, results["mean_test_score"], xerr=results["std_test_score"])
ax.set_xlabel("5-fold k-NN accuracy")
ax.set_xlim(0, 1)
ax.set_title("The choice to serve")
fig.tight_layout()
best = grid.best_estimator_
print("chosen:", grid.best_params_)

# %%
# Export it and serve it from faiss
# ---------------------------------
# The fitted samples' vectors go into the index, the queries' vectors are
# searched. faiss works in float32; the vectors have the fitted dtype.
corpus_vectors = np.ascontiguousarray(best.to_inner_product())
query_vectors = np.ascontiguousarray(best.to_inner_product(X_new))
print("vectors:", corpus_vectors.shape, corpus_vectors.dtype)

index = faiss.IndexFlatIP(corpus_vectors.shape[1])
index.add(corpus_vectors)
_, served = index.search(query_vectors, 10)

# %%
# The same neighbours
# -------------------
# faiss returns the estimator's neighbours; the estimator (or
# :func:`~sklearn_cosim.metrics.pairwise.pairwise_similarity`) gives their
# similarity values, which the inner products rank but do not equal.
chosen = best.kneighbors(X_new, return_distance=False)
print(f"same neighbours, same order: {np.mean(served == chosen):.3f}")
assert np.array_equal(served, chosen)
