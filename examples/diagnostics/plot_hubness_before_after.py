"""
===============================================================
Hubness and anisotropy before and after centering, PCR and CSLS
===============================================================

Synthetic embeddings with a common direction, a skewed spectrum and a few
planted hubs (:func:`~sklearn_cosim.datasets.make_anisotropic_embeddings`)
are measured with :func:`~sklearn_cosim.diagnostics.embedding_report`, then
again after mean-centering, after removing the top principal components and
with CSLS hubness reduction in the neighbour search. The plot shows the
k-occurrence distributions: a long right tail means hubs.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Generate embeddings and measure them
# ------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from sklearn_cosim.datasets import make_anisotropic_embeddings
from sklearn_cosim.diagnostics import embedding_report, k_occurrence
from sklearn_cosim.preprocessing import MeanCenterer, PrincipalComponentRemover

X, freq, labels = make_anisotropic_embeddings(
    2000, 128, common_direction=1.5, n_hubs=0, random_state=0
)

spaces = {
    "raw": (X, None),
    "centered": (MeanCenterer().fit_transform(X), None),
    "PC removal (3)": (
        PrincipalComponentRemover(n_components=3).fit_transform(X),
        None,
    ),
    "raw + CSLS": (X, "csls"),
}

rows = {}
for name, (Z, hubness) in spaces.items():
    report = embedding_report(Z, n_neighbors=10, hubness=hubness)
    rows[name] = report
    print(
        f"{name:>15}: skewness={report['k_skewness']:.2f} "
        f"robin_hood={report['robin_hood_index']:.2f} "
        f"mean_cos={report['mean_cosine_similarity']:.2f} "
        f"isoscore={report['isoscore']:.2f}"
    )

# %%
# The full report of the raw space prints as a table
print(rows["raw"])

# %%
# k-occurrence distributions
# --------------------------
fig, axes = plt.subplots(1, len(spaces), figsize=(12, 3), sharey=True)
bins = np.arange(0, 80, 2)
for ax, (name, (Z, hubness)) in zip(axes, spaces.items()):
    N = k_occurrence(Z, n_neighbors=10, hubness=hubness)
    ax.hist(N, bins=bins, color="tab:blue")
    ax.set_yscale("log")
    ax.set_title(f"{name}\nskew {rows[name]['k_skewness']:.2f}")
    ax.set_xlabel("$N_{10}$")
axes[0].set_ylabel("samples")
fig.tight_layout()
plt.show()
