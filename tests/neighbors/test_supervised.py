"""Input handling of the k-neighbours classifier and regressor."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_cosim.neighbors import (
    SimilarityKNeighborsClassifier,
    SimilarityKNeighborsRegressor,
)

ESTIMATORS = [SimilarityKNeighborsClassifier, SimilarityKNeighborsRegressor]


def _data(n=40, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (X[:, 0] > 0).astype(int)
    return X, y


def _predictions(est, X):
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    return est.predict(X)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_dataframe_fit_keeps_feature_names(Est):
    pd = pytest.importorskip("pandas")
    X, y = _data()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    est = Est(n_neighbors=3).fit(df, y)
    assert_array_equal(est.feature_names_in_, df.columns.to_numpy(dtype=object))
    # the same numbers as a fit on the array
    ref = Est(n_neighbors=3).fit(X, y)
    assert_allclose(_predictions(est, df), _predictions(ref, X))
    with pytest.raises(ValueError, match="same order as they were in fit"):
        est.predict(df[df.columns[::-1]])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_fit_refuses_y_of_another_length(Est):
    X, y = _data()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Est(n_neighbors=3).fit(X, y[:-1])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_weights_none_means_uniform(Est):
    X, y = _data()
    none = Est(n_neighbors=5, weights=None).fit(X, y)
    uniform = Est(n_neighbors=5, weights="uniform").fit(X, y)
    assert_allclose(_predictions(none, X[:7]), _predictions(uniform, X[:7]))


def test_weights_none_uniform_reference():
    # plain numpy: the vote share among the 5 most cosine-similar samples
    X, y = _data()
    clf = SimilarityKNeighborsClassifier(n_neighbors=5, weights=None).fit(X, y)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = Xn[:3] @ Xn.T
    top = np.argsort(-S, axis=1, kind="stable")[:, :5]
    expected = np.stack([np.mean(y[top] == c, axis=1) for c in (0, 1)], axis=1)
    assert_allclose(clf.predict_proba(X[:3]), expected)


def _zero_for_first_query(dist):
    w = np.ones_like(dist)
    w[0] = 0.0
    return w


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_weights_callable_all_zero_row_is_refused(Est):
    X, y = _data()
    est = Est(n_neighbors=3, weights=_zero_for_first_query).fit(X, y)
    with pytest.raises(ValueError, match="weight 0 to every neighbour"):
        est.predict(X[:4])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_weights_callable_negative_is_refused(Est):
    X, y = _data()
    est = Est(n_neighbors=3, weights=lambda d: d - 10.0).fit(X, y)
    with pytest.raises(ValueError, match="negative weights"):
        est.predict(X[:4])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_weights_callable_positive_reference(Est):
    # weights 1 / (1 + d) against a plain numpy weighted vote / mean
    X, y = _data()
    est = Est(n_neighbors=4, weights=lambda d: 1.0 / (1.0 + d)).fit(X, y)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = Xn[:5] @ Xn.T
    top = np.argsort(-S, axis=1, kind="stable")[:, :4]
    w = 1.0 / (1.0 + (1.0 - np.take_along_axis(S, top, axis=1)))
    if Est is SimilarityKNeighborsRegressor:
        expected = (w * y[top]).sum(axis=1) / w.sum(axis=1)
        assert_allclose(est.predict(X[:5]), expected, rtol=1e-6)
    else:
        expected = np.stack(
            [(w * (y[top] == c)).sum(axis=1) / w.sum(axis=1) for c in (0, 1)], axis=1
        )
        assert_allclose(est.predict_proba(X[:5]), expected, rtol=1e-6)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("where", ["fit", "predict"])
def test_datetime_input_is_refused(Est, where):
    X, y = _data(n=10, d=2)
    dates = np.arange(20).astype("datetime64[D]").reshape(10, 2)
    est = Est(n_neighbors=3)
    with pytest.raises(ValueError, match="dates or durations"):
        if where == "fit":
            est.fit(dates, y)
        else:
            est.fit(X, y).predict(dates)
