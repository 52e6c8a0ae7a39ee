"""Sparse term-similarity matrices for the soft cosine measure."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import DTypeLike
from scipy import linalg, sparse
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from sklearn_cosim.utils._param_validation import (
    Interval,
    StrOptions,
    _fit_context,
    validate_params,
)
from sklearn_cosim.utils._typing import ArrayLike, Matrix, MatrixLike, MetricLike
from sklearn_cosim.utils.validation import check_no_datetime

__all__ = ["TermSimilarity", "align_word_vectors", "term_similarity_matrix"]

#: Largest vocabulary for ``positive_semidefinite="clip"`` (dense eigh).
CLIP_MAX_TERMS = 10_000

_PSD_OPTIONS = StrOptions({"dominant", "scale", "clip"})


# ------------------------------------------------------------------------------------
# candidates: the most similar other terms of every term
# ------------------------------------------------------------------------------------
def _top_candidates_precomputed(M, k, threshold):
    """Top-`k` off-diagonal entries above `threshold` of every row of `M`."""
    n = M.shape[0]
    if sparse.issparse(M):
        coo = sparse.coo_matrix(M)
        rows, cols, sims = coo.row, coo.col, coo.data.astype(np.float64)
    else:
        M = np.asarray(M, dtype=np.float64)
        mask = M > threshold
        np.fill_diagonal(mask, False)
        rows, cols = np.nonzero(mask)
        sims = M[rows, cols]
    keep = (rows != cols) & (sims > threshold)
    rows, cols, sims = rows[keep], cols[keep], sims[keep]
    # by row, then decreasing similarity, then increasing column
    order = np.lexsort((cols, -sims, rows))
    rows, cols, sims = rows[order], cols[order], sims[order]
    counts = np.bincount(rows, minlength=n)
    starts = np.cumsum(counts) - counts
    rank = np.arange(rows.size) - starts[rows]
    keep = rank < k
    return rows[keep], cols[keep], sims[keep]


def _top_candidates_vectors(W, metric, k, threshold, n_jobs):
    """Top-`k` most similar other rows of `W` above `threshold` (neighbour engine)."""
    from sklearn_cosim.neighbors import SimilarityNeighbors

    n = W.shape[0]
    k = min(k, n - 1)
    if k < 1:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0)
    nn = SimilarityNeighbors(n_neighbors=k, metric=metric, n_jobs=n_jobs).fit(W)
    sims, ind = nn.kneighbors(return_similarity=True)
    rows = np.repeat(np.arange(n), k)
    cols = ind.ravel()
    sims = sims.ravel().astype(np.float64)
    keep = sims > threshold
    return rows[keep], cols[keep], sims[keep]


def _values(sims, exponent, precomputed):
    """Stored values: ``max(0, s)**exponent``, or the signed power if precomputed."""
    if precomputed:
        return np.sign(sims) * np.abs(sims) ** exponent
    return np.maximum(sims, 0.0) ** exponent


# ------------------------------------------------------------------------------------
# greedy assembly
# ------------------------------------------------------------------------------------
def _assemble(n, rows, cols, vals, nonzero_limit, symmetric, dominant, column_order):
    """Off-diagonal entries ``(i, j, v)`` chosen column by column.

    `rows` holds the term whose column is filled (``t1``), `cols` its
    candidate (``t2``); candidates of one term are sorted by decreasing
    similarity.
    """
    counts = np.bincount(rows, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)])
    out_i, out_j, out_v = [], [], []
    filled = np.zeros(n, dtype=np.intp)
    column_sum = np.zeros(n, dtype=np.float64)
    partners = [None] * n if symmetric else None
    for t1 in column_order:
        lo, hi = starts[t1], starts[t1 + 1]
        if lo == hi or filled[t1] >= nonzero_limit:
            continue
        t2s, vs = cols[lo:hi], vals[lo:hi]
        ok = np.ones(t2s.size, dtype=bool)
        if symmetric:
            ok &= filled[t2s] < nonzero_limit
            if partners[t1] is not None:
                ok &= ~np.isin(t2s, partners[t1])
            if dominant:
                ok &= column_sum[t2s] + np.abs(vs) < 1.0
        t2s, vs = t2s[ok], vs[ok]
        if dominant:
            chosen = []
            total = column_sum[t1]
            for idx in range(t2s.size):
                a = abs(vs[idx])
                if total + a < 1.0:
                    total += a
                    chosen.append(idx)
                    if filled[t1] + len(chosen) >= nonzero_limit:
                        break
            t2s, vs = t2s[chosen], vs[chosen]
        else:
            room = nonzero_limit - filled[t1]
            t2s, vs = t2s[:room], vs[:room]
        if t2s.size == 0:
            continue
        out_i.append(np.full(t2s.size, t1))
        out_j.append(t2s)
        out_v.append(vs)
        filled[t1] += t2s.size
        column_sum[t1] += np.abs(vs).sum()
        if symmetric:
            filled[t2s] += 1
            column_sum[t2s] += np.abs(vs)
            for t2 in t2s:
                partners[t2] = [t1] if partners[t2] is None else [*partners[t2], t1]
    if not out_i:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_v)


def _offdiag_abs_sums(S):
    S = sparse.csr_matrix(S)
    absS = abs(S)
    return np.asarray(absS.sum(axis=1)).ravel() - np.abs(S.diagonal())


def _incidence_factor(S, diag=None):
    """Sparse ``F`` with ``S = F F'`` for a weakly diagonally dominant `S`.

    Every off-diagonal pair ``(i, j)`` gives the column
    ``sqrt|s_ij| (e_i + sign(s_ij) e_j)`` and every term the column
    ``sqrt(d_i) e_i`` with ``d_i = s_ii - sum_j |s_ij| >= 0`` (columns with
    ``d_i = 0`` are dropped). `diag` replaces the diagonal of `S` when given.
    Returns None when some ``d_i < 0``.
    """
    n = S.shape[0]
    S = sparse.csr_matrix(S)
    d = S.diagonal() if diag is None else np.asarray(diag, dtype=np.float64)
    r = _offdiag_abs_sums(S)
    resid = d - r
    if np.any(resid < -1e-10 * np.maximum(d, 1.0)):
        return None
    resid = np.maximum(resid, 0.0)
    upper = sparse.triu(S, k=1, format="coo")
    i, j, v = upper.row, upper.col, upper.data
    keep = v != 0
    i, j, v = i[keep], j[keep], v[keep]
    root = np.sqrt(np.abs(v))
    n_pairs = v.size
    pos = np.flatnonzero(resid > 0)
    data = np.concatenate([root, np.sign(v) * root, np.sqrt(resid[pos])])
    rows = np.concatenate([i, j, pos])
    cols = np.concatenate(
        [np.arange(n_pairs), np.arange(n_pairs), n_pairs + np.arange(pos.size)]
    )
    F = sparse.csr_matrix((data, (rows, cols)), shape=(n, n_pairs + pos.size))
    F.sort_indices()
    return F


def _scale_to_psd(S):
    """Symmetric rescaling that makes `S` positive semi-definite (keeps its pattern).

    With ``r_i = sum_{j != i} |s_ij|`` and ``m_i = max(1, r_i)``, ``S + diag(m - 1)``
    is weakly diagonally dominant, hence PSD; the congruence
    ``D^{-1/2} (S + diag(m - 1)) D^{-1/2}`` with ``D = diag(m)`` restores the unit
    diagonal. Returns the rescaled matrix and its sparse factor.
    """
    m = np.maximum(1.0, _offdiag_abs_sums(S))
    F = _incidence_factor(S, diag=m)
    inv_root = sparse.diags(1.0 / np.sqrt(m))
    S_scaled = sparse.csr_matrix(inv_root @ sparse.csr_matrix(S) @ inv_root)
    S_scaled.setdiag(1.0)
    return S_scaled, sparse.csr_matrix(inv_root @ F)


def _clip_to_psd(S):
    """Eigenvalue clipping followed by a rescaling to unit diagonal (dense)."""
    n = S.shape[0]
    if n > CLIP_MAX_TERMS:
        raise ValueError(
            f"positive_semidefinite='clip' needs a dense eigendecomposition of "
            f"the {n} x {n} term-similarity matrix; it is limited to "
            f"{CLIP_MAX_TERMS} terms. Use 'dominant' or 'scale' instead."
        )
    eigvals, eigvecs = linalg.eigh(S.toarray())
    tol = max(n, 1) * np.finfo(np.float64).eps * max(abs(eigvals).max(), 1.0)
    keep = eigvals > tol
    F = eigvecs[:, keep] * np.sqrt(eigvals[keep])
    d = np.einsum("ij,ij->i", F, F)
    scale = np.zeros(n)
    np.divide(1.0, np.sqrt(d), out=scale, where=d > tol)
    F *= scale[:, None]
    # a term with no weight left keeps a coordinate of its own
    lost = np.flatnonzero(scale == 0)
    if lost.size:
        extra = np.zeros((n, lost.size))
        extra[lost, np.arange(lost.size)] = 1.0
        F = np.hstack([F, extra])
    S_psd = F @ F.T
    S_psd[np.abs(S_psd) < tol] = 0.0
    np.fill_diagonal(S_psd, 1.0)
    return sparse.csr_matrix(S_psd), F


def _build(
    word_vectors,
    metric,
    exponent,
    threshold,
    nonzero_limit,
    symmetric,
    positive_semidefinite,
    column_order,
    n_jobs,
    with_factor,
):
    """Shared builder of :func:`term_similarity_matrix` and :class:`TermSimilarity`."""
    check_no_datetime(word_vectors, "word_vectors")
    precomputed = metric == "precomputed"
    if precomputed:
        if not sparse.issparse(word_vectors):
            word_vectors = check_array(
                word_vectors, dtype=np.float64, input_name="word_vectors"
            )
        else:
            word_vectors = check_array(
                word_vectors, accept_sparse="csr", input_name="word_vectors"
            )
        if word_vectors.shape[0] != word_vectors.shape[1]:
            raise ValueError(
                "With metric='precomputed', word_vectors must be a square "
                "(n_terms, n_terms) similarity matrix, got shape "
                f"{word_vectors.shape}."
            )
    else:
        word_vectors = check_array(
            word_vectors,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            input_name="word_vectors",
        )
    n = word_vectors.shape[0]
    if not symmetric and positive_semidefinite in ("scale", "clip"):
        raise ValueError(
            f"positive_semidefinite={positive_semidefinite!r} needs symmetric=True."
        )
    if column_order is None:
        column_order = np.arange(n)
    else:
        column_order = np.asarray(column_order)
        if column_order.shape != (n,) or not np.array_equal(
            np.sort(column_order), np.arange(n)
        ):
            raise ValueError(
                f"column_order must be a permutation of the {n} term indices."
            )
    limit = n if nonzero_limit is None else int(nonzero_limit)
    k = min(limit, max(n - 1, 0))
    if k > 0:
        if precomputed:
            rows, cols, sims = _top_candidates_precomputed(word_vectors, k, threshold)
        else:
            rows, cols, sims = _top_candidates_vectors(
                word_vectors, metric, k, threshold, n_jobs
            )
        vals = _values(sims, exponent, precomputed)
        keep = vals != 0
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        i, j, v = _assemble(
            n,
            rows,
            cols,
            vals,
            limit,
            symmetric,
            positive_semidefinite == "dominant",
            column_order,
        )
    else:
        i = j = np.empty(0, dtype=np.intp)
        v = np.empty(0)
    # entry (row t2, column t1); mirrored when symmetric
    if symmetric:
        r = np.concatenate([j, i, np.arange(n)])
        c = np.concatenate([i, j, np.arange(n)])
        d = np.concatenate([v, v, np.ones(n)])
    else:
        r = np.concatenate([j, np.arange(n)])
        c = np.concatenate([i, np.arange(n)])
        d = np.concatenate([v, np.ones(n)])
    S = sparse.csr_matrix((d, (r, c)), shape=(n, n), dtype=np.float64)
    S.sort_indices()
    F = None
    if positive_semidefinite == "scale":
        S, F = _scale_to_psd(S)
    elif positive_semidefinite == "clip":
        S, F = _clip_to_psd(S)
    elif with_factor and symmetric:
        F = _incidence_factor(S)
    return S, F


_BUILD_CONSTRAINTS = {
    "metric": [str],
    "exponent": [Interval(Real, 0, None, closed="neither")],
    "threshold": [Interval(Real, None, None, closed="neither")],
    "nonzero_limit": [Interval(Integral, 0, None, closed="left"), None],
    "positive_semidefinite": [_PSD_OPTIONS, None],
    "n_jobs": [Integral, None],
}

_BUILD_DOC = """\
metric : str, default="cosine"
        Similarity between terms: ``"precomputed"`` when `word_vectors` is
        already a term-similarity matrix, otherwise a measure name of
        :mod:`sklearn_cosim.metrics.pairwise` (``"cosine"``, ``"angular"``,
        ...) computed between the rows of `word_vectors` by the neighbour
        engine, which finds the `nonzero_limit` most similar terms of each
        term without building the dense ``(n_terms, n_terms)`` matrix.

    exponent : float, default=2.0
        Power applied to the similarities: ``max(0, s)**exponent``, so
        negative similarities are never stored. With
        ``metric="precomputed"`` the sign is kept instead,
        ``sign(s) |s|**exponent`` (needed for negative similarities).

    threshold : float, default=0.0
        Only term pairs with similarity ``s > threshold`` (strict, before
        the power) are candidates.

    nonzero_limit : int or None, default=100
        Most off-diagonal non-zeros per column. 0 gives the identity; None
        means no limit.

    positive_semidefinite : {"dominant", "scale", "clip"} or None, \
