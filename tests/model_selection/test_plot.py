import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import StratifiedKFold

from sklearn_cosim.model_selection import (
    PairedSimilarityClassifier,
    plot_similarity_calibration,
)
from sklearn_cosim.model_selection._synthetic import _make_similarity_pairs
from sklearn_cosim.preprocessing import MeanCenterer

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def pairs():
    X, ratings = _make_similarity_pairs(n_pairs=150, n_features=8, random_state=0)
    return X, np.where(ratings > 0.4, "same", "other")


def test_curves_are_the_out_of_fold_curves(pairs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = pairs
    candidates = {
        "centred cosine": PairedSimilarityClassifier(preprocessor=MeanCenterer()),
        "dot": {"metric": "dot", "cv": 3},
    }
    fig = plot_similarity_calibration(X, y, candidates, cv=3, n_bins=5)
    ax_pr, ax_cal = fig.axes
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    positive = y == "same"
    lines_pr = [line for line in ax_pr.get_lines() if line.get_marker() != "o"]
    dots = [line for line in ax_pr.get_lines() if line.get_marker() == "o"]
    lines_cal = ax_cal.get_lines()[1:]  # after the diagonal
    for i, (label, cand) in enumerate(candidates.items()):
        if isinstance(cand, dict):
            cand = PairedSimilarityClassifier().set_params(**cand)
        sim, proba = np.empty(len(y)), np.empty(len(y))
        pred = np.empty(len(y), dtype=bool)
        for train, test in cv.split(X, y):
            fitted = cand.fit(X[train], y[train])
            sim[test] = fitted.decision_function(X[test])
            proba[test] = fitted.predict_proba(X[test])[:, 1]
            pred[test] = sim[test] >= fitted.threshold_
        precision, recall, _ = precision_recall_curve(positive, sim)
        assert_allclose(lines_pr[i].get_xdata(), recall)
        assert_allclose(lines_pr[i].get_ydata(), precision)
        assert lines_pr[i].get_label().startswith(label)
        assert dots[i].get_xdata()[0] == pytest.approx(pred[positive].mean())
        assert dots[i].get_ydata()[0] == pytest.approx(positive[pred].mean())
        frac, mean_proba = calibration_curve(positive, proba, n_bins=5)
        assert_allclose(lines_cal[i].get_xdata(), mean_proba)
        assert_allclose(lines_cal[i].get_ydata(), frac)
        brier = np.mean((proba - positive) ** 2)
        assert f"Brier {brier:.3f}" in lines_cal[i].get_label()
    plt.close(fig)


def test_bad_input(pairs):
    X, y = pairs
    with pytest.raises(ValueError, match="candidates is empty"):
        plot_similarity_calibration(X, y, [])
    with pytest.raises(ValueError, match="PairedSimilarityClassifier instances"):
        plot_similarity_calibration(X, y, [MeanCenterer()])
    with pytest.raises(ValueError, match="Only binary classification"):
        plot_similarity_calibration(X, np.arange(len(y)) % 3, [{}])
    with pytest.raises(ValueError, match="must be even"):
        plot_similarity_calibration(X[:, :-1], y, [{}])
