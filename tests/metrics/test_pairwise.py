"""Every named measure against a plain numpy formula written here."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.metrics import pairwise as sk_pairwise

from sklearn_cosim.metrics import CallableMeasure, SimilarityMeasure
from sklearn_cosim.metrics.pairwise import (
    PAIRWISE_SIMILARITY_MEASURES,
    angular_distances,
    cosine_similarity,
    dot_similarity,
    euclidean_distances,
    paired_distances,
    paired_similarity,
    pairwise_distances,
    pairwise_similarity,
    radial_cosine_similarity,
    register_similarity,
    scaled_cosine_similarity,
    soft_cosine_similarity,
    sqeuclidean_distances,
    unregister_similarity,
    wrd_distances,
)


# -- numpy references, written from the formulas of methods.md §0 -------------
def _norms(A):
    return np.sqrt((A.astype(np.float64) ** 2).sum(axis=1))


def ref_cos(A, B):
    A, B = A.astype(np.float64), B.astype(np.float64)
    na, nb = _norms(A), _norms(B)
    out = np.zeros((len(A), len(B)))
    for i in range(len(A)):
        for j in range(len(B)):
            if na[i] > 0 and nb[j] > 0:
                out[i, j] = A[i] @ B[j] / (na[i] * nb[j])
    return np.clip(out, -1, 1)


def ref_sq(A, B):
    A, B = A.astype(np.float64), B.astype(np.float64)
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)


def ref_similarity(metric, A, B, **p):
    """Similarity (larger = closer) of every measure, from its formula."""
    A64, B64 = A.astype(np.float64), B.astype(np.float64)
    cos = ref_cos(A, B)
    na, nb = _norms(A)[:, None], _norms(B)[None, :]
    if metric == "cosine":
        return cos
    if metric == "dot":
        return A64 @ B64.T
    if metric == "euclidean":
        return -np.sqrt(ref_sq(A, B))
    if metric == "sqeuclidean":
        return -ref_sq(A, B)
    if metric == "angular":
        return 1 - np.arccos(cos) / np.pi
    if metric == "soft_cosine":
        S = p["S"]
        num = A64 @ S @ B64.T
        sa = np.sqrt(np.einsum("ij,jk,ik->i", A64, S, A64))[:, None]
        sb = np.sqrt(np.einsum("ij,jk,ik->i", B64, S, B64))[None, :]
        den = sa * sb
        return np.clip(np.where(den > 0, num / np.where(den > 0, den, 1), 0), -1, 1)
    if metric == "scaled_cosine":
        a = p.get("alpha", 0.5)
        return a * cos + (1 - a) * (na + nb)
    if metric == "wrd":
        lam, signed = p.get("lam", 1.0), p.get("signed", False)
        diff = na - nb
        return -((diff if signed else np.abs(diff)) + lam * np.arccos(cos))
    if metric == "radial_cosine":
        b = p.get("beta", 0.5)
        wa = np.where(na > 0, np.abs(na) ** b, 0)
        wb = np.where(nb > 0, np.abs(nb) ** b, 0)
        return cos * wa * wb
    raise AssertionError(metric)


def ref_distance(metric, s):
    if metric in ("cosine", "soft_cosine"):
        return np.clip(1 - s, 0, 2)
    if metric in ("scaled_cosine", "radial_cosine"):
        return 1 - s
    if metric == "angular":
        return 1 - s
    return -s


def _S(d, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((d, 3))
    S = W @ W.T
    S /= np.sqrt(np.outer(np.diag(S), np.diag(S)))
    return 0.5 * S + 0.5 * np.eye(d)  # symmetric PSD, unit diagonal


def _data(seed=0, n=12, m=9, d=6, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.3, 3, (n, 1))
    Y = rng.standard_normal((m, d)) * rng.uniform(0.3, 3, (m, 1))
    X[3] = 0.0  # zero vectors
    Y[2] = 0.0
    return X.astype(dtype), Y.astype(dtype)


CASES = [
    ("cosine", {}),
    ("dot", {}),
    ("euclidean", {}),
    ("sqeuclidean", {}),
    ("angular", {}),
    ("soft_cosine", {"S": _S(6)}),
    ("scaled_cosine", {"alpha": 0.3}),
    ("scaled_cosine", {}),
    ("wrd", {"lam": 2.0}),
    ("wrd", {"lam": 0.5, "signed": True}),
    ("radial_cosine", {"beta": 0.5}),
    ("radial_cosine", {"beta": 2.0}),
]


@pytest.mark.parametrize("metric, params", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("container", [np.asarray, sparse.csr_matrix])
def test_every_measure_matches_numpy_formula(metric, params, dtype, container):
    X, Y = _data(dtype=dtype)
    expected = ref_similarity(metric, X, Y, **params)
    got = pairwise_similarity(container(X), container(Y), metric=metric, **params)
    assert got.dtype == dtype
    tol = 2e-5 if dtype == np.float32 else 1e-10
    assert_allclose(got, expected, rtol=tol, atol=tol * max(1, np.abs(expected).max()))
    assert np.all(np.isfinite(got))
    dist = pairwise_distances(container(X), container(Y), metric=metric, **params)
    assert dist.dtype == dtype
    assert_allclose(
        dist,
        ref_distance(metric, expected),
        rtol=tol,
        atol=tol * max(1, np.abs(expected).max()),
    )


@pytest.mark.parametrize("metric, params", CASES)
def test_paired_equals_diagonal(metric, params):
    X, Y = _data(m=12)
    full = pairwise_similarity(X, Y, metric=metric, **params)
    assert_allclose(paired_similarity(X, Y, metric=metric, **params), np.diag(full))
    assert_allclose(
        paired_distances(X, Y, metric=metric, **params),
        np.diag(pairwise_distances(X, Y, metric=metric, **params)),
    )


def test_zero_vector_conventions():
    X = np.array([[0.0, 0.0], [1.0, 0.0]])
    assert_allclose(cosine_similarity(X), [[0, 0], [0, 1]])
    assert_allclose(angular_distances(X)[0], [0.5, 0.5])
    assert_allclose(wrd_distances(X, lam=1.0)[0], [np.pi / 2, 1 + np.pi / 2])
    assert_allclose(radial_cosine_similarity(X)[0], [0, 0])
    S = np.eye(2)
    assert_allclose(soft_cosine_similarity(X, S=S), [[0, 0], [0, 1]])


def test_against_scikit_learn():
    X, Y = _data(n=30, m=20)
    assert_allclose(cosine_similarity(X, Y), sk_pairwise.cosine_similarity(X, Y))
    assert_allclose(euclidean_distances(X, Y), sk_pairwise.euclidean_distances(X, Y))
    assert_allclose(
        sqeuclidean_distances(X, Y),
        sk_pairwise.euclidean_distances(X, Y, squared=True),
        atol=1e-12,
    )
    assert_allclose(dot_similarity(X, Y), sk_pairwise.linear_kernel(X, Y))
    assert_allclose(np.diag(euclidean_distances(X)), 0.0, atol=0)


def test_special_parameter_values_reduce_to_known_measures():
    X, Y = _data()
    cos = cosine_similarity(X, Y)
    assert_allclose(scaled_cosine_similarity(X, Y, alpha=1.0), cos)
    assert_allclose(radial_cosine_similarity(X, Y, beta=0.0), cos)
    assert_allclose(radial_cosine_similarity(X, Y, beta=1.0), dot_similarity(X, Y))
    assert_allclose(soft_cosine_similarity(X, Y, S=np.eye(6)), cos)
    norm_gap = np.abs(_norms(X)[:, None] - _norms(Y)[None, :])
    assert_allclose(wrd_distances(X, Y, lam=0.0), norm_gap)


def test_soft_cosine_fixture_from_gensim_tests():
    # methods.md §5.4: 5 terms, S = 1 on the diagonal and 0.5 elsewhere
    S = np.full((5, 5), 0.5) + 0.5 * np.eye(5)
    x = np.array([[2.0, 1.0, 0, 0, 0]])  # government: 2, denied: 1
    y = np.array([[1.0, 0, 1.0, 0, 0]])  # government: 1, holiday: 1
    assert x @ S @ y.T == pytest.approx(4.0)
    assert soft_cosine_similarity(x, y, S=S)[0, 0] == pytest.approx(4 / np.sqrt(21))
    assert soft_cosine_similarity(x, y, S=S)[0, 0] == pytest.approx(0.8728715609)
    Ssp = sparse.csr_matrix(S)
    assert soft_cosine_similarity(sparse.csr_matrix(x), sparse.csr_matrix(y), S=Ssp)[
        0, 0
    ] == pytest.approx(0.8728715609)


def test_soft_cosine_bad_S():
    X = np.eye(3)
    with pytest.raises(ValueError, match="S must be symmetric"):
        soft_cosine_similarity(X, S=np.triu(np.ones((3, 3))))
    with pytest.raises(ValueError, match="S has shape"):
        soft_cosine_similarity(X, S=np.eye(4))
    with pytest.raises(ValueError, match="S must be a square"):
        pairwise_similarity(X, metric="soft_cosine", S=np.ones((3, 2)))
    with pytest.raises(ValueError, match="finite"):
        soft_cosine_similarity(X, S=np.full((3, 3), np.nan))
    # symmetric, not PSD: x = e0 - e1 has x'Sx = 2 - 2 * 1.5 < 0
    S = np.array([[1.0, 1.5, 0], [1.5, 1.0, 0], [0, 0, 1.0]])
    with pytest.raises(ValueError, match="positive semi-definite"):
        soft_cosine_similarity([[1.0, -1.0, 0.0]], S=S)
    with pytest.raises(ValueError, match="needs the term-similarity matrix"):
        pairwise_similarity(X, metric="soft_cosine")


def test_wrd_properties():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((15, 4)) * rng.uniform(0.1, 5, (15, 1))
    D = wrd_distances(X, lam=0.7)
    assert_allclose(D, D.T)
    assert np.all(D >= 0)
    # triangle inequality (a metric on non-zero vectors)
    assert np.all(D[:, None, :] <= D[:, :, None] + D[None, :, :] + 1e-12)
    Ds = wrd_distances(X, lam=0.7, signed=True)
    theta = np.arccos(np.clip(ref_cos(X, X), -1, 1))
    assert_allclose(Ds - 0.7 * theta, -(Ds - 0.7 * theta).T, atol=1e-6)


def test_angular_is_metric():
    rng = np.random.default_rng(2)
    D = angular_distances(rng.standard_normal((20, 3)))
    assert np.all((D >= 0) & (D <= 1))
    assert np.all(D[:, None, :] <= D[:, :, None] + D[None, :, :] + 1e-12)


def test_dtype_rules():
    X32 = np.ones((2, 3), dtype=np.float32)
    assert cosine_similarity(X32).dtype == np.float32
    assert cosine_similarity(X32, X32.astype(np.float64)).dtype == np.float64
    assert cosine_similarity([[1, 2]]).dtype == np.float64


@pytest.mark.parametrize(
    "X, Y, match",
    [
        ([[np.nan, 1.0]], None, "NaN"),
        ([[np.inf, 1.0]], None, "infinity"),
        ([[1.0, 2.0]], [[1.0, 2.0, 3.0]], "Incompatible dimension"),
        (np.empty((0, 2)), None, "0 sample"),
        ([1.0, 2.0], None, "2D array"),
    ],
)
def test_bad_input(X, Y, match):
    with pytest.raises(ValueError, match=match):
        pairwise_similarity(X, Y, metric="cosine")


def test_bad_metric_and_params():
    X = np.eye(2)
    with pytest.raises(ValueError, match="metric='nope' is not a registered"):
        pairwise_similarity(X, metric="nope")
    with pytest.raises(ValueError, match="Unknown parameter"):
        pairwise_similarity(X, metric="cosine", alpha=1)
    with pytest.raises(ValueError, match="alpha must be in"):
        pairwise_similarity(X, metric="scaled_cosine", alpha=2.0)
    with pytest.raises(ValueError, match="lam must be"):
        pairwise_similarity(X, metric="wrd", lam=-1.0)
    with pytest.raises(ValueError, match="beta must be"):
        pairwise_similarity(X, metric="radial_cosine", beta=np.inf)


def test_register_measure_and_callable():
    class Hellinger(SimilarityMeasure):
        name = "test_hellinger"

        def operand(self, rows, idx, side):
            return np.sqrt(np.abs(rows.X[idx]))

        def similarity(self, G, q, c, qi, cj):
            return G

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(5, 3))
    register_similarity(Hellinger())
    try:
        assert "test_hellinger" in PAIRWISE_SIMILARITY_MEASURES
        assert_allclose(
            pairwise_similarity(X, metric="test_hellinger"), np.sqrt(X) @ np.sqrt(X).T
        )
        with pytest.raises(ValueError, match="already registered"):
            register_similarity(Hellinger())
    finally:
        unregister_similarity("test_hellinger")
    with pytest.raises(ValueError, match="built-in"):
        register_similarity(lambda X, Y: X @ Y.T, name="cosine")
    with pytest.raises(ValueError, match="not registered"):
        unregister_similarity("test_hellinger")

    def neg_l1(A, B):
        return -np.abs(A[:, None] - B[None]).sum(-1)

    got = pairwise_similarity(X, metric=neg_l1)
    assert_allclose(got, -sk_pairwise.manhattan_distances(X))
    measure = CallableMeasure(neg_l1, distance="negative")
    assert_allclose(
        pairwise_distances(X, metric=measure), sk_pairwise.manhattan_distances(X)
    )
    with pytest.raises(ValueError, match="returned shape"):
        pairwise_similarity(X, metric=lambda A, B: np.zeros(3))
