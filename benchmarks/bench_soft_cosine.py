"""Soft cosine over bag-of-words documents: sklearn_cosim against gensim and numpy.

Run ``python benchmarks/bench_soft_cosine.py`` (``--help`` for the sizes).
Synthetic data, built here: a vocabulary of ``--n-terms`` terms whose word
vectors form synonym clusters, ``--n-docs`` Zipf-distributed tf-idf
documents, and ``--n-queries`` query documents. One term-similarity matrix
``S`` (``term_similarity_matrix``, ``nonzero_limit=100``, no PSD step, as
gensim's defaults) is shared by every contender, so the results can be
compared entry by entry:

- ``sklearn_cosim``: the full ``(n_queries, n_docs)`` soft-cosine matrix
  (``pairwise_similarity(metric="soft_cosine")``) and the top-10 search
  (``SimilarityNeighbors``), and the ``TermSimilarity`` factor route
  (transform, then plain cosine);
- gensim's ``SoftCosineSimilarity`` (when gensim is installed; gensim is
  LGPL and is only called, never copied) with the same ``S``;
- the dense numpy formula ``Q S C' / (|q|_S |c|_S)`` on a subset of the
  corpus, its time scaled linearly to the full corpus (marked ``*``).

Each time is the best of ``--repeat`` runs. ``--build`` also times the
construction of ``S`` against gensim's ``SparseTermSimilarityMatrix`` over a
``WordEmbeddingSimilarityIndex`` (slow in gensim).
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import gc
import os
import time

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer

from sklearn_cosim.metrics.pairwise import cosine_similarity, pairwise_similarity
from sklearn_cosim.neighbors import SimilarityNeighbors
from sklearn_cosim.text import TermSimilarity, term_similarity_matrix

try:
    from gensim.similarities import (
        SoftCosineSimilarity,
        SparseTermSimilarityMatrix,
    )
except ImportError:  # optional
    SoftCosineSimilarity = None


def best_time(func, repeat):
    best, result = np.inf, None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def make_data(n_terms, n_docs, n_queries, n_dims, doc_len, seed=0):
    """Word vectors with synonym clusters and Zipf tf-idf documents."""
    rng = np.random.default_rng(seed)
    n_clusters = n_terms // 10
    centers = rng.standard_normal((n_clusters, n_dims))
    cluster = rng.integers(n_clusters, size=n_terms)
    W = centers[cluster] + 0.6 * rng.standard_normal((n_terms, n_dims))
    W = W.astype(np.float32)

    def docs(n):
        lengths = rng.integers(doc_len // 2, 2 * doc_len, size=n)
        ranks = rng.zipf(1.3, size=lengths.sum()) - 1
        terms = rng.permutation(n_terms)[np.minimum(ranks, n_terms - 1)]
        rows = np.repeat(np.arange(n), lengths)
        X = sparse.csr_matrix((np.ones(rows.size), (rows, terms)), shape=(n, n_terms))
        X.sum_duplicates()
        return X

    counts = docs(n_docs + n_queries)
    tfidf = TfidfTransformer().fit_transform(counts).astype(np.float64)
    return W, sparse.csr_matrix(tfidf[:n_docs]), sparse.csr_matrix(tfidf[n_docs:])


def to_bow(X):
    return [
        list(
            zip(
                X.indices[X.indptr[i] : X.indptr[i + 1]].tolist(),
                X.data[X.indptr[i] : X.indptr[i + 1]].tolist(),
            )
        )
        for i in range(X.shape[0])
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-terms", type=int, default=20_000)
    parser.add_argument("--n-docs", type=int, default=10_000)
    parser.add_argument("--n-queries", type=int, default=1_000)
    parser.add_argument("--n-dims", type=int, default=100)
    parser.add_argument("--doc-len", type=int, default=60)
    parser.add_argument("--nonzero-limit", type=int, default=100)
    parser.add_argument("--dense-docs", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop-queries", type=int, default=5)
    parser.add_argument("--build", action="store_true")
    args = parser.parse_args()

    W, C, Q = make_data(
        args.n_terms, args.n_docs, args.n_queries, args.n_dims, args.doc_len
    )
    print(
        f"{args.n_docs} documents x {args.n_terms} terms (nnz/doc "
        f"{C.nnz / C.shape[0]:.0f}), {args.n_queries} queries; "
        f"cores={os.cpu_count()}, OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )
    t_build, S = best_time(
        lambda: term_similarity_matrix(
            W, nonzero_limit=args.nonzero_limit, positive_semidefinite=None
        ),
        1,
    )
    print(f"S: {S.nnz} stored entries, built in {t_build:.2f} s")
    rows = []

    t_ours, ours = best_time(
        lambda: pairwise_similarity(Q, C, metric="soft_cosine", S=S), args.repeat
    )
    rows.append(("sklearn_cosim pairwise_similarity (float64)", t_ours, 0.0))

    Q32, C32 = Q.astype(np.float32), C.astype(np.float32)
    t32, ours32 = best_time(
        lambda: pairwise_similarity(Q32, C32, metric="soft_cosine", S=S),
        args.repeat,
    )
    rows.append(
        (
            "sklearn_cosim pairwise_similarity (float32)",
            t32,
            float(abs(ours32 - ours).max()),
        )
    )

    top_ref = np.sort(ours, axis=1)[:, ::-1][:, :10]
    for X_c, X_q, label in ((C, Q, "float64"), (C32, Q32, "float32")):
        nn = SimilarityNeighbors(
            n_neighbors=10, metric="soft_cosine", metric_params={"S": S}
        )
        t_fit, _ = best_time(lambda: nn.fit(X_c), args.repeat)
        t_q, (knn_sim, _) = best_time(
            lambda: nn.kneighbors(X_q, return_similarity=True), args.repeat
        )
        rows.append((f"  SimilarityNeighbors.fit ({label})", t_fit, np.nan))
        rows.append(
            (
                f"  SimilarityNeighbors.kneighbors k=10 ({label})",
                t_q,
                float(abs(knn_sim - top_ref).max()),
            )
        )

    S_dd = term_similarity_matrix(W, nonzero_limit=args.nonzero_limit)

    def factor_route():
        ts = TermSimilarity(W, nonzero_limit=args.nonzero_limit).fit(C)
        return cosine_similarity(ts.transform(Q), ts.transform(C))

    t_fac, fac = best_time(factor_route, 1)
    ref_dd = pairwise_similarity(Q, C, metric="soft_cosine", S=S_dd)
    rows.append(
        (
            "TermSimilarity fit+transform+cosine (dominant S)",
            t_fac,
            float(abs(fac - ref_dd).max()),
        )
    )

    t_gensim = None
    if SoftCosineSimilarity is not None:
        C_bow, Q_bow = to_bow(C), to_bow(Q)
        for label, dtype in (("float64", np.float64), ("float32", np.float32)):
            index = SoftCosineSimilarity(
                C_bow,
                SparseTermSimilarityMatrix(S.astype(dtype).tocsc()),
                chunksize=256,
            )
            t_g, theirs = best_time(lambda: np.asarray(index[Q_bow]), args.repeat)
            rows.append(
                (
                    f"gensim SoftCosineSimilarity, batch ({label})",
                    t_g,
                    float(abs(theirs - ours).max()),
                )
            )
            if dtype is np.float64:
                t_gensim = t_g
                n_loop = min(args.loop_queries, len(Q_bow))
                t_l, _ = best_time(lambda: [index[q] for q in Q_bow[:n_loop]], 1)
                rows.append(
                    (
                        f"gensim, one query at a time ({n_loop} q, "
                        f"x{len(Q_bow) / n_loop:g})*",
                        t_l * len(Q_bow) / n_loop,
                        np.nan,
                    )
                )
    else:
        print("gensim not installed: skipped")

    m = min(args.dense_docs, args.n_docs)

    def dense_run():
        Sd = S.toarray().astype(np.float32)
        Qd = Q.toarray().astype(np.float32)
        Cd = C[:m].toarray().astype(np.float32)
        QS = Qd @ Sd
        q_norm = np.sqrt(np.einsum("ij,ij->i", QS, Qd))
        c_norm = np.sqrt(np.einsum("ij,ij->i", Cd @ Sd, Cd))
        return (QS @ Cd.T) / np.outer(q_norm, c_norm)

    t_dense, dense = best_time(dense_run, 1)
    scale = args.n_docs / m
    rows.append(
        (
            f"numpy dense formula ({m} docs, x{scale:g})*",
            t_dense * scale,
            float(abs(dense - ours[:, :m]).max()),
        )
    )

    if args.build and SoftCosineSimilarity is not None:
        from gensim.models import KeyedVectors
        from gensim.similarities import WordEmbeddingSimilarityIndex

        kv = KeyedVectors(W.shape[1])
        kv.add_vectors([str(i) for i in range(W.shape[0])], W)

        class _Dict(dict):  # the minimal Dictionary gensim needs
            token2id = {str(i): i for i in range(W.shape[0])}

        dictionary = _Dict((i, str(i)) for i in range(W.shape[0]))
        t0 = time.perf_counter()
        SparseTermSimilarityMatrix(
            WordEmbeddingSimilarityIndex(kv),
            dictionary,
            nonzero_limit=args.nonzero_limit,
        )
        print(
            f"S construction: sklearn_cosim {t_build:.2f} s, gensim "
            f"{time.perf_counter() - t0:.2f} s"
        )

    print()
    print(f"{'contender':52s} {'time (s)':>9s} {'ratio':>8s} {'max |diff|':>11s}")
    for name, t, diff in rows:
        print(f"{name:52s} {t:9.3f} {t / t_ours:7.1f}x {diff:11.1e}")
    print("* measured on a subset, time scaled linearly to the full size")
    if t_gensim:
        times = {name: t for name, t, _ in rows}
        print(f"gensim batch / sklearn_cosim: pairwise {t_gensim / t_ours:.1f}x")
        for label in ("float64", "float32"):
            t_g = times[f"gensim SoftCosineSimilarity, batch ({label})"]
            t_q = times[f"  SimilarityNeighbors.kneighbors k=10 ({label})"]
            t_f = times[f"  SimilarityNeighbors.fit ({label})"]
            verdict = "met" if t_g / t_q >= 10 else "MISSED"
            print(
                f"  fitted-index query ({label}): {t_g / t_q:.1f}x, target >= 10x "
                f"{verdict}; fit + query {t_g / (t_f + t_q):.1f}x"
            )


if __name__ == "__main__":
    main()
