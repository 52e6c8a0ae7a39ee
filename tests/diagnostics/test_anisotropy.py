"""Anisotropy, isotropy, frequency bias and the report."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse, stats
from scipy.special import logsumexp
from sklearn.neighbors import KNeighborsTransformer

from sklearn_cosim.datasets import make_anisotropic_embeddings
from sklearn_cosim.diagnostics import (
    embedding_report,
    frequency_bias,
    isotropy_score,
    mean_cosine_similarity,
    norm_frequency_correlation,
    partition_isotropy_score,
)


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 8)) * [3, 2, 1, 1, 1, 0.5, 0.5, 0.1] + 0.7
    X[5] = 0.0  # a zero row: cosine 0 with everything
    return X


def test_mean_cosine_equals_all_pairs(X):
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    U = np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)
    C = U @ U.T
    n = len(X)
    ref = (C.sum() - np.trace(C)) / (n * (n - 1))
    assert_allclose(mean_cosine_similarity(X), ref, atol=1e-12)
    assert_allclose(mean_cosine_similarity(sparse.csr_matrix(X)), ref, atol=1e-12)
    assert_allclose(mean_cosine_similarity(X.astype(np.float32)), ref, atol=1e-6)
    a = mean_cosine_similarity(X, max_samples=50, random_state=0)
    assert a == mean_cosine_similarity(X, max_samples=50, random_state=0)
    assert abs(a - ref) < 0.1


def test_partition_isotropy_equals_reference(X):
    Xs = X / 4
    _, V = np.linalg.eigh(Xs.T @ Xs)
    Z = np.exp(Xs @ np.hstack([V, -V])).sum(0)
    assert_allclose(partition_isotropy_score(Xs), Z.min() / Z.max(), rtol=1e-10)
    # invariant to the solver's eigenvector signs, and to -X
    assert_allclose(partition_isotropy_score(-Xs), partition_isotropy_score(Xs))
    big = partition_isotropy_score(X * 1000)  # logsumexp: no overflow
    assert np.isfinite(big) and 0 <= big <= 1
    assert logsumexp([0.0]) == 0.0


def _isoscore_reference(X):
    d = X.shape[1]
    var = np.linalg.eigvalsh(np.cov(X.T))
    s = np.sqrt(d) * var / np.linalg.norm(var)
    delta = np.linalg.norm(s - 1) / np.sqrt(2 * (d - np.sqrt(d)))
    return ((d - delta**2 * (d - np.sqrt(d))) ** 2 - d) / (d * (d - 1))


def test_isoscore(X):
    X_before = X.copy()
    isotropy_score(X)
    partition_isotropy_score(X)
    mean_cosine_similarity(X)
    assert_allclose(X, X_before)  # inputs are never modified
    assert_allclose(isotropy_score(X), _isoscore_reference(X), atol=1e-10)
    rng = np.random.default_rng(1)
    assert isotropy_score(rng.standard_normal((5000, 6))) > 0.98
    line = np.outer(rng.standard_normal(100), [1.0, 2.0, 3.0])
    assert isotropy_score(line) == pytest.approx(0.0, abs=1e-9)
    assert isotropy_score(np.ones((10, 3))) == 0.0
    with pytest.raises(ValueError, match="n_features"):
        isotropy_score(np.ones((10, 1)))


def test_frequency_measures():
    X, freq, _ = make_anisotropic_embeddings(
        300, 16, norm_frequency_coupling=0.5, random_state=0
    )
    rho = norm_frequency_correlation(X, freq)
    ref = stats.spearmanr(np.linalg.norm(X, axis=1), np.log(freq)).statistic
    assert_allclose(rho, ref)
    assert rho > 0.5
    X0, freq0, _ = make_anisotropic_embeddings(
        300, 16, norm_frequency_coupling=0.0, n_hubs=0, random_state=0
    )
    assert abs(norm_frequency_correlation(X0, freq0)) < 0.2
    result = frequency_bias(X, freq, n_neighbors=5, fraction=0.2)
    assert_allclose(
        result["difference"],
        result["high_frequency_similarity"] - result["low_frequency_similarity"],
    )
    with pytest.raises(ValueError, match="frequencies"):
        norm_frequency_correlation(X, freq[:-1])
    with pytest.raises(ValueError, match="positive"):
        norm_frequency_correlation(X, -freq)


def test_embedding_report():
    X, freq, _ = make_anisotropic_embeddings(200, 16, random_state=0)
    report = embedding_report(X, n_neighbors=5, frequencies=freq)
    assert isinstance(report, dict)
    assert report["k_skewness"] == pytest.approx(
        embedding_report(X, n_neighbors=5)["k_skewness"]
    )
    for key in [
        "mean_cosine_similarity",
        "partition_isotropy",
        "isoscore",
        "robin_hood_index",
        "norm_frequency_spearman",
        "frequency_bias_difference",
    ]:
        assert key in report
    text = str(report)
    assert text.splitlines()[0].split() == ["measure", "value"]
    assert "k_skewness" in text
    frame = embedding_report(X, n_neighbors=5, as_frame=True)
    assert list(frame.columns) == ["value"] and "gini_index" in frame.index
    G = KNeighborsTransformer(n_neighbors=5, metric="cosine").fit_transform(X)
    graph_report = embedding_report(G, n_neighbors=5, metric="precomputed")
    assert graph_report["k_skewness"] == pytest.approx(report["k_skewness"])
    assert "isoscore" not in graph_report


@pytest.mark.parametrize(
    "dtype, factor",
    [
        (np.float64, 1e200),
        (np.float64, 1e300),
        (np.float64, 1e-200),
        (np.float64, 1e-300),
        (np.float32, 1e30),
        (np.float32, 1e-30),
    ],
)
def test_isotropy_measures_on_huge_or_tiny_values(X, dtype, factor):
    # Finite but huge (or tiny) input used to raise "array must not contain
    # infs or NaNs" or return 0: the measures are scale invariant (the
    # partition function's eigenvectors too), so they equal those of X.
    Xs = (X * factor).astype(dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-9
    assert_allclose(isotropy_score(Xs), _isoscore_reference(X), rtol=rtol)
    assert_allclose(mean_cosine_similarity(Xs), mean_cosine_similarity(X), rtol=rtol)
    # log Z(c) is about factor * |x|, so the ratio underflows to 0 for
    # factor > 1 and tends to 1 for tiny factors: check it is finite and in range.
    score = partition_isotropy_score(Xs)
    assert np.isfinite(score) and 0.0 <= score <= 1.0
    if factor < 1:
        assert score == pytest.approx(1.0, abs=1e-6)


def test_mean_cosine_rows_of_mixed_magnitudes(X):
    # Cosine ignores each row's scale, even across the whole float64 range.
    scales = 10.0 ** np.linspace(-300, 300, len(X))[:, None]
    assert_allclose(mean_cosine_similarity(X * scales), mean_cosine_similarity(X))


@pytest.mark.parametrize("factor", [1e200, 1e-200])
def test_embedding_report_on_huge_or_tiny_values(factor):
    X, _, _ = make_anisotropic_embeddings(120, 8, random_state=0)
    reference = embedding_report(X, n_neighbors=5)
    report = embedding_report(X * factor, n_neighbors=5)
    for key in ["mean_cosine_similarity", "isoscore"]:
        assert report[key] == pytest.approx(reference[key], rel=1e-9)
    norms = np.linalg.norm(X, axis=1)
    assert report["mean_norm"] == pytest.approx(norms.mean() * factor, rel=1e-9)
    assert report["std_norm"] == pytest.approx(norms.std() * factor, rel=1e-9)
