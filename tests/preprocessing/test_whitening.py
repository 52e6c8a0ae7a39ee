import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.covariance import OAS, LedoitWolf, ShrunkCovariance
from sklearn.decomposition import PCA

from sklearn_cosim.preprocessing import Whitener, whiten


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6)) * [8.0, 4.0, 2.0, 1.0, 0.5, 0.2]
    return rng.standard_normal((200, 6)) @ A.T + 50.0


def _align_signs(A, B):
    """Flip the columns of A to match the signs of B."""
    signs = np.sign(np.sum(A * B, axis=0))
    return A * signs


@pytest.mark.parametrize("n_components", [None, 3])
def test_pca_matches_sklearn_pca_whiten(X, n_components):
    X_w = Whitener(n_components).fit_transform(X)
    X_ref = PCA(n_components, whiten=True, svd_solver="full").fit_transform(X)
    assert X_w.shape == X_ref.shape
    assert_allclose(_align_signs(X_w, X_ref), X_ref, atol=1e-8)


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_output_covariance_is_identity_ddof1(X, method):
    X_w = Whitener(method=method).fit_transform(X)
    assert_allclose(X_w.mean(axis=0), 0.0, atol=1e-10)
    assert_allclose(np.cov(X_w, rowvar=False, ddof=1), np.eye(6), atol=1e-8)


def test_zca_equals_symmetric_inverse_square_root(X):
    mu = X.mean(axis=0)
    cov = np.cov(X, rowvar=False, ddof=1)
    vals, vecs = np.linalg.eigh(cov)
    inv_sqrt = vecs @ np.diag(vals**-0.5) @ vecs.T
    whitener = Whitener(method="zca").fit(X)
    assert_allclose(whitener.transform(X), (X - mu) @ inv_sqrt, atol=1e-8)
    assert_allclose(whitener.whitening_, whitener.whitening_.T, atol=1e-10)


def test_zca_with_n_components_projects_then_whitens(X):
    mu = X.mean(axis=0)
    vals, vecs = np.linalg.eigh(np.cov(X, rowvar=False))
    U = vecs[:, ::-1][:, :2]
    lam = vals[::-1][:2]
    expected = (X - mu) @ U @ np.diag(lam**-0.5) @ U.T
    assert_allclose(Whitener(2, method="zca").fit_transform(X), expected, atol=1e-8)


@pytest.mark.parametrize("power", [0.0, 0.25])
def test_partial_whitening_power(X, power):
    whitener = Whitener(power=power).fit(X)
    X_w = whitener.transform(X)
    expected_var = whitener.explained_variance_ ** (1 - 2 * power)
    assert_allclose(np.var(X_w, axis=0, ddof=1), expected_var, rtol=1e-8)
    if power == 0.0:
        # a pure rotation: norms of the centred data are kept
        assert_allclose(
            np.linalg.norm(X_w, axis=1), np.linalg.norm(X - X.mean(0), axis=1)
        )


@pytest.mark.parametrize("method", ["pca", "zca"])
@pytest.mark.parametrize("shrinkage", [None, "ledoit-wolf", "oas", 0.3])
def test_partial_fit_over_chunks_equals_fit(X, method, shrinkage):
    full = Whitener(method=method, shrinkage=shrinkage).fit(X)
    streamed = Whitener(method=method, shrinkage=shrinkage)
    for chunk in np.array_split(X, [7, 50, 51 + 50, 180]):
        streamed.partial_fit(chunk)
    assert streamed.n_samples_seen_ == X.shape[0]
    assert_allclose(streamed.mean_, full.mean_, rtol=1e-12)
    assert_allclose(streamed.covariance_, full.covariance_, rtol=1e-9, atol=1e-9)
    assert_allclose(streamed.shrinkage_, full.shrinkage_, rtol=1e-9)
    assert_allclose(streamed.transform(X), full.transform(X), atol=1e-7)


def test_partial_fit_float32_with_offset_is_stable():
    rng = np.random.default_rng(1)
    X = (rng.standard_normal((3000, 4)) + 1e4).astype(np.float32)
    streamed = Whitener()
    for chunk in np.array_split(X, 30):
        streamed.partial_fit(chunk)
    ref = np.cov(X.astype(np.float64), rowvar=False)
    assert_allclose(streamed.covariance_, ref, atol=1e-6 * np.abs(ref).max())


