import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_cosim.metrics.pairwise import (
    cosine_similarity,
    pairwise_similarity,
    soft_cosine_similarity,
)
from sklearn_cosim.neighbors import SimilarityKNeighborsClassifier
from sklearn_cosim.text import (
    TermSimilarity,
    align_word_vectors,
    levenshtein_similarity,
    term_similarity_matrix,
)
from sklearn_cosim.utils._testing import edit_distance


def _reference(
    sim,
    *,
    exponent=2.0,
    threshold=0.0,
    limit=100,
    symmetric=True,
    dominant=False,
    order=None,
    precomputed=False,
):
    """Plain-Python transcription of the documented construction (dense)."""
    n = sim.shape[0]
    S = np.eye(n)
    filled = np.zeros(n, int)
    colsum = np.zeros(n)
    assigned = set()
    for t1 in range(n) if order is None else order:
        cands = [
            (-sim[t1, t2], t2)
            for t2 in range(n)
            if t2 != t1 and sim[t1, t2] > threshold
        ]
        cands = sorted(cands)[:limit]
        for negs, t2 in cands:
            s = -negs
            v = (
                np.sign(s) * abs(s) ** exponent
                if precomputed
                else max(s, 0) ** exponent
            )
            if v == 0 or filled[t1] >= limit:
                continue
            if dominant and colsum[t1] + abs(v) >= 1:
                continue
            if symmetric:
                if filled[t2] >= limit or (t1, t2) in assigned:
                    continue
                if dominant and colsum[t2] + abs(v) >= 1:
                    continue
                S[t1, t2] = S[t2, t1] = v
                assigned |= {(t1, t2), (t2, t1)}
                filled[t2] += 1
                colsum[t2] += abs(v)
            else:
                S[t2, t1] = v
            filled[t1] += 1
            colsum[t1] += abs(v)
    return S


def _vectors(n=12, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d))


def _cos(W):
    Wn = W / np.linalg.norm(W, axis=1, keepdims=True)
    return Wn @ Wn.T


@pytest.mark.parametrize("exponent", [1.0, 2.0, 3.5])
@pytest.mark.parametrize("threshold", [-0.5, 0.0, 0.3])
@pytest.mark.parametrize("limit", [0, 1, 3, None])
@pytest.mark.parametrize("dominant", [False, True])
def test_matches_dense_reference(exponent, threshold, limit, dominant):
    W = _vectors()
    S = term_similarity_matrix(
        W,
        exponent=exponent,
        threshold=threshold,
        nonzero_limit=limit,
        positive_semidefinite="dominant" if dominant else None,
    )
    ref = _reference(
        _cos(W),
        exponent=exponent,
        threshold=threshold,
        limit=12 if limit is None else limit,
        dominant=dominant,
    )
    assert sparse.issparse(S)
    assert_allclose(S.toarray(), ref, atol=1e-12)
    assert_allclose(S.toarray(), S.toarray().T)
    assert_array_equal(S.diagonal(), 1.0)
    if limit is not None:
        assert (np.diff(S.indptr) - 1 <= limit).all()  # off-diagonal per column
    off = S.toarray() - np.eye(12)
    assert (off >= 0).all()
    cos = _cos(W)
    stored = off != 0
    assert (cos[stored] > threshold).all()
    assert_allclose(off[stored], cos[stored] ** exponent)


def test_non_symmetric_and_column_order():
    W = _vectors(8)
    S = term_similarity_matrix(
        W, nonzero_limit=2, symmetric=False, positive_semidefinite=None
    )
    assert_allclose(S.toarray(), _reference(_cos(W), limit=2, symmetric=False))
    order = np.random.default_rng(1).permutation(8)
    S = term_similarity_matrix(
        W, nonzero_limit=2, column_order=order, positive_semidefinite=None
    )
    assert_allclose(S.toarray(), _reference(_cos(W), limit=2, order=order))


def _uniform(n=5, value=0.5):
    M = np.full((n, n), value)
    np.fill_diagonal(M, 1.0)
    return M


