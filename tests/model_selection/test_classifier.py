import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    make_scorer,
    precision_recall_curve,
    precision_score,
    recall_score,
)
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklearn_cosim.model_selection import (
    PairedSimilarity,
    PairedSimilarityClassifier,
    stack_pairs,
)
from sklearn_cosim.model_selection._classifier import (
    _accuracy,
    _balanced_accuracy,
    _f1,
    _recall_at_precision,
)
from sklearn_cosim.model_selection._synthetic import _make_similarity_pairs
from sklearn_cosim.preprocessing import MeanCenterer


def _pairs_with_cosine(n, *, d=16, t0=0.3, noise=0.05, seed=0):
    """Pairs whose cosine `c` is set; "similar" when c + noise >= t0."""
    rng = np.random.default_rng(seed)
    c = rng.uniform(-0.4, 1.0, n)
    u = rng.normal(size=(n, d))
    u_hat = u / np.linalg.norm(u, axis=1, keepdims=True)
    w = rng.normal(size=(n, d))
    w -= np.einsum("ij,ij->i", w, u_hat)[:, None] * u_hat
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    v = c[:, None] * u_hat + np.sqrt(1 - c[:, None] ** 2) * w
    v *= rng.uniform(0.5, 2.0, size=(n, 1))  # norms do not matter to cosine
    y = (c + noise * rng.normal(size=n) >= t0).astype(int)
    return stack_pairs(u, v), y, c


@pytest.fixture(scope="module")
def train_test():
    return _pairs_with_cosine(1500, seed=0), _pairs_with_cosine(3000, seed=1)


@pytest.mark.parametrize("objective", ["accuracy", "balanced_accuracy", "f1"])
def test_tuned_threshold_recovers_the_known_threshold(train_test, objective):
    (X, y, c), _ = train_test
    clf = PairedSimilarityClassifier(objective=objective).fit(X, y)
    assert clf.threshold_ == pytest.approx(0.3, abs=0.03)
    # the decision function is the raw cosine of the pair
    assert_allclose(clf.decision_function(X), c, atol=1e-12)
    assert_array_equal(clf.predict(X), (c >= clf.threshold_).astype(int))


def test_calibrated_brier_beats_raw_cosine_and_base_rate(train_test):
    (X, y, _), (X_test, y_test, c_test) = train_test
    for calibration in ("sigmoid", "isotonic"):
        clf = PairedSimilarityClassifier(calibration=calibration).fit(X, y)
        proba = clf.predict_proba(X_test)
        assert_allclose(proba.sum(axis=1), 1.0)
        brier = np.mean((proba[:, 1] - y_test) ** 2)
        brier_raw = np.mean(((c_test + 1) / 2 - y_test) ** 2)
        rate = y_test.mean()
        assert brier < 0.5 * brier_raw
        assert brier < 0.5 * rate * (1 - rate)
        # calibrated probabilities are a non-decreasing function of similarity
        order = np.argsort(c_test)
        assert np.all(np.diff(proba[order, 1]) >= -1e-12)


@pytest.mark.parametrize("min_precision", [0.9, 0.97])
def test_precision_target_is_met_on_held_out_pairs(min_precision):
    X, y, _ = _pairs_with_cosine(1500, noise=0.15, seed=2)
    X_test, y_test, c_test = _pairs_with_cosine(5000, noise=0.15, seed=3)
    clf = PairedSimilarityClassifier(
        objective="recall_at_precision", min_precision=min_precision
    ).fit(X, y)
    pred = clf.predict(X_test)
    assert np.mean(y_test[pred == 1]) >= min_precision
    # the recall is close to the best recall at that precision on the test set
    precision, recall, _ = precision_recall_curve(y_test, c_test)
    best = recall[precision >= min_precision].max()
    assert recall_score(y_test, pred) > 0.85 * best


def test_unreachable_precision_warns():
    X, y, _ = _pairs_with_cosine(300, seed=4)
    clf = PairedSimilarityClassifier(objective="recall_at_precision")
    with pytest.warns(UserWarning, match="No threshold reaches precision"):
        clf.fit(X, 1 - y)  # the most similar pairs are the negatives


def test_grid_search_over_metric_preprocessor_and_objective():
    X, ratings = _make_similarity_pairs(n_pairs=400, n_features=16, random_state=0)
    y = (ratings > 0.4).astype(int)
    grid = {
        "metric": ["cosine", "dot", "euclidean"],
        "preprocessor": [None, MeanCenterer()],
        "objective": ["balanced_accuracy", "f1"],
    }
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(
        PairedSimilarityClassifier(cv=3), grid, scoring="balanced_accuracy", cv=cv
    ).fit(X, y)
    assert search.best_params_["metric"] == "cosine"
    assert isinstance(search.best_params_["preprocessor"], MeanCenterer)
    assert search.best_score_ > 0.85
    assert len(search.cv_results_["params"]) == 12


