import itertools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import ndcg_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_cosim.metrics import (
    get_retrieval_scorer,
    make_retrieval_scorer,
    mean_average_precision,
    mean_reciprocal_rank,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)
from sklearn_cosim.neighbors import SimilarityNeighbors

FUNCS = [
    recall_at_k,
    precision_at_k,
    mean_reciprocal_rank,
    mean_average_precision,
    ndcg_at_k,
]


def test_hand_computed_corpus_labels():
    y, corpus = [0, 1], [0, 0, 1, 2]
    neighbors = [[0, 2], [3, 2]]
    kw = {"corpus_labels": corpus}
    assert recall_at_k(y, neighbors, **kw) == pytest.approx(0.75)
    assert precision_at_k(y, neighbors, **kw) == pytest.approx(0.5)
    assert mean_reciprocal_rank(y, neighbors, **kw) == pytest.approx(0.75)
    assert mean_average_precision(y, neighbors, **kw) == pytest.approx(0.5)
    # q0: 1 / (1 + 1/log2 3); q1: (1/log2 3) / 1
    expected = (1 / (1 + 1 / np.log2(3)) + 1 / np.log2(3)) / 2
    assert ndcg_at_k(y, neighbors, **kw) == pytest.approx(expected)
    assert recall_at_k(y, neighbors, k=1, **kw) == pytest.approx(0.25)


def test_hand_computed_ties():
    relevance = [[0, 1, 0, 1, 0]]  # items 1 and 3 relevant
    neighbors = [[0, 1, 2, 3]]
    sims = [[0.9, 0.5, 0.5, 0.1]]  # items 1 and 2 tied
    kw = {"similarities": sims}
    assert mean_reciprocal_rank(relevance, neighbors, **kw) == pytest.approx(5 / 12)
    assert mean_average_precision(relevance, neighbors, **kw) == pytest.approx(11 / 24)
    assert precision_at_k(relevance, neighbors, k=2, **kw) == pytest.approx(0.25)
    assert recall_at_k(relevance, neighbors, k=2, **kw) == pytest.approx(0.25)
    dcg = 0.5 / np.log2(3) + 0.5 / np.log2(4) + 1 / np.log2(5)
    assert ndcg_at_k(relevance, neighbors, **kw) == pytest.approx(
        dcg / (1 + 1 / np.log2(3))
    )
    # without similarities the order is strict
    assert mean_reciprocal_rank(relevance, neighbors) == pytest.approx(0.5)
    assert mean_average_precision(relevance, neighbors) == pytest.approx(0.5)


def _orderings(groups):
    """Every order of the positions that keeps groups in place."""
    blocks = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    for perms in itertools.product(*(itertools.permutations(b) for b in blocks)):
        yield np.concatenate(perms)


@pytest.mark.parametrize("func", FUNCS)
@pytest.mark.parametrize("k", [2, 3, 5])
def test_ties_equal_mean_over_orderings(func, k):
    rng = np.random.default_rng(0)
    relevance = rng.integers(0, 3, size=(4, 9)) * (rng.random((4, 9)) < 0.5)
    relevance[3] = 0  # a query without relevant items
    neighbors = np.array([rng.permutation(9)[:6] for _ in range(4)])
    sims = np.sort(rng.integers(0, 3, size=(4, 6)), axis=1)[:, ::-1].astype(float)
    got = func(relevance, neighbors, k=k, similarities=sims, no_relevant=0.0)
    per_query = []
    for i in range(4):
        groups = np.unique(-sims[i], return_inverse=True)[1]
        values = [
            func(relevance[i : i + 1], neighbors[i : i + 1, order], k=k, no_relevant=0)
            for order in _orderings(groups)
        ]
        per_query.append(np.mean(values))
    assert_allclose(got, np.mean(per_query), rtol=1e-12)


def test_queries_without_relevant_items():
    y = [0, 0, 1]  # leave-one-out: query 2 has no other item of class 1
    neighbors = [[1, 2], [2, 0], [0, 1]]
    assert recall_at_k(y, neighbors, k=1) == pytest.approx(0.5)
    assert recall_at_k(y, neighbors, k=1, no_relevant=0.0) == pytest.approx(1 / 3)
    assert recall_at_k(y, neighbors, k=1, no_relevant=1.0) == pytest.approx(2 / 3)
    # the query itself is never relevant
    assert precision_at_k([0, 0], [[0], [0]]) == pytest.approx(0.5)
    with pytest.warns(UndefinedMetricWarning, match="No query"):
        assert ndcg_at_k([0, 1], [[1], [0]]) == 0.0


