"""
==========================================================
Similar or not: a calibrated, cross-validated threshold
==========================================================

"Above which similarity are two items the same?" Picking a cosine cut-off by
hand, and reading ``(cos + 1) / 2`` as a probability, both go wrong: the best
cut-off moves with the measure and the post-processing, and the raw score is
not calibrated. This example answers the question by cross-validation on pairs
of scikit-learn's digit images (built-in, no download), with
:class:`~sklearn_cosim.model_selection.PairedSimilarityClassifier`:

* a similarity threshold tuned for an objective (balanced accuracy, F1, or the
  highest recall at a required precision);
* calibrated probabilities (Platt's sigmoid of the similarity);
* :func:`~sklearn_cosim.model_selection.compare_similarities` ranking measure
  x post-processing by the Brier score, with each candidate's threshold, the
  simplest candidate within one standard error selected, and the candidates
  statistically tied with it;
* precision-recall curves and reliability diagrams per candidate.

Read more in the :ref:`User Guide <pair_classification>`.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Pairs of digit images
# ---------------------
# Each sample is a pair of 8 x 8 images, ``X = [u | v]``; the pair is
# "similar" when both show the same digit. Half the pairs are similar.
import numpy as np
from sklearn.datasets import load_digits

from sklearn_cosim.model_selection import stack_pairs

digits, labels = load_digits(return_X_y=True)
rng = np.random.default_rng(0)
n_pairs = 1200
first = rng.integers(len(digits), size=n_pairs)
second = np.empty(n_pairs, dtype=int)
for k, i in enumerate(first):
    same = k % 2 == 0
    pool = np.flatnonzero((labels == labels[i]) == same)
    second[k] = rng.choice(pool[pool != i])
X = stack_pairs(digits[first], digits[second])
y = (labels[first] == labels[second]).astype(int)
X_train, X_test = X[:800], X[800:]
y_train, y_test = y[:800], y[800:]

# %%
# Raw cosine is not a probability
# -------------------------------
# Pixel intensities are non-negative, so every pair of images has a positive
# cosine: ``(cos + 1) / 2`` is above 0.5 even for different digits. Its Brier
# score (mean squared error of a probability) is compared with the constant
# predictor of the base rate, ``pi (1 - pi)``, and with the calibrated
# probabilities of a classifier fitted on the training pairs.
from sklearn_cosim.model_selection import PairedSimilarityClassifier

clf = PairedSimilarityClassifier("cosine").fit(X_train, y_train)
cos_test = clf.decision_function(X_test)  # the raw cosine of each pair
brier_raw = np.mean(((cos_test + 1) / 2 - y_test) ** 2)
rate = y_test.mean()
brier_cal = np.mean((clf.predict_proba(X_test)[:, 1] - y_test) ** 2)
print(f"cosine of different digits: median {np.median(cos_test[y_test == 0]):.2f}")
print(f"Brier of (cos + 1) / 2:            {brier_raw:.3f}")
print(f"Brier of the base rate pi(1 - pi): {rate * (1 - rate):.3f}")
print(f"Brier of calibrated cosine:        {brier_cal:.3f}")
print(f"tuned cosine threshold: {clf.threshold_:.3f}")
print(f"held-out accuracy at it: {clf.score(X_test, y_test):.3f}")

# %%
# A precision target
# ------------------
# For de-duplication a false "same" costs more than a missed one: ask for the
# highest recall among thresholds whose precision is at least 0.95 in every
# internal fold, and check the precision on the held-out pairs.
strict = PairedSimilarityClassifier(
    "cosine", objective="recall_at_precision", min_precision=0.95
).fit(X_train, y_train)
pred = strict.predict(X_test)
print(f"threshold for precision >= 0.95: {strict.threshold_:.3f}")
precision, recall = y_test[pred == 1].mean(), pred[y_test == 1].mean()
print(f"held-out precision {precision:.3f}, recall {recall:.3f}")

# %%
# Which measure and post-processing?
# ----------------------------------
# :func:`~sklearn_cosim.model_selection.compare_similarities` sees binary
# labels and ranks each candidate by the Brier score of its calibrated
# probabilities (then log-loss and F1), with the threshold tuned in each
# training fold. The threshold moves with the measure (cosine in [-1, 1], dot
# and euclidean on the scale of the data; the euclidean similarity is minus
# the distance) and with the post-processing.
from sklearn_cosim.model_selection import compare_similarities
from sklearn_cosim.preprocessing import MeanCenterer, Whitener

grid = {
    "preprocessor": [None, MeanCenterer(), Whitener()],
    "metric": ["cosine", "euclidean", "dot"],
}
results = compare_similarities(
    X_train, y_train, task="pairs", candidates=grid, cv=5, verbose=0, as_frame=False
)
for i in range(len(results["rank"])):
    print(
        f"{results['rank'][i]} {'*' if results['selected'][i] else ' '} "
        f"{results['candidate'][i]:<26} "
        f"Brier {-results['mean_test_neg_brier_score'][i]:.3f} "
        f"± {results['std_test_neg_brier_score'][i]:.3f}  "
        f"F1 {results['mean_test_f1'][i]:.3f}  "
        f"threshold {results['mean_threshold'][i]:8.3f}  "
        f"tied {'yes' if results['tied'][i] else 'no'}"
    )

# %%
# The starred candidate is the simplest one within one standard error of the
# best mean (the default ``selection="one_se"``); "tied" marks the candidates
# that a corrected paired t-test on the folds cannot tell from it. The mean
# score of the selected candidate is optimistic, since it was chosen on the
# same folds; nested cross-validation gives an honest estimate of the whole
# procedure.
from sklearn_cosim.model_selection import cross_validate_selection

nested = cross_validate_selection(X_train, y_train, task="pairs", candidates=grid, cv=3)
print(
    f"nested CV Brier of the selection: {-nested['mean_test_neg_brier_score']:.3f}"
    f" ± {nested['std_test_neg_brier_score']:.3f}; selected: {nested['selected']}"
)

# %%
# Precision-recall curves and reliability diagrams
# ------------------------------------------------
# Out-of-fold curves for three candidates. The dot on each precision-recall
# curve is the tuned threshold's operating point; a calibrated model follows
# the diagonal of the reliability diagram.
import matplotlib.pyplot as plt

from sklearn_cosim.model_selection import plot_similarity_calibration

fig = plot_similarity_calibration(
    X_train,
    y_train,
    {
        "cosine": {"metric": "cosine"},
        "centred cosine": {"metric": "cosine", "preprocessor": MeanCenterer()},
        "dot": {"metric": "dot"},
    },
    cv=5,
)
plt.show()