def test_string_labels_and_custom_objective(train_test):
    (X, y, c), _ = train_test
    labels = np.where(y == 1, "similar", "different")
    scorer = make_scorer(recall_score, pos_label="similar")
    clf = PairedSimilarityClassifier(objective=scorer, cv=3).fit(X, labels)
    assert list(clf.classes_) == ["different", "similar"]
    # maximising recall alone puts the threshold at the smallest similarity
    assert clf.threshold_ == pytest.approx(c.min(), abs=0.02)
    assert set(clf.predict(X)) <= {"different", "similar"}


def test_contract_with_even_features(train_test):
    # the common checks cannot use pairs; the same properties on pair data
    (X, y, _), _ = train_test
    clf = PairedSimilarityClassifier(preprocessor=MeanCenterer(), cv=3).fit(X, y)
    proba = clf.predict_proba(X)
    assert_allclose(clf.predict_proba(X[100:200]), proba[100:200])
    restored = pickle.loads(pickle.dumps(clf))
    assert_allclose(restored.predict_proba(X), proba)
    assert_allclose(np.exp(clf.predict_log_proba(X)), proba)
    ref = PairedSimilarity(preprocessor=MeanCenterer()).fit(X).predict(X)
    assert_allclose(clf.decision_function(X), ref)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :-2])


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.ones((8, 3)), [0, 1] * 4, "must be even; got n_features=3"),
        (np.ones((8, 4)), [1] * 8, "only one class"),
        (np.ones((8, 4)), [0, 1, 2, 3] * 2, "Only binary classification"),
        (np.ones((8, 4)), np.linspace(0, 1, 8), "Only binary classification"),
        (np.full((8, 4), np.nan), [0, 1] * 4, "NaN"),
        (np.ones((8, 2, 2)), [0, 1] * 4, "stack_pairs"),
    ],
)
def test_bad_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        PairedSimilarityClassifier(cv=2).fit(X, y)


def test_bad_parameters():
    X, y, _ = _pairs_with_cosine(40)
    with pytest.raises(ValueError, match="objective"):
        PairedSimilarityClassifier(objective="auc").fit(X, y)
    with pytest.raises(ValueError, match="min_precision"):
        PairedSimilarityClassifier(min_precision=1.5).fit(X, y)
    with pytest.raises(ValueError, match="metric='nope'"):
        PairedSimilarityClassifier(metric="nope", cv=2).fit(X, y)
    with pytest.raises(ValueError, match="preprocessor must be a transformer"):
        PairedSimilarityClassifier(preprocessor="bad", cv=2).fit(X, y)


def test_explicit_thresholds(train_test):
    (X, y, _), _ = train_test
    grid = np.linspace(-0.4, 1.0, 15)
    clf = PairedSimilarityClassifier(thresholds=grid, cv=3).fit(X, y)
    assert clf.threshold_ in grid
    assert clf.threshold_ == pytest.approx(0.3, abs=0.051)


@pytest.mark.parametrize("pos_label", [1, 0])
def test_fast_objectives_match_scikit_learn(pos_label):
    rng = np.random.default_rng(0)
    for _ in range(20):
        y_true = rng.integers(0, 2, size=30)
        y_pred = rng.integers(0, 2, size=30) * rng.integers(0, 2)  # some constant
        assert _accuracy(y_true, y_pred, pos_label=pos_label) == pytest.approx(
            accuracy_score(y_true, y_pred)
        )
        # balanced accuracy does not depend on which class is positive
        assert _balanced_accuracy(y_true, y_pred, pos_label=pos_label) == pytest.approx(
            balanced_accuracy_score(y_true, y_pred)
        )
        assert _f1(y_true, y_pred, pos_label=pos_label) == pytest.approx(
            f1_score(y_true, y_pred, pos_label=pos_label, zero_division=0)
        )
        precision = precision_score(
            y_true, y_pred, pos_label=pos_label, zero_division=0
        )
        got = _recall_at_precision(
            y_true, y_pred, min_precision=0.5, pos_label=pos_label, penalty=5
        )
        if precision >= 0.5:
            assert got == pytest.approx(
                recall_score(y_true, y_pred, pos_label=pos_label)
            )
        else:
            assert got == pytest.approx(-5 - (0.5 - precision))