def test_ndcg_matches_scikit_learn():
    rng = np.random.default_rng(1)
    relevance = rng.integers(0, 4, size=(6, 12)).astype(float)
    scores = rng.random((6, 12))
    neighbors = np.argsort(-scores, axis=1)
    for k in (1, 5, 12):
        assert ndcg_at_k(relevance, neighbors, k=k) == pytest.approx(
            ndcg_score(relevance, scores, k=k)
        )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"k": 4}, "k=4 is larger"),
        ({"neighbors": [[0, 7]]}, "neighbors must index"),
        ({"neighbors": [0, 1]}, "neighbors must be a 2-D"),
        ({"similarities": [[0.1, 0.2]]}, "non-increasing"),
        ({"y_true": [[0.0, -1.0, 1.0]]}, "relevance must be finite"),
    ],
)
def test_bad_input(kwargs, match):
    params = {"y_true": [[0.0, 1.0, 1.0]], "neighbors": [[1, 2]]}
    params.update(kwargs)
    with pytest.raises(ValueError, match=match):
        recall_at_k(**params)


def test_scorer_matches_manual_leave_one_out():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 5)) + np.repeat(rng.normal(size=(3, 5)), 30, axis=0)
    y = np.repeat([0, 1, 2], 30)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    pipe = make_pipeline(StandardScaler(), SimilarityNeighbors())
    got = cross_val_score(pipe, X, y, cv=cv, scoring=get_retrieval_scorer("recall@5"))
    expected = []
    for train, test in cv.split(X, y):
        Xt = StandardScaler().fit(X[train]).transform(X[test])
        nn = NearestNeighbors(metric="cosine", algorithm="brute").fit(Xt)
        ind = nn.kneighbors(n_neighbors=5, return_distance=False)
        same = (y[test][ind] == y[test][:, None]).sum(axis=1)
        n_rel = np.bincount(y[test])[y[test]] - 1
        expected.append(np.mean(same / n_rel))
    assert_allclose(got, expected)


def test_scorer_names_and_errors():
    assert repr(get_retrieval_scorer("mrr")) == "make_retrieval_scorer('mrr', k=10)"
    assert get_retrieval_scorer("map@3").k == 3
    with pytest.raises(ValueError, match="name='foo@1' is not"):
        get_retrieval_scorer("foo@1")
    with pytest.raises(ValueError, match="kneighbors"):
        make_retrieval_scorer()(
            StandardScaler().fit([[0.0], [1.0]]), [[0.0], [1.0]], [0, 0]
        )


def test_scorer_in_grid_search_caps_k():
    from sklearn.model_selection import GridSearchCV

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(24, 4)), np.repeat([0, 1], 12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        search = GridSearchCV(
            SimilarityNeighbors(),
            {"metric": ["cosine", "dot"]},
            cv=StratifiedKFold(3),
            scoring=make_retrieval_scorer("ndcg", k=50),
        ).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize("func", FUNCS)
@pytest.mark.parametrize(
    "y_true, neighbors",
    [
        ([[0.0, 1.0, 1.0]], [[1, 1]]),  # recall_at_k gave 2.0 here
        ([0, 0, 1, 1], [[1, 2], [2, 0], [3, 3], [0, 1]]),  # labels, row 2
    ],
)
def test_repeated_items_are_refused(func, y_true, neighbors):
    with pytest.raises(ValueError, match="at most once per query"):
        func(y_true, neighbors)


@pytest.mark.parametrize("func", FUNCS)
def test_nan_similarities_are_refused(func):
    with pytest.raises(ValueError, match="similarities must not contain NaN"):
        func([[0.0, 1.0, 1.0]], [[1, 2]], similarities=[[0.5, np.nan]])
    with pytest.raises(ValueError, match="similarities must not contain NaN"):
        func([[0.0, 1.0, 1.0]], [[1, 2]], similarities=[[np.nan, 0.5]])


def test_datetime_similarities_are_refused():
    dates = np.array([["2024-01-02", "2024-01-01"]], dtype="datetime64[D]")
    with pytest.raises(ValueError, match="dates or durations"):
        recall_at_k([[0.0, 1.0, 1.0]], [[1, 2]], similarities=dates)
