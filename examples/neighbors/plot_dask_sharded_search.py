"""
==========================================
Sharded neighbour search on a Dask cluster
==========================================

:mod:`sklearn_cosim.dask` searches a corpus held as a row-chunked dask
array: each chunk is prepared and kept on a worker, and the per-chunk top k
are merged by (similarity, global index). The example starts a small
in-process cluster, whitens the data with a tree-reduced
:class:`~sklearn_cosim.dask.Whitener`, builds the k-NN graph of the corpus
with and without CSLS hubness reduction, checks that it equals the
in-memory engine's, and plots how often each sample is a neighbour.
See :ref:`scaling_out`.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# A cluster and a chunked corpus
# ------------------------------
# ``Client(processes=False)`` runs the scheduler and the workers in this
# process; ``Client("tcp://scheduler:8786")`` connects to a real cluster.
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client

from sklearn_cosim.dask import SimilarityNeighbors, Whitener
from sklearn_cosim.neighbors import SimilarityNeighbors as InMemoryNeighbors

client = Client(
    processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"
)

rng = np.random.default_rng(0)
X = rng.standard_normal((2000, 64)) * np.linspace(3.0, 0.2, 64) + 1.0
X = da.from_array(X.astype(np.float32), chunks=500)  # 4 shards
X_white = Whitener(n_components=32).fit(X).transform(X).persist()

# %%
# The k-NN graph, shard by shard
# ------------------------------
# ``kneighbors_graph()`` runs one task per pair of chunks and excludes each
# sample from its own neighbours; the result is the in-memory engine's.
counts = {}
for hubness in [None, "csls"]:
    nn = SimilarityNeighbors(n_neighbors=10, hubness=hubness).fit(X_white)
    graph = nn.kneighbors_graph()
    reference = InMemoryNeighbors(n_neighbors=10, hubness=hubness).fit(
        X_white.compute()
    )
    assert np.array_equal(graph.indices, reference.kneighbors_graph().indices)
    counts[hubness or "cosine"] = np.bincount(graph.indices, minlength=2000)

# %%
# Hubness before and after
# ------------------------
# ``N_k`` counts how often a sample is among the 10 nearest neighbours of the
# others; CSLS shortens the tail of hubs.
fig, ax = plt.subplots(figsize=(6, 3.5))
bins = np.arange(0, max(c.max() for c in counts.values()) + 2)
for name, c in counts.items():
    ax.hist(c, bins=bins, histtype="step", label=f"{name}: max N_k = {c.max()}")
ax.set_xlabel("N_k (times among the 10 nearest neighbours)")
ax.set_ylabel("samples")
ax.legend()
fig.tight_layout()
plt.show()

client.close()