@pytest.mark.parametrize(
    "shrinkage, Reference",
    [
        ("ledoit-wolf", LedoitWolf()),
        ("oas", OAS()),
        (0.3, ShrunkCovariance(shrinkage=0.3)),
    ],
)
def test_shrinkage_matches_sklearn_covariance(X, shrinkage, Reference):
    whitener = Whitener(shrinkage=shrinkage).fit(X)
    ref = Reference.fit(X)
    expected = ref.shrinkage if isinstance(shrinkage, float) else ref.shrinkage_
    assert_allclose(whitener.shrinkage_, expected, rtol=1e-8)
    n = X.shape[0]
    # scikit-learn's estimators use ddof=0; ours ddof=1
    assert_allclose(whitener.covariance_ * (n - 1) / n, ref.covariance_, rtol=1e-8)


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_inverse_transform_roundtrip(X, method):
    whitener = Whitener(method=method).fit(X)
    assert_allclose(whitener.inverse_transform(whitener.transform(X)), X, atol=1e-8)


def test_inverse_transform_wrong_width(X):
    whitener = Whitener(2).fit(X)
    with pytest.raises(ValueError, match="expects 2"):
        whitener.inverse_transform(X)


def test_rank_deficient_null_directions():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 50))  # n < d: rank 19 after centering
    X[:, 3] = 7.0  # a constant feature
    pca = Whitener().fit(X)
    assert pca.n_components_ == 19
    X_w = pca.transform(X)
    assert np.isfinite(X_w).all()
    assert_allclose(np.cov(X_w, rowvar=False), np.eye(19), atol=1e-8)
    zca = Whitener(method="zca").fit(X)
    X_z = zca.transform(X)
    assert np.isfinite(X_z).all()
    assert np.abs(X_z).max() < 100
    # the constant feature is a null direction: mapped to 0
    assert_allclose(X_z[:, 3], 0.0, atol=1e-8)
    assert_allclose(X_z @ X_z.T, X_w @ X_w.T, atol=1e-8)


def test_shrinkage_makes_rank_deficient_full_rank():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 50))
    whitener = Whitener(shrinkage="ledoit-wolf").fit(X)
    assert whitener.n_components_ == 50
    assert np.isfinite(whitener.transform(X)).all()


def test_function_twin(X):
    params = {"method": "zca", "shrinkage": 0.1, "power": 0.3}
    assert_allclose(whiten(X, 3, **params), Whitener(3, **params).fit_transform(X))


@pytest.mark.parametrize(
    "params, X_, match",
    [
        ({"n_components": 7}, None, "n_components=7 must be <= n_features=6"),
        ({"method": "cholesky"}, None, "'method' parameter"),
        ({"power": -0.5}, None, "'power' parameter"),
        ({"shrinkage": 1.5}, None, "'shrinkage' parameter"),
        ({"n_components": 4}, "low_rank", "n_components=4 is larger than the"),
        ({}, "constant", "numerically zero"),
        ({}, "one_sample", "at least 2 samples"),
    ],
)
def test_bad_input(X, params, X_, match):
    if X_ == "low_rank":
        X = X[:, :2] @ np.ones((2, 6))
    elif X_ == "constant":
        X = np.ones((5, 6))
    elif X_ == "one_sample":
        X = X[:1]
    with pytest.raises(ValueError, match=match):
        Whitener(**params).fit(X)


def test_float32_preserved(X):
    X32 = X.astype(np.float32)
    for method in ["pca", "zca"]:
        whitener = Whitener(method=method).fit(X32)
        X_w = whitener.transform(X32)
        assert X_w.dtype == np.float32
        assert_allclose(X_w, whitener.transform(X), rtol=1e-3, atol=1e-3)
        assert whitener.inverse_transform(X_w).dtype == np.float32


def test_feature_names(X):
    assert list(Whitener(2).fit(X).get_feature_names_out()) == [
        "whitener0",
        "whitener1",
    ]
    names = [f"f{i}" for i in range(6)]
    zca = Whitener(method="zca").fit(X)
    assert list(zca.get_feature_names_out(names)) == names


def test_partial_fit_single_sample_batches(X):
    from sklearn.exceptions import NotFittedError

    streamed = Whitener().partial_fit(X[:1])
    with pytest.raises(NotFittedError):
        streamed.transform(X)
    for row in X[1:]:
        streamed.partial_fit(row[None])
    assert_allclose(streamed.transform(X), Whitener().fit(X).transform(X), atol=1e-7)


def test_float32_null_rule_finds_rank():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((150, 768)) * np.linspace(3.0, 0.1, 768) + 2.0
    X = np.vstack([base, base])
    for dtype in [np.float32, np.float64]:
        assert Whitener().fit(X.astype(dtype)).n_components_ == 149