def test_gensim_fixtures_matrix_construction():
    # methods.md 5.4: uniform index over 5 terms
    kw = {"metric": "precomputed", "exponent": 1.0, "positive_semidefinite": None}
    assert_allclose(
        term_similarity_matrix(_uniform(), nonzero_limit=0, **kw).toarray(), np.eye(5)
    )
    S = term_similarity_matrix(_uniform(), nonzero_limit=1, **kw).toarray()
    expected = np.eye(5)
    expected[0, 1] = expected[1, 0] = 0.5
    assert_allclose(S, expected)
    S = term_similarity_matrix(
        _uniform(), nonzero_limit=1, symmetric=False, **kw
    ).toarray()
    expected = np.eye(5)
    expected[0, 1:] = 0.5
    expected[1, 0] = 0.5
    assert_allclose(S, expected)
    # uniform -0.5 with dominant=True: only S[0,1] = S[1,0] = -0.5 survive
    S = term_similarity_matrix(
        _uniform(value=-0.5),
        metric="precomputed",
        exponent=1.0,
        threshold=-1.0,
        nonzero_limit=2,
        positive_semidefinite="dominant",
    ).toarray()
    expected = np.eye(5)
    expected[0, 1] = expected[1, 0] = -0.5
    assert_allclose(S, expected)
    # column order (e.g. tf-idf order) decides which pair is kept
    S = term_similarity_matrix(
        _uniform(), nonzero_limit=1, column_order=[3, 0, 1, 2, 4], **kw
    ).toarray()
    expected = np.eye(5)
    expected[0, 3] = expected[3, 0] = 0.5
    assert_allclose(S, expected)


def test_precomputed_sparse_and_levenshtein():
    terms = ["colour", "color", "colours", "cooler", "dog", "dogs"]
    L = levenshtein_similarity(terms, alpha=1.0, beta=2.0)
    ref = _reference(L, exponent=1.0, limit=2, precomputed=True)
    for M in (L, sparse.csr_matrix(L)):
        S = term_similarity_matrix(
            M,
            metric="precomputed",
            exponent=1.0,
            nonzero_limit=2,
            positive_semidefinite=None,
        )
        assert_allclose(S.toarray(), ref)
    assert S[4, 5] > 0 and S[0, 4] == 0


def test_levenshtein_reference():
    a = ["kitten", "sitting", "", "a", "flaw", "lawn", "übel"]
    b = ["sitting", "", "flaws", "übel", "kitten"]
    got = levenshtein_similarity(a, b, alpha=1.8, beta=5.0)
    for r, s in enumerate(a):
        for c, t in enumerate(b):
            m = max(len(s), len(t))
            expected = 1.8 if m == 0 else 1.8 * (1 - edit_distance(s, t) / m) ** 5
            assert got[r, c] == pytest.approx(expected)
    cut = levenshtein_similarity(a, b, max_distance=2)
    assert cut[0, 0] == 0 and cut[4, 2] > 0


@pytest.mark.parametrize("psd", ["dominant", "scale", "clip"])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_transform_cosine_equals_soft_cosine(psd, fmt, dtype):
    rng = np.random.default_rng(0)
    W = _vectors(30, 5)
    X = rng.poisson(0.3, size=(15, 30)).astype(dtype)
    X[3] = 0  # an empty document
    if fmt == "csr":
        X = sparse.csr_matrix(X)
    ts = TermSimilarity(
        W, nonzero_limit=6, threshold=-1.0, positive_semidefinite=psd
    ).fit(X)
    S = ts.similarity_matrix_
    assert np.linalg.eigvalsh(S.toarray()).min() > -1e-10
    assert_allclose(S.diagonal(), 1.0)
    FFt = ts.factor_ @ ts.factor_.T
    FFt = FFt.toarray() if sparse.issparse(FFt) else FFt
    assert_allclose(FFt, S.toarray(), atol=1e-10)
    Xt = ts.transform(X)
    assert Xt.dtype == dtype
    assert sparse.issparse(Xt) == (fmt == "csr" and psd != "clip")
    got = cosine_similarity(Xt)
    expected = soft_cosine_similarity(X, S=S)
    assert_allclose(got, expected, atol=1e-5 if dtype == np.float32 else 1e-10)
    assert_allclose(got[3], 0.0)


