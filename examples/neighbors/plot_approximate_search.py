"""
==========================================
Approximate search with exact re-ranking
==========================================

An approximate index (faiss or hnswlib, the ``ann`` extra) proposes
candidates from the measure's inner-product form and the exact engine
re-ranks them: the similarities returned are exact, only the recall is
approximate. The example traces recall@10 against the speed-up over exact
search as the number of IVF lists probed grows, for cosine and for the
norm-aware scaled cosine, then lets
:func:`~sklearn_cosim.neighbors.tune_approximate_search` pick the fastest
setting that reaches a target recall.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Clustered embeddings with varying norms
# ---------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from sklearn_cosim.datasets import make_anisotropic_embeddings
from sklearn_cosim.neighbors import (
    SimilarityNeighbors,
    approximate_recall,
    tune_approximate_search,
)

X, _, _ = make_anisotropic_embeddings(
    20_000, 64, n_clusters=1000, cluster_std=3.0, dtype=np.float32, random_state=0
)
corpus, queries = X[500:], X[:500]

# %%
# Recall against speed-up, one index per measure
# ----------------------------------------------
# The index is built once; ``nprobe`` is a search-time knob, changed with
# ``set_params`` without rebuilding.
fig, ax = plt.subplots(figsize=(6, 4))
for metric, params in [("cosine", None), ("scaled_cosine", {"alpha": 0.9})]:
    nn = SimilarityNeighbors(
        metric=metric,
        metric_params=params,
        algorithm="faiss",
        algorithm_params={"index": "IVF128,Flat"},
    ).fit(corpus)
    points = []
    for nprobe in (1, 2, 4, 8, 16, 32):
        nn.set_params(algorithm_params={"index": "IVF128,Flat", "nprobe": nprobe})
        report = approximate_recall(nn, queries, n_neighbors=10)
        points.append((report["speedup"], report["recall"]))
    speedup, recall = zip(*points)
    ax.plot(speedup, recall, "o-", label=metric)
ax.set_xscale("log")
ax.set_xlabel("speed-up over exact search")
ax.set_ylabel("recall@10")
ax.set_title("IVF128, nprobe 1 to 32")
ax.legend()
fig.tight_layout()

# %%
# The fastest setting with recall@10 >= 0.95
# ------------------------------------------
report = tune_approximate_search(nn, queries, target_recall=0.95)
print(report["algorithm_params"], f"recall {report['recall']:.3f}")
