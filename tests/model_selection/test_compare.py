import numpy as np
import pytest
from sklearn.model_selection import ParameterGrid

from sklearn_cosim.model_selection import compare_similarities, default_grid
from sklearn_cosim.model_selection._synthetic import (
    _make_class_embeddings,
    _make_similarity_pairs,
)
from sklearn_cosim.neighbors import SimilarityNeighbors
from sklearn_cosim.preprocessing import MeanCenterer


def _has_hubness():
    return "hubness" in SimilarityNeighbors().get_params()


@pytest.mark.parametrize("task", ["classification", "retrieval", "pairs"])
def test_default_grid(task):
    grid = default_grid(task)
    candidates = list(ParameterGrid(grid))
    with_hub = [c for c in candidates if "hubness" in c]
    assert bool(with_hub) == (_has_hubness() and task != "pairs")
    assert len(list(ParameterGrid(default_grid(task, quick=True)))) == 9


def test_pairs_ranks_known_best_first():
    X, y = _make_similarity_pairs(n_pairs=200, n_features=16, random_state=0)
    res = compare_similarities(
        X,
        y,
        task="pairs",
        cv=3,
        candidates=default_grid("pairs", quick=True),
        verbose=0,
        as_frame=False,
    )
    assert res["candidate"][0] == "MeanCenterer() | cosine"
    assert list(res["rank"]) == sorted(res["rank"])
    assert {"mean_test_spearman", "std_test_pearson", "mean_fit_time"} <= set(res)
    assert np.all(np.diff(res["mean_test_spearman"]) <= 0)


def test_classification_and_retrieval_with_pandas(capsys):
    pd = pytest.importorskip("pandas")
    X, y = _make_class_embeddings(n_samples=120, n_features=16, random_state=0)
    grid = {"preprocessor": [None, MeanCenterer()], "metric": ["cosine", "dot"]}
    res = compare_similarities(X, y, candidates=grid, cv=3, verbose=2)
    assert isinstance(res, pd.DataFrame)
    assert len(res) == 4 and res["rank"].iloc[0] == 1
    assert "[4/4]" in capsys.readouterr().err
    res = compare_similarities(
        X, y, task="retrieval", candidates=grid, cv=3, n_neighbors=5, verbose=0
    )
    assert {"mean_test_ndcg@5", "mean_test_recall@5", "mean_test_mrr"} <= set(
        res.columns
    )


def test_user_scoring_and_full_names():
    X, y = _make_class_embeddings(n_samples=90, n_features=8, random_state=1)
    grid = {"estimator__n_neighbors": [1, 3]}
    res = compare_similarities(
        X,
        y,
        candidates=grid,
        cv=3,
        scoring="balanced_accuracy",
        as_frame=False,
        verbose=0,
    )
    assert "mean_test_balanced_accuracy" in res


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"candidates": {"bogus": [1]}}, "unknown parameter 'estimator__bogus'"),
        ({"candidates": []}, "candidates is empty"),
        ({"y": None}, "y is required"),
        ({"task": "nope"}, "task"),
    ],
)
def test_bad_input(kwargs, match):
    X, y = _make_class_embeddings(n_samples=30, n_features=4, random_state=0)
    params = {"y": y, "cv": 2, "verbose": 0}
    params.update(kwargs)
    with pytest.raises(ValueError, match=match):
        compare_similarities(X, **params)
