import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    ParameterGrid,
    StratifiedKFold,
    cross_val_score,
)

from sklearn_cosim.model_selection import (
    PairedSimilarity,
    PairedSimilarityClassifier,
    compare_similarities,
    cross_validate_selection,
    default_grid,
    one_standard_error_rule,
)
from sklearn_cosim.model_selection._synthetic import (
    _make_class_embeddings,
    _make_similarity_pairs,
)
from sklearn_cosim.neighbors import SimilarityNeighbors
from sklearn_cosim.preprocessing import MeanCenterer, Whitener


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


def _cv_results(params, fold_scores):
    fold_scores = np.asarray(fold_scores, dtype=float)
    res = {"params": params, "mean_test_score": fold_scores.mean(axis=1)}
    for k in range(fold_scores.shape[1]):
        res[f"split{k}_test_score"] = fold_scores[:, k]
    return res


def test_one_standard_error_rule_picks_simplest_within_one_se():
    params = [
        {"preprocessor": Whitener(), "metric": "cosine"},  # best mean
        {"preprocessor": MeanCenterer(), "metric": "dot"},  # within, cost 2
        {"preprocessor": None, "estimator__metric": "cosine"},  # within, cost 0
        {"preprocessor": None, "metric": "dot"},  # outside
    ]
    folds = [[0.90, 0.80, 0.85], [0.88, 0.80, 0.84], [0.86, 0.80, 0.84], [0.7] * 3]
    best = np.asarray(folds[0])
    se = best.std(ddof=1) / np.sqrt(3)  # reference: sample std / sqrt(K)
    means = np.mean(folds, axis=1)
    assert means[2] >= means[0] - se > means[3]
    assert one_standard_error_rule(_cv_results(params, folds)) == 2
    # a user complexity: the whitener is the simplest
    pick = one_standard_error_rule(
        _cv_results(params, folds),
        complexity=lambda p: 0 if isinstance(p.get("preprocessor"), Whitener) else 1,
    )
    assert pick == 0
    # no candidate within one SE but the best: the best
    folds_far = [[0.9] * 3, [0.5] * 3, [0.5] * 3, [0.5] * 3]
    assert one_standard_error_rule(_cv_results(params, folds_far)) == 0
    with pytest.raises(ValueError, match="score must be one of"):
        one_standard_error_rule(_cv_results(params, folds), score="nope")


def test_one_standard_error_rule_as_grid_search_refit():
    X, y = _make_similarity_pairs(n_pairs=150, n_features=8, random_state=0)
    grid = {"preprocessor": [None, MeanCenterer(), Whitener()], "metric": ["cosine"]}
    search = GridSearchCV(
        PairedSimilarity(), grid, cv=3, refit=one_standard_error_rule
    ).fit(X, y)
    assert search.best_index_ == one_standard_error_rule(search.cv_results_)
    assert hasattr(search, "best_estimator_")


def _reference_corrected_p(a, b, n_train, n_test):
    # Nadeau & Bengio (2003), as in scikit-learn's example on model comparison
    d = np.asarray(a) - np.asarray(b)
    k = len(d)
    corrected_std = np.sqrt((1 / k + n_test / n_train) * np.var(d, ddof=1))
    t = np.mean(d) / corrected_std
    return 2 * stats.t.sf(np.abs(t), k - 1)


def test_ties_and_p_values_match_the_corrected_t_test():
    X, y = _make_similarity_pairs(n_pairs=150, n_features=8, random_state=0)
    grid = {"preprocessor": [None, MeanCenterer()], "metric": ["cosine", "dot"]}
    res = compare_similarities(
        X, y, task="pairs", candidates=grid, cv=5, selection="best",
        verbose=0, as_frame=False,
    )  # fmt: skip
    cv = KFold(5, shuffle=True, random_state=0)
    folds = {
        label: cross_val_score(PairedSimilarity().set_params(**params), X, y, cv=cv)
        for label, params in zip(res["candidate"], res["params"])
    }
    winner = res["candidate"][0]
    assert res["selected"][0] and res["selected"].sum() == 1
    for label, p, tied in zip(res["candidate"], res["p_value"], res["tied"]):
        if label == winner:
            assert p == 1.0 and tied
            continue
        ref = _reference_corrected_p(folds[winner], folds[label], 120, 30)
        assert p == pytest.approx(ref, rel=1e-6)
        assert tied == (ref >= 0.05)