def test_partial_fit_small_batches_accumulate_until_rank_allows(X):
    # Batches of 2 rows with n_components=3: each batch alone has rank <= 1,
    # the statistics accumulate and the fit happens once 4 samples are seen.
    from sklearn.exceptions import NotFittedError

    streamed = Whitener(n_components=3)
    streamed.partial_fit(X[:2])
    with pytest.raises(NotFittedError, match="needs at least 4 samples.*got n_samp"):
        streamed.transform(X)
    for start in range(2, X.shape[0], 2):
        streamed.partial_fit(X[start : start + 2])
    full = Whitener(n_components=3).fit(X)
    assert streamed.n_samples_seen_ == X.shape[0]
    assert_allclose(streamed.mean_, full.mean_, rtol=1e-12)
    assert_allclose(streamed.transform(X), full.transform(X), atol=1e-7)


def test_partial_fit_waits_for_rank_of_duplicate_rows(X):
    # Enough rows but rank 1 (copies of two rows): unfitted, with the reason.
    from sklearn.exceptions import NotFittedError

    streamed = Whitener(n_components=2)
    streamed.partial_fit(np.vstack([X[:2]] * 3))
    with pytest.raises(NotFittedError, match="numerical rank 1 of the covariance"):
        streamed.transform(X)
    streamed.partial_fit(X[2:])
    ref = Whitener(n_components=2).fit(np.vstack([X[:2]] * 3 + [X[2:]]))
    assert_allclose(streamed.transform(X), ref.transform(X), atol=1e-7)
    # fit, unlike partial_fit, refuses data that cannot give n_components.
    with pytest.raises(ValueError, match="numerical rank 1"):
        Whitener(n_components=2).fit(np.vstack([X[:2]] * 3))


def test_not_fitted_after_one_row_says_why(X):
    from sklearn.exceptions import NotFittedError

    streamed = Whitener().partial_fit(X[:1])
    with pytest.raises(NotFittedError, match="at least 2 samples.*n_samples = 1"):
        streamed.transform(X)


@pytest.mark.parametrize("power", [1e12, 400.0])
def test_huge_power_is_refused(X, power):
    with pytest.raises(ValueError, match=f"power={power}.*outside the range"):
        Whitener(power=power).fit(X)


def test_transform_refuses_whitening_beyond_float32():
    # power=1 on data of spread 1e-30: the whitening matrix (about 1e60) fits
    # float64 but not float32.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3)) * 1e-30
    whitener = Whitener(power=1.0).fit(X)
    assert np.all(np.isfinite(whitener.transform(X)))
    with pytest.raises(ValueError, match="beyond the range of float32.*float64"):
        whitener.transform(X.astype(np.float32))


def _offset_float32(n_samples=3000, n_features=12, offset=1e3, seed=0):
    rng = np.random.default_rng(seed)
    scales = np.geomspace(1.0, 0.1, n_features)  # float32 can whiten kappa=100
    rotation, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    X = (rng.standard_normal((n_samples, n_features)) * scales) @ rotation
    return (X + offset * rng.uniform(0.5, 1.5, n_features)).astype(np.float32)


@pytest.mark.parametrize("offset", [0.0, 10.0, 1e4])
@pytest.mark.parametrize("n_components", [None, 4])
@pytest.mark.parametrize("method", ["pca", "zca"])
def test_offset_float32_output_is_white(offset, n_components, method):
    # Whichever way transform handles the mean (folded into the product for
    # offsets 0 and 10, subtracted per block for 1e4, where folding would cost
    # about 0.5 of the smallest column's spread), float32 output on offset
    # data stays white, and the covariance matches a float64 reference.
    X = _offset_float32(offset=offset)
    whitener = Whitener(n_components, method=method).fit(X)
    X64 = X.astype(np.float64)
    ref = np.cov(X64, rowvar=False)
    assert_allclose(whitener.covariance_, ref, rtol=1e-5, atol=1e-6 * ref.max())
    assert_allclose(whitener.mean_, X64.mean(axis=0), rtol=1e-7, atol=1e-7)
    X_w = whitener.transform(X).astype(np.float64)
    k = whitener.n_components_
    if method == "zca":
        X_w = X_w @ whitener.components_.T
    assert np.abs(np.cov(X_w, rowvar=False) - np.eye(k)).max() < 1e-3
    exact = (X64 - whitener.mean_) @ whitener.whitening_
    assert_allclose(whitener.transform(X), exact, atol=1e-3)


def test_partial_fit_batches_whose_merged_covariance_overflows():
    # Each batch alone has a representable covariance; merged, the offset
    # between them (1e160) makes it overflow float64: a clear error.
    rng = np.random.default_rng(0)
    whitener = Whitener().partial_fit(rng.standard_normal((20, 3)))
    with pytest.raises(ValueError, match="so large that their squares overflow"):
        whitener.partial_fit(rng.standard_normal((20, 3)) + 1e160)