def test_identity_when_no_word_vectors_and_none_psd():
    X = np.abs(_vectors(6, 4))
    assert_allclose(TermSimilarity().fit_transform(X), X)
    W = _vectors(4, 3)
    ts = TermSimilarity(
        W, positive_semidefinite=None, threshold=-1.0, exponent=1.0
    ).fit(X)
    if ts.factor_ is None:
        with pytest.raises(ValueError, match="positive_semidefinite"):
            ts.transform(X)


def test_bad_input_names_the_parameter():
    W = _vectors(5, 3)
    with pytest.raises(ValueError, match="nonzero_limit"):
        term_similarity_matrix(W, nonzero_limit=-1)
    with pytest.raises(ValueError, match="nonzero_limit"):
        TermSimilarity(W, nonzero_limit=-1).fit(np.ones((2, 5)))
    with pytest.raises(ValueError, match="word_vectors"):
        TermSimilarity(W).fit(np.ones((2, 4)))  # vocabulary mismatch
    with pytest.raises(ValueError, match="word_vectors"):
        term_similarity_matrix(np.ones((3, 4)), metric="precomputed")
    with pytest.raises(ValueError, match="positive_semidefinite"):
        term_similarity_matrix(W, symmetric=False, positive_semidefinite="scale")
    with pytest.raises(ValueError, match="column_order"):
        term_similarity_matrix(W, column_order=[0, 0, 1, 2, 3])
    with pytest.raises(ValueError, match="vocabulary"):
        align_word_vectors({"a": 0, "b": 5}, {"a": [1.0]})
    with pytest.raises(ValueError, match="word_vectors"):
        align_word_vectors(["a", "b"], {"c": [1.0]})


def test_align_word_vectors_with_vectorizer():
    docs = ["the cat sat", "a dog barked", "the kitten sat"]
    vec = CountVectorizer().fit(docs)
    table = {"cat": [1.0, 0.1], "kitten": [0.9, 0.2], "dog": [0.0, 1.0]}
    W = align_word_vectors(vec.vocabulary_, table)
    assert W.shape == (len(vec.vocabulary_), 2)
    assert_allclose(W[vec.vocabulary_["kitten"]], [0.9, 0.2])
    assert_allclose(W[vec.vocabulary_["sat"]], 0.0)
    X = vec.transform(docs)
    S = TermSimilarity(W).fit(X).similarity_matrix_
    assert S[vec.vocabulary_["cat"], vec.vocabulary_["kitten"]] > 0.9
    assert S[vec.vocabulary_["cat"], vec.vocabulary_["sat"]] == 0


def test_idf_column_order():
    W = _vectors(5, 3)
    X = np.array([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0], [1, 1, 0, 0, 1.0]])
    ts = TermSimilarity(
        W,
        nonzero_limit=1,
        positive_semidefinite=None,
        threshold=-1.0,
        exponent=1.0,
        column_order="idf",
    ).fit(X)
    df = (X > 0).sum(0)
    order = np.lexsort((np.arange(5), df))
    ref = _reference(_cos(W), exponent=1.0, threshold=-1.0, limit=1, order=order)
    assert_allclose(ts.similarity_matrix_.toarray(), ref)


