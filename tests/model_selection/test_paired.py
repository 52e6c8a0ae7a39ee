import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from sklearn.base import clone
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline

from sklearn_cosim.metrics import paired_similarity
from sklearn_cosim.model_selection import PairedSimilarity, stack_pairs
from sklearn_cosim.model_selection._synthetic import _make_similarity_pairs
from sklearn_cosim.preprocessing import (
    LayerNormalizer,
    MeanCenterer,
    PrincipalComponentRemover,
    Whitener,
)


@pytest.fixture(scope="module")
def pairs():
    return _make_similarity_pairs(n_pairs=300, n_features=16, random_state=0)


def test_grid_search_recovers_the_known_best_choice(pairs):
    X, y = pairs
    grid = {
        "preprocessor": [
            None,
            MeanCenterer(),
            PrincipalComponentRemover(n_components=2),
            Whitener(),
            LayerNormalizer(),
        ],
        "metric": ["cosine", "dot", "euclidean"],
    }
    search = GridSearchCV(
        PairedSimilarity(), grid, cv=KFold(4, shuffle=True, random_state=0)
    ).fit(X, y)
    assert isinstance(search.best_params_["preprocessor"], MeanCenterer)
    assert search.best_params_["metric"] == "cosine"
    assert search.best_score_ > 0.95


def test_predict_matches_reference(pairs):
    X, y = pairs
    d = X.shape[1] // 2
    est = PairedSimilarity("dot", preprocessor=MeanCenterer()).fit(X)
    mean = np.vstack([X[:, :d], X[:, d:]]).mean(axis=0)
    expected = np.einsum("ij,ij->i", X[:, :d] - mean, X[:, d:] - mean)
    assert_allclose(est.predict(X), expected)
    assert est.predict(X).dtype == np.float64
    assert est.score(X, y) == pytest.approx(stats.spearmanr(y, expected)[0])
    est.set_params(scoring="pearson")
    assert est.score(X, y) == pytest.approx(stats.pearsonr(y, expected)[0])


def test_metric_params_and_no_preprocessor(pairs):
    X, _ = pairs
    d = X.shape[1] // 2
    est = PairedSimilarity("wrd", metric_params={"lam": 2.0}).fit(X)
    assert est.preprocessor_ is None
    assert est.effective_metric_params_ == {"lam": 2.0, "signed": False}
    expected = paired_similarity(X[:, :d], X[:, d:], metric="wrd", lam=2.0)
    assert_allclose(est.predict(X), expected)


def test_corpus_and_frozen_preprocessor(pairs):
    X, y = pairs
    rng = np.random.default_rng(0)
    corpus = rng.normal(size=(50, X.shape[1] // 2)) + 3.0
    est = PairedSimilarity(preprocessor=MeanCenterer()).fit(X, y, corpus=corpus)
    assert_allclose(est.preprocessor_.mean_, corpus.mean(axis=0))
    with pytest.raises(ValueError, match="corpus has 3 features"):
        est.fit(X, corpus=corpus[:, :3])
    frozen_ok = pytest.importorskip("sklearn.frozen")
    fitted = MeanCenterer().fit(corpus)
    est = PairedSimilarity(preprocessor=frozen_ok.FrozenEstimator(fitted)).fit(X)
    assert_allclose(est.preprocessor_.mean_, corpus.mean(axis=0))


def test_stack_pairs_accepts_3d():
    rng = np.random.default_rng(0)
    P = rng.normal(size=(10, 2, 3))
    assert_allclose(stack_pairs(P), stack_pairs(P[:, 0], P[:, 1]))
    with pytest.raises(ValueError, match=r"U must have shape \(n_pairs, 2"):
        stack_pairs(rng.normal(size=(10, 3, 3)))
    with pytest.raises(ValueError, match="same shape"):
        stack_pairs(P[:, 0], P[:5, 1])


@pytest.mark.parametrize(
    "est, X, match",
    [
        (PairedSimilarity(), np.ones((4, 3)), "must be even; got n_features=3"),
        (PairedSimilarity(preprocessor="bad"), np.ones((4, 2)), "preprocessor must"),
        (PairedSimilarity(metric="nope"), np.ones((4, 2)), "metric='nope'"),
        (PairedSimilarity(), np.full((4, 2), np.nan), "NaN"),
        (PairedSimilarity(), np.ones((4, 2, 2)), "stack_pairs"),
    ],
)
def test_bad_input(est, X, match):
    with pytest.raises(ValueError, match=match):
        est.fit(X)


def test_estimator_contract_with_even_features(pairs):
    # the common checks run on 3 or 5 features, which cannot be [u | v]:
    # the same properties on valid pair data
    X, y = pairs
    est = PairedSimilarity(preprocessor=Whitener()).fit(X[:100])
    pred = est.predict(X)
    assert_allclose(est.predict(X[50:70]), pred[50:70])  # subset invariance
    perm = np.random.default_rng(0).permutation(len(X))
    assert_allclose(est.predict(X[perm]), pred[perm])  # sample order
    restored = pickle.loads(pickle.dumps(est))
    assert_allclose(restored.predict(X), pred)
    assert_allclose(est.predict(np.asfortranarray(X)), pred)
    pred32 = est.predict(X.astype(np.float32))
    assert pred32.dtype == np.float64
    assert_allclose(pred32, pred, atol=1e-4)
    again = clone(est).fit(X[:100])
    assert_allclose(again.predict(X), pred)  # idempotent
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :-2])
    # inside a pipeline
    pipe = make_pipeline(PairedSimilarity()).fit(X, y)
    assert pipe.score(X, y) == pytest.approx(PairedSimilarity().fit(X).score(X, y))


def test_constant_predictions_warn():
    X = np.tile([1.0, 0.0, 2.0, 0.0], (6, 1))
    with pytest.warns(UndefinedMetricWarning, match="undefined"):
        assert PairedSimilarity().fit(X).score(X, np.arange(6.0)) == 0.0


@pytest.mark.parametrize(
    "y", [np.array(list("abcd")), np.array(list("abcd"), dtype=object), [b"a"] * 4]
)
def test_string_y_is_refused(y):
    X = np.random.default_rng(0).normal(size=(4, 4))
    with pytest.raises(ValueError, match="y must hold numeric similarity"):
        PairedSimilarity().fit(X, y)
    est = PairedSimilarity().fit(X)
    with pytest.raises(ValueError, match="y must hold numeric similarity"):
        est.score(X, y)