default="dominant"
        How `S` is made positive semi-definite, which the soft norm
        ``sqrt(x'Sx)`` needs:

        - ``"dominant"``: while the columns are filled, skip a value that
          would make a column's absolute off-diagonal sum reach 1; `S` is
          then strictly diagonally dominant, hence positive definite.
        - ``"scale"``: keep every selected entry and divide ``s_ij`` by
          ``sqrt(m_i m_j)`` with ``m_i = max(1, sum_{j != i} |s_ij|)``;
          the result is congruent to a diagonally dominant matrix, hence
          positive semi-definite, with unit diagonal.
        - ``"clip"``: set the negative eigenvalues to 0 and rescale to unit
          diagonal (dense eigendecomposition, at most 10,000 terms; the
          result is dense).
        - None: no guarantee (gensim's default, ``dominant=False``)."""


def _check_word_vectors(word_vectors):
    """A term -> vector lookup; not a string, an array or a sequence."""
    lookup = hasattr(word_vectors, "__contains__") and hasattr(
        word_vectors, "__getitem__"
    )
    if not lookup or isinstance(word_vectors, (str, bytes, list, tuple, np.ndarray)):
        raise TypeError(
            "word_vectors must map each term to its vector: a dict {term: "
            "vector}, or an object with `term in word_vectors` and "
            "`word_vectors[term]` (such as gensim's KeyedVectors); got "
            f"{type(word_vectors).__name__}. For an array of vectors in the "
            "vocabulary's order, use it directly (no alignment is needed)."
        )


def _word_vector(word_vectors, term, dtype):
    """The vector of `term` as a 1-D array of `dtype`; ValueError naming the term."""
    vector = word_vectors[term]
    check_no_datetime(vector, f"word_vectors[{term!r}]")
    try:
        return np.asarray(vector, dtype=dtype).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"word_vectors[{term!r}] is not a vector of numbers "
            f"({type(vector).__name__}: {exc})."
        ) from None


# ------------------------------------------------------------------------------------
# public functions
# ------------------------------------------------------------------------------------
@validate_params(
    {
        "vocabulary": [dict, list, tuple, np.ndarray],
        "word_vectors": "no_validation",
        "dtype": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def align_word_vectors(
    vocabulary: Mapping[str, int],
    word_vectors: Any,
    *,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    """Align word vectors with the column order of a vectorizer's vocabulary.

    The result has one row per column of the document-term matrices, as
    :func:`term_similarity_matrix` and :class:`TermSimilarity` expect.

    Parameters
    ----------
    vocabulary : dict or sequence of str
        ``{term: column}`` (e.g. ``CountVectorizer.vocabulary_``), or the
        terms in column order (e.g. ``get_feature_names_out()``).

    word_vectors : mapping
        ``term -> vector`` lookup: a dict, or any object with ``in`` and
        ``[]`` (such as gensim's ``KeyedVectors``).

    dtype : dtype, default=np.float64
        Data type of the result.

    Returns
    -------
    vectors : ndarray of shape (n_terms, n_dims)
        Row ``i`` is the vector of the term of column ``i``; terms missing
        from `word_vectors` get a zero row (similarity 0 to every term, so
        they are only similar to themselves in the term-similarity matrix).

    See Also
    --------
    TermSimilarity : Builds the term-similarity matrix from these rows.

    Examples
    --------
    >>> from sklearn_cosim.text import align_word_vectors
    >>> vectors = {"cat": [1.0, 0.0], "dog": [0.8, 0.6]}
    >>> align_word_vectors({"dog": 0, "cat": 1, "emu": 2}, vectors)
    array([[0.8, 0.6],
           [1. , 0. ],
           [0. , 0. ]])
    """
    if isinstance(vocabulary, dict):
        terms = [None] * len(vocabulary)
        for term, column in vocabulary.items():
            if not (
                isinstance(column, (Integral, np.integer))
                and 0 <= column < len(terms)
                and terms[column] is None
            ):
                raise ValueError(
                    "vocabulary must map its terms to the columns "
                    f"0..{len(terms) - 1} one to one; got {term!r} -> {column!r}."
                )
            terms[column] = term
    else:
        terms = list(vocabulary)
    _check_word_vectors(word_vectors)
    rows, found = [], []
    for column, term in enumerate(terms):
        if term in word_vectors:
            rows.append(_word_vector(word_vectors, term, dtype))
            found.append(column)
    if not found:
        raise ValueError(
            "word_vectors has a vector for none of the terms of vocabulary; "
            "check that both use the same tokenisation and case."
        )
    dims = {row.size for row in rows}
    if len(dims) != 1:
        raise ValueError(
            f"word_vectors holds vectors of different lengths: {sorted(dims)}."
        )
    out = np.zeros((len(terms), dims.pop()), dtype=dtype)
    out[found] = np.vstack(rows)
    return out


@validate_params(
    {
        "word_vectors": ["array-like", "sparse matrix"],
        **_BUILD_CONSTRAINTS,
        "symmetric": ["boolean"],
        "column_order": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def term_similarity_matrix(
    word_vectors: MatrixLike,
    *,
    metric: MetricLike = "cosine",
    exponent: float = 2.0,
    threshold: float = 0.0,
    nonzero_limit: int | None = 100,
    positive_semidefinite: str | None = "dominant",
    symmetric: bool = True,
    column_order: ArrayLike | None = None,
    n_jobs: int | None = None,
) -> sparse.csr_matrix:
    """Build a sparse term-similarity matrix ``S`` for the soft cosine measure.

    For each term ``t1`` (a column, taken in `column_order`) the
    `nonzero_limit` most similar other terms ``t2`` with similarity
    ``s > threshold`` are the candidates, by decreasing similarity (ties:
    smaller index first), and ``S[t2, t1] = max(0, s)**exponent``. With
    ``symmetric=True`` a candidate is stored in both ``S[t2, t1]`` and
    ``S[t1, t2]``, and only if neither column already holds
    `nonzero_limit` off-diagonal values and the cell is still empty; a
    column stops when it is full. The diagonal is 1.

    Read more in the :ref:`User Guide <soft_cosine>`.

    Parameters
    ----------
    word_vectors : {array-like, sparse matrix} of shape (n_terms, n_dims)
        One vector per term, in the column order of the document-term
        matrices (see :func:`align_word_vectors`). With
        ``metric="precomputed"``: the term similarities, of shape
        ``(n_terms, n_terms)``, dense or sparse (unstored entries are never
        candidates; the diagonal is ignored).

    {build}

    symmetric : bool, default=True
        Store every pair in both cells. With False each column holds its
        own candidates only (not usable for the soft cosine, which needs a
        symmetric `S`).

    column_order : array-like of shape (n_terms,), default=None
        Order in which the columns are filled (a permutation of the term
        indices); None means index order. Earlier columns get their most
        similar terms first, e.g. rare terms first with decreasing idf.

    n_jobs : int, default=None
        Threads of the neighbour engine (see
        :class:`~sklearn_cosim.neighbors.SimilarityNeighbors`).

    Returns
    -------
    S : sparse matrix of shape (n_terms, n_terms)
        CSR matrix in float64 with unit diagonal.

    See Also
    --------
    TermSimilarity : The same matrix as a pipeline step, with a factor that
        turns the soft cosine into a plain cosine.
    sklearn_cosim.metrics.pairwise.soft_cosine_similarity : Uses `S`.

    Notes
    -----
    The construction follows gensim's ``SparseTermSimilarityMatrix``
    (Novotny, 2018) with two documented differences: a column keeps
    looking through its `nonzero_limit` candidates until it is full
    (gensim asks for only as many candidates as the column has room for,
    and drops those that no longer fit), and the default
    ``positive_semidefinite="dominant"`` corresponds to gensim's
    ``dominant=True`` rather than its default ``dominant=False``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.text import term_similarity_matrix
    >>> W = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    >>> S = term_similarity_matrix(W, positive_semidefinite=None)
    >>> S.toarray().round(2)
    array([[1.  , 0.64, 0.  ],
           [0.64, 1.  , 0.36],
           [0.  , 0.36, 1.  ]])
    >>> term_similarity_matrix(W, nonzero_limit=1).toarray().round(2)
    array([[1.  , 0.64, 0.  ],
           [0.64, 1.  , 0.  ],
           [0.  , 0.  , 1.  ]])
    """
    S, _ = _build(
        word_vectors,
        metric,
        exponent,
        threshold,
        nonzero_limit,
        symmetric,
        positive_semidefinite,
        column_order,
        n_jobs,
        with_factor=False,
    )
    return S


term_similarity_matrix.__doc__ = term_similarity_matrix.__doc__.replace(
    "{build}", _BUILD_DOC
)


# ------------------------------------------------------------------------------------
# the estimator
# ------------------------------------------------------------------------------------
class TermSimilarity(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Map documents to a space where the cosine is the soft cosine.

    :meth:`fit` builds the sparse term-similarity matrix ``S`` of
    :func:`term_similarity_matrix` from word vectors aligned with the
    columns of the document-term matrix, and a factor ``F`` with
    ``S = F F'``. :meth:`transform` returns ``X F``, so that for any two
    documents ``<xF, yF> = x'Sy`` and the plain cosine of the transformed
    rows is the soft cosine ``x'Sy / sqrt(x'Sx y'Sy)``. Any cosine-based
    estimator placed after it (for instance
    :class:`~sklearn_cosim.neighbors.SimilarityKNeighborsClassifier`)
    therefore uses the soft cosine, and `exponent`, `threshold`,
    `nonzero_limit` and `positive_semidefinite` can be tuned with
    :class:`~sklearn.model_selection.GridSearchCV`.

    Read more in the :ref:`User Guide <soft_cosine>`.

    Parameters
    ----------
    word_vectors : {array-like, sparse matrix} of shape (n_terms, n_dims), \
default=None
        One vector per column of the documents (see
        :func:`align_word_vectors`; with a vectorizer, pass the same
        vocabulary to it, e.g. ``TfidfVectorizer(vocabulary=terms)``). With
        ``metric="precomputed"``, the ``(n_terms, n_terms)`` term
        similarities. None means ``S = I``: the transform is the identity
        and the cosine stays the cosine (a baseline for a grid search).

    {build}

    column_order : {"index", "idf"}, default="index"
        Order in which the columns are filled: term index, or decreasing
        inverse document frequency in the documents given to :meth:`fit`
        (rare terms first; ties by index).

    n_jobs : int, default=None
        Threads of the neighbour engine (see
        :class:`~sklearn_cosim.neighbors.SimilarityNeighbors`).

    Attributes
    ----------
    similarity_matrix_ : sparse matrix of shape (n_terms, n_terms)
        The term-similarity matrix ``S`` (CSR, float64, unit diagonal). It
        can also be passed as ``S`` to ``metric="soft_cosine"``.

    factor_ : {ndarray, sparse matrix} of shape (n_terms, n_components)
        ``F`` with ``S = F F'``: a sparse matrix with one column per stored
        pair and one per term with diagonal slack (exact for diagonally
        dominant ``S``), or a dense eigen-factor with
        ``positive_semidefinite="clip"``. None when no factor is known
        (``positive_semidefinite=None`` and ``S`` not diagonally dominant).

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    term_similarity_matrix : The matrix alone.
    sklearn_cosim.metrics.pairwise.soft_cosine_similarity : The measure.

    Notes
    -----
    The factor of a diagonally dominant ``S`` is sparse and exact: each
    stored pair ``(i, j)`` adds the column ``sqrt|s_ij| (e_i + sign(s_ij)
    e_j)`` and each term the column ``sqrt(1 - sum_j |s_ij|) e_i``. The
    output has about ``(1 + nonzero_limit)`` times the non-zeros of the
    input; it is sparse when `X` is sparse and the factor is sparse, dense
    otherwise. A document with zero soft norm (for instance an empty one)
    becomes a zero row, whose cosine to anything is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.metrics.pairwise import (
    ...     cosine_similarity, soft_cosine_similarity)
    >>> from sklearn_cosim.text import TermSimilarity
    >>> W = np.array([[1.0, 0.0, 0.0], [0.7, 0.3, 0.4], [0.0, 1.0, 0.0]])
    >>> X = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    >>> ts = TermSimilarity(W).fit(X)
    >>> ts.similarity_matrix_.toarray().round(3)
    array([[1.   , 0.662, 0.   ],
           [0.662, 1.   , 0.122],
           [0.   , 0.122, 1.   ]])
    >>> Xt = ts.transform(X)
    >>> bool(np.allclose(cosine_similarity(Xt),
    ...                  soft_cosine_similarity(X, S=ts.similarity_matrix_)))
    True
    """

    _parameter_constraints: dict = {
        "word_vectors": ["array-like", "sparse matrix", None],
        **_BUILD_CONSTRAINTS,
        "column_order": [StrOptions({"index", "idf"})],
    }

    def __init__(
        self,
        word_vectors: MatrixLike | None = None,
        *,
        metric: MetricLike = "cosine",
        exponent: float = 2.0,
        threshold: float = 0.0,
        nonzero_limit: int | None = 100,
        positive_semidefinite: str | None = "dominant",
        column_order: str = "index",
        n_jobs: int | None = None,
    ) -> None:
        self.word_vectors = word_vectors
        self.metric = metric
        self.exponent = exponent
        self.threshold = threshold
        self.nonzero_limit = nonzero_limit
        self.positive_semidefinite = positive_semidefinite
        self.column_order = column_order
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike | None = None) -> "TermSimilarity":
        """Build the term-similarity matrix and its factor.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_terms)
            Document-term matrix (counts or tf-idf weights); its columns
            must follow the rows of `word_vectors`.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        check_no_datetime(X)
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32])
        n_terms = X.shape[1]
        if self.word_vectors is None:
            self.similarity_matrix_ = sparse.identity(
                n_terms, dtype=np.float64, format="csr"
            )
            self.factor_ = self.similarity_matrix_.copy()
            return self
        n_rows = (
            self.word_vectors.shape[0]
            if hasattr(self.word_vectors, "shape")
            else len(self.word_vectors)
        )
        if n_rows != n_terms:
            raise ValueError(
                f"word_vectors has {n_rows} rows (terms) but X has {n_terms} "
                "features; the rows of word_vectors must follow the columns of "
                "X (pass the same vocabulary to the vectorizer, see "
                "align_word_vectors)."
            )
        order = None
        if self.column_order == "idf":
            df = (
                np.diff(sparse.csc_matrix(X).indptr)
                if sparse.issparse(X)
                else np.count_nonzero(X, axis=0)
            )
            order = np.lexsort((np.arange(n_terms), df))  # rare (high idf) first
        self.similarity_matrix_, self.factor_ = _build(
            self.word_vectors,
            self.metric,
            self.exponent,
            self.threshold,
            self.nonzero_limit,
            True,
            self.positive_semidefinite,
            order,
            self.n_jobs,
            with_factor=True,
        )
        return self

    def transform(self, X: MatrixLike) -> Matrix:
        """Map documents to the space where the cosine is the soft cosine.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_terms)
            Document-term matrix.

        Returns
        -------
        X_new : {ndarray, sparse matrix} of shape (n_samples, n_components)
            ``X @ factor_`` in the dtype of `X`: CSR when `X` and the factor
            are sparse, otherwise a dense array.
        """
        check_is_fitted(self)
        check_no_datetime(X)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        if self.factor_ is None:
            raise ValueError(
                "The term-similarity matrix is not diagonally dominant and "
                "positive_semidefinite=None, so no factor S = F F' is known and "
                "the documents cannot be transformed. Use "
                "positive_semidefinite='dominant', 'scale' or 'clip', or pass "
                "similarity_matrix_ to metric='soft_cosine' instead."
            )
        F = self.factor_.astype(X.dtype, copy=False)
        out = X @ F
        if sparse.issparse(out):
            return sparse.csr_matrix(out, dtype=X.dtype)
        return np.asarray(out, dtype=X.dtype)

    @property
    def _n_features_out(self):
        return self.factor_.shape[1] if self.factor_ is not None else 0

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


TermSimilarity.__doc__ = TermSimilarity.__doc__.replace("{build}", _BUILD_DOC)