def _synonym_corpus(seed=0):
    rng = np.random.default_rng(seed)
    topics = [
        ["car", "automobile", "vehicle"],
        ["film", "movie", "cinema"],
        ["doctor", "physician", "medic"],
    ]
    filler = ["the", "a", "of", "and", "it"]
    terms = sorted({t for g in topics for t in g} | set(filler))
    vectors = {}
    for k, group in enumerate(topics):
        for t in group:
            vectors[t] = np.eye(3)[k] + 0.1 * rng.standard_normal(3)
    for t in filler:
        vectors[t] = 0.3 * rng.standard_normal(3)
    docs, y, unseen = [], [], []
    for i in range(60):
        k = rng.integers(3)
        # training documents use the first word of each topic, test documents
        # only its synonyms: the cosine cannot match them, the soft cosine can
        test = i % 3 == 0
        word = topics[k][1 + rng.integers(2)] if test else topics[k][0]
        docs.append(" ".join([word, *rng.choice(filler, 2)]))
        y.append(k)
        unseen.append(test)
    unseen = np.array(unseen)
    cv = [(np.flatnonzero(~unseen), np.flatnonzero(unseen))]
    return terms, vectors, docs, np.array(y), cv


def test_grid_search_over_term_similarity():
    terms, vectors, docs, y, cv = _synonym_corpus()
    vocabulary = {t: i for i, t in enumerate(terms)}
    W = align_word_vectors(vocabulary, vectors)
    pipe = Pipeline(
        [
            ("tfidf", TfidfVectorizer(vocabulary=vocabulary)),
            ("soft", TermSimilarity(W)),
            ("knn", SimilarityKNeighborsClassifier(n_neighbors=1)),
        ]
    )
    grid = {
        "soft__exponent": [1.0, 4.0],
        "soft__threshold": [0.0, 0.5],
        "soft__nonzero_limit": [0, 5],
        "soft__positive_semidefinite": ["dominant", "scale"],
    }
    search = GridSearchCV(pipe, grid, cv=cv).fit(docs, y)
    assert search.best_params_["soft__nonzero_limit"] == 5
    assert search.best_score_ > 0.9
    scores = search.cv_results_["mean_test_score"]
    plain = scores[np.array(search.cv_results_["param_soft__nonzero_limit"]) == 0]
    assert scores.max() > plain.max()  # soft cosine beats the cosine here


def test_metric_route_in_pipeline_matches_factor_route():
    terms, vectors, docs, y, _ = _synonym_corpus(1)
    vocabulary = {t: i for i, t in enumerate(terms)}
    W = align_word_vectors(vocabulary, vectors)
    X = TfidfVectorizer(vocabulary=vocabulary).fit_transform(docs)
    ts = TermSimilarity(W).fit(X)
    direct = pairwise_similarity(X, metric="soft_cosine", S=ts.similarity_matrix_)
    assert_allclose(cosine_similarity(ts.transform(X)), direct, atol=1e-12)


@pytest.mark.parametrize("word_vectors", ["x", b"x", ["x"], ("x",), np.ones((2, 2)), 3])
def test_align_word_vectors_refuses_a_non_mapping(word_vectors):
    # align_word_vectors({"x": 0}, "x") used to fail inside with
    # "string indices must be integers"
    with pytest.raises(TypeError, match="word_vectors must map each term"):
        align_word_vectors({"x": 0}, word_vectors)


def test_align_word_vectors_names_a_bad_vector():
    with pytest.raises(ValueError, match=r"word_vectors\['dog'\] is not a vector"):
        align_word_vectors(["cat", "dog"], {"cat": [1.0, 0.0], "dog": "oops"})
    dates = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]")
    with pytest.raises(ValueError, match="dates or durations"):
        align_word_vectors(["cat"], {"cat": dates})


def test_term_similarity_refuses_dates():
    dates = np.arange(12).astype("datetime64[D]").reshape(4, 3)
    with pytest.raises(ValueError, match="dates or durations"):
        term_similarity_matrix(dates)
    with pytest.raises(ValueError, match="dates or durations"):
        TermSimilarity(np.eye(3)).fit(dates)
    fitted = TermSimilarity(np.eye(3)).fit(np.ones((4, 3)))
    with pytest.raises(ValueError, match="dates or durations"):
        fitted.transform(dates)