def test_selection_one_se_and_callable():
    X, y = _make_similarity_pairs(n_pairs=120, n_features=8, random_state=3)
    grid = {"preprocessor": [None, MeanCenterer(), Whitener()], "metric": ["cosine"]}
    kwargs = {"task": "pairs", "candidates": grid, "cv": 3, "verbose": 0}
    kwargs["as_frame"] = False
    res = compare_similarities(X, y, **kwargs)
    cv_results = {"params": list(res["params"])}
    cv_results["mean_test_spearman"] = res["mean_test_spearman"]
    cv = KFold(3, shuffle=True, random_state=0)
    folds = [
        cross_val_score(PairedSimilarity().set_params(**p), X, y, cv=cv)
        for p in res["params"]
    ]
    for k in range(3):
        cv_results[f"split{k}_test_spearman"] = np.array([f[k] for f in folds])
    expected = one_standard_error_rule(cv_results, score="spearman")
    assert res["selected"][expected] and res["selected"].sum() == 1
    res = compare_similarities(X, y, selection=lambda cv_results: 2, **kwargs)
    assert (
        res["params"][np.flatnonzero(res["selected"])[0]]
        == list(ParameterGrid(grid))[2]
    )


def test_binary_pairs_rank_by_brier_with_thresholds():
    X, ratings = _make_similarity_pairs(n_pairs=240, n_features=8, random_state=0)
    y = (ratings > 0.4).astype(int)
    grid = {"preprocessor": [None, MeanCenterer()], "metric": ["cosine", "dot"]}
    res = compare_similarities(
        X, y, task="pairs", candidates=grid, cv=3, verbose=0, as_frame=False
    )
    assert res["candidate"][0] == "MeanCenterer() | cosine"
    assert {"mean_test_neg_log_loss", "mean_test_f1", "std_threshold"} <= set(res)
    assert np.all(np.diff(res["mean_test_neg_brier_score"]) <= 0)
    # reference: the same folds by hand, Brier and threshold with numpy
    i = list(res["candidate"]).index("none | dot")
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    briers, thresholds = [], []
    for train, test in cv.split(X, y):
        clf = PairedSimilarityClassifier("dot").fit(X[train], y[train])
        proba = clf.predict_proba(X[test])[:, 1]
        briers.append(np.mean((proba - y[test]) ** 2))
        thresholds.append(clf.threshold_)
    assert res["mean_test_neg_brier_score"][i] == pytest.approx(-np.mean(briers))
    assert res["mean_threshold"][i] == pytest.approx(np.mean(thresholds))
    assert res["std_threshold"][i] == pytest.approx(np.std(thresholds))
    # the cosine threshold and the dot threshold live on different scales
    j = list(res["candidate"]).index("none | cosine")
    assert -1 <= res["mean_threshold"][j] <= 1 < abs(res["mean_threshold"][i])


def test_cross_validate_selection_matches_compare_on_each_outer_fold():
    X, y = _make_similarity_pairs(n_pairs=150, n_features=8, random_state=1)
    grid = {"preprocessor": [None, MeanCenterer()], "metric": ["cosine", "dot"]}
    nested = cross_validate_selection(X, y, task="pairs", candidates=grid, cv=3)
    outer = KFold(3, shuffle=True, random_state=0)
    expected_scores, expected_labels = [], []
    for train, test in outer.split(X, y):
        res = compare_similarities(
            X[train], y[train], task="pairs", candidates=grid, cv=outer,
            verbose=0, as_frame=False,
        )  # fmt: skip
        k = np.flatnonzero(res["selected"])[0]
        expected_labels.append(res["candidate"][k])
        est = PairedSimilarity().set_params(**res["params"][k]).fit(X[train])
        expected_scores.append(est.score(X[test], y[test]))
    assert nested["selected"] == expected_labels
    assert_allclose(nested["test_spearman"], expected_scores)
    assert nested["mean_test_spearman"] == pytest.approx(np.mean(expected_scores))
